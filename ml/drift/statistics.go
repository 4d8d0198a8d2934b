package drift

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/stats"
)

// Identifiers of the statistics file format (docs/format/statistics.md).
const (
	StatisticsFormat  = "mlcycle.statistics"
	StatisticsVersion = 1
)

// Feature types. The type is derived from the frame column's kind.
const (
	// TypeNumeric is a Float column (logical type integer or float).
	TypeNumeric = "numeric"
	// TypeCategorical is a Categorical or Bool column; booleans have the
	// values "false" and "true".
	TypeCategorical = "categorical"
	// TypeText is a String column: only completeness is summarised.
	TypeText = "text"
	// TypeTime is a Time column (date, timestamp): only completeness is
	// summarised.
	TypeTime = "time"
)

// Defaults of BaselineOpts.
const (
	DefaultSampleSize    = 10000
	DefaultMaxCategories = 1000
	DefaultSeed          = 1
	// QuantileCount is the number of quantiles kept per numeric feature, at
	// the probabilities 0, 0.01, …, 1.
	QuantileCount = 101
)

// BaselineOpts are the options of Baseline. The zero value means the
// defaults.
type BaselineOpts struct {
	// SampleSize is the most finite values kept per numeric feature for KS
	// and Wasserstein (default DefaultSampleSize, 10,000).
	SampleSize int
	// Seed seeds the choice of the sample (default DefaultSeed); feature i
	// draws from PCG(Seed, i), so a baseline is reproducible.
	Seed uint64
	// MaxCategories is the most distinct values counted per categorical
	// feature; rarer values are counted together as Other (default
	// DefaultMaxCategories, 1,000).
	MaxCategories int
	// Bins is the number of quantile bins of the numeric histograms (default
	// PSIBins, 10).
	Bins int
}

// WithDefaults returns a copy of o with zero fields set to their defaults.
func (o BaselineOpts) WithDefaults() BaselineOpts {
	if o.SampleSize <= 0 {
		o.SampleSize = DefaultSampleSize
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.MaxCategories <= 0 {
		o.MaxCategories = DefaultMaxCategories
	}
	if o.Bins <= 0 {
		o.Bins = PSIBins
	}
	return o
}

// Statistics summarises a baseline data set per feature; it is stored as a
// versioned JSON file (docs/format/statistics.md) and is what Compare
// compares new data with.
type Statistics struct {
	// Format is StatisticsFormat.
	Format string `json:"format"`
	// Version is StatisticsVersion.
	Version int `json:"version"`
	// Rows is the number of rows of the baseline.
	Rows int `json:"rows"`
	// Features holds one entry per column, in the frame's order.
	Features []FeatureStatistics `json:"features"`
}

// FeatureStatistics summarises one column.
type FeatureStatistics struct {
	// Name is the column name.
	Name string `json:"name"`
	// Type is one of TypeNumeric, TypeCategorical, TypeText, TypeTime.
	Type string `json:"type"`
	// Logical is the frame's logical type of the column ("integer",
	// "float", "categorical", "boolean", "text", "date", "timestamp").
	Logical string `json:"logical"`
	// Present and Missing count the rows with and without a value.
	Present int `json:"present"`
	Missing int `json:"missing"`
	// Numeric is set for TypeNumeric.
	Numeric *NumericStatistics `json:"numeric,omitempty"`
	// Categorical is set for TypeCategorical.
	Categorical *CategoricalStatistics `json:"categorical,omitempty"`
}

// NumericStatistics summarises the values of a numeric feature. All
// statistics but Infinite are over the finite values.
type NumericStatistics struct {
	// Infinite counts the values ±Inf; they are present but take part in no
	// statistic, bin or test.
	Infinite int `json:"infinite"`
	// Mean is the mean (null without finite values).
	Mean Float `json:"mean"`
	// Std is the sample standard deviation, ddof = 1, as pandas'
	// Series.std (null with fewer than two finite values).
	Std Float `json:"std"`
	// Min and Max are the extreme finite values (null without any).
	Min Float `json:"min"`
	Max Float `json:"max"`
	// Quantiles are the QuantileCount exact quantiles at probabilities
	// i/100, i = 0…100 (NumPy's "linear" method); empty without finite
	// values.
	Quantiles []float64 `json:"quantiles"`
	// Histogram counts the finite values in the baseline quantile bins.
	Histogram Histogram `json:"histogram"`
	// Sample is a sorted uniform random sample, without replacement, of at
	// most BaselineOpts.SampleSize finite values (all of them when there are
	// no more); KS and Wasserstein compare new data with it.
	Sample []float64 `json:"sample"`
}

// Histogram counts values in bins defined by interior edges: bin i is
// [Edges[i−1], Edges[i]), the first bin is open below and the last open
// above (see BinIndex), so len(Counts) == len(Edges)+1.
type Histogram struct {
	// Edges are the interior edges, strictly increasing.
	Edges []float64 `json:"edges"`
	// Counts are the counts per bin.
	Counts []int64 `json:"counts"`
}

// CategoricalStatistics counts the values of a categorical feature.
type CategoricalStatistics struct {
	// Distinct is the number of distinct values present.
	Distinct int `json:"distinct"`
	// Values are the counts of the most frequent values, at most
	// BaselineOpts.MaxCategories of them, by count descending then value.
	Values []ValueCount `json:"values"`
	// Other counts the present values not listed in Values.
	Other int64 `json:"other"`
}

// ValueCount is a category and its number of rows.
type ValueCount struct {
	// Value is the category.
	Value string `json:"value"`
	// Count is its number of rows.
	Count int64 `json:"count"`
}

// Feature returns the statistics of the named feature.
func (s *Statistics) Feature(name string) (*FeatureStatistics, bool) {
	for i := range s.Features {
		if s.Features[i].Name == name {
			return &s.Features[i], true
		}
	}
	return nil, false
}

// TypeOf returns the feature type of a frame column.
func TypeOf(c frame.Column) string {
	switch c.Kind() {
	case frame.Float:
		return TypeNumeric
	case frame.Categorical, frame.Bool:
		return TypeCategorical
	case frame.Time:
		return TypeTime
	}
	return TypeText
}

// Baseline computes the statistics of every column of f. Columns are
// summarised in parallel (runtime.GOMAXPROCS goroutines); the result does
// not depend on scheduling. The only error is ctx's.
func Baseline(ctx context.Context, f *frame.Frame, opts BaselineOpts) (Statistics, error) {
	opts = opts.WithDefaults()
	cols := f.Columns()
	st := Statistics{Format: StatisticsFormat, Version: StatisticsVersion, Rows: f.Len(),
		Features: make([]FeatureStatistics, len(cols))}
	err := parallel(ctx, len(cols), func(i int) {
		st.Features[i] = featureStatistics(cols[i], i, opts)
	})
	if err != nil {
		return Statistics{}, fmt.Errorf("drift: baseline: %w", err)
	}
	return st, nil
}

// parallel runs fn(0…n−1) on up to GOMAXPROCS goroutines, checking ctx
// before each call.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func featureStatistics(c frame.Column, index int, opts BaselineOpts) FeatureStatistics {
	fs := FeatureStatistics{Name: c.Name(), Type: TypeOf(c), Logical: c.Logical(),
		Missing: c.NullCount()}
	fs.Present = c.Len() - fs.Missing
	switch c := c.(type) {
	case *frame.FloatColumn:
		fs.Numeric = numericStatistics(c.Values(), index, opts)
	case *frame.CategoricalColumn, *frame.BoolColumn:
		counts := categoryCounts(c)
		fs.Categorical = categoricalStatistics(counts, opts.MaxCategories)
	}
	return fs
}

func numericStatistics(x []float64, index int, opts BaselineOpts) *NumericStatistics {
	ns := &NumericStatistics{Mean: Float(math.NaN()), Std: Float(math.NaN()),
		Min: Float(math.NaN()), Max: Float(math.NaN())}
	sorted, inf := sortedFiniteCount(x)
	ns.Infinite = inf
	n := len(sorted)
	edges := QuantileEdges(sorted, opts.Bins)
	ns.Histogram = Histogram{Edges: edges, Counts: BinCountsSorted(edges, sorted)}
	if ns.Histogram.Edges == nil {
		ns.Histogram.Edges = []float64{}
	}
	ns.Quantiles = []float64{}
	ns.Sample = []float64{}
	if n == 0 {
		return ns
	}
	ns.Min, ns.Max = Float(sorted[0]), Float(sorted[n-1])
	mean, std := meanStd(x)
	ns.Mean, ns.Std = Float(mean), Float(std)
	ns.Quantiles = make([]float64, QuantileCount)
	for i := range ns.Quantiles {
		ns.Quantiles[i] = stats.QuantileSorted(sorted, float64(i)/float64(QuantileCount-1))
	}
	ns.Sample = sampleSorted(sorted, opts.SampleSize, opts.Seed, uint64(index))
	return ns
}

// sortedFiniteCount returns the finite values of x sorted, and the number
// of infinite ones.
func sortedFiniteCount(x []float64) ([]float64, int) {
	out := make([]float64, 0, len(x))
	inf := 0
	for _, v := range x {
		switch {
		case math.IsInf(v, 0):
			inf++
		case !math.IsNaN(v):
			out = append(out, v)
		}
	}
	sortFloats(out)
	return out, inf
}

// meanStd returns pandas' mean and std (ddof = 1) of the finite values of x:
// the sums in NumPy's pairwise order, the variance by two passes.
func meanStd(x []float64) (float64, float64) {
	vals := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals = append(vals, v)
		}
	}
	n := len(vals)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	mean := npSum(vals) / float64(n)
	if n < 2 {
		return mean, math.NaN()
	}
	for i, v := range vals {
		d := v - mean
		vals[i] = d * d
	}
	return mean, math.Sqrt(npSum(vals) / float64(n-1))
}

// sampleSorted returns k of the sorted values chosen uniformly without
// replacement (Floyd's algorithm over positions, PCG(seed, stream)), in
// sorted order; all of them when there are at most k.
func sampleSorted(sorted []float64, k int, seed, stream uint64) []float64 {
	n := len(sorted)
	if n <= k {
		return slices.Clone(sorted)
	}
	rng := rand.New(rand.NewPCG(seed, stream))
	chosen := make([]uint64, (n+63)/64)
	for j := n - k; j < n; j++ {
		t := rng.IntN(j + 1)
		if chosen[t/64]&(1<<(t%64)) != 0 {
			t = j
		}
		chosen[t/64] |= 1 << (t % 64)
	}
	out := make([]float64, 0, k)
	for i, v := range sorted {
		if chosen[i/64]&(1<<(i%64)) != 0 {
			out = append(out, v)
		}
	}
	return out
}

// categoryCounts returns the count of every value present in a categorical
// or boolean column.
func categoryCounts(c frame.Column) map[string]int64 {
	counts := map[string]int64{}
	switch c := c.(type) {
	case *frame.CategoricalColumn:
		dict := c.Dict()
		perCode := make([]int64, len(dict))
		mask := c.Mask()
		for i, code := range c.Codes() {
			if mask != nil && c.IsMissing(i) {
				continue
			}
			perCode[code]++
		}
		for code, n := range perCode {
			if n > 0 {
				counts[dict[code]] = n
			}
		}
	case *frame.BoolColumn:
		var f, t int64
		mask := c.Mask()
		for i, v := range c.Values() {
			if mask != nil && c.IsMissing(i) {
				continue
			}
			if v {
				t++
			} else {
				f++
			}
		}
		if f > 0 {
			counts[strconv.FormatBool(false)] = f
		}
		if t > 0 {
			counts[strconv.FormatBool(true)] = t
		}
	}
	return counts
}

func categoricalStatistics(counts map[string]int64, maxCategories int) *CategoricalStatistics {
	vals := make([]ValueCount, 0, len(counts))
	for v, n := range counts {
		vals = append(vals, ValueCount{Value: v, Count: n})
	}
	slices.SortFunc(vals, func(a, b ValueCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	cs := &CategoricalStatistics{Distinct: len(vals)}
	if len(vals) > maxCategories {
		for _, v := range vals[maxCategories:] {
			cs.Other += v.Count
		}
		vals = vals[:maxCategories]
	}
	cs.Values = vals
	return cs
}

// Validate checks that s is a well-formed statistics file of this format
// and version, and returns a *ValidationError listing every problem with its
// path.
func (s *Statistics) Validate() error {
	var v validator
	if s.Format != StatisticsFormat {
		v.add("format", "is %q, want %q", s.Format, StatisticsFormat)
	}
	if s.Version != StatisticsVersion {
		v.add("version", "is %d, this program reads version %d", s.Version, StatisticsVersion)
	}
	if s.Rows < 0 {
		v.add("rows", "is negative")
	}
	seen := map[string]bool{}
	for i, f := range s.Features {
		p := fmt.Sprintf("features[%d]", i)
		if f.Name == "" {
			v.add(p+".name", "is empty")
		} else if seen[f.Name] {
			v.add(p+".name", "%q is listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Present < 0 || f.Missing < 0 || f.Present+f.Missing != s.Rows {
			v.add(p, "present (%d) + missing (%d) must equal rows (%d)", f.Present, f.Missing, s.Rows)
		}
		switch f.Type {
		case TypeNumeric:
			if f.Numeric == nil {
				v.add(p+".numeric", "is missing for a numeric feature")
			} else {
				f.Numeric.validate(&v, p+".numeric")
			}
		case TypeCategorical:
			if f.Categorical == nil {
				v.add(p+".categorical", "is missing for a categorical feature")
			} else {
				f.Categorical.validate(&v, p+".categorical")
			}
		case TypeText, TypeTime:
		default:
			v.add(p+".type", "%q is not one of numeric, categorical, text, time", f.Type)
		}
	}
	return v.err()
}

func (n *NumericStatistics) validate(v *validator, p string) {
	lo, hi := float64(n.Min), float64(n.Max)
	switch {
	case math.IsNaN(lo) != math.IsNaN(hi):
		v.add(p, "min and max must both be numbers or both be null")
	case math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi:
		v.add(p, "min %v and max %v must be finite with min <= max", lo, hi)
	}
	if std := float64(n.Std); std < 0 || math.IsInf(std, 0) {
		v.add(p+".std", "is %v, must be a finite number >= 0 or null", std)
	}
	if len(n.Quantiles) != 0 && len(n.Quantiles) != QuantileCount {
		v.add(p+".quantiles", "has %d values, want %d", len(n.Quantiles), QuantileCount)
	}
	if !isSorted(n.Quantiles) {
		v.add(p+".quantiles", "are not finite and ascending")
	}
	if !isSorted(n.Sample) {
		v.add(p+".sample", "is not finite and ascending")
	}
	h := n.Histogram
	if len(h.Counts) != len(h.Edges)+1 {
		v.add(p+".histogram.counts", "has %d counts for %d edges, want %d", len(h.Counts), len(h.Edges), len(h.Edges)+1)
	}
	for i := 1; i < len(h.Edges); i++ {
		if !(h.Edges[i] > h.Edges[i-1]) {
			v.add(fmt.Sprintf("%s.histogram.edges[%d]", p, i), "edges must increase strictly")
			break
		}
	}
	for i, c := range h.Counts {
		if c < 0 {
			v.add(fmt.Sprintf("%s.histogram.counts[%d]", p, i), "is negative")
		}
	}
}

func isSorted(x []float64) bool {
	for i, y := range x {
		if math.IsNaN(y) || math.IsInf(y, 0) || (i > 0 && y < x[i-1]) {
			return false
		}
	}
	return true
}

func (c *CategoricalStatistics) validate(v *validator, p string) {
	seen := map[string]bool{}
	for i, vc := range c.Values {
		if seen[vc.Value] {
			v.add(fmt.Sprintf("%s.values[%d].value", p, i), "%q is listed twice", vc.Value)
		}
		seen[vc.Value] = true
		if vc.Count < 0 {
			v.add(fmt.Sprintf("%s.values[%d].count", p, i), "is negative")
		}
	}
	if c.Other < 0 {
		v.add(p+".other", "is negative")
	}
}

// Problem is one problem found by Validate: the path of the field (as in
// "features[2].drift[0].threshold") and what is wrong with it.
type Problem struct {
	// Path locates the field, as in "features[2].drift[0].threshold".
	Path string `json:"path"`
	// Message says what is wrong and what is allowed.
	Message string `json:"message"`
}

// ValidationError lists every problem found in a statistics or constraints
// file. It wraps ErrInput.
type ValidationError struct {
	// Problems lists the problems in the order of the fields.
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ValidationError) Error() string {
	s := "drift: invalid file:"
	for _, p := range e.Problems {
		s += "\n  " + p.Path + ": " + p.Message
	}
	return s
}

// Unwrap returns ErrInput.
func (e *ValidationError) Unwrap() error { return ErrInput }

type validator struct{ problems []Problem }

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}
