package drift

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/ml/frame"
)

func mustFloat(t testing.TB, name string, x []float64) *frame.FloatColumn {
	t.Helper()
	c, err := frame.NewFloat(name, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustCat(t testing.TB, name string, x []string) *frame.CategoricalColumn {
	t.Helper()
	missing := make([]bool, len(x))
	for i, v := range x {
		missing[i] = v == ""
	}
	c, err := frame.NewCategoricalFromStrings(name, x, frame.MaskOf(missing))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustFrame(t testing.TB, cols ...frame.Column) *frame.Frame {
	t.Helper()
	f, err := frame.New(cols...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// baselineFrame has 200 rows: x = 1…200 with rows 10, 20, …, 200 missing
// (180 present), colour a/b/c in shares 100/60/40, flag alternating, note
// text.
func baselineFrame(t testing.TB) *frame.Frame {
	x := make([]float64, 200)
	colour := make([]string, 200)
	flag := make([]bool, 200)
	note := make([]string, 200)
	for i := range x {
		x[i] = float64(i + 1)
		if (i+1)%10 == 0 {
			x[i] = math.NaN()
		}
		switch {
		case i < 100:
			colour[i] = "a"
		case i < 160:
			colour[i] = "b"
		default:
			colour[i] = "c"
		}
		flag[i] = i%2 == 0
		note[i] = "n"
	}
	fl, err := frame.NewBool("flag", flag, nil)
	if err != nil {
		t.Fatal(err)
	}
	nt, err := frame.NewString("note", note, nil)
	if err != nil {
		t.Fatal(err)
	}
	return mustFrame(t, mustFloat(t, "x", x), mustCat(t, "colour", colour), fl, nt)
}

func TestBaseline(t *testing.T) {
	t.Parallel()
	st, err := Baseline(context.Background(), baselineFrame(t), BaselineOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if st.Format != StatisticsFormat || st.Version != 1 || st.Rows != 200 || len(st.Features) != 4 {
		t.Fatalf("header = %q %d %d %d", st.Format, st.Version, st.Rows, len(st.Features))
	}
	x := st.Features[0]
	if x.Type != TypeNumeric || x.Logical != frame.LogicalFloat || x.Present != 180 || x.Missing != 20 {
		t.Errorf("x = %s %s %d %d, want numeric float 180 20", x.Type, x.Logical, x.Present, x.Missing)
	}
	// The values 1…200 without the multiples of 10: sum 20100 − 2100 = 18000.
	n := x.Numeric
	if n.Mean != 100 || n.Min != 1 || n.Max != 199 {
		t.Errorf("mean, min, max = %v, %v, %v, want 100, 1, 199", n.Mean, n.Min, n.Max)
	}
	var vals []float64
	for i := 1; i <= 200; i++ {
		if i%10 != 0 {
			vals = append(vals, float64(i))
		}
	}
	ss := 0.0
	for _, v := range vals {
		ss += (v - 100) * (v - 100)
	}
	if want := math.Sqrt(ss / 179); math.Abs(float64(n.Std)-want) > 1e-12 {
		t.Errorf("std = %v, want %v", n.Std, want)
	}
	// Quantile i/100 with h = 179·p: the median h = 89.5 lies between the
	// 90th and 91st values, 99 and 101.
	if len(n.Quantiles) != 101 || n.Quantiles[0] != 1 || n.Quantiles[100] != 199 || n.Quantiles[50] != 100 {
		t.Errorf("quantiles 0, 50, 100 = %v, %v, %v, want 1, 100, 199", n.Quantiles[0], n.Quantiles[50], n.Quantiles[100])
	}
	if !slices.Equal(n.Sample, vals) {
		t.Errorf("sample of 180 values with cap 10,000 is not all values")
	}
	if len(n.Histogram.Edges) != 9 || sum(n.Histogram.Counts) != 180 {
		t.Errorf("histogram = %v", n.Histogram)
	}
	for i, c := range n.Histogram.Counts {
		if c != 18 {
			t.Errorf("histogram count %d = %d, want 18", i, c)
		}
	}
	colour := st.Features[1].Categorical
	want := &CategoricalStatistics{Distinct: 3, Values: []ValueCount{{"a", 100}, {"b", 60}, {"c", 40}}}
	if diff := cmp.Diff(want, colour); diff != "" {
		t.Errorf("colour (-want +got):\n%s", diff)
	}
	flag := st.Features[2]
	if flag.Type != TypeCategorical || !cmp.Equal(flag.Categorical.Values, []ValueCount{{"false", 100}, {"true", 100}}) {
		t.Errorf("flag = %+v", flag.Categorical)
	}
	if note := st.Features[3]; note.Type != TypeText || note.Numeric != nil || note.Categorical != nil {
		t.Errorf("note = %+v", note)
	}
}

func TestBaselineSampleAndCap(t *testing.T) {
	t.Parallel()
	x := make([]float64, 5000)
	cat := make([]string, 5000)
	for i := range x {
		x[i] = float64((i * 7919) % 5000)
		cat[i] = string(rune('A' + i%26))
	}
	f := mustFrame(t, mustFloat(t, "x", x), mustCat(t, "c", cat))
	opts := BaselineOpts{SampleSize: 300, MaxCategories: 10}
	a, err := Baseline(context.Background(), f, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Baseline(context.Background(), f, opts)
	s := a.Features[0].Numeric.Sample
	if len(s) != 300 || !slices.IsSorted(s) || !cmp.Equal(s, b.Features[0].Numeric.Sample) {
		t.Fatalf("sample: %d values, sorted %v, reproducible %v", len(s), slices.IsSorted(s), cmp.Equal(s, b.Features[0].Numeric.Sample))
	}
	if len(slices.Compact(slices.Clone(s))) != 300 {
		t.Errorf("sample of distinct values has repeats")
	}
	c, _ := Baseline(context.Background(), f, BaselineOpts{SampleSize: 300, Seed: 99})
	if cmp.Equal(s, c.Features[0].Numeric.Sample) {
		t.Errorf("another seed gave the same sample")
	}
	cs := a.Features[1].Categorical
	// 5000 = 26·192 + 8: A…H have 193 rows, the others 192.
	if cs.Distinct != 26 || len(cs.Values) != 10 || cs.Values[0] != (ValueCount{"A", 193}) ||
		cs.Values[8] != (ValueCount{"I", 192}) || cs.Other != 16*192 {
		t.Errorf("categorical = %+v", cs)
	}
	if sg := Suggest(a, SuggestOpts{}); sg.Features[1].Domain != nil {
		t.Errorf("domain suggested for a capped feature: %v", sg.Features[1].Domain)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	st, _ := Baseline(context.Background(), baselineFrame(t), BaselineOpts{})
	c := Suggest(st, SuggestOpts{})
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	f := func(v float64) *float64 { return &v }
	want := Constraints{Format: ConstraintsFormat, Version: 1, MinSampleSize: 100, Features: []FeatureConstraints{
		// 0.9 − 0.05; [1 − 19.8, 199 + 19.8] with the lower bound held at 0.
		{Name: "x", Type: TypeNumeric, Completeness: f(0.85), Range: &Range{0, 218.8}, Drift: DefaultChecks(TypeNumeric)},
		{Name: "colour", Type: TypeCategorical, Completeness: f(0.95), Domain: []string{"a", "b", "c"}, Drift: DefaultChecks(TypeCategorical)},
		{Name: "flag", Type: TypeCategorical, Completeness: f(0.95), Domain: []string{"false", "true"}, Drift: DefaultChecks(TypeCategorical)},
		{Name: "note", Type: TypeText, Completeness: f(0.95)},
	}}
	if diff := cmp.Diff(want, c, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
		t.Errorf("Suggest (-want +got):\n%s", diff)
	}
}

func TestConstraintsValidate(t *testing.T) {
	t.Parallel()
	bad := -0.5
	c := Constraints{Format: "x", Version: 2, Features: []FeatureConstraints{
		{Name: "a", Type: TypeNumeric, Completeness: &bad, Range: &Range{5, 1},
			Drift: []DriftCheck{{MethodKS, 1.5}, {MethodChiSquare, 0.01}, {"bogus", 1}, {MethodPSI, 0}}},
		{Name: "a", Type: "blob", Domain: []string{"x", "x"}},
	}}
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInput) {
		t.Fatalf("Validate() = %v, want a *ValidationError wrapping ErrInput", err)
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	want := []string{"format", "version", "min_sample_size", "features[0].completeness", "features[0].range",
		"features[0].drift[0].threshold", "features[0].drift[1].method", "features[0].drift[2].method",
		"features[0].drift[3].threshold", "features[1].name", "features[1].type", "features[1].domain",
		"features[1].domain[1]"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("problem paths (-want +got):\n%s\n%v", diff, err)
	}
}

func TestStatisticsValidate(t *testing.T) {
	t.Parallel()
	st, _ := Baseline(context.Background(), baselineFrame(t), BaselineOpts{})
	st.Version = 7
	st.Features[0].Numeric.Histogram.Counts = st.Features[0].Numeric.Histogram.Counts[:3]
	st.Features[1].Present = 5
	st.Features[2].Categorical = nil
	err := st.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v", err)
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	want := []string{"version", "features[0].numeric.histogram.counts", "features[1]", "features[2].categorical"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("problem paths (-want +got):\n%s", diff)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	f := mustFrame(t, mustFloat(t, "one", []float64{3}), mustFloat(t, "none", []float64{math.NaN()}))
	st, _ := Baseline(context.Background(), f, BaselineOpts{})
	st.Features = append(st.Features, baselineStats(t).Features...)
	st.Rows = 1
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"std":null`) {
		t.Errorf("an undefined std is not written as null: %s", b)
	}
	var back Statistics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, back, cmp.Comparer(func(a, b Float) bool {
		return a == b || math.IsNaN(float64(a)) && math.IsNaN(float64(b))
	})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	c := Suggest(st, SuggestOpts{})
	b, _ = json.Marshal(c)
	var cb Constraints
	if err := json.Unmarshal(b, &cb); err != nil || !cmp.Equal(c, cb) {
		t.Errorf("constraints round trip: %v\n%s", err, b)
	}
}

func baselineStats(t testing.TB) Statistics {
	st, err := Baseline(context.Background(), baselineFrame(t), BaselineOpts{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCompareIdentical(t *testing.T) {
	t.Parallel()
	f := baselineFrame(t)
	st := baselineStats(t)
	rep, err := Compare(context.Background(), st, Suggest(st, SuggestOpts{}), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Violations) != 0 {
		t.Errorf("violations = %+v", rep.Violations)
	}
	want := Counts{Features: 4, OK: 3, Skipped: 1}
	if rep.Counts != want {
		t.Errorf("counts = %+v, want %+v", rep.Counts, want)
	}
	for _, fr := range rep.Features[:3] {
		for _, s := range fr.Scores {
			configured := fr.Type == TypeCategorical || s.Method != MethodJensenShannon
			if s.Value != 0 || (IsPValueMethod(s.Method) && s.PValue != 1) || s.Drift || (s.Threshold != nil) != configured {
				t.Errorf("%s %s = %v (p %v), want 0 (p 1) and no drift", fr.Name, s.Method, s.Value, s.PValue)
			}
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("marshal report: %v", err)
	}
}

func TestCompareViolations(t *testing.T) {
	t.Parallel()
	st := baselineStats(t)
	cons := Suggest(st, SuggestOpts{})
	// x: 200 rows, 40 missing (completeness 0.8 < 0.85), −5 twice and 1000
	// once outside [0, 218.8]. colour: "zzz" ×3 and "yyy" ×1 outside the
	// domain. flag is text now; note is missing; extra is not expected.
	x := make([]float64, 200)
	colour := make([]string, 200)
	note := make([]string, 200)
	for i := range x {
		x[i] = float64(i%150 + 1)
		if i%5 == 0 {
			x[i] = math.NaN()
		}
		colour[i] = "a"
		note[i] = "t"
	}
	x[1], x[2], x[3] = -5, 1000, -5
	colour[7], colour[8], colour[9], colour[11] = "zzz", "zzz", "zzz", "yyy"
	flag, _ := frame.NewString("flag", note, nil)
	extra := mustFloat(t, "extra", make([]float64, 200))
	cur := mustFrame(t, mustFloat(t, "x", x), mustCat(t, "colour", colour), flag, extra)
	rep, err := Compare(context.Background(), st, cons, cur)
	if err != nil {
		t.Fatal(err)
	}
	type v struct {
		Feature, Kind string
		Count         int64
		Examples      []string
	}
	var got []v
	for _, x := range rep.Violations {
		got = append(got, v{x.Feature, x.Kind, x.Count, x.Examples})
		if x.Reason == "" {
			t.Errorf("%s %s has no reason", x.Feature, x.Kind)
		}
	}
	want := []v{
		{"x", ViolationCompleteness, 40, nil},
		{"x", ViolationRange, 3, []string{"-5", "1000"}},
		{"colour", ViolationDomain, 4, []string{"zzz", "yyy"}},
		{"flag", ViolationType, 0, nil},
		{"note", ViolationMissingColumn, 0, nil},
		{"extra", ViolationExtraColumn, 0, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	verdicts := map[string]string{}
	for _, f := range rep.Features {
		verdicts[f.Name] = f.Verdict
	}
	wantV := map[string]string{"x": VerdictDrift, "colour": VerdictDrift, "flag": VerdictSkipped, "note": VerdictSkipped}
	if diff := cmp.Diff(wantV, verdicts); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	if rep.Counts != (Counts{Features: 4, Drift: 2, Skipped: 2, Violations: 6}) {
		t.Errorf("counts = %+v", rep.Counts)
	}
	// colour: baseline a/b/c = 100/60/40, current a 196, other 4. The L∞
	// distance is |0.5 − 0.98| = 0.48.
	col := rep.Features[1]
	if got := float64(col.Scores[1].Value); math.Abs(got-0.48) > 1e-15 {
		t.Errorf("colour linf = %v, want 0.48", got)
	}
	if c := col.Categories; c.CurrentOther != 4 || !slices.Equal(c.Current, []int64{196, 0, 0}) {
		t.Errorf("colour categories = %+v", c)
	}
}

func TestCompareChiSquareUnseen(t *testing.T) {
	t.Parallel()
	// Baseline a/b = 150/50; current a/b/new = 60/30/10. The bins are a, b
	// and other; the baseline share of other is 0, replaced by 1e-4, so the
	// shares are (0.75, 0.25, 1e-4)/1.0001 and the expected counts 100 times
	// those.
	var base, cur []string
	for i := 0; i < 200; i++ {
		base = append(base, map[bool]string{true: "a", false: "b"}[i < 150])
	}
	for i := 0; i < 100; i++ {
		switch {
		case i < 60:
			cur = append(cur, "a")
		case i < 90:
			cur = append(cur, "b")
		default:
			cur = append(cur, "new")
		}
	}
	st, _ := Baseline(context.Background(), mustFrame(t, mustCat(t, "c", base)), BaselineOpts{})
	rep, err := Compare(context.Background(), st, Suggest(st, SuggestOpts{}), mustFrame(t, mustCat(t, "c", cur)))
	if err != nil {
		t.Fatal(err)
	}
	e := []float64{75 / 1.0001, 25 / 1.0001, 0.01 / 1.0001}
	o := []float64{60, 30, 10}
	want := 0.0
	for i := range e {
		want += (o[i] - e[i]) * (o[i] - e[i]) / e[i]
	}
	sc := rep.Features[0].Scores[0]
	if math.Abs(float64(sc.Value)-want) > 1e-9*want || !sc.Drift || rep.Features[0].Verdict != VerdictDrift {
		t.Errorf("chi-square = %v (drift %v), want %v (drift)", sc.Value, sc.Drift, want)
	}
}

func TestCompareInsufficientData(t *testing.T) {
	t.Parallel()
	st := baselineStats(t)
	cons := Suggest(st, SuggestOpts{})
	x := make([]float64, 50)
	for i := range x {
		x[i] = float64(1000 + i) // far outside the baseline, but only 50 rows
	}
	rep, err := Compare(context.Background(), st, cons, mustFrame(t, mustFloat(t, "x", x)))
	if err != nil {
		t.Fatal(err)
	}
	fr := rep.Features[0]
	if fr.Verdict != VerdictInsufficientData || !strings.Contains(fr.Reason, "minimum sample size 100") {
		t.Errorf("verdict = %s (%s), want insufficient_data", fr.Verdict, fr.Reason)
	}
	for _, s := range fr.Scores {
		if s.Drift {
			t.Errorf("%s fired with insufficient data", s.Method)
		}
	}
	// The scores are still computed: the samples are disjoint.
	if fr.Scores[0].Value != 1 {
		t.Errorf("KS statistic = %v, want 1", fr.Scores[0].Value)
	}
	if rep.Counts.InsufficientData != 1 {
		t.Errorf("counts = %+v", rep.Counts)
	}
	cons.MinSampleSize = 10
	rep, _ = Compare(context.Background(), st, cons, mustFrame(t, mustFloat(t, "x", x)))
	if rep.Features[0].Verdict != VerdictDrift {
		t.Errorf("verdict with min_sample_size 10 = %s, want drift", rep.Features[0].Verdict)
	}
}

func TestCompareRejectsInvalid(t *testing.T) {
	t.Parallel()
	st := baselineStats(t)
	cons := Suggest(st, SuggestOpts{})
	cons.Features[0].Drift[0].Threshold = 2
	_, err := Compare(context.Background(), st, cons, baselineFrame(t))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Path != "features[0].drift[0].threshold" {
		t.Errorf("Compare with a bad threshold = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compare(ctx, st, Suggest(st, SuggestOpts{}), baselineFrame(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Compare with a cancelled context = %v", err)
	}
}

func TestRowOrderDoesNotMatter(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	c := ref.KS[7] // medium
	a, b := c.A.values(), c.B.values()
	ra, rb := slices.Clone(a), slices.Clone(b)
	slices.Reverse(ra)
	slices.Reverse(rb)
	if KS(a, b) != KS(ra, rb) {
		t.Errorf("KS depends on row order")
	}
	if Wasserstein(a, b) != Wasserstein(ra, rb) {
		t.Errorf("Wasserstein depends on row order")
	}
	e := QuantileEdges(sortedFinite(a), 10)
	if PSI(BinCounts(e, a), BinCounts(e, b)) != PSI(BinCounts(e, ra), BinCounts(e, rb)) {
		t.Errorf("PSI depends on row order")
	}
	if got := PSI(BinCounts(e, a), BinCounts(e, ra)); got != 0 {
		t.Errorf("PSI of identical samples = %v, want 0", got)
	}
}

func TestSortFloats(t *testing.T) {
	t.Parallel()
	x := make([]float64, 20000)
	s := uint64(7)
	for i := range x {
		s = s*6364136223846793005 + 1442695040888963407
		x[i] = float64(int64(s)) / 1e10
	}
	x[5], x[6], x[7], x[8] = math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0
	want := slices.Clone(x)
	slices.Sort(want)
	sortFloats(x)
	if !slices.Equal(x, want) {
		t.Errorf("sortFloats differs from slices.Sort")
	}
}
