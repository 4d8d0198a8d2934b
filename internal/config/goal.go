package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

// Tasks.
const (
	TaskBinary     = "binary"
	TaskMulticlass = "multiclass"
	TaskRegression = "regression"
)

// Metric names follow scikit-learn's functions. HigherIsBetter tells which
// way each one improves.
var (
	ClassificationMetrics = []string{"accuracy", "balanced_accuracy", "precision", "recall", "f1",
		"roc_auc", "average_precision", "log_loss", "brier", "mcc", "cohen_kappa"}
	RegressionMetrics = []string{"mae", "mse", "rmse", "r2", "mape", "median_absolute_error", "explained_variance"}
	// BusinessMetrics are computed from the value matrix (binary tasks):
	// expected_value is the mean value per prediction, roi is value
	// gained over value spent (the cost of false positives and of true
	// positives' actions), value_per_1000 the expected value of 1,000
	// predictions.
	BusinessMetrics = []string{"expected_value", "roi", "value_per_1000"}
	lowerIsBetter   = map[string]bool{"log_loss": true, "brier": true, "mae": true, "mse": true, "rmse": true, "mape": true, "median_absolute_error": true}
	binaryOnly      = map[string]bool{"average_precision": true, "brier": true}
)

// HigherIsBetter reports whether a larger value of metric is better.
func HigherIsBetter(metric string) bool { return !lowerIsBetter[metric] }

// Goal is the business goal of a project: the `goal:` section of
// mlcycle.yaml. Every later phase reads it; the gate checks Criteria.
// docs/goal.md documents it.
type Goal struct {
	// KPI names the business KPI (free text).
	KPI string `yaml:"kpi" json:"kpi,omitempty"`
	// Task is binary, multiclass or regression; empty means inferred from
	// the target column.
	Task string `yaml:"task" json:"task,omitempty"`
	// Target is the column to predict.
	Target string `yaml:"target" json:"target,omitempty"`
	// Positive is the positive class of a binary task.
	Positive string `yaml:"positive" json:"positive,omitempty"`
	// Criteria must all hold for the goal to be met.
	Criteria []Criterion `yaml:"criteria" json:"criteria,omitempty"`
	// Value is the value of each outcome of one prediction (binary).
	Value *ValueMatrix `yaml:"value" json:"value,omitempty"`
	// Budget bounds the cost of the solution.
	Budget Budget `yaml:"budget" json:"budget"`
}

// Criterion is one condition on a model metric or a business metric.
type Criterion struct {
	// Metric is a model metric (ClassificationMetrics, RegressionMetrics).
	Metric string `yaml:"metric" json:"metric,omitempty"`
	// Business is a business metric (BusinessMetrics).
	Business string `yaml:"business" json:"business,omitempty"`
	// Min and Max bound the value; at least one is set.
	Min *float64 `yaml:"min" json:"min,omitempty"`
	Max *float64 `yaml:"max" json:"max,omitempty"`
}

// Name returns the criterion's metric or business metric name.
func (c Criterion) Name() string {
	if c.Metric != "" {
		return c.Metric
	}
	return c.Business
}

// Holds reports whether value v meets the criterion.
func (c Criterion) Holds(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if c.Min != nil && v < *c.Min {
		return false
	}
	if c.Max != nil && v > *c.Max {
		return false
	}
	return true
}

// String renders the criterion as "roc_auc >= 0.85".
func (c Criterion) String() string {
	var parts []string
	if c.Min != nil {
		parts = append(parts, fmt.Sprintf("%s >= %g", c.Name(), *c.Min))
	}
	if c.Max != nil {
		parts = append(parts, fmt.Sprintf("%s <= %g", c.Name(), *c.Max))
	}
	return strings.Join(parts, " and ")
}

// ValueMatrix is the value of each outcome of a binary prediction, in the
// KPI's unit (e.g. dollars).
type ValueMatrix struct {
	TP *float64 `yaml:"tp" json:"tp"`
	FP *float64 `yaml:"fp" json:"fp"`
	FN *float64 `yaml:"fn" json:"fn"`
	TN *float64 `yaml:"tn" json:"tn"`
}

// Budget bounds training time, latency and cost. Zero means no bound.
type Budget struct {
	TrainSeconds float64 `yaml:"train_seconds" json:"train_seconds,omitempty"`
	P99LatencyMS float64 `yaml:"p99_latency_ms" json:"p99_latency_ms,omitempty"`
	CostPer1000  float64 `yaml:"cost_per_1000" json:"cost_per_1000,omitempty"`
}

// ParseGoal decodes and validates a goal section. Every problem is
// reported with its path (goal.criteria[1].metric: ...).
func ParseGoal(n *yaml.Node) (*Goal, error) {
	if n == nil || n.Kind == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(n); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	g := &Goal{}
	if err := dec.Decode(g); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			probs := make([]string, len(te.Errors))
			for i, e := range te.Errors {
				probs[i] = "goal: " + e
			}
			return nil, errors.New(strings.Join(probs, "; "))
		}
		return nil, fmt.Errorf("goal: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}

// Validate reports every problem with its path.
func (g *Goal) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	switch g.Task {
	case "", TaskBinary, TaskMulticlass, TaskRegression:
	default:
		add("goal.task: unknown task %q; known: binary, multiclass, regression", g.Task)
	}
	if g.Task == TaskRegression && g.Positive != "" {
		add("goal.positive: a regression task has no positive class")
	}
	known := append(append([]string{}, ClassificationMetrics...), RegressionMetrics...)
	for i, c := range g.Criteria {
		p := fmt.Sprintf("goal.criteria[%d]", i)
		switch {
		case c.Metric == "" && c.Business == "":
			add("%s: set metric (a model metric) or business (a business metric)", p)
		case c.Metric != "" && c.Business != "":
			add("%s: set metric or business, not both", p)
		case c.Metric != "":
			if !contains(known, c.Metric) {
				add("%s.metric: unknown metric %q; known: %s", p, c.Metric, strings.Join(known, ", "))
			} else if g.Task == TaskRegression && contains(ClassificationMetrics, c.Metric) {
				add("%s.metric: %s is a classification metric, but the task is regression", p, c.Metric)
			} else if (g.Task == TaskBinary || g.Task == TaskMulticlass) && contains(RegressionMetrics, c.Metric) {
				add("%s.metric: %s is a regression metric, but the task is %s", p, c.Metric, g.Task)
			} else if g.Task == TaskMulticlass && binaryOnly[c.Metric] {
				add("%s.metric: %s is defined for binary tasks only", p, c.Metric)
			}
		case c.Business != "":
			if !contains(BusinessMetrics, c.Business) {
				add("%s.business: unknown business metric %q; known: %s", p, c.Business, strings.Join(BusinessMetrics, ", "))
			}
			if g.Value == nil {
				add("%s.business: %s needs the value matrix (goal.value: tp, fp, fn, tn)", p, c.Business)
			}
			if g.Task != "" && g.Task != TaskBinary {
				add("%s.business: business metrics need a binary task, not %s", p, g.Task)
			}
		}
		if c.Min == nil && c.Max == nil {
			add("%s: set min and/or max", p)
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			add("%s: min %g is above max %g", p, *c.Min, *c.Max)
		}
		if c.Metric != "" && c.Max == nil && c.Min != nil && lowerIsBetter[c.Metric] {
			add("%s.min: %s is better when lower; bound it with max", p, c.Metric)
		}
	}
	if v := g.Value; v != nil {
		for _, f := range []struct {
			name string
			v    *float64
		}{{"tp", v.TP}, {"fp", v.FP}, {"fn", v.FN}, {"tn", v.TN}} {
			if f.v == nil {
				add("goal.value.%s: required (the value of that outcome; 0 if none)", f.name)
			}
		}
		if g.Task != "" && g.Task != TaskBinary {
			add("goal.value: a value matrix needs a binary task, not %s", g.Task)
		}
	}
	for _, b := range []struct {
		name string
		v    float64
	}{{"train_seconds", g.Budget.TrainSeconds}, {"p99_latency_ms", g.Budget.P99LatencyMS}, {"cost_per_1000", g.Budget.CostPer1000}} {
		if b.v < 0 || math.IsNaN(b.v) {
			add("goal.budget.%s: %v is negative", b.name, b.v)
		}
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
