package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/forest"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
	"github.com/mlcycle/mlcycle/ml/linear"
	"github.com/mlcycle/mlcycle/ml/transform"
	"github.com/mlcycle/mlcycle/predict"
)

// Algos lists the algorithms train knows, the default first.
var Algos = []string{predict.AlgoGBDT, predict.AlgoLinear, predict.AlgoForest, predict.AlgoBaseline}

// Recipe is how a model is made from data: the algorithm, its parameters,
// the feature spec and the seed. A retraining reuses the recipe of the
// model it replaces.
type Recipe struct {
	Algo string `json:"algo"`
	// Params are the algorithm's parameters by their names (XGBoost's
	// scikit-learn names for gbdt, scikit-learn's for linear and forest).
	Params map[string]string `json:"params,omitempty"`
	// Features is the feature spec; nil means the default spec for the
	// algorithm (transform.DefaultSpec).
	Features *transform.Spec `json:"features,omitempty"`
	// Drop lists columns left out of the default spec (ID-like columns).
	Drop []string `json:"drop,omitempty"`
	Seed uint64   `json:"seed"`
}

// Curve is a learning curve: the evaluation metric after each boosting
// round on the training and validation sets.
type Curve struct {
	Metric string    `json:"metric"`
	Train  []float64 `json:"train"`
	Valid  []float64 `json:"valid,omitempty"`
}

// Hooks receive progress. Any field may be nil.
type Hooks struct {
	// Round is called after each boosting round (gbdt) with the 1-based
	// round, the planned number of rounds and the curve's values.
	Round func(round, total int, metric string, train, valid float64)
	// Stop is polled after each boosting round; returning a non-empty
	// reason stops training there and keeps the rounds so far (the
	// time budget).
	Stop func() string
}

// Fitted is the outcome of Fit.
type Fitted struct {
	Package *predict.Package
	Model   *predict.Model
	// Train and Valid are the transformed features the model was fitted
	// and validated on (Train carries out-of-fold target encodings).
	Train, Valid *frame.Frame
	Curve        *Curve
	// BestRound is the 1-based best boosting round (early stopping); 0
	// for other algorithms.
	BestRound int
	// Stopped says why training stopped before its planned rounds
	// (early stopping, the time budget); empty otherwise.
	Stopped string
	// Params are the algorithm's parameters with defaults filled in.
	Params any
}

// schemaOf returns the transform schema of a frame.
func schemaOf(f *frame.Frame) []transform.Field {
	out := make([]transform.Field, 0, f.NumColumns())
	for _, c := range f.Columns() {
		out = append(out, transform.Field{Name: c.Name(), Logical: c.Logical()})
	}
	return out
}

// SpecFor returns the spec the recipe uses on a feature schema.
func (r Recipe) SpecFor(schema []transform.Field) transform.Spec {
	if r.Features != nil {
		return *r.Features
	}
	keep := schema[:0:0]
	for _, f := range schema {
		if !slices.Contains(r.Drop, f.Name) {
			keep = append(keep, f)
		}
	}
	s := transform.DefaultSpec(keep, r.Algo != predict.AlgoLinear)
	s.Drop = append(s.Drop, r.Drop...)
	return s
}

// SpecSHA returns the sha256 of a spec's canonical JSON.
func SpecSHA(s transform.Spec) string {
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Fit fits the recipe's transforms and model on train, validating on valid
// when it is not nil, and returns the model package (without lineage:
// the caller fills it in).
func Fit(ctx context.Context, prob *Problem, r Recipe, train Split, valid *Split, h Hooks) (*Fitted, error) {
	if train.Len() == 0 {
		return nil, fault.Invalid("train: no training rows")
	}
	if !slices.Contains(Algos, r.Algo) {
		return nil, fault.Invalid("train: unknown algorithm %q (want one of %v)", r.Algo, Algos)
	}
	schema := schemaOf(train.X)
	spec := r.SpecFor(schema)
	if err := spec.Validate(schema); err != nil {
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("feature spec: %w", err))
	}
	tgt := &transform.Target{Values: train.Y, NumClass: prob.K()}
	pipe, ftrain, err := transform.Fit(ctx, spec, train.X, tgt, transform.Options{Seed: r.Seed})
	if err != nil {
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("fit transforms: %w", err))
	}
	out := &Fitted{Train: ftrain}
	var vd *Split
	if valid != nil {
		fv, err := pipe.Apply(ctx, valid.X)
		if err != nil {
			return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("transform the validation set: %w", err))
		}
		out.Valid = fv
		vd = &Split{X: fv, Y: valid.Y}
	}
	model, importance, err := fitModel(ctx, prob, r, Split{X: ftrain, Y: train.Y}, vd, h, out)
	if err != nil {
		return nil, err
	}
	tj, err := pipe.MarshalJSON()
	if err != nil {
		return nil, errorf("save transforms: %w", err)
	}
	pj, err := json.Marshal(out.Params)
	if err != nil {
		return nil, errorf("save params: %w", err)
	}
	var fields []predict.Field
	for _, in := range pipe.Inputs() {
		fields = append(fields, predict.Field{Name: in.Name, Logical: in.Logical, Categories: in.Categories, Required: in.Required})
	}
	pkg := &predict.Package{
		Format: predict.Format, Version: predict.FormatVersion,
		Task: prob.Task, Target: prob.Target, Classes: prob.Classes,
		Schema: fields, Features: pipe.Outputs(), Transforms: tj,
		Algo: r.Algo, Params: pj, Model: model, Importance: importance,
		Lineage: predict.Lineage{SpecSHA: SpecSHA(spec), Seed: r.Seed},
	}
	if prob.Task == predict.TaskBinary {
		pkg.Threshold = 0.5
	}
	if pkg.Recipe, err = json.Marshal(r); err != nil {
		return nil, errorf("save recipe: %w", err)
	}
	if out.Model, err = predict.New(pkg); err != nil {
		return nil, errorf("check the model package: %w", err)
	}
	out.Package = pkg
	return out, nil
}

// fitModel fits the algorithm on transformed features and returns the
// serialized model and its own feature importance.
func fitModel(ctx context.Context, prob *Problem, r Recipe, tr Split, va *Split, h Hooks, out *Fitted) (json.RawMessage, map[string]float64, error) {
	names := tr.X.Names()
	switch r.Algo {
	case predict.AlgoGBDT:
		return fitGBDT(ctx, prob, r, tr, va, h, out, names)
	case predict.AlgoLinear:
		return fitLinear(ctx, prob, r, tr, out, names)
	case predict.AlgoForest:
		return fitForest(ctx, prob, r, tr, out)
	}
	// Baseline: the class prior or the mean.
	if err := checkReserved(r.Params); err != nil {
		return nil, nil, err
	}
	if len(r.Params) > 0 {
		return nil, nil, fault.Invalid("params: the baseline takes no parameters")
	}
	var b predict.Baseline
	if k := prob.K(); k > 0 {
		b.Prior = make([]float64, k)
		for _, y := range tr.Y {
			b.Prior[int(y)]++
		}
		for j := range b.Prior {
			b.Prior[j] /= float64(len(tr.Y))
		}
	} else {
		for _, y := range tr.Y {
			b.Value += y
		}
		b.Value /= float64(len(tr.Y))
	}
	out.Params = map[string]any{}
	raw, err := json.Marshal(b)
	return raw, nil, err
}

// GBDT defaults of the platform where XGBoost's would serve badly: more
// rounds at a lower learning rate, stopped early on the validation set.
const (
	defaultRounds       = 300
	defaultLearningRate = 0.1
	defaultPatience     = 30
)

func fitGBDT(ctx context.Context, prob *Problem, r Recipe, tr Split, va *Split, h Hooks, out *Fitted, names []string) (json.RawMessage, map[string]float64, error) {
	if err := checkReserved(r.Params, "objective"); err != nil {
		return nil, nil, err
	}
	p := gbdt.Params{NEstimators: defaultRounds, LearningRate: defaultLearningRate, Seed: r.Seed}
	if va != nil {
		p.EarlyStoppingRounds = defaultPatience
	}
	switch prob.Task {
	case predict.TaskBinary:
		p.Objective, p.EvalMetric = gbdt.BinaryLogistic, "auc"
	case predict.TaskMulticlass:
		p.Objective, p.NumClass, p.EvalMetric = "multi:softprob", prob.K(), "mlogloss"
	default:
		p.Objective, p.EvalMetric = "reg:squarederror", "rmse"
	}
	if err := setParams("gbdt", &p, r.Params); err != nil {
		return nil, nil, err
	}
	if obj, ok := r.Params["objective"]; ok {
		if prob.Task != predict.TaskRegression || obj == gbdt.BinaryLogistic || len(obj) > 5 && obj[:5] == "multi" {
			return nil, nil, fault.Invalid("params: objective %q does not fit the %s task; classification objectives are set from the task", obj, prob.Task)
		}
	}
	if va == nil {
		p.EarlyStoppingRounds = 0
	}
	total := p.NEstimators
	if h.Round != nil || h.Stop != nil {
		p.Callback = func(round int, rd gbdt.Round) bool {
			if h.Round != nil {
				h.Round(round+1, total, p.EvalMetric, rd.Train, rd.Valid)
			}
			if h.Stop != nil {
				if why := h.Stop(); why != "" {
					out.Stopped = why
					return false
				}
			}
			return true
		}
	}
	train := gbdt.Data{X: tr.X, Y: tr.Y}
	var valid *gbdt.Data
	if va != nil {
		valid = &gbdt.Data{X: va.X, Y: va.Y}
	}
	res, err := gbdt.Fit(ctx, train, valid, p)
	if err != nil {
		return nil, nil, fitError("gbdt", err)
	}
	out.Params = res.Model.Params()
	c := &Curve{Metric: p.EvalMetric}
	for _, rd := range res.Curve {
		c.Train = append(c.Train, rd.Train)
		if valid != nil {
			c.Valid = append(c.Valid, rd.Valid)
		}
	}
	if len(c.Train) > 0 {
		out.Curve = c
	}
	if valid != nil {
		out.BestRound = res.BestIteration + 1
		if out.Stopped == "" && len(res.Curve) < total {
			out.Stopped = fmt.Sprintf("early stopping: %s did not improve for %d rounds after round %d", p.EvalMetric, p.EarlyStoppingRounds, out.BestRound)
		}
	}
	gain, err := res.Model.Importance(gbdt.ImportanceGain)
	if err != nil {
		return nil, nil, errorf("gbdt importance: %w", err)
	}
	imp := map[string]float64{}
	for j, f := range res.Model.Features() {
		if gain[j] > 0 {
			imp[f.Name] = gain[j]
		}
	}
	raw, err := res.Model.MarshalJSON()
	return raw, imp, err
}

func fitLinear(ctx context.Context, prob *Problem, r Recipe, tr Split, out *Fitted, names []string) (json.RawMessage, map[string]float64, error) {
	if err := checkReserved(r.Params); err != nil {
		return nil, nil, err
	}
	var p linear.Params
	if err := setParams("linear", &p, r.Params); err != nil {
		return nil, nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, nil, fault.Mark(fault.KindInvalid, fmt.Errorf("params: %w", err))
	}
	var m *linear.Model
	var err error
	switch prob.K() {
	case 0:
		m, err = linear.FitRegression(ctx, tr.X, tr.Y, nil, p)
	case 2:
		m, err = linear.FitLogistic(ctx, tr.X, classIndex(tr.Y), nil, p)
	default:
		m, err = linear.FitSoftmax(ctx, tr.X, classIndex(tr.Y), nil, p)
	}
	if err != nil {
		return nil, nil, fitError("linear", err)
	}
	out.Params = m.Params
	// Importance: |coefficient| × the feature's standard deviation, the
	// effect of one standard deviation (summed over classes).
	imp := map[string]float64{}
	for j, name := range m.Features {
		c, ok := tr.X.Column(name)
		fc, isFloat := c.(*frame.FloatColumn)
		if !ok || !isFloat {
			continue
		}
		sd := stddev(fc.Values())
		var s float64
		for _, row := range m.Coef {
			s += math.Abs(row[j]) * sd
		}
		if s > 0 {
			imp[name] = s
		}
	}
	raw, err := json.Marshal(m)
	return raw, imp, err
}

func fitForest(ctx context.Context, prob *Problem, r Recipe, tr Split, out *Fitted) (json.RawMessage, map[string]float64, error) {
	if err := checkReserved(r.Params); err != nil {
		return nil, nil, err
	}
	p := forest.Params{Task: forest.Classification, NumClass: prob.K(), Seed: r.Seed, OOBScore: true}
	if prob.K() == 0 {
		p.Task = forest.Regression
	}
	if err := setParams("forest", &p, r.Params); err != nil {
		return nil, nil, err
	}
	if p.NoBootstrap {
		p.OOBScore = false
	}
	res, err := forest.Fit(ctx, forest.Data{X: tr.X, Y: tr.Y}, p)
	if err != nil {
		return nil, nil, fitError("forest", err)
	}
	out.Params = p
	raw, err := json.Marshal(res.Model)
	return raw, nil, err
}

// fitError marks an algorithm's error: cancellation stays cancellation,
// invalid input is the user's to fix.
func fitError(algo string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fault.Mark(fault.KindInvalid, fmt.Errorf("%s: %w", algo, err))
}

func stddev(x []float64) float64 {
	var n, mean, m2 float64
	for _, v := range x {
		if math.IsNaN(v) {
			continue
		}
		n++
		d := v - mean
		mean += d / n
		m2 += d * (v - mean)
	}
	if n < 2 {
		return 0
	}
	return math.Sqrt(m2 / n)
}
