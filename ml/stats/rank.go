package stats

import (
	"cmp"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// AverageRanks returns the rank of every value of x among the non-missing
// values of x: 1 for the smallest, and for a group of equal values the mean
// of the ranks the group spans (-0 equals +0). Missing (NaN) values get a
// NaN rank.
//
// For x without NaN this is scipy.stats.rankdata(x, method='average'); with
// NaN it is pandas Series.rank(method='average', na_option='keep'), the
// ranking pandas' Spearman correlation uses (pandas._libs.algos.rank_1d).
// The ranks are exact: they are integers or halves of integers.
func AverageRanks(x []float64) []float64 {
	ranks := make([]float64, len(x))
	var s sorter
	s.ranks(x, ranks, math.IsNaN)
	return ranks
}

// sorter ranks the values of a column; its buffers are reused between
// columns.
//
// It packs the top 64−b bits of each value's order-preserving key (see
// floatKey) and the b bits of its row number into one uint64, sorts those
// with an LSD radix sort (11-bit digits), and then sorts again, by the full
// key, the rare runs of values whose truncated keys are equal but whose
// values differ. For a million rows b is 20, so four passes over 8-byte
// words sort a column.
type sorter struct {
	a, b []uint64
	run  []entry
	hist [radixMaxPasses][radixBuckets]uint32
}

// entry is a full sort key and the row it came from.
type entry struct {
	key uint64
	row uint32
}

const (
	radixBits      = 11
	radixBuckets   = 1 << radixBits
	radixMask      = radixBuckets - 1
	radixMaxPasses = (64 + radixBits - 1) / radixBits
	// radixMin is the length below which a comparison sort is faster.
	radixMin = 1024
)

// floatKey maps a float64 other than NaN to a uint64 with the same order;
// -0 and +0 map to the same key.
func floatKey(v float64) uint64 {
	if v == 0 {
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// order returns the packed words (truncated key, row) of the values of x
// for which skip is false, sorted, and the number of row bits. The slice is
// owned by s and valid until its next use.
func (s *sorter) order(x []float64, skip func(float64) bool) ([]uint64, uint) {
	rowBits := uint(bits.Len(uint(len(x))))
	rowMask := uint64(1)<<rowBits - 1
	if cap(s.a) < len(x) {
		s.a = make([]uint64, 0, len(x))
	}
	a := s.a[:0]
	for i, v := range x {
		if !skip(v) {
			a = append(a, floatKey(v)&^rowMask|uint64(i))
		}
	}
	s.a = a
	n := len(a)
	if n < radixMin {
		slices.Sort(a)
		return a, rowBits
	}
	if cap(s.b) < n {
		s.b = make([]uint64, n)
	}
	b := s.b[:n]
	passes := int(64-rowBits+radixBits-1) / radixBits
	shifts := make([]uint, passes)
	for p := range shifts {
		shifts[p] = 64 - uint(passes-p)*radixBits // the last pass takes the top bits
		if shifts[p] < rowBits || p == 0 {
			shifts[p] = rowBits
		}
	}
	h := &s.hist
	*h = [radixMaxPasses][radixBuckets]uint32{}
	for _, k := range a {
		for p, sh := range shifts {
			h[p][k>>sh&radixMask]++
		}
	}
	for p, sh := range shifts {
		hp := &h[p]
		if hp[a[0]>>sh&radixMask] == uint32(n) {
			continue // every key has this digit
		}
		var sum uint32
		for d, c := range hp {
			hp[d] = sum
			sum += c
		}
		for _, k := range a {
			d := k >> sh & radixMask
			b[hp[d]] = k
			hp[d]++
		}
		a, b = b, a
	}
	s.a, s.b = a, b
	return a, rowBits
}

// ranks writes the average ranks of the values of x for which skip is false
// into ranks, NaN for the others, and returns the number of those values.
func (s *sorter) ranks(x, ranks []float64, skip func(float64) bool) int {
	a, rowBits := s.order(x, skip)
	rowMask := uint64(1)<<rowBits - 1
	n := len(a)
	if n < len(x) {
		for i, v := range x {
			if skip(v) {
				ranks[i] = math.NaN()
			}
		}
	}
	for i := 0; i < n; {
		// A run of equal truncated keys, sorted by row.
		j := i + 1
		for j < n && a[j]&^rowMask == a[i]&^rowMask {
			j++
		}
		if j == i+1 {
			row := uint32(a[i] & rowMask)
			ranks[row] = float64(i + 1)
			i = j
			continue
		}
		run := s.run[:0]
		for _, k := range a[i:j] {
			row := uint32(k & rowMask)
			run = append(run, entry{floatKey(x[row]), row})
		}
		s.run = run
		slices.SortStableFunc(run, func(p, q entry) int { return cmp.Compare(p.key, q.key) })
		for t := 0; t < len(run); {
			u := t + 1
			for u < len(run) && run[u].key == run[t].key {
				u++
			}
			r := float64(i+t+1+i+u) / 2
			for v := t; v < u; v++ {
				ranks[run[v].row] = r
			}
			t = u
		}
		i = j
	}
	return n
}

// parallel calls fn(w, i) for every i in [0, n) from up to GOMAXPROCS
// goroutines; w in [0, workers) identifies the calling goroutine so that fn
// can use per-goroutine scratch space. It returns when all calls have.
func parallel(n int, fn func(w, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		})
	}
	wg.Wait()
}

// workers returns the number of goroutines parallel(n, ...) uses.
func workers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }
