package stats

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkRankColumn(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 1_000_000)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	r := make([]float64, len(x))
	var s sorter
	for b.Loop() {
		s.ranks(x, r, notFinite)
	}
}
