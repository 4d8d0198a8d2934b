package transform

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Target is the training target that target encoding averages.
type Target struct {
	// Values holds one value per training row: the target for regression,
	// 0/1 for binary classification, the class index for multiclass.
	Values []float64
	// NumClass is 0 for regression, 2 for binary, the number of classes for
	// multiclass (one target-encoded column per class).
	NumClass int
}

// Options are the per-call options of Fit.
type Options struct {
	// Seed seeds the fold assignment of out-of-fold target encoding.
	Seed uint64
	// Folds is the default number of target-encoding folds. Default 5.
	Folds int
}

// Input describes one raw input column the pipeline reads.
type Input struct {
	// Name is the column name.
	Name string `json:"name"`
	// Logical is the column's logical type at training time.
	Logical string `json:"logical"`
	// Categories is the training dictionary of a categorical column.
	Categories []string `json:"categories,omitempty"`
	// Required is true when Apply fails without the column; an optional
	// column that is absent is treated as missing on every row.
	Required bool `json:"required"`
}

// Pipeline is a fitted feature pipeline. It is immutable after Fit (or
// UnmarshalJSON) and safe for concurrent use by several goroutines.
type Pipeline struct {
	inputs       []Input
	derived      []fderived
	cols         []*fcol
	interactions [][2]string
	outputs      []string

	// plan is what Apply precomputes once (see newPlan); nil when the
	// pipeline's outputs cannot form a frame, and Apply reports why.
	plan *plan
}

// plan holds lookups that Apply would otherwise redo on every call: for a
// one-row serving request, building maps and a frame index per call cost
// more than the transform itself.
type plan struct {
	layout  *frame.Layout // the output frame's names and index
	input   []int         // per column: its index in inputs, -1 for derived
	derived []int         // per column: its index in derived, -1 for inputs
	off     []int         // per column: where its outputs start in outputs
}

// errOutputs tells Apply that a chain did not make its fitted number of
// outputs; it then reruns on the general path, which reports the problem.
var errOutputs = errors.New("transform: outputs differ from the plan")

// newPlan returns the plan of p, whose outputs are set, or nil when the
// outputs do not make a valid frame.
func (p *Pipeline) newPlan() *plan {
	layout, err := frame.NewLayout(p.outputs...)
	if err != nil {
		return nil
	}
	pl := &plan{layout: layout, input: make([]int, len(p.cols)), derived: make([]int, len(p.cols)), off: make([]int, len(p.cols))}
	off := 0
	for i, c := range p.cols {
		for _, fs := range c.Steps {
			fs.prepare(c.Name)
		}
		pl.off[i] = off
		off += len(c.Outputs)
		pl.input[i], pl.derived[i] = -1, -1
		if c.Derived {
			for j, d := range p.derived {
				if d.Name == c.Name {
					pl.derived[i] = j // the last, as a map keyed by name would keep
				}
			}
		} else {
			pl.input[i] = slices.IndexFunc(p.inputs, func(in Input) bool { return in.Name == c.Name })
		}
	}
	if off+len(p.interactions) != len(p.outputs) {
		return nil
	}
	return pl
}

type fderived struct {
	Derived
	Required bool `json:"required"`
	e        *expr
}

// fcol is one fitted column chain.
type fcol struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"` // numeric, categorical, boolean, date, text
	Derived  bool     `json:"derived,omitempty"`
	Required bool     `json:"required"`
	Steps    []*fstep `json:"steps"`
	Outputs  []string `json:"outputs"`
	OutDict  []string `json:"out_dict,omitempty"` // final categorical dictionary
	kind     vkind
}

func vkindOf(s string) (vkind, bool) {
	for _, k := range []vkind{vNumeric, vCategorical, vBoolean, vDate, vText} {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// tolerant reports whether a chain works on an all-missing column: it is
// empty (passthrough) or starts with an operation defined on missing values.
func tolerant(chain []Step) bool {
	if len(chain) == 0 {
		return true
	}
	switch opOf(chain[0]) {
	case "impute", "onehot", "frequency", "target":
		return true
	}
	return false
}

// Fit fits the spec on the training frame x (and target y, needed by target
// encoding only) and returns the fitted pipeline and the transformed
// training frame. Target encoding in the returned frame is out-of-fold (K
// folds assigned by a permutation seeded with o.Seed); the pipeline applies
// the encoding fitted on all rows. Columns are fitted in parallel.
func Fit(ctx context.Context, spec Spec, x *frame.Frame, y *Target, o Options) (*Pipeline, *frame.Frame, error) {
	if x == nil {
		return nil, nil, fmt.Errorf("%w: no training frame", ErrInput)
	}
	schema := make([]Field, 0, x.NumColumns())
	for _, f := range x.Schema() {
		schema = append(schema, Field{Name: f.Name, Logical: f.Logical})
	}
	if err := spec.Validate(schema); err != nil {
		return nil, nil, err
	}
	n := x.Len()
	if n == 0 {
		return nil, nil, fmt.Errorf("%w: training frame has no rows", ErrInput)
	}
	if y != nil && len(y.Values) != n {
		return nil, nil, fmt.Errorf("%w: target has %d values for %d rows", ErrInput, len(y.Values), n)
	}
	if y != nil && y.NumClass > 2 {
		for i, v := range y.Values {
			if !(v >= 0 && v < float64(y.NumClass)) || v != math.Trunc(v) {
				return nil, nil, fmt.Errorf("%w: target row %d is %v, not a class index below %d", ErrInput, i, v, y.NumClass)
			}
		}
	}
	dropped := map[string]bool{}
	for _, d := range spec.Drop {
		dropped[d] = true
	}
	p := &Pipeline{interactions: slices.Clone(spec.Interactions)}
	type job struct {
		col   *fcol
		chain []Step
		in    *value
	}
	var jobs []job
	used := map[string]bool{}
	required := map[string]bool{}
	for _, c := range x.Columns() {
		if dropped[c.Name()] {
			continue
		}
		k, _ := kindOfLogical(c.Logical())
		chain, _ := spec.chainFor(c.Name(), k)
		in, err := inputValue(c.Name(), k, c, n, len(chain) == 0)
		if err != nil {
			return nil, nil, err
		}
		used[c.Name()] = true
		required[c.Name()] = !tolerant(chain)
		jobs = append(jobs, job{col: &fcol{Name: c.Name(), Kind: k.String(), kind: k, Required: !tolerant(chain)}, chain: chain, in: in})
	}
	for _, d := range spec.Derived {
		e, _ := parseExpr(d.Expr) // Validate parsed it
		chain, ok := spec.Columns[d.Name]
		if !ok && spec.Defaults != nil {
			chain = spec.Defaults.Numeric
		}
		req := !tolerant(chain)
		vars := map[string][]float64{}
		for _, name := range e.vars() {
			c, _ := x.Column(name)
			vars[name], _ = numericOf(c)
			used[name] = true
			required[name] = required[name] || req
		}
		v := e.eval(vars, n)
		p.derived = append(p.derived, fderived{Derived: d, Required: req, e: e})
		jobs = append(jobs, job{
			col:   &fcol{Name: d.Name, Kind: vNumeric.String(), kind: vNumeric, Derived: true, Required: req},
			chain: chain,
			in:    &value{kind: vNumeric, n: n, names: []string{d.Name}, nums: [][]float64{v}},
		})
	}
	for _, c := range x.Columns() {
		if !used[c.Name()] {
			continue
		}
		in := Input{Name: c.Name(), Logical: c.Logical(), Required: required[c.Name()]}
		if cc, ok := c.(*frame.CategoricalColumn); ok {
			in.Categories = slices.Clone(cc.Dict())
		}
		p.inputs = append(p.inputs, in)
	}

	outs := make([][]frame.Column, len(jobs))
	err := parallel(ctx, len(jobs), x.Len(), func(i int) error {
		j := jobs[i]
		v := j.in
		for s, st := range j.chain {
			if err := ctx.Err(); err != nil {
				return err
			}
			fs, next, err := fitStep(ctx, st, v, y, o)
			if err != nil {
				return fmt.Errorf("transform: fit %q step %d (%s): %w", j.col.Name, s, opOf(st), err)
			}
			j.col.Steps = append(j.col.Steps, fs)
			v = next
		}
		if v.kind == vCategorical {
			j.col.OutDict = sortedDict(v.cat)
		}
		cols, err := j.col.materialize(v)
		if err != nil {
			return err
		}
		for _, c := range cols {
			j.col.Outputs = append(j.col.Outputs, c.Name())
		}
		outs[i] = cols
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, j := range jobs {
		p.cols = append(p.cols, j.col)
	}
	f, err := p.assemble(outs)
	if err != nil {
		return nil, nil, err
	}
	p.plan = p.newPlan()
	return p, f, nil
}

// parallelMinRows is the frame size from which columns are transformed on
// several goroutines.
const parallelMinRows = 4096

// parallel runs f(0..n-1) on up to GOMAXPROCS goroutines (inline for
// frames of fewer than parallelMinRows rows) and returns the error of the
// lowest index that failed.
func parallel(ctx context.Context, n, rows int, f func(int) error) error {
	if rows < parallelMinRows || n == 1 {
		// Small frames (a serving request) cost more to fan out than to
		// transform: run inline.
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// materialize turns the final value of a chain into output columns.
func (c *fcol) materialize(v *value) ([]frame.Column, error) {
	var cols []frame.Column
	add := func(col frame.Column, err error) error {
		if err != nil {
			return fmt.Errorf("transform: output of %q: %w", c.Name, err)
		}
		cols = append(cols, col)
		return nil
	}
	switch v.kind {
	case vNumeric:
		for j, x := range v.nums {
			if err := add(frame.NewFloat(v.names[j], x, nil)); err != nil {
				return nil, err
			}
		}
	case vCategorical:
		codes, mask := sortedCat(v.cat, c.OutDict)
		if err := add(frame.NewCategorical(c.Name, codes, slices.Clone(c.OutDict), mask)); err != nil {
			return nil, err
		}
	case vBoolean:
		if err := add(frame.NewBool(c.Name, slices.Clone(v.bools), slices.Clone(v.mask))); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: column %q ends its chain as %s", ErrInput, c.Name, v.kind)
	}
	for j, x := range v.extra {
		if err := add(frame.NewFloat(v.extraNames[j], x, nil)); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// assemble adds the interactions to the chains' outputs and builds the frame.
func (p *Pipeline) assemble(outs [][]frame.Column) (*frame.Frame, error) {
	var all []frame.Column
	for _, cols := range outs {
		all = append(all, cols...)
	}
	all, err := p.interact(all)
	if err != nil {
		return nil, err
	}
	f, err := frame.New(all...)
	if err != nil {
		return nil, fmt.Errorf("%w: output columns: %w", ErrInvalidSpec, err)
	}
	if p.outputs == nil {
		p.outputs = f.Names()
	}
	return f, nil
}

// interact appends the interaction columns to the chains' outputs all.
func (p *Pipeline) interact(all []frame.Column) ([]frame.Column, error) {
	if len(p.interactions) == 0 {
		return all, nil
	}
	byName := make(map[string]frame.Column, len(all))
	for _, c := range all {
		byName[c.Name()] = c
	}
	for i, pair := range p.interactions {
		var xs [2][]float64
		for j, name := range pair {
			c, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("%w: interactions[%d]: %q is not an output column", ErrInvalidSpec, i, name)
			}
			fc, ok := c.(*frame.FloatColumn)
			if !ok {
				return nil, fmt.Errorf("%w: interactions[%d]: output %q is %s, not numeric", ErrInvalidSpec, i, name, c.Kind())
			}
			xs[j] = fc.Values()
		}
		if len(xs[0]) != len(xs[1]) {
			return nil, fmt.Errorf("%w: interactions[%d]: outputs of %d and %d rows", ErrInput, i, len(xs[0]), len(xs[1]))
		}
		v := make([]float64, len(xs[0]))
		for r := range v {
			v[r] = xs[0][r] * xs[1][r]
		}
		c, err := frame.NewFloat(pair[0]+"__x__"+pair[1], v, nil)
		if err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	return all, nil
}

// Apply transforms x with the fitted pipeline, exactly as Fit transformed
// the training frame (target encoding excepted: Apply uses the encoding
// fitted on all training rows). Columns of x the pipeline does not read are
// ignored. Unseen categories go to "other" (one-hot), -1 (ordinal), 0
// (frequency), the prior (target) or missing (passthrough categoricals).
// An absent optional input is missing on every row; an absent required
// input, or an input of the wrong kind, is an error naming the column.
// Apply never panics on any frame.
func (p *Pipeline) Apply(ctx context.Context, x *frame.Frame) (*frame.Frame, error) {
	if x == nil {
		return nil, fmt.Errorf("%w: no frame", ErrInput)
	}
	pl := p.plan
	if pl == nil {
		return p.applyGeneral(ctx, x)
	}
	n := x.Len()
	var missing []string
	for i, in := range p.inputs {
		if _, ok := columnNear(x, i, in.Name); !ok && in.Required {
			missing = append(missing, in.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: missing required input columns %q", ErrInput, missing)
	}
	var derived [][]float64
	if len(p.derived) > 0 {
		derived = make([][]float64, len(p.derived))
		for i, d := range p.derived {
			v, err := d.apply(x, n)
			if err != nil {
				return nil, err
			}
			derived[i] = v
		}
	}
	// Every chain writes its outputs in place; the interactions follow.
	all := make([]frame.Column, len(p.outputs))
	err := parallel(ctx, len(p.cols), n, func(i int) error {
		c := p.cols[i]
		var col frame.Column
		var d []float64
		if c.Derived {
			j := pl.derived[i]
			if j < 0 {
				return fmt.Errorf("%w: derived column %q has no expression", ErrInput, c.Name)
			}
			d = derived[j]
		} else {
			col, _ = columnNear(x, pl.input[i], c.Name)
		}
		cols, err := c.run(ctx, col, d, n)
		if err != nil {
			return err
		}
		if len(cols) != len(c.Outputs) {
			return errOutputs
		}
		copy(all[pl.off[i]:], cols)
		return nil
	})
	if errors.Is(err, errOutputs) {
		return p.applyGeneral(ctx, x)
	}
	if err != nil {
		return nil, err
	}
	nchain := len(p.outputs) - len(p.interactions)
	all, err = p.interact(all[:nchain])
	if err != nil {
		return nil, err
	}
	if f, err := pl.layout.Frame(all); err == nil {
		return f, nil
	}
	// The outputs differ from the fitted ones: let the general checks say how.
	return p.finish(all)
}

// run applies chain c to its input — col (nil when the frame lacks it) or,
// for a derived chain, its computed values d — over n rows and returns its
// output columns. A numeric passthrough shares the input column.
func (c *fcol) run(ctx context.Context, col frame.Column, d []float64, n int) ([]frame.Column, error) {
	var v *value
	if c.Derived {
		v = &value{kind: vNumeric, n: n, names: []string{c.Name}, nums: [][]float64{d}}
	} else {
		if fc, ok := col.(*frame.FloatColumn); ok && len(c.Steps) == 0 && c.kind == vNumeric {
			out, err := fc.WithLogical(frame.LogicalFloat)
			if err != nil {
				return nil, err
			}
			return []frame.Column{out}, nil
		}
		var err error
		if v, err = inputValue(c.Name, c.kind, col, n, len(c.Steps) == 0); err != nil {
			return nil, err
		}
	}
	for s, fs := range c.Steps {
		next, err := applyStep(ctx, fs, v)
		if err != nil {
			return nil, fmt.Errorf("transform: apply %q step %d (%s): %w", c.Name, s, fs.Op, err)
		}
		v = next
	}
	return c.materialize(v)
}

// columnNear returns x's column called name, looking first at position i:
// serving frames usually hold the inputs in the pipeline's order, and a
// name comparison costs less than a hash lookup.
func columnNear(x *frame.Frame, i int, name string) (frame.Column, bool) {
	if i >= 0 && i < x.NumColumns() {
		if c := x.ColumnAt(i); c.Name() == name {
			return c, true
		}
	}
	return x.Column(name)
}

// applyGeneral is Apply without a plan: every lookup by name.
func (p *Pipeline) applyGeneral(ctx context.Context, x *frame.Frame) (*frame.Frame, error) {
	n := x.Len()
	var missing []string
	for _, in := range p.inputs {
		if _, ok := x.Column(in.Name); !ok && in.Required {
			missing = append(missing, in.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: missing required input columns %q", ErrInput, missing)
	}
	derived := map[string][]float64{}
	for _, d := range p.derived {
		v, err := d.apply(x, n)
		if err != nil {
			return nil, err
		}
		derived[d.Name] = v
	}
	outs := make([][]frame.Column, len(p.cols))
	err := parallel(ctx, len(p.cols), n, func(i int) error {
		c := p.cols[i]
		var col frame.Column
		var d []float64
		if c.Derived {
			var ok bool
			if d, ok = derived[c.Name]; !ok {
				return fmt.Errorf("%w: derived column %q has no expression", ErrInput, c.Name)
			}
		} else {
			col, _ = x.Column(c.Name)
		}
		cols, err := c.run(ctx, col, d, n)
		outs[i] = cols
		return err
	})
	if err != nil {
		return nil, err
	}
	var all []frame.Column
	for _, cols := range outs {
		all = append(all, cols...)
	}
	all, err = p.interact(all)
	if err != nil {
		return nil, err
	}
	return p.finish(all)
}

// finish builds the output frame of all and checks its names against the
// fitted outputs.
func (p *Pipeline) finish(all []frame.Column) (*frame.Frame, error) {
	f, err := frame.New(all...)
	if err != nil {
		return nil, fmt.Errorf("%w: output columns: %w", ErrInvalidSpec, err)
	}
	if !slices.Equal(f.Names(), p.outputs) {
		return nil, fmt.Errorf("%w: output columns %q differ from the fitted %q", ErrInput, f.Names(), p.outputs)
	}
	return f, nil
}

// apply evaluates the derived column on x (n rows); an absent variable is
// missing on every row.
func (d *fderived) apply(x *frame.Frame, n int) ([]float64, error) {
	vars := make(map[string][]float64, len(d.e.vars()))
	for _, name := range d.e.vars() {
		c, ok := x.Column(name)
		if !ok {
			vars[name] = nanSlice(n)
			continue
		}
		v, ok := numericOf(c)
		if !ok {
			return nil, fmt.Errorf("%w: column %q is %s, want numeric (used by derived %q)", ErrInput, name, c.Kind(), d.Name)
		}
		vars[name] = v
	}
	return d.e.eval(vars, n), nil
}

func nanSlice(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.NaN()
	}
	return x
}

// Inputs returns the raw input columns the pipeline reads, in training
// frame order. The result is a copy.
func (p *Pipeline) Inputs() []Input {
	out := make([]Input, len(p.inputs))
	for i, in := range p.inputs {
		in.Categories = slices.Clone(in.Categories)
		out[i] = in
	}
	return out
}

// Outputs returns the output column names in order: each input column's
// outputs in training frame order, then derived columns in spec order, then
// interactions. The result is a copy.
func (p *Pipeline) Outputs() []string { return slices.Clone(p.outputs) }
