package train

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mlcycle/mlcycle/ml/metrics"
	"github.com/mlcycle/mlcycle/predict"
)

// Metrics maps metric names (scikit-learn's, as in the goal) to values.
// Undefined metrics (ROC-AUC of a single class) are left out.
type Metrics map[string]float64

// Score computes every metric of the task on predictions res of rows
// whose labels are y (class indices or values). threshold is the binary
// decision threshold.
func Score(task string, y []float64, res *predict.Result, threshold float64) (Metrics, error) {
	var rep any
	var err error
	switch task {
	case predict.TaskBinary:
		scores := make([]float64, res.Len())
		for i := range scores {
			scores[i] = res.Score(i)
		}
		rep, err = metrics.Binary(classIndex(y), scores, threshold)
	case predict.TaskMulticlass:
		probs := make([][]float64, res.Len())
		for i := range probs {
			probs[i] = res.Proba(i)
		}
		rep, err = metrics.Multiclass(classIndex(y), probs)
	default:
		rep, err = metrics.Regression(y, res.Values)
	}
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	return Flatten(rep)
}

// Flatten keeps the numeric top-level fields of a metrics report (a
// metrics.BinaryReport, MulticlassReport or RegressionReport) by their
// JSON names, leaving out undefined (NaN) values and the threshold.
func Flatten(rep any) (Metrics, error) {
	b, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	out := Metrics{}
	for k, v := range m {
		if f, ok := v.(float64); ok && !math.IsNaN(f) && k != "threshold" {
			out[k] = f
		}
	}
	return out, nil
}
