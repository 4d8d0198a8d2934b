package stats

import "math"

// Histogram counts the finite values of x in bins equal-width bins and
// returns the bins+1 bin edges and the bins counts, equal to
// numpy.histogram(x[~isnan(x)], bins) of NumPy 1.24:
//
//   - The bins span [min, max] of the values; when min == max they span
//     [min−0.5, max+0.5]; with no value they span [0, 1] and count nothing.
//   - Edge i is min + i·(max−min)/bins (numpy.linspace), the last edge is
//     max exactly.
//   - Every bin is half-open [edge i, edge i+1) except the last, which also
//     holds max. A value is placed with NumPy's rule: its index is
//     ⌊(v−min)·(bins/(max−min))⌋, corrected by one when rounding put it on
//     the wrong side of an edge.
//
// Missing (NaN) values are skipped. NumPy refuses data with infinite values;
// Histogram skips them too, so the bins span the finite values. Histogram
// returns nil, nil when bins < 1.
func Histogram(x []float64, bins int) (edges []float64, counts []int64) {
	if bins < 1 {
		return nil, nil
	}
	first, last := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			continue
		}
		first = min(first, v)
		last = max(last, v)
	}
	if first > last { // no finite value
		first, last = 0, 1
	}
	if first == last {
		first -= 0.5
		last += 0.5
	}

	edges = make([]float64, bins+1)
	delta := last - first
	step := delta / float64(bins)
	for i := range edges {
		if step == 0 {
			edges[i] = float64(i)/float64(bins)*delta + first
		} else {
			edges[i] = float64(i)*step + first
		}
	}
	edges[bins] = last

	counts = make([]int64, bins)
	norm := float64(bins) / (last - first)
	for _, v := range x {
		if !(v >= first && v <= last) { // NaN, ±Inf
			continue
		}
		i := int((v - first) * norm)
		if i == bins {
			i--
		}
		if v < edges[i] {
			i--
		}
		if i != bins-1 && v >= edges[i+1] {
			i++
		}
		counts[i]++
	}
	return edges, counts
}
