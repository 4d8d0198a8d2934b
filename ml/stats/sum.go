package stats

import "math"

// pairwiseBlock is NumPy's PW_BLOCKSIZE: blocks up to this length are summed
// with eight accumulators, longer ranges are split in halves.
const pairwiseBlock = 128

// sum returns the sum of x with missing (NaN) values counted as zero, in the
// order NumPy's add.reduce sums a contiguous float64 array: the first
// element plus the pairwise sum of the rest. pandas' nanops fill missing
// values with zero and call ndarray.sum, so using the same order keeps the
// results within a few units in the last place of pandas'.
func sum(x []float64) float64 {
	return sumFunc(x, zeroNaN)
}

// sumFunc is sum of f(x[i]).
func sumFunc(x []float64, f func(float64) float64) float64 {
	if len(x) == 0 {
		return 0
	}
	return f(x[0]) + pairwise(x[1:], f)
}

func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// pairwise is NumPy's pairwise_sum (numpy/core/src/umath/loops_utils.h.src)
// of f(x[i]).
func pairwise(x []float64, f func(float64) float64) float64 {
	n := len(x)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range x {
			res += f(v)
		}
		return res
	case n <= pairwiseBlock:
		var r [8]float64
		for j := range r {
			r[j] = f(x[j])
		}
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += f(x[i+j])
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += f(x[i])
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwise(x[:n2], f) + pairwise(x[n2:], f)
	}
}
