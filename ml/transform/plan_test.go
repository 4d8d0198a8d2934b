package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// planPipelines returns fitted pipelines of every shape that Apply's plan
// handles: all kinds of steps, target encoding, numeric passthrough (the
// serving case, integer inputs included), derived columns with and without
// steps, interactions; each also as decoded from its JSON.
func planPipelines(t *testing.T) map[string]*Pipeline {
	t.Helper()
	ctx := context.Background()
	ps := map[string]*Pipeline{"every step": fuzzPipeline(t)}
	var te Pipeline
	if err := json.Unmarshal(fuzzJSON, &te); err != nil {
		t.Fatal(err)
	}
	ps["target (json)"] = &te
	x := smallFrame(t)
	fit := func(name string, spec Spec, x *frame.Frame) {
		p, _, err := Fit(ctx, spec, x, nil, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ps[name] = p
		var q Pipeline
		if err := json.Unmarshal(mustJSON(t, p), &q); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ps[name+" (json)"] = &q
	}
	schema := func(x *frame.Frame) []Field {
		var s []Field
		for _, f := range x.Schema() {
			s = append(s, Field{f.Name, f.Logical})
		}
		return s
	}
	fit("trees", DefaultSpec(schema(x), true), x)
	fit("linear", DefaultSpec(schema(x), false), x)
	fit("passthrough", Spec{
		Columns: map[string][]Step{"age": {}, "income": {}, "household": {}, "city": {}, "vip": {}, "seen": {{DateParts: []string{"dow"}}}},
		Drop:    []string{"note"},
		Derived: []Derived{{Name: "ratio", Expr: "income / household"}, {Name: "sum", Expr: "age + income"}},
	}, x)
	fit("categorical encodings", Spec{
		Drop: []string{"age", "income", "household", "seen"},
		Columns: map[string][]Step{
			"city": {{Impute: "constant", Fill: "none"}, {Frequency: true}},
			"note": {{Ordinal: true}},
			"vip":  {{Impute: "mode"}},
		},
	}, x)
	fit("derived steps", Spec{
		Drop:         []string{"seen", "note", "city", "vip"},
		Defaults:     &Defaults{Numeric: []Step{{Impute: "mean", Indicator: true}, {Scale: "standard"}}},
		Derived:      []Derived{{Name: "ratio", Expr: "income / household"}},
		Interactions: [][2]string{{"age", "ratio"}, {"income", "age__missing"}},
	}, x)

	// The serving benchmark's shape: numeric columns only, some integer.
	var cols []frame.Column
	for j := range 6 {
		v := []float64{float64(j), nan(), 2.5, -1, 1e300, 7}
		c := mk(frame.NewFloat(fmt.Sprintf("f%d", j), v, nil))
		if j%2 == 1 {
			c = mk(c.WithLogical(frame.LogicalInteger))
		}
		cols = append(cols, c)
	}
	num := mk(frame.New(cols...))
	fit("numeric trees", DefaultSpec(schema(num), true), num)
	fit("numeric linear", DefaultSpec(schema(num), false), num)
	return ps
}

// planFrames returns serving frames for the pipelines above: smallFrame and
// its rows one by one, columns reordered, absent, renamed or of another
// kind, and random frames.
func planFrames(t *testing.T) []*frame.Frame {
	t.Helper()
	x := smallFrame(t)
	frames := []*frame.Frame{x}
	for i := range x.Len() {
		frames = append(frames, mk(x.Take([]int{i})))
	}
	names := x.Names()
	rev := slices.Clone(names)
	slices.Reverse(rev)
	frames = append(frames, mk(x.Select(rev...)), mk(x.Take(nil)))
	// Enough rows for Apply to transform columns in parallel.
	big := make([]int, parallelMinRows+5)
	for i := range big {
		big[i] = (i * 7) % x.Len()
	}
	frames = append(frames, mk(x.Take(big)))
	for drop := range names {
		frames = append(frames, mk(x.Select(slices.Delete(slices.Clone(names), drop, drop+1)...)))
	}
	var cols []frame.Column
	for j := range 6 {
		v := []float64{float64(j), nan(), 3}
		cols = append(cols, mk(frame.NewFloat(fmt.Sprintf("f%d", j), v, nil)))
	}
	num := mk(frame.New(cols...))
	for i := range big {
		big[i] %= num.Len()
	}
	frames = append(frames, mk(num.Take(big)), num, mk(num.Take([]int{0})), mk(num.Select("f5", "f0", "f3")),
		mk(num.Select("f0", "f1", "f2", "f3", "f4")))
	// Integer logical types where the pipeline saw floats, and the reverse.
	for i, c := range cols {
		fc := c.(*frame.FloatColumn)
		cols[i] = mk(fc.WithLogical([]string{frame.LogicalInteger, frame.LogicalFloat}[i%2]))
	}
	frames = append(frames, mk(frame.New(cols...)))
	// A kind the pipeline does not expect.
	frames = append(frames, mk(frame.New(mk(frame.NewBool("f0", []bool{true}, nil)), mk(frame.NewString("f1", []string{"a"}, nil)))))

	r := rand.New(rand.NewPCG(5, 6))
	for len(frames) < 3000 {
		b := make([]byte, 2+r.IntN(120))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		if f, ok := frameFromBytes(b); ok {
			frames = append(frames, f)
		}
	}
	return frames
}

// TestApplyPlanMatchesGeneral checks Apply's planned path against the
// general one (every lookup by name, a map per call) on varied frames:
// same error, or the same columns bit for bit.
func TestApplyPlanMatchesGeneral(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	frames := planFrames(t)
	for name, p := range planPipelines(t) {
		if p.plan == nil {
			t.Fatalf("%s: no plan", name)
		}
		old := unprepared(t, p)
		ok := 0
		for k, x := range frames {
			got, gerr := p.Apply(ctx, x)
			want, werr := old.Apply(ctx, x)
			if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Fatalf("%s, frame %d: planned error %v, general %v", name, k, gerr, werr)
			}
			if gen, err := p.applyGeneral(ctx, x); (err == nil) != (gerr == nil) || err == nil && sameFrame(gen, got) != nil {
				t.Fatalf("%s, frame %d: general path with a prepared pipeline differs: %v", name, k, err)
			}
			if gerr != nil {
				continue
			}
			ok++
			if err := sameFrame(got, want); err != nil {
				t.Fatalf("%s, frame %d: %v", name, k, err)
			}
		}
		if ok == 0 {
			t.Errorf("%s: no frame applied; the test compares only errors", name)
		}
	}
}

// unprepared returns a copy of p without a plan and without the steps'
// precomputed lookups and names, which Apply then runs on the general path
// as before plans existed.
func unprepared(t *testing.T, p *Pipeline) *Pipeline {
	t.Helper()
	var q Pipeline
	if err := json.Unmarshal(mustJSON(t, p), &q); err != nil {
		t.Fatal(err)
	}
	q.plan = nil
	for _, c := range q.cols {
		for _, fs := range c.Steps {
			fs.catsSorted, fs.outBase, fs.outNames = false, "", nil
		}
	}
	return &q
}

// TestApplyPlanMismatch makes a chain produce another number of outputs
// than fitted: the planned path must fall back and report what the general
// path reports.
func TestApplyPlanMismatch(t *testing.T) {
	ctx := context.Background()
	var p Pipeline
	if err := json.Unmarshal(mustJSON(t, fuzzPipeline(t)), &p); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.cols {
		if c.Name == "age" {
			c.Outputs = c.Outputs[:1] // as if the indicator were not fitted
		}
	}
	p.outputs = slices.DeleteFunc(slices.Clone(p.outputs), func(s string) bool { return s == "age__missing" })
	p.plan = p.newPlan()
	if p.plan == nil {
		t.Fatal("no plan")
	}
	x := smallFrame(t)
	_, gerr := p.Apply(ctx, x)
	_, werr := p.applyGeneral(ctx, x)
	if gerr == nil || werr == nil || gerr.Error() != werr.Error() {
		t.Fatalf("planned error %v, general %v", gerr, werr)
	}
}

// TestApplySharesPassthrough checks that a numeric passthrough output is
// the input column itself (no copy) when the logical type already matches.
func TestApplySharesPassthrough(t *testing.T) {
	ctx := context.Background()
	x := mk(frame.New(mk(frame.NewFloat("a", []float64{1, nan()}, nil)), mk(frame.NewFloat("b", []float64{2, 3}, nil))))
	p, _, err := Fit(ctx, DefaultSpec([]Field{{"a", frame.LogicalFloat}, {"b", frame.LogicalFloat}}, true), x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Apply(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		in, _ := x.Column(name)
		o, _ := out.Column(name)
		if in != o {
			t.Errorf("output %q is a copy of the input column", name)
		}
	}
}

func sameFrame(a, b *frame.Frame) error {
	if a.Len() != b.Len() {
		return fmt.Errorf("%d rows, want %d", a.Len(), b.Len())
	}
	if !slices.Equal(a.Schema(), b.Schema()) {
		return fmt.Errorf("schema %v, want %v", a.Schema(), b.Schema())
	}
	for j, name := range a.Names() {
		ca, _ := a.Column(name)
		if ca != a.ColumnAt(j) {
			return fmt.Errorf("column %q: lookup by name and position differ", name)
		}
		cb, _ := b.Column(name)
		if !slices.Equal(ca.Mask(), cb.Mask()) || ca.NullCount() != cb.NullCount() {
			return fmt.Errorf("column %q: mask %v, want %v", name, ca.Mask(), cb.Mask())
		}
		var same bool
		switch ca := ca.(type) {
		case *frame.FloatColumn:
			same = slices.EqualFunc(ca.Values(), cb.(*frame.FloatColumn).Values(), func(x, y float64) bool {
				return math.Float64bits(x) == math.Float64bits(y)
			})
		case *frame.CategoricalColumn:
			cc := cb.(*frame.CategoricalColumn)
			same = slices.Equal(ca.Codes(), cc.Codes()) && slices.Equal(ca.Dict(), cc.Dict())
		case *frame.BoolColumn:
			same = slices.Equal(ca.Values(), cb.(*frame.BoolColumn).Values())
		case *frame.TimeColumn:
			same = slices.Equal(ca.Values(), cb.(*frame.TimeColumn).Values())
		case *frame.StringColumn:
			same = slices.Equal(ca.Values(), cb.(*frame.StringColumn).Values())
		}
		if !same {
			return fmt.Errorf("column %q differs", name)
		}
	}
	return nil
}

// TestLookupSorted checks the binary-search lookup against the map one.
func TestLookupSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	words := []string{"", "a", "aa", "ab", "b", "other", "z", "ÄÖ", "\xff"}
	for it := 0; it < 2000; it++ {
		var list []string
		for _, w := range words {
			if r.IntN(2) == 0 {
				list = append(list, w)
			}
		}
		c := &catValue{}
		for _, i := range r.Perm(len(words))[:r.IntN(len(words)+1)] {
			c.dict = append(c.dict, words[i])
		}
		if !strictlySorted(list) {
			t.Fatalf("%q is not strictly sorted", list)
		}
		if got, want := c.lookupSorted(list, -1), c.lookup(indexOf(list), -1); !slices.Equal(got, want) {
			t.Fatalf("lookupSorted(%q) on %q = %v, want %v", list, c.dict, got, want)
		}
	}
	if strictlySorted([]string{"a", "a"}) || strictlySorted([]string{"b", "a"}) {
		t.Errorf("strictlySorted accepts duplicates or disorder")
	}
}
