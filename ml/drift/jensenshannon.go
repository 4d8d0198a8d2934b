package drift

import (
	"fmt"
	"math"
)

// JensenShannon returns the Jensen–Shannon distance with base-2 logarithms
// between two histograms p and q of equal length (counts or probabilities;
// each is divided by its sum), scipy.spatial.distance.jensenshannon(p, q,
// base=2) of SciPy 1.10:
//
//	m = (p + q)/2,  JS = √((KL(p‖m) + KL(q‖m)) / 2)
//
// with KL summed from scipy.special.rel_entr (0·log 0 = 0). The distance lies
// in [0, 1]: 0 for proportional histograms, 1 for histograms with disjoint
// support. The inputs must have equal length, and be non-negative and
// finite; otherwise the error wraps ErrInput. A histogram that sums to zero
// gives NaN, as in SciPy.
func JensenShannon(p, q []float64) (float64, error) {
	if len(p) != len(q) {
		return math.NaN(), fmt.Errorf("jensen-shannon: %d and %d bins: %w", len(p), len(q), ErrInput)
	}
	for i := range p {
		if !(p[i] >= 0) || !(q[i] >= 0) || math.IsInf(p[i], 0) || math.IsInf(q[i], 0) {
			return math.NaN(), fmt.Errorf("jensen-shannon: bin %d: %v, %v: %w", i, p[i], q[i], ErrInput)
		}
	}
	sp, sq := npSum(p), npSum(q)
	left := make([]float64, len(p))
	right := make([]float64, len(p))
	for i := range p {
		pi, qi := p[i]/sp, q[i]/sq
		m := (pi + qi) / 2
		left[i] = relEntr(pi, m)
		right[i] = relEntr(qi, m)
	}
	js := npSum(left) + npSum(right)
	js /= math.Ln2
	return math.Sqrt(js / 2), nil
}

// relEntr is scipy.special.rel_entr: x·log(x/y) for x, y > 0, 0 for x = 0
// and y >= 0, +Inf otherwise.
func relEntr(x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.NaN()
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	}
	return math.Inf(1)
}
