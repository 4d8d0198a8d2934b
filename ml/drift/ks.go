package drift

import "math"

// KS methods reported in KSResult.Method.
const (
	// KSExact marks an exact p-value (lattice-path counting).
	KSExact = "exact"
	// KSAsymptotic marks a p-value from the kstwo distribution at the
	// effective sample size.
	KSAsymptotic = "asymp"
)

// ksMaxExactN is SciPy's MAX_AUTO_N: method "auto" is exact when both
// samples have at most this many values.
const ksMaxExactN = 10000

// KSResult is the result of a two-sample Kolmogorov–Smirnov test.
type KSResult struct {
	// Statistic is D = sup |F₁(x) − F₂(x)| of the two empirical CDFs.
	Statistic float64 `json:"statistic"`
	// PValue is the two-sided p-value.
	PValue float64 `json:"p_value"`
	// Method is KSExact or KSAsymptotic.
	Method string `json:"method"`
	// N1 and N2 are the numbers of values compared.
	N1 int `json:"n1"`
	N2 int `json:"n2"`
}

// KS runs the two-sample Kolmogorov–Smirnov test on a and b (NaN values
// are skipped) and returns what scipy.stats.ks_2samp(a, b,
// alternative="two-sided", method="auto") of SciPy 1.10 returns:
//
//   - The statistic is the largest absolute difference between the two
//     empirical CDFs, evaluated at every value of either sample.
//   - When both samples have at most 10,000 values the p-value is exact:
//     D is rounded to h/lcm(n1, n2) (and reported so), and the probability
//     that a random lattice path leaves the band |x/n1 − y/n2| < h/lcm is
//     computed by Hodges' inside method in Viehmann's numerically stable
//     form, or, when n1 = n2, by the alternating series of
//     _compute_prob_outside_square. This costs O(n1·n2/gcd-sized bands) time:
//     up to about 10⁸ steps for two samples of 10,000 with no common divisor.
//   - Otherwise, or when the exact value is not a probability, the p-value is
//     kstwo.sf(D, round(n1·n2/(n1+n2))) (see kstwoSF).
//
// When either sample is empty (SciPy raises) the statistic and p-value are
// NaN and Method is "".
func KS(a, b []float64) KSResult {
	return KSSorted(sortedFinite(a), sortedFinite(b))
}

// KSSorted is KS for samples that are already sorted ascending and hold no
// NaN; it does not copy them.
func KSSorted(a, b []float64) KSResult {
	n1, n2 := len(a), len(b)
	r := KSResult{N1: n1, N2: n2, Statistic: math.NaN(), PValue: math.NaN()}
	if n1 == 0 || n2 == 0 {
		return r
	}
	d := ksStatistic(a, b)
	r.Statistic = d
	g := gcd(n1, n2)
	if max(n1, n2) <= ksMaxExactN {
		lcm := (n1 / g) * n2
		h := int(math.RoundToEven(d * float64(lcm)))
		d = float64(h) / float64(lcm)
		r.Statistic = d
		if h == 0 {
			r.PValue, r.Method = 1, KSExact
			return r
		}
		var prob float64
		if n1 == n2 {
			prob = probOutsideSquare(n1, h)
		} else {
			prob = outerProbInside(n1, n2, g, h)
		}
		if 0 <= prob && prob <= 1 {
			r.PValue, r.Method = prob, KSExact
			return r
		}
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	r.PValue = clip01(kstwoSF(int(math.RoundToEven(en)), d))
	r.Method = KSAsymptotic
	return r
}

// ksStatistic returns max(maxS, minS) with SciPy's arithmetic: at every
// value v of either sample, cdf1 − cdf2 = #(a <= v)/n1 − #(b <= v)/n2.
// The walk compares the exact integers i·n2 − j·n1 and computes the float
// difference only where it reaches a new extreme or ties one (where SciPy's
// rounding may still pick the other pair), so it returns SciPy's value
// without two divisions per step.
func ksStatistic(a, b []float64) float64 {
	n1, n2 := len(a), len(b)
	f1, f2 := float64(n1), float64(n2)
	N1, N2 := int64(n1), int64(n2)
	maxS, minS := math.Inf(-1), math.Inf(1)
	maxI, minI := int64(math.MinInt64), int64(math.MaxInt64)
	i, j := 0, 0
	for i < n1 || j < n2 {
		var v float64
		if j >= n2 || (i < n1 && a[i] <= b[j]) {
			v = a[i]
		} else {
			v = b[j]
		}
		for i < n1 && a[i] <= v {
			i++
		}
		for j < n2 && b[j] <= v {
			j++
		}
		d := int64(i)*N2 - int64(j)*N1
		if d >= maxI {
			c := float64(i)/f1 - float64(j)/f2
			if d > maxI || c > maxS {
				maxS = c
			}
			maxI = d
		}
		if d <= minI {
			c := float64(i)/f1 - float64(j)/f2
			if d < minI || c < minS {
				minS = c
			}
			minI = d
		}
	}
	lo := clip01(-minS)
	if lo > maxS {
		return lo
	}
	return maxS
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// probOutsideSquare returns P(D_{n,n} >= h/n), SciPy's
// _compute_prob_outside_square: 2·A0·(1 − A1·(1 − A2·(…))) with each Ai a
// ratio of binomial coefficients built from h factors.
func probOutsideSquare(n, h int) float64 {
	P := 0.0
	k := int(math.Floor(float64(n) / float64(h)))
	for ; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

// outerProbInside returns the share of lattice paths from (0, 0) to (m, n)
// that leave the band |x/m − y/n| < h/lcm(m, n), SciPy's
// _compute_outer_prob_inside_method (Hodges' inside method with Viehmann's
// recursion for 1 − p, one sliding column of the path-count matrix).
func outerProbInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	fh, fmg := float64(h), float64(mg)
	minj, maxj := 0, min(int(math.Ceil(fh/fmg)), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for i := range A {
		A[i] = 1
	}
	for i := minj; i < maxj && i < lenA; i++ {
		A[i] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(int(math.Floor(float64(ng*i-h)/fmg))+1, 0)
		minj = min(minj, n)
		maxj = min(int(math.Ceil(float64(ng*i+h)/fmg)), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		for jj := 0; jj < maxj-minj; jj++ {
			j := float64(jj + minj)
			val = (A[jj+minj-lastminj]*fi + val*j) / (fi + j)
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			for q := maxj - minj; q < maxj-minj+(lastlen-curlen) && q < lenA; q++ {
				A[q] = 1
			}
		}
	}
	return A[maxj-minj-1]
}
