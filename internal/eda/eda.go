package eda

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// Opts are the options of a profile.
type Opts struct {
	// Target is the column to relate features to; "" for none.
	Target string
	// Task overrides task inference (binary, multiclass, regression).
	Task string
	// Positive is the positive class of a binary target; default: the
	// minority class.
	Positive string
	// Seed drives the held-out split of the single-feature models.
	Seed uint64
	// TopK is how many top values a column lists. Default 10.
	TopK int
}

// Quantiles are the probabilities every numeric column reports.
var Quantiles = []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}

// Warning thresholds (documented in docs/eda.md).
const (
	// HighCardinality flags categorical columns with more distinct values.
	HighCardinality = 50
	// MostlyMissing flags columns missing more than this share.
	MostlyMissing = 0.5
	// HeavySkew flags numeric columns with |skewness| at least this.
	HeavySkew = 2.0
	// LeakagePower flags features whose single-feature power reaches it.
	LeakagePower = 0.95
	// Imbalance flags a minority class below this share.
	Imbalance = 0.05
	// MaxCorrLevels leaves categoricals with more levels out of Cramér's V
	// and the correlation ratio (the statistics mean little there, and the
	// tables grow with levels²).
	MaxCorrLevels = 200
	histBins      = 50
	missingBlocks = 100
	relationBins  = 10
)

// Run profiles the version named by ref.
func Run(ctx context.Context, cat *catalog.Service, ref string, opts Opts) (*Profile, error) {
	v, f, err := cat.Load(ctx, ref, nil)
	if err != nil {
		return nil, err
	}
	p, err := Compute(ctx, f, opts)
	if err != nil {
		return nil, err
	}
	p.Dataset, p.Version = v.Dataset, v.Number()
	return p, nil
}

// Compute profiles a frame.
func Compute(ctx context.Context, f *frame.Frame, opts Opts) (*Profile, error) {
	if opts.TopK <= 0 {
		opts.TopK = 10
	}
	var target frame.Column
	if opts.Target != "" {
		c, ok := f.Column(opts.Target)
		if !ok {
			return nil, fault.Invalid("eda: no column %q (columns: %v)", opts.Target, f.Names())
		}
		target = c
	}
	p := &Profile{Rows: int64(f.Len()), NumColumns: f.NumColumns()}
	cols := f.Columns()
	p.Columns = make([]Column, len(cols))
	// Columns are independent: profile them in parallel.
	if err := parallel(ctx, len(cols), func(i int) {
		p.Columns[i] = profileColumn(cols[i], opts.TopK)
	}); err != nil {
		return nil, err
	}
	for i, c := range cols {
		p.MissingCells += p.Columns[i].Missing
		p.MemoryBytes += memory(c)
	}
	p.DuplicateRows = duplicates(f)
	p.Missing = missingMatrix(cols)
	var err error
	if p.Correlations, err = correlations(ctx, cols, p.Columns); err != nil {
		return nil, err
	}
	if target != nil {
		if p.Target, err = relate(ctx, f, target, opts); err != nil {
			return nil, err
		}
	}
	p.Warnings = warnings(p)
	return p, nil
}

// parallel runs fn(0..n-1) over GOMAXPROCS workers.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	var wg sync.WaitGroup
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	var err error
	for i := 0; i < n; i++ {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return fault.Canceled(err)
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// floats returns the values of a numeric (Float) column, NaN for missing;
// ok is false for other kinds.
func floats(c frame.Column) ([]float64, bool) {
	if fc, ok := c.(*frame.FloatColumn); ok {
		return fc.Values(), true
	}
	return nil, false
}

func profileColumn(c frame.Column, topK int) Column {
	n := c.Len()
	col := Column{Name: c.Name(), Type: c.Logical(), Missing: int64(c.NullCount())}
	col.Count = int64(n) - col.Missing
	if n > 0 {
		col.MissingPct = 100 * float64(col.Missing) / float64(n)
	}
	switch c := c.(type) {
	case *frame.FloatColumn:
		numeric(&col, c.Values())
	case *frame.CategoricalColumn:
		counts := make([]int64, len(c.Dict()))
		for i, code := range c.Codes() {
			if !c.IsMissing(i) {
				counts[code]++
			}
		}
		col.Top, col.Distinct = top(c.Dict(), counts, topK)
		for code, k := range counts { // the dictionary is sorted
			if k > 0 {
				if col.MinText == "" {
					col.MinText = c.Dict()[code]
				}
				col.MaxText = c.Dict()[code]
			}
		}
	case *frame.BoolColumn:
		counts := make([]int64, 2)
		for i, v := range c.Values() {
			if !c.IsMissing(i) {
				if v {
					counts[1]++
				} else {
					counts[0]++
				}
			}
		}
		col.Top, col.Distinct = top([]string{"false", "true"}, counts, topK)
		col.Zeros = counts[0]
	case *frame.TimeColumn:
		seen := map[int64]struct{}{}
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for i, v := range c.Values() {
			if c.IsMissing(i) {
				continue
			}
			seen[v] = struct{}{}
			lo, hi = min(lo, v), max(hi, v)
		}
		col.Distinct = int64(len(seen))
		if col.Count > 0 {
			layout := time.RFC3339
			if c.Logical() == frame.LogicalDate {
				layout = "2006-01-02"
			}
			col.MinText = time.Unix(0, lo).UTC().Format(layout)
			col.MaxText = time.Unix(0, hi).UTC().Format(layout)
			col.Min, col.Max = ptr(float64(lo)/1e9), ptr(float64(hi)/1e9)
		}
	case *frame.StringColumn:
		idx := map[string]int{}
		var dict []string
		var counts []int64
		for i, v := range c.Values() {
			if c.IsMissing(i) {
				continue
			}
			j, ok := idx[v]
			if !ok {
				j = len(dict)
				idx[v] = j
				dict = append(dict, v)
				counts = append(counts, 0)
			}
			counts[j]++
		}
		col.Top, col.Distinct = top(dict, counts, topK)
		if len(dict) > 0 {
			s := append([]string(nil), dict...)
			sort.Strings(s)
			col.MinText, col.MaxText = s[0], s[len(s)-1]
		}
	}
	return col
}

// top returns the topK most frequent values (ties by value) and the number
// of values that occur.
func top(dict []string, counts []int64, topK int) ([]Count, int64) {
	var out []Count
	for i, k := range counts {
		if k > 0 {
			out = append(out, Count{Value: dict[i], Count: k})
		}
	}
	distinct := int64(len(out))
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	if len(out) > topK {
		out = out[:topK]
	}
	return out, distinct
}

// memory estimates a column's in-memory size in bytes.
func memory(c frame.Column) int64 {
	n := int64(c.Len())
	m := int64(len(c.Mask())) * 8
	switch c := c.(type) {
	case *frame.FloatColumn, *frame.TimeColumn:
		return m + 8*n
	case *frame.BoolColumn:
		return m + n
	case *frame.CategoricalColumn:
		m += 4 * n
		for _, s := range c.Dict() {
			m += int64(len(s)) + 16
		}
		return m
	case *frame.StringColumn:
		m += 16 * n
		for _, s := range c.Values() {
			m += int64(len(s))
		}
		return m
	}
	return m
}

// duplicates counts rows equal to an earlier row (pandas'
// DataFrame.duplicated().sum()): rows are grouped by a 64-bit hash of
// their values, computed column by column, and rows with equal hashes are
// compared exactly.
func duplicates(f *frame.Frame) int64 {
	n := f.Len()
	cols := f.Columns()
	hashes := make([]uint64, n)
	seed := maphash.MakeSeed()
	mix := func(i int, v uint64) {
		h := hashes[i] ^ v
		h ^= h >> 33
		h *= 0xff51afd7ed558ccd
		h ^= h >> 29
		hashes[i] = h*0x9e3779b97f4a7c15 + 1
	}
	for _, c := range cols {
		for i := 0; i < n; i++ {
			if c.IsMissing(i) {
				mix(i, 0x5bd1e9955bd1e995)
				continue
			}
			switch c := c.(type) {
			case *frame.FloatColumn:
				mix(i, math.Float64bits(c.Values()[i]))
			case *frame.CategoricalColumn:
				mix(i, uint64(c.Codes()[i])+1)
			case *frame.BoolColumn:
				if c.Values()[i] {
					mix(i, 2)
				} else {
					mix(i, 1)
				}
			case *frame.TimeColumn:
				mix(i, uint64(c.Values()[i]))
			case *frame.StringColumn:
				mix(i, maphash.String(seed, c.Values()[i]))
			}
		}
	}
	first := make(map[uint64]int32, n)
	var more map[uint64][]int // rows whose hash collides with other values
	var dups int64
	for i, h := range hashes {
		j, seen := first[h]
		if !seen {
			first[h] = int32(i)
			continue
		}
		found := rowsEqual(cols, i, int(j))
		for _, k := range more[h] {
			if found {
				break
			}
			found = rowsEqual(cols, i, k)
		}
		if found {
			dups++
			continue
		}
		if more == nil {
			more = map[uint64][]int{}
		}
		more[h] = append(more[h], i)
	}
	return dups
}

func rowsEqual(cols []frame.Column, i, j int) bool {
	for _, c := range cols {
		mi, mj := c.IsMissing(i), c.IsMissing(j)
		if mi != mj {
			return false
		}
		if mi {
			continue
		}
		switch c := c.(type) {
		case *frame.FloatColumn:
			if c.Values()[i] != c.Values()[j] {
				return false
			}
		case *frame.CategoricalColumn:
			if c.Codes()[i] != c.Codes()[j] {
				return false
			}
		case *frame.BoolColumn:
			if c.Values()[i] != c.Values()[j] {
				return false
			}
		case *frame.TimeColumn:
			if c.Values()[i] != c.Values()[j] {
				return false
			}
		case *frame.StringColumn:
			if c.Values()[i] != c.Values()[j] {
				return false
			}
		}
	}
	return true
}

func missingMatrix(cols []frame.Column) MissingMatrix {
	m := MissingMatrix{}
	if len(cols) == 0 {
		return m
	}
	n := cols[0].Len()
	blocks := min(missingBlocks, n)
	if blocks == 0 {
		return m
	}
	m.BlockRows = int64((n + blocks - 1) / blocks)
	blocks = (n + int(m.BlockRows) - 1) / int(m.BlockRows)
	for _, c := range cols {
		m.Columns = append(m.Columns, c.Name())
		row := make([]float64, blocks)
		if c.NullCount() > 0 {
			for b := 0; b < blocks; b++ {
				lo, hi := b*int(m.BlockRows), min(n, (b+1)*int(m.BlockRows))
				k := 0
				for i := lo; i < hi; i++ {
					if c.IsMissing(i) {
						k++
					}
				}
				row[b] = float64(k) / float64(hi-lo)
			}
		}
		m.Fraction = append(m.Fraction, row)
	}
	return m
}

// inferTask infers the task from a target column: two distinct values →
// binary; categorical or boolean with more → multiclass; integer with 3 to
// 20 distinct values → multiclass; otherwise regression.
func InferTask(c frame.Column, distinct int64) string {
	switch {
	case distinct <= 2:
		return config.TaskBinary
	case c.Kind() == frame.Categorical || c.Kind() == frame.String:
		return config.TaskMulticlass
	case c.Logical() == frame.LogicalInteger && distinct <= 20:
		return config.TaskMulticlass
	}
	return config.TaskRegression
}

// heldOut returns a seeded 75/25 split of the rows whose target is present.
func heldOut(rows []int, seed uint64) (train, test []int) {
	r := rand.New(rand.NewPCG(seed, 0x6564612d686f6c64))
	perm := append([]int(nil), rows...)
	r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	cut := len(perm) * 3 / 4
	train, test = perm[:cut], perm[cut:]
	sort.Ints(train)
	sort.Ints(test)
	return train, test
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func warnings(p *Profile) []Warning {
	var out []Warning
	add := func(kind, col, format string, args ...any) {
		out = append(out, Warning{Kind: kind, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	for _, c := range p.Columns {
		if p.Target != nil && c.Name == p.Target.Column {
			continue
		}
		if c.Count > 0 && c.Distinct <= 1 {
			add(WarnConstant, c.Name, "%s holds a single value (%s)", c.Name, single(c))
		}
		if c.Count == p.Rows && c.Distinct == p.Rows && p.Rows >= 20 && (c.Type == frame.LogicalInteger || c.Type == frame.LogicalCategorical || c.Type == frame.LogicalText) {
			add(WarnIDLike, c.Name, "%s has a different value in every row: an identifier, not a feature", c.Name)
		} else if c.Type == frame.LogicalCategorical && c.Distinct > HighCardinality {
			add(WarnHighCardinal, c.Name, "%s has %d distinct values", c.Name, c.Distinct)
		}
		if p.Rows > 0 && float64(c.Missing) > MostlyMissing*float64(p.Rows) {
			add(WarnMostlyMissing, c.Name, "%s is missing in %.1f%% of rows", c.Name, c.MissingPct)
		}
		if c.Skewness != nil && math.Abs(*c.Skewness) >= HeavySkew {
			add(WarnSkewed, c.Name, "%s is heavily skewed (skewness %s)", c.Name, fmtFloat(*c.Skewness))
		}
		if c.Outliers > 0 {
			add(WarnOutliers, c.Name, "%s has %d values beyond median ± 5 robust std", c.Name, c.Outliers)
		}
	}
	if p.DuplicateRows > 0 {
		add(WarnDuplicates, "", "%d rows duplicate an earlier row", p.DuplicateRows)
	}
	if t := p.Target; t != nil {
		for _, r := range t.Relations {
			if r.Power != nil && *r.Power >= LeakagePower {
				add(WarnLeakage, r.Feature, "%s alone predicts %s with %s %s: check it is known at prediction time", r.Feature, t.Column, r.PowerMetric, fmtFloat(*r.Power))
			}
		}
		if len(t.Classes) >= 2 {
			var n int64
			for _, c := range t.Classes {
				n += c.Count
			}
			minor := t.Classes[len(t.Classes)-1]
			if float64(minor.Count) < Imbalance*float64(n) {
				add(WarnClassImbalance, t.Column, "class %q is only %.1f%% of %s", minor.Value, 100*float64(minor.Count)/float64(n), t.Column)
			}
		}
	}
	return out
}

func single(c Column) string {
	if len(c.Top) > 0 {
		return strconv.Quote(c.Top[0].Value)
	}
	if c.Min != nil {
		return fmtFloat(*c.Min)
	}
	return c.MinText
}
