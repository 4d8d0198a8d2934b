package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Kind says which model a [Model] is.
type Kind string

// Model kinds.
const (
	Logistic   Kind = "logistic"   // binary logistic regression
	Softmax    Kind = "softmax"    // multinomial logistic regression
	Regression Kind = "regression" // least squares: OLS, ridge, lasso, elastic net
)

// Model is a fitted linear model. Coefficients and intercepts apply to raw
// (unstandardised) features, whatever Params.Standardize was.
type Model struct {
	Kind Kind `json:"kind"`
	// Features names the input columns in coefficient order.
	Features []string `json:"features"`
	// Classes is the number of classes (2 for Logistic, 0 for Regression).
	Classes int `json:"classes,omitempty"`
	// Coef holds one row of len(Features) coefficients per output: one row
	// for Logistic (the class-1 score) and Regression, one per class for
	// Softmax.
	Coef [][]float64 `json:"coef"`
	// Intercept holds one intercept per output (0 without FitIntercept).
	Intercept []float64 `json:"intercept"`
	// Params are the parameters used, with defaults filled in.
	Params Params `json:"params"`
	// Report says how the solver finished.
	Report Report `json:"report"`
}

// FitLogistic fits binary logistic regression of y (0 or 1 per row) on
// every column of x, which must all be Float columns. w holds sample
// weights (nil: all 1). With b the coefficients (on standardised features
// when Standardize), b0 the intercept, z_i = b0 + b·x_i and
// ℓ_i = log(1 + exp(z_i)) - y_i z_i, it minimises scikit-learn's
// LogisticRegression objective
//
//	l2:         C Σ_i w_i ℓ_i + ½ ||b||²
//	l1:         C Σ_i w_i ℓ_i + ||b||₁
//	elasticnet: C Σ_i w_i ℓ_i + ρ ||b||₁ + ½ (1-ρ) ||b||²   (ρ = L1Ratio)
//	none:       C Σ_i w_i ℓ_i
//
// with L-BFGS (l2, none) or accelerated proximal gradient (l1,
// elasticnet). The intercept is not penalised. The fit stops early with
// ctx's error when ctx is cancelled.
func FitLogistic(ctx context.Context, x *frame.Frame, y []int, w []float64, p Params) (*Model, error) {
	return fitClassifier(ctx, "fit logistic", x, y, w, p, 2, true)
}

// FitSoftmax fits multinomial logistic regression (scikit-learn
// LogisticRegression with multi_class="multinomial") of y (class indices
// 0..K-1, K = max(y)+1 >= 2) on the Float columns of x. It keeps one
// coefficient row and intercept per class and minimises the objective of
// [FitLogistic] with ℓ_i = log Σ_k exp(z_ik) - z_{i,y_i} and ||b|| the
// Frobenius (or elementwise L1) norm of the K×p coefficient matrix.
func FitSoftmax(ctx context.Context, x *frame.Frame, y []int, w []float64, p Params) (*Model, error) {
	k := 0
	for _, v := range y {
		k = max(k, v+1)
	}
	if k < 2 {
		k = 2
	}
	return fitClassifier(ctx, "fit softmax", x, y, w, p, k, false)
}

func fitClassifier(ctx context.Context, op string, x *frame.Frame, y []int, w []float64, p Params, k int, binary bool) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("linear: %s: %w", op, err)
	}
	p = p.WithDefaults()
	d, err := newDesign(op, x, w, p)
	if err != nil {
		return nil, err
	}
	if len(y) != d.n {
		return nil, fmt.Errorf("linear: %s: %d labels for %d rows: %w", op, len(y), d.n, ErrLabel)
	}
	yf := make([]float64, d.n)
	for i, v := range y {
		if v < 0 || v >= k {
			return nil, fmt.Errorf("linear: %s: label row %d: %d not in 0..%d: %w", op, i, v, k-1, ErrLabel)
		}
		yf[i] = float64(v)
	}
	outs := k
	kind := Softmax
	loss := lossSoftmax
	if binary {
		outs, kind, loss = 1, Logistic, lossLogistic
	}
	l1, l2 := p.l1l2()
	scale := 1 / (p.C * d.wsum)
	s := newSmooth(d, loss, outs, yf, l2*scale, *p.FitIntercept)
	q := len(d.cols)
	theta := make([]float64, s.dim())
	if binary && *p.FitIntercept {
		if m := d.wmean(yf); m > 0 && m < 1 {
			theta[q] = math.Log(m / (1 - m))
		}
	}
	var rep Report
	if l1 > 0 {
		rep, err = fista(ctx, s, theta, l1*scale, p)
	} else {
		rep, err = lbfgs(ctx, s, theta, p)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rep.Objective /= scale
	return newModel(kind, d, k, theta[:outs*q], theta[outs*q:], p, rep), nil
}

// FitRegression fits a least-squares linear model of y on the Float
// columns of x, with sample weights w (nil: all 1), following
// scikit-learn's conventions (W = Σ_i w_i, r_i = y_i - b0 - b·x_i):
//
//	none (LinearRegression): Σ_i w_i r_i²                          (L-BFGS)
//	l2 (Ridge):              Σ_i w_i r_i² + α ||b||²               (L-BFGS)
//	l1 (Lasso):              (1/(2W)) Σ_i w_i r_i² + α ||b||₁       (coordinate descent)
//	elasticnet (ElasticNet): (1/(2W)) Σ_i w_i r_i² + αρ ||b||₁ + ½ α(1-ρ) ||b||²
//
// with α = Alpha and ρ = L1Ratio. The intercept is not penalised.
func FitRegression(ctx context.Context, x *frame.Frame, y []float64, w []float64, p Params) (*Model, error) {
	const op = "fit regression"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("linear: %s: %w", op, err)
	}
	p = p.WithDefaults()
	d, err := newDesign(op, x, w, p)
	if err != nil {
		return nil, err
	}
	if len(y) != d.n {
		return nil, fmt.Errorf("linear: %s: %d targets for %d rows: %w", op, len(y), d.n, ErrLabel)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("linear: %s: target row %d: %v: %w", op, i, v, ErrLabel)
		}
	}
	q := len(d.cols)
	if p.Penalty == L1 || p.Penalty == ElasticNet {
		l1, l2 := p.l1l2()
		b, b0, rep, err := coordinateDescent(ctx, d, y, p.Alpha*l1, p.Alpha*l2, *p.FitIntercept, p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return newModel(Regression, d, 0, b, []float64{b0}, p, rep), nil
	}
	lambda := 0.0
	if p.Penalty == L2 {
		lambda = 2 * p.Alpha / d.wsum
	}
	s := newSmooth(d, lossSquared, 1, y, lambda, *p.FitIntercept)
	theta := make([]float64, s.dim())
	if *p.FitIntercept {
		theta[q] = d.wmean(y)
	}
	rep, err := lbfgs(ctx, s, theta, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rep.Objective *= d.wsum
	return newModel(Regression, d, 0, theta[:q], theta[q:], p, rep), nil
}

func newModel(kind Kind, d *design, classes int, b, b0 []float64, p Params, rep Report) *Model {
	q := len(d.cols)
	coef := make([]float64, len(b))
	icpt := make([]float64, len(b0))
	d.raw(b, b0, coef, icpt)
	if !*p.FitIntercept {
		clear(icpt)
	}
	m := &Model{Kind: kind, Features: d.names, Classes: classes, Intercept: icpt, Params: p, Report: rep}
	for k := range b0 {
		m.Coef = append(m.Coef, coef[k*q:(k+1)*q:(k+1)*q])
	}
	return m
}
