package drift

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ChiSquareResult is the result of Pearson's chi-square goodness-of-fit
// test.
type ChiSquareResult struct {
	// Statistic is Σ (observed − expected)² / expected.
	Statistic float64 `json:"statistic"`
	// PValue is P(χ²_{k−1} >= Statistic) for k categories.
	PValue float64 `json:"p_value"`
	// DF is the number of degrees of freedom, k − 1.
	DF int `json:"df"`
}

// ChiSquare runs Pearson's chi-square test of observed counts against
// expected counts, scipy.stats.chisquare(observed, expected) of SciPy 1.10
// (ddof 0): the statistic is Σ (o − e)²/e and the p-value chi2.sf(stat,
// k − 1), the regularised upper incomplete gamma function Q((k−1)/2, stat/2)
// (gonum's port of the same Cephes routine SciPy uses).
//
// As in SciPy, the two sums must agree to a relative tolerance of 1e-8, and
// an expected count of zero gives an infinite (or NaN) statistic; Compare
// avoids that by smoothing (see the package documentation). With one
// category the p-value is NaN. Unequal lengths, negative or non-finite counts
// and mismatched sums return an error wrapping ErrInput.
func ChiSquare(observed, expected []float64) (ChiSquareResult, error) {
	r := ChiSquareResult{Statistic: math.NaN(), PValue: math.NaN()}
	if len(observed) != len(expected) {
		return r, fmt.Errorf("chi-square: %d observed and %d expected counts: %w", len(observed), len(expected), ErrInput)
	}
	for i := range observed {
		o, e := observed[i], expected[i]
		if !(o >= 0) || !(e >= 0) || math.IsInf(o, 0) || math.IsInf(e, 0) {
			return r, fmt.Errorf("chi-square: category %d: observed %v, expected %v: %w", i, o, e, ErrInput)
		}
	}
	so, se := npSum(observed), npSum(expected)
	if math.Abs(so-se)/math.Min(so, se) > 1e-8 {
		return r, fmt.Errorf("chi-square: observed counts sum to %v, expected to %v: %w", so, se, ErrInput)
	}
	terms := make([]float64, len(observed))
	for i := range observed {
		d := observed[i] - expected[i]
		terms[i] = d * d / expected[i]
	}
	r.Statistic = npSum(terms)
	r.DF = len(observed) - 1
	r.PValue = chi2SF(r.Statistic, r.DF)
	return r, nil
}

// chi2SF is scipy.stats.chi2.sf(x, df).
func chi2SF(x float64, df int) float64 {
	switch {
	case df < 1 || math.IsNaN(x):
		return math.NaN()
	case x <= 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	}
	return mathext.GammaIncRegComp(float64(df)/2, x/2)
}
