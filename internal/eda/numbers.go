package eda

import (
	"math"
	"slices"
	"sort"

	"github.com/mlcycle/mlcycle/ml/metrics"
	"github.com/mlcycle/mlcycle/ml/stats"
)

// numeric fills the statistics of a numeric column (NaN = missing). The
// moments come from stats.Describe over the values in row order (pandas'
// summation order); everything order-based (quantiles, distinct count,
// median and MAD of the outlier rule) comes from one sorted copy, so each
// column is sorted once.
func numeric(col *Column, x []float64) {
	s := stats.Describe(x)
	col.Zeros = int64(s.Zeros)
	if s.Count == 0 {
		return
	}
	v := make([]float64, 0, s.Count)
	for _, e := range x {
		if !math.IsNaN(e) {
			v = append(v, e)
		}
	}
	slices.Sort(v)
	col.Distinct = distinctSorted(v)
	col.Min, col.Max, col.Mean, col.Std = ptr(s.Min), ptr(s.Max), ptr(s.Mean), ptr(s.Std)
	col.Skewness, col.Kurtosis = ptr(s.Skew), ptr(s.Kurt)
	for _, p := range Quantiles {
		col.Quantiles = append(col.Quantiles, Quantile{P: p, Value: stats.QuantileSorted(v, p)})
	}
	edges, counts := stats.Histogram(v, histBins)
	col.Histogram = &Histogram{Edges: edges, Counts: counts}
	// Outliers: beyond median ± stats.OutlierK × robust std (1.4826 × MAD),
	// the rule of stats.RobustOutliers, computed on the sorted values in
	// linear time. The rule flags nothing useful when more than half of the
	// values are equal (MAD 0 makes every other value an outlier), so
	// outliers are counted only when the robust spread is positive.
	med := stats.MedianSorted(v)
	rs := stats.MADScale * madSorted(v, med)
	if rs > 0 {
		lo, hi := med-stats.OutlierK*rs, med+stats.OutlierK*rs
		below := sort.SearchFloat64s(v, lo)                                          // values < lo
		above := len(v) - sort.Search(len(v), func(i int) bool { return v[i] > hi }) // values > hi
		col.Outliers = int64(below + above)
	}
}

func distinctSorted(v []float64) int64 {
	var n int64
	for i, e := range v {
		if i == 0 || e != v[i-1] {
			n++
		}
	}
	return n
}

// madSorted returns median(|v − med|) of sorted v (numpy.median of the
// deviations) in linear time: the deviations below and above the median
// are each sorted already, so the k-th smallest comes from merging them.
func madSorted(v []float64, med float64) float64 {
	n := len(v)
	split := sort.SearchFloat64s(v, med) // v[:split] < med <= v[split:]
	i, j := split-1, split               // walk outwards from the median
	next := func() float64 {
		if i >= 0 && (j >= n || med-v[i] <= v[j]-med) {
			d := med - v[i]
			i--
			return d
		}
		d := v[j] - med
		j++
		return d
	}
	var a float64
	for k := 0; k < (n-1)/2; k++ {
		next()
	}
	a = next()
	if n%2 == 1 {
		return a
	}
	return (a + next()) / 2
}

func rocAUC(y []int, s []float64) (float64, error) { return metrics.ROCAUC(y, s, nil) }

func ovrAUC(y []int, probs [][]float64, _ int) (float64, error) {
	return metrics.MulticlassROCAUC(y, probs, nil)
}

func r2(y, p []float64) (float64, error) { return metrics.R2(y, p, nil) }
