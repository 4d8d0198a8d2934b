package metrics

import (
	"math"
	"slices"
)

// checkRegression validates finite targets and predictions of equal length
// and the weights.
func checkRegression(metric string, yTrue, yPred, weights []float64) error {
	if err := checkLen(metric, len(yTrue), len(yPred)); err != nil {
		return err
	}
	if err := checkFinite(metric, "y_true", yTrue); err != nil {
		return err
	}
	if err := checkFinite(metric, "y_pred", yPred); err != nil {
		return err
	}
	return checkWeights(metric, weights, len(yTrue))
}

// regressionFunc computes one metric from validated input.
type regressionFunc func(yTrue, yPred, weights []float64) float64

func regression(metric string, f regressionFunc, yTrue, yPred, weights []float64) (float64, error) {
	if err := checkRegression(metric, yTrue, yPred, weights); err != nil {
		return 0, err
	}
	return f(yTrue, yPred, weights), nil
}

// MAE returns the mean absolute error Σ w_i·|y_i − ŷ_i| / Σ w_i, as
// scikit-learn's mean_absolute_error. Weights nil means every row weighs 1.
func MAE(yTrue, yPred, weights []float64) (float64, error) {
	return regression("mae", mae, yTrue, yPred, weights)
}

func mae(yTrue, yPred, weights []float64) float64 {
	return average(mapRows(yTrue, yPred, func(y, p float64) float64 { return math.Abs(p - y) }), weights)
}

// MSE returns the mean squared error Σ w_i·(y_i − ŷ_i)² / Σ w_i, as
// scikit-learn's mean_squared_error.
func MSE(yTrue, yPred, weights []float64) (float64, error) {
	return regression("mse", mse, yTrue, yPred, weights)
}

func mse(yTrue, yPred, weights []float64) float64 {
	return average(mapRows(yTrue, yPred, func(y, p float64) float64 { d := y - p; return d * d }), weights)
}

// RMSE returns the square root of [MSE], as scikit-learn's
// mean_squared_error(squared=False).
func RMSE(yTrue, yPred, weights []float64) (float64, error) {
	return regression("rmse", rmse, yTrue, yPred, weights)
}

func rmse(yTrue, yPred, weights []float64) float64 { return math.Sqrt(mse(yTrue, yPred, weights)) }

// R2 returns the coefficient of determination 1 − SS_res/SS_tot, as
// scikit-learn's r2_score, where SS_res = Σ w_i·(y_i − ŷ_i)² and SS_tot =
// Σ w_i·(y_i − ȳ)² with ȳ the weighted mean of yTrue. Like scikit-learn it
// is NaN for a single row and, when yTrue is constant (SS_tot = 0), 1 for
// perfect predictions and 0 otherwise instead of −Inf.
func R2(yTrue, yPred, weights []float64) (float64, error) {
	return regression("r2", r2, yTrue, yPred, weights)
}

func r2(yTrue, yPred, weights []float64) float64 {
	if len(yTrue) < 2 {
		return math.NaN()
	}
	mean := average(yTrue, weights)
	res := make([]float64, len(yTrue))
	tot := make([]float64, len(yTrue))
	for i, y := range yTrue {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		d := y - yPred[i]
		res[i] = w * (d * d)
		e := y - mean
		tot[i] = w * (e * e)
	}
	return finiteScore(sum(res), sum(tot))
}

// finiteScore is scikit-learn's _assemble_r2_explained_variance with
// force_finite=True: 1 − num/den, with 1 when both are 0 and 0 when only
// den is.
func finiteScore(num, den float64) float64 {
	switch {
	case num == 0:
		return 1
	case den == 0:
		return 0
	}
	return 1 - num/den
}

// MAPE returns the mean absolute percentage error Σ w_i·|y_i − ŷ_i| /
// max(|y_i|, ε) / Σ w_i, as scikit-learn's mean_absolute_percentage_error,
// with ε = 2⁻⁵² (numpy.finfo(float64).eps). It is a fraction, not a
// percentage, and it is huge when yTrue holds zeros that are mispredicted.
func MAPE(yTrue, yPred, weights []float64) (float64, error) {
	return regression("mape", mape, yTrue, yPred, weights)
}

func mape(yTrue, yPred, weights []float64) float64 {
	return average(mapRows(yTrue, yPred, func(y, p float64) float64 {
		return math.Abs(p-y) / max(math.Abs(y), eps)
	}), weights)
}

// MedianAbsoluteError returns the median of |y_i − ŷ_i|, as scikit-learn's
// median_absolute_error. Without weights it is the middle value, or the
// mean of the two middle values for an even count. With weights it is
// scikit-learn's weighted percentile: the smallest error whose cumulative
// weight, errors in increasing order, reaches half the total, so for an
// even count unit weights give the lower middle value, not the mean of the
// two.
func MedianAbsoluteError(yTrue, yPred, weights []float64) (float64, error) {
	return regression("median_absolute_error", medianAbsoluteError, yTrue, yPred, weights)
}

func medianAbsoluteError(yTrue, yPred, weights []float64) float64 {
	errs := mapRows(yTrue, yPred, func(y, p float64) float64 { return math.Abs(p - y) })
	if weights == nil {
		slices.Sort(errs)
		n := len(errs)
		if n%2 == 1 {
			return errs[n/2]
		}
		return (errs[n/2-1] + errs[n/2]) / 2
	}
	order := make([]int, len(errs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case errs[a] < errs[b]:
			return -1
		case errs[a] > errs[b]:
			return 1
		}
		return 0
	})
	cdf := make([]float64, len(order))
	var c float64
	for i, j := range order {
		c += weights[j]
		cdf[i] = c
	}
	half := 50.0 / 100 * cdf[len(cdf)-1]
	i, _ := slices.BinarySearch(cdf, half)
	return errs[order[min(i, len(order)-1)]]
}

// ExplainedVariance returns 1 − Var(y − ŷ)/Var(y) with weighted variances,
// as scikit-learn's explained_variance_score; like [R2] it is 1 for perfect
// predictions of a constant yTrue and 0 for imperfect ones. Unlike R2 it
// ignores a constant bias in the predictions.
func ExplainedVariance(yTrue, yPred, weights []float64) (float64, error) {
	return regression("explained_variance", explainedVariance, yTrue, yPred, weights)
}

func explainedVariance(yTrue, yPred, weights []float64) float64 {
	diff := mapRows(yTrue, yPred, func(y, p float64) float64 { return y - p })
	diffMean := average(diff, weights)
	num := average(mapRows(diff, diff, func(d, _ float64) float64 { e := d - diffMean; return e * e }), weights)
	mean := average(yTrue, weights)
	den := average(mapRows(yTrue, yTrue, func(y, _ float64) float64 { e := y - mean; return e * e }), weights)
	return finiteScore(num, den)
}

// mapRows returns f(a[i], b[i]) for each row.
func mapRows(a, b []float64, f func(a, b float64) float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	return out
}
