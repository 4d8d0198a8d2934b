package drift

// npSum returns the sum of x in NumPy's order (numpy.add.reduce of a
// contiguous float64 array): the first element, plus the pairwise sum of
// the others (blocks of 128, eight accumulators). Matching NumPy's order
// keeps sums of terms of mixed sign, such as the Jensen–Shannon divergence
// of nearly equal distributions, within a few ulps of SciPy's.
func npSum(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	return x[0] + pairwiseSum(x[1:])
}

func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}
