package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Errors returned for bad input. Every error from this package wraps one of
// them, so callers can test with [errors.Is]; the message says which metric
// and which row.
var (
	// ErrEmpty means an input has no rows.
	ErrEmpty = errors.New("empty input")
	// ErrLength means inputs that pair up row by row differ in length.
	ErrLength = errors.New("length mismatch")
	// ErrLabel means a class label is outside its range (0 or 1 for binary
	// metrics, 0..K-1 for multiclass metrics).
	ErrLabel = errors.New("label out of range")
	// ErrValue means a score, probability or target is NaN, infinite or,
	// for a probability, outside [0, 1].
	ErrValue = errors.New("invalid value")
	// ErrWeight means a sample weight is negative, NaN or infinite, or the
	// weights sum to zero.
	ErrWeight = errors.New("invalid sample weight")
	// ErrUndefined means the metric is not defined for the data, as when
	// y_true holds a single class and the metric needs both (roc_auc).
	ErrUndefined = errors.New("metric undefined")
)

// errorf formats an error "metrics: <metric>: <detail>: <sentinel>".
func errorf(metric string, sentinel error, format string, args ...any) error {
	return fmt.Errorf("metrics: %s: %s: %w", metric, fmt.Sprintf(format, args...), sentinel)
}

// checkLen checks that n > 0 and that every other length equals n.
func checkLen(metric string, n int, others ...int) error {
	if n == 0 {
		return errorf(metric, ErrEmpty, "no rows")
	}
	for _, m := range others {
		if m != n {
			return errorf(metric, ErrLength, "y_true has %d rows, another input %d", n, m)
		}
	}
	return nil
}

// checkWeights checks that weights is nil or has n finite, non-negative
// values with a positive sum.
func checkWeights(metric string, weights []float64, n int) error {
	if weights == nil {
		return nil
	}
	if len(weights) != n {
		return errorf(metric, ErrLength, "y_true has %d rows, weights %d", n, len(weights))
	}
	var sum float64
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 1) {
			return errorf(metric, ErrWeight, "weights[%d] = %v, want a finite value >= 0", i, w)
		}
		sum += w
	}
	if sum == 0 {
		return errorf(metric, ErrWeight, "weights sum to 0")
	}
	return nil
}

// checkLabels checks that every label is in [0, k).
func checkLabels(metric, name string, y []int, k int) error {
	for i, v := range y {
		if v < 0 || v >= k {
			return errorf(metric, ErrLabel, "%s[%d] = %d, want 0..%d", name, i, v, k-1)
		}
	}
	return nil
}

// checkFinite checks that every value is finite.
func checkFinite(metric, name string, x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errorf(metric, ErrValue, "%s[%d] = %v, want a finite number", name, i, v)
		}
	}
	return nil
}

// checkProbs checks that every value is a probability in [0, 1].
func checkProbs(metric, name string, p []float64) error {
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return errorf(metric, ErrValue, "%s[%d] = %v, want a probability in [0, 1]", name, i, v)
		}
	}
	return nil
}

// checkBinary validates binary labels, one value per row (scores or
// predicted labels already checked by the caller) and weights.
func checkBinary(metric string, yTrue []int, n int, weights []float64) error {
	if err := checkLen(metric, len(yTrue), n); err != nil {
		return err
	}
	if err := checkLabels(metric, "y_true", yTrue, 2); err != nil {
		return err
	}
	return checkWeights(metric, weights, len(yTrue))
}
