package gbdt

import (
	"cmp"
	"math"
	"slices"
)

// metricHigherBetter lists the supported evaluation metrics and whether a
// larger value is better.
var metricHigherBetter = map[string]bool{
	"rmse": false, "mae": false, "logloss": false, "error": false, "auc": true,
	"mlogloss": false, "merror": false, "poisson-nloglik": false, "mphe": false, "quantile": false,
}

// evalMetric computes metric name, as XGBoost defines it, of the margins
// (k per row) against labels y under weights w (nil: all 1). idx is
// scratch of capacity len(y).
func evalMetric(name string, o *objective, margin, y, w []float64, idx []int) float64 {
	k := o.k
	var sum, sw float64
	pred := make([]float64, k)
	if name == "auc" {
		return auc(margin, y, w, idx)
	}
	for i, t := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		m := margin[i*k : i*k+k]
		var l float64
		switch name {
		case "rmse":
			d := m[0] - t
			l = d * d
		case "mae":
			l = math.Abs(m[0] - t)
		case "logloss":
			p := min(max(1/(1+math.Exp(-m[0])), 1e-15), 1-1e-15)
			l = -(t*math.Log(p) + (1-t)*math.Log(1-p))
		case "error":
			if (m[0] > 0) != (t == 1) {
				l = 1
			}
		case "mlogloss", "merror":
			copy(pred, m)
			softmax(pred)
			if name == "mlogloss" {
				l = -math.Log(max(pred[int(t)], 1e-15))
			} else if slices.Index(pred, slices.Max(pred)) != int(t) {
				l = 1
			}
		case "poisson-nloglik":
			lg, _ := math.Lgamma(t + 1)
			l = math.Exp(m[0]) - t*m[0] + lg
		case "mphe":
			z := (m[0] - t) / o.slope
			l = o.slope * o.slope * (math.Sqrt(1+z*z) - 1)
		case "quantile":
			d := t - m[0]
			if d >= 0 {
				l = o.alpha * d
			} else {
				l = (o.alpha - 1) * d
			}
		}
		sum += wi * l
		sw += wi
	}
	if sw == 0 {
		return math.NaN()
	}
	if name == "rmse" {
		return math.Sqrt(sum / sw)
	}
	return sum / sw
}

// auc returns the weighted ROC AUC of scores s against 0/1 labels y, ties
// counting one half.
func auc(s, y, w []float64, idx []int) float64 {
	idx = idx[:0]
	for i := range y {
		idx = append(idx, i)
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(s[a], s[b]) })
	var area, pos, neg float64
	for i := 0; i < len(idx); {
		j := i
		var tp, tn float64
		for ; j < len(idx) && s[idx[j]] == s[idx[i]]; j++ {
			wi := 1.0
			if w != nil {
				wi = w[idx[j]]
			}
			if y[idx[j]] == 1 {
				tp += wi
			} else {
				tn += wi
			}
		}
		area += tp * (neg + tn/2)
		pos += tp
		neg += tn
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return area / (pos * neg)
}
