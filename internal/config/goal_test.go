package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcycle/mlcycle/internal/fault"
)

const issueGoal = `name: churn
goal:
  kpi: retained_revenue            # the business KPI, free text
  task: binary                     # binary | multiclass | regression (inferred when omitted)
  target: churn
  positive: "yes"                  # positive class for binary tasks
  criteria:                        # all must hold for "goal met"
    - metric: roc_auc
      min: 0.85
    - metric: recall
      min: 0.6
    - business: roi                # computed from the value matrix below
      min: 2.0
  value:                           # value of each outcome per prediction (binary)
    tp: 120                        # a retained customer
    fp: -15                        # an offer sent to someone who would have stayed
    fn: -120
    tn: 0
  budget:
    train_seconds: 600
    p99_latency_ms: 20
`

func loadBody(t *testing.T, body string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(dir, Overrides{})
}

func f(v float64) *float64 { return &v }

func TestGoalExample(t *testing.T) {
	t.Parallel()
	c, err := loadBody(t, issueGoal)
	if err != nil {
		t.Fatal(err)
	}
	want := &Goal{
		KPI: "retained_revenue", Task: "binary", Target: "churn", Positive: "yes",
		Criteria: []Criterion{{Metric: "roc_auc", Min: f(0.85)}, {Metric: "recall", Min: f(0.6)}, {Business: "roi", Min: f(2)}},
		Value:    &ValueMatrix{TP: f(120), FP: f(-15), FN: f(-120), TN: f(0)},
		Budget:   Budget{TrainSeconds: 600, P99LatencyMS: 20},
	}
	if diff := cmp.Diff(want, c.Goal); diff != "" {
		t.Errorf("goal (-want +got):\n%s", diff)
	}
	if got := c.Goal.Criteria[0].String(); got != "roc_auc >= 0.85" {
		t.Errorf("String = %q", got)
	}
	if !c.Goal.Criteria[0].Holds(0.9) || c.Goal.Criteria[0].Holds(0.8) {
		t.Error("Holds disagrees with min 0.85")
	}
	// The template that init writes has the example commented out.
	c2, err := Init(filepath.Join(t.TempDir(), "p"), "p")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Goal != nil {
		t.Errorf("a fresh project has a goal: %+v", c2.Goal)
	}
}

func TestGoalProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, goal string
		wants      []string
	}{
		{"issue example typo", "  target: churn\n  criteria:\n    - metric: roc_auc\n      min: 0.8\n    - metric: recal\n      min: 0.6\n",
			[]string{`goal.criteria[1].metric: unknown metric "recal"; known: accuracy, balanced_accuracy, precision, recall`}},
		{"every problem at once", `  task: binry
  criteria:
    - metric: rmse
      min: 3
    - business: profit
      min: 1
    - min: 1
    - metric: f1
  value:
    tp: 1
  budget:
    train_seconds: -5
`, []string{`goal.task: unknown task "binry"`, "goal.criteria[0].min: rmse is better when lower; bound it with max",
			`goal.criteria[1].business: unknown business metric "profit"`, "goal.criteria[2]: set metric (a model metric) or business",
			"goal.criteria[3]: set min and/or max", "goal.value.fp: required", "goal.value.tn: required", "goal.budget.train_seconds: -5 is negative"}},
		{"task mismatch", "  task: regression\n  criteria:\n    - metric: roc_auc\n      min: 0.8\n    - business: roi\n      min: 1\n",
			[]string{"goal.criteria[0].metric: roc_auc is a classification metric, but the task is regression",
				"goal.criteria[1].business: roi needs the value matrix", "goal.criteria[1].business: business metrics need a binary task"}},
		{"unknown key", "  kpi: x\n  targte: y\n", []string{"goal:", "field targte not found"}},
		{"min above max", "  criteria:\n    - metric: accuracy\n      min: 0.9\n      max: 0.5\n", []string{"goal.criteria[0]: min 0.9 is above max 0.5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadBody(t, "name: p\ngoal:\n"+tc.goal)
			if fault.KindOf(err) != fault.KindInvalid {
				t.Fatalf("Load = %v, want an invalid error", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
