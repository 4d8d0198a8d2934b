// Package eval evaluates a model package on a dataset version (`mlcycle
// eval`): every metric of the task (equal to scikit-learn's on the same
// predictions), curves, business value from the goal's value matrix,
// permutation importance, and the "goal met?" gate with a diagnosis of
// where to go back when it fails.
//
// Evaluation predicts through predict.Model, the same code that serves
// the model, so the metrics describe what production will see.
package eval

import (
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// ReportFormat names the evaluation report's JSON document
// (docs/format/eval.md); ReportVersion is its version.
const (
	ReportFormat  = "mlcycle.eval"
	ReportVersion = 1
)

// Report is the result of an evaluation.
type Report struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Model   ModelInfo `json:"model"`
	Data    DataInfo  `json:"data"`
	Task    string    `json:"task"`
	Classes []string  `json:"classes,omitempty"`
	// Metrics holds every defined metric by its scikit-learn name.
	Metrics    map[string]float64        `json:"metrics"`
	Binary     *metrics.BinaryReport     `json:"binary,omitempty"`
	Multiclass *metrics.MulticlassReport `json:"multiclass,omitempty"`
	Regression *metrics.RegressionReport `json:"regression,omitempty"`
	ROC        *XY                       `json:"roc,omitempty"`
	PR         *XY                       `json:"pr,omitempty"`
	// Calibration is the reliability diagram (10 uniform bins): X the
	// mean predicted probability, Y the observed positive rate.
	Calibration *XY       `json:"calibration,omitempty"`
	Residuals   *Residual `json:"residuals,omitempty"`
	Business    *Business `json:"business,omitempty"`
	// Importance is the permutation importance of each input column,
	// most important first, with the model's own gain importance where
	// the model has one.
	Importance []Importance `json:"importance"`
	// ImportanceMetric is the metric permutation importance measures.
	ImportanceMetric string `json:"importance_metric"`
	// LearningCurve is the training run's per-round curve, if any.
	LearningCurve *train.Curve `json:"learning_curve,omitempty"`
	// LatencyP99MS is the 99th percentile of single-row prediction
	// latency measured during the evaluation, in milliseconds.
	LatencyP99MS float64 `json:"latency_p99_ms"`
	Gate         *Gate   `json:"gate,omitempty"`
}

// ModelInfo identifies the evaluated model.
type ModelInfo struct {
	Ref    string `json:"ref"`
	Run    int64  `json:"run,omitempty"`
	Name   string `json:"name,omitempty"`
	Algo   string `json:"algo"`
	Target string `json:"target"`
	// TrainSeconds is the training run's duration; nil when the model
	// came from a file without its run.
	TrainSeconds *float64 `json:"train_seconds,omitempty"`
}

// DataInfo identifies the evaluation data.
type DataInfo struct {
	Dataset string `json:"dataset"`
	Version int    `json:"version"`
	Rows    int    `json:"rows"`
	// Skipped counts rows without a target value.
	Skipped int `json:"skipped"`
}

// XY is a curve.
type XY struct {
	X          []float64 `json:"x"`
	Y          []float64 `json:"y"`
	Thresholds []float64 `json:"thresholds,omitempty"`
}

// Residual holds a sample of a regression's predictions and residuals
// (true − predicted), at most 2,000 rows, for the residual plot.
type Residual struct {
	Predicted []float64 `json:"predicted"`
	Residual  []float64 `json:"residual"`
	Actual    []float64 `json:"actual"`
}

// Business is the value of the model's decisions under the goal's value
// matrix (binary tasks).
type Business struct {
	Values    metrics.Values `json:"values"`
	Threshold float64        `json:"threshold"`
	Counts    metrics.Counts `json:"counts"`
	// ExpectedValue is the mean value of one prediction at Threshold;
	// TotalValue its sum over the evaluated rows.
	ExpectedValue float64 `json:"expected_value"`
	TotalValue    float64 `json:"total_value"`
	ValuePer1000  float64 `json:"value_per_1000"`
	// ROI is metrics.ROI (NaN → omitted when nothing is spent).
	ROI *float64 `json:"roi,omitempty"`
	// CostPerPositive is what acting costs per positive prediction
	// (v.TN − v.FP, the value lost by acting on a negative, as in ROI);
	// CostPerTruePositive is the total cost of acting divided by the true
	// positives reached.
	CostPerPositive     float64  `json:"cost_per_positive"`
	CostPerTruePositive *float64 `json:"cost_per_true_positive,omitempty"`
	// BestThreshold maximises the expected value; BestValue is that
	// value, ValueAtHalf the value at threshold 0.5, NoActionValue the
	// value of acting on nobody.
	BestThreshold float64 `json:"best_threshold"`
	BestValue     float64 `json:"best_value"`
	ValueAtHalf   float64 `json:"value_at_0_5"`
	NoActionValue float64 `json:"no_action_value"`
	// Curve is the expected value per prediction at thresholds 0, 0.01,
	// ..., 1.
	Curve XY `json:"curve"`
}

// Importance is one input column's importance.
type Importance struct {
	Feature string `json:"feature"`
	// Mean and Std are the drop of ImportanceMetric (its rise for
	// metrics where lower is better) when the column is shuffled, over
	// the repeats.
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	// Gain is the model's total split gain on features made from this
	// column (trees), or its |coefficient| × std (linear); nil otherwise.
	Gain *float64 `json:"gain,omitempty"`
}

// Gate is the "goal met?" decision.
type Gate struct {
	Passed bool        `json:"passed"`
	Lines  []GateLine  `json:"criteria"`
	Causes []Diagnosis `json:"diagnosis,omitempty"`
}

// GateLine is one criterion of the goal checked.
type GateLine struct {
	Criterion string   `json:"criterion"`
	Name      string   `json:"name"`
	Value     *float64 `json:"value"`
	Pass      bool     `json:"pass"`
	// Note explains a failure that has no value ("not measured").
	Note string `json:"note,omitempty"`
}

// Diagnosis is one finding about why the gate failed and where to go back.
type Diagnosis struct {
	// Kind is more_data, overfitting, underfitting or budget.
	Kind string `json:"kind"`
	// Phase is the lifecycle phase to return to.
	Phase string `json:"phase"`
	// Message states the finding with its evidence in numbers.
	Message  string             `json:"message"`
	Evidence map[string]float64 `json:"evidence"`
}
