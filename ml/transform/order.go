package transform

import (
	"math"
	"math/bits"
	"slices"
)

// Order statistics by selection, so that a median or a quartile of a
// million values costs a linear pass instead of a sort. Results equal
// stats.MedianSorted and stats.QuantileSorted on the sorted values (NumPy's
// median and "linear" quantile, _lerp included).

// selectK reorders v so that v[k] is the value a sort would put there, with
// no larger value before it and no smaller one after it. Hoare partitioning
// around a median of three; after 2·log2(n) rounds that did not shrink
// enough it sorts the rest, so the worst case is O(n log n).
func selectK(v []float64, k int) {
	lo, hi := 0, len(v)-1
	budget := 2 * bits.Len(uint(len(v)))
	for hi > lo {
		if budget == 0 || hi-lo < 16 {
			slices.Sort(v[lo : hi+1])
			return
		}
		budget--
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return // v[j+1 .. i-1] all equal the pivot
		}
	}
}

// minOf returns the smallest of v (non-empty).
func minOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		if x < m {
			m = x
		}
	}
	return m
}

func maxOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

// medianSel is the median of v (no NaN), reordering v; NaN when empty.
func medianSel(v []float64) float64 {
	n := len(v)
	if n == 0 {
		return math.NaN()
	}
	selectK(v, n/2)
	if n%2 == 1 {
		return v[n/2]
	}
	return (maxOf(v[:n/2]) + v[n/2]) / 2
}

// quantileSel is the linear quantile at p of v (no NaN), reordering v.
func quantileSel(v []float64, p float64) float64 {
	n := len(v)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := math.Floor(h)
	i := int(lo)
	selectK(v, min(i, n-1))
	if i >= n-1 {
		return v[n-1]
	}
	a, b, t := v[i], minOf(v[i+1:]), h-lo
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

// meanVar returns the mean and population variance of the non-NaN values
// of x (two passes, as NumPy), and their number.
func meanVar(x []float64) (mean, vr float64, n int) {
	var s float64
	for _, u := range x {
		if !math.IsNaN(u) {
			s += u
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean = s / float64(n)
	var ss float64
	for _, u := range x {
		if !math.IsNaN(u) {
			d := u - mean
			ss += d * d
		}
	}
	return mean, ss / float64(n), n
}
