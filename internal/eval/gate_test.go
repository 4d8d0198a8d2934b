package eval_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/train"
)

func ptr(v float64) *float64 { return &v }

// TestGate trains on credit_data and checks the gate's lines and its
// diagnosis against the numbers it reports.
func TestGate(t *testing.T) {
	a := catalogtest.New(t)
	ctx := t.Context()
	for _, name := range []string{"credit_train", "credit_holdout"} {
		src := filepath.Join(catalogtest.Testdata(), "eval", name+".csv")
		if _, err := a.Catalog.Add(ctx, src, catalog.AddOpts{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	// An overfitting model: deep trees, many rounds, no early stopping.
	deep, err := a.Train.Train(ctx, train.Options{Data: "credit_train", Target: "status", Positive: "bad", Name: "deep",
		Recipe: train.Recipe{Algo: "gbdt", Params: map[string]string{"max_depth": "10", "n_estimators": "150", "min_child_weight": "0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	base, err := a.Train.Train(ctx, train.Options{Data: "credit_train", Target: "status", Positive: "bad", Name: "prior", Recipe: train.Recipe{Algo: "baseline"}})
	if err != nil {
		t.Fatal(err)
	}

	pass := &config.Goal{Criteria: []config.Criterion{{Metric: "roc_auc", Min: ptr(0.6)}, {Metric: "log_loss", Max: ptr(5)}}}
	rep, _, err := a.Eval.Evaluate(ctx, eval.Options{Model: "deep", Data: "credit_holdout", Goal: pass, Gate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Gate.Passed || len(rep.Gate.Lines) != 2 || !rep.Gate.Lines[0].Pass || *rep.Gate.Lines[0].Value != rep.Metrics["roc_auc"] || len(rep.Gate.Causes) != 0 {
		t.Errorf("passing gate = %+v", rep.Gate)
	}

	strict := &config.Goal{Criteria: []config.Criterion{{Metric: "roc_auc", Min: ptr(0.97)}}, Budget: config.Budget{P99LatencyMS: 1e-6, TrainSeconds: 1e-9}}
	rep, _, err = a.Eval.Evaluate(ctx, eval.Options{Model: fmt.Sprint(deep.Run.ID), Data: "credit_holdout", Goal: strict, Gate: true})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Gate
	if g.Passed || len(g.Lines) != 3 || g.Lines[0].Pass || g.Lines[1].Name != "train_seconds" || g.Lines[2].Name != "p99_latency_ms" || g.Lines[2].Pass {
		t.Fatalf("failing gate lines = %+v", g.Lines)
	}
	kinds := map[string]eval.Diagnosis{}
	for _, c := range g.Causes {
		kinds[c.Kind] = c
	}
	of, ok := kinds[eval.CauseOverfitting]
	if !ok {
		t.Fatalf("no overfitting diagnosis for a depth-10 model: %+v", g.Causes)
	}
	trainAUC := deep.Summary.Metrics["train"]["roc_auc"]
	if of.Evidence["train"] != trainAUC || of.Evidence["eval"] != rep.Metrics["roc_auc"] || of.Evidence["gap"] <= 0.05 ||
		!strings.Contains(of.Message, fmt.Sprintf("%.4f", trainAUC)) {
		t.Errorf("overfitting evidence %v (train %v, eval %v): %s", of.Evidence, trainAUC, rep.Metrics["roc_auc"], of.Message)
	}
	if _, ok := kinds[eval.CauseBudget]; !ok {
		t.Errorf("no budget diagnosis for a 1 ns latency budget: %+v", g.Causes)
	}
	// The learning curve was measured: its points are in the evidence of
	// more_data when it rises, and then obey the documented rule.
	if md, ok := kinds[eval.CauseMoreData]; ok {
		v25, v75, v100 := md.Evidence["roc_auc_at_25_pct"], md.Evidence["roc_auc_at_75_pct"], md.Evidence["roc_auc_at_100_pct"]
		if !(v100-v75 > 0.002 && v100-v75 >= 0.25*(v100-v25)) {
			t.Errorf("more_data diagnosed on a curve that does not rise: %v", md.Evidence)
		}
	}

	// The prior scores 0.5 on its own training data: underfitting.
	rep, _, err = a.Eval.Evaluate(ctx, eval.Options{Model: fmt.Sprint(base.Run.ID), Data: "credit_holdout", Goal: &config.Goal{Criteria: []config.Criterion{{Metric: "roc_auc", Min: ptr(0.7)}}}, Gate: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Gate.Causes {
		if c.Kind == eval.CauseUnderfitting && c.Evidence["train"] == 0.5 && c.Evidence["eval"] == 0.5 {
			found = true
		}
		if c.Kind == eval.CauseOverfitting || c.Kind == eval.CauseMoreData {
			t.Errorf("the constant prior diagnosed as %s: %s", c.Kind, c.Message)
		}
	}
	if !found {
		t.Errorf("no underfitting diagnosis for the prior: %+v", rep.Gate.Causes)
	}

	// A gate without criteria is refused; a business criterion without a
	// value matrix fails with a note.
	if _, _, err := a.Eval.Evaluate(ctx, eval.Options{Model: "deep", Data: "credit_holdout", Gate: true, Goal: &config.Goal{}}); err == nil || !strings.Contains(err.Error(), "goal.criteria") {
		t.Errorf("gate without criteria: %v", err)
	}
	rep, _, err = a.Eval.Evaluate(ctx, eval.Options{Model: "deep", Data: "credit_holdout", Gate: true, Goal: &config.Goal{Criteria: []config.Criterion{{Business: "roi", Min: ptr(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if l := rep.Gate.Lines[0]; l.Pass || l.Value != nil || !strings.Contains(l.Note, "value matrix") {
		t.Errorf("roi without a value matrix: %+v", l)
	}
}
