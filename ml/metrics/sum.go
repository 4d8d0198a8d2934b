package metrics

// sum returns the sum of x in NumPy's pairwise order (numpy.add.reduce on a
// contiguous float64 array), so that means and sums match scikit-learn to
// the last bit. Exact equality tests in scikit-learn (a zero variance in
// r2_score, say) then take the same branch here.
func sum(x []float64) float64 {
	n := len(x)
	switch {
	case n < 8:
		var s float64
		for _, v := range x {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], x[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += x[i]
			r[1] += x[i+1]
			r[2] += x[i+2]
			r[3] += x[i+3]
			r[4] += x[i+4]
			r[5] += x[i+5]
			r[6] += x[i+6]
			r[7] += x[i+7]
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += x[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return sum(x[:n2]) + sum(x[n2:])
	}
}

// average returns numpy.average(x, weights=weights): the mean of x when
// weights is nil, else sum(x*w)/sum(w). It overwrites nothing.
func average(x, weights []float64) float64 {
	if weights == nil {
		return sum(x) / float64(len(x))
	}
	xw := make([]float64, len(x))
	for i, v := range x {
		xw[i] = v * weights[i]
	}
	return sum(xw) / sum(weights)
}
