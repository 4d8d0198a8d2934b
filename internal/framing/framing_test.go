package framing_test

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/framing"
)

func setup(t *testing.T) *app.App {
	t.Helper()
	a := catalogtest.New(t)
	td := catalogtest.Testdata()
	for name, p := range map[string]string{
		"churn":  filepath.Join(td, "..", "internal", "demo", "mlc_churn.csv"),
		"credit": filepath.Join(td, "datasets", "credit_data.csv"),
		"ames":   filepath.Join(td, "stats", "ames_subset.csv"),
	} {
		if _, err := a.Catalog.Add(context.Background(), p, catalog.AddOpts{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func f(v float64) *float64 { return &v }

func TestChurnNeedsML(t *testing.T) {
	t.Parallel()
	a := setup(t)
	g := &config.Goal{Target: "churn", Task: "binary", Positive: "yes",
		Criteria: []config.Criterion{{Metric: "roc_auc", Min: f(0.85)}, {Metric: "recall", Min: f(0.6)}},
	}
	r, err := framing.Run(context.Background(), a.Catalog, "churn", framing.Opts{Goal: g})
	if err != nil {
		t.Fatal(err)
	}
	if r.Task != "binary" || r.Positive != "yes" || r.Rows != 5000 || r.TargetMissing != 0 {
		t.Errorf("report = task %s positive %s rows %d missing %d", r.Task, r.Positive, r.Rows, r.TargetMissing)
	}
	b := map[string]framing.Baseline{}
	for _, x := range r.Baselines {
		b[x.Name] = x
	}
	// Majority class: accuracy = 4293/5000 on every stratified fold (up to
	// rounding of the fold sizes); the prior's log loss is the entropy of
	// the class shares.
	if got := b["majority"].Scores["accuracy"].Mean; math.Abs(got-4293.0/5000) > 1e-3 {
		t.Errorf("majority accuracy = %v, want ≈ 0.8586", got)
	}
	p := 707.0 / 5000
	entropy := -(p*math.Log(p) + (1-p)*math.Log(1-p))
	if got := b["prior"].Scores["log_loss"].Mean; math.Abs(got-entropy) > 1e-3 {
		t.Errorf("prior log loss = %v, want ≈ %v", got, entropy)
	}
	if got := b["prior"].Scores["roc_auc"].Mean; got != 0.5 {
		t.Errorf("prior roc_auc = %v, want 0.5", got)
	}
	one := b["one_rule"]
	if one.Feature == "" || one.Scores["roc_auc"].Mean <= 0.5 || one.Scores["accuracy"].Mean <= b["majority"].Scores["accuracy"].Mean {
		t.Errorf("one_rule = %+v: want a feature that beats the majority class", one)
	}
	if r.Verdict != framing.VerdictNeeded || len(r.Criteria) != 2 || r.Criteria[0].Met || r.Criteria[0].Gap <= 0 {
		t.Errorf("verdict %s criteria %+v", r.Verdict, r.Criteria)
	}
	if !strings.Contains(r.Message, "roc_auc >= 0.85") {
		t.Errorf("message %q does not name the unmet criterion", r.Message)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("JSON: %v", err)
	}
}

func TestBaselineMeetsGoal(t *testing.T) {
	t.Parallel()
	a := setup(t)
	g := &config.Goal{Criteria: []config.Criterion{{Metric: "accuracy", Min: f(0.7)}}}
	r, err := framing.Run(context.Background(), a.Catalog, "credit", framing.Opts{Target: "status", Goal: g})
	if err != nil {
		t.Fatal(err)
	}
	// 3200 of 4454 are "good": the majority class alone scores 0.718.
	if r.Verdict != framing.VerdictNotNeeded || !r.Criteria[0].Met {
		t.Errorf("verdict %s (%s), want %s", r.Verdict, r.Message, framing.VerdictNotNeeded)
	}
	if r.Positive != "bad" { // the minority class
		t.Errorf("positive = %q, want bad", r.Positive)
	}
}

func TestRegressionAndChecks(t *testing.T) {
	t.Parallel()
	a := setup(t)
	r, err := framing.Run(context.Background(), a.Catalog, "ames", framing.Opts{Target: "sale_price", Folds: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Task != "regression" || !r.TaskInferred || r.Verdict != framing.VerdictNoGoal {
		t.Errorf("task %s inferred %v verdict %s", r.Task, r.TaskInferred, r.Verdict)
	}
	b := map[string]framing.Baseline{}
	for _, x := range r.Baselines {
		b[x.Name] = x
	}
	// The mean predicts no variance: R² just below 0 on held-out folds.
	if r2 := b["mean"].Scores["r2"].Mean; r2 > 0 || r2 < -0.1 {
		t.Errorf("mean baseline r2 = %v, want slightly below 0", r2)
	}
	if b["one_rule"].Scores["r2"].Mean <= 0.3 {
		t.Errorf("one_rule r2 = %v (%s), want a real signal", b["one_rule"].Scores["r2"].Mean, b["one_rule"].Feature)
	}
	// A goal that disagrees with the data.
	g := &config.Goal{Task: "binary"}
	r, err = framing.Run(context.Background(), a.Catalog, "ames", framing.Opts{Target: "sale_price", Goal: g, Task: "regression"})
	if err != nil {
		t.Fatal(err)
	}
	var task framing.Check
	for _, c := range r.Checks {
		if c.Name == "task" {
			task = c
		}
	}
	if task.Status != framing.StatusFail || r.Verdict != framing.VerdictBlocked {
		t.Errorf("task check %+v verdict %s, want a failed check and %s", task, r.Verdict, framing.VerdictBlocked)
	}
	if _, err := framing.Run(context.Background(), a.Catalog, "ames", framing.Opts{}); err == nil || !strings.Contains(err.Error(), "no target") {
		t.Errorf("no target: err = %v", err)
	}
}
