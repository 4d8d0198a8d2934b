package stats_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlcycle/mlcycle/ml/stats"
)

// corrData returns n rows of k columns built from shared normal factors,
// with every fifth column rounded to integers (many ties), generated from a
// fixed PCG seed.
func corrData(n, k int) [][]float64 {
	rng := rand.New(rand.NewPCG(2024, 6))
	cols := make([][]float64, k)
	for c := range cols {
		cols[c] = make([]float64, n)
	}
	for r := range n {
		f1, f2 := rng.NormFloat64(), rng.NormFloat64()
		for c, col := range cols {
			v := float64(c%3)*f1 + float64(c%4)*f2 + rng.NormFloat64() + float64(c)
			if c%5 == 4 {
				v = math.Round(v * 2)
			}
			col[r] = v
		}
	}
	return cols
}

// BenchmarkCorr1M computes the Pearson and Spearman matrices of 1,000,000
// rows × 29 columns, the size the EDA report must handle in well under 2 s.
func BenchmarkCorr1M(b *testing.B) {
	cols := corrData(1_000_000, 29)
	for _, bc := range []struct {
		name string
		fn   func([][]float64)
	}{
		{"Pearson", func(c [][]float64) { stats.Pearson(c) }},
		{"Spearman", func(c [][]float64) { stats.Spearman(c) }},
		{"Both", func(c [][]float64) { stats.Pearson(c); stats.Spearman(c) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.fn(cols)
			}
		})
	}
}
