package forest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// benchData draws rows × nf features as testdata/forest/make_reference.py
// draws its speed reference: X standard normal and
// y = [x0 + x1·x2 − x3 + 0.5·sin(2·x4) + 0.5·e > 0].
func benchData(b *testing.B, rows, nf int) Data {
	r := rand.New(rand.NewPCG(1, 1))
	cols := make([][]float64, nf)
	names := make([]string, nf)
	for j := range cols {
		cols[j] = make([]float64, rows)
		names[j] = fmt.Sprintf("f%d", j)
		for i := range rows {
			cols[j][i] = r.NormFloat64()
		}
	}
	y := make([]float64, rows)
	for i := range rows {
		s := cols[0][i] + cols[1][i]*cols[2][i] - cols[3][i] + 0.5*math.Sin(2*cols[4][i]) + 0.5*r.NormFloat64()
		if s > 0 {
			y[i] = 1
		}
	}
	return Data{X: floatFrame(b, cols, names), Y: y}
}

// BenchmarkFit fits the forest of testdata/forest/reference.json's "bench"
// entry (100,000 × 28 rows, 20 fully grown trees, max_features sqrt) and
// reports scikit-learn's time from there as sklearn-s.
func BenchmarkFit(b *testing.B) {
	ref := loadReference(b)
	d := benchData(b, 100_000, 28)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(ctx, d, Params{NEstimators: ref.Bench.Trees}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ref.Bench.Seconds, "sklearn-s")
}
