package transform

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlcycle/mlcycle/ml/stats"
)

// Selection gives exactly the sorted-order statistics (NumPy's median and
// linear quantile), on data with many ties too.
func TestSelectionEqualsSort(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for it := 0; it < 2000; it++ {
		n := 1 + r.IntN(300)
		v := make([]float64, n)
		distinct := 1 + r.IntN(n+1)
		for i := range v {
			v[i] = float64(r.IntN(distinct)) * 0.37
			if it%3 == 0 {
				v[i] = r.NormFloat64()
			}
		}
		s := slices.Clone(v)
		slices.Sort(s)
		if got, want := medianSel(slices.Clone(v)), stats.MedianSorted(s); got != want {
			t.Fatalf("medianSel(%v) = %v, want %v", v, got, want)
		}
		for _, p := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 1, r.Float64()} {
			if got, want := quantileSel(slices.Clone(v), p), stats.QuantileSorted(s, p); got != want {
				t.Fatalf("quantileSel(%v, %v) = %v, want %v", v, p, got, want)
			}
		}
	}
}
