package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// field is one named metric of a report.
type field struct {
	name string
	v    *float64
}

// get looks a metric up by name.
func get(fields []field, name string) (float64, bool) {
	for _, f := range fields {
		if f.name == name {
			return *f.v, true
		}
	}
	return 0, false
}

// marshal writes the fields, NaN as null, and the extra values as one
// JSON object with sorted keys.
func marshal(fields []field, extra map[string]any) ([]byte, error) {
	m := make(map[string]any, len(fields)+len(extra))
	for _, f := range fields {
		if math.IsNaN(*f.v) {
			m[f.name] = nil
		} else {
			m[f.name] = *f.v
		}
	}
	for k, v := range extra {
		m[k] = v
	}
	return json.Marshal(m)
}

// unmarshal reads what marshal writes: null becomes NaN, a missing metric
// NaN too, and each extra key is decoded into its pointer.
func unmarshal(data []byte, fields []field, extra map[string]any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for _, f := range fields {
		*f.v = math.NaN()
		raw, ok := m[f.name]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, f.v); err != nil {
			return fmt.Errorf("metrics: decode %s: %w", f.name, err)
		}
	}
	for k, p := range extra {
		if raw, ok := m[k]; ok {
			if err := json.Unmarshal(raw, p); err != nil {
				return fmt.Errorf("metrics: decode %s: %w", k, err)
			}
		}
	}
	return nil
}

// BinaryReport holds every metric of a binary classifier, named as
// scikit-learn and the platform's goals name them. Undefined values are
// NaN, written as null in JSON.
type BinaryReport struct {
	// Threshold is the decision threshold: a row is predicted positive
	// when its score is >= Threshold.
	Threshold float64 `json:"threshold"`
	// Accuracy, BalancedAccuracy, Precision, Recall, F1, MCC and
	// CohenKappa are computed from the predicted labels.
	Accuracy         float64 `json:"accuracy"`
	BalancedAccuracy float64 `json:"balanced_accuracy"`
	Precision        float64 `json:"precision"`
	Recall           float64 `json:"recall"`
	F1               float64 `json:"f1"`
	// ROCAUC is NaN when y_true holds one class.
	ROCAUC           float64 `json:"roc_auc"`
	AveragePrecision float64 `json:"average_precision"`
	LogLoss          float64 `json:"log_loss"`
	Brier            float64 `json:"brier"`
	MCC              float64 `json:"mcc"`
	// CohenKappa is NaN when y_true and y_pred hold the same single class.
	CohenKappa float64 `json:"cohen_kappa"`
	// Confusion counts the outcomes at Threshold.
	Confusion Counts `json:"confusion"`
}

func (r *BinaryReport) fields() []field {
	return []field{
		{"threshold", &r.Threshold},
		{"accuracy", &r.Accuracy},
		{"balanced_accuracy", &r.BalancedAccuracy},
		{"precision", &r.Precision},
		{"recall", &r.Recall},
		{"f1", &r.F1},
		{"roc_auc", &r.ROCAUC},
		{"average_precision", &r.AveragePrecision},
		{"log_loss", &r.LogLoss},
		{"brier", &r.Brier},
		{"mcc", &r.MCC},
		{"cohen_kappa", &r.CohenKappa},
	}
}

// Get returns the metric called name (a JSON field name such as
// "roc_auc") and whether the report has it.
func (r BinaryReport) Get(name string) (float64, bool) { return get(r.fields(), name) }

// MarshalJSON writes the report as a JSON object, NaN as null.
func (r BinaryReport) MarshalJSON() ([]byte, error) {
	return marshal(r.fields(), map[string]any{"confusion": r.Confusion})
}

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (r *BinaryReport) UnmarshalJSON(data []byte) error {
	return unmarshal(data, r.fields(), map[string]any{"confusion": &r.Confusion})
}

// Binary computes every binary metric of scores, the probabilities of
// class 1, against the labels yTrue (0 or 1), predicting class 1 when the
// score is >= threshold. It is BinaryWeighted with nil weights.
func Binary(yTrue []int, scores []float64, threshold float64) (BinaryReport, error) {
	return BinaryWeighted(yTrue, scores, threshold, nil)
}

// BinaryWeighted is [Binary] with sample weights; nil means every row
// weighs 1.
func BinaryWeighted(yTrue []int, scores []float64, threshold float64, weights []float64) (BinaryReport, error) {
	const metric = "binary"
	if err := checkBinary(metric, yTrue, len(scores), weights); err != nil {
		return BinaryReport{}, err
	}
	if err := checkProbs(metric, "scores", scores); err != nil {
		return BinaryReport{}, err
	}
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return BinaryReport{}, errorf(metric, ErrValue, "threshold = %v, want a finite number", threshold)
	}
	yPred := make([]int, len(scores))
	for i, s := range scores {
		if s >= threshold {
			yPred[i] = 1
		}
	}
	c := confusion(yTrue, yPred, 2, weights)
	pos := c.PerClass()[1]
	auc, err := rocAUC(metric, yTrue, scores, weights)
	if err != nil {
		auc = math.NaN()
	}
	return BinaryReport{
		Threshold:        threshold,
		Accuracy:         c.Accuracy(),
		BalancedAccuracy: c.BalancedAccuracy(),
		Precision:        pos.Precision,
		Recall:           pos.Recall,
		F1:               pos.F1,
		ROCAUC:           auc,
		AveragePrecision: averagePrecision(yTrue, scores, weights),
		LogLoss:          logLoss(yTrue, scores, weights),
		Brier:            brier(yTrue, scores, weights),
		MCC:              c.MCC(),
		CohenKappa:       c.CohenKappa(),
		Confusion:        countsOf(c),
	}, nil
}

// MulticlassReport holds every metric of a classifier with K classes.
// Precision, Recall and F1 are macro averages (as "precision_macro" in
// scikit-learn), over the classes present in y_true or y_pred. Undefined
// values are NaN, written as null in JSON.
type MulticlassReport struct {
	Accuracy          float64 `json:"accuracy"`
	BalancedAccuracy  float64 `json:"balanced_accuracy"`
	Precision         float64 `json:"precision"`
	Recall            float64 `json:"recall"`
	F1                float64 `json:"f1"`
	PrecisionMicro    float64 `json:"precision_micro"`
	RecallMicro       float64 `json:"recall_micro"`
	F1Micro           float64 `json:"f1_micro"`
	PrecisionWeighted float64 `json:"precision_weighted"`
	RecallWeighted    float64 `json:"recall_weighted"`
	F1Weighted        float64 `json:"f1_weighted"`
	// ROCAUC is the one-vs-rest macro average, NaN unless every class
	// occurs in y_true.
	ROCAUC     float64 `json:"roc_auc"`
	LogLoss    float64 `json:"log_loss"`
	MCC        float64 `json:"mcc"`
	CohenKappa float64 `json:"cohen_kappa"`
	// PerClass holds the scores of each class 0..K-1.
	PerClass []ClassScores `json:"per_class"`
	// Confusion is the matrix of the predicted labels (each row's most
	// probable class, the first on ties).
	Confusion Confusion `json:"confusion"`
}

func (r *MulticlassReport) fields() []field {
	return []field{
		{"accuracy", &r.Accuracy},
		{"balanced_accuracy", &r.BalancedAccuracy},
		{"precision", &r.Precision},
		{"recall", &r.Recall},
		{"f1", &r.F1},
		{"precision_micro", &r.PrecisionMicro},
		{"recall_micro", &r.RecallMicro},
		{"f1_micro", &r.F1Micro},
		{"precision_weighted", &r.PrecisionWeighted},
		{"recall_weighted", &r.RecallWeighted},
		{"f1_weighted", &r.F1Weighted},
		{"roc_auc", &r.ROCAUC},
		{"log_loss", &r.LogLoss},
		{"mcc", &r.MCC},
		{"cohen_kappa", &r.CohenKappa},
	}
}

// Get returns the metric called name (a JSON field name such as
// "f1_weighted"; "precision_macro", "recall_macro" and "f1_macro" name
// the macro averages too) and whether the report has it.
func (r MulticlassReport) Get(name string) (float64, bool) {
	switch name {
	case "precision_macro", "recall_macro", "f1_macro":
		name = name[:len(name)-len("_macro")]
	}
	return get(r.fields(), name)
}

// MarshalJSON writes the report as a JSON object, NaN as null.
func (r MulticlassReport) MarshalJSON() ([]byte, error) {
	return marshal(r.fields(), map[string]any{"per_class": r.PerClass, "confusion": r.Confusion})
}

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (r *MulticlassReport) UnmarshalJSON(data []byte) error {
	return unmarshal(data, r.fields(), map[string]any{"per_class": &r.PerClass, "confusion": &r.Confusion})
}

// Multiclass computes every multiclass metric of probs against the labels
// yTrue in 0..K-1. probs holds one row per sample and one column per
// class, probs[i][k] being the probability that row i is of class k, as
// scikit-learn's predict_proba; K = len(probs[0]) >= 2 and each row must
// sum to 1. The predicted label is each row's most probable class, the
// first on ties (numpy.argmax). It is MulticlassWeighted with nil weights.
func Multiclass(yTrue []int, probs [][]float64) (MulticlassReport, error) {
	return MulticlassWeighted(yTrue, probs, nil)
}

// MulticlassWeighted is [Multiclass] with sample weights; nil means every
// row weighs 1.
func MulticlassWeighted(yTrue []int, probs [][]float64, weights []float64) (MulticlassReport, error) {
	const metric = "multiclass"
	k, err := checkProbRows(metric, yTrue, probs, weights, true)
	if err != nil {
		return MulticlassReport{}, err
	}
	yPred := make([]int, len(probs))
	for i, row := range probs {
		yPred[i] = argmax(row)
	}
	c := confusion(yTrue, yPred, k, weights)
	auc, err := multiclassROCAUC(metric, yTrue, probs, weights, k)
	if err != nil {
		auc = math.NaN()
	}
	return MulticlassReport{
		Accuracy:          c.Accuracy(),
		BalancedAccuracy:  c.BalancedAccuracy(),
		Precision:         c.Precision(Macro),
		Recall:            c.Recall(Macro),
		F1:                c.F1(Macro),
		PrecisionMicro:    c.Precision(Micro),
		RecallMicro:       c.Recall(Micro),
		F1Micro:           c.F1(Micro),
		PrecisionWeighted: c.Precision(Weighted),
		RecallWeighted:    c.Recall(Weighted),
		F1Weighted:        c.F1(Weighted),
		ROCAUC:            auc,
		LogLoss:           multiclassLogLoss(yTrue, probs, weights),
		MCC:               c.MCC(),
		CohenKappa:        c.CohenKappa(),
		PerClass:          c.PerClass(),
		Confusion:         c,
	}, nil
}

// argmax returns the index of the first largest value.
func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// RegressionReport holds every regression metric. R2 is NaN for a single
// row, written as null in JSON.
type RegressionReport struct {
	MAE                 float64 `json:"mae"`
	MSE                 float64 `json:"mse"`
	RMSE                float64 `json:"rmse"`
	R2                  float64 `json:"r2"`
	MAPE                float64 `json:"mape"`
	MedianAbsoluteError float64 `json:"median_absolute_error"`
	ExplainedVariance   float64 `json:"explained_variance"`
}

func (r *RegressionReport) fields() []field {
	return []field{
		{"mae", &r.MAE},
		{"mse", &r.MSE},
		{"rmse", &r.RMSE},
		{"r2", &r.R2},
		{"mape", &r.MAPE},
		{"median_absolute_error", &r.MedianAbsoluteError},
		{"explained_variance", &r.ExplainedVariance},
	}
}

// Get returns the metric called name (a JSON field name such as "rmse")
// and whether the report has it.
func (r RegressionReport) Get(name string) (float64, bool) { return get(r.fields(), name) }

// MarshalJSON writes the report as a JSON object, NaN as null.
func (r RegressionReport) MarshalJSON() ([]byte, error) { return marshal(r.fields(), nil) }

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (r *RegressionReport) UnmarshalJSON(data []byte) error {
	return unmarshal(data, r.fields(), nil)
}

// Regression computes every regression metric of the predictions yPred
// against the targets yTrue. It is RegressionWeighted with nil weights.
func Regression(yTrue, yPred []float64) (RegressionReport, error) {
	return RegressionWeighted(yTrue, yPred, nil)
}

// RegressionWeighted is [Regression] with sample weights; nil means every
// row weighs 1.
func RegressionWeighted(yTrue, yPred, weights []float64) (RegressionReport, error) {
	if err := checkRegression("regression", yTrue, yPred, weights); err != nil {
		return RegressionReport{}, err
	}
	return RegressionReport{
		MAE:                 mae(yTrue, yPred, weights),
		MSE:                 mse(yTrue, yPred, weights),
		RMSE:                rmse(yTrue, yPred, weights),
		R2:                  r2(yTrue, yPred, weights),
		MAPE:                mape(yTrue, yPred, weights),
		MedianAbsoluteError: medianAbsoluteError(yTrue, yPred, weights),
		ExplainedVariance:   explainedVariance(yTrue, yPred, weights),
	}, nil
}

func (r *BusinessReport) fields() []field {
	return []field{
		{"expected_value", &r.ExpectedValue},
		{"roi", &r.ROI},
		{"value_per_1000", &r.ValuePer1000},
	}
}

// Get returns the metric called name ("expected_value", "roi" or
// "value_per_1000") and whether the report has it.
func (r BusinessReport) Get(name string) (float64, bool) { return get(r.fields(), name) }

// MarshalJSON writes the report as a JSON object, NaN as null.
func (r BusinessReport) MarshalJSON() ([]byte, error) { return marshal(r.fields(), nil) }

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (r *BusinessReport) UnmarshalJSON(data []byte) error {
	return unmarshal(data, r.fields(), nil)
}

// lowerIsBetter lists the metrics that improve as they decrease.
var lowerIsBetter = map[string]bool{
	"log_loss": true, "brier": true, "mae": true, "mse": true, "rmse": true,
	"mape": true, "median_absolute_error": true,
}

// names lists every metric of the reports, family by family.
var names = func() []string {
	var out []string
	for _, fs := range [][]field{
		(&BinaryReport{}).fields()[1:], // not the threshold
		(&MulticlassReport{}).fields(),
		(&RegressionReport{}).fields(),
		(&BusinessReport{}).fields(),
	} {
		for _, f := range fs {
			if !slices.Contains(out, f.name) {
				out = append(out, f.name)
			}
		}
	}
	return out
}()

// Names returns the names of every metric that a report of this package
// holds, binary first, then the multiclass averages, regression and
// business metrics. The slice is a fresh copy.
func Names() []string { return slices.Clone(names) }

// HigherIsBetter reports whether a larger value of the metric called name
// is better, and whether the name is known (one of [Names]).
func HigherIsBetter(name string) (higher, ok bool) {
	if !slices.Contains(names, name) {
		return false, false
	}
	return !lowerIsBetter[name], true
}
