package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/metrics"
	"github.com/mlcycle/mlcycle/predict"
)

// project returns a project with the credit dataset (4,454 rows, 455
// missing cells, 6 categorical columns) as "credit".
func project(t *testing.T) *app.App {
	t.Helper()
	a := catalogtest.New(t)
	src := filepath.Join(catalogtest.Testdata(), "datasets", "credit_data.csv")
	if _, err := a.Catalog.Add(t.Context(), src, catalog.AddOpts{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	return a
}

func loadModel(t *testing.T, a *app.App, key string) *predict.Model {
	t.Helper()
	rc, err := a.Blob.NewReader(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	m, err := predict.Load(rc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTrainGBDT trains with a held-out validation set and cross-validation
// and checks what the run records against an independent recomputation.
func TestTrainGBDT(t *testing.T) {
	a := project(t)
	ctx := t.Context()
	var rounds []int
	o := train.Options{
		Data: "credit", Target: "status", Positive: "bad", ValidFrac: 0.25, CV: 3,
		Recipe: train.Recipe{Algo: "gbdt", Params: map[string]string{"max_depth": "3", "n_estimators": "60"}, Seed: 7},
		Hooks:  train.Hooks{Round: func(r, total int, metric string, tr, va float64) { rounds = append(rounds, r) }},
	}
	res, err := a.Train.Train(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	run, err := a.Store.Run(ctx, res.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != store.RunSucceeded || run.Kind != store.RunTrain || run.Algo != "gbdt" || run.Target != "status" || run.Name != "credit-gbdt" {
		t.Errorf("run = %+v", run)
	}
	if len(run.Inputs) != 1 || run.Inputs[0].Dataset != "credit" || run.Inputs[0].Role != "train" {
		t.Errorf("run inputs = %+v", run.Inputs)
	}
	if run.ArtifactKey != train.ModelKey(run.ID) || run.PeakMemBytes <= 0 || run.FinishedAt.Before(run.StartedAt) {
		t.Errorf("run artifact %q, peak memory %d, times %v..%v", run.ArtifactKey, run.PeakMemBytes, run.StartedAt, run.FinishedAt)
	}
	var sum train.Summary
	if err := json.Unmarshal(run.Metrics, &sum); err != nil {
		t.Fatal(err)
	}
	for _, split := range []string{"train", "valid", "cv_mean", "cv_std"} {
		if _, ok := sum.Metrics[split]["roc_auc"]; !ok {
			t.Errorf("recorded metrics lack %s roc_auc: %v", split, sum.Metrics[split])
		}
	}
	if sum.Rows["train"]+sum.Rows["valid"] != 4454 || sum.Rows["valid"] != 1114 {
		t.Errorf("rows = %v, want 3340 + 1114 of 4454", sum.Rows)
	}
	var curve train.Curve
	if err := json.Unmarshal(run.Curve, &curve); err != nil {
		t.Fatal(err)
	}
	if curve.Metric != "auc" || len(curve.Valid) != len(curve.Train) || len(curve.Train) == 0 || len(curve.Train) > 60 {
		t.Errorf("curve: metric %q, %d train and %d valid points", curve.Metric, len(curve.Train), len(curve.Valid))
	}
	if !slices.Equal(rounds[:3], []int{1, 2, 3}) || len(rounds) != len(curve.Train) {
		t.Errorf("round hook saw %d rounds starting %v; the curve has %d", len(rounds), rounds[:min(3, len(rounds))], len(curve.Train))
	}
	// The best round's validation AUC is the curve's maximum.
	best := slices.Max(curve.Valid)
	if sum.BestRound < 1 || curve.Valid[sum.BestRound-1] != best {
		t.Errorf("best round %d does not hold the curve's best AUC %v", sum.BestRound, best)
	}

	// Reload the package and score the validation rows independently.
	m := loadModel(t, a, run.ArtifactKey)
	p := m.Package()
	if p.Task != predict.TaskBinary || !slices.Equal(p.Classes, []string{"good", "bad"}) || p.Lineage.RunID != run.ID ||
		p.Lineage.Inputs[0].Dataset != "credit" || p.Lineage.Seed != 7 || len(p.Lineage.SpecSHA) != 64 {
		t.Errorf("package: task %s classes %v lineage %+v", p.Task, p.Classes, p.Lineage)
	}
	_, f, err := a.Catalog.Load(ctx, "credit", nil)
	if err != nil {
		t.Fatal(err)
	}
	prob := &train.Problem{Target: "status", Task: predict.TaskBinary, Classes: p.Classes}
	full, _, err := prob.NewSplit(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, va := train.Holdout(full.Y, 2, 0.25, 7)
	vs, err := full.Take(va)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := m.Predict(ctx, vs.X)
	if err != nil {
		t.Fatal(err)
	}
	scores := make([]float64, pr.Len())
	for i := range scores {
		scores[i] = pr.Score(i)
	}
	auc, err := metrics.ROCAUC(intsOf(vs.Y), scores, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auc != sum.Metrics["valid"]["roc_auc"] {
		t.Errorf("validation AUC recomputed from the saved package = %v, recorded %v", auc, sum.Metrics["valid"]["roc_auc"])
	}
	if auc < 0.8 || auc > 0.9 {
		t.Errorf("validation AUC %v outside the plausible 0.80-0.90 for credit_data with gbdt", auc)
	}
	if cv := sum.Metrics["cv_mean"]["roc_auc"]; math.Abs(cv-auc) > 0.05 {
		t.Errorf("cross-validated AUC %v far from the holdout's %v", cv, auc)
	}

	// The baseline of the training rows for monitoring: every input
	// column and the prediction, on the 3,340 training rows.
	st, cons, err := baseline.Load(ctx, a.Blob, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, hasPred := st.Feature(baseline.PredictionColumn)
	_, hasIncome := cons.Feature("income")
	if st.Rows != 3340 || len(st.Features) != len(p.Schema)+1 || !hasPred || !hasIncome {
		t.Errorf("baseline: %d rows, %d features (schema %d), prediction %v, income constraint %v", st.Rows, len(st.Features), len(p.Schema), hasPred, hasIncome)
	}
	if res.BaselineKeys[0] == "" {
		t.Error("the result does not name the baseline")
	}
}

func intsOf(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

// TestTrainAlgorithms trains every algorithm on the same split.
func TestTrainAlgorithms(t *testing.T) {
	a := project(t)
	ctx := t.Context()
	aucs := map[string]float64{}
	for _, algo := range train.Algos {
		o := train.Options{Data: "credit", Target: "status", Positive: "bad", ValidFrac: 0.25, Recipe: train.Recipe{Algo: algo, Seed: 1}}
		if algo == "forest" {
			o.Recipe.Params = map[string]string{"n_estimators": "50"}
		}
		res, err := a.Train.Train(ctx, o)
		if err != nil {
			t.Fatalf("%s: %v", algo, err)
		}
		aucs[algo] = res.Summary.Metrics["valid"]["roc_auc"]
		if algo == "baseline" {
			v := res.Summary.Metrics["valid"]
			// The prior predicts the majority class for every row.
			if v["roc_auc"] != 0.5 || v["recall"] != 0 || math.Abs(v["accuracy"]-(1-bad(t, a, 0.25, 1))) > 1e-12 {
				t.Errorf("baseline valid metrics = %v", v)
			}
		}
	}
	for _, algo := range []string{"gbdt", "linear", "forest"} {
		if aucs[algo] < 0.78 {
			t.Errorf("%s validation AUC %v, want above 0.78 (baseline %v)", algo, aucs[algo], aucs["baseline"])
		}
	}
}

// bad returns the share of "bad" rows in the validation part of credit.
func bad(t *testing.T, a *app.App, frac float64, seed uint64) float64 {
	_, f, err := a.Catalog.Load(t.Context(), "credit", nil)
	if err != nil {
		t.Fatal(err)
	}
	prob := &train.Problem{Target: "status", Task: predict.TaskBinary, Classes: []string{"good", "bad"}}
	full, _, err := prob.NewSplit(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, va := train.Holdout(full.Y, 2, frac, seed)
	var n float64
	for _, i := range va {
		n += full.Y[i]
	}
	return n / float64(len(va))
}

// TestTrainErrors checks that bad requests fail with messages naming the
// problem, and that a failed run is recorded without a model.
func TestTrainErrors(t *testing.T) {
	a := project(t)
	ctx := t.Context()
	before := catalogtest.Take(t, a)
	cases := []struct {
		o    train.Options
		want []string
	}{
		{train.Options{Data: "credit", Target: "nope", Recipe: train.Recipe{Algo: "gbdt"}}, []string{`target "nope" is not a column`, "status, seniority"}},
		{train.Options{Data: "credit", Target: "status", Recipe: train.Recipe{Algo: "svm"}}, []string{`unknown algorithm "svm"`}},
		{train.Options{Data: "credit", Target: "status", Positive: "ok", Recipe: train.Recipe{Algo: "gbdt"}}, []string{`positive class "ok"`, "good"}},
		{train.Options{Data: "credit", Target: "status", Task: "regression", Recipe: train.Recipe{Algo: "gbdt"}}, []string{"regression target must be numeric"}},
		{train.Options{Data: "credit", Target: "status", ValidFrac: 1.5, Recipe: train.Recipe{Algo: "gbdt"}}, []string{"--valid-frac 1.5"}},
		{train.Options{Data: "missing", Target: "status", Recipe: train.Recipe{Algo: "gbdt"}}, []string{"missing"}},
	}
	for _, c := range cases {
		_, err := a.Train.Train(ctx, c.o)
		if err == nil {
			t.Errorf("%+v: no error", c.o)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
	}
	if after := catalogtest.Take(t, a); !slices.Equal(after.Objects, before.Objects) {
		t.Errorf("failed requests changed the artifacts: %v → %v", before.Objects, after.Objects)
	}
	if rs, _ := a.Store.ListRuns(ctx, store.RunFilter{}); len(rs) != 0 {
		t.Errorf("requests refused before training recorded %d runs", len(rs))
	}

	// Errors found once the run has started are recorded on the run.
	for _, c := range []struct {
		params map[string]string
		want   []string
	}{
		{map[string]string{"max_dept": "3"}, []string{`unknown parameter "max_dept"`, "max_depth"}},
		{map[string]string{"max_depth": "deep"}, []string{"max_depth=deep: want an integer"}},
		{map[string]string{"objective": "reg:squarederror"}, []string{"does not fit the binary task"}},
		{map[string]string{"random_state": "3"}, []string{"random_state is set from --seed"}},
	} {
		_, err := a.Train.Train(ctx, train.Options{Data: "credit", Target: "status", Recipe: train.Recipe{Algo: "gbdt", Params: c.params}})
		if err == nil || !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("params %v: error %v, want an invalid-input error", c.params, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("params %v: error %q does not say %q", c.params, err, w)
			}
		}
	}
	rs, err := a.Store.ListRuns(ctx, store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Status != store.RunFailed || r.ArtifactKey != "" || r.Error == "" {
			t.Errorf("run %d: status %s, artifact %q, error %q; want failed without artifact", r.ID, r.Status, r.ArtifactKey, r.Error)
		}
	}
	if after := catalogtest.Take(t, a); !slices.Equal(after.Objects, before.Objects) {
		t.Errorf("failed runs left artifacts: %v → %v", before.Objects, after.Objects)
	}
}

// TestTrainCancelAndBudget stops training from a hook (a user's Ctrl-C)
// and by the time budget.
func TestTrainCancelAndBudget(t *testing.T) {
	a := project(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := train.Options{Data: "credit", Target: "status", Recipe: train.Recipe{Algo: "gbdt"},
		Hooks: train.Hooks{Round: func(r, _ int, _ string, _, _ float64) {
			if r == 5 {
				cancel()
			}
		}}}
	_, err := a.Train.Train(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: error %v, want context.Canceled", err)
	}
	rs, err := a.Store.ListRuns(t.Context(), store.RunFilter{})
	if err != nil || len(rs) != 1 || rs[0].Status != store.RunCancelled || rs[0].ArtifactKey != "" {
		t.Fatalf("after cancel: runs %+v, %v; want one cancelled run without a model", rs, err)
	}

	// The budget: the clock advances a second per round, the budget is 10 s.
	fake := clock.NewFake(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	a.Train.Clock = fake
	o = train.Options{Data: "credit", Target: "status", ValidFrac: 0.2, Budget: 10 * time.Second,
		Recipe: train.Recipe{Algo: "gbdt", Params: map[string]string{"early_stopping_rounds": "0"}},
		Hooks:  train.Hooks{Round: func(int, int, string, float64, float64) { fake.Advance(time.Second) }}}
	res, err := a.Train.Train(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Summary.Stopped, "time budget") || !strings.Contains(res.Summary.Stopped, "train_seconds = 10") {
		t.Errorf("stopped = %q, want the time budget named", res.Summary.Stopped)
	}
	m := loadModel(t, a, res.ModelKey)
	var g struct {
		Trees []json.RawMessage `json:"trees"`
	}
	if err := json.Unmarshal(m.Package().Model, &g); err != nil {
		t.Fatal(err)
	}
	if len(res.Curve.Train) != 10 {
		t.Errorf("budgeted run trained %d rounds, want 10", len(res.Curve.Train))
	}
}
