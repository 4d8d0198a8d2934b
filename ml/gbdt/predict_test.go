package gbdt

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestPredictConcurrentFirstUse predicts from several goroutines on a model
// that has never predicted, so the lazily built prediction layout is built
// under contention (run with -race), and checks that every goroutine and the
// single-row path agree exactly.
func TestPredictConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	x, y := higgsLike(t, 2000)
	res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{Objective: BinaryLogistic, NEstimators: 30, MaxDepth: 5, LearningRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := res.Model.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := m.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	outs := make([][]float64, 4)
	var wg sync.WaitGroup
	for g := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := m.Predict(context.Background(), x, Margin)
			if err != nil {
				t.Error(err)
			}
			outs[g] = p
		}()
	}
	wg.Wait()
	for g := 1; g < len(outs); g++ {
		if !slices.Equal(outs[0], outs[g]) {
			t.Fatalf("goroutine %d predicted differently", g)
		}
	}
	want, err := res.Model.Predict(context.Background(), x, Margin)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(want, outs[0]) {
		t.Error("the loaded model predicts differently from the trained one")
	}
	rd, _ := m.newReader(x)
	row := make([]float64, x.NumColumns())
	for i := 0; i < x.Len(); i += 97 {
		rd.fill(row, i, i+1)
		if got := m.PredictRow(row, Margin, nil); got[0] != want[i] {
			t.Fatalf("PredictRow(row %d) = %v, batch %v", i, got[0], want[i])
		}
	}
}
