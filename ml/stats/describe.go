package stats

import (
	"math"
	"slices"
)

// Summary describes one numeric column. Statistics that pandas reports as
// NaN for the column (see [Describe]) are NaN here.
type Summary struct {
	// Count is the number of non-missing values (pandas Series.count).
	Count int
	// Missing is the number of missing (NaN) values.
	Missing int
	// Mean is the arithmetic mean of the non-missing values (Series.mean).
	Mean float64
	// Std is the sample standard deviation with ddof=1 (Series.std).
	Std float64
	// Min and Max are the smallest and largest values (Series.min, max).
	Min, Max float64
	// Skew is the adjusted Fisher–Pearson skewness G1 (Series.skew).
	Skew float64
	// Kurt is the bias-corrected excess kurtosis G2 (Series.kurt).
	Kurt float64
	// Zeros is the number of values equal to zero (-0 included).
	Zeros int
	// Probs are the probabilities Describe was asked for, and Quantiles the
	// quantile of the non-missing values at each (Series.quantile).
	Probs, Quantiles []float64
}

// Describe summarises the non-missing values of x (NaN marks a missing
// value) the way pandas 1.5.3 Series methods do:
//
//   - Mean is sum/count, the sum taken in NumPy's pairwise order with missing
//     values as zero (nanops.nanmean); NaN when Count is 0.
//   - Std is the square root of the two-pass variance
//     Σ(x−mean)²/(count−1) (nanops.nanvar, ddof=1); NaN when Count < 2.
//   - Min and Max are NaN when Count is 0.
//   - Skew is nanops.nanskew: with m2 = Σ(x−mean)² and m3 = Σ(x−mean)³,
//     each set to zero when its magnitude is below 1e-14,
//     G1 = n·√(n−1)/(n−2) · m3/m2^1.5; it is 0 when m2 is zero (constant
//     columns included) and NaN when Count < 3.
//   - Kurt is nanops.nankurt: with m4 = Σ(x−mean)⁴,
//     num = n(n+1)(n−1)·m4 and den = (n−2)(n−3)·m2², each set to zero when
//     below 1e-14 in magnitude, G2 = num/den − 3(n−1)²/((n−2)(n−3)); it is
//     NaN when Count < 4, and otherwise 0 when den is zero.
//   - Quantiles are [Quantile] of the non-missing values at each of probs.
//
// The 1e-14 thresholds are absolute, as in pandas: the skewness and kurtosis
// of a column whose values differ by less than about 1e-7 are 0.
func Describe(x []float64, probs ...float64) Summary {
	s := Summary{Min: math.NaN(), Max: math.NaN()}
	for _, v := range x {
		switch {
		case math.IsNaN(v):
			s.Missing++
			continue
		case v == 0:
			s.Zeros++
		}
		if s.Count == 0 || v < s.Min {
			s.Min = v
		}
		if s.Count == 0 || v > s.Max {
			s.Max = v
		}
		s.Count++
	}
	n := float64(s.Count)
	mean := sum(x) / n
	s.Mean = mean
	if s.Count == 0 {
		s.Mean = math.NaN()
	}

	dev := func(v float64) float64 {
		if math.IsNaN(v) {
			return 0
		}
		return v - mean
	}
	m2 := sumFunc(x, func(v float64) float64 { d := dev(v); return d * d })
	m3 := sumFunc(x, func(v float64) float64 { d := dev(v); return d * d * d })
	m4 := sumFunc(x, func(v float64) float64 { d := dev(v); d2 := d * d; return d2 * d2 })

	s.Std = math.NaN()
	if s.Count >= 2 {
		s.Std = math.Sqrt(m2 / (n - 1))
	}
	s.Skew = skew(n, m2, m3)
	s.Kurt = kurt(n, m2, m4)

	if len(probs) > 0 {
		s.Probs = slices.Clone(probs)
		s.Quantiles = Quantiles(x, probs)
	}
	return s
}

// zeroFPErr is pandas' nanops._zero_out_fperr.
func zeroFPErr(v float64) float64 {
	if math.Abs(v) < 1e-14 {
		return 0
	}
	return v
}

// skew is pandas 1.5.3 nanops.nanskew from the count and the central sums.
func skew(n, m2, m3 float64) float64 {
	if n < 3 {
		return math.NaN()
	}
	m2, m3 = zeroFPErr(m2), zeroFPErr(m3)
	if m2 == 0 {
		return 0
	}
	return (n * math.Pow(n-1, 0.5) / (n - 2)) * (m3 / math.Pow(m2, 1.5))
}

// kurt is pandas 1.5.3 nanops.nankurt from the count and the central sums.
func kurt(n, m2, m4 float64) float64 {
	if n < 4 {
		return math.NaN()
	}
	adj := 3 * ((n - 1) * (n - 1)) / ((n - 2) * (n - 3))
	num := zeroFPErr(n * (n + 1) * (n - 1) * m4)
	den := zeroFPErr((n - 2) * (n - 3) * (m2 * m2))
	if den == 0 {
		return 0
	}
	return num/den - adj
}

// Quantiles returns the quantiles of the non-missing values of x at the
// probabilities probs, with NumPy's default "linear" method (pandas
// Series.quantile, numpy.quantile): for n sorted values v and probability
// p, h = (n−1)·p and the quantile is v[⌊h⌋] + (h−⌊h⌋)·(v[⌊h⌋+1]−v[⌊h⌋]),
// evaluated as NumPy's _lerp does. A quantile is NaN when x has no
// non-missing value or when its probability is NaN or outside [0, 1].
func Quantiles(x []float64, probs []float64) []float64 {
	v := make([]float64, 0, len(x))
	for _, e := range x {
		if !math.IsNaN(e) {
			v = append(v, e)
		}
	}
	slices.Sort(v)
	out := make([]float64, len(probs))
	for i, p := range probs {
		out[i] = sortedQuantile(v, p)
	}
	return out
}

// sortedQuantile is the linear-interpolation quantile of sorted values v.
func sortedQuantile(v []float64, p float64) float64 {
	n := len(v)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return v[n-1]
	}
	a, b, t := v[i], v[i+1], h-lo
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

// Median returns the median of the non-missing values of x as numpy.median
// computes it: the middle value, or the mean (a+b)/2 of the two middle
// values when their number is even. It is NaN when x has no non-missing
// value.
func Median(x []float64) float64 {
	v := make([]float64, 0, len(x))
	for _, e := range x {
		if !math.IsNaN(e) {
			v = append(v, e)
		}
	}
	slices.Sort(v)
	return sortedMedian(v)
}

func sortedMedian(v []float64) float64 {
	n := len(v)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return v[n/2]
	default:
		return (v[n/2-1] + v[n/2]) / 2
	}
}

// QuantileSorted returns the linear-interpolation quantile at p of values v
// that are already sorted ascending and hold no NaN (the rule of
// [Quantiles], without its copy and sort).
func QuantileSorted(v []float64, p float64) float64 { return sortedQuantile(v, p) }

// MedianSorted returns the median of sorted values v as [Median] does.
func MedianSorted(v []float64) float64 { return sortedMedian(v) }
