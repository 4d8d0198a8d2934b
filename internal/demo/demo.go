// Package demo runs the lifecycle demo on the bundled churn dataset
// (mlc_churn.csv, from the R package modeldata 1.1.0, MIT licence): the
// program's "main job", grown by each phase the platform gains.
//
// It runs the whole loop: ingest → prep recipe → stratified split →
// profile → lineage → EDA report → framing against the goal → training
// (gbdt, early stopping on a held-out fifth) → evaluation on the test split
// with the "goal met?" gate → registry (approve, alias champion) → deploy
// and serve over HTTP → traffic (the test split) → monitor → shifted
// traffic (the training split's rows, perturbed as Shift says) →
// drift, violations and an alarm → ground truth for every prediction →
// retraining on the training data plus the labelled traffic, compared with
// the champion on the newest labels and promoted only if better — in a
// project folder of its own whose mlcycle.yaml holds the demo goal
// (GoalYAML).
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/eda"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/framing"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/report"
	"github.com/mlcycle/mlcycle/internal/split"
	"github.com/mlcycle/mlcycle/internal/train"
)

// ChurnCSV is the bundled dataset: 5,000 rows, 20 columns, target churn.
//
//go:embed mlc_churn.csv
var ChurnCSV []byte

// CleanRecipe is the demo's prep recipe.
//
//go:embed clean.yaml
var CleanRecipe []byte

// GoalYAML is the business goal the demo project starts with: keep
// churners, where a retained customer is worth 120 and an offer costs 15.
const GoalYAML = `
goal:
  kpi: retained_revenue
  task: binary
  target: churn
  positive: "yes"
  criteria:
    - metric: roc_auc
      min: 0.85
    - metric: recall
      min: 0.6
    - business: roi
      min: 2.0
  value:
    tp: 120
    fp: -15
    fn: -120
    tn: 0
  budget:
    train_seconds: 600
    p99_latency_ms: 20
`

// Step is one completed step of the demo.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Result  string  `json:"result"`
}

// Report is what the demo did.
type Report struct {
	Project string `json:"project"`
	Steps   []Step `json:"steps"`
	// Lineage of the test split, back to the ingested file.
	Lineage *catalog.Node `json:"lineage"`
	// Report is the EDA report's path.
	Report string `json:"report"`
	// Framing is the "is ML appropriate?" answer.
	Framing *framing.Report `json:"framing"`
	// Run is the training run; Model its model package's artifact key.
	Run   int64  `json:"run"`
	Model string `json:"model"`
	// EvalReport is the evaluation report's path; Gate the goal check.
	EvalReport string     `json:"eval_report"`
	Gate       *eval.Gate `json:"gate"`
	// Loop is the second half: serving, drift, feedback, retraining.
	Loop *LoopReport `json:"loop"`
}

// WriteFiles writes the dataset and the recipe into dir/data.
func WriteFiles(dir string) (csvPath, recipePath string, err error) {
	d := filepath.Join(dir, "data")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", "", err
	}
	csvPath, recipePath = filepath.Join(d, "mlc_churn.csv"), filepath.Join(d, "clean.yaml")
	if err := os.WriteFile(csvPath, ChurnCSV, 0o644); err != nil {
		return "", "", err
	}
	return csvPath, recipePath, os.WriteFile(recipePath, CleanRecipe, 0o644)
}

// Run runs the demo in the project a is open on, printing progress to w
// (nil for none).
func Run(ctx context.Context, a *app.App, w io.Writer) (*Report, error) {
	if w == nil {
		w = io.Discard
	}
	rep := &Report{Project: a.Config.Dir}
	csvPath, recipePath, err := WriteFiles(a.Config.Dir)
	if err != nil {
		return nil, err
	}
	step := func(name string, fn func() (string, error)) error {
		fmt.Fprintf(w, "==> %s\n", name)
		start := time.Now()
		res, err := fn()
		if err != nil {
			return fmt.Errorf("demo: %s: %w", name, err)
		}
		s := Step{Name: name, Seconds: time.Since(start).Seconds(), Result: res}
		rep.Steps = append(rep.Steps, s)
		fmt.Fprintf(w, "    %s (%.2fs)\n", res, s.Seconds)
		return nil
	}
	cat := a.Catalog
	if err := step("ingest data/mlc_churn.csv as churn", func() (string, error) {
		r, err := cat.Add(ctx, csvPath, catalog.AddOpts{Name: "churn"})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("churn@%d: %d rows × %d columns, sha256 %s", r.Number(), r.Rows, len(r.Columns), r.ContentHash[:12]), nil
	}); err != nil {
		return nil, err
	}
	if err := step("prep with data/clean.yaml into churn_clean", func() (string, error) {
		data, err := os.ReadFile(recipePath)
		if err != nil {
			return "", err
		}
		r, err := prep.Parse(data)
		if err != nil {
			return "", err
		}
		res, err := prep.Run(ctx, cat, "churn", r, "churn_clean")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("churn_clean@%d: %d rows × %d columns", res.Number(), res.Rows, len(res.Columns)), nil
	}); err != nil {
		return nil, err
	}
	if err := step("split churn_clean 80/20, stratified by churn, seed 7", func() (string, error) {
		res, err := split.Run(ctx, cat, "churn_clean", split.Opts{Test: 0.2, Stratify: "churn", Seed: 7})
		if err != nil {
			return "", err
		}
		out := ""
		for i, p := range res.Parts {
			if i > 0 {
				out += ", "
			}
			out += fmt.Sprintf("%s@%d: %d rows", p.Dataset, p.Number(), p.Rows)
		}
		return out, nil
	}); err != nil {
		return nil, err
	}
	if err := step("profile churn_clean_train", func() (string, error) {
		_, prof, err := cat.Profile(ctx, "churn_clean_train")
		if err != nil {
			return "", err
		}
		for _, p := range prof {
			if p.Name == "churn" {
				return fmt.Sprintf("%d columns profiled; churn: %d distinct, most frequent %q (%d rows)", len(prof), p.Distinct, p.Top, p.TopCount), nil
			}
		}
		return fmt.Sprintf("%d columns profiled", len(prof)), nil
	}); err != nil {
		return nil, err
	}
	if err := step("lineage of churn_clean_test", func() (string, error) {
		n, err := cat.Lineage(ctx, "churn_clean_test")
		if err != nil {
			return "", err
		}
		rep.Lineage = n
		chain := fmt.Sprintf("%s@%d", n.Dataset, n.Version)
		for p := n; len(p.Parents) > 0; p = p.Parents[0] {
			chain += fmt.Sprintf(" ← %s@%d", p.Parents[0].Dataset, p.Parents[0].Version)
		}
		return chain + " ← " + filepath.Base(rootSource(n)), nil
	}); err != nil {
		return nil, err
	}
	if err := step("EDA of churn_clean_train", func() (string, error) {
		p, err := eda.Run(ctx, cat, "churn_clean_train", eda.Opts{Target: "churn", Positive: "yes"})
		if err != nil {
			return "", err
		}
		rep.Report = filepath.Join(a.Config.Dir, "churn_clean_train_eda.html")
		f, err := os.Create(rep.Report)
		if err != nil {
			return "", err
		}
		if err := report.EDA(f, p, report.Opts{}); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d warnings; report %s", len(p.Warnings), rep.Report), nil
	}); err != nil {
		return nil, err
	}
	if err := step("frame churn_clean_train: is ML appropriate for the goal?", func() (string, error) {
		r, err := framing.Run(ctx, cat, "churn_clean_train", framing.Opts{Goal: a.Config.Goal, Seed: 7})
		if err != nil {
			return "", err
		}
		rep.Framing = r
		return fmt.Sprintf("%s: %s", r.Verdict, r.Message), nil
	}); err != nil {
		return nil, err
	}
	if err := step("train gbdt on churn_clean_train (a fifth held out for early stopping)", func() (string, error) {
		res, err := a.Train.Train(ctx, train.Options{Data: "churn_clean_train", Target: "churn", Task: "binary", Positive: "yes",
			ValidFrac: 0.2, Name: "churn-gbdt", Recipe: train.Recipe{Algo: "gbdt", Seed: 7}})
		if err != nil {
			return "", err
		}
		rep.Run, rep.Model = res.Run.ID, res.ModelKey
		return fmt.Sprintf("run %d: best round %d, validation roc_auc %.4f, recall %.4f; model %s", res.Run.ID, res.Summary.BestRound,
			res.Summary.Metrics["valid"]["roc_auc"], res.Summary.Metrics["valid"]["recall"], res.ModelKey), nil
	}); err != nil {
		return nil, err
	}
	if err := step("evaluate on churn_clean_test: are the business goals met?", func() (string, error) {
		r, _, err := a.Eval.Evaluate(ctx, eval.Options{Model: fmt.Sprint(rep.Run), Data: "churn_clean_test", Goal: a.Config.Goal,
			Gate: true, Record: true, Seed: 7})
		if err != nil {
			return "", err
		}
		rep.Gate = r.Gate
		rep.EvalReport = filepath.Join(a.Config.Dir, "churn_clean_test_eval.html")
		f, err := os.Create(rep.EvalReport)
		if err != nil {
			return "", err
		}
		if err := report.Eval(f, r, report.Opts{}); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		var lines []string
		for _, l := range r.Gate.Lines {
			mark := "FAIL"
			if l.Pass {
				mark = "PASS"
			}
			v := l.Note
			if l.Value != nil {
				v = fmt.Sprintf("%.4g", *l.Value)
			}
			lines = append(lines, fmt.Sprintf("%s %s (%s)", mark, l.Criterion, v))
		}
		verdict := "the goal is met"
		if !r.Gate.Passed {
			verdict = "the goal is not met"
			for _, c := range r.Gate.Causes {
				verdict += fmt.Sprintf("; %s → phase %s", c.Kind, c.Phase)
			}
		}
		if b := r.Business; b != nil {
			verdict += fmt.Sprintf("; best threshold %.3f is worth %.2f per customer (%.2f at 0.5)", b.BestThreshold, b.BestValue, b.ValueAtHalf)
		}
		return strings.Join(lines, ", ") + ": " + verdict + "; report " + rep.EvalReport, nil
	}); err != nil {
		return nil, err
	}
	if err := loop(ctx, a, rep, step); err != nil {
		return nil, err
	}
	return rep, nil
}

func rootSource(n *catalog.Node) string {
	for len(n.Parents) > 0 {
		n = n.Parents[0]
	}
	return n.Source
}
