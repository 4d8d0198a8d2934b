package linear

import (
	"errors"
	"fmt"
	"math"
)

// Errors returned for bad input. Every error from this package wraps one of
// them, so callers can test with [errors.Is]; the message names the column,
// row or parameter at fault.
var (
	// ErrParams means a Params field is out of range.
	ErrParams = errors.New("invalid params")
	// ErrData means the feature table is unusable: no rows, no features, a
	// non-numeric column, or a NaN or infinite value.
	ErrData = errors.New("invalid data")
	// ErrLabel means a target or class label is out of range or not finite.
	ErrLabel = errors.New("invalid label")
	// ErrWeight means a sample weight is negative, NaN or infinite, or the
	// weights sum to zero.
	ErrWeight = errors.New("invalid sample weight")
)

// Penalty names the regularisation term.
type Penalty string

// Penalties.
const (
	L2         Penalty = "l2"
	L1         Penalty = "l1"
	ElasticNet Penalty = "elasticnet"
	NoPenalty  Penalty = "none"
)

// Params are the hyperparameters of every model in the package. The zero
// value is valid and means the documented defaults; see [Params.WithDefaults].
// The exact objective each fitter minimises is documented on the fitter.
type Params struct {
	// Penalty is the regularisation term. Default L2.
	Penalty Penalty `json:"penalty,omitempty"`
	// C is the inverse regularisation strength of the classifiers
	// (scikit-learn LogisticRegression C). Default 1. Must be > 0.
	C float64 `json:"c,omitempty"`
	// Alpha is the regularisation strength of [FitRegression]
	// (scikit-learn Ridge, Lasso and ElasticNet alpha). Default 1. Must be
	// >= 0.
	Alpha float64 `json:"alpha,omitempty"`
	// L1Ratio is the share of the L1 term in the elastic net, in [0, 1];
	// used only with Penalty ElasticNet. Default 0.5.
	L1Ratio *float64 `json:"l1_ratio,omitempty"`
	// FitIntercept adds an unpenalised intercept. Default (nil) true.
	FitIntercept *bool `json:"fit_intercept,omitempty"`
	// Standardize fits on features centred (when FitIntercept) and scaled
	// to unit weighted population standard deviation, so that the penalty
	// treats features alike. Coefficients are converted back and both
	// reported and stored for raw features, so predictions take raw input.
	// Constant features are not scaled. Default (nil) true. scikit-learn
	// does not standardise: compare with it using false.
	Standardize *bool `json:"standardize,omitempty"`
	// MaxIter bounds the solver's iterations (L-BFGS iterations, proximal
	// gradient steps or coordinate-descent sweeps). Default 1000.
	MaxIter int `json:"max_iter,omitempty"`
	// Tol is the convergence tolerance. Default 1e-4. L-BFGS and proximal
	// gradient stop when the largest absolute component of the gradient
	// (gradient mapping) of the objective divided by the weight sum is
	// below Tol, as scikit-learn's lbfgs gtol; coordinate descent stops
	// when the duality gap is below Tol times the weighted sum of squares
	// of the centred target, as scikit-learn's Lasso.
	Tol float64 `json:"tol,omitempty"`
}

// WithDefaults returns a copy of p with every unset field filled in.
func (p Params) WithDefaults() Params {
	if p.Penalty == "" {
		p.Penalty = L2
	}
	if p.C == 0 {
		p.C = 1
	}
	if p.Alpha == 0 {
		p.Alpha = 1
	}
	if p.L1Ratio == nil {
		p.L1Ratio = new(0.5)
	}
	if p.FitIntercept == nil {
		p.FitIntercept = new(true)
	}
	if p.Standardize == nil {
		p.Standardize = new(true)
	}
	if p.MaxIter == 0 {
		p.MaxIter = 1000
	}
	if p.Tol == 0 {
		p.Tol = 1e-4
	}
	return p
}

// Validate reports every out-of-range field of p after defaults.
func (p Params) Validate() error {
	p = p.WithDefaults()
	var errs []error
	switch p.Penalty {
	case L2, L1, ElasticNet, NoPenalty:
	default:
		errs = append(errs, fmt.Errorf("penalty: %q is not one of l2, l1, elasticnet, none", p.Penalty))
	}
	if !(p.C > 0) || math.IsInf(p.C, 0) {
		errs = append(errs, fmt.Errorf("c: %v must be positive and finite", p.C))
	}
	if !(p.Alpha >= 0) || math.IsInf(p.Alpha, 0) {
		errs = append(errs, fmt.Errorf("alpha: %v must be non-negative and finite", p.Alpha))
	}
	if r := *p.L1Ratio; !(r >= 0 && r <= 1) {
		errs = append(errs, fmt.Errorf("l1_ratio: %v must be in [0, 1]", r))
	}
	if p.MaxIter < 0 {
		errs = append(errs, fmt.Errorf("max_iter: %d must be positive", p.MaxIter))
	}
	if !(p.Tol > 0) || math.IsInf(p.Tol, 0) {
		errs = append(errs, fmt.Errorf("tol: %v must be positive and finite", p.Tol))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("linear: %w: %w", ErrParams, errors.Join(errs...))
}

// l1l2 returns the L1 and L2 shares of the penalty.
func (p Params) l1l2() (l1, l2 float64) {
	switch p.Penalty {
	case L2:
		return 0, 1
	case L1:
		return 1, 0
	case ElasticNet:
		return *p.L1Ratio, 1 - *p.L1Ratio
	}
	return 0, 0
}
