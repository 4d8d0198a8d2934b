package train

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mlcycle/mlcycle/internal/eda"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

// Problem is a target column as numbers: its task, its class labels and
// the label of each row as a class index (classification) or value.
type Problem struct {
	Target string
	Task   string // predict.TaskBinary, TaskMulticlass or TaskRegression
	// Classes are the labels in class-index order; for binary tasks
	// Classes[1] is the positive class.
	Classes []string
}

// NewProblem reads the target column of f. task and positive may be empty:
// the task is then inferred from the column (eda.InferTask) and the
// positive class of a binary task is the less frequent one (ties: the
// greater label). Multiclass labels are sorted.
func NewProblem(f *frame.Frame, target, task, positive string) (*Problem, error) {
	c, ok := f.Column(target)
	if !ok {
		return nil, fault.Invalid("target %q is not a column of the data (columns: %s)", target, strings.Join(f.Names(), ", "))
	}
	counts := map[string]int{}
	for i := range f.Len() {
		if !c.IsMissing(i) {
			counts[eda.Label(c, i)]++
		}
	}
	if len(counts) == 0 {
		return nil, fault.Invalid("target %q has no values", target)
	}
	if task == "" {
		task = eda.InferTask(c, int64(len(counts)))
	}
	p := &Problem{Target: target, Task: task}
	switch task {
	case predict.TaskRegression:
		if _, ok := c.(*frame.FloatColumn); !ok {
			return nil, fault.Invalid("target %q is %s; a regression target must be numeric", target, c.Logical())
		}
		return p, nil
	case predict.TaskBinary, predict.TaskMulticlass:
	default:
		return nil, fault.Invalid("task %q: want binary, multiclass or regression", task)
	}
	for l := range counts {
		p.Classes = append(p.Classes, l)
	}
	if task == predict.TaskMulticlass {
		if len(p.Classes) < 2 {
			return nil, fault.Invalid("target %q has one class (%s); classification needs two or more", target, p.Classes[0])
		}
		sort.Strings(p.Classes)
		return p, nil
	}
	if len(p.Classes) != 2 {
		return nil, fault.Invalid("target %q has %d classes; a binary task needs exactly 2", target, len(p.Classes))
	}
	sort.Slice(p.Classes, func(i, j int) bool {
		a, b := p.Classes[i], p.Classes[j]
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		return a < b
	})
	if positive != "" {
		if _, ok := counts[positive]; !ok {
			return nil, fault.Invalid("positive class %q does not occur in target %q (classes: %s)", positive, target, strings.Join(p.Classes, ", "))
		}
		if p.Classes[0] == positive {
			p.Classes[0], p.Classes[1] = p.Classes[1], p.Classes[0]
		}
	}
	return p, nil
}

// K returns the number of classes, 0 for regression.
func (p *Problem) K() int { return len(p.Classes) }

// Labels reads the target of f: the rows that have a target value and
// their labels (class index, or value). A class not among p.Classes is an
// error naming it and its row.
func (p *Problem) Labels(f *frame.Frame) (rows []int, y []float64, err error) {
	c, ok := f.Column(p.Target)
	if !ok {
		return nil, nil, fault.Invalid("target %q is not a column of the data", p.Target)
	}
	if p.Task == predict.TaskRegression {
		fc, ok := c.(*frame.FloatColumn)
		if !ok {
			return nil, nil, fault.Invalid("target %q is %s; a regression target must be numeric", p.Target, c.Logical())
		}
		for i, v := range fc.Values() {
			if !fc.IsMissing(i) {
				rows = append(rows, i)
				y = append(y, v)
			}
		}
		return rows, y, nil
	}
	idx := make(map[string]int, len(p.Classes))
	for k, l := range p.Classes {
		idx[l] = k
	}
	for i := range f.Len() {
		if c.IsMissing(i) {
			continue
		}
		l := eda.Label(c, i)
		k, ok := idx[l]
		if !ok {
			return nil, nil, fault.Invalid("target %q: row %d has class %q, which the model does not know (classes: %s)", p.Target, i+1, l, strings.Join(p.Classes, ", "))
		}
		rows = append(rows, i)
		y = append(y, float64(k))
	}
	return rows, y, nil
}

// Split is a feature frame and its labels.
type Split struct {
	X *frame.Frame
	Y []float64
}

// Len returns the number of rows.
func (s Split) Len() int { return len(s.Y) }

// Take returns the rows idx of s.
func (s Split) Take(idx []int) (Split, error) {
	x, err := s.X.Take(idx)
	if err != nil {
		return Split{}, err
	}
	y := make([]float64, len(idx))
	for j, i := range idx {
		y[j] = s.Y[i]
	}
	return Split{X: x, Y: y}, nil
}

// NewSplit separates the features from the target of f, keeping the rows
// that have a target value. drop names further columns to leave out.
func (p *Problem) NewSplit(f *frame.Frame, drop []string) (Split, int, error) {
	rows, y, err := p.Labels(f)
	if err != nil {
		return Split{}, 0, err
	}
	var keep []string
	for _, n := range f.Names() {
		if n != p.Target && !slices.Contains(drop, n) {
			keep = append(keep, n)
		}
	}
	if len(keep) == 0 {
		return Split{}, 0, fault.Invalid("no feature columns left besides the target %q", p.Target)
	}
	x, err := f.Select(keep...)
	if err != nil {
		return Split{}, 0, err
	}
	if len(rows) < f.Len() {
		if x, err = x.Take(rows); err != nil {
			return Split{}, 0, err
		}
	}
	if len(rows) == 0 {
		return Split{}, 0, fault.Invalid("no row has a value for the target %q", p.Target)
	}
	return Split{X: x, Y: y}, f.Len() - len(rows), nil
}

// classIndex returns y as class indices.
func classIndex(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

func errorf(format string, a ...any) error { return fmt.Errorf("train: "+format, a...) }
