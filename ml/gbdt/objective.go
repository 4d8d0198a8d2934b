package gbdt

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// objective holds what the gradient step needs.
type objective struct {
	name          string
	k             int // margins per row
	scalePos      float64
	alpha         float64 // quantile
	slope         float64 // pseudo-Huber
	maxDeltaStep  float64
	refreshLeaves bool // leaf values are refit to a quantile of the residuals
}

func newObjective(p Params) objective {
	o := objective{name: p.Objective, k: 1, scalePos: p.ScalePosWeight, alpha: p.QuantileAlpha, slope: p.HuberSlope, maxDeltaStep: p.MaxDeltaStep}
	switch p.Objective {
	case MultiSoftmax, MultiSoftprob:
		o.k = p.NumClass
	case RegAbsoluteError:
		o.alpha, o.refreshLeaves = 0.5, true
	case RegQuantileError:
		o.refreshLeaves = true
	}
	return o
}

// checkLabels reports the first label the objective cannot take.
func (o *objective) checkLabels(y []float64) error {
	for i, v := range y {
		ok := !math.IsNaN(v) && !math.IsInf(v, 0)
		switch o.name {
		case BinaryLogistic:
			ok = v == 0 || v == 1
		case MultiSoftmax, MultiSoftprob:
			ok = v >= 0 && v < float64(o.k) && v == math.Trunc(v)
		case CountPoisson:
			ok = ok && v >= 0
		}
		if !ok {
			return fmt.Errorf("gbdt: label of row %d is %v, not valid for %s: %w", i, v, o.name, ErrInvalid)
		}
	}
	return nil
}

// weightedQuantile returns the alpha quantile of v under weights w (nil:
// all 1), reordering v and w together through idx.
func weightedQuantile(v, w []float64, idx []int, alpha float64) float64 {
	idx = idx[:0]
	var total float64
	for i := range v {
		idx = append(idx, i)
		if w == nil {
			total++
		} else {
			total += w[i]
		}
	}
	if len(idx) == 0 {
		return 0
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	target, acc := alpha*total, 0.0
	for _, i := range idx {
		if w == nil {
			acc++
		} else {
			acc += w[i]
		}
		if acc >= target {
			return v[i]
		}
	}
	return v[idx[len(idx)-1]]
}

// baseScore returns the optimal constant margin per class: log-odds of the
// weighted mean for binary:logistic, log class priors for softmax, the
// weighted mean for squared error, its log for Poisson, and the weighted
// median or alpha quantile for absolute, pseudo-Huber and quantile loss.
// The margins are float32 numbers, as XGBoost's base_score and margins are.
func (o *objective) baseScore(y, w []float64) []float64 {
	b := o.baseScore64(y, w)
	for c := range b {
		b[c] = float64(float32(b[c]))
	}
	return b
}

// baseScore64 is baseScore before the rounding to float32.
func (o *objective) baseScore64(y, w []float64) []float64 {
	var sw, swy float64
	counts := make([]float64, o.k)
	for i, v := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if o.name == BinaryLogistic && v == 1 {
			wi *= o.scalePos
		}
		sw += wi
		swy += wi * v
		if o.k > 1 {
			counts[int(v)] += wi
		}
	}
	mean := swy / max(sw, math.SmallestNonzeroFloat64)
	switch o.name {
	case BinaryLogistic:
		// XGBoost's ProbToMargin in float32: -logf(1/p - 1).
		p := float32(min(max(mean, 1e-6), 1-1e-6))
		return []float64{-float64(float32(math.Log(float64(1/p - 1))))}
	case MultiSoftmax, MultiSoftprob:
		out := make([]float64, o.k)
		for c := range out {
			out[c] = math.Log(max(counts[c]/sw, 1e-6))
		}
		return out
	case CountPoisson:
		return []float64{math.Log(max(mean, 1e-6))}
	case RegAbsoluteError, RegPseudoHuber:
		return []float64{weightedQuantile(y, w, make([]int, 0, len(y)), 0.5)}
	case RegQuantileError:
		return []float64{weightedQuantile(y, w, make([]int, 0, len(y)), o.alpha)}
	}
	return []float64{mean}
}

// gradients writes the gradient pairs of rows [lo, hi) of every class
// into gh[c], from the margins (k per row). Each objective has its own
// loop, so the per-row work has no dispatch.
func (o *objective) gradients(gh [][]gradPair, margin, y, w []float64, lo, hi int) {
	weight := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	out := gh[0]
	switch o.name {
	case BinaryLogistic:
		// float32 throughout, as XGBoost's LogisticClassification:
		// p = 1/(1+expf(-x)), g = p-y, h = max(p(1-p), 1e-16), times w.
		if w == nil && o.scalePos == 1 {
			margin, y, out := margin[lo:hi], y[lo:hi], out[lo:hi]
			for i, m := range margin {
				p := 1 / (float32(math.Exp(-m)) + 1)
				out[i] = gradPair{p - float32(y[i]), max(p*(1-p), 1e-16)}
			}
			return
		}
		for i := lo; i < hi; i++ {
			p := 1 / (float32(math.Exp(-margin[i])) + 1)
			t, wi := float32(y[i]), float32(weight(i))
			if t == 1 {
				wi *= float32(o.scalePos)
			}
			out[i] = gradPair{(p - t) * wi, max(p*(1-p), 1e-16) * wi}
		}
	case MultiSoftmax, MultiSoftprob:
		k := o.k
		for i := lo; i < hi; i++ {
			m, t, wi := margin[i*k:i*k+k], int(y[i]), weight(i)
			mx := m[0]
			for _, v := range m {
				mx = max(mx, v)
			}
			var s float64
			for _, v := range m {
				s += math.Exp(v - mx)
			}
			for c, v := range m {
				p := math.Exp(v-mx) / s
				yc := 0.0
				if t == c {
					yc = 1
				}
				gh[c][i] = gradPair{float32((p - yc) * wi), float32(max(2*p*(1-p), 1e-16) * wi)}
			}
		}
	case RegAbsoluteError:
		for i := lo; i < hi; i++ {
			d, wi := margin[i]-y[i], weight(i)
			g := 0.0
			if d > 0 {
				g = 1
			} else if d < 0 {
				g = -1
			}
			out[i] = gradPair{float32(g * wi), float32(wi)}
		}
	case RegQuantileError:
		for i := lo; i < hi; i++ {
			g, wi := -o.alpha, weight(i)
			if margin[i] >= y[i] {
				g = 1 - o.alpha
			}
			out[i] = gradPair{float32(g * wi), float32(wi)}
		}
	case RegPseudoHuber:
		s2 := o.slope * o.slope
		for i := lo; i < hi; i++ {
			z, wi := margin[i]-y[i], weight(i)
			sc := math.Sqrt(1 + z*z/s2)
			out[i] = gradPair{float32(z / sc * wi), float32(s2 / ((s2 + z*z) * sc) * wi)}
		}
	case CountPoisson:
		for i := lo; i < hi; i++ {
			wi := weight(i)
			out[i] = gradPair{float32((math.Exp(margin[i]) - y[i]) * wi), float32(math.Exp(margin[i]+o.maxDeltaStep) * wi)}
		}
	default:
		// float32 as XGBoost's LinearSquareLoss: g = (x - y)·w, h = w.
		if w == nil {
			for i := lo; i < hi; i++ {
				out[i] = gradPair{float32(margin[i]) - float32(y[i]), 1}
			}
			return
		}
		for i := lo; i < hi; i++ {
			out[i] = gradPair{(float32(margin[i]) - float32(y[i])) * float32(w[i]), float32(w[i])}
		}
	}
}

// transform turns k margins into the prediction: probabilities for
// logistic and softprob, the class for softmax, exp for Poisson, else the
// margin.
func (o *objective) transform(m []float64) {
	switch o.name {
	case BinaryLogistic:
		m[0] = 1 / (1 + math.Exp(-m[0]))
	case MultiSoftprob:
		softmax(m)
	case MultiSoftmax:
		best := 0
		for c, v := range m {
			if v > m[best] {
				best = c
			}
		}
		for c := range m {
			m[c] = 0
		}
		m[0] = float64(best)
	case CountPoisson:
		m[0] = math.Exp(m[0])
	}
}

func softmax(m []float64) {
	mx := m[0]
	for _, v := range m {
		mx = max(mx, v)
	}
	var s float64
	for c, v := range m {
		m[c] = math.Exp(v - mx)
		s += m[c]
	}
	for c := range m {
		m[c] /= s
	}
}
