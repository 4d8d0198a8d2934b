package transform

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// mk returns v, and panics on err: test fixtures are built from constants.
func mk[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func nan() float64 { return math.NaN() }

// smallFrame has every kind of column.
func smallFrame(t testing.TB) *frame.Frame {
	t.Helper()
	age := mk(frame.NewFloat("age", []float64{20, 30, nan(), 50, 40, 30}, nil))
	inc := mk(frame.NewFloat("income", []float64{100, 200, 300, 400, 0, 600}, nil))
	hh := mk(frame.NewFloat("household", []float64{1, 2, 3, 0, -1, 2}, nil))
	city := mk(frame.NewCategoricalFromStrings("city", []string{"oslo", "bergen", "oslo", "", "tromso", "oslo"},
		frame.MaskOf([]bool{false, false, false, true, false, false})))
	vip := mk(frame.NewBool("vip", []bool{true, false, false, true, false, false}, frame.MaskOf([]bool{false, false, true, false, false, false})))
	day := func(s string) int64 { return mk(time.Parse(time.RFC3339, s)).UnixNano() }
	seen := mk(frame.NewTime("seen", []int64{
		day("2024-03-02T10:00:00Z"), day("2024-03-04T23:30:00Z"), 0,
		day("2024-02-29T00:00:00Z"), day("2023-12-31T12:00:00Z"), day("2024-03-03T01:00:00Z"),
	}, frame.MaskOf([]bool{false, false, true, false, false, false})))
	note := mk(frame.NewString("note", []string{"Great product", "bad", "", "great GREAT value", "ok", "value"}, nil))
	return mk(frame.New(age, inc, hh, city, vip, seen, note))
}

func TestExprPrecedence(t *testing.T) {
	t.Parallel()
	cols := map[string][]float64{"a": {2}, "b": {3}, "c": {0}, "x y": {4}}
	cases := []struct {
		src  string
		tree string
		want float64
	}{
		{"1 + 2 * 3", "(1 + (2 * 3))", 7},
		{"(1 + 2) * 3", "((1 + 2) * 3)", 9},
		{"a - b - 1", "((`a` - `b`) - 1)", -2},
		{"a / b * 3", "((`a` / `b`) * 3)", 2},
		{"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))", 512},
		{"-a ^ 2", "(-(`a` ^ 2))", -4},
		{"2 ^ -1", "(2 ^ (-1))", 0.5},
		{"--a", "(-(-`a`))", 2},
		{"a * -b", "(`a` * (-`b`))", -6},
		{"max(a, b, 1) + min(a, 1)", "(max(`a`, `b`, 1) + min(`a`, 1))", 4},
		{"sqrt(abs(-16)) + log(exp(1))", "(sqrt(abs((-16))) + log(exp(1)))", 5},
		{"`x y` / 2", "(`x y` / 2)", 2},
		{"1.5e1 + .5", "(15 + 0.5)", 15.5},
		{"a / c", "(`a` / `c`)", nan()},
		{"log(c)", "log(`c`)", nan()},
		{"sqrt(-1)", "sqrt((-1))", nan()},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			e, err := parseExpr(tc.src)
			if err != nil {
				t.Fatalf("parseExpr(%q): %v", tc.src, err)
			}
			if got := e.String(); got != tc.tree {
				t.Errorf("parseExpr(%q) = %s, want %s", tc.src, got, tc.tree)
			}
			got := e.eval(cols, 1)[0]
			if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("eval(%q) = %v, want %v", tc.src, got, tc.want)
			}
		})
	}
}

func TestExprErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":           "expression is empty",
		"1 +":        "unexpected end",
		"(a":         "missing )",
		"a b":        `unexpected "b"`,
		"foo(a)":     `unknown function "foo"`,
		"log(a, b)":  "log takes 1 argument, got 2",
		"max(a)":     "max takes 2 or more arguments, got 1",
		"`a":         "unterminated `",
		"a $ b":      `unexpected "$ b"`,
		"1..2":       "bad number",
		"max(a, b":   "missing ) after arguments of max",
		"* 2":        `unexpected "* 2"`,
		"1 + (2 * )": `at offset 9: unexpected ")"`,
	}
	for src, want := range cases {
		_, err := parseExpr(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseExpr(%q) error = %v, want it to contain %q", src, err, want)
		}
	}
	deep := strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000)
	if _, err := parseExpr(deep); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("deep expression error = %v, want nesting limit", err)
	}
}

func FuzzExpr(f *testing.F) {
	for _, s := range []string{"a + b * 2", "-(a ^ 2) / max(a, b, 3)", "log(`x y`)", "1e3--2", "((a))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := parseExpr(src)
		if err != nil {
			return
		}
		cols := map[string][]float64{}
		for _, v := range e.vars() {
			cols[v] = []float64{1.5, nan()}
		}
		_ = e.eval(cols, 2)
		// Round trip: the printed tree parses to the same tree.
		e2, err := parseExpr(e.String())
		if err != nil {
			t.Fatalf("reparse %q (from %q): %v", e.String(), src, err)
		}
		if e2.String() != e.String() {
			t.Fatalf("round trip %q → %q", e.String(), e2.String())
		}
	})
}

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	schema := []Field{{"age", "integer"}, {"city", "categorical"}, {"seen", "date"}, {"note", "text"}, {"vip", "boolean"}}
	one := 1.0
	spec := Spec{
		Drop: []string{"nope"},
		Columns: map[string][]Step{
			"age":   {{Impute: "median"}, {Scale: "zscore"}},
			"city":  {{Scale: "standard"}},
			"seen":  {{DateParts: []string{"year", "week"}}},
			"note":  {},
			"vip":   {{Impute: "mean", Scale: "standard"}},
			"ghost": {},
			"ratio": {{Clip: &Clip{Min: &one, LowerQ: &one}}},
		},
		Derived: []Derived{
			{Name: "ratio", Expr: "age / (city + 1)"},
			{Name: "age", Expr: "age +"},
		},
		Interactions: [][2]string{{"age", "age"}},
	}
	err := spec.Validate(schema)
	if !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("Validate = %v, want ErrInvalidSpec", err)
	}
	for _, want := range []string{
		`drop[0]: unknown column "nope"`,
		`columns.age[1]: unknown scale "zscore" (want standard, minmax or robust)`,
		`columns.city[0]: scale needs a numeric value, got categorical`,
		`columns.seen[0]: unknown date part "week"`,
		`columns.note: a text column needs a text_hash step or a categorical encoding`,
		`columns.vip[0]: step sets impute and scale; want exactly one operation per step`,
		`columns.ghost: unknown column "ghost"`,
		`columns.ratio[0]: clip sets a fixed bound and a quantile on the same side`,
		`derived[0].expr: column "city" is categorical, not numeric`,
		`derived[1]: name "age" is already an input column`,
		`derived[1].expr: at offset 5: unexpected end of expression`,
		`interactions[0]: "age" with itself`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q; got:\n%v", want, err)
		}
	}
	if err := DefaultSpec(schema, false).Validate(schema); err != nil {
		t.Errorf("DefaultSpec(linear).Validate = %v", err)
	}
	if err := DefaultSpec(schema, true).Validate(schema); err != nil {
		t.Errorf("DefaultSpec(trees).Validate = %v", err)
	}
}

func TestDefaultSpecLinear(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	var schema []Field
	for _, f := range x.Schema() {
		schema = append(schema, Field{f.Name, f.Logical})
	}
	p, out, err := Fit(context.Background(), DefaultSpec(schema, false), x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"age", "age__missing", "income", "household",
		"city__bergen", "city__oslo", "city__tromso", "city__other",
		"vip",
		"seen__year", "seen__month", "seen__day", "seen__dow", "seen__hour", "seen__weekend", "seen__days_since",
	}
	for i := 0; i < 1024; i++ {
		want = append(want, "note__h"+strconv.Itoa(i))
	}
	if diff := cmp.Diff(want, p.Outputs()); diff != "" {
		t.Fatalf("Outputs() mismatch (-want +got):\n%s", diff)
	}
	// Standard-scaled age: median-imputed (30), then mean 0 and std 1.
	age := floatsOf(t, out, "age")
	var s, ss float64
	for _, v := range age {
		s += v
		ss += v * v
	}
	if m := s / 6; math.Abs(m) > 1e-12 || math.Abs(ss/6-1) > 1e-12 {
		t.Errorf("scaled age mean %v, mean square %v; want 0 and 1", m, ss/6)
	}
	if got := floatsOf(t, out, "age__missing"); !equalFloats(got, []float64{0, 0, 1, 0, 0, 0}) {
		t.Errorf("age__missing = %v", got)
	}
	if got := floatsOf(t, out, "vip"); !equalFloats(got, []float64{1, 0, 0, 1, 0, 0}) {
		t.Errorf("vip = %v, want mode (false) imputed 0/1", got)
	}
	// Missing city is all zeros; every other row has exactly one 1.
	for i := 0; i < 6; i++ {
		var sum float64
		for _, n := range []string{"city__bergen", "city__oslo", "city__tromso", "city__other"} {
			sum += floatsOf(t, out, n)[i]
		}
		if want := map[bool]float64{true: 0, false: 1}[i == 3]; sum != want {
			t.Errorf("row %d one-hot sum = %v, want %v", i, sum, want)
		}
	}
	for _, in := range p.Inputs() {
		if in.Name == "city" && !cmp.Equal(in.Categories, []string{"bergen", "oslo", "tromso"}) {
			t.Errorf("city categories = %q", in.Categories)
		}
		// Every linear chain starts with impute or an encoding, so none is required except dates and text.
		wantReq := in.Name == "seen" || in.Name == "note"
		if in.Required != wantReq {
			t.Errorf("input %q required = %v, want %v", in.Name, in.Required, wantReq)
		}
	}
}

func TestDefaultSpecTrees(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	var schema []Field
	for _, f := range x.Schema() {
		schema = append(schema, Field{f.Name, f.Logical})
	}
	spec := DefaultSpec(schema, true)
	p, out, err := Fit(context.Background(), spec, x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Passthrough keeps kinds and missing values.
	if got := floatsOf(t, out, "age"); !math.IsNaN(got[2]) || got[0] != 20 {
		t.Errorf("age = %v, want passthrough with NaN", got)
	}
	city, err := frame.ColumnAs[*frame.CategoricalColumn](out, "city")
	if err != nil {
		t.Fatal(err)
	}
	if !city.IsMissing(3) || city.Value(0) != "oslo" {
		t.Errorf("city passthrough wrong: %q missing=%v", city.Value(0), city.IsMissing(3))
	}
	if _, err := frame.ColumnAs[*frame.BoolColumn](out, "vip"); err != nil {
		t.Errorf("vip: %v", err)
	}
	// Serving: an unseen category becomes missing and the codes follow the training dictionary.
	sc := mk(frame.NewCategoricalFromStrings("city", []string{"tromso", "paris", "bergen"}, nil))
	sage := mk(frame.NewFloat("age", []float64{1, 2, 3}, nil))
	// seen and note are required (date parts, text hash); supply them.
	seen := mk(frame.NewTime("seen", []int64{0, 0, 0}, nil))
	note := mk(frame.NewString("note", []string{"a", "great", ""}, nil))
	sv := mk(frame.New(sage, sc, seen, note))
	got, err := p.Apply(context.Background(), sv)
	if err != nil {
		t.Fatal(err)
	}
	gc := mk(frame.ColumnAs[*frame.CategoricalColumn](got, "city"))
	if !cmp.Equal(gc.Dict(), city.Dict()) {
		t.Errorf("serving dict %q, want training dict %q", gc.Dict(), city.Dict())
	}
	if gc.Value(0) != "tromso" || !gc.IsMissing(1) || gc.Value(2) != "bergen" {
		t.Errorf("serving city = %q %v %q", gc.Value(0), gc.IsMissing(1), gc.Value(2))
	}
	// income, household and vip are absent: passthrough tolerates that.
	if inc := floatsOf(t, got, "income"); !math.IsNaN(inc[0]) {
		t.Errorf("absent income = %v, want NaN", inc)
	}
	vip := mk(frame.ColumnAs[*frame.BoolColumn](got, "vip"))
	if vip.NullCount() != 3 {
		t.Errorf("absent vip has %d missing rows, want 3", vip.NullCount())
	}
}

func TestUnseenAndMissingColumns(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	spec := Spec{
		Drop: []string{"vip", "note", "seen"},
		Columns: map[string][]Step{
			"age":       {{Scale: "minmax"}},
			"income":    {{Impute: "mean"}, {Scale: "standard"}},
			"city":      {{Ordinal: true}},
			"household": {{Log: true}},
		},
	}
	p, _, err := Fit(context.Background(), spec, x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Required column absent.
	only := mk(frame.New(mk(frame.NewFloat("income", []float64{1}, nil))))
	_, err = p.Apply(ctx, only)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), `"age"`) || !strings.Contains(err.Error(), `"city"`) {
		t.Errorf("Apply without age and city = %v, want an ErrInput naming both", err)
	}
	// Wrong kind.
	bad := mk(frame.New(
		mk(frame.NewString("age", []string{"old"}, nil)),
		mk(frame.NewCategoricalFromStrings("city", []string{"oslo"}, nil)),
		mk(frame.NewFloat("household", []float64{1}, nil)),
	))
	_, err = p.Apply(ctx, bad)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), `column "age" is string`) {
		t.Errorf("Apply with text age = %v, want an error naming the column and kind", err)
	}
	// Unseen category → -1; absent income imputed with the mean.
	ok := mk(frame.New(
		mk(frame.NewFloat("age", []float64{35, 80}, nil)),
		mk(frame.NewCategoricalFromStrings("city", []string{"paris", "oslo"}, nil)),
		mk(frame.NewFloat("household", []float64{-1, math.E - 1}, nil)),
	))
	out, err := p.Apply(ctx, ok)
	if err != nil {
		t.Fatal(err)
	}
	if got := floatsOf(t, out, "city"); !equalFloats(got, []float64{-1, 1}) {
		t.Errorf("city = %v, want [-1 1]", got)
	}
	if got := floatsOf(t, out, "age"); !equalFloats(got, []float64{0.5, 2}) {
		t.Errorf("age = %v, want [0.5 2] (min-max, not clipped)", got)
	}
	if got := floatsOf(t, out, "income"); got[0] != 0 || got[1] != 0 {
		t.Errorf("absent income = %v, want the scaled mean 0", got)
	}
	if got := floatsOf(t, out, "household"); !math.IsNaN(got[0]) || math.Abs(got[1]-1) > 1e-15 {
		t.Errorf("household = %v, want [NaN 1]", got)
	}
}

func TestDerivedAndInteractions(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	spec := Spec{
		Drop: []string{"city", "vip", "seen", "note", "age"},
		Columns: map[string][]Step{
			"income":    {},
			"household": {},
			"ratio":     {},
		},
		Derived:      []Derived{{Name: "ratio", Expr: "income / (household + 1)"}, {Name: "sq", Expr: "-age^2"}},
		Interactions: [][2]string{{"income", "ratio"}},
	}
	p, out, err := Fit(context.Background(), spec, x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"income", "household", "ratio", "sq", "income__x__ratio"}
	if diff := cmp.Diff(wantNames, p.Outputs()); diff != "" {
		t.Fatalf("outputs (-want +got):\n%s", diff)
	}
	wantRatio := []float64{50, 200.0 / 3, 75, 400, nan(), 200}
	got := floatsOf(t, out, "ratio")
	for i := range got {
		if !near(got[i], wantRatio[i], 1e-15, 0) {
			t.Errorf("ratio[%d] = %v, want %v (division by zero → NaN)", i, got[i], wantRatio[i])
		}
	}
	if got := floatsOf(t, out, "sq"); got[0] != -400 || !math.IsNaN(got[2]) {
		t.Errorf("sq = %v, want -age^2 with NaN for missing age", got)
	}
	inter := floatsOf(t, out, "income__x__ratio")
	if inter[0] != 5000 || !math.IsNaN(inter[4]) {
		t.Errorf("interaction = %v", inter)
	}
	// age is dropped but read by a derived column: it is an input.
	var names []string
	for _, in := range p.Inputs() {
		names = append(names, in.Name)
	}
	if diff := cmp.Diff([]string{"age", "income", "household"}, names); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	// An interaction with a non-output is reported.
	spec.Interactions = [][2]string{{"income", "nothing"}}
	if _, _, err := Fit(context.Background(), spec, x, nil, Options{}); err == nil || !strings.Contains(err.Error(), `"nothing" is not an output column`) {
		t.Errorf("Fit with a bad interaction = %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	lo := 0.1
	m := 1.0
	spec := Spec{
		Columns: map[string][]Step{
			"age":       {{Impute: "median", Indicator: true}, {YeoJohnson: true}, {Clip: &Clip{LowerQ: &lo}}, {Scale: "robust"}},
			"income":    {{Bins: &Bins{N: 3}}},
			"household": {{Impute: "constant", Fill: 7}, {BoxCox: false, Scale: "minmax"}},
			"city":      {{Impute: "constant", Fill: "none", Indicator: true}, {Target: &TargetEncoding{Folds: 2, Smoothing: &m}}},
			"vip":       {{Impute: "mode"}},
			"seen":      {{DateParts: []string{"hour", "days_since"}}, {Impute: "mean"}},
			"note":      {{TextHash: &TextHash{NFeatures: 8, NgramMax: 2}}},
		},
		Derived:      []Derived{{Name: "r", Expr: "log(income + 1) - household"}},
		Interactions: [][2]string{{"age", "income"}},
	}
	y := &Target{Values: []float64{1, 0, 1, 1, 0, 0}, NumClass: 2}
	ctx := context.Background()
	p, _, err := Fit(ctx, spec, x, y, Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"format":"mlcycle.transform","version":1,`) {
		t.Errorf("encoding starts %.60s", b)
	}
	var q Pipeline
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	want := mk(p.Apply(ctx, x))
	got := mk(q.Apply(ctx, x))
	if diff := cmp.Diff(frameFloats(t, want), frameFloats(t, got), cmp.Comparer(func(a, b float64) bool {
		return a == b || math.IsNaN(a) && math.IsNaN(b)
	})); diff != "" {
		t.Errorf("loaded pipeline applies differently (-saved +loaded):\n%s", diff)
	}
	b2 := mk(json.Marshal(&q))
	if string(b2) != string(b) {
		t.Errorf("re-encoding differs")
	}
	// Versions and formats.
	for src, want := range map[string]string{
		`{"format":"mlcycle.transform","version":2}`: "version 2 of mlcycle.transform is not supported",
		`{"format":"other","version":1}`:             `format "other"`,
		`[1]`:                                        "cannot unmarshal",
		strings.Replace(string(b), `"op":"scale"`, `"op":"zap"`, 1): `unknown step "zap"`,
	} {
		var r Pipeline
		err := json.Unmarshal([]byte(src), &r)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), want) {
			t.Errorf("Unmarshal(%.40s) = %v, want ErrFormat with %q", src, err, want)
		}
	}
}

// frameFloats returns every output column as floats (categoricals as codes).
func frameFloats(t *testing.T, f *frame.Frame) map[string][]float64 {
	out := map[string][]float64{}
	for _, c := range f.Columns() {
		v, _ := frame.Numeric(c)
		out[c.Name()] = v
	}
	return out
}

func TestFitErrors(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	ctx := context.Background()
	cases := map[string]struct {
		spec Spec
		y    *Target
		want string
	}{
		"target without y":   {Spec{Columns: map[string][]Step{"city": {{Target: &TargetEncoding{}}}}}, nil, "target encoding of \"city\" needs a target"},
		"boxcox nonpositive": {Spec{Columns: map[string][]Step{"household": {{BoxCox: true}}}}, nil, "strictly positive"},
		"bad y length":       {Spec{}, &Target{Values: []float64{1}}, "target has 1 values for 6 rows"},
		"bad class":          {Spec{}, &Target{Values: []float64{0, 1, 2, 3, 0, 1}, NumClass: 3}, "not a class index"},
		"invalid":            {Spec{Columns: map[string][]Step{"age": {{Scale: "z"}}}}, nil, `unknown scale "z"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Fit(ctx, tc.spec, x, tc.y, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Fit = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Fit(cctx, Spec{}, x, nil, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with a cancelled context = %v", err)
	}
}

func TestTargetOOFFolds(t *testing.T) {
	t.Parallel()
	folds := foldsOf(103, 5, 42)
	sizes := make([]int, 5)
	for _, f := range folds {
		sizes[f]++
	}
	for _, s := range sizes {
		if s < 20 || s > 21 {
			t.Errorf("fold sizes %v, want 20 or 21 each", sizes)
			break
		}
	}
	if !cmp.Equal(folds, foldsOf(103, 5, 42)) || cmp.Equal(folds, foldsOf(103, 5, 43)) {
		t.Errorf("folds are not a deterministic function of the seed")
	}
}

func TestMurmur(t *testing.T) {
	t.Parallel()
	// sklearn.utils.murmurhash3_32(s, seed=0), scikit-learn 1.2.1.
	for s, want := range map[string]int32{
		"": 0, "a": 1009084850, "foo": -156908512, "hello": 613153351, "the cat": 1192667458,
		"straße": 2095602437, "abcdefgh": 1239272644, "abcde": -392455434,
	} {
		if got := int32(murmur3([]byte(s), 0)); got != want {
			t.Errorf("murmur3(%q) = %d, want %d", s, got, want)
		}
	}
	// re.findall(r"(?u)\b\w\w+\b", s.lower()) in Python 3.11.
	if got := tokens("Hello, wORLD! a_b x 42 ça-été naïve"); !cmp.Equal(got, []string{"hello", "world", "a_b", "42", "ça", "été", "naïve"}) {
		t.Errorf("tokens = %q", got)
	}
}

func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	p := fuzzPipeline(t)
	x := smallFrame(t)
	want := frameFloats(t, mk(p.Apply(context.Background(), x)))
	same := cmp.Comparer(func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) })
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			out, err := p.Apply(context.Background(), x)
			if err != nil {
				errs <- err.Error()
				return
			}
			errs <- cmp.Diff(want, frameFloats(t, out), same)
		}()
	}
	for g := 0; g < 8; g++ {
		if d := <-errs; d != "" {
			t.Errorf("concurrent Apply differs: %s", d)
		}
	}
}

func TestDateParts(t *testing.T) {
	t.Parallel()
	x := smallFrame(t)
	spec := Spec{Drop: []string{"age", "income", "household", "city", "vip", "note"},
		Columns: map[string][]Step{"seen": {{DateParts: datePartNames}}}}
	p, out, err := Fit(context.Background(), spec, x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Rows: Sat 2024-03-02 10:00, Mon 2024-03-04 23:30 (the latest: the
	// reference), missing, Thu 2024-02-29 00:00, Sun 2023-12-31 12:00,
	// Sun 2024-03-03 01:00.
	want := map[string][]float64{
		"seen__year":       {2024, 2024, nan(), 2024, 2023, 2024},
		"seen__month":      {3, 3, nan(), 2, 12, 3},
		"seen__day":        {2, 4, nan(), 29, 31, 3},
		"seen__dow":        {5, 0, nan(), 3, 6, 6},
		"seen__hour":       {10, 23, nan(), 0, 12, 1},
		"seen__weekend":    {1, 0, nan(), 0, 1, 1},
		"seen__days_since": {2 + 13.5/24, 0, nan(), 4 + 23.5/24, 64 + 11.5/24, 1 + 22.5/24},
	}
	for name, w := range want {
		got := floatsOf(t, out, name)
		for i := range w {
			if !near(got[i], w[i], 1e-15, 1e-15) {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], w[i])
			}
		}
	}
	// Serving: a later date has negative days_since; an absent column is an error.
	later := mk(frame.NewTime("seen", []int64{mk(time.Parse(time.RFC3339, "2024-03-06T23:30:00Z")).UnixNano()}, nil))
	got := mk(p.Apply(context.Background(), mk(frame.New(later))))
	if d := floatsOf(t, got, "seen__days_since")[0]; d != -2 {
		t.Errorf("days_since of a later date = %v, want -2", d)
	}
	if _, err := p.Apply(context.Background(), mk(frame.New(mk(frame.NewFloat("seen", []float64{1}, nil))))); err == nil ||
		!strings.Contains(err.Error(), `column "seen" is float`) {
		t.Errorf("Apply with a float seen = %v, want a kind error", err)
	}
}
