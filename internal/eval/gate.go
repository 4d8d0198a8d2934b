package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

// Diagnosis kinds and the phases they send the work back to.
const (
	CauseMoreData     = "more_data"
	CauseOverfitting  = "overfitting"
	CauseUnderfitting = "underfitting"
	CauseBudget       = "budget"
	CauseNearMiss     = "near_miss"
)

// unbounded are the metrics without a fixed scale: their gaps are judged
// relative to the training value.
var unbounded = []string{"mae", "mse", "rmse", "mape", "median_absolute_error", "log_loss"}

// Thresholds of the diagnosis, documented in docs/eval.md.
const (
	overfitGap      = 0.05 // bounded metrics: train − eval
	overfitRelative = 0.25 // unbounded metrics: (eval − train) / train
	risingShare     = 0.25 // the last quarter of the data brings this share of the gain
	risingMinAbs    = 0.002
	risingMinRel    = 0.005
)

// gate checks the goal's criteria and budgets on rep and, if any fails,
// diagnoses why.
func (s *Service) gate(ctx context.Context, rep *Report, l *loaded, x *frame.Frame, y []float64, o Options) error {
	g := &Gate{Passed: true}
	goal := o.Goal
	for _, c := range goal.Criteria {
		line := GateLine{Criterion: c.String(), Name: c.Name()}
		if v, ok := rep.Metrics[c.Name()]; ok {
			line.Value, line.Pass = &v, c.Holds(v)
		} else {
			line.Note = missingNote(rep, c, goal)
		}
		g.Passed = g.Passed && line.Pass
		g.Lines = append(g.Lines, line)
	}
	b := goal.Budget
	if b.TrainSeconds > 0 {
		line := GateLine{Criterion: fmt.Sprintf("budget.train_seconds <= %g", b.TrainSeconds), Name: "train_seconds"}
		if t := rep.Model.TrainSeconds; t != nil {
			line.Value, line.Pass = t, *t <= b.TrainSeconds
		} else {
			line.Note = "not measured: the model's training run is unknown (evaluate the run rather than a file)"
		}
		g.Passed = g.Passed && line.Pass
		g.Lines = append(g.Lines, line)
	}
	if b.P99LatencyMS > 0 {
		line := GateLine{Criterion: fmt.Sprintf("budget.p99_latency_ms <= %g", b.P99LatencyMS), Name: "p99_latency_ms"}
		if v := rep.LatencyP99MS; v > 0 {
			line.Value, line.Pass = &v, v <= b.P99LatencyMS
		} else {
			line.Note = "not measured"
		}
		g.Passed = g.Passed && line.Pass
		g.Lines = append(g.Lines, line)
	}
	rep.Gate = g
	if g.Passed {
		return nil
	}
	causes, err := s.diagnose(ctx, rep, l, x, y, o)
	if err != nil {
		return err
	}
	g.Causes = causes
	return nil
}

func missingNote(rep *Report, c config.Criterion, goal *config.Goal) string {
	switch {
	case c.Business != "" && rep.Task != predict.TaskBinary:
		return "not measured: business metrics need a binary task"
	case c.Business != "" && goal.Value == nil:
		return "not measured: the goal has no value matrix (goal.value)"
	case c.Business == "roi":
		return "undefined: the model acts on nobody, or acting costs nothing"
	case rep.Task == predict.TaskRegression && slices.Contains(config.ClassificationMetrics, c.Metric),
		rep.Task != predict.TaskRegression && slices.Contains(config.RegressionMetrics, c.Metric):
		return fmt.Sprintf("not measured: %s is not a metric of a %s task", c.Metric, rep.Task)
	}
	return "undefined on this data (for example ROC-AUC when the data holds one class)"
}

// diagnose finds where to go back, from evidence.
func (s *Service) diagnose(ctx context.Context, rep *Report, l *loaded, x *frame.Frame, y []float64, o Options) ([]Diagnosis, error) {
	var out []Diagnosis
	goal := o.Goal
	// The criterion to explain: the first failing model metric.
	var crit *config.Criterion
	for i, c := range goal.Criteria {
		if c.Metric == "" {
			continue
		}
		if v, ok := rep.Metrics[c.Metric]; ok && !c.Holds(v) {
			crit = &goal.Criteria[i]
			break
		}
	}
	for _, line := range rep.Gate.Lines {
		if line.Pass || line.Value == nil {
			continue
		}
		switch line.Name {
		case "train_seconds":
			out = append(out, Diagnosis{Kind: CauseBudget, Phase: "5: training — a cheaper model",
				Message:  fmt.Sprintf("training took %.1f s, over the budget of %g s: use fewer or shallower trees, a subsample, or a linear model", *line.Value, goal.Budget.TrainSeconds),
				Evidence: map[string]float64{"train_seconds": *line.Value, "budget_seconds": goal.Budget.TrainSeconds}})
		case "p99_latency_ms":
			out = append(out, Diagnosis{Kind: CauseBudget, Phase: "5: training — a cheaper model",
				Message:  fmt.Sprintf("single-row prediction p99 is %.3f ms, over the budget of %g ms: use fewer or shallower trees, fewer features, or a linear model", *line.Value, goal.Budget.P99LatencyMS),
				Evidence: map[string]float64{"p99_latency_ms": *line.Value, "budget_ms": goal.Budget.P99LatencyMS}})
		}
	}
	if crit == nil {
		return out, nil
	}
	name := crit.Metric
	higher := config.HigherIsBetter(name)
	evalV := rep.Metrics[name]
	trainV, haveTrain := l.m.Package().Metrics["train"][name]
	dataRef := fmt.Sprintf("%s@%d", rep.Data.Dataset, rep.Data.Version)
	found := false
	if haveTrain {
		gap := trainV - evalV
		if !higher {
			gap = -gap
		}
		overfit := gap > overfitGap
		limit := fmt.Sprintf("%g", overfitGap)
		if slices.Contains(unbounded, name) {
			overfit = trainV > 0 && gap/math.Abs(trainV) > overfitRelative
			limit = fmt.Sprintf("%g%% of the training value", 100*overfitRelative)
		}
		if overfit {
			found = true
			out = append(out, Diagnosis{Kind: CauseOverfitting, Phase: "5-6: training and tuning — regularise",
				Message:  fmt.Sprintf("%s is %.4f on the training data but %.4f on %s: a gap of %.4f (more than %s): the model overfits; regularise or tune (fewer or shallower trees, larger min_child_weight or reg_lambda, a lower learning rate, subsample; for linear models a smaller C)", name, trainV, evalV, dataRef, math.Abs(trainV-evalV), limit),
				Evidence: map[string]float64{"train": trainV, "eval": evalV, "gap": gap}})
		}
		if !crit.Holds(trainV) {
			found = true
			out = append(out, Diagnosis{Kind: CauseUnderfitting, Phase: "4: features — or a stronger model (5)",
				Message:  fmt.Sprintf("%s misses the goal (%s) even on the training data (%.4f; %.4f on %s): the model underfits; build better features (phase 4) or use a stronger model (more or deeper trees, gbdt instead of linear)", name, crit, trainV, evalV, dataRef),
				Evidence: map[string]float64{"train": trainV, "eval": evalV}})
		}
	}
	curve, fracs, err := s.learningCurve(ctx, rep, l, x, y, name, o)
	if err != nil {
		return nil, err
	}
	if len(curve) == 4 {
		sign := 1.0
		if !higher {
			sign = -1
		}
		last := sign * (curve[3] - curve[2])
		total := sign * (curve[3] - curve[0])
		minGain := risingMinAbs
		if slices.Contains(unbounded, name) {
			minGain = risingMinRel * math.Abs(curve[3])
		}
		ev := map[string]float64{}
		var parts []string
		for i, f := range fracs {
			ev[fmt.Sprintf("%s_at_%d_pct", name, int(f*100))] = curve[i]
			parts = append(parts, fmt.Sprintf("%d%%: %.4f", int(f*100), curve[i]))
		}
		if last > minGain && total > 0 && last >= risingShare*total {
			found = true
			out = append(out, Diagnosis{Kind: CauseMoreData, Phase: "3: data — more or better data",
				Message:  fmt.Sprintf("the learning curve is still rising: %s on %s after training on %s of the training rows; the last quarter of the data added %.4f: more (or better labelled) data should help", name, dataRef, strings.Join(parts, ", "), last),
				Evidence: ev})
		}
	}
	if !found {
		miss := evalV - bound(*crit)
		out = append(out, Diagnosis{Kind: CauseNearMiss, Phase: "5-6: training and tuning",
			Message:  fmt.Sprintf("%s is %.4f on %s against the goal %s (off by %.4f); the model neither overfits clearly nor stops learning from more data: tune the model (phase 6), or revisit the features (phase 4)", name, evalV, dataRef, crit, math.Abs(miss)),
			Evidence: map[string]float64{"eval": evalV, "goal": bound(*crit)}})
	}
	return out, nil
}

func bound(c config.Criterion) float64 {
	if c.Min != nil {
		return *c.Min
	}
	if c.Max != nil {
		return *c.Max
	}
	return math.NaN()
}

// learningCurve retrains the model's recipe on 25, 50, 75 and 100 % of its
// training dataset (seeded, stratified) and scores each model on the
// evaluation rows. It returns nothing when the training data or recipe is
// unknown (a package without lineage).
func (s *Service) learningCurve(ctx context.Context, rep *Report, l *loaded, x *frame.Frame, y []float64, name string, o Options) ([]float64, []float64, error) {
	pkg := l.m.Package()
	var ref string
	for _, in := range pkg.Lineage.Inputs {
		if in.Role == "train" {
			ref = fmt.Sprintf("%s@%d", in.Dataset, in.Version)
		}
	}
	if ref == "" || len(pkg.Recipe) == 0 {
		return nil, nil, nil
	}
	var r train.Recipe
	if err := json.Unmarshal(pkg.Recipe, &r); err != nil {
		return nil, nil, fmt.Errorf("learning curve: the model's recipe: %w", err)
	}
	_, f, err := s.Catalog.Load(ctx, ref, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("learning curve: training data %s: %w", ref, err)
	}
	prob := &train.Problem{Target: pkg.Target, Task: pkg.Task, Classes: pkg.Classes}
	full, _, err := prob.NewSplit(f, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("learning curve: training data %s: %w", ref, err)
	}
	if r.Algo == predict.AlgoGBDT && l.run != nil {
		var sum train.Summary
		if json.Unmarshal(l.run.Metrics, &sum) == nil && sum.BestRound > 0 {
			r.Params = cloneParams(r.Params)
			r.Params["n_estimators"] = strconv.Itoa(sum.BestRound)
		}
	}
	fracs := []float64{0.25, 0.5, 0.75, 1}
	var out []float64
	for _, frac := range fracs {
		s.phase(o, fmt.Sprintf("learning curve: training on %d%% of %s", int(frac*100), ref))
		part := full
		if frac < 1 {
			_, keep := train.Holdout(full.Y, prob.K(), frac, r.Seed)
			if part, err = full.Take(keep); err != nil {
				return nil, nil, err
			}
		}
		fit, err := train.Fit(ctx, prob, r, part, nil, train.Hooks{})
		if err != nil {
			return nil, nil, fmt.Errorf("learning curve at %d%%: %w", int(frac*100), err)
		}
		res, err := fit.Model.Predict(ctx, x)
		if err != nil {
			return nil, nil, err
		}
		v, err := metricOf(rep.Task, name, res, y, fit.Package.Threshold)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	return out, fracs, nil
}

func cloneParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
