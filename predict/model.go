package predict

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/mlcycle/mlcycle/ml/forest"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
	"github.com/mlcycle/mlcycle/ml/linear"
	"github.com/mlcycle/mlcycle/ml/transform"
)

// Model is a loaded model package, ready to predict. It is immutable and
// safe for concurrent use.
type Model struct {
	pkg  *Package
	pipe *transform.Pipeline
	est  estimator
	k    int // probabilities per row: the number of classes, 0 for regression
	// layout indexes the schema's columns once for the frames of NewRows.
	layout *frame.Layout
}

// estimator is a fitted model of one algorithm: given the transformed
// features it returns K class probabilities per row (row-major) for
// classification, one value per row for regression.
type estimator interface {
	predict(ctx context.Context, x *frame.Frame) ([]float64, error)
}

// Load reads a model package from r and prepares it for prediction.
func Load(r io.Reader) (*Model, error) {
	p, err := DecodePackage(r)
	if err != nil {
		return nil, err
	}
	return New(p)
}

// New prepares a decoded package for prediction, checking that its parts
// fit together.
func New(p *Package) (*Model, error) {
	m := &Model{pkg: p}
	switch p.Task {
	case TaskBinary:
		if len(p.Classes) != 2 {
			return nil, fmt.Errorf("%w: binary task with %d classes", ErrFormat, len(p.Classes))
		}
		m.k = 2
	case TaskMulticlass:
		if len(p.Classes) < 2 {
			return nil, fmt.Errorf("%w: multiclass task with %d classes", ErrFormat, len(p.Classes))
		}
		m.k = len(p.Classes)
	case TaskRegression:
		if len(p.Classes) != 0 {
			return nil, fmt.Errorf("%w: regression task with classes", ErrFormat)
		}
	default:
		return nil, fmt.Errorf("%w: unknown task %q", ErrFormat, p.Task)
	}
	if p.Threshold < 0 || p.Threshold > 1 || math.IsNaN(p.Threshold) {
		return nil, fmt.Errorf("%w: threshold %v is outside [0, 1]", ErrFormat, p.Threshold)
	}
	m.pipe = new(transform.Pipeline)
	if err := m.pipe.UnmarshalJSON(p.Transforms); err != nil {
		return nil, fmt.Errorf("%w: transforms: %v", ErrFormat, err)
	}
	if outs := m.pipe.Outputs(); !slices.Equal(outs, p.Features) {
		return nil, fmt.Errorf("%w: the transforms make %d features, the package lists %d (or they differ)", ErrFormat, len(outs), len(p.Features))
	}
	est, err := newEstimator(p, m.k)
	if err != nil {
		return nil, err
	}
	m.est = est
	if l, err := frame.NewLayout(names(p.Schema)...); err == nil {
		m.layout = l // else (empty or repeated names) NewRows frames index themselves
	}
	return m, nil
}

// NewRows returns a builder of n records of the model's schema (Rows); a
// frame with every field shares the model's column index instead of
// building one per request.
func (m *Model) NewRows(n int) *Rows {
	r := NewRows(m.pkg.Schema, n)
	r.layout = m.layout
	return r
}

func newEstimator(p *Package, k int) (estimator, error) {
	switch p.Algo {
	case AlgoGBDT:
		g := new(gbdt.Model)
		if err := g.UnmarshalJSON(p.Model); err != nil {
			return nil, fmt.Errorf("%w: gbdt model: %v", ErrFormat, err)
		}
		want := max(k, 1)
		if k == 2 {
			want = 1
		}
		if g.Width(gbdt.Value) != want {
			return nil, fmt.Errorf("%w: gbdt model predicts %d values per row, the %s task needs %d", ErrFormat, g.Width(gbdt.Value), p.Task, want)
		}
		return gbdtEst{g, k}, nil
	case AlgoLinear:
		l := new(linear.Model)
		if err := json.Unmarshal(p.Model, l); err != nil {
			return nil, fmt.Errorf("%w: linear model: %v", ErrFormat, err)
		}
		if k > 0 && l.Classes != k || k == 0 && l.Kind != linear.Regression {
			return nil, fmt.Errorf("%w: linear model of kind %q with %d classes for a %s task", ErrFormat, l.Kind, l.Classes, p.Task)
		}
		if !slices.Equal(l.Features, p.Features) {
			return nil, fmt.Errorf("%w: linear model features differ from the package's", ErrFormat)
		}
		return linearEst{l, k}, nil
	case AlgoForest:
		f := new(forest.Model)
		if err := json.Unmarshal(p.Model, f); err != nil {
			return nil, fmt.Errorf("%w: forest model: %v", ErrFormat, err)
		}
		if f.NumClass != k && !(k == 0 && f.Task == forest.Regression) {
			return nil, fmt.Errorf("%w: forest model with %d classes for a %s task", ErrFormat, f.NumClass, p.Task)
		}
		return forestEst{f}, nil
	case AlgoBaseline:
		var b Baseline
		if err := json.Unmarshal(p.Model, &b); err != nil {
			return nil, fmt.Errorf("%w: baseline model: %v", ErrFormat, err)
		}
		if len(b.Prior) != k {
			return nil, fmt.Errorf("%w: baseline prior has %d classes, the task %d", ErrFormat, len(b.Prior), k)
		}
		return baselineEst{b}, nil
	}
	return nil, fmt.Errorf("%w: unknown algorithm %q", ErrFormat, p.Algo)
}

// Package returns the model's package. Treat it as read-only.
func (m *Model) Package() *Package { return m.pkg }

// Schema returns the input columns the model reads.
func (m *Model) Schema() []Field { return m.pkg.Schema }

// Task returns binary, multiclass or regression.
func (m *Model) Task() string { return m.pkg.Task }

// Classes returns the class labels (nil for regression).
func (m *Model) Classes() []string { return m.pkg.Classes }

// Transform applies the model's fitted transforms to x, returning the
// features the model reads.
func (m *Model) Transform(ctx context.Context, x *frame.Frame) (*frame.Frame, error) {
	f, err := m.pipe.Apply(ctx, x)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return f, nil
}

// Predict scores every row of x: the schema's columns are found by name
// and transformed as in training, then the model predicts.
func (m *Model) Predict(ctx context.Context, x *frame.Frame) (*Result, error) {
	f, err := m.Transform(ctx, x)
	if err != nil {
		return nil, err
	}
	return m.PredictFeatures(ctx, f)
}

// PredictFeatures scores already transformed features (the output of
// Transform): permutation importance shuffles features and calls this.
func (m *Model) PredictFeatures(ctx context.Context, f *frame.Frame) (*Result, error) {
	out, err := m.est.predict(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	n := f.Len()
	r := &Result{m: m, n: n}
	if m.k == 0 {
		r.Values = out
		return r, nil
	}
	r.Probs = out
	r.Pred = make([]int, n)
	for i := range n {
		r.Pred[i] = m.decide(out[i*m.k : (i+1)*m.k])
	}
	return r, nil
}

// decide returns the predicted class of one row's probabilities: the
// positive class from the threshold (binary), else the most probable class
// (the first on ties).
func (m *Model) decide(p []float64) int {
	if m.k == 2 {
		t := m.pkg.Threshold
		if t == 0 {
			t = 0.5
		}
		if p[1] >= t {
			return 1
		}
		return 0
	}
	best := 0
	for j, v := range p {
		if v > p[best] {
			best = j
		}
	}
	return best
}

// Result holds the predictions of a batch of rows.
type Result struct {
	m *Model
	n int
	// Probs holds the class probabilities, len(Classes) per row
	// row-major (classification).
	Probs []float64
	// Pred holds the predicted class index per row (classification).
	Pred []int
	// Values holds the predicted value per row (regression).
	Values []float64
}

// Len returns the number of rows.
func (r *Result) Len() int { return r.n }

// Label returns row i's prediction as text: the class label, or the value
// formatted in the shortest form that reads back exactly.
func (r *Result) Label(i int) string {
	if r.Values != nil {
		return strconv.FormatFloat(r.Values[i], 'g', -1, 64)
	}
	return r.m.pkg.Classes[r.Pred[i]]
}

// Score returns row i's score: the positive-class probability (binary),
// the predicted class's probability (multiclass) or the value
// (regression).
func (r *Result) Score(i int) float64 {
	switch {
	case r.Values != nil:
		return r.Values[i]
	case r.m.k == 2:
		return r.Probs[2*i+1]
	}
	return r.Probs[i*r.m.k+r.Pred[i]]
}

// Proba returns row i's class probabilities (nil for regression).
func (r *Result) Proba(i int) []float64 {
	if r.Values != nil {
		return nil
	}
	return r.Probs[i*r.m.k : (i+1)*r.m.k]
}

type gbdtEst struct {
	m *gbdt.Model
	k int
}

func (e gbdtEst) predict(ctx context.Context, x *frame.Frame) ([]float64, error) {
	v, err := e.m.Predict(ctx, x, gbdt.Value)
	if err != nil || e.k != 2 {
		return v, err
	}
	out := make([]float64, 2*len(v))
	for i, p := range v {
		out[2*i], out[2*i+1] = 1-p, p
	}
	return out, nil
}

type linearEst struct {
	m *linear.Model
	k int
}

func (e linearEst) predict(_ context.Context, x *frame.Frame) ([]float64, error) {
	if e.k == 0 {
		return e.m.Predict(x)
	}
	return e.m.Probabilities(x)
}

type forestEst struct{ m *forest.Model }

func (e forestEst) predict(ctx context.Context, x *frame.Frame) ([]float64, error) {
	return e.m.Predict(ctx, x)
}

type baselineEst struct{ b Baseline }

func (e baselineEst) predict(_ context.Context, x *frame.Frame) ([]float64, error) {
	n := x.Len()
	if len(e.b.Prior) == 0 {
		out := make([]float64, n)
		for i := range out {
			out[i] = e.b.Value
		}
		return out, nil
	}
	k := len(e.b.Prior)
	out := make([]float64, n*k)
	for i := range n {
		copy(out[i*k:], e.b.Prior)
	}
	return out, nil
}
