package framing

import (
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// score computes every metric of the task family on one fold's held-out
// rows, plus the business metrics when the goal has a value matrix.
// Binary predictions are positive at probability ≥ 0.5. Metrics that a
// fold cannot define (ROC-AUC with one class) are left out of that fold.
func score(p *problem, rows []int, preds [][]float64, g *config.Goal) (map[string]float64, error) {
	out := map[string]float64{}
	names := config.ClassificationMetrics
	switch p.task {
	case config.TaskRegression:
		yt, yp := make([]float64, len(rows)), make([]float64, len(rows))
		for j, i := range rows {
			yt[j], yp[j] = p.y[i], preds[j][0]
		}
		r, err := metrics.Regression(yt, yp)
		if err != nil {
			return nil, err
		}
		for _, n := range config.RegressionMetrics {
			if v, ok := r.Get(n); ok {
				out[n] = v
			}
		}
	case config.TaskBinary:
		yt, s := make([]int, len(rows)), make([]float64, len(rows))
		for j, i := range rows {
			yt[j], s[j] = int(p.y[i]), preds[j][1]
		}
		r, err := metrics.Binary(yt, s, 0.5)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if v, ok := r.Get(n); ok {
				out[n] = v
			}
		}
		if g != nil && g.Value != nil {
			v := metrics.Values{TP: *g.Value.TP, FP: *g.Value.FP, FN: *g.Value.FN, TN: *g.Value.TN}
			b, err := metrics.Business(r.Confusion, v)
			if err != nil {
				return nil, err
			}
			for _, n := range config.BusinessMetrics {
				if x, ok := b.Get(n); ok {
					out[n] = x
				}
			}
		}
	default:
		yt := make([]int, len(rows))
		for j, i := range rows {
			yt[j] = int(p.y[i])
		}
		r, err := metrics.Multiclass(yt, preds)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if v, ok := r.Get(n); ok {
				out[n] = v
			}
		}
	}
	return out, nil
}
