package drift

import "math"

// This file ports the survival function of SciPy 1.10's kstwo distribution
// (scipy.stats._ksstats._kolmogn with cdf=False): the distribution of the
// two-sided one-sample Kolmogorov–Smirnov statistic D_n, which ks_2samp's
// asymptotic method evaluates at n = round(n1·n2/(n1+n2)). The method is
// chosen as Simard and L'Ecuyer (2011) do: Ruben–Gambino closed forms at the
// ends, the Durbin matrix (Marsaglia–Tsang–Wang), the Pomeranz recursion,
// the Pelz–Good series and twice the one-sided Smirnov probability.

var (
	e128  = math.Ldexp(1, 128)
	em128 = math.Ldexp(1, -128)
)

const (
	log2Pi  = 1.8378770664093453 // log(2π)
	sqrt2Pi = 2.5066282746310002 // √(2π)
	minLog  = -708
)

// stirlingCoeffs are B_{2j}/(2j)/(2j−1) for j = 8, …, 1 (SciPy's
// _STIRLING_COEFFS).
var stirlingCoeffs = [...]float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// logNFactorialDivNPowN returns log(n!/nⁿ) by Stirling's series.
func logNFactorialDivNPowN(n int) float64 {
	fn := float64(n)
	rn := 1 / fn
	x := rn / fn
	p := 0.0
	for _, c := range stirlingCoeffs {
		p = p*x + c
	}
	return math.Log(fn)/2 - fn + log2Pi/2 + rn*p
}

func clip01(p float64) float64 {
	if p < 0 {
		return 0
	}
	if p > 1 {
		return 1
	}
	return p
}

// kstwoSF returns P(D_n > x), scipy.stats.kstwo.sf(x, n) of SciPy 1.10.
func kstwoSF(n int, x float64) float64 {
	if math.IsNaN(x) || n < 1 {
		return math.NaN()
	}
	fn := float64(n)
	if x <= 0.5/fn {
		return 1 // below the support (rv_continuous.sf)
	}
	if x >= 1 {
		return 0
	}
	t := fn * x
	if t <= 1 { // Ruben–Gambino: 1/2n <= x <= 1/n
		var prob float64
		if n <= 140 {
			prob = 1
			for k := 1; k <= n; k++ {
				prob *= float64(k) * (1.0 / fn) * (2*t - 1)
			}
		} else {
			prob = math.Exp(logNFactorialDivNPowN(n) + fn*math.Log(2*t-1))
		}
		return clip01(1 - prob)
	}
	if t >= fn-1 { // Ruben–Gambino
		return clip01(2 * math.Pow(1-x, fn))
	}
	if x >= 0.5 {
		return clip01(2 * smirnov(n, x))
	}
	nxsquared := t * x
	if n <= 140 {
		if nxsquared <= 0.754693 {
			return clip01(1 - kolmognDMTW(n, x))
		}
		if nxsquared <= 4 {
			return clip01(1 - kolmognPomeranz(n, x))
		}
		return clip01(2 * smirnov(n, x))
	}
	if nxsquared >= 370 {
		return 0
	}
	if nxsquared >= 2.2 {
		return clip01(2 * smirnov(n, x))
	}
	var cdf float64
	if n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4 {
		cdf = kolmognDMTW(n, x)
	} else {
		cdf = kolmognPelzGood(n, x)
	}
	return clip01(1 - clip01(cdf))
}

// smirnov returns the one-sided Smirnov probability P(D⁺_n >= e) by the
// Birnbaum–Tingey sum
//
//	e · Σ_{v=0}^{⌊n(1−e)⌋} C(n, v) (e + v/n)^(v−1) (1 − e − v/n)^(n−v),
//
// whose terms are positive; they are summed in log space (binomial
// coefficients by recurrence) so that nothing overflows. SciPy evaluates the
// same sum in double-double arithmetic (scipy.special.smirnov); the two agree
// to about 1e-12 relative for the n that ks_2samp uses.
func smirnov(n int, e float64) float64 {
	if !(n > 0 && e >= 0 && e <= 1) {
		return math.NaN()
	}
	if e == 0 {
		return 1
	}
	fn := float64(n)
	nn := int(math.Floor(fn * (1 - e)))
	if nn > n {
		nn = n
	}
	logs := make([]float64, 0, nn+1)
	// log C(n, v) by recurrence, summed with Neumaier's compensation: a
	// plain running sum of up to n logarithms loses about √n ulps of a
	// number near n·log 2 (1e-9 relative at n = 10⁵).
	logC, comp := 0.0, 0.0
	maxLog := math.Inf(-1)
	for v := 0; v <= nn; v++ {
		fv := float64(v)
		evn := e + fv/fn
		omevn := 1 - evn
		var lt float64
		switch {
		case omevn > 0:
			lt = (logC + comp) + (fv-1)*math.Log(evn) + (fn-fv)*math.Log(omevn)
		case v == n:
			lt = (logC + comp) + (fv-1)*math.Log(evn)
		default:
			lt = math.Inf(-1)
		}
		logs = append(logs, lt)
		if lt > maxLog {
			maxLog = lt
		}
		if v < n {
			d := math.Log((fn - fv) / (fv + 1))
			t := logC + d
			if math.Abs(logC) >= math.Abs(d) {
				comp += (logC - t) + d
			} else {
				comp += (d - t) + logC
			}
			logC = t
		}
	}
	if math.IsInf(maxLog, -1) {
		return 0
	}
	s := 0.0
	for _, lt := range logs {
		s += math.Exp(lt - maxLog)
	}
	return e * math.Exp(maxLog+math.Log(s))
}

// kolmognDMTW returns P(D_n <= d) by the Durbin matrix algorithm as
// Marsaglia, Tsang and Wang compute it (SciPy's _kolmogn_DMTW).
func kolmognDMTW(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	fn := float64(n)
	nd := fn * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1

	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	H := make([]float64, m*m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r*m+i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		H[r*m] = v[r]
	}
	for c := 0; c < m; c++ {
		H[(m-1)*m+c] = v[m-1-c]
	}

	P := make([]float64, m*m) // holds the powers of H
	for i := 0; i < m; i++ {
		P[i*m+i] = 1
	}
	tmp := make([]float64, m*m)
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			matMul(tmp, P, H, m)
			P, tmp = tmp, P
			expnt += hexpnt
		}
		matMul(tmp, H, H, m)
		H, tmp = tmp, H
		hexpnt *= 2
		if math.Abs(H[(k-1)*m+k-1]) > e128 {
			for i := range H {
				H[i] /= e128
			}
			hexpnt += 128
		}
	}
	p := P[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / fn
		if math.Abs(p) < em128 {
			p *= e128
			expnt -= 128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// matMul sets dst = a·b for m×m row-major matrices.
func matMul(dst, a, b []float64, m int) {
	for i := 0; i < m; i++ {
		row := dst[i*m : (i+1)*m]
		clear(row)
		for l := 0; l < m; l++ {
			ail := a[i*m+l]
			if ail == 0 {
				continue
			}
			bl := b[l*m : (l+1)*m]
			for j, x := range bl {
				row[j] += ail * x
			}
		}
	}
}

// pomeranzJ1J2 returns the endpoints of the interval for row i.
func pomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 {
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// kolmognPomeranz returns P(D_n <= x) by the Pomeranz recursion (SciPy's
// _kolmogn_Pomeranz).
func kolmognPomeranz(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	expnt := 0
	gOverN, twoGOverN, oneMinusTwoGOverN := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		fm := float64(m)
		gpower[m] = gpower[m-1] * gOverN / fm
		twogpower[m] = twogpower[m-1] * twoGOverN / fm
		onem2gpower[m] = onem2gpower[m-1] * oneMinusTwoGOverN / fm
	}
	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	j1, j2 := pomeranzJ1J2(0, n, ll, ceilf, roundf)
	conv := make([]float64, 2*npwrs)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		clear(V1)
		j1, j2 = pomeranzJ1J2(i, n, ll, ceilf, roundf)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 > 0 {
			lo := k1 - V0s
			hi := min(lo+ln2, len(V0))
			a := V0[lo:hi]
			b := pwrs[:min(ln2, len(pwrs))]
			cl := len(a) + len(b) - 1
			c := conv[:cl]
			clear(c)
			for p, ap := range a {
				for q, bq := range b {
					c[p+q] += ap * bq
				}
			}
			convStart := j1 - k1
			convLen := j2 - j1 + 1
			copy(V1[:convLen], c[convStart:min(convStart+convLen, cl)])
			mx := 0.0
			for _, y := range V1 {
				mx = math.Max(mx, y)
			}
			if 0 < mx && mx < em128 {
				for q := range V1 {
					V1[q] *= e128
				}
				expnt -= 128
			}
			V1s = V0s + j1 - k1
		}
	}
	ans := V1[n-V1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > e128 {
			ans *= em128
			expnt += 128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// kolmognPelzGood returns the Pelz–Good approximation to P(D_n <= x)
// (SciPy's _kolmogn_PelzGood).
func kolmognPelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	fn := float64(n)
	const (
		pi2 = math.Pi * math.Pi
		pi4 = pi2 * pi2
		pi6 = pi4 * pi2
	)
	z := math.Sqrt(fn) * x
	zsquared, zthree, zfour, zsix := z*z, z*z*z, math.Pow(z, 4), math.Pow(z, 6)
	qlog := -pi2 / 8 / zsquared
	if qlog < minLog {
		return 0
	}
	q := math.Exp(qlog)
	k1a := -zsquared
	k1b := pi2 / 4
	k2a := 6*zsix + 2*zfour
	k2b := (2*zfour - 5*zsquared) * pi2 / 4
	k2c := pi4 * (1 - 2*zsquared) / 16
	k3d := pi6 * (5 - 30*zsquared) / 64
	k3c := pi4 * (-60*zsquared + 212*zfour) / 16
	k3b := pi2 * (135*zfour - 96*zsix) / 4
	k3a := -30*zsix - 90*math.Pow(z, 8)

	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		msq, m4, m6 := m*m, math.Pow(m, 4), math.Pow(m, 6)
		qpower := math.Pow(q, float64(8*k))
		coeffs := [4]float64{1,
			k1a + k1b*msq,
			k2a + k2b*msq + k2c*m4,
			k3a + k3b*msq + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qpower + coeffs[i]
		}
	}
	div := [4]float64{z, 6 * zfour, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2Pi / div[i]
	}
	q = math.Exp(-pi2 / 2 / zsquared)
	sqrt3z := math.Sqrt(3) * z
	var k2extra, k3extra float64
	for k := maxk; k > 0; k-- {
		fk := float64(k)
		ksq := fk * fk
		qp := math.Pow(q, ksq)
		kspi := math.Pi * fk
		k2extra += ksq * qp
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
	}
	K[2] += k2extra * pi2 * sqrt2Pi / (-36 * zthree)
	K[3] += k3extra * pi2 * sqrt2Pi / (216 * zsix)
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(fn, float64(i)/2)
	}
	return sum
}
