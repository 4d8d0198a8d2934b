// Package framing frames a learning problem and answers "is ML
// appropriate?" (`mlcycle frame`). Given a dataset version and a target it
//
//   - infers the task (binary, multiclass, regression) and checks it against
//     the project's goal;
//   - checks that the data can support learning: rows per class, constant
//     and ID-like columns, leakage suspects (from the EDA profile), missing
//     target values (reported, never silently dropped: rows without a
//     target are left out of the baselines and counted);
//   - scores honest baselines with k-fold cross-validation (stratified for
//     classification): the majority class, the class prior, the mean, the
//     median, and a one-rule model (the best single-feature threshold or
//     category split, chosen on each training fold);
//   - compares the best baseline on each goal criterion and gives a verdict:
//     a baseline already meets the goal (ML is not needed), or the gap ML
//     has to close.
package framing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/eda"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// Opts are the framing options.
type Opts struct {
	Target   string
	Task     string // overrides inference
	Positive string // positive class of a binary task; default: goal's, else the minority class
	Folds    int    // default 5
	Seed     uint64
	Goal     *config.Goal // may be nil
}

// Check statuses.
const (
	StatusOK   = "ok"
	StatusWarn = "warn"
	StatusFail = "fail"
)

// Check is one data check.
type Check struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Score is a metric's mean and sample std over the folds.
type Score struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// Baseline is one baseline model's cross-validated scores.
type Baseline struct {
	Name string `json:"name"`
	// Feature is the one-rule model's most often chosen feature.
	Feature string           `json:"feature,omitempty"`
	Scores  map[string]Score `json:"scores"`
}

// CriterionResult compares a goal criterion with the best baseline.
type CriterionResult struct {
	Criterion string  `json:"criterion"`
	Metric    string  `json:"metric"`
	Baseline  string  `json:"best_baseline"`
	Value     float64 `json:"value"`
	Met       bool    `json:"met"`
	// Gap is how far the best baseline is from the bound (0 when met).
	Gap float64 `json:"gap"`
}

// Verdicts.
const (
	VerdictNotNeeded = "ml_not_needed"
	VerdictNeeded    = "ml_needed"
	VerdictNoGoal    = "no_goal"
	VerdictBlocked   = "data_not_ready"
)

// Report is the framing result.
type Report struct {
	Dataset       string            `json:"dataset"`
	Version       int               `json:"version"`
	Target        string            `json:"target"`
	Task          string            `json:"task"`
	TaskInferred  bool              `json:"task_inferred"`
	Positive      string            `json:"positive,omitempty"`
	Rows          int64             `json:"rows"`
	TargetMissing int64             `json:"target_missing"`
	Classes       []eda.Count       `json:"classes,omitempty"`
	Folds         int               `json:"folds"`
	Checks        []Check           `json:"checks"`
	Baselines     []Baseline        `json:"baselines"`
	Criteria      []CriterionResult `json:"criteria,omitempty"`
	Verdict       string            `json:"verdict"`
	Message       string            `json:"message"`
}

// Run frames the version named by ref.
func Run(ctx context.Context, cat *catalog.Service, ref string, o Opts) (*Report, error) {
	v, f, err := cat.Load(ctx, ref, nil)
	if err != nil {
		return nil, err
	}
	r, err := Frame(ctx, f, o)
	if err != nil {
		return nil, err
	}
	r.Dataset, r.Version = v.Dataset, v.Number()
	return r, nil
}

// Frame frames a loaded table.
func Frame(ctx context.Context, f *frame.Frame, o Opts) (*Report, error) {
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.Folds < 2 {
		return nil, fault.Invalid("frame: --folds %d: need at least 2", o.Folds)
	}
	if o.Target == "" && o.Goal != nil {
		o.Target = o.Goal.Target
	}
	if o.Target == "" {
		return nil, fault.Invalid("frame: no target: pass --target COL or set goal.target in mlcycle.yaml")
	}
	tcol, ok := f.Column(o.Target)
	if !ok {
		return nil, fault.Invalid("frame: no column %q (columns: %s)", o.Target, strings.Join(f.Names(), ", "))
	}
	if o.Positive == "" && o.Goal != nil {
		o.Positive = o.Goal.Positive
	}
	task := o.Task
	if task == "" && o.Goal != nil {
		task = o.Goal.Task
	}
	prof, err := eda.Compute(ctx, f, eda.Opts{Target: o.Target, Task: task, Positive: o.Positive, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	r := &Report{Target: o.Target, Rows: int64(f.Len()), Folds: o.Folds, Task: prof.Target.Task, TaskInferred: task == ""}
	r.TargetMissing = int64(tcol.NullCount())
	r.Classes = prof.Target.Classes
	r.Checks = checks(prof, r, o)
	if o.Goal != nil && o.Goal.Task != "" && o.Goal.Task != r.Task {
		r.Checks = append(r.Checks, Check{"task", StatusFail, fmt.Sprintf("the goal says %s, the target looks %s", o.Goal.Task, r.Task)})
	}
	prob, err := newProblem(f, tcol, r.Task, o.Positive)
	if err != nil {
		return nil, err
	}
	r.Positive = prob.positive
	if blocked(r.Checks) {
		r.Verdict, r.Message = VerdictBlocked, "fix the failed checks before modelling"
		return r, nil
	}
	skip := map[string]bool{o.Target: true}
	for _, w := range prof.Warnings {
		if w.Kind == eda.WarnIDLike {
			skip[w.Column] = true
		}
	}
	if r.Baselines, err = baselines(ctx, f, prob, o, skip); err != nil {
		return nil, err
	}
	verdict(r, o.Goal)
	return r, nil
}

func blocked(cs []Check) bool {
	for _, c := range cs {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

func checks(p *eda.Profile, r *Report, o Opts) []Check {
	var out []Check
	if r.TargetMissing > 0 {
		out = append(out, Check{"target_missing", StatusWarn, fmt.Sprintf("%d rows (%.1f%%) have no %s; they are left out of the baselines", r.TargetMissing, 100*float64(r.TargetMissing)/float64(r.Rows), r.Target)})
	} else {
		out = append(out, Check{"target_missing", StatusOK, "every row has a target value"})
	}
	if r.Task != config.TaskRegression {
		minority := r.Classes[len(r.Classes)-1]
		switch {
		case minority.Count < int64(o.Folds):
			out = append(out, Check{"rows_per_class", StatusFail, fmt.Sprintf("class %q has %d rows, fewer than the %d folds", minority.Value, minority.Count, o.Folds)})
		case minority.Count < 10*int64(o.Folds):
			out = append(out, Check{"rows_per_class", StatusWarn, fmt.Sprintf("class %q has only %d rows: estimates will be noisy", minority.Value, minority.Count)})
		default:
			out = append(out, Check{"rows_per_class", StatusOK, fmt.Sprintf("the smallest class (%q) has %d rows", minority.Value, minority.Count)})
		}
	}
	kinds := map[string][]string{}
	for _, w := range p.Warnings {
		kinds[w.Kind] = append(kinds[w.Kind], w.Column)
	}
	for _, k := range []struct{ kind, name, okMsg string }{
		{eda.WarnConstant, "constant_columns", "no constant columns"},
		{eda.WarnIDLike, "id_columns", "no ID-like columns"},
		{eda.WarnLeakage, "leakage_suspects", "no single feature predicts the target suspiciously well"},
		{eda.WarnClassImbalance, "class_balance", "no class below 5%"},
	} {
		if cols := kinds[k.kind]; len(cols) > 0 {
			out = append(out, Check{k.name, StatusWarn, strings.Join(cols, ", ")})
		} else if k.kind != eda.WarnClassImbalance || r.Task != config.TaskRegression {
			out = append(out, Check{k.name, StatusOK, k.okMsg})
		}
	}
	return out
}

// problem is the target as numbers.
type problem struct {
	task     string
	rows     []int     // rows with a target
	y        []float64 // class index (binary: 1 = positive) or value
	k        int       // classes
	classes  []string
	positive string
}

func newProblem(f *frame.Frame, t frame.Column, task, positive string) (*problem, error) {
	p := &problem{task: task, y: make([]float64, f.Len())}
	if task == config.TaskRegression {
		fc, ok := t.(*frame.FloatColumn)
		if !ok {
			return nil, fault.Invalid("frame: target %q is %s; a regression target must be numeric", t.Name(), t.Logical())
		}
		for i, v := range fc.Values() {
			if !fc.IsMissing(i) {
				p.rows = append(p.rows, i)
				p.y[i] = v
			}
		}
		return p, nil
	}
	labs := make([]string, f.Len())
	counts := map[string]int{}
	for i := 0; i < f.Len(); i++ {
		if t.IsMissing(i) {
			continue
		}
		labs[i] = eda.Label(t, i)
		counts[labs[i]]++
		p.rows = append(p.rows, i)
	}
	for c := range counts {
		p.classes = append(p.classes, c)
	}
	sort.Slice(p.classes, func(i, j int) bool {
		if counts[p.classes[i]] != counts[p.classes[j]] {
			return counts[p.classes[i]] > counts[p.classes[j]]
		}
		return p.classes[i] < p.classes[j]
	})
	if task == config.TaskBinary {
		if len(p.classes) != 2 {
			return nil, fault.Invalid("frame: target %q has %d classes; a binary task needs 2", t.Name(), len(p.classes))
		}
		if positive == "" {
			positive = p.classes[1]
		}
		if _, ok := counts[positive]; !ok {
			return nil, fault.Invalid("frame: positive class %q does not occur in %q (classes: %s)", positive, t.Name(), strings.Join(p.classes, ", "))
		}
		neg := p.classes[0]
		if neg == positive {
			neg = p.classes[1]
		}
		p.classes = []string{neg, positive}
		p.positive = positive
	}
	idx := map[string]int{}
	for k, c := range p.classes {
		idx[c] = k
	}
	for _, i := range p.rows {
		p.y[i] = float64(idx[labs[i]])
	}
	p.k = len(p.classes)
	return p, nil
}

// folds assigns rows to k folds: stratified by class (round-robin over
// each class's shuffled rows) for classification, shuffled for
// regression.
func folds(p *problem, k int, seed uint64) [][]int {
	r := rand.New(rand.NewPCG(seed, 0x6672616d652d6376))
	out := make([][]int, k)
	if p.task == config.TaskRegression {
		perm := append([]int(nil), p.rows...)
		r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for j, i := range perm {
			out[j%k] = append(out[j%k], i)
		}
	} else {
		by := make([][]int, p.k)
		for _, i := range p.rows {
			c := int(p.y[i])
			by[c] = append(by[c], i)
		}
		next := 0
		for _, rows := range by {
			r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			for _, i := range rows {
				out[next%k] = append(out[next%k], i)
				next++
			}
		}
	}
	for _, f := range out {
		sort.Ints(f)
	}
	return out
}

func meanStd(v []float64) Score {
	var s Score
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s.Mean += x
			n++
		}
	}
	if n == 0 {
		return Score{math.NaN(), math.NaN()}
	}
	s.Mean /= float64(n)
	if n > 1 {
		for _, x := range v {
			if !math.IsNaN(x) {
				s.Std += (x - s.Mean) * (x - s.Mean)
			}
		}
		s.Std = math.Sqrt(s.Std / float64(n-1))
	}
	return s
}

func verdict(r *Report, g *config.Goal) {
	if g == nil || len(g.Criteria) == 0 {
		r.Verdict = VerdictNoGoal
		r.Message = "no goal criteria to compare with: set goal.criteria in mlcycle.yaml (see docs/goal.md)"
		return
	}
	// A baseline meets the goal if it meets every criterion on its own.
	for _, b := range r.Baselines {
		all := true
		for _, c := range g.Criteria {
			s, ok := b.Scores[c.Name()]
			if !ok || !c.Holds(s.Mean) {
				all = false
				break
			}
		}
		if all {
			r.Verdict = VerdictNotNeeded
			r.Message = fmt.Sprintf("the %s baseline already meets every criterion of the goal: ML is not needed", b.Name)
		}
	}
	var gaps []string
	for _, c := range g.Criteria {
		name := c.Name()
		res := CriterionResult{Criterion: c.String(), Metric: name, Value: math.NaN()}
		for _, b := range r.Baselines {
			s, ok := b.Scores[name]
			if !ok || math.IsNaN(s.Mean) {
				continue
			}
			better := math.IsNaN(res.Value) || (config.HigherIsBetter(name) && s.Mean > res.Value) || (!config.HigherIsBetter(name) && s.Mean < res.Value)
			if better {
				res.Value, res.Baseline = s.Mean, b.Name
			}
		}
		res.Met = c.Holds(res.Value)
		if !res.Met && !math.IsNaN(res.Value) {
			if c.Min != nil && res.Value < *c.Min {
				res.Gap = *c.Min - res.Value
			}
			if c.Max != nil && res.Value > *c.Max {
				res.Gap = res.Value - *c.Max
			}
			gaps = append(gaps, fmt.Sprintf("%s: best baseline %s %.4g (gap %.4g)", c.String(), res.Baseline, res.Value, res.Gap))
		}
		if math.IsNaN(res.Value) {
			gaps = append(gaps, fmt.Sprintf("%s: no baseline scores it", c.String()))
		}
		r.Criteria = append(r.Criteria, res)
	}
	if r.Verdict == "" {
		r.Verdict = VerdictNeeded
		r.Message = "no baseline meets the goal; ML has to close: " + strings.Join(gaps, "; ")
	}
}

// MarshalJSON writes an undefined score (NaN) as null.
func (s Score) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Mean *float64 `json:"mean"`
		Std  *float64 `json:"std"`
	}{finite(s.Mean), finite(s.Std)})
}

// MarshalJSON writes an undefined value (NaN) as null.
func (c CriterionResult) MarshalJSON() ([]byte, error) {
	type plain CriterionResult
	return json.Marshal(struct {
		plain
		Value *float64 `json:"value"`
	}{plain(c), finite(c.Value)})
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
