package stats_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/stats"
)

var nan = math.NaN()

// same reports whether a and b are equal, NaN equal to NaN.
func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// near reports whether a and b agree to tol, NaN equal to NaN.
func near(a, b, tol float64) bool {
	return same(a, b) || math.Abs(a-b) <= tol*max(1, math.Abs(b))
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    []float64
		want stats.Summary
	}{
		// The examples of pandas.core.nanops.nanskew and nankurt.
		{"pandas skew example", []float64{1, nan, 1, 2}, stats.Summary{
			Count: 3, Missing: 1, Mean: 4.0 / 3, Std: math.Sqrt(1.0 / 3), Min: 1, Max: 2,
			Skew: 1.7320508075688787, Kurt: nan}},
		{"pandas kurt example", []float64{1, nan, 1, 3, 2}, stats.Summary{
			Count: 4, Missing: 1, Mean: 1.75, Std: 0.9574271077563381, Min: 1, Max: 3,
			Skew: 0.8545630383279711, Kurt: -1.2892561983471076}},
		{"constant", []float64{0.1, 0.1, 0.1, 0.1}, stats.Summary{
			Count: 4, Mean: 0.1, Std: 0, Min: 0.1, Max: 0.1, Skew: 0, Kurt: 0}},
		{"empty", nil, stats.Summary{Mean: nan, Std: nan, Min: nan, Max: nan, Skew: nan, Kurt: nan}},
		{"all missing", []float64{nan, nan}, stats.Summary{Missing: 2, Mean: nan, Std: nan, Min: nan, Max: nan, Skew: nan, Kurt: nan}},
		{"one value", []float64{-0.0, nan}, stats.Summary{Count: 1, Missing: 1, Zeros: 1, Std: nan, Skew: nan, Kurt: nan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := stats.Describe(tc.x)
			w := tc.want
			if got.Count != w.Count || got.Missing != w.Missing || got.Zeros != w.Zeros {
				t.Errorf("Describe(%v) counts = %d, %d, %d, want %d, %d, %d", tc.x, got.Count, got.Missing, got.Zeros, w.Count, w.Missing, w.Zeros)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"Mean", got.Mean, w.Mean}, {"Std", got.Std, w.Std}, {"Min", got.Min, w.Min},
				{"Max", got.Max, w.Max}, {"Skew", got.Skew, w.Skew}, {"Kurt", got.Kurt, w.Kurt},
			} {
				if !near(f.got, f.want, 1e-15) {
					t.Errorf("Describe(%v).%s = %v, want %v", tc.x, f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestQuantiles(t *testing.T) {
	t.Parallel()
	probs := []float64{0, 0.1, 0.25, 0.5, 0.9, 1, -0.1, 1.5, nan}
	for _, tc := range []struct {
		name string
		x    []float64
		want []float64
	}{
		// numpy.quantile([3, 1, 4, 1, 5], probs)
		{"odd", []float64{3, 1, nan, 4, 1, 5}, []float64{1, 1, 1, 3, 4.6, 5, nan, nan, nan}},
		{"single", []float64{2}, []float64{2, 2, 2, 2, 2, 2, nan, nan, nan}},
		{"empty", []float64{nan}, []float64{nan, nan, nan, nan, nan, nan, nan, nan, nan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := stats.Quantiles(tc.x, probs)
			if !slices.EqualFunc(got, tc.want, same) {
				t.Errorf("Quantiles(%v, %v) = %v, want %v", tc.x, probs, got, tc.want)
			}
		})
	}
}

func TestHistogram(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		x          []float64
		bins       int
		wantEdges  []float64
		wantCounts []int64
	}{
		{"last bin closed", []float64{0, 1, 2, 3, 4, nan}, 2, []float64{0, 2, 4}, []int64{2, 3}},
		{"constant", []float64{5, 5}, 2, []float64{4.5, 5, 5.5}, []int64{0, 2}},
		{"no value", []float64{nan}, 2, []float64{0, 0.5, 1}, []int64{0, 0}},
		{"infinities skipped", []float64{math.Inf(-1), 1, 2, math.Inf(1)}, 1, []float64{1, 2}, []int64{2}},
		{"no bins", []float64{1}, 0, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			edges, counts := stats.Histogram(tc.x, tc.bins)
			if !slices.Equal(edges, tc.wantEdges) || !slices.Equal(counts, tc.wantCounts) {
				t.Errorf("Histogram(%v, %d) = %v, %v, want %v, %v", tc.x, tc.bins, edges, counts, tc.wantEdges, tc.wantCounts)
			}
		})
	}
}

func TestRobustOutliers(t *testing.T) {
	t.Parallel()
	rs := 1.4826 // a variable: the bounds are float64 arithmetic, not exact constants
	for _, tc := range []struct {
		name string
		x    []float64
		want stats.Outliers
	}{
		{"one far value", []float64{1, 2, 3, 4, 100, nan}, stats.Outliers{
			Median: 3, MAD: 1, RobustStd: rs, Lower: 3 - 5*rs, Upper: 3 + 5*rs, Count: 1}},
		{"zero MAD", []float64{0, 0, 0, 1}, stats.Outliers{Count: 1}},
		{"empty", nil, stats.Outliers{Median: nan, MAD: nan, RobustStd: nan, Lower: nan, Upper: nan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := stats.RobustOutliers(tc.x)
			w := tc.want
			if !same(got.Median, w.Median) || !same(got.MAD, w.MAD) || !same(got.RobustStd, w.RobustStd) ||
				!same(got.Lower, w.Lower) || !same(got.Upper, w.Upper) || got.Count != w.Count {
				t.Errorf("RobustOutliers(%v) = %+v, want %+v", tc.x, got, w)
			}
		})
	}
}

// naiveRanks ranks x with a comparison sort, for comparison with
// AverageRanks.
func naiveRanks(x []float64) []float64 {
	var idx []int
	for i, v := range x {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := range r {
		r[i] = nan
	}
	for a := 0; a < len(idx); {
		b := a + 1
		for b < len(idx) && x[idx[b]] == x[idx[a]] {
			b++
		}
		for _, i := range idx[a:b] {
			r[i] = float64(a+1+b) / 2
		}
		a = b
	}
	return r
}

func TestAverageRanks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]float64, 5000) // radix sort path
	for i := range big {
		switch i % 7 {
		case 0:
			big[i] = nan
		case 1:
			big[i] = float64(rng.IntN(20) - 10) // ties, -0 and +0 among them
		case 2:
			big[i] = math.Copysign(0, -1)
		default:
			big[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		}
	}
	big[3] = math.Inf(1)
	big[4] = math.Inf(-1)
	for _, tc := range []struct {
		name string
		x    []float64
		want []float64
	}{
		// scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6], method='average')
		{"scipy example", []float64{3, 1, 4, 1, 5, 9, 2, 6}, []float64{4, 1.5, 5, 1.5, 6, 8, 3, 7}},
		{"missing and signed zeros", []float64{nan, 0, -1, math.Copysign(0, -1)}, []float64{nan, 2.5, 1, 2.5}},
		{"empty", []float64{}, []float64{}},
		{"large", big, naiveRanks(big)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := stats.AverageRanks(tc.x)
			if !slices.EqualFunc(got, tc.want, same) {
				t.Errorf("AverageRanks(%v) = %v, want %v", tc.x, got, tc.want)
			}
		})
	}
}

// randomColumns returns k columns of n correlated values with a share of
// NaN in every column but the first two (different rows in each) and a
// column of small integers (ties).
func randomColumns(seed uint64, n, k int, missing float64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	cols := make([][]float64, k)
	for c := range cols {
		cols[c] = make([]float64, n)
	}
	for r := range n {
		z := rng.NormFloat64()
		for c := range cols {
			v := 0.5*z + rng.NormFloat64() + float64(c)*100
			if c == 2 {
				v = float64(rng.IntN(5))
			}
			if c >= 2 && rng.Float64() < missing {
				v = nan
			}
			cols[c][r] = v
		}
	}
	return cols
}

// pairwise returns the correlation of the complete rows of x and y computed
// directly: Pearson of the values, or of their ranks among those rows.
func pairwise(x, y []float64, ranks bool) float64 {
	var a, b []float64
	for i := range x {
		if !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			a, b = append(a, x[i]), append(b, y[i])
		}
	}
	if ranks {
		a, b = stats.AverageRanks(a), stats.AverageRanks(b)
	}
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i] / n
		mb += b[i] / n
	}
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	if saa == 0 || sbb == 0 {
		return nan
	}
	return sab / math.Sqrt(saa*sbb)
}

func TestCorrMatchesPairwise(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		n       int
		missing float64
	}{
		{"small", 40, 0.2},
		{"several chunks", 40000, 0.1},
		{"no missing", 20000, 0},
	} {
		cols := randomColumns(3, tc.n, 6, tc.missing)
		for _, m := range []struct {
			name  string
			fn    func([][]float64) [][]float64
			ranks bool
		}{{"pearson", stats.Pearson, false}, {"spearman", stats.Spearman, true}} {
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				got := m.fn(cols)
				for i := range cols {
					for j := range cols {
						if want := pairwise(cols[i], cols[j], m.ranks); !near(got[i][j], want, 1e-11) {
							t.Errorf("%s[%d][%d] = %v, want %v", m.name, i, j, got[i][j], want)
						}
					}
				}
			})
		}
	}
}

func TestCorrProperties(t *testing.T) {
	t.Parallel()
	cols := randomColumns(5, 3000, 5, 0.15)
	// A column with two values, one with one value and a constant one.
	two, one, constant := make([]float64, 3000), make([]float64, 3000), make([]float64, 3000)
	for i := range two {
		two[i], one[i], constant[i] = nan, nan, 4.2
	}
	two[10], two[20] = 1, 2
	one[5] = 3
	cols = append(cols, two, one, constant)
	perm := rand.New(rand.NewPCG(9, 9)).Perm(3000)
	shuffled := make([][]float64, len(cols))
	for c, col := range cols {
		shuffled[c] = make([]float64, len(col))
		for i, p := range perm {
			shuffled[c][i] = col[p]
		}
	}
	for _, m := range []struct {
		name string
		fn   func([][]float64) [][]float64
	}{{"pearson", stats.Pearson}, {"spearman", stats.Spearman}} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			got := m.fn(cols)
			for i := range got {
				wantDiag := 1.0
				if i >= 6 {
					wantDiag = nan // one value, constant
				}
				if !same(got[i][i], wantDiag) {
					t.Errorf("%s[%d][%d] = %v, want %v", m.name, i, i, got[i][i], wantDiag)
				}
				for j := range got {
					if !same(got[i][j], got[j][i]) {
						t.Errorf("%s[%d][%d] = %v, [%d][%d] = %v, want equal", m.name, i, j, got[i][j], j, i, got[j][i])
					}
					if r := got[i][j]; r < -1-1e-15 || r > 1+1e-15 {
						t.Errorf("%s[%d][%d] = %v, want within [-1, 1]", m.name, i, j, r)
					}
				}
			}
			if r := got[5][0]; !math.IsNaN(r) && math.Abs(r) != 1 {
				t.Errorf("%s of two complete rows = %v, want ±1 or NaN", m.name, r)
			}
			// Row order does not matter.
			again := m.fn(shuffled)
			for i := range got {
				for j := range got {
					if !near(again[i][j], got[i][j], 1e-12) {
						t.Errorf("%s[%d][%d] of shuffled rows = %v, want %v", m.name, i, j, again[i][j], got[i][j])
					}
				}
			}
		})
	}
}

func TestSpearmanMonotone(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	x := make([]float64, 2000)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	x[7] = nan
	for _, tc := range []struct {
		name string
		f    func(float64) float64
		want float64
	}{
		{"exp", math.Exp, 1},
		{"cube", func(v float64) float64 { return v * v * v }, 1},
		{"negated", func(v float64) float64 { return -v }, -1},
		{"decreasing step", func(v float64) float64 { return -math.Floor(v * 4) }, nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			y := make([]float64, len(x))
			for i, v := range x {
				y[i] = tc.f(v)
			}
			y[100] = nan // different missing rows: ranked anew
			got := stats.Spearman([][]float64{x, y})[0][1]
			if !math.IsNaN(tc.want) && got != tc.want {
				t.Errorf("Spearman(x, %s(x)) = %v, want %v", tc.name, got, tc.want)
			}
			if math.IsNaN(tc.want) && !(got < 0) {
				t.Errorf("Spearman(x, %s(x)) = %v, want negative", tc.name, got)
			}
		})
	}
}

func TestCorrPanicsOnLengths(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Errorf("Pearson of columns of 2 and 3 rows did not panic")
		}
	}()
	stats.Pearson([][]float64{{1, 2}, {1, 2, 3}})
}

func cat(codes []uint32, missing ...int) stats.Categorical {
	m := make([]bool, len(codes))
	for _, i := range missing {
		m[i] = true
	}
	return stats.Categorical{Codes: codes, Missing: frame.MaskOf(m)}
}

func TestCramersV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a, b stats.Categorical
		want float64
	}{
		{"perfect", cat([]uint32{0, 0, 1, 1}), cat([]uint32{7, 7, 3, 3}), 1},
		{"independent", cat([]uint32{0, 0, 1, 1}), cat([]uint32{0, 1, 0, 1}), 0},
		// The table [[10, 20], [30, 15]] spelled out as rows; the value is
		// scipy.stats.contingency.association([[10, 20], [30, 15]]).
		{"table", cat(repeat([]uint32{0, 0, 1, 1}, []int{10, 20, 30, 15})), cat(repeat([]uint32{0, 1, 0, 1}, []int{10, 20, 30, 15})), 0.32732683535398854},
		{"missing rows ignored", cat([]uint32{0, 0, 1, 1, 2}, 4), cat([]uint32{0, 0, 1, 1, 0}), 1},
		{"one category left", cat([]uint32{0, 1, 1}, 0), cat([]uint32{0, 1, 2}), nan},
		{"no rows", cat(nil), cat(nil), nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := stats.CramersV(tc.a, tc.b); !near(got, tc.want, 1e-15) {
				t.Errorf("CramersV(%v, %v) = %v, want %v", tc.a.Codes, tc.b.Codes, got, tc.want)
			}
		})
	}
}

// repeat returns codes[i] repeated n[i] times, in order.
func repeat(codes []uint32, n []int) []uint32 {
	var out []uint32
	for i, c := range codes {
		for range n[i] {
			out = append(out, c)
		}
	}
	return out
}

func TestCorrelationRatio(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    []float64
		g    stats.Categorical
		want float64
	}{
		{"separated groups", []float64{1, 1, 5, 5}, cat([]uint32{0, 0, 1, 1}), 1},
		{"equal means", []float64{1, 3, 1, 3}, cat([]uint32{0, 0, 1, 1}), 0},
		// Group means 1.5 and 4.5, mean 3: SS_between = 2·1.5² + 2·1.5² = 9,
		// SS_total = 4 + 1 + 1 + 4 = 10.
		{"partial", []float64{1, 2, 4, 5}, cat([]uint32{0, 0, 1, 1}), math.Sqrt(9.0 / 10)},
		{"missing rows ignored", []float64{1, 1, 5, 5, nan, 100}, cat([]uint32{0, 0, 1, 1, 0, 1}, 5), 1},
		{"constant", []float64{2, 2, 2}, cat([]uint32{0, 1, 2}), nan},
		{"no rows", []float64{nan}, cat([]uint32{0}), nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := stats.CorrelationRatio(tc.x, tc.g); !near(got, tc.want, 1e-15) {
				t.Errorf("CorrelationRatio(%v, %v) = %v, want %v", tc.x, tc.g.Codes, got, tc.want)
			}
		})
	}
}
