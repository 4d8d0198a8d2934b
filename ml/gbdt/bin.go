package gbdt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// sketchRows is the most rows whose values choose the bin edges, as
// LightGBM's bin_construct_sample_cnt.
const sketchRows = 200_000

// Feature describes one input column of a model.
type Feature struct {
	// Name is the column's name in the frame.
	Name string `json:"name"`
	// Categorical is true for a frame.CategoricalColumn; its codes are
	// split natively when Categories has at most 255 entries.
	Categorical bool `json:"categorical,omitempty"`
	// Bool is true for a frame.BoolColumn, read as 0 and 1.
	Bool bool `json:"bool,omitempty"`
	// Categories is the training dictionary of a categorical feature;
	// prediction maps a frame's categories onto it by value, and unknown
	// categories count as missing.
	Categories []string `json:"categories,omitempty"`
}

// native reports whether a feature's values are category codes used as
// bins directly.
func (f *Feature) native() bool { return f.Categorical && len(f.Categories) <= maxValueBins }

// binned is the training matrix: one uint8 bin per row and feature, in both
// layouts. Bin missingBin holds missing values.
type binned struct {
	n, nf int
	cols  []uint8     // column-major, cols[f*n+i]
	rows  []uint8     // row-major, rows[i*nf+f]
	cuts  [][]float32 // per numeric feature, ascending upper bounds; the last is +Inf
	nbins []int       // bins holding values per feature
}

// featureValues returns column c as float64 values, NaN where missing, and
// its Feature.
func featureValues(c frame.Column) ([]float64, Feature, error) {
	ft := Feature{Name: c.Name(), Bool: c.Kind() == frame.Bool, Categorical: c.Kind() == frame.Categorical}
	v, ok := frame.Numeric(c)
	if !ok {
		return nil, ft, fmt.Errorf("gbdt: column %q has kind %s, want float, boolean or categorical: %w", c.Name(), c.Kind(), ErrInvalid)
	}
	if cc, isCat := c.(*frame.CategoricalColumn); isCat {
		ft.Categories = slices.Clone(cc.Dict())
	}
	return v, ft, nil
}

// computeCuts returns the ascending bin upper bounds of one numeric feature
// from its sampled values: the distinct values' midpoints when there are at
// most maxBins of them, else values at evenly spaced ranks of the sorted
// sample. The last bound is +Inf. A value v falls in the first bin whose
// bound exceeds it.
func computeCuts(sample []float64, maxBins int) []float32 {
	vals := make([]float64, 0, len(sample))
	for _, v := range sample {
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

// binFrame bins the features of x, choosing the cuts from a sample of at
// most sketchRows rows.
func binFrame(vals [][]float64, feats []Feature, n, maxBin int, seed uint64, pool *workers) *binned {
	nf := len(vals)
	b := &binned{n: n, nf: nf, cols: make([]uint8, n*nf), rows: make([]uint8, n*nf), cuts: make([][]float32, nf), nbins: make([]int, nf)}
	var sample []int
	if n > sketchRows {
		r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		sample = r.Perm(n)[:sketchRows]
		slices.Sort(sample)
	}
	maxBins := min(maxBin, maxValueBins)
	pool.run(nf, func(f int) {
		v := vals[f]
		col := b.cols[f*n : (f+1)*n]
		if feats[f].native() {
			b.nbins[f] = max(len(feats[f].Categories), 1)
			for i, x := range v {
				if x != x {
					col[i] = missingBin
				} else {
					col[i] = uint8(x)
				}
			}
			return
		}
		s := v
		if sample != nil {
			s = make([]float64, len(sample))
			for j, i := range sample {
				s[j] = v[i]
			}
		}
		cuts := computeCuts(s, maxBins)
		b.cuts[f], b.nbins[f] = cuts, len(cuts)
		for i, x := range v {
			col[i] = binOf(cuts, x)
		}
	})
	const blk = 4096
	pool.run((n+blk-1)/blk, func(k int) {
		lo, hi := k*blk, min((k+1)*blk, n)
		for f := range nf {
			col := b.cols[f*n : (f+1)*n]
			for i := lo; i < hi; i++ {
				b.rows[i*nf+f] = col[i]
			}
		}
	})
	return b
}
