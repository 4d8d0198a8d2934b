package stats

import (
	"math"
	"slices"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Categorical is a categorical column: one code per row and a mask of the
// missing rows, the layout of a [frame.CategoricalColumn]. Codes are labels:
// two rows are in the same category when their codes are equal; the code of
// a missing row is ignored.
type Categorical struct {
	// Codes holds one code per row.
	Codes []uint32
	// Missing marks the missing rows (a set bit is a missing row); nil marks
	// none.
	Missing frame.Mask
}

// CategoricalOf returns the codes and missing-row mask of c, shared with c.
func CategoricalOf(c *frame.CategoricalColumn) Categorical {
	return Categorical{Codes: c.Codes(), Missing: c.Mask()}
}

// Len returns the number of rows.
func (c Categorical) Len() int { return len(c.Codes) }

// dense returns for every row the index of its category among the
// categories present in rows where keep(row) holds and the row is not
// missing, numbered in increasing code order, or -1; and the number of
// those categories.
func (c Categorical) dense(keep func(int) bool) ([]int32, int) {
	out := make([]int32, len(c.Codes))
	var present []uint32
	for i, code := range c.Codes {
		if c.Missing.IsSet(i) || !keep(i) {
			out[i] = -1
			continue
		}
		present = append(present, code)
	}
	slices.Sort(present)
	present = slices.Compact(present)
	index := make(map[uint32]int32, len(present))
	for i, code := range present {
		index[code] = int32(i)
	}
	for i, code := range c.Codes {
		if out[i] >= 0 {
			out[i] = index[code]
		}
	}
	return out, len(present)
}

// CramersV returns Cramér's V of two categorical columns of equal length,
// without bias correction: V = √(χ² / (n·(min(r, c) − 1))), where χ² is
// Pearson's chi-squared statistic of the r×c contingency table of the n rows
// in which neither a nor b is missing, without Yates' continuity correction.
// The table has a row for every category of a and a column for every
// category of b that occurs in those rows (a category that occurs only
// next to a missing value takes no part). This is
// scipy.stats.contingency.association(table, method='cramer') of SciPy
// 1.10, with table = pandas.crosstab(a, b) over the complete rows; the
// expected count of a cell is (row total × column total) / n, as in
// scipy.stats.contingency.expected_freq.
//
// V is NaN when min(r, c) < 2, which includes n = 0. CramersV panics if the
// columns differ in length.
func CramersV(a, b Categorical) float64 {
	if a.Len() != b.Len() {
		panic("stats.CramersV: columns differ in length")
	}
	da, r := a.dense(func(i int) bool { return !b.Missing.IsSet(i) })
	db, c := b.dense(func(i int) bool { return !a.Missing.IsSet(i) })
	if min(r, c) < 2 {
		return math.NaN()
	}
	table := make([]int64, r*c)
	rows := make([]int64, r)
	cols := make([]int64, c)
	var n int64
	for i, x := range da {
		if x < 0 {
			continue
		}
		y := db[i]
		table[int(x)*c+int(y)]++
		rows[x]++
		cols[y]++
		n++
	}
	terms := make([]float64, r*c)
	for i := range r {
		for j := range c {
			e := float64(rows[i]) * float64(cols[j]) / float64(n)
			d := float64(table[i*c+j]) - e
			terms[i*c+j] = d * d / e
		}
	}
	chi2 := sumFunc(terms, func(v float64) float64 { return v })
	phi2 := chi2 / float64(n)
	return math.Sqrt(phi2 / float64(min(r, c)-1))
}

// CorrelationRatio returns the correlation ratio η of a numeric column x on
// a categorical column g of equal length: η = √(SS_between / SS_total) over
// the rows where x is not NaN and g is not missing, with
// SS_total = Σ(x − x̄)² and SS_between = Σ_groups n_g·(x̄_g − x̄)², the means
// taken over those rows. η² is the share of the variance of x that the
// categories explain (Pearson's correlation ratio; η² is the R² of a one-way
// ANOVA).
//
// η is NaN when no row remains or x is constant over them (SS_total = 0).
// CorrelationRatio panics if the columns differ in length.
func CorrelationRatio(x []float64, g Categorical) float64 {
	if len(x) != g.Len() {
		panic("stats.CorrelationRatio: columns differ in length")
	}
	dg, k := g.dense(func(i int) bool { return !math.IsNaN(x[i]) })
	// The sums are taken over x − x̄, x̄ the pairwise-summed mean, so that a
	// large common offset costs no precision: with S_g = Σ_g (x − x̄) and
	// S = Σ S_g, SS_between = Σ S_g²/n_g − S²/n and SS_total = Σ (x − x̄)² − S²/n
	// (S is 0 but for the rounding error of x̄).
	kept := make([]float64, 0, len(x))
	for i, c := range dg {
		if c >= 0 {
			kept = append(kept, x[i])
		}
	}
	if len(kept) == 0 || slices.Min(kept) == slices.Max(kept) {
		return math.NaN()
	}
	mean := sum(kept) / float64(len(kept))
	sums := make([]float64, k)
	counts := make([]float64, k)
	var ssTotal float64
	for i, c := range dg {
		if c < 0 {
			continue
		}
		d := x[i] - mean
		sums[c] += d
		counts[c]++
		ssTotal += d * d
	}
	var ssBetween, all, n float64
	for c, s := range sums {
		ssBetween += s * s / counts[c]
		all += s
		n += counts[c]
	}
	// Σ(x − x̄) is not exactly zero: remove what its rounding error adds.
	ssBetween -= all * all / n
	ssTotal -= all * all / n
	return math.Sqrt(min(1, max(0, ssBetween)/ssTotal))
}
