package stats

import (
	"fmt"
	"math"
	"slices"
)

// Pearson returns the k×k matrix of Pearson correlation coefficients of the
// k columns cols, equal to pandas 1.5.3 DataFrame.corr(method='pearson')
// (pandas._libs.algos.nancorr with the default min_periods=1):
//
//   - Entry [i][j] uses only the rows where both column i and column j hold
//     a finite value (pairwise-complete observations); pandas treats ±Inf
//     like NaN here, and so does Pearson.
//   - It is NaN when those rows are fewer than one, or when either column is
//     constant over them (pandas divides by zero and writes NaN): in
//     practice an entry needs two complete rows and two distinct values in
//     each column. So the diagonal is 1, or NaN for a column with fewer than
//     two distinct finite values.
//   - The matrix is symmetric.
//
// pandas computes the sums with Welford's method; Pearson centres each
// column on its mean and accumulates the sums in blocks of rows (in
// parallel), and uses Welford's method for the rare pairs in which the
// centring would lose precision. The results agree with pandas to about
// 1e-14 on well-conditioned data; where Welford's updates lose digits in
// pandas (|mean| ≫ std, e.g. 1e9 + N(0, 1)), Pearson is closer to the
// exact value. All columns must have the same length; Pearson panics
// otherwise.
func Pearson(cols [][]float64) [][]float64 {
	n := checkCols("Pearson", cols)
	k := len(cols)
	g := &gram{k: k, n: n, cols: cols, shift: make([]float64, k), miss: make([]bool, k)}
	parallel(k, func(_, c int) { g.shift[c], g.miss[c] = meanShift(cols[c]) })
	s := g.run()
	out := newMatrix(k)
	type pair struct{ i, j int }
	var exact []pair
	for j := range k {
		for i := range j + 1 {
			r, ok := s.at(i, j).corr()
			if !ok {
				exact = append(exact, pair{i, j})
				continue
			}
			out[i][j], out[j][i] = r, r
		}
	}
	parallel(len(exact), func(_, p int) {
		i, j := exact[p].i, exact[p].j
		r := welford(cols[i], cols[j])
		out[i][j], out[j][i] = r, r
	})
	return out
}

// Spearman returns the k×k matrix of Spearman rank correlation
// coefficients of the k columns cols, equal to pandas 1.5.3
// DataFrame.corr(method='spearman') (pandas._libs.algos.nancorr_spearman
// with the default min_periods=1):
//
//   - Entry [i][j] is the Pearson correlation of the average ranks
//     ([AverageRanks]) of columns i and j, both ranked among only the rows
//     where both hold a finite value: when the two columns have missing
//     values in different rows, each pair is ranked anew, as pandas does.
//   - The sums are centred on the exact mean rank (m+1)/2 of the m complete
//     rows; the entry is NaN when m is 0 or either column is constant over
//     the complete rows (so the diagonal is 1 or NaN, as in [Pearson]).
//   - ±Inf counts as missing. (pandas 1.5.3 ranks ±Inf as values before it
//     excludes them, which gives it different ranks for a column holding
//     -Inf; Spearman does not reproduce that.)
//
// Columns are ranked in parallel with a radix sort; columns and pairs with
// the same missing rows (all of them, when nothing is missing) share their
// ranks, and a pair with different missing rows is re-ranked in linear time
// from the columns' sorted orders. All columns must have the same length;
// Spearman panics otherwise.
func Spearman(cols [][]float64) [][]float64 {
	n := checkCols("Spearman", cols)
	k := len(cols)
	ranks := make([][]float64, k)
	missBits := make([][]uint64, k)
	g := &gram{k: k, n: n, cols: ranks, shift: make([]float64, k), miss: make([]bool, k)}
	sorters := make([]*sorter, workers(k))
	parallel(k, func(w, c int) {
		if sorters[w] == nil {
			sorters[w] = new(sorter)
		}
		ranks[c] = make([]float64, n)
		m := sorters[w].ranks(cols[c], ranks[c], notFinite)
		g.shift[c] = float64(m+1) / 2
		if m < n {
			g.miss[c] = true
			bits := make([]uint64, (n+63)/64)
			for r, v := range ranks[c] {
				if math.IsNaN(v) {
					bits[r/64] |= 1 << (r % 64)
				}
			}
			missBits[c] = bits
		}
	})

	// Pairs whose columns miss the same rows use the column ranks.
	g.want = make([]bool, k*k)
	type pair struct{ i, j int }
	var rerank []pair
	for j := range k {
		for i := range j + 1 {
			if g.miss[i] == g.miss[j] && slices.Equal(missBits[i], missBits[j]) {
				g.want[i*k+j] = true
			} else {
				rerank = append(rerank, pair{i, j})
			}
		}
	}
	s := g.run()
	out := newMatrix(k)
	for j := range k {
		for i := range j + 1 {
			if g.want[i*k+j] {
				// The centre is the exact mean rank: no cancellation.
				r, _ := s.at(i, j).corr()
				out[i][j], out[j][i] = r, r
			}
		}
	}

	// The sorted orders of the columns of re-ranked pairs, made from their
	// ranks when first needed.
	orders := make([][]uint32, k)
	var need []int
	for _, p := range rerank {
		for _, c := range []int{p.i, p.j} {
			if orders[c] == nil {
				orders[c] = []uint32{}
				need = append(need, c)
			}
		}
	}
	parallel(len(need), func(_, q int) { orders[need[q]] = rankOrder(ranks[need[q]]) })

	type scratch struct {
		rx, ry []float64
		kept   []uint32
	}
	sc := make([]*scratch, workers(len(rerank)))
	parallel(len(rerank), func(w, p int) {
		if sc[w] == nil {
			sc[w] = &scratch{rx: make([]float64, n), ry: make([]float64, n), kept: make([]uint32, 0, n)}
		}
		b := sc[w]
		i, j := rerank[p].i, rerank[p].j
		x, y := cols[i], cols[j]
		b.kept = subsetRanks(x, y, orders[i], b.rx, b.kept)
		b.kept = subsetRanks(y, x, orders[j], b.ry, b.kept)
		m := float64(len(b.kept))
		mean := (m + 1) / 2
		var sxy, sxx, syy float64
		for r := range n {
			if notFinite(x[r]) || notFinite(y[r]) {
				continue
			}
			vx, vy := b.rx[r]-mean, b.ry[r]-mean
			sxy += vx * vy
			sxx += vx * vx
			syy += vy * vy
		}
		r := math.NaN()
		if d := math.Sqrt(sxx * syy); d != 0 {
			r = sxy / d
		}
		out[i][j], out[j][i] = r, r
	})
	return out
}

// rankOrder returns the rows whose rank is not NaN sorted by rank, with a
// counting sort on twice the rank (an integer: ranks are halves of
// integers between 1 and len(ranks)).
func rankOrder(ranks []float64) []uint32 {
	start := make([]uint32, 2*len(ranks)+2)
	m := 0
	for _, r := range ranks {
		if !math.IsNaN(r) {
			start[int(2*r)]++
			m++
		}
	}
	var sum uint32
	for i, c := range start {
		start[i] = sum
		sum += c
	}
	out := make([]uint32, m)
	for row, r := range ranks {
		if !math.IsNaN(r) {
			out[start[int(2*r)]] = uint32(row)
			start[int(2*r)]++
		}
	}
	return out
}

// subsetRanks writes into ranks, at the rows where both x and other are
// finite, the average ranks of x among those rows; order lists the rows
// where x is finite sorted by x. It returns those rows (in x order) in
// kept, reusing its storage.
func subsetRanks(x, other []float64, order []uint32, ranks []float64, kept []uint32) []uint32 {
	kept = kept[:0]
	for _, r := range order {
		if !notFinite(other[r]) {
			kept = append(kept, r)
		}
	}
	m := len(kept)
	for a := 0; a < m; {
		v := x[kept[a]]
		b := a + 1
		for b < m && x[kept[b]] == v {
			b++
		}
		rk := float64(a+1+b) / 2
		for _, r := range kept[a:b] {
			ranks[r] = rk
		}
		a = b
	}
	return kept
}

func notFinite(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// checkCols returns the common length of cols and panics if they differ.
func checkCols(fn string, cols [][]float64) int {
	if len(cols) == 0 {
		return 0
	}
	n := len(cols[0])
	for c, col := range cols {
		if len(col) != n {
			panic(fmt.Sprintf("stats.%s: column %d has %d rows, column 0 has %d", fn, c, len(col), n))
		}
	}
	if int64(n) > math.MaxUint32 {
		panic(fmt.Sprintf("stats.%s: %d rows, more than 2³²−1", fn, n))
	}
	return n
}

// newMatrix returns a k×k matrix whose rows share one backing array.
func newMatrix(k int) [][]float64 {
	data := make([]float64, k*k)
	m := make([][]float64, k)
	for i := range m {
		m[i] = data[i*k : (i+1)*k : (i+1)*k]
	}
	return m
}

// meanShift returns the mean of the finite values of x (exactly the value
// when all are equal) and whether x has a value that is not finite.
func meanShift(x []float64) (shift float64, miss bool) {
	var s float64
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		if notFinite(v) {
			miss = true
			continue
		}
		s += v
		n++
		lo, hi = min(lo, v), max(hi, v)
	}
	switch {
	case n == 0:
		return 0, miss
	case lo == hi:
		return lo, miss
	}
	return s / float64(n), miss
}

// welford is pandas._libs.algos.nancorr for one pair of columns: Welford's
// method over the rows where both are finite.
func welford(x, y []float64) float64 {
	var nobs, mx, my, ssx, ssy, cov float64
	for i, vx := range x {
		vy := y[i]
		if notFinite(vx) || notFinite(vy) {
			continue
		}
		nobs++
		dx, dy := vx-mx, vy-my
		mx += 1 / nobs * dx
		my += 1 / nobs * dy
		ssx += (vx - mx) * dx
		ssy += (vy - my) * dy
		cov += (vx - mx) * dy
	}
	if nobs < 1 {
		return math.NaN()
	}
	d := math.Sqrt(ssx * ssy)
	if d == 0 {
		return math.NaN()
	}
	return cov / d
}
