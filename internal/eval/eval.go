package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/metrics"
	"github.com/mlcycle/mlcycle/predict"
)

// Service evaluates models.
type Service struct {
	Catalog *catalog.Service
	Store   store.Store
	Blob    *blob.Store
	Clock   clock.Clock  // default clock.Real
	Log     *slog.Logger // default: discard
}

// Options describe an evaluation.
type Options struct {
	// Model is a training run (its number or name) or the path of a
	// model package file.
	Model string
	// Data is the evaluation dataset NAME[@VERSION]; it must hold the
	// target column.
	Data string
	// Goal supplies the value matrix, the criteria and the budgets.
	Goal *config.Goal
	// Gate checks the goal's criteria and diagnoses failures.
	Gate bool
	// Threshold is the binary decision threshold; 0 means the model's.
	Threshold float64
	// Repeats is the number of shuffles per column for permutation
	// importance (default 5); MaxRows bounds the rows it uses (default
	// 10,000, a seeded sample).
	Repeats, MaxRows int
	Seed             uint64
	// Record records the evaluation as a run (kind eval) with the report
	// JSON as its artifact.
	Record bool
	// Phase, if set, is told what the evaluation is doing.
	Phase func(string)
}

// Predictions are the per-row predictions of an evaluation.
type Predictions struct {
	Task    string
	Classes []string
	// Rows are the 1-based row numbers in the dataset version.
	Rows  []int
	True  []float64 // class index or value
	Pred  []string
	Score []float64   // binary: positive-class probability; regression: value
	Proba [][]float64 // multiclass: class probabilities
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) phase(o Options, what string) {
	if o.Phase != nil {
		o.Phase(what)
	}
}

// loaded is a resolved model.
type loaded struct {
	m    *predict.Model
	info ModelInfo
	run  *store.Run
}

// Resolve loads the model a reference names: a training run (number or
// name) or a model package file.
func (s *Service) Resolve(ctx context.Context, ref string) (*predict.Model, *store.Run, error) {
	l, err := s.resolve(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	return l.m, l.run, nil
}

func (s *Service) resolve(ctx context.Context, ref string) (*loaded, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		m, err := predict.LoadFile(ref)
		if err != nil {
			return nil, fault.Mark(fault.KindInvalid, err)
		}
		p := m.Package()
		return &loaded{m: m, info: ModelInfo{Ref: ref, Run: p.Lineage.RunID, Name: p.Name, Algo: p.Algo, Target: p.Target}}, nil
	}
	run, err := train.FindRun(ctx, s.Store, ref, store.RunTrain)
	if fault.KindOf(err) == fault.KindNotFound {
		return nil, fault.Mark(fault.KindNotFound, fmt.Errorf("model %q: no such file, and %w", ref, err))
	}
	if err != nil {
		return nil, err
	}
	if run.Kind != store.RunTrain {
		return nil, fault.Invalid("run %d is an %s run, not a training run", run.ID, run.Kind)
	}
	if run.Status != store.RunSucceeded || run.ArtifactKey == "" {
		return nil, fault.Invalid("run %d (%s) %s: it has no model", run.ID, run.Name, run.Status)
	}
	rc, err := s.Blob.NewReader(ctx, run.ArtifactKey)
	if err != nil {
		return nil, fmt.Errorf("model of run %d: %w", run.ID, err)
	}
	defer rc.Close()
	m, err := predict.Load(rc)
	if err != nil {
		return nil, fmt.Errorf("model of run %d: %w", run.ID, err)
	}
	p := m.Package()
	info := ModelInfo{Ref: ref, Run: run.ID, Name: run.Name, Algo: p.Algo, Target: p.Target}
	if !run.FinishedAt.IsZero() {
		d := run.FinishedAt.Sub(run.StartedAt).Seconds()
		info.TrainSeconds = &d
	}
	return &loaded{m: m, info: info, run: &run}, nil
}

// Evaluate evaluates a model on a dataset version.
func (s *Service) Evaluate(ctx context.Context, o Options) (*Report, *Predictions, error) {
	if o.Model == "" || o.Data == "" {
		return nil, nil, fault.Invalid("eval: need a model and --data")
	}
	if o.Threshold < 0 || o.Threshold > 1 {
		return nil, nil, fault.Invalid("eval: --threshold %v is outside [0, 1]", o.Threshold)
	}
	if o.Gate && (o.Goal == nil || len(o.Goal.Criteria) == 0) {
		return nil, nil, fault.Invalid("eval --gate: the project's goal has no criteria: add goal.criteria to mlcycle.yaml (docs/goal.md)")
	}
	if o.Repeats == 0 {
		o.Repeats = 5
	}
	if o.MaxRows == 0 {
		o.MaxRows = 10000
	}
	l, err := s.resolve(ctx, o.Model)
	if err != nil {
		return nil, nil, err
	}
	v, f, err := s.Catalog.Load(ctx, o.Data, nil)
	if err != nil {
		return nil, nil, err
	}
	started := s.now()
	var evalRun store.Run
	if o.Record {
		nr := store.NewRun{Name: runName(l.info) + "-eval", Kind: store.RunEval, Target: l.info.Target, Algo: l.info.Algo,
			StartedAt: started, Inputs: []store.RunInput{{VersionID: v.ID, Role: "data"}}}
		if l.run != nil {
			nr.Parent = l.run.ID
		}
		nr.Options, _ = json.Marshal(map[string]any{"model": o.Model, "gate": o.Gate, "threshold": o.Threshold, "repeats": o.Repeats, "seed": o.Seed})
		if evalRun, err = s.Store.CreateRun(ctx, nr); err != nil {
			return nil, nil, err
		}
	}
	rep, preds, err := s.evaluate(ctx, o, l, v, f)
	if !o.Record {
		return rep, preds, err
	}
	end := store.RunEnd{FinishedAt: s.now()}
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		key := fmt.Sprintf("evals/%d/report.json", evalRun.ID)
		b, jerr := json.Marshal(rep)
		if jerr == nil {
			jerr = s.Blob.Put(ctx, key, bytes.NewReader(b))
		}
		if jerr != nil {
			err = fmt.Errorf("save the evaluation report: %w", jerr)
		} else {
			end.Status, end.ArtifactKey = store.RunSucceeded, key
			summary := map[string]any{"metrics": rep.Metrics}
			if rep.Gate != nil {
				summary["gate_passed"] = rep.Gate.Passed
			}
			end.Metrics, _ = json.Marshal(summary)
		}
	}
	if err != nil {
		end.Status, end.Error = store.RunFailed, err.Error()
		if errors.Is(err, context.Canceled) {
			end.Status = store.RunCancelled
		}
	}
	if _, ferr := s.Store.FinishRun(rctx, evalRun.ID, end); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return nil, nil, err
	}
	return rep, preds, nil
}

func runName(i ModelInfo) string {
	if i.Name != "" {
		return i.Name
	}
	return "model"
}

func (s *Service) evaluate(ctx context.Context, o Options, l *loaded, v catalog.Version, f *frame.Frame) (*Report, *Predictions, error) {
	pkg := l.m.Package()
	prob := &train.Problem{Target: pkg.Target, Task: pkg.Task, Classes: pkg.Classes}
	rows, y, err := prob.Labels(f)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluation data %s@%d: %w", v.Dataset, v.Version.Version, err)
	}
	if len(rows) == 0 {
		return nil, nil, fault.Invalid("evaluation data %s@%d: no row has a value for the target %q", v.Dataset, v.Version.Version, pkg.Target)
	}
	x := f
	if len(rows) < f.Len() {
		if x, err = f.Take(rows); err != nil {
			return nil, nil, err
		}
	}
	s.phase(o, "predicting")
	res, err := l.m.Predict(ctx, x)
	if err != nil {
		return nil, nil, err
	}
	thr := o.Threshold
	if thr == 0 {
		thr = pkg.Threshold
	}
	rep := &Report{Format: ReportFormat, Version: ReportVersion, Model: l.info, Task: pkg.Task, Classes: pkg.Classes,
		Data: DataInfo{Dataset: v.Dataset, Version: v.Version.Version, Rows: len(rows), Skipped: f.Len() - len(rows)}}
	preds := &Predictions{Task: pkg.Task, Classes: pkg.Classes, True: y, Rows: make([]int, len(rows))}
	for i, r := range rows {
		preds.Rows[i] = r + 1
	}
	if err := score(rep, preds, res, y, thr, o.Goal); err != nil {
		return nil, nil, err
	}
	if l.run != nil && len(l.run.Curve) > 0 {
		var c train.Curve
		if json.Unmarshal(l.run.Curve, &c) == nil {
			rep.LearningCurve = &c
		}
	}
	s.phase(o, "permutation importance")
	if err := importance(ctx, rep, l.m, x, y, thr, o); err != nil {
		return nil, nil, err
	}
	rep.LatencyP99MS = latencyP99(ctx, l.m, x)
	if o.Gate {
		s.phase(o, "checking the goal")
		if err := s.gate(ctx, rep, l, x, y, o); err != nil {
			return nil, nil, err
		}
	}
	return rep, preds, nil
}

// score fills the metrics, curves and business value.
func score(rep *Report, p *Predictions, res *predict.Result, y []float64, thr float64, goal *config.Goal) error {
	n := res.Len()
	p.Pred = make([]string, n)
	for i := range n {
		p.Pred[i] = res.Label(i)
	}
	var err error
	switch rep.Task {
	case predict.TaskBinary:
		yt := intLabels(y)
		p.Score = make([]float64, n)
		for i := range n {
			p.Score[i] = res.Score(i)
			// The predicted label follows the evaluation's threshold.
			p.Pred[i] = rep.Classes[b2i(p.Score[i] >= thr)]
		}
		b, err := metrics.Binary(yt, p.Score, thr)
		if err != nil {
			return err
		}
		rep.Binary = &b
		if rep.Metrics, err = train.Flatten(b); err != nil {
			return err
		}
		if hasBoth(yt) {
			fpr, tpr, th, err := metrics.ROCCurve(yt, p.Score, nil)
			if err != nil {
				return err
			}
			rep.ROC = &XY{X: fpr, Y: tpr, Thresholds: th}
			prec, rec, th2, err := metrics.PRCurve(yt, p.Score, nil)
			if err != nil {
				return err
			}
			rep.PR = &XY{X: rec, Y: prec, Thresholds: th2}
		}
		pt, pp, err := metrics.CalibrationCurve(yt, p.Score, 10)
		if err != nil {
			return err
		}
		rep.Calibration = &XY{X: pp, Y: pt}
		if goal != nil && goal.Value != nil {
			if rep.Business, err = business(yt, p.Score, thr, goal.Value); err != nil {
				return err
			}
			rep.Metrics["expected_value"] = rep.Business.ExpectedValue
			rep.Metrics["value_per_1000"] = rep.Business.ValuePer1000
			if rep.Business.ROI != nil {
				rep.Metrics["roi"] = *rep.Business.ROI
			}
		}
	case predict.TaskMulticlass:
		p.Proba = make([][]float64, n)
		for i := range n {
			p.Proba[i] = res.Proba(i)
		}
		m, err := metrics.Multiclass(intLabels(y), p.Proba)
		if err != nil {
			return err
		}
		rep.Multiclass = &m
		if rep.Metrics, err = train.Flatten(m); err != nil {
			return err
		}
	default:
		p.Score = res.Values
		r, err := metrics.Regression(y, res.Values)
		if err != nil {
			return err
		}
		rep.Regression = &r
		if rep.Metrics, err = train.Flatten(r); err != nil {
			return err
		}
		rep.Residuals = residuals(y, res.Values)
	}
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func intLabels(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

func hasBoth(y []int) bool {
	return slices.Contains(y, 0) && slices.Contains(y, 1)
}

const maxResiduals = 2000

func residuals(y, pred []float64) *Residual {
	idx := make([]int, len(y))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) > maxResiduals {
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:maxResiduals]
		sort.Ints(idx)
	}
	out := &Residual{}
	for _, i := range idx {
		out.Predicted = append(out.Predicted, pred[i])
		out.Actual = append(out.Actual, y[i])
		out.Residual = append(out.Residual, y[i]-pred[i])
	}
	return out
}

// business computes the value of acting on positive predictions.
func business(y []int, scores []float64, thr float64, vm *config.ValueMatrix) (*Business, error) {
	v := metrics.Values{TP: *vm.TP, FP: *vm.FP, FN: *vm.FN, TN: *vm.TN}
	at := func(t float64) (metrics.Counts, float64, error) {
		pred := make([]int, len(scores))
		for i, s := range scores {
			pred[i] = b2i(s >= t)
		}
		c, err := metrics.NewCounts(y, pred, nil)
		if err != nil {
			return c, 0, err
		}
		ev, err := metrics.ExpectedValue(c, v)
		return c, ev, err
	}
	c, ev, err := at(thr)
	if err != nil {
		return nil, err
	}
	b := &Business{Values: v, Threshold: thr, Counts: c, ExpectedValue: ev, TotalValue: ev * c.N(), ValuePer1000: 1000 * ev}
	if roi, err := metrics.ROI(c, v); err == nil && !math.IsNaN(roi) {
		b.ROI = &roi
	}
	cost := v.TN - v.FP
	b.CostPerPositive = cost
	if c.TP > 0 {
		cpt := (c.TP + c.FP) * cost / c.TP
		b.CostPerTruePositive = &cpt
	}
	if b.BestThreshold, b.BestValue, err = metrics.BestThreshold(y, scores, nil, v); err != nil {
		return nil, err
	}
	if _, b.ValueAtHalf, err = at(0.5); err != nil {
		return nil, err
	}
	var pos float64
	for _, l := range y {
		pos += float64(l)
	}
	nTotal := float64(len(y))
	b.NoActionValue = (pos*v.FN + (nTotal-pos)*v.TN) / nTotal
	for i := 0; i <= 100; i++ {
		t := float64(i) / 100
		_, e, err := at(t)
		if err != nil {
			return nil, err
		}
		b.Curve.X = append(b.Curve.X, t)
		b.Curve.Y = append(b.Curve.Y, e)
	}
	return b, nil
}

// PrimaryMetric is the metric that permutation importance, the gate's
// diagnosis and retraining's comparison measure: the goal's first
// model-metric criterion, else ROC-AUC (binary), accuracy (multiclass) or
// RMSE (regression).
func PrimaryMetric(task string, goal *config.Goal) string {
	if goal != nil {
		for _, c := range goal.Criteria {
			if c.Metric != "" {
				return c.Metric
			}
		}
	}
	switch task {
	case predict.TaskBinary:
		return "roc_auc"
	case predict.TaskMulticlass:
		return "accuracy"
	}
	return "rmse"
}

// metricOf scores predictions on one metric.
func metricOf(task, name string, res *predict.Result, y []float64, thr float64) (float64, error) {
	m, err := train.Score(task, y, res, thr)
	if err != nil {
		return 0, err
	}
	v, ok := m[name]
	if !ok {
		return math.NaN(), nil
	}
	return v, nil
}

// importance computes permutation importance of every input column on a
// sample of at most o.MaxRows rows.
func importance(ctx context.Context, rep *Report, m *predict.Model, x *frame.Frame, y []float64, thr float64, o Options) error {
	rng := rand.New(rand.NewPCG(o.Seed, 0x696d706f7274))
	if x.Len() > o.MaxRows {
		idx := rng.Perm(x.Len())[:o.MaxRows]
		sort.Ints(idx)
		var err error
		if x, err = x.Take(idx); err != nil {
			return err
		}
		ys := make([]float64, len(idx))
		for j, i := range idx {
			ys[j] = y[i]
		}
		y = ys
	}
	name := PrimaryMetric(rep.Task, o.Goal)
	rep.ImportanceMetric = name
	sign := 1.0
	if !config.HigherIsBetter(name) {
		sign = -1
	}
	res, err := m.Predict(ctx, x)
	if err != nil {
		return err
	}
	base, err := metricOf(rep.Task, name, res, y, thr)
	if err != nil {
		return err
	}
	gains := m.Package().Importance
	cols := x.Columns()
	for ci, c := range cols {
		if _, ok := schemaField(m, c.Name()); !ok {
			continue
		}
		var drops []float64
		for range o.Repeats {
			if err := ctx.Err(); err != nil {
				return err
			}
			perm := rng.Perm(x.Len())
			one, err := x.Select(c.Name())
			if err != nil {
				return err
			}
			shuffled, err := one.Take(perm)
			if err != nil {
				return err
			}
			next := slices.Clone(cols)
			next[ci] = shuffled.Columns()[0]
			xf, err := frame.New(next...)
			if err != nil {
				return err
			}
			r, err := m.Predict(ctx, xf)
			if err != nil {
				return err
			}
			sc, err := metricOf(rep.Task, name, r, y, thr)
			if err != nil {
				return err
			}
			drops = append(drops, sign*(base-sc))
		}
		mean, std := meanStd(drops)
		imp := Importance{Feature: c.Name(), Mean: mean, Std: std}
		if g, ok := gainOf(gains, c.Name()); ok {
			imp.Gain = &g
		}
		rep.Importance = append(rep.Importance, imp)
	}
	sort.SliceStable(rep.Importance, func(i, j int) bool { return rep.Importance[i].Mean > rep.Importance[j].Mean })
	return nil
}

func schemaField(m *predict.Model, name string) (predict.Field, bool) {
	for _, f := range m.Schema() {
		if f.Name == name {
			return f, true
		}
	}
	return predict.Field{}, false
}

// gainOf sums the model's importance of the features made from column
// name: the column itself and "<name>__...".
func gainOf(gains map[string]float64, name string) (float64, bool) {
	var s float64
	found := false
	for f, g := range gains {
		if f == name || strings.HasPrefix(f, name+"__") {
			s += g
			found = true
		}
	}
	return s, found
}

func meanStd(v []float64) (float64, float64) {
	var sum float64
	for _, x := range v {
		sum += x
	}
	mu := sum / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mu) * (x - mu)
	}
	return mu, math.Sqrt(ss / float64(len(v)))
}

// latencyP99 measures single-row prediction latency (transforms
// included) on up to 200 rows and returns the 99th percentile in ms, or
// 0 when it cannot be measured.
func latencyP99(ctx context.Context, m *predict.Model, x *frame.Frame) float64 {
	n := min(x.Len(), 200)
	var lat []float64
	for i := range n {
		row, err := x.Take([]int{i})
		if err != nil {
			return 0
		}
		t0 := time.Now()
		if _, err := m.Predict(ctx, row); err != nil {
			return 0
		}
		lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
	}
	if len(lat) == 0 {
		return 0
	}
	sort.Float64s(lat)
	pos := 0.99 * float64(len(lat)-1)
	lo := int(pos)
	hi := min(lo+1, len(lat)-1)
	return lat[lo] + (pos-float64(lo))*(lat[hi]-lat[lo])
}
