package drift

import (
	"math"
	"slices"

	"github.com/mlcycle/mlcycle/ml/stats"
)

// PSIEpsilon replaces an empty share in PSI, so that a bin that one sample
// leaves empty adds a large but finite term instead of an infinite one.
const PSIEpsilon = 1e-4

// PSIBins is the number of baseline quantile bins PSI and the numeric
// Jensen–Shannon distance use.
const PSIBins = 10

// QuantileEdges returns the interior bin edges for a numeric feature: the
// quantiles of the baseline at 1/bins, 2/bins, …, (bins−1)/bins (NumPy's
// "linear" method, numpy.quantile), with repeated values removed (ties can
// make fewer bins). The outer edges are open: the first bin holds everything
// below the first edge and the last everything from the last edge up. sorted
// must be sorted ascending without NaN; with no value the result is nil
// (a single bin).
func QuantileEdges(sorted []float64, bins int) []float64 {
	if len(sorted) == 0 || bins < 2 {
		return nil
	}
	edges := make([]float64, 0, bins-1)
	for i := 1; i < bins; i++ {
		q := stats.QuantileSorted(sorted, float64(i)/float64(bins))
		if len(edges) == 0 || q != edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	return edges
}

// BinIndex returns the bin of v for interior edges: the number of edges at
// or below v (numpy.searchsorted(edges, v, side="right")), so bin i is
// [edge i−1, edge i) with open outer ends. It is −1 for NaN.
func BinIndex(edges []float64, v float64) int {
	if math.IsNaN(v) {
		return -1
	}
	k, _ := slices.BinarySearchFunc(edges, v, func(e, t float64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	return k
}

// BinCounts counts the non-NaN values of x in the len(edges)+1 bins of
// edges (see BinIndex).
func BinCounts(edges []float64, x []float64) []int64 {
	counts := make([]int64, len(edges)+1)
	for _, v := range x {
		if k := BinIndex(edges, v); k >= 0 {
			counts[k]++
		}
	}
	return counts
}

// PSI returns the population stability index of current counts against
// baseline counts over the same bins:
//
//	PSI = Σ (c_i − b_i) · ln(c_i / b_i)
//
// where b_i and c_i are the shares of bin i in the baseline and current
// counts, and a share of zero is replaced by PSIEpsilon (the shares are not
// renormalised). PSI is 0 for identical shares and grows with the shift;
// common readings are < 0.1 stable, 0.1–0.2 moderate, > 0.2 significant.
// It is NaN when either side has no count or the lengths differ.
func PSI(baseline, current []int64) float64 {
	if len(baseline) != len(current) || len(baseline) == 0 {
		return math.NaN()
	}
	var nb, nc int64
	for i := range baseline {
		nb += baseline[i]
		nc += current[i]
	}
	if nb <= 0 || nc <= 0 {
		return math.NaN()
	}
	terms := make([]float64, len(baseline))
	for i := range baseline {
		b := float64(baseline[i]) / float64(nb)
		c := float64(current[i]) / float64(nc)
		if b == 0 {
			b = PSIEpsilon
		}
		if c == 0 {
			c = PSIEpsilon
		}
		terms[i] = (c - b) * math.Log(c/b)
	}
	return npSum(terms)
}

// LInfinity returns the L-infinity distance max_i |p_i − q_i| between the
// distributions of two count vectors over the same categories (each divided
// by its sum), the categorical distance SageMaker Model Monitor and Deequ
// use. It is NaN when either side has no count or the lengths differ.
func LInfinity(p, q []int64) float64 {
	if len(p) != len(q) || len(p) == 0 {
		return math.NaN()
	}
	var np, nq int64
	for i := range p {
		np += p[i]
		nq += q[i]
	}
	if np <= 0 || nq <= 0 {
		return math.NaN()
	}
	d := 0.0
	for i := range p {
		d = math.Max(d, math.Abs(float64(p[i])/float64(np)-float64(q[i])/float64(nq)))
	}
	return d
}

// BinCountsSorted is BinCounts for values sorted ascending without NaN
// (the output of Sorted).
func BinCountsSorted(edges []float64, sorted []float64) []int64 {
	counts := make([]int64, len(edges)+1)
	prev := 0
	for i, e := range edges {
		k, _ := slices.BinarySearch(sorted, e) // the first value >= e
		counts[i] = int64(k - prev)
		prev = k
	}
	counts[len(edges)] = int64(len(sorted) - prev)
	return counts
}
