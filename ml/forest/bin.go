package forest

import (
	"fmt"
	"math"
	"slices"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Feature describes one input column of a model.
type Feature struct {
	// Name is the column's name in the frame.
	Name string `json:"name"`
	// Bool is true for a frame.BoolColumn, read as 0 and 1.
	Bool bool `json:"bool,omitempty"`
	// Categorical is true for a frame.CategoricalColumn, whose codes in
	// Categories are split on as numbers. Prediction maps a frame's
	// categories onto Categories by value; unknown ones count as missing.
	Categorical bool `json:"categorical,omitempty"`
	// Categories is the training dictionary of a categorical feature.
	Categories []string `json:"categories,omitempty"`
}

// binned is the training matrix: one uint8 bin per row and feature,
// column-major (cols[f*n+i]). Bin missingBin holds missing values.
type binned struct {
	n, nf int
	cols  []uint8
	cuts  [][]float32 // per feature, ascending upper bounds; the last is +Inf
}

// featureValues returns column c as float64 values, NaN where missing, and
// its Feature.
func featureValues(c frame.Column) ([]float64, Feature, error) {
	ft := Feature{Name: c.Name(), Bool: c.Kind() == frame.Bool, Categorical: c.Kind() == frame.Categorical}
	v, ok := frame.Numeric(c)
	if !ok {
		return nil, ft, fmt.Errorf("forest: column %q has kind %s, want float, boolean or categorical: %w", c.Name(), c.Kind(), ErrInvalid)
	}
	if cc, isCat := c.(*frame.CategoricalColumn); isCat {
		ft.Categories = slices.Clone(cc.Dict())
	}
	return v, ft, nil
}

// computeCuts returns the ascending bin upper bounds of one feature: the
// distinct values' midpoints when there are at most maxBins of them (as
// scikit-learn's thresholds), else values at evenly spaced ranks of the
// sorted values. The last bound is +Inf. A value v falls in the first bin
// whose bound exceeds it.
func computeCuts(values []float64, maxBins int) []float32 {
	vals := make([]float64, 0, len(values))
	for _, v := range values {
		if v == v {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	inf := float32(math.Inf(1))
	if len(vals) == 0 {
		return []float32{inf}
	}
	uniq := slices.Compact(slices.Clone(vals))
	var cuts []float32
	add := func(c float32) {
		if float64(c) <= vals[0] || (len(cuts) > 0 && c <= cuts[len(cuts)-1]) || math.IsInf(float64(c), 0) {
			return
		}
		cuts = append(cuts, c)
	}
	if len(uniq) <= maxBins {
		for i := 1; i < len(uniq); i++ {
			add(float32(uniq[i-1] + (uniq[i]-uniq[i-1])/2))
		}
	} else {
		n := len(vals)
		for i := 1; i < maxBins; i++ {
			add(float32(vals[i*n/maxBins]))
		}
	}
	return append(cuts, inf)
}

// binOf returns the bin of v under cuts.
func binOf(cuts []float32, v float64) uint8 {
	if v != v {
		return missingBin
	}
	lo, hi := 0, len(cuts)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if v < float64(cuts[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return uint8(lo)
}

// binFrame bins every feature of vals (n values each) into at most maxBins
// value bins.
func binFrame(vals [][]float64, n, maxBins int, pool *workers) *binned {
	nf := len(vals)
	b := &binned{n: n, nf: nf, cols: make([]uint8, n*nf), cuts: make([][]float32, nf)}
	pool.run(nf, func(f int) {
		cuts := computeCuts(vals[f], maxBins)
		b.cuts[f] = cuts
		col := b.cols[f*n : (f+1)*n]
		for i, x := range vals[f] {
			col[i] = binOf(cuts, x)
		}
	})
	return b
}
