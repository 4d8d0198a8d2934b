package transform

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

var (
	fuzzOnce sync.Once
	fuzzP    *Pipeline
	fuzzJSON []byte
)

// fuzzPipeline is fitted on smallFrame with every kind of step.
func fuzzPipeline(t testing.TB) *Pipeline {
	fuzzOnce.Do(func() {
		lo, hi := 0.1, 0.9
		spec := Spec{
			Columns: map[string][]Step{
				"age":       {{Impute: "median", Indicator: true}, {YeoJohnson: true}, {Clip: &Clip{LowerQ: &lo, UpperQ: &hi}}, {Scale: "standard"}},
				"income":    {{Bins: &Bins{N: 3}}, {Scale: "robust"}},
				"household": {{Log: true}},
				"city":      {{OneHot: &OneHot{MaxCategories: 3}}},
				"vip":       {},
				"seen":      {{DateParts: datePartNames}},
				"note":      {{TextHash: &TextHash{NFeatures: 16, NgramMax: 2}}},
			},
			Derived:      []Derived{{Name: "r", Expr: "income / (household + 1) ^ 2"}},
			Interactions: [][2]string{{"age", "r"}},
		}
		spec2 := Spec{Drop: []string{"age", "income", "household", "vip", "seen", "note"}, Columns: map[string][]Step{"city": {{Target: &TargetEncoding{Folds: 2}}}}}
		var err error
		fuzzP, _, err = Fit(context.Background(), spec, smallFrame(t), nil, Options{})
		if err != nil {
			panic(err)
		}
		p2, _, err := Fit(context.Background(), spec2, smallFrame(t), &Target{Values: []float64{0, 1, 2, 0, 1, 2}, NumClass: 3}, Options{})
		if err != nil {
			panic(err)
		}
		fuzzJSON, _ = json.Marshal(p2)
	})
	return fuzzP
}

// frameFromBytes builds a frame of up to 8 columns named like smallFrame's
// (or not), of any kind, with values and missing rows taken from b.
func frameFromBytes(b []byte) (*frame.Frame, bool) {
	if len(b) < 2 {
		return nil, false
	}
	n := int(b[0] % 9)
	ncol := int(b[1] % 9)
	b = b[2:]
	next := func() byte {
		if len(b) == 0 {
			return 0
		}
		c := b[0]
		b = b[1:]
		return c
	}
	names := []string{"age", "income", "household", "city", "vip", "seen", "note", "other"}
	var cols []frame.Column
	used := map[string]bool{}
	for j := 0; j < ncol; j++ {
		name := names[int(next())%len(names)]
		if used[name] {
			continue
		}
		used[name] = true
		miss := make([]bool, n)
		for i := range miss {
			miss[i] = next()%5 == 0
		}
		mask := frame.MaskOf(miss)
		var c frame.Column
		var err error
		switch next() % 5 {
		case 0:
			v := make([]float64, n)
			specials := []float64{0, -1, 1e308, -1e308, math.Inf(1), math.Inf(-1), 1e-300, 2.5}
			for i := range v {
				k := next()
				if k < 8 {
					v[i] = specials[k]
				} else {
					v[i] = float64(int8(k)) / 3
				}
			}
			c, err = frame.NewFloat(name, v, mask)
		case 1:
			v := make([]string, n)
			for i := range v {
				v[i] = []string{"oslo", "bergen", "", "paris", "great value", "ÄÖ ß", "\xff\xfe"}[next()%7]
			}
			c, err = frame.NewCategoricalFromStrings(name, v, mask)
		case 2:
			v := make([]bool, n)
			for i := range v {
				v[i] = next()%2 == 0
			}
			c, err = frame.NewBool(name, v, mask)
		case 3:
			v := make([]int64, n)
			for i := range v {
				v[i] = int64(next()) * int64(next()) * 1e15
				if next()%2 == 0 {
					v[i] = -v[i]
				}
			}
			c, err = frame.NewTime(name, v, mask)
		case 4:
			v := make([]string, n)
			for i := range v {
				v[i] = strings.Repeat("ab ", int(next()%4)) + string([]byte{next(), next()})
			}
			c, err = frame.NewString(name, v, mask)
		}
		if err != nil {
			return nil, false
		}
		cols = append(cols, c)
	}
	f, err := frame.New(cols...)
	return f, err == nil
}

func FuzzApply(f *testing.F) {
	f.Add([]byte{3, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{5, 7, 0, 1, 2, 3, 4, 5, 6, 7, 3, 1, 1, 1, 1, 1, 0, 0})
	f.Add([]byte{8, 8, 6, 0, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 200, 100, 50, 25, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzPipeline(t)
		x, ok := frameFromBytes(b)
		if !ok {
			return
		}
		out, err := p.Apply(context.Background(), x)
		if err != nil {
			return
		}
		if out.Len() != x.Len() && x.NumColumns() > 0 {
			t.Fatalf("Apply returned %d rows for %d", out.Len(), x.Len())
		}
		var q Pipeline
		if err := json.Unmarshal(fuzzJSON, &q); err != nil {
			t.Fatal(err)
		}
		_, _ = q.Apply(context.Background(), x)
	})
}

// FuzzUnmarshal feeds arbitrary encodings to UnmarshalJSON; whatever loads
// must apply without panicking.
func FuzzUnmarshal(f *testing.F) {
	fuzzPipeline(f)
	b, _ := json.Marshal(fuzzP)
	f.Add(b)
	f.Add(fuzzJSON)
	f.Add([]byte(`{"format":"mlcycle.transform","version":1,"inputs":[],"columns":[],"outputs":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Pipeline
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		_, _ = p.Apply(context.Background(), smallFrame(t))
		_ = p.Outputs()
		_ = p.Inputs()
	})
}

// TestUnmarshalMutations corrupts encoded pipelines at random bytes (a
// deterministic complement to FuzzUnmarshal, whose coverage-guided runs are
// slow on inputs this large): whatever loads must apply without panicking.
func TestUnmarshalMutations(t *testing.T) {
	t.Parallel()
	fuzzPipeline(t)
	seeds := [][]byte{mustJSON(t, fuzzP), fuzzJSON}
	r := rand.New(rand.NewPCG(1, 2))
	x := smallFrame(t)
	loaded := 0
	for it := 0; it < 20000; it++ {
		b := append([]byte(nil), seeds[it%2]...)
		for k := 0; k < 1+r.IntN(4); k++ {
			b[r.IntN(len(b))] = "0123456789-.e\"{}[],:abz"[r.IntN(23)]
		}
		var p Pipeline
		if json.Unmarshal(b, &p) == nil {
			loaded++
			_, _ = p.Apply(context.Background(), x)
		}
	}
	if loaded == 0 {
		t.Errorf("no mutated pipeline loaded; the test exercises nothing")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestApplyRandomFrames is a deterministic complement to FuzzApply: random
// serving frames (absent columns, wrong kinds, infinities, odd text) never
// make Apply panic, and some of them transform.
func TestApplyRandomFrames(t *testing.T) {
	t.Parallel()
	p := fuzzPipeline(t)
	r := rand.New(rand.NewPCG(3, 4))
	applied := 0
	for it := 0; it < 50000; it++ {
		b := make([]byte, 2+r.IntN(200))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		x, ok := frameFromBytes(b)
		if !ok {
			continue
		}
		out, err := p.Apply(context.Background(), x)
		if err != nil {
			continue
		}
		applied++
		if got, want := out.Names(), p.Outputs(); !equalStrings(got, want) {
			t.Fatalf("outputs %q, want %q", got, want)
		}
	}
	if applied == 0 {
		t.Errorf("no random frame applied; the test exercises only errors")
	}
}
