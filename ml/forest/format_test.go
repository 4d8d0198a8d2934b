package forest

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// TestFormatRoundTrip saves and loads forests with missing values (which
// give +Inf thresholds) and checks bit-identical predictions.
func TestFormatRoundTrip(t *testing.T) {
	ctx := context.Background()
	n := 600
	x1, x2 := make([]float64, n), make([]float64, n)
	y := make([]float64, n)
	yr := make([]float64, n)
	for i := range n {
		x1[i] = float64(i%37) / 3
		x2[i] = float64((i*7)%11) - 5
		if i%5 == 0 {
			x1[i] = math.NaN()
		}
		y[i] = float64((i % 3) % 2)
		if x2[i] > 1 {
			y[i] = 2
		}
		yr[i] = x2[i]*2 + float64(i%4)
	}
	c1, _ := frame.NewFloat("x1", x1, nil)
	c2, _ := frame.NewFloat("x2", x2, nil)
	x, err := frame.New(c1, c2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		y    []float64
		p    Params
	}{
		{"multiclass", y, Params{NEstimators: 10, Seed: 1}},
		{"regression", yr, Params{Task: Regression, NEstimators: 10, Seed: 1}},
	} {
		res, err := Fit(ctx, Data{X: x, Y: tc.y}, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(res.Model)
		if err != nil {
			t.Fatalf("%s: marshal: %v", tc.name, err)
		}
		if !strings.Contains(string(b), `"format":"mlcycle.forest","version":"1.0"`) {
			t.Errorf("%s: no format header in %.80s", tc.name, b)
		}
		var back Model
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: unmarshal: %v", tc.name, err)
		}
		want, _ := res.Model.Predict(ctx, x)
		got, err := back.Predict(ctx, x)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: predictions after a round trip differ (%v)", tc.name, err)
		}
	}
	// Damaged documents fail with clear errors, never panic.
	for _, bad := range []struct{ doc, want string }{
		{`{"format":"mlcycle.forest","version":"2.0","task":"regression"}`, "major version 1"},
		{`{"format":"other","version":"1.0"}`, "format"},
		{`{"format":"mlcycle.forest","version":"1.0","task":"regression","features":[{"name":"a"}],"trees":[{"feature":[0,-1,-1],"threshold":[1,0,0],"missing_left":[true,false,false],"left":[0,-1,-1],"right":[2,-1,-1],"value":[1,2,3]}]}`, "bad feature or children"},
		{`{"format":"mlcycle.forest","version":"1.0","task":"regression","features":[{"name":"a"}],"trees":[{"feature":[-1],"threshold":[0],"missing_left":[true],"left":[-1],"right":[-1],"value":[1,2]}]}`, "unequal length"},
		{`{"format":"mlcycle.forest","version":"1.0","task":"classification","num_class":1}`, "task"},
	} {
		var m Model
		err := json.Unmarshal([]byte(bad.doc), &m)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want one saying %q", bad.doc, err, bad.want)
		}
		if strings.Contains(bad.doc, "2.0") && !errors.Is(err, ErrVersion) {
			t.Errorf("version error does not wrap ErrVersion: %v", err)
		}
	}
}
