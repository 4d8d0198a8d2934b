package linear_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/linear"
)

// synthetic returns n rows of p standard normal features (deterministic
// PCG) and labels drawn from a logistic model.
func synthetic(n, p int) (*frame.Frame, []int) {
	rng := rand.New(rand.NewPCG(7, 11))
	cols := make([][]float64, p)
	for j := range cols {
		cols[j] = make([]float64, n)
	}
	beta := make([]float64, p)
	for j := range beta {
		beta[j] = rng.NormFloat64() / math.Sqrt(float64(p))
	}
	y := make([]int, n)
	for i := 0; i < n; i++ {
		z := 0.3
		for j := range cols {
			v := rng.NormFloat64()
			cols[j][i] = v
			z += beta[j] * v
		}
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
	}
	fc := make([]frame.Column, p)
	for j := range cols {
		fc[j], _ = frame.NewFloat("f"+strconv.Itoa(j), cols[j], nil)
	}
	x, _ := frame.New(fc...)
	return x, y
}

func BenchmarkLogistic1M(b *testing.B) {
	x, y := synthetic(1_000_000, 28)
	b.ResetTimer()
	for b.Loop() {
		m, err := linear.FitLogistic(context.Background(), x, y, nil, linear.Params{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Report.Iterations), "iters")
		b.ReportMetric(float64(m.Report.Evaluations), "evals")
	}
}
