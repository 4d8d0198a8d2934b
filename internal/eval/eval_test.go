package eval_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/linear"
	"github.com/mlcycle/mlcycle/ml/transform"
	"github.com/mlcycle/mlcycle/predict"
)

// reference is testdata/eval/reference.json (make_reference.py).
type reference struct {
	Binary struct {
		Coef      []float64          `json:"coef"`
		Intercept float64            `json:"intercept"`
		Classes   []string           `json:"classes"`
		Value     map[string]float64 `json:"value"`
		Metrics   map[string]float64 `json:"metrics"`
		Business  map[string]float64 `json:"business"`
	} `json:"binary"`
	BinaryThreshold03 map[string]float64 `json:"binary_threshold_0_3"`
	BinaryConstant    struct {
		Metrics map[string]float64 `json:"metrics"`
	} `json:"binary_constant"`
	BinarySingleClass struct {
		Rows    int                `json:"rows"`
		Metrics map[string]float64 `json:"metrics"`
	} `json:"binary_single_class"`
	Multiclass struct {
		Coef      [][]float64        `json:"coef"`
		Intercept []float64          `json:"intercept"`
		Classes   []string           `json:"classes"`
		Metrics   map[string]float64 `json:"metrics"`
	} `json:"multiclass"`
	Regression struct {
		Coef      []float64          `json:"coef"`
		Intercept float64            `json:"intercept"`
		Metrics   map[string]float64 `json:"metrics"`
	} `json:"regression"`
}

func readReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(catalogtest.Testdata(), "eval", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// linearPackage writes a model package of a fixed linear model over the
// numeric columns x1 and x2 of dataset ref (passed through unchanged) and
// returns its path.
func linearPackage(t *testing.T, a *app.App, ref, task string, classes []string, m linear.Model) string {
	t.Helper()
	_, f, err := a.Catalog.Load(t.Context(), ref, []string{"x1", "x2"})
	if err != nil {
		t.Fatal(err)
	}
	pipe, _, err := transform.Fit(t.Context(), transform.Spec{Columns: map[string][]transform.Step{"x1": nil, "x2": nil}}, f, nil, transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tj, err := pipe.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	m.Features = pipe.Outputs()
	mj, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var schema []predict.Field
	for _, in := range pipe.Inputs() {
		schema = append(schema, predict.Field{Name: in.Name, Logical: in.Logical, Required: in.Required})
	}
	p := &predict.Package{Format: predict.Format, Version: predict.FormatVersion, Task: task, Target: "y", Classes: classes,
		Schema: schema, Features: pipe.Outputs(), Transforms: tj, Algo: predict.AlgoLinear, Model: mj}
	if task == predict.TaskBinary {
		p.Threshold = 0.5
	}
	b, err := p.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), task+predict.Extension)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func addCSV(t *testing.T, a *app.App, name string) {
	t.Helper()
	src := filepath.Join(catalogtest.Testdata(), "eval", name+".csv")
	if _, err := a.Catalog.Add(t.Context(), src, catalog.AddOpts{Name: name}); err != nil {
		t.Fatal(err)
	}
}

// checkMetrics compares every reference metric to 1e-9 and checks that
// the report has no metric the reference leaves undefined among names.
func checkMetrics(t *testing.T, what string, got, want map[string]float64, names []string) {
	t.Helper()
	for _, n := range names {
		w, defined := want[n]
		g, ok := got[n]
		switch {
		case defined && !ok:
			t.Errorf("%s: %s missing from the report, scikit-learn: %v", what, n, w)
		case !defined && ok:
			t.Errorf("%s: %s = %v, but scikit-learn leaves it undefined", what, n, g)
		case defined && math.Abs(g-w) > 1e-9:
			t.Errorf("%s: %s = %.15g, scikit-learn %.15g", what, n, g, w)
		}
	}
}

func TestEvalBinaryMatchesScikitLearn(t *testing.T) {
	ref := readReference(t)
	a := catalogtest.New(t)
	addCSV(t, a, "binary")
	addCSV(t, a, "binary_negatives")
	rb := ref.Binary
	path := linearPackage(t, a, "binary", predict.TaskBinary, rb.Classes, linear.Model{Kind: linear.Logistic, Classes: 2,
		Coef: [][]float64{rb.Coef}, Intercept: []float64{rb.Intercept}})
	v := func(k string) *float64 { x := rb.Value[k]; return &x }
	goal := &config.Goal{Value: &config.ValueMatrix{TP: v("tp"), FP: v("fp"), FN: v("fn"), TN: v("tn")}}
	rep, preds, err := a.Eval.Evaluate(t.Context(), eval.Options{Model: path, Data: "binary", Goal: goal, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "binary", rep.Metrics, rb.Metrics, config.ClassificationMetrics)
	b := rep.Business
	if b == nil {
		t.Fatal("no business section with a value matrix in the goal")
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"expected_value", b.ExpectedValue, rb.Business["expected_value"]},
		{"best_threshold", b.BestThreshold, rb.Business["best_threshold"]},
		{"best_value", b.BestValue, rb.Business["best_value"]},
		{"value_at_0_5", b.ValueAtHalf, rb.Business["value_at_0_5"]},
		{"total", b.TotalValue, rb.Business["expected_value"] * 400},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("business %s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	if len(b.Curve.X) != 101 || b.Curve.Y[50] != b.ValueAtHalf {
		t.Errorf("value curve: %d points, value at 0.5 %v vs %v", len(b.Curve.X), b.Curve.Y[50], b.ValueAtHalf)
	}
	if rep.ROC == nil || rep.PR == nil || rep.Calibration == nil || rep.ROC.X[0] != 0 || rep.ROC.Y[len(rep.ROC.Y)-1] != 1 {
		t.Errorf("curves: %+v %+v %+v", rep.ROC, rep.PR, rep.Calibration)
	}
	// Importance: the model reads x1 and x2; the ignored column c is not
	// an input of the model.
	names := []string{}
	for _, im := range rep.Importance {
		names = append(names, im.Feature)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"x1", "x2"}) || rep.Importance[0].Feature != "x1" || rep.Importance[0].Mean <= rep.Importance[1].Mean || rep.Importance[1].Mean <= 0 {
		t.Errorf("importance = %+v, want x1 before x2, both positive", rep.Importance)
	}
	if preds.Pred[0] == "" || len(preds.Rows) != 400 || preds.Rows[399] != 400 {
		t.Errorf("predictions: %d rows", len(preds.Rows))
	}
	var csv strings.Builder
	if err := preds.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(lines) != 401 || lines[0] != "row,true,predicted,score" {
		t.Errorf("predictions CSV: %d lines, header %q", len(lines), lines[0])
	}
	// The evaluation is recorded as a run with the report as artifact.
	rs, err := a.Store.ListRuns(t.Context(), store.RunFilter{Kind: store.RunEval})
	if err != nil || len(rs) != 1 || rs[0].Status != store.RunSucceeded || rs[0].Inputs[0].Dataset != "binary" {
		t.Fatalf("eval runs = %+v, %v", rs, err)
	}
	rc, err := a.Blob.NewReader(t.Context(), rs[0].ArtifactKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var stored eval.Report
	if err := json.NewDecoder(rc).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if stored.Format != eval.ReportFormat || stored.Metrics["roc_auc"] != rep.Metrics["roc_auc"] {
		t.Errorf("stored report: format %q, roc_auc %v", stored.Format, stored.Metrics["roc_auc"])
	}

	// Another threshold, a constant model (every score ties) and data of
	// one class.
	rep, _, err = a.Eval.Evaluate(t.Context(), eval.Options{Model: path, Data: "binary", Threshold: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "threshold 0.3", rep.Metrics, ref.BinaryThreshold03, config.ClassificationMetrics)
	constant := linearPackage(t, a, "binary", predict.TaskBinary, rb.Classes, linear.Model{Kind: linear.Logistic, Classes: 2,
		Coef: [][]float64{{0, 0}}, Intercept: []float64{0}})
	rep, _, err = a.Eval.Evaluate(t.Context(), eval.Options{Model: constant, Data: "binary"})
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "constant", rep.Metrics, ref.BinaryConstant.Metrics, config.ClassificationMetrics)
	rep, _, err = a.Eval.Evaluate(t.Context(), eval.Options{Model: path, Data: "binary_negatives"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Data.Rows != ref.BinarySingleClass.Rows {
		t.Errorf("single class: %d rows, want %d", rep.Data.Rows, ref.BinarySingleClass.Rows)
	}
	checkMetrics(t, "single class", rep.Metrics, ref.BinarySingleClass.Metrics, config.ClassificationMetrics)
	if rep.ROC != nil {
		t.Error("single class: a ROC curve")
	}
}

func TestEvalMulticlassMatchesScikitLearn(t *testing.T) {
	ref := readReference(t)
	a := catalogtest.New(t)
	addCSV(t, a, "multiclass")
	rm := ref.Multiclass
	path := linearPackage(t, a, "multiclass", predict.TaskMulticlass, rm.Classes, linear.Model{Kind: linear.Softmax, Classes: 3,
		Coef: rm.Coef, Intercept: rm.Intercept})
	rep, preds, err := a.Eval.Evaluate(t.Context(), eval.Options{Model: path, Data: "multiclass"})
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Concat(config.ClassificationMetrics, []string{"precision_micro", "recall_micro", "f1_micro", "precision_weighted", "recall_weighted", "f1_weighted"})
	names = slices.DeleteFunc(names, func(n string) bool { return n == "average_precision" || n == "brier" })
	checkMetrics(t, "multiclass", rep.Metrics, rm.Metrics, names)
	var csv strings.Builder
	if err := preds.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(csv.String(), "\n"); head != "row,true,predicted,proba_cat,proba_dog,proba_emu" {
		t.Errorf("predictions header %q", head)
	}
}

func TestEvalRegressionMatchesScikitLearn(t *testing.T) {
	ref := readReference(t)
	a := catalogtest.New(t)
	addCSV(t, a, "regression")
	rr := ref.Regression
	path := linearPackage(t, a, "regression", predict.TaskRegression, nil, linear.Model{Kind: linear.Regression,
		Coef: [][]float64{rr.Coef}, Intercept: []float64{rr.Intercept}})
	rep, _, err := a.Eval.Evaluate(t.Context(), eval.Options{Model: path, Data: "regression"})
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "regression", rep.Metrics, rr.Metrics, config.RegressionMetrics)
	if rep.Residuals == nil || len(rep.Residuals.Residual) != 250 {
		t.Fatalf("residuals: %+v", rep.Residuals)
	}
	for i, r := range rep.Residuals.Residual {
		if r != rep.Residuals.Actual[i]-rep.Residuals.Predicted[i] {
			t.Fatalf("residual %d = %v, want actual − predicted", i, r)
		}
	}
}
