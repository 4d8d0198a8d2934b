package drift_test

import (
	"fmt"

	"github.com/mlcycle/mlcycle/ml/drift"
)

func ExampleKS() {
	a := []float64{0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64}
	b := []float64{1.12, 0.93, 2.48, 1.35, 0.58, 1.71, 0.43, 1.09, 2.01, 1.52}
	r := drift.KS(a, b)
	fmt.Printf("D = %.2f, p = %.4f (%s)\n", r.Statistic, r.PValue, r.Method)
	// Output: D = 0.70, p = 0.0123 (exact)
}

func ExamplePSI() {
	baseline := make([]float64, 1000)
	current := make([]float64, 1000)
	for i := range baseline {
		baseline[i] = float64(i)
		current[i] = float64(i) + 150 // shifted by 15% of the range
	}
	edges := drift.QuantileEdges(baseline, drift.PSIBins) // baseline is sorted
	psi := drift.PSI(drift.BinCounts(edges, baseline), drift.BinCounts(edges, current))
	fmt.Printf("%d edges, PSI = %.3f\n", len(edges), psi)
	// Output: 9 edges, PSI = 0.862
}
