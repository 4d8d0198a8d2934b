package metrics

import "math"

// Values is the value of each outcome of one binary prediction, in the
// unit of a business KPI (dollars, say): the value matrix of a goal.
// Negative values are costs. Acting on a row means predicting it
// positive: an offer, a review, a call.
type Values struct {
	TP float64 `json:"tp"`
	FP float64 `json:"fp"`
	FN float64 `json:"fn"`
	TN float64 `json:"tn"`
}

func checkBusiness(metric string, c Counts, v Values) error {
	for _, x := range [...]struct {
		name string
		v    float64
	}{{"counts.tp", c.TP}, {"counts.fp", c.FP}, {"counts.fn", c.FN}, {"counts.tn", c.TN}} {
		if !(x.v >= 0) || math.IsInf(x.v, 1) {
			return errorf(metric, ErrValue, "%s = %v, want a finite count >= 0", x.name, x.v)
		}
	}
	if c.N() == 0 {
		return errorf(metric, ErrEmpty, "no predictions counted")
	}
	return checkValues(metric, v)
}

func checkValues(metric string, v Values) error {
	for _, x := range [...]struct {
		name string
		v    float64
	}{{"values.tp", v.TP}, {"values.fp", v.FP}, {"values.fn", v.FN}, {"values.tn", v.TN}} {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return errorf(metric, ErrValue, "%s = %v, want a finite number", x.name, x.v)
		}
	}
	return nil
}

// ExpectedValue returns the mean value of one prediction:
//
//	(TP·v.TP + FP·v.FP + FN·v.FN + TN·v.TN) / (TP + FP + FN + TN)
func ExpectedValue(c Counts, v Values) (float64, error) {
	if err := checkBusiness("expected_value", c, v); err != nil {
		return 0, err
	}
	return expectedValue(c, v), nil
}

func expectedValue(c Counts, v Values) float64 {
	return (c.TP*v.TP + c.FP*v.FP + c.FN*v.FN + c.TN*v.TN) / c.N()
}

// ValuePer1000 returns the expected value of 1,000 predictions, 1000 ×
// [ExpectedValue].
func ValuePer1000(c Counts, v Values) (float64, error) {
	ev, err := ExpectedValue(c, v)
	return 1000 * ev, err
}

// ROI returns the return on the investment of acting on the model's
// positive predictions: the value the model adds over acting on nobody,
// divided by what acting costs.
//
// Acting on nobody turns every positive into a false negative and every
// negative into a true negative. The model's gain over that baseline is
//
//	gain = TP·(v.TP − v.FN) + FP·(v.FP − v.TN)
//
// Acting on a row costs c = v.TN − v.FP, the value lost by acting on a
// negative; the action is taken to cost the same on a positive, so the
// model spends
//
//	spent = (TP + FP) · c
//
// and
//
//	ROI = gain / spent
//
// For a churn campaign with an offer costing 10 that keeps a customer
// worth 100 (v.TP = 90, v.FP = −10, v.FN = 0, v.TN = 0), and predictions
// with TP = 30, FP = 70, FN = 20, TN = 880: gain = 30·90 + 70·(−10) =
// 2000, spent = 100·10 = 1000, ROI = 2: each unit spent on offers returns
// itself plus 2 more. ROI is 0 when the model adds nothing and negative
// when it destroys value. It is NaN when nothing is spent: no positive
// predictions, or values where acting on a negative costs nothing (c ≤ 0).
func ROI(c Counts, v Values) (float64, error) {
	if err := checkBusiness("roi", c, v); err != nil {
		return 0, err
	}
	return roi(c, v), nil
}

func roi(c Counts, v Values) float64 {
	gain := c.TP*(v.TP-v.FN) + c.FP*(v.FP-v.TN)
	spent := (c.TP + c.FP) * (v.TN - v.FP)
	if !(spent > 0) {
		return math.NaN()
	}
	return gain / spent
}

// BestThreshold returns the decision threshold that maximises the
// [ExpectedValue] of predicting positive when the score is >= threshold,
// and that expected value. The candidates are the distinct scores; of
// thresholds with equal expected values the lowest wins. Acting on nobody
// is not a candidate: compare value with (P·v.FN + N·v.TN)/(P + N) to
// decide whether to act at all. It sorts the scores once: O(n log n).
func BestThreshold(yTrue []int, scores, weights []float64, v Values) (threshold, value float64, err error) {
	const metric = "best_threshold"
	if err := checkScores(metric, yTrue, scores, weights); err != nil {
		return 0, 0, err
	}
	if err := checkValues(metric, v); err != nil {
		return 0, 0, err
	}
	fps, tps, thr := clfCurve(yTrue, scores, weights)
	n := len(fps)
	pos, neg := tps[n-1], fps[n-1]
	type candidate struct{ threshold, value float64 }
	best := candidate{math.Inf(1), math.Inf(-1)}
	for i := range n {
		c := Counts{TP: tps[i], FP: fps[i], FN: pos - tps[i], TN: neg - fps[i]}
		got := candidate{thr[i], expectedValue(c, v)}
		// thr decreases, so a later candidate of equal value is lower.
		if got.value >= best.value {
			best = got
		}
	}
	return best.threshold, best.value, nil
}

// BusinessReport holds the business metrics of binary predictions.
// Undefined values are NaN, written as null in JSON.
type BusinessReport struct {
	ExpectedValue float64 `json:"expected_value"`
	ROI           float64 `json:"roi"`
	ValuePer1000  float64 `json:"value_per_1000"`
}

// Business returns the business metrics of the outcomes c under the value
// matrix v.
func Business(c Counts, v Values) (BusinessReport, error) {
	if err := checkBusiness("business", c, v); err != nil {
		return BusinessReport{}, err
	}
	ev := expectedValue(c, v)
	return BusinessReport{ExpectedValue: ev, ROI: roi(c, v), ValuePer1000: 1000 * ev}, nil
}
