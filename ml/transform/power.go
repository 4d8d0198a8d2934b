package transform

import "math"

// The Box-Cox and Yeo-Johnson lambdas are fitted by maximum likelihood the
// way scikit-learn 1.2 PowerTransformer(standardize=False) fits them:
// scipy.optimize.brent(-llf, brack=(-2, 2)) with SciPy 1.10's bracket search
// and Brent minimiser (tol 1.48e-8), ported below step by step, and the
// log-likelihoods of scipy.stats.boxcox_llf and sklearn's
// _yeo_johnson_optimize. Lambdas agree with SciPy to about 1e-8 relative;
// sums are evaluated in a different order than NumPy's pairwise sums, which
// moves the optimum by far less than the minimiser's tolerance.

// boxcoxLLF is scipy.stats.boxcox_llf for positive data.
func boxcoxLLF(lmb float64, x []float64) float64 {
	n := float64(len(x))
	var sumLog float64
	t := make([]float64, len(x))
	for i, v := range x {
		l := math.Log(v)
		sumLog += l
		if lmb == 0 {
			t[i] = l
		} else {
			t[i] = math.Pow(v, lmb) / lmb
		}
	}
	return (lmb-1)*sumLog - n/2*math.Log(variance(t))
}

// variance is the population variance (NumPy var, ddof 0).
func variance(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	var ss float64
	for _, v := range x {
		d := v - m
		ss += d * d
	}
	return ss / float64(len(x))
}

func boxcox(x, lmb float64) float64 {
	if !(x > 0) {
		return math.NaN()
	}
	if math.Abs(lmb) < epsilon {
		return math.Log(x)
	}
	return (math.Pow(x, lmb) - 1) / lmb
}

// epsilon is np.spacing(1.0).
const epsilon = 2.220446049250313e-16

func yeojohnson(x, lmb float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	if x >= 0 {
		if math.Abs(lmb) < epsilon {
			return math.Log1p(x)
		}
		return (math.Pow(x+1, lmb) - 1) / lmb
	}
	if math.Abs(lmb-2) > epsilon {
		return -(math.Pow(-x+1, 2-lmb) - 1) / (2 - lmb)
	}
	return -math.Log1p(-x)
}

// yeojohnsonNegLLF is the objective of sklearn's _yeo_johnson_optimize.
func yeojohnsonNegLLF(lmb float64, x []float64, signLog float64) float64 {
	t := make([]float64, len(x))
	for i, v := range x {
		t[i] = yeojohnson(v, lmb)
	}
	vr := variance(t)
	if vr < 2.2250738585072014e-308 { // np.finfo(np.float64).tiny
		return math.Inf(1)
	}
	n := float64(len(x))
	ll := -n / 2 * math.Log(vr)
	ll += (lmb - 1) * signLog
	return -ll
}

// fitBoxCox returns the maximum-likelihood lambda of positive values x.
func fitBoxCox(x []float64) float64 {
	return brent(func(l float64) float64 { return -boxcoxLLF(l, x) }, -2, 2)
}

// fitYeoJohnson returns the maximum-likelihood lambda of values x.
func fitYeoJohnson(x []float64) float64 {
	var s float64
	for _, v := range x {
		if v > 0 {
			s += math.Log1p(v)
		} else if v < 0 {
			s -= math.Log1p(-v)
		}
	}
	return brent(func(l float64) float64 { return yeojohnsonNegLLF(l, x, s) }, -2, 2)
}

// bracket is scipy.optimize.bracket(func, xa, xb) with grow_limit 110 and
// maxiter 1000; ok is false when it fails to bracket a minimum.
func bracket(f func(float64) float64, xa, xb float64) (a, b, c, fa, fb, fc float64, ok bool) {
	const gold = 1.618034
	const verySmall = 1e-21
	const growLimit = 110.0
	fa, fb = f(xa), f(xb)
	if fa < fb {
		xa, xb = xb, xa
		fa, fb = fb, fa
	}
	xc := xb + gold*(xb-xa)
	fc = f(xc)
	for iter := 0; fc < fb; iter++ {
		tmp1 := (xb - xa) * (fb - fc)
		tmp2 := (xb - xc) * (fb - fa)
		val := tmp2 - tmp1
		denom := 2.0 * val
		if math.Abs(val) < verySmall {
			denom = 2.0 * verySmall
		}
		w := xb - ((xb-xc)*tmp2-(xb-xa)*tmp1)/denom
		wlim := xb + growLimit*(xc-xb)
		if iter > 1000 || math.IsNaN(w) {
			return 0, 0, 0, 0, 0, 0, false
		}
		var fw float64
		switch {
		case (w-xc)*(xb-w) > 0:
			fw = f(w)
			if fw < fc {
				xa, xb = xb, w
				fa, fb = fb, fw
				return xa, xb, xc, fa, fb, fc, true
			} else if fw > fb {
				xc, fc = w, fw
				return xa, xb, xc, fa, fb, fc, true
			}
			w = xc + gold*(xc-xb)
			fw = f(w)
		case (w-wlim)*(wlim-xc) >= 0:
			w = wlim
			fw = f(w)
		case (w-wlim)*(xc-w) > 0:
			fw = f(w)
			if fw < fc {
				xb, xc, w = xc, w, w+gold*(w-xc)
				fb, fc, fw = fc, fw, f(w)
			}
		default:
			w = xc + gold*(xc-xb)
			fw = f(w)
		}
		xa, xb, xc = xb, xc, w
		fa, fb, fc = fb, fc, fw
	}
	return xa, xb, xc, fa, fb, fc, true
}

// brent is scipy.optimize.brent(f, brack=(xa, xb)) (tol 1.48e-8, maxiter
// 500). When no minimum can be bracketed it returns 1 (the identity-like
// lambda) so that fitting never fails on odd data.
func brent(f func(float64) float64, xa, xb float64) float64 {
	const mintol = 1.0e-11
	const cg = 0.3819660
	const tol = 1.48e-8
	xa, xb, xc, _, fb, _, ok := bracket(f, xa, xb)
	if !ok {
		return 1
	}
	x, w, v := xb, xb, xb
	fx, fw, fv := fb, fb, fb
	a, b := xc, xa
	if xa < xc {
		a, b = xa, xc
	}
	var deltax, rat float64
	for iter := 0; iter < 500; iter++ {
		tol1 := tol*math.Abs(x) + mintol
		tol2 := 2.0 * tol1
		xmid := 0.5 * (a + b)
		if math.Abs(x-xmid) < (tol2 - 0.5*(b-a)) {
			break
		}
		if math.Abs(deltax) <= tol1 {
			if x >= xmid {
				deltax = a - x
			} else {
				deltax = b - x
			}
			rat = cg * deltax
		} else {
			tmp1 := (x - w) * (fx - fv)
			tmp2 := (x - v) * (fx - fw)
			p := (x-v)*tmp2 - (x-w)*tmp1
			tmp2 = 2.0 * (tmp2 - tmp1)
			if tmp2 > 0 {
				p = -p
			}
			tmp2 = math.Abs(tmp2)
			dxTemp := deltax
			deltax = rat
			if p > tmp2*(a-x) && p < tmp2*(b-x) && math.Abs(p) < math.Abs(0.5*tmp2*dxTemp) {
				rat = p * 1.0 / tmp2
				u := x + rat
				if (u-a) < tol2 || (b-u) < tol2 {
					if xmid-x >= 0 {
						rat = tol1
					} else {
						rat = -tol1
					}
				}
			} else {
				if x >= xmid {
					deltax = a - x
				} else {
					deltax = b - x
				}
				rat = cg * deltax
			}
		}
		var u float64
		if math.Abs(rat) < tol1 {
			if rat >= 0 {
				u = x + tol1
			} else {
				u = x - tol1
			}
		} else {
			u = x + rat
		}
		fu := f(u)
		if fu > fx {
			if u < x {
				a = u
			} else {
				b = u
			}
			if fu <= fw || w == x {
				v, w, fv, fw = w, u, fw, fu
			} else if fu <= fv || v == x || v == w {
				v, fv = u, fu
			}
		} else {
			if u >= x {
				a = x
			} else {
				b = x
			}
			v, w, x = w, x, u
			fv, fw, fx = fw, fx, fu
		}
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	return x
}
