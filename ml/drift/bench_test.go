package drift

import (
	"context"
	"sync"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// benchFrame returns a frame of k numeric columns of n rows: column j is
// uniform on [shift·j, shift·j + 1 + j) from an LCG seeded with seed.
func benchFrame(k, n int, seed uint64, shift float64) *frame.Frame {
	cols := make([]frame.Column, k)
	s := seed
	for j := range cols {
		x := make([]float64, n)
		for i := range x {
			s = s*6364136223846793005 + 1442695040888963407
			u := float64(s>>11) * (1.0 / 9007199254740992.0)
			x[i] = shift*float64(j) + u*float64(1+j)
		}
		c, err := frame.NewFloat("f"+string(rune('a'+j%26))+string(rune('0'+j/26)), x, nil)
		if err != nil {
			panic(err)
		}
		cols[j] = c
	}
	f, err := frame.New(cols...)
	if err != nil {
		panic(err)
	}
	return f
}

var benchStats = sync.OnceValue(func() Statistics {
	st, err := Baseline(context.Background(), benchFrame(28, 1_000_000, 1, 0), BaselineOpts{})
	if err != nil {
		panic(err)
	}
	return st
})

// BenchmarkCompare compares 100,000 current rows of 28 numeric features
// with the statistics of a 1,000,000-row baseline (KS and Wasserstein
// against the 10,000-value sample, PSI and Jensen–Shannon on the bins).
func BenchmarkCompare(b *testing.B) {
	st := benchStats()
	cons := Suggest(st, SuggestOpts{})
	cur := benchFrame(28, 100_000, 2, 0.01)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compare(context.Background(), st, cons, cur); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaseline computes the statistics of 28 numeric features of
// 1,000,000 rows.
func BenchmarkBaseline(b *testing.B) {
	f := benchFrame(28, 1_000_000, 1, 0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Baseline(context.Background(), f, BaselineOpts{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKS1M runs KS on two samples of 1,000,000 values (the issue's
// monitor benchmark does this for 28 columns).
func BenchmarkKS1M(b *testing.B) {
	f := benchFrame(2, 1_000_000, 3, 0)
	x := f.Columns()[0].(*frame.FloatColumn).Values()
	y := f.Columns()[1].(*frame.FloatColumn).Values()
	b.ResetTimer()
	for b.Loop() {
		KS(x, y)
	}
}
