package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The reference values come from scikit-learn: testdata/metrics/reference.json
// is written by testdata/metrics/make_reference.py (scikit-learn 1.2.1,
// NumPy 1.24.2; see testdata/metrics/README.md). Values agree to a relative
// tolerance of 1e-9, or 1e-12 absolute near zero; null means scikit-learn
// raised or returned NaN.
const (
	relTol = 1e-9
	absTol = 1e-12
)

type refDoc struct {
	Sklearn    string          `json:"sklearn"`
	NumPy      string          `json:"numpy"`
	Binary     []refBinary     `json:"binary"`
	Multiclass []refMulticlass `json:"multiclass"`
	Regression []refRegression `json:"regression"`
}

type refBinary struct {
	Name      string              `json:"name"`
	YTrue     []int               `json:"y_true"`
	Scores    []float64           `json:"scores"`
	Weights   []float64           `json:"weights"`
	Threshold float64             `json:"threshold"`
	YPred     []int               `json:"y_pred"`
	Metrics   map[string]*float64 `json:"metrics"`
	Confusion []float64           `json:"confusion"`
	ROCCurve  *struct {
		FPR        []*float64 `json:"fpr"`
		TPR        []*float64 `json:"tpr"`
		Thresholds []*float64 `json:"thresholds"`
	} `json:"roc_curve"`
	PRCurve *struct {
		Precision  []*float64 `json:"precision"`
		Recall     []*float64 `json:"recall"`
		Thresholds []*float64 `json:"thresholds"`
	} `json:"pr_curve"`
	Calibration struct {
		ProbTrue []*float64 `json:"prob_true"`
		ProbPred []*float64 `json:"prob_pred"`
	} `json:"calibration"`
}

type refMulticlass struct {
	Name     string              `json:"name"`
	K        int                 `json:"k"`
	YTrue    []int               `json:"y_true"`
	Probs    [][]float64         `json:"probs"`
	Weights  []float64           `json:"weights"`
	YPred    []int               `json:"y_pred"`
	Metrics  map[string]*float64 `json:"metrics"`
	PerClass struct {
		Precision []float64 `json:"precision"`
		Recall    []float64 `json:"recall"`
		F1        []float64 `json:"f1"`
		Support   []float64 `json:"support"`
	} `json:"per_class"`
	Confusion []float64 `json:"confusion"`
}

type refRegression struct {
	Name    string              `json:"name"`
	YTrue   []float64           `json:"y_true"`
	YPred   []float64           `json:"y_pred"`
	Weights []float64           `json:"weights"`
	Metrics map[string]*float64 `json:"metrics"`
}

func loadReference(t testing.TB) refDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "metrics", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc refDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Binary) == 0 || len(doc.Multiclass) == 0 || len(doc.Regression) == 0 {
		t.Fatal("reference.json has an empty family")
	}
	return doc
}

// close reports whether got equals want within the tolerances; a nil want
// (scikit-learn's NaN) matches NaN only.
func close(got float64, want *float64) bool {
	if want == nil {
		return math.IsNaN(got)
	}
	d := math.Abs(got - *want)
	return d <= absTol || d <= relTol*math.Abs(*want)
}

func str(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}

func checkSlice(t *testing.T, name string, got []float64, want []*float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d values, want %d\ngot  %v", name, len(got), len(want), got)
		return
	}
	for i := range got {
		if !close(got[i], want[i]) {
			t.Errorf("%s[%d] = %v, want %v", name, i, got[i], str(want[i]))
		}
	}
}

func ptrs(x []float64) []*float64 {
	out := make([]*float64, len(x))
	for i := range x {
		out[i] = &x[i]
	}
	return out
}

// checkMetric compares a metric function's result: a nil want means the
// function must fail with ErrUndefined or return NaN.
func checkMetric(t *testing.T, name string, got float64, err error, want *float64) {
	t.Helper()
	if want == nil && errors.Is(err, ErrUndefined) {
		return
	}
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !close(got, want) {
		t.Errorf("%s = %v, want %v", name, got, str(want))
	}
}

func TestBinaryReference(t *testing.T) {
	t.Parallel()
	doc := loadReference(t)
	t.Logf("reference: scikit-learn %s, NumPy %s", doc.Sklearn, doc.NumPy)
	for _, c := range doc.Binary {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			r, err := BinaryWeighted(c.YTrue, c.Scores, c.Threshold, c.Weights)
			if err != nil {
				t.Fatalf("BinaryWeighted: %v", err)
			}
			for name, want := range c.Metrics {
				got, ok := r.Get(name)
				if !ok {
					t.Errorf("Get(%q) not found", name)
					continue
				}
				if !close(got, want) {
					t.Errorf("report %s = %v, want %v", name, got, str(want))
				}
			}
			conf := []float64{r.Confusion.TN, r.Confusion.FP, r.Confusion.FN, r.Confusion.TP}
			checkSlice(t, "confusion", conf, ptrs(c.Confusion))

			w, m := c.Weights, c.Metrics
			for _, f := range []struct {
				name string
				fn   func(yTrue, yPred []int, weights []float64) (float64, error)
			}{
				{"accuracy", Accuracy}, {"balanced_accuracy", BalancedAccuracy},
				{"precision", Precision}, {"recall", Recall}, {"f1", F1},
				{"mcc", MCC}, {"cohen_kappa", CohenKappa},
			} {
				got, err := f.fn(c.YTrue, c.YPred, w)
				checkMetric(t, f.name, got, err, m[f.name])
			}
			for _, f := range []struct {
				name string
				fn   func(yTrue []int, scores, weights []float64) (float64, error)
			}{
				{"roc_auc", ROCAUC}, {"average_precision", AveragePrecision},
				{"log_loss", LogLoss}, {"brier", Brier},
			} {
				got, err := f.fn(c.YTrue, c.Scores, w)
				checkMetric(t, f.name, got, err, m[f.name])
			}

			fpr, tpr, thr, err := ROCCurve(c.YTrue, c.Scores, w)
			switch {
			case c.ROCCurve == nil:
				t.Fatal("reference has no roc_curve")
			case err != nil:
				// scikit-learn returns NaN rates when a class weighs nothing.
				if !errors.Is(err, ErrUndefined) || (c.ROCCurve.FPR[0] != nil && c.ROCCurve.TPR[0] != nil) {
					t.Errorf("ROCCurve: %v", err)
				}
			default:
				checkSlice(t, "fpr", fpr, c.ROCCurve.FPR)
				checkSlice(t, "tpr", tpr, c.ROCCurve.TPR)
				checkSlice(t, "roc thresholds", thr, c.ROCCurve.Thresholds)
			}

			p, rec, thr, err := PRCurve(c.YTrue, c.Scores, w)
			if err != nil {
				t.Fatalf("PRCurve: %v", err)
			}
			checkSlice(t, "precision", p, c.PRCurve.Precision)
			checkSlice(t, "recall", rec, c.PRCurve.Recall)
			checkSlice(t, "pr thresholds", thr, c.PRCurve.Thresholds)

			pt, pp, err := CalibrationCurve(c.YTrue, c.Scores, 10)
			if err != nil {
				t.Fatalf("CalibrationCurve: %v", err)
			}
			checkSlice(t, "prob_true", pt, c.Calibration.ProbTrue)
			checkSlice(t, "prob_pred", pp, c.Calibration.ProbPred)
		})
	}
}

func TestMulticlassReference(t *testing.T) {
	t.Parallel()
	doc := loadReference(t)
	for _, c := range doc.Multiclass {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			r, err := MulticlassWeighted(c.YTrue, c.Probs, c.Weights)
			if err != nil {
				t.Fatalf("MulticlassWeighted: %v", err)
			}
			for name, want := range c.Metrics {
				got, ok := r.Get(name)
				if !ok {
					t.Errorf("Get(%q) not found", name)
					continue
				}
				if !close(got, want) {
					t.Errorf("report %s = %v, want %v", name, got, str(want))
				}
			}
			if len(r.PerClass) != c.K {
				t.Fatalf("len(PerClass) = %d, want %d", len(r.PerClass), c.K)
			}
			for k, s := range r.PerClass {
				for _, f := range []struct {
					name      string
					got, want float64
				}{
					{"precision", s.Precision, c.PerClass.Precision[k]},
					{"recall", s.Recall, c.PerClass.Recall[k]},
					{"f1", s.F1, c.PerClass.F1[k]},
					{"support", s.Support, c.PerClass.Support[k]},
				} {
					if !close(f.got, &f.want) {
						t.Errorf("PerClass[%d].%s = %v, want %v", k, f.name, f.got, f.want)
					}
				}
			}
			var conf []float64
			for _, row := range r.Confusion.Matrix {
				conf = append(conf, row...)
			}
			checkSlice(t, "confusion", conf, ptrs(c.Confusion))

			cm, err := NewConfusion(c.YTrue, c.YPred, c.K, c.Weights)
			if err != nil {
				t.Fatalf("NewConfusion: %v", err)
			}
			for _, avg := range []Average{Macro, Micro, Weighted} {
				s := "_" + avg.String()
				checkMetric(t, "precision"+s, cm.Precision(avg), nil, c.Metrics["precision"+s])
				checkMetric(t, "recall"+s, cm.Recall(avg), nil, c.Metrics["recall"+s])
				checkMetric(t, "f1"+s, cm.F1(avg), nil, c.Metrics["f1"+s])
			}
			got, err := MulticlassROCAUC(c.YTrue, c.Probs, c.Weights)
			checkMetric(t, "MulticlassROCAUC", got, err, c.Metrics["roc_auc"])
			got, err = MulticlassLogLoss(c.YTrue, c.Probs, c.Weights)
			checkMetric(t, "MulticlassLogLoss", got, err, c.Metrics["log_loss"])
		})
	}
}

func TestRegressionReference(t *testing.T) {
	t.Parallel()
	doc := loadReference(t)
	funcs := map[string]func(yTrue, yPred, weights []float64) (float64, error){
		"mae": MAE, "mse": MSE, "rmse": RMSE, "r2": R2, "mape": MAPE,
		"median_absolute_error": MedianAbsoluteError, "explained_variance": ExplainedVariance,
	}
	for _, c := range doc.Regression {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			r, err := RegressionWeighted(c.YTrue, c.YPred, c.Weights)
			if err != nil {
				t.Fatalf("RegressionWeighted: %v", err)
			}
			if len(c.Metrics) != len(funcs) {
				t.Errorf("reference has %d metrics, want %d", len(c.Metrics), len(funcs))
			}
			for name, want := range c.Metrics {
				got, ok := r.Get(name)
				if !ok {
					t.Errorf("Get(%q) not found", name)
					continue
				}
				if !close(got, want) {
					t.Errorf("report %s = %v, want %v", name, got, str(want))
				}
				got, err := funcs[name](c.YTrue, c.YPred, c.Weights)
				checkMetric(t, name, got, err, want)
			}
		})
	}
}
