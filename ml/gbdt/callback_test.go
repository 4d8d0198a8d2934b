package gbdt

import (
	"context"
	"math"
	"slices"
	"testing"
)

// TestCallbackStops checks that a callback returning false stops training
// after that round, with the same trees as a fit of that many rounds, and
// that it sees every round's curve point.
func TestCallbackStops(t *testing.T) {
	x, y := synth(t, 2000, 5, 3)
	ctx := context.Background()
	base := Params{Objective: BinaryLogistic, NEstimators: 50, MaxDepth: 3}
	var seen []int
	p := base
	p.Callback = func(round int, r Round) bool {
		seen = append(seen, round)
		if !math.IsNaN(r.Train) || !math.IsNaN(r.Valid) {
			t.Errorf("round %d without validation set: curve point %+v, want NaNs", round, r)
		}
		return round < 6
	}
	got, err := Fit(ctx, Data{X: x, Y: y}, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("callback saw rounds %v, want 0..6", seen)
	}
	want := base
	want.NEstimators = 7
	ref, err := Fit(ctx, Data{X: x, Y: y}, nil, want)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model.NumTrees() != 7 {
		t.Fatalf("stopped model has %d trees, want 7", got.Model.NumTrees())
	}
	a, _ := got.Model.Predict(ctx, x, Value)
	b, _ := ref.Model.Predict(ctx, x, Value)
	if !slices.Equal(a, b) {
		t.Error("a fit stopped by the callback after 7 rounds predicts differently from a 7-round fit")
	}

	// With a validation set the callback gets the curve's points.
	var points []Round
	p.Callback = func(round int, r Round) bool { points = append(points, r); return true }
	p.EvalMetric = "auc"
	res, err := Fit(ctx, Data{X: x, Y: y}, &Data{X: x, Y: y}, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(points, res.Curve) || len(points) != 50 {
		t.Errorf("callback points (%d) differ from the result's curve (%d)", len(points), len(res.Curve))
	}
}
