package drift

import (
	"math"
	"slices"
)

// Sorted returns a sorted copy of the values of x that are not NaN: the
// input KSSorted, WassersteinSorted and QuantileEdges take. It sorts large
// inputs with a radix sort (see sortedFinite).
func Sorted(x []float64) []float64 { return sortedFinite(x) }

// sortedFinite returns a sorted copy of the values of x that are not NaN.
// Large inputs are sorted with an LSD radix sort on order-preserving keys
// (11-bit digits), which is several times faster than a comparison sort for
// the sample sizes monitoring sees; the result is the same.
func sortedFinite(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	sortFloats(out)
	return out
}

const (
	radixSortMin = 4096
	radixBits    = 11
	radixMask    = 1<<radixBits - 1
)

// sortFloats sorts x (without NaN) ascending in place; -0 sorts with +0.
func sortFloats(x []float64) {
	n := len(x)
	if n < radixSortMin {
		slices.Sort(x)
		return
	}
	a := make([]uint64, n)
	for i, v := range x {
		a[i] = floatKey(v)
	}
	b := make([]uint64, n)
	const passes = (64 + radixBits - 1) / radixBits
	hist := new([passes][1 << radixBits]uint32)
	for _, k := range a {
		for p := range passes {
			hist[p][k>>(radixBits*p)&radixMask]++
		}
	}
	for p := range passes {
		sh := uint(radixBits * p)
		h := &hist[p]
		if h[a[0]>>sh&radixMask] == uint32(n) {
			continue // every key has this digit
		}
		var sum uint32
		for d, c := range h {
			h[d] = sum
			sum += c
		}
		for _, k := range a {
			d := k >> sh & radixMask
			b[h[d]] = k
			h[d]++
		}
		a, b = b, a
	}
	for i, k := range a {
		x[i] = keyFloat(k)
	}
}

// floatKey maps a float64 other than NaN to a uint64 with the same order.
// -0 maps to the key of +0.
func floatKey(v float64) uint64 {
	if v == 0 {
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// keyFloat inverts floatKey.
func keyFloat(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}
