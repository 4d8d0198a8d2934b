package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrInput reports invalid input to a test or distance: samples of unequal
// length, negative or non-finite weights or counts. Errors returned by this
// package for bad data wrap it.
var ErrInput = errors.New("drift: invalid input")

// Wasserstein returns the first Wasserstein (earth mover's) distance between
// the empirical distributions of u and v, scipy.stats.wasserstein_distance(u,
// v) of SciPy 1.10: the integral of |U(x) − V(x)| over x, where U and V are
// the empirical CDFs. NaN values are skipped; the distance is NaN when either
// sample has no value (SciPy raises).
func Wasserstein(u, v []float64) float64 {
	return WassersteinSorted(sortedFinite(u), sortedFinite(v))
}

// WassersteinSorted is Wasserstein for samples sorted ascending without NaN.
func WassersteinSorted(u, v []float64) float64 {
	nu, nv := len(u), len(v)
	if nu == 0 || nv == 0 {
		return math.NaN()
	}
	fu, fv := float64(nu), float64(nv)
	terms := make([]float64, 0, nu+nv)
	i, j := 0, 0
	for i < nu || j < nv {
		var x float64
		if j >= nv || (i < nu && u[i] <= v[j]) {
			x = u[i]
		} else {
			x = v[j]
		}
		for i < nu && u[i] <= x {
			i++
		}
		for j < nv && v[j] <= x {
			j++
		}
		if i == nu && j == nv {
			break
		}
		var next float64
		if j >= nv || (i < nu && u[i] <= v[j]) {
			next = u[i]
		} else {
			next = v[j]
		}
		terms = append(terms, math.Abs(float64(i)/fu-float64(j)/fv)*(next-x))
	}
	return npSum(terms)
}

// WassersteinWeighted is Wasserstein with a non-negative weight per value,
// scipy.stats.wasserstein_distance(u, v, uWeights, vWeights): each
// empirical CDF is the cumulative weight up to x divided by the total
// weight. A nil weight slice means equal weights. Values and weights must be
// finite (no NaN), weights non-negative with a positive sum, and each
// weight slice as long as its values; otherwise the error wraps ErrInput.
func WassersteinWeighted(u, v, uWeights, vWeights []float64) (float64, error) {
	uc, err := weightedCDF(u, uWeights)
	if err != nil {
		return math.NaN(), fmt.Errorf("wasserstein: u: %w", err)
	}
	vc, err := weightedCDF(v, vWeights)
	if err != nil {
		return math.NaN(), fmt.Errorf("wasserstein: v: %w", err)
	}
	all := make([]float64, 0, len(u)+len(v))
	all = append(all, uc.x...)
	all = append(all, vc.x...)
	slices.Sort(all)
	terms := make([]float64, 0, len(all))
	for k := 0; k+1 < len(all); k++ {
		d := all[k+1] - all[k]
		terms = append(terms, math.Abs(uc.at(all[k])-vc.at(all[k]))*d)
	}
	return npSum(terms), nil
}

// wcdf is a sorted sample with its cumulative weights (cum[0] = 0).
type wcdf struct {
	x, cum []float64
}

// at returns the CDF at t: the cumulative weight of values <= t over the
// total (SciPy: u_sorted_cumweights[searchsorted(u, t, 'right')] / total).
func (c wcdf) at(t float64) float64 {
	k, _ := slices.BinarySearchFunc(c.x, t, func(e, t float64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	return c.cum[k] / c.cum[len(c.cum)-1]
}

func weightedCDF(x, w []float64) (wcdf, error) {
	if len(x) == 0 {
		return wcdf{}, fmt.Errorf("no values: %w", ErrInput)
	}
	for _, v := range x {
		if math.IsNaN(v) {
			return wcdf{}, fmt.Errorf("NaN value: %w", ErrInput)
		}
	}
	if w == nil {
		w = make([]float64, len(x))
		for i := range w {
			w[i] = 1
		}
	}
	if len(w) != len(x) {
		return wcdf{}, fmt.Errorf("%d weights for %d values: %w", len(w), len(x), ErrInput)
	}
	total := 0.0
	for _, v := range w {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return wcdf{}, fmt.Errorf("weight %v: %w", v, ErrInput)
		}
		total += v
	}
	if total <= 0 {
		return wcdf{}, fmt.Errorf("weights sum to zero: %w", ErrInput)
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	c := wcdf{x: make([]float64, len(x)), cum: make([]float64, len(x)+1)}
	for k, i := range idx {
		c.x[k] = x[i]
		c.cum[k+1] = c.cum[k] + w[i]
	}
	return c, nil
}
