package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
)

// creditProject makes a project with the credit data split into
// credit_train and credit_holdout, and the given goal.
func creditProject(t *testing.T, goal string) string {
	t.Helper()
	root := t.TempDir()
	mustRun(t, root, nil, "init", "p")
	proj := filepath.Join(root, "p")
	if goal != "" {
		if err := os.WriteFile(filepath.Join(proj, "mlcycle.yaml"), []byte("name: p\n"+goal), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"credit_train", "credit_holdout"} {
		mustRun(t, proj, nil, "data", "add", filepath.Join(catalogtest.Testdata(), "eval", n+".csv"))
	}
	return proj
}

// TestTrainRunsEval runs the training → runs → evaluation → gate story from
// the command line.
func TestTrainRunsEval(t *testing.T) {
	t.Parallel()
	goal := "goal:\n  target: status\n  positive: bad\n  criteria:\n    - metric: roc_auc\n      min: 0.7\n    - business: roi\n      min: 0.5\n  value: {tp: 100, fp: -20, fn: -100, tn: 0}\n"
	proj := creditProject(t, goal)

	var tr struct {
		Run      int64                         `json:"run"`
		Status   string                        `json:"status"`
		ModelKey string                        `json:"model_key"`
		Metrics  map[string]map[string]float64 `json:"metrics"`
		Rows     map[string]int                `json:"rows"`
	}
	out := mustRun(t, proj, nil, "train", "credit_train", "--params", "max_depth=4,n_estimators=80", "--cv", "3", "--json")
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatalf("train --json: %v\n%s", err, out)
	}
	if tr.Run != 1 || tr.Status != "succeeded" || tr.ModelKey != "runs/1/model.mlmodel" || tr.Metrics["valid"]["roc_auc"] < 0.75 || tr.Metrics["cv_std"]["roc_auc"] <= 0 {
		t.Errorf("train --json = %+v", tr)
	}
	if _, err := os.Stat(filepath.Join(proj, ".mlcycle", "artifacts", "runs", "1", "model.mlmodel")); err != nil {
		t.Errorf("model package: %v", err)
	}
	out = mustRun(t, proj, nil, "train", "credit_train", "--algo", "linear", "--name", "lin")
	for _, w := range []string{"run 2 (lin): succeeded, linear binary on 3053 rows, validated on 764", "roc_auc", "TRAIN", "VALID"} {
		if !strings.Contains(out, w) {
			t.Errorf("train output lacks %q:\n%s", w, out)
		}
	}

	out = mustRun(t, proj, nil, "runs", "list")
	if !strings.Contains(out, "credit_train-gbdt") || !strings.Contains(out, "valid roc_auc") || strings.Index(out, "lin ") > strings.Index(out, "credit_train-gbdt") {
		t.Errorf("runs list (newest first):\n%s", out)
	}
	out = mustRun(t, proj, nil, "runs", "show", "credit_train-gbdt")
	for _, w := range []string{"run 1: credit_train-gbdt (train, succeeded)", "credit_train@1", "params:    max_depth=4,n_estimators=80", "CV_MEAN", "learning curve (auc"} {
		if !strings.Contains(out, w) {
			t.Errorf("runs show lacks %q:\n%s", w, out)
		}
	}
	out = mustRun(t, proj, nil, "runs", "compare", "1", "lin")
	for _, w := range []string{"RUN 1", "RUN 2", "param max_depth", "valid roc_auc"} {
		if !strings.Contains(out, w) {
			t.Errorf("runs compare lacks %q:\n%s", w, out)
		}
	}

	// Evaluation with the gate: the goal holds.
	preds := filepath.Join(proj, "preds.csv")
	out = mustRun(t, proj, nil, "eval", "1", "--data", "credit_holdout", "--gate", "--out", "e.html", "--predictions-out", preds)
	for _, w := range []string{"PASS  roc_auc >= 0.7", "PASS  roi >= 0.5", "The goal is met.", "Business value", "Permutation importance", "Report: "} {
		if !strings.Contains(out, w) {
			t.Errorf("eval output lacks %q:\n%s", w, out)
		}
	}
	html, err := os.ReadFile(filepath.Join(proj, "e.html"))
	if err != nil || !strings.Contains(string(html), "<svg") {
		t.Errorf("eval report: %v", err)
	}
	f, err := os.Open(preds)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 638 || strings.Join(recs[0], ",") != "row,true,predicted,score" {
		t.Errorf("predictions CSV: %d records, %v", len(recs), err)
	}

	// A stricter goal fails: exit 1, FAIL lines and a diagnosis; with
	// --json one JSON document on stdout.
	strict := strings.Replace(goal, "min: 0.7", "min: 0.99", 1)
	os.WriteFile(filepath.Join(proj, "mlcycle.yaml"), []byte("name: p\n"+strict), 0o644)
	code, out, errs := run(t, proj, nil, "eval", "credit_train-gbdt", "--data", "credit_holdout", "--gate")
	if code != 1 || !strings.Contains(out, "FAIL  roc_auc >= 0.99") || !strings.Contains(out, "Diagnosis:") || !strings.Contains(errs, "the goal is not met") {
		t.Errorf("failing gate: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	code, out, _ = run(t, proj, nil, "eval", "credit_train-gbdt", "--data", "credit_holdout", "--gate", "--json")
	var rep struct {
		Gate struct {
			Passed    bool `json:"passed"`
			Diagnosis []struct {
				Kind string `json:"kind"`
			} `json:"diagnosis"`
		} `json:"gate"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 1 || err != nil || rep.Gate.Passed || len(rep.Gate.Diagnosis) == 0 {
		t.Errorf("failing gate --json: exit %d, %v, %+v\n%s", code, err, rep, out)
	}
	// Evaluations are runs too.
	out = mustRun(t, proj, nil, "runs", "list", "--kind", "eval", "--json")
	var evals []struct {
		Parent int64  `json:"parent"`
		Kind   string `json:"kind"`
	}
	if err := json.Unmarshal([]byte(out), &evals); err != nil || len(evals) != 3 || evals[0].Parent != 1 || evals[0].Kind != "eval" {
		t.Errorf("eval runs: %v %+v", err, evals)
	}
}

// TestTrainEvalErrors checks usage and input errors of train and eval.
func TestTrainEvalErrors(t *testing.T) {
	t.Parallel()
	proj := creditProject(t, "")
	spec := filepath.Join(proj, "spec.yaml")
	os.WriteFile(spec, []byte("columns:\n  income: [{scale: zscore}]\n"), 0o644)
	badYAML := filepath.Join(proj, "bad.yaml")
	os.WriteFile(badYAML, []byte("colums:\n  income: []\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "credit_train"}, 1, "no target"},
		{[]string{"train", "credit_train", "--target", "status", "--params", "max_depth"}, 2, `"max_depth" is not key=value`},
		{[]string{"train", "credit_train", "--target", "status", "--params", "eta=0.1"}, 1, `unknown parameter "eta"`},
		{[]string{"train", "credit_train", "--target", "status", "--algo", "svm"}, 1, `unknown algorithm "svm"`},
		{[]string{"train", "credit_train", "--target", "status", "--features", spec}, 1, `scale "zscore"`},
		{[]string{"train", "credit_train", "--target", "status", "--features", badYAML}, 1, "field colums not found"},
		{[]string{"train", "nothing", "--target", "status"}, 1, `dataset "nothing" not found`},
		{[]string{"train", "credit_train", "--target", "status", "--cv", "1"}, 1, "--cv 1"},
		{[]string{"eval", "7", "--data", "credit_holdout"}, 1, "run 7"},
		{[]string{"eval", "nothing", "--data", "credit_holdout"}, 1, `model "nothing"`},
		{[]string{"eval", "1"}, 2, "data"},
		{[]string{"runs", "show", "42"}, 1, "run 42"},
		{[]string{"runs", "compare", "1"}, 2, "two or more runs"},
	} {
		code, out, errs := run(t, proj, nil, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("mlcycle %s: exit %d (want %d), output lacks %q:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errs)
		}
	}
	// eval of a run whose training failed.
	code, _, _ := run(t, proj, nil, "train", "credit_train", "--target", "status", "--params", "max_depth=x")
	if code != 1 {
		t.Fatalf("train with a bad param: exit %d", code)
	}
	code, out, errs := run(t, proj, nil, "eval", "credit_train-gbdt", "--data", "credit_holdout")
	if code != 1 || !strings.Contains(out+errs, "failed: it has no model") {
		t.Errorf("eval of a failed run: exit %d: %s%s", code, out, errs)
	}
}
