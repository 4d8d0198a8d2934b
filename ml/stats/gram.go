package stats

import "math"

const (
	// blockRows is the number of rows of every column held in scratch space
	// while all pairs of columns are accumulated over them: 29 columns take
	// 58 KiB.
	blockRows = 256
	// chunkRows is the number of rows whose sums are accumulated separately
	// and then added in row order, so that results do not depend on which
	// goroutine handled which rows.
	chunkRows = 1 << 14
	// sumsBudget bounds the memory, in bytes, that the per-chunk sums of a
	// Gram pass may take; with many columns chunks get longer instead.
	sumsBudget = 64 << 20
	// cancelTol is the fraction of Σ(x−shift)² below which a pair's variance
	// Σ(x−shift)² − (Σ(x−shift))²/n has lost too many digits to cancellation
	// (the pair's mean is more than 1/√cancelTol = 10 standard deviations
	// from the shift).
	cancelTol = 1e-2
)

// gram accumulates, for pairs of columns, the sums from which their
// correlation follows: over the rows where both are finite, the count and
// the sums of x̃, ỹ, x̃², ỹ² and x̃ỹ, where x̃ = x − shift of its column.
type gram struct {
	k, n  int
	cols  [][]float64
	shift []float64
	miss  []bool // the column has a value that is not finite
	want  []bool // k×k, [i*k+j] for i <= j: the pair is wanted; nil: all are
}

// gramSums are the sums of a gram pass (or of one chunk of its rows) for
// pairs i <= j, stored at [i*k+j].
type gramSums struct {
	k, n  int
	clean []bool    // the column has no missing value (shared, read-only)
	col   []float64 // Σ x̃ of each column without missing values
	xy    []float64 // Σ x̃ỹ
	// For pairs with a missing value: count, Σx̃, Σỹ, Σx̃², Σỹ².
	pn, px, py, pxx, pyy []float64
}

func newSums(k, n int, clean []bool, missing bool) *gramSums {
	s := &gramSums{k: k, n: n, clean: clean, col: make([]float64, k), xy: make([]float64, k*k)}
	if missing {
		s.pn, s.px, s.py = make([]float64, k*k), make([]float64, k*k), make([]float64, k*k)
		s.pxx, s.pyy = make([]float64, k*k), make([]float64, k*k)
	}
	return s
}

func (s *gramSums) add(o *gramSums) {
	for _, p := range [][2][]float64{{s.col, o.col}, {s.xy, o.xy}, {s.pn, o.pn}, {s.px, o.px}, {s.py, o.py}, {s.pxx, o.pxx}, {s.pyy, o.pyy}} {
		for i, v := range p[1] {
			p[0][i] += v
		}
	}
}

// pairSums are the sums of one pair.
type pairSums struct{ n, x, y, xx, yy, xy float64 }

// at returns the sums of pair i <= j. For columns without missing values
// the count, Σx̃ and Σx̃² are kept once per column, not per pair.
func (s *gramSums) at(i, j int) pairSums {
	k := s.k
	if s.clean[i] && s.clean[j] {
		return pairSums{n: float64(s.n), x: s.col[i], y: s.col[j], xx: s.xy[i*k+i], yy: s.xy[j*k+j], xy: s.xy[i*k+j]}
	}
	p := i*k + j
	return pairSums{n: s.pn[p], x: s.px[p], y: s.py[p], xx: s.pxx[p], yy: s.pyy[p], xy: s.xy[p]}
}

// corr returns the correlation of the pair, NaN when it has no row or a
// constant column, and false when cancellation makes the sums unreliable
// and the pair must be computed another way.
func (p pairSums) corr() (float64, bool) {
	if p.n < 1 {
		return math.NaN(), true
	}
	vx := p.xx - p.x*p.x/p.n
	vy := p.yy - p.y*p.y/p.n
	if p.xx > 0 && vx <= cancelTol*p.xx || p.yy > 0 && vy <= cancelTol*p.yy {
		return 0, false
	}
	d := math.Sqrt(vx * vy)
	if d == 0 || math.IsNaN(d) {
		return math.NaN(), true
	}
	return (p.xy - p.x*p.y/p.n) / d, true
}

// run accumulates the sums of all wanted pairs and of the diagonal.
func (g *gram) run() *gramSums {
	k, n := g.k, g.n
	clean := make([]bool, k)
	missing := false
	for c, m := range g.miss {
		clean[c] = !m
		missing = missing || m
	}
	wanted := func(i, j int) bool { return i == j || g.want == nil || g.want[i*k+j] }

	// The pairs of clean columns, by first column, and the other pairs.
	cleanJ := make([][]int, k)
	var mixed [][2]int
	for i := range k {
		for j := i; j < k; j++ {
			switch {
			case !wanted(i, j):
			case clean[i] && clean[j]:
				cleanJ[i] = append(cleanJ[i], j)
			default:
				mixed = append(mixed, [2]int{i, j})
			}
		}
	}

	rows := chunkRows
	per := 8 * (k + 6*k*k)
	if maxChunks := max(1, sumsBudget/per); (n+rows-1)/rows > maxChunks {
		rows = (n + maxChunks - 1) / maxChunks
		rows = (rows + blockRows - 1) / blockRows * blockRows
	}
	chunks := (n + rows - 1) / rows
	parts := make([]*gramSums, chunks)
	type scratch struct{ x, m []float64 }
	scr := make([]*scratch, workers(chunks))
	ones := make([]float64, blockRows)
	for i := range ones {
		ones[i] = 1
	}
	parallel(chunks, func(w, c int) {
		if scr[w] == nil {
			scr[w] = &scratch{x: make([]float64, k*blockRows), m: make([]float64, k*blockRows)}
		}
		sc := scr[w]
		acc := newSums(k, 0, clean, missing)
		end := min(n, (c+1)*rows)
		for r0 := c * rows; r0 < end; r0 += blockRows {
			m := min(blockRows, end-r0)
			xs := func(c int) []float64 { return sc.x[c*blockRows : c*blockRows+m] }
			ms := func(c int) []float64 {
				if clean[c] {
					return ones[:m]
				}
				return sc.m[c*blockRows : c*blockRows+m]
			}
			for col := range k {
				src, dst, sh := g.cols[col][r0:r0+m], xs(col), g.shift[col]
				if clean[col] {
					s := 0.0
					for t, v := range src {
						d := v - sh
						dst[t] = d
						s += d
					}
					acc.col[col] += s
					continue
				}
				mk := ms(col)
				for t, v := range src {
					if notFinite(v) {
						dst[t], mk[t] = 0, 0
					} else {
						dst[t], mk[t] = v-sh, 1
					}
				}
			}
			for i, js := range cleanJ {
				a := xs(i)
				q := 0
				for ; q+4 <= len(js); q += 4 {
					s0, s1, s2, s3 := dot4(a, xs(js[q]), xs(js[q+1]), xs(js[q+2]), xs(js[q+3]))
					acc.xy[i*k+js[q]] += s0
					acc.xy[i*k+js[q+1]] += s1
					acc.xy[i*k+js[q+2]] += s2
					acc.xy[i*k+js[q+3]] += s3
				}
				for ; q < len(js); q++ {
					acc.xy[i*k+js[q]] += dot(a, xs(js[q]))
				}
			}
			for _, p := range mixed {
				i, j := p[0], p[1]
				cnt, sx, sy, sxx, syy, sxy := maskedSums(xs(i), xs(j), ms(i), ms(j))
				q := i*k + j
				acc.pn[q] += cnt
				acc.px[q] += sx
				acc.py[q] += sy
				acc.pxx[q] += sxx
				acc.pyy[q] += syy
				acc.xy[q] += sxy
			}
		}
		parts[c] = acc
	})
	total := newSums(k, n, clean, missing)
	for _, p := range parts {
		total.add(p)
	}
	return total
}

// dot returns Σ a[i]·b[i].
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot4 returns the dot products of a with b0, b1, b2 and b3.
func dot4(a, b0, b1, b2, b3 []float64) (s0, s1, s2, s3 float64) {
	b0, b1, b2, b3 = b0[:len(a)], b1[:len(a)], b2[:len(a)], b3[:len(a)]
	for i, v := range a {
		s0 += v * b0[i]
		s1 += v * b1[i]
		s2 += v * b2[i]
		s3 += v * b3[i]
	}
	return
}

// maskedSums returns, over the rows where both masks are 1, the count and
// the sums of x, y, x², y² and xy; x and y are 0 where their mask is 0.
func maskedSums(x, y, mx, my []float64) (n, sx, sy, sxx, syy, sxy float64) {
	y, mx, my = y[:len(x)], mx[:len(x)], my[:len(x)]
	for i, a := range x {
		b, ma, mb := y[i], mx[i], my[i]
		n += ma * mb
		sx += a * mb
		sy += b * ma
		sxx += a * a * mb
		syy += b * b * ma
		sxy += a * b
	}
	return
}
