package predict_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
	"github.com/mlcycle/mlcycle/ml/transform"
	"github.com/mlcycle/mlcycle/predict"
)

// fixture trains a small gbdt on a numeric, a categorical and a boolean
// column and returns its package.
func fixture(t testing.TB) (*predict.Package, *frame.Frame) {
	t.Helper()
	ctx := context.Background()
	n := 300
	x := make([]float64, n)
	city := make([]string, n)
	flag := make([]bool, n)
	y := make([]float64, n)
	cities := []string{"Oslo", "Bergen", "Tromsø"}
	miss := make([]bool, n)
	for i := range n {
		x[i] = float64(i%50) / 10
		city[i] = cities[i%3]
		flag[i] = i%4 == 0
		if x[i] > 2.5 || city[i] == "Bergen" {
			y[i] = 1
		}
		miss[i] = i%10 == 0
	}
	cx, _ := frame.NewFloat("x", x, frame.MaskOf(miss))
	cc, _ := frame.NewCategoricalFromStrings("city", city, nil)
	cb, _ := frame.NewBool("flag", flag, nil)
	f, err := frame.New(cx, cc, cb)
	if err != nil {
		t.Fatal(err)
	}
	schema := []transform.Field{{Name: "x", Logical: "float"}, {Name: "city", Logical: "categorical"}, {Name: "flag", Logical: "boolean"}}
	pipe, ft, err := transform.Fit(ctx, transform.DefaultSpec(schema, true), f, nil, transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := gbdt.Fit(ctx, gbdt.Data{X: ft, Y: y}, nil, gbdt.Params{Objective: gbdt.BinaryLogistic, NEstimators: 20, MaxDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	tj, _ := pipe.MarshalJSON()
	mj, _ := res.Model.MarshalJSON()
	var fields []predict.Field
	for _, in := range pipe.Inputs() {
		fields = append(fields, predict.Field{Name: in.Name, Logical: in.Logical, Categories: in.Categories, Required: in.Required})
	}
	return &predict.Package{Format: predict.Format, Version: predict.FormatVersion, Task: predict.TaskBinary, Target: "y",
		Classes: []string{"no", "yes"}, Threshold: 0.5, Schema: fields, Features: pipe.Outputs(), Transforms: tj,
		Algo: predict.AlgoGBDT, Model: mj}, f
}

func TestRoundTrip(t *testing.T) {
	p, f := fixture(t)
	m1, err := predict.New(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("package is not gzip: % x", b[:2])
	}
	m2, err := predict.Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// Plain JSON (a package unpacked with gunzip) loads too.
	zr, _ := gzip.NewReader(bytes.NewReader(b))
	var plain bytes.Buffer
	plain.ReadFrom(zr)
	m3, err := predict.Load(&plain)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r1, err := m1.Predict(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*predict.Model{m2, m3} {
		r, err := m.Predict(ctx, f)
		if err != nil || !slices.Equal(r.Probs, r1.Probs) || !slices.Equal(r.Pred, r1.Pred) {
			t.Errorf("loaded package predicts differently (%v)", err)
		}
	}
	for i := range r1.Len() {
		p := r1.Proba(i)
		if p[0]+p[1] != 1 && math.Abs(p[0]+p[1]-1) > 1e-15 || r1.Score(i) != p[1] {
			t.Fatalf("row %d: probabilities %v, score %v", i, p, r1.Score(i))
		}
		want := "no"
		if p[1] >= 0.5 {
			want = "yes"
		}
		if r1.Label(i) != want {
			t.Fatalf("row %d: label %q with p=%v", i, r1.Label(i), p[1])
		}
	}
}

func TestLoadErrors(t *testing.T) {
	p, _ := fixture(t)
	encode := func(mut func(map[string]any)) []byte {
		b, _ := json.Marshal(p)
		var m map[string]any
		json.Unmarshal(b, &m)
		mut(m)
		out, _ := json.Marshal(m)
		return out
	}
	for _, c := range []struct {
		name string
		doc  []byte
		err  error
		want string
	}{
		{"garbage", []byte("not a model"), predict.ErrFormat, "invalid character"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 1, 2}, predict.ErrFormat, ""},
		{"other format", encode(func(m map[string]any) { m["format"] = "mlflow" }), predict.ErrFormat, `format is "mlflow"`},
		{"newer version", encode(func(m map[string]any) { m["version"] = 9 }), predict.ErrVersion, "version 9"},
		{"bad task", encode(func(m map[string]any) { m["task"] = "ranking" }), predict.ErrFormat, `unknown task "ranking"`},
		{"binary with 3 classes", encode(func(m map[string]any) { m["classes"] = []string{"a", "b", "c"} }), predict.ErrFormat, "binary task with 3 classes"},
		{"features differ", encode(func(m map[string]any) { m["features"] = []string{"x"} }), predict.ErrFormat, "features"},
		{"unknown algo", encode(func(m map[string]any) { m["algo"] = "svm" }), predict.ErrFormat, `unknown algorithm "svm"`},
		{"regression task for a binary model", encode(func(m map[string]any) { m["task"] = "multiclass"; m["classes"] = []string{"a", "b", "c"} }), predict.ErrFormat, "needs 3"},
		{"threshold", encode(func(m map[string]any) { m["threshold"] = 1.5 }), predict.ErrFormat, "threshold"},
	} {
		_, err := predict.Load(bytes.NewReader(c.doc))
		if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %v saying %q", c.name, err, c.err, c.want)
		}
	}
}

func TestFrameFromRecords(t *testing.T) {
	p, f := fixture(t)
	m, err := predict.New(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Records equal to rows 1, 2 and 10 of the training frame, one with
	// an unseen category, one without x (imputed as missing), one with
	// numbers as strings.
	recs := []map[string]any{
		{"x": 0.1, "city": "Bergen", "flag": false},
		{"x": "0.2", "city": "Tromsø", "flag": "false"},
		{"city": "Oslo", "flag": 1.0},
		{"x": 4.0, "city": "Paris", "flag": nil},
	}
	rf, err := predict.FrameFromRecords(m.Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Predict(ctx, rf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.Take([]int{1, 2, 0})
	want, err := m.Predict(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Probs[:6], want.Probs) {
		t.Errorf("records predict %v, the same rows from a frame %v", got.Probs[:6], want.Probs)
	}
	if got.Len() != 4 || got.Label(3) == "" {
		t.Errorf("unseen category row not scored: %d rows", got.Len())
	}
	for _, c := range []struct {
		recs []map[string]any
		want string
	}{
		{[]map[string]any{{"x": 1.0, "colour": "red"}}, `record 0: unknown field "colour"`},
		{[]map[string]any{{"x": 1.0}, {"x": "ten"}}, `record 1: field "x": "ten" is not a number`},
		{[]map[string]any{{"flag": "maybe"}}, `field "flag": "maybe" is not a boolean`},
		{[]map[string]any{{"city": []any{1}}}, `field "city": [1] is not a string`},
		{[]map[string]any{{}}, "no record has any of the model's fields"},
	} {
		_, err := predict.FrameFromRecords(m.Schema(), c.recs)
		if !errors.Is(err, predict.ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want ErrInput saying %q", c.recs, err, c.want)
		}
	}
}

func FuzzFrameFromRecords(f *testing.F) {
	p, _ := fixture(f)
	m, err := predict.New(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`[{"x": 1, "city": "Oslo", "flag": true}]`))
	f.Add([]byte(`[{"x": "1e400"}, {"city": 3}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var recs []map[string]any
		if json.Unmarshal(b, &recs) != nil {
			return
		}
		fr, err := predict.FrameFromRecords(m.Schema(), recs)
		if err != nil {
			return
		}
		if _, err := m.Predict(context.Background(), fr); err != nil && !errors.Is(err, predict.ErrInput) {
			t.Fatalf("predict: %v", err)
		}
	})
}
