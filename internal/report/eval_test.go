package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// The evaluation reports of these tests are built by hand: a binary
// churn model with a value matrix, a failed gate with a diagnosis and a
// learning curve; a three-class model; and a regression model with
// residuals and no learning curve.

// binaryEval is a binary evaluation of 2,000 rows at threshold 0.35.
func binaryEval() *eval.Report {
	c := metrics.Counts{TP: 220, FP: 95, FN: 80, TN: 1605}
	v := metrics.Values{TP: 90, FP: -10, FN: 0, TN: 0}
	ev := (c.TP*v.TP + c.FP*v.FP + c.FN*v.FN + c.TN*v.TN) / c.N()
	roi := (c.TP*(v.TP-v.FN) + c.FP*(v.FP-v.TN)) / ((c.TP + c.FP) * (v.TN - v.FP))
	cpt := (c.TP + c.FP) * (v.TN - v.FP) / c.TP
	// The value curve is a parabola with its top at 0.28.
	const best, top = 0.28, 9.61
	value := func(t float64) float64 { return top - 40*(t-best)*(t-best) }
	var curve eval.XY
	for i := 0; i <= 100; i++ {
		t := float64(i) / 100
		curve.X = append(curve.X, t)
		curve.Y = append(curve.Y, value(t))
	}
	b := &metrics.BinaryReport{
		Threshold: 0.35, Accuracy: 0.9125, BalancedAccuracy: 0.837, Precision: 220.0 / 315, Recall: 220.0 / 300,
		F1: 0.7154, ROCAUC: 0.9012, AveragePrecision: 0.7345, LogLoss: 0.2611, Brier: 0.0712, MCC: 0.6641, CohenKappa: 0.6635,
		Confusion: c,
	}
	var trainCurve, validCurve []float64
	for i := range 40 {
		r := float64(i + 1)
		trainCurve = append(trainCurve, 0.69*math.Exp(-r/12)+0.05)
		validCurve = append(validCurve, 0.69*math.Exp(-r/10)+0.16+0.0012*r)
	}
	return &eval.Report{
		Format: eval.ReportFormat, Version: eval.ReportVersion,
		Model:   eval.ModelInfo{Ref: "runs/42", Run: 42, Name: "churn-gbdt", Algo: "gbdt", Target: "churned", TrainSeconds: f(12.5)},
		Data:    eval.DataInfo{Dataset: "churn", Version: 3, Rows: 2000, Skipped: 4},
		Task:    "binary",
		Classes: []string{"stay", "churn"},
		Metrics: map[string]float64{
			"accuracy": b.Accuracy, "balanced_accuracy": b.BalancedAccuracy, "precision": b.Precision, "recall": b.Recall,
			"f1": b.F1, "roc_auc": b.ROCAUC, "average_precision": b.AveragePrecision, "log_loss": b.LogLoss,
			"brier": b.Brier, "mcc": b.MCC, "cohen_kappa": b.CohenKappa,
			"expected_value": ev, "value_per_1000": 1000 * ev, "roi": roi,
			"lift_at_10": 3.2, // not a metrics.Names metric: listed last
		},
		Binary: b,
		ROC: &eval.XY{
			X:          []float64{0, 0, 0.01, 0.03, 0.06, 0.1, 0.16, 0.25, 0.4, 0.6, 0.8, 1},
			Y:          []float64{0, 0.21, 0.42, 0.6, 0.71, 0.79, 0.86, 0.91, 0.95, 0.98, 0.995, 1},
			Thresholds: []float64{1, 0.95, 0.8, 0.6, 0.45, 0.35, 0.27, 0.2, 0.12, 0.07, 0.03, 0.01},
		},
		PR: &eval.XY{
			X: []float64{1, 0.98, 0.95, 0.91, 0.86, 0.79, 0.71, 0.6, 0.42, 0.21, 0},
			Y: []float64{0.15, 0.2, 0.27, 0.38, 0.5, 0.62, 0.7, 0.78, 0.87, 0.95, 1},
		},
		Calibration: &eval.XY{
			X: []float64{0.02, 0.14, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.96},
			Y: []float64{0.01, 0.11, 0.22, 0.37, 0.5, 0.58, 0.7, 0.79, 0.9, 0.93},
		},
		Business: &eval.Business{
			Values: v, Threshold: 0.35, Counts: c,
			ExpectedValue: ev, TotalValue: ev * c.N(), ValuePer1000: 1000 * ev, ROI: &roi,
			CostPerPositive: v.TN - v.FP, CostPerTruePositive: &cpt,
			BestThreshold: best, BestValue: top, ValueAtHalf: value(0.5), NoActionValue: 0,
			Curve: curve,
		},
		Importance: []eval.Importance{
			{Feature: "tenure", Mean: 0.081, Std: 0.0062, Gain: f(1820.5)},
			{Feature: "monthly_charges", Mean: 0.043, Std: 0.004, Gain: f(960.25)},
			{Feature: nasty, Mean: 0.012, Std: 0.003, Gain: f(240)},
			{Feature: "contract", Mean: 0.027, Std: 0.0051, Gain: f(510)},
			{Feature: "region", Mean: -0.0015, Std: 0.002}, // shuffling helps a little; no gain
		},
		ImportanceMetric: "roc_auc",
		LearningCurve:    &train.Curve{Metric: "logloss", Train: trainCurve, Valid: validCurve},
		LatencyP99MS:     0.0421,
		Gate: &eval.Gate{
			Passed: false,
			Lines: []eval.GateLine{
				{Criterion: "roc_auc >= 0.85", Name: "roc_auc", Value: f(0.9012), Pass: true},
				{Criterion: "precision >= 0.8", Name: "precision", Value: f(220.0 / 315), Pass: false},
				{Criterion: "expected_value >= 12", Name: "expected_value", Pass: false, Note: "not measured: the goal has no value matrix"},
				{Criterion: "budget.train_seconds <= 10", Name: "train_seconds", Value: f(12.5), Pass: false},
				{Criterion: "budget.p99_latency_ms <= 1", Name: "p99_latency_ms", Value: f(0.0421), Pass: true},
			},
			Causes: []eval.Diagnosis{
				{Kind: eval.CauseOverfitting, Phase: "train", Message: "precision is 0.91 on the training rows and 0.70 here: the model overfits; regularise it or stop earlier.",
					Evidence: map[string]float64{"train": 0.91, "eval": 0.6984}},
				{Kind: eval.CauseMoreData, Phase: "data", Message: "the validation score still rises with more rows: collect more data.",
					Evidence: map[string]float64{"gain_last_quarter": 0.012}},
			},
		},
	}
}

// multiclassEval is a three-class evaluation whose per-class scores and
// averages are computed from its confusion matrix.
func multiclassEval() *eval.Report {
	m := [][]float64{{50, 0, 0}, {0, 47, 3}, {1, 4, 45}}
	k := len(m)
	per := make([]metrics.ClassScores, k)
	var total, correct float64
	for i := range k {
		var row, col float64
		for j := range k {
			row += m[i][j]
			col += m[j][i]
		}
		p, r := m[i][i]/col, m[i][i]/row
		per[i] = metrics.ClassScores{Precision: p, Recall: r, F1: 2 * p * r / (p + r), Support: row}
		total += row
		correct += m[i][i]
	}
	var mr metrics.MulticlassReport
	for _, s := range per {
		mr.Precision += s.Precision / float64(k)
		mr.Recall += s.Recall / float64(k)
		mr.F1 += s.F1 / float64(k)
		mr.PrecisionWeighted += s.Precision * s.Support / total
		mr.RecallWeighted += s.Recall * s.Support / total
		mr.F1Weighted += s.F1 * s.Support / total
	}
	mr.Accuracy = correct / total
	mr.BalancedAccuracy = mr.Recall
	mr.PrecisionMicro, mr.RecallMicro, mr.F1Micro = mr.Accuracy, mr.Accuracy, mr.Accuracy
	mr.ROCAUC, mr.LogLoss, mr.MCC, mr.CohenKappa = 0.9871, 0.1843, 0.9102, 0.91
	mr.PerClass = per
	mr.Confusion = metrics.Confusion{Matrix: m, Present: []bool{true, true, true}}
	return &eval.Report{
		Format: eval.ReportFormat, Version: eval.ReportVersion,
		Model:   eval.ModelInfo{Ref: "runs/7", Run: 7, Algo: "softmax", Target: "species"},
		Data:    eval.DataInfo{Dataset: "iris", Version: 1, Rows: 150},
		Task:    "multiclass",
		Classes: []string{"setosa", "versicolor", "virginica"},
		Metrics: map[string]float64{
			"accuracy": mr.Accuracy, "balanced_accuracy": mr.BalancedAccuracy, "precision": mr.Precision, "recall": mr.Recall, "f1": mr.F1,
			"precision_micro": mr.PrecisionMicro, "recall_micro": mr.RecallMicro, "f1_micro": mr.F1Micro,
			"precision_weighted": mr.PrecisionWeighted, "recall_weighted": mr.RecallWeighted, "f1_weighted": mr.F1Weighted,
			"roc_auc": mr.ROCAUC, "log_loss": mr.LogLoss, "mcc": mr.MCC, "cohen_kappa": mr.CohenKappa,
		},
		Multiclass: &mr,
		Importance: []eval.Importance{
			{Feature: "petal_length", Mean: 0.31, Std: 0.021, Gain: f(2.8)},
			{Feature: "petal_width", Mean: 0.22, Std: 0.018, Gain: f(2.1)},
			{Feature: "sepal_length", Mean: 0.02, Std: 0.006, Gain: f(0.4)},
			{Feature: "sepal_width", Mean: 0.004, Std: 0.003, Gain: f(0.2)},
		},
		ImportanceMetric: "accuracy",
		LearningCurve:    &train.Curve{Metric: "mlogloss", Train: []float64{0.9, 0.6, 0.42, 0.31, 0.24, 0.2}},
		LatencyP99MS:     0.0123,
	}
}

// regressionEval is a regression evaluation with a residual sample of 64
// rows and metrics computed from it; it has no learning curve and a gate
// that passes.
func regressionEval() *eval.Report {
	const n = 64
	res := &eval.Residual{}
	var sae, sse float64
	for i := range n {
		actual := 200 + 150*math.Sin(float64(i)*0.37) + float64(i)
		pred := actual - 12*math.Cos(float64(i)*1.7) - 0.08*(actual-200)
		res.Actual = append(res.Actual, actual)
		res.Predicted = append(res.Predicted, pred)
		res.Residual = append(res.Residual, actual-pred)
		sae += math.Abs(actual - pred)
		sse += (actual - pred) * (actual - pred)
	}
	rr := &metrics.RegressionReport{MAE: sae / n, MSE: sse / n, RMSE: math.Sqrt(sse / n), R2: 0.9731, MAPE: 0.0512, MedianAbsoluteError: 8.93, ExplainedVariance: 0.9734}
	return &eval.Report{
		Format: eval.ReportFormat, Version: eval.ReportVersion,
		Model: eval.ModelInfo{Ref: "model.mlc", Algo: "linear", Target: "sale_price"},
		Data:  eval.DataInfo{Dataset: "ames", Version: 2, Rows: 586},
		Task:  "regression",
		Metrics: map[string]float64{"mae": rr.MAE, "mse": rr.MSE, "rmse": rr.RMSE, "r2": rr.R2, "mape": rr.MAPE,
			"median_absolute_error": rr.MedianAbsoluteError, "explained_variance": rr.ExplainedVariance},
		Regression: rr,
		Residuals:  res,
		Importance: []eval.Importance{
			{Feature: "overall_qual", Mean: 21.5, Std: 1.9},
			{Feature: "gr_liv_area", Mean: 14.2, Std: 1.1},
			{Feature: "year_built", Mean: 3.3, Std: 0.7},
		},
		ImportanceMetric: "rmse",
		LatencyP99MS:     0.0031,
		Gate: &eval.Gate{Passed: true, Lines: []eval.GateLine{
			{Criterion: "rmse <= 25", Name: "rmse", Value: f(rr.RMSE), Pass: true},
		}},
	}
}

// minimalEval has metrics only.
func minimalEval() *eval.Report {
	return &eval.Report{Task: "binary", Metrics: map[string]float64{"accuracy": 0.5}}
}

// largeEvals are reports at the sizes eval produces for big data: a
// binary ROC curve over 20,000 distinct scores, 60 columns and 500
// boosting rounds; 30 classes; and a regression with the full residual
// sample of 2,000 rows.
func largeEvals() map[string]*eval.Report {
	rng := rand.New(rand.NewPCG(1, 2))
	big := binaryEval()
	const n = 20000
	roc := &eval.XY{X: []float64{0}, Y: []float64{0}}
	var tp, fp float64
	for i := range n {
		// Scores sorted from high to low; a positive is more likely
		// early on.
		if rng.Float64() < 0.6*math.Exp(-float64(i)/4000) {
			tp++
		} else {
			fp++
		}
		roc.X = append(roc.X, fp)
		roc.Y = append(roc.Y, tp)
	}
	for i := range roc.X {
		roc.X[i] /= fp
		roc.Y[i] /= tp
	}
	big.ROC = roc
	big.PR = &eval.XY{X: slices.Clone(roc.Y), Y: make([]float64, len(roc.Y))}
	for i := range big.PR.Y {
		big.PR.Y[i] = 1 - 0.8*roc.X[i]
	}
	big.Importance = nil
	for i := range 60 {
		big.Importance = append(big.Importance, eval.Importance{Feature: "feature_" + strconv.Itoa(i), Mean: 0.05 / float64(i+1), Std: 0.004, Gain: f(float64(1000 / (i + 1)))})
	}
	lc := &train.Curve{Metric: "logloss"}
	for i := range 500 {
		lc.Train = append(lc.Train, 0.6*math.Exp(-float64(i)/80)+0.02)
		lc.Valid = append(lc.Valid, 0.6*math.Exp(-float64(i)/70)+0.1+0.0001*float64(i))
	}
	big.LearningCurve = lc

	wide := multiclassEval()
	const k = 30
	wide.Classes = nil
	m := make([][]float64, k)
	wide.Multiclass.PerClass = nil
	for i := range k {
		wide.Classes = append(wide.Classes, "class_"+strings.Repeat("x", i%9)+strconv.Itoa(i))
		m[i] = make([]float64, k)
		for j := range k {
			m[i][j] = float64(rng.IntN(5))
		}
		m[i][i] = 80
		wide.Multiclass.PerClass = append(wide.Multiclass.PerClass, metrics.ClassScores{Precision: 0.8, Recall: 0.8, F1: 0.8, Support: 140})
	}
	wide.Multiclass.Confusion.Matrix = m

	full := regressionEval()
	res := &eval.Residual{}
	for range 2000 {
		a := 50 + 400*rng.Float64()
		p := a + rng.NormFloat64()*(5+0.05*a)
		res.Actual, res.Predicted, res.Residual = append(res.Actual, a), append(res.Predicted, p), append(res.Residual, a-p)
	}
	full.Residuals = res
	return map[string]*eval.Report{"binary": big, "multiclass": wide, "regression": full}
}

// TestEvalLarge renders the large reports: they stay well-formed, draw
// every chart, thin the long curves, and stay under a size budget.
func TestEvalLarge(t *testing.T) {
	t.Parallel()
	for name, r := range largeEvals() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, out := parseEval(t, r)
			if got, want := len(findAll(doc, tagged("svg"))), wantEvalCharts(r); got != want {
				t.Errorf("svg elements = %d, want %d", got, want)
			}
			for i, frag := range svgRE.FindAllString(out, -1) {
				if err := wellFormed(frag); err != nil {
					t.Errorf("svg %d is not well-formed XML: %v", i, err)
				}
			}
			if len(out) > 1500<<10 {
				t.Errorf("page of %d KiB, want at most 1,500", len(out)>>10)
			}
			for _, p := range findAll(doc, tagged("path")) {
				if n := strings.Count(attr(p, "d"), "L"); n > 2*int(chartW+squareH) {
					t.Errorf("a path of %d points", n)
				}
			}
			t.Logf("%s: %d KiB", name, len(out)>>10)
		})
	}
}

// evalCases are the reports of the golden and structure tests, with the
// ids of their sections in page order.
var evalCases = []struct {
	name     string
	report   func() *eval.Report
	sections []string
}{
	{"binary", binaryEval, []string{"gate", "metrics", "curves", "confusion", "business", "importance", "learning", "latency"}},
	{"multiclass", multiclassEval, []string{"metrics", "confusion", "importance", "learning", "latency"}},
	{"regression", regressionEval, []string{"gate", "metrics", "residuals", "importance", "latency"}},
	{"minimal", minimalEval, []string{"metrics", "latency"}},
}

// wantEvalCharts returns the number of charts the report of r has.
func wantEvalCharts(r *eval.Report) int {
	n := 0
	for _, xy := range []*eval.XY{r.ROC, r.PR, r.Calibration} {
		if xy != nil {
			n++
		}
	}
	if r.Binary != nil {
		n++
	} else if r.Multiclass != nil && len(r.Multiclass.Confusion.Matrix) > 0 {
		n++
	}
	if r.Residuals != nil && len(r.Residuals.Predicted) > 0 {
		n += 3
	}
	if r.Business != nil && len(r.Business.Curve.X) > 0 {
		n++
	}
	if len(r.Importance) > 0 {
		n++
	}
	if r.LearningCurve != nil && len(r.LearningCurve.Train) > 0 {
		n++
	}
	return n
}

func renderEval(t *testing.T, r *eval.Report, o Opts) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Eval(&buf, r, o); err != nil {
		t.Fatalf("Eval: %v", err)
	}
	return buf.String()
}

func TestEvalGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range evalCases {
		if tc.name == "minimal" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := "testdata/eval_" + tc.name + ".golden.html"
			got := renderEval(t, tc.report(), Opts{})
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("evaluation report differs from %s (-want +got); if the change is intended, run go test ./internal/report -update:\n%s",
					file, cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")))
			}
		})
	}
}

func TestEvalDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range evalCases {
		if a, b := renderEval(t, tc.report(), Opts{}), renderEval(t, tc.report(), Opts{}); a != b {
			t.Errorf("%s: two renderings of the same report differ", tc.name)
		}
	}
}

// parseEval renders r and parses the page.
func parseEval(t *testing.T, r *eval.Report) (*html.Node, string) {
	t.Helper()
	out := renderEval(t, r, Opts{})
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("html.Parse: %v", err)
	}
	return doc, out
}

// findAll returns the element nodes under n, n included, for which keep
// holds, in document order.
func findAll(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && keep(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// tagged returns a matcher of elements called tag whose attributes hold
// every key=value pair of kv.
func tagged(tag string, kv ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		if n.Data != tag {
			return false
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if attr(n, kv[i]) != kv[i+1] {
				return false
			}
		}
		return true
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the text under n, without the text of <title> tooltips.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "title" {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// tipOf returns the text of n's <title> child.
func tipOf(n *html.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "title" && c.FirstChild != nil {
			return c.FirstChild.Data
		}
	}
	return ""
}

// chart returns the svg whose aria-label is label.
func chart(t *testing.T, doc *html.Node, label string) *html.Node {
	t.Helper()
	svgs := findAll(doc, tagged("svg", "aria-label", label))
	if len(svgs) != 1 {
		t.Fatalf("%d charts labelled %q, want 1", len(svgs), label)
	}
	return svgs[0]
}

func num64(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// pathPoints parses the d attribute of a polyline: "M x y L x y ...".
func pathPoints(t *testing.T, d string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, m := range regexp.MustCompile(`[ML](-?[0-9.]+) (-?[0-9.]+)`).FindAllStringSubmatch(d, -1) {
		out = append(out, [2]float64{num64(t, m[1]), num64(t, m[2])})
	}
	return out
}

// seriesPath returns the path of the series drawn in colour.
func seriesPath(t *testing.T, svg *html.Node, color string) [][2]float64 {
	t.Helper()
	ps := findAll(svg, tagged("path", "stroke", color))
	if len(ps) != 1 {
		t.Fatalf("%d paths of colour %s in %q, want 1", len(ps), color, attr(svg, "aria-label"))
	}
	return pathPoints(t, attr(ps[0], "d"))
}

// refLines returns the dashed reference lines of a chart, without the
// samples of its legend.
func refLines(svg *html.Node) []*html.Node {
	var out []*html.Node
	for c := svg.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "line" && attr(c, "stroke-dasharray") == "5 4" {
			out = append(out, c)
		}
	}
	return out
}

// near reports whether a and b are within the rounding of coord.
func near(a, b float64) bool { return math.Abs(a-b) <= 0.0051 }

func TestEvalStructure(t *testing.T) {
	t.Parallel()
	for _, tc := range evalCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.report()
			doc, out := parseEval(t, r)
			svgs := findAll(doc, tagged("svg"))
			if want := wantEvalCharts(r); len(svgs) != want {
				t.Errorf("svg elements = %d, want %d", len(svgs), want)
			}
			for _, s := range findAll(doc, tagged("script")) {
				if attr(s, "src") != "" {
					t.Errorf("script with src=%q", attr(s, "src"))
				}
			}
			for _, tag := range []string{"link", "img", "iframe", "object", "embed"} {
				if n := len(findAll(doc, tagged(tag))); n > 0 {
					t.Errorf("%d external-resource elements <%s>", n, tag)
				}
			}
			var ids []string
			for _, s := range findAll(doc, tagged("section")) {
				ids = append(ids, attr(s, "id"))
			}
			if diff := cmp.Diff(tc.sections, ids); diff != "" {
				t.Errorf("section ids (-want +got):\n%s", diff)
			}
			// Every section has its entry in the navigation.
			var links []string
			for _, a := range findAll(doc, tagged("a")) {
				if href := attr(a, "href"); strings.HasPrefix(href, "#") && slices.Contains(ids, href[1:]) {
					links = append(links, href[1:])
				}
			}
			if !slices.Equal(links[:len(ids)], ids) {
				t.Errorf("navigation links = %v, want %v first", links, ids)
			}
			frags := svgRE.FindAllString(out, -1)
			if len(frags) != len(svgs) {
				t.Errorf("svg fragments found by text = %d, elements parsed = %d", len(frags), len(svgs))
			}
			for i, frag := range frags {
				if err := wellFormed(frag); err != nil {
					t.Errorf("svg %d is not well-formed XML: %v\n%.300s", i, err, frag)
				}
			}
			rest := strings.ReplaceAll(out, `xmlns="`+svgNS+`"`, "")
			for _, s := range []string{"http://", "https://", "url(", "@import", "//cdn", "@font-face"} {
				if i := strings.Index(rest, s); i >= 0 {
					t.Errorf("output holds %q at %d: %.80s", s, i, rest[max(0, i-40):])
				}
			}
			if m := regexp.MustCompile(`\b(NaN|[+-]?Inf(inity)?)\b`).FindString(out); m != "" {
				t.Errorf("output holds %q", m)
			}
		})
	}
}

func TestEvalHeader(t *testing.T) {
	t.Parallel()
	doc, out := parseEval(t, binaryEval())
	kpis := map[string]string{}
	for _, k := range findAll(doc, tagged("div", "class", "kpi")) {
		spans := findAll(k, tagged("span"))
		kpis[textOf(spans[0])] = textOf(spans[1])
	}
	want := map[string]string{"Run": "42", "Algorithm": "gbdt", "Data": "churn@3", "Rows": "2,000", "Task": "binary", "Goal": "not met"}
	if diff := cmp.Diff(want, kpis); diff != "" {
		t.Errorf("header figures (-want +got):\n%s", diff)
	}
	h1 := findAll(doc, tagged("h1"))[0]
	if got := textOf(h1); got != "churn-gbdt · run 42FAIL" {
		t.Errorf("h1 = %q, want the model, its run and a FAIL badge", got)
	}
	for _, s := range []string{"<title>churn-gbdt · evaluation report</title>", "4 without a target skipped", "target churned"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	o := renderEval(t, regressionEval(), Opts{Title: "Ames <price>", Generated: at})
	for _, s := range []string{"<title>Ames &lt;price&gt;</title>", "evaluation of model.mlc on ames@2 on 2026-03-04 05:06 UTC."} {
		if !strings.Contains(o, s) {
			t.Errorf("output with Opts lacks %q", s)
		}
	}
}

func TestEvalGate(t *testing.T) {
	t.Parallel()
	for _, mk := range []func() *eval.Report{binaryEval, regressionEval} {
		r := mk()
		doc, _ := parseEval(t, r)
		sec := findAll(doc, tagged("section", "id", "gate"))[0]
		h2 := findAll(sec, tagged("h2"))[0]
		if want := map[bool]string{true: "GoalPASS", false: "GoalFAIL"}[r.Gate.Passed]; textOf(h2) != want {
			t.Errorf("%s: gate heading = %q, want %q", r.Task, textOf(h2), want)
		}
		rows := findAll(findAll(sec, tagged("tbody"))[0], tagged("tr"))
		if len(rows) != len(r.Gate.Lines) {
			t.Fatalf("%s: %d gate rows, want %d", r.Task, len(rows), len(r.Gate.Lines))
		}
		for i, l := range r.Gate.Lines {
			cells := findAll(rows[i], tagged("td"))
			badge := findAll(cells[1], tagged("span"))
			wantBadge, wantClass := "FAIL", "fail"
			if l.Pass {
				wantBadge, wantClass = "PASS", "pass"
			}
			wantValue := dash
			if l.Value != nil {
				wantValue = fmtNum(*l.Value)
			}
			got := []string{textOf(cells[0]), textOf(badge[0]), textOf(cells[2]), textOf(cells[3])}
			want := []string{l.Criterion, wantBadge, wantValue, l.Note}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: gate row %d (-want +got):\n%s", r.Task, i, diff)
			}
			if cls := attr(badge[0], "class"); !strings.Contains(cls, wantClass) {
				t.Errorf("%s: gate row %d badge class = %q, want %q in it", r.Task, i, cls, wantClass)
			}
		}
		items := findAll(sec, tagged("li"))
		if len(items) != len(r.Gate.Causes) {
			t.Fatalf("%s: %d diagnosis items, want %d", r.Task, len(items), len(r.Gate.Causes))
		}
		for i, c := range r.Gate.Causes {
			kind := textOf(findAll(items[i], tagged("span", "class", "badge warn"))[0])
			phase := textOf(findAll(items[i], tagged("b", "class", "phase"))[0])
			if kind != strings.ReplaceAll(c.Kind, "_", " ") || phase != c.Phase || !strings.Contains(textOf(items[i]), c.Message) {
				t.Errorf("%s: diagnosis %d = kind %q, phase %q, text %q; want %q, %q and the message %q",
					r.Task, i, kind, phase, textOf(items[i]), c.Kind, c.Phase, c.Message)
			}
		}
	}
	if out := renderEval(t, binaryEval(), Opts{}); !strings.Contains(out, "(eval 0.6984, train 0.91)") {
		t.Error("the overfitting evidence is not listed in key order")
	}
}

func TestEvalMetrics(t *testing.T) {
	t.Parallel()
	for _, tc := range evalCases {
		r := tc.report()
		doc, _ := parseEval(t, r)
		sec := findAll(doc, tagged("section", "id", "metrics"))[0]
		rows := findAll(sec, tagged("tr"))[1:]
		if len(rows) != len(r.Metrics) {
			t.Fatalf("%s: %d metric rows, want %d", tc.name, len(rows), len(r.Metrics))
		}
		var names []string
		for _, row := range rows {
			cells := findAll(row, tagged("td"))
			name := textOf(cells[0])
			names = append(names, name)
			v, ok := r.Metrics[name]
			if !ok {
				t.Errorf("%s: metric row %q is not in the report", tc.name, name)
				continue
			}
			if got := textOf(cells[1]); got != fmtNum(v) {
				t.Errorf("%s: %s shows %q, want %q", tc.name, name, got, fmtNum(v))
			}
			if got := num64(t, attr(cells[1], "data-v")); got != v {
				t.Errorf("%s: %s data-v = %v, want %v", tc.name, name, got, v)
			}
			hi, known := metrics.HigherIsBetter(name)
			want := map[bool]string{true: "higher", false: "lower"}[hi]
			if !known {
				want = ""
			}
			if got := textOf(cells[2]); got != want {
				t.Errorf("%s: %s better = %q, want %q", tc.name, name, got, want)
			}
		}
		// The known metrics come in the order of metrics.Names, the
		// others last.
		all := metrics.Names()
		idx := func(n string) int {
			if i := slices.Index(all, n); i >= 0 {
				return i
			}
			return len(all)
		}
		if !slices.IsSortedFunc(names, func(a, b string) int { return idx(a) - idx(b) }) {
			t.Errorf("%s: metric order %v does not follow metrics.Names", tc.name, names)
		}
	}
}

// unitScale maps the unit square onto the plot area of a square chart,
// from the chart geometry.
func unitScale(x, y float64) (float64, float64) {
	return xyML + x*(squareW-xyMR-xyML), (squareH - xyMB) - y*(squareH-xyMB-xyMT)
}

func TestEvalCurves(t *testing.T) {
	t.Parallel()
	r := binaryEval()
	doc, _ := parseEval(t, r)
	for _, c := range []struct {
		label string
		xy    *eval.XY
	}{{"ROC curve", r.ROC}, {"Precision-recall curve", r.PR}, {"Calibration curve", r.Calibration}} {
		svg := chart(t, doc, c.label)
		if w, h := attr(svg, "width"), attr(svg, "height"); w != coord(squareW) || h != coord(squareH) {
			t.Errorf("%s: size %s×%s, want %v×%v", c.label, w, h, squareW, squareH)
		}
		got := seriesPath(t, svg, colAccent)
		if len(got) != len(c.xy.X) {
			t.Fatalf("%s: path of %d points, want %d", c.label, len(got), len(c.xy.X))
		}
		for i := range got {
			wx, wy := unitScale(c.xy.X[i], c.xy.Y[i])
			if !near(got[i][0], wx) || !near(got[i][1], wy) {
				t.Errorf("%s point %d (%v, %v) at (%v, %v), want (%.2f, %.2f)", c.label, i, c.xy.X[i], c.xy.Y[i], got[i][0], got[i][1], wx, wy)
			}
		}
	}
	// The chance and perfect-calibration diagonals run from (0, 0) to
	// (1, 1); the PR baseline is the positive share.
	x0, y0 := unitScale(0, 0)
	x1, y1 := unitScale(1, 1)
	for _, label := range []string{"ROC curve", "Calibration curve"} {
		lines := refLines(chart(t, doc, label))
		ok := false
		for _, l := range lines {
			if near(num64(t, attr(l, "x1")), x0) && near(num64(t, attr(l, "y1")), y0) && near(num64(t, attr(l, "x2")), x1) && near(num64(t, attr(l, "y2")), y1) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no dashed diagonal from (%v, %v) to (%v, %v)", label, x0, y0, x1, y1)
		}
	}
	share := 300.0 / 2000
	_, by := unitScale(0, share)
	base := refLines(chart(t, doc, "Precision-recall curve"))
	if len(base) == 0 || !near(num64(t, attr(base[0], "y1")), by) || !near(num64(t, attr(base[0], "y2")), by) {
		t.Errorf("PR baseline not at the positive share %v (y = %.2f)", share, by)
	}
	// Calibration dots sit on the path's points and carry the numbers.
	dots := findAll(chart(t, doc, "Calibration curve"), tagged("circle", "fill", colAccent))
	if len(dots) != len(r.Calibration.X) {
		t.Fatalf("calibration dots = %d, want %d", len(dots), len(r.Calibration.X))
	}
	for i, d := range dots {
		wx, wy := unitScale(r.Calibration.X[i], r.Calibration.Y[i])
		if !near(num64(t, attr(d, "cx")), wx) || !near(num64(t, attr(d, "cy")), wy) {
			t.Errorf("calibration dot %d at (%s, %s), want (%.2f, %.2f)", i, attr(d, "cx"), attr(d, "cy"), wx, wy)
		}
		if want := "predicted " + fmtNum(r.Calibration.X[i]) + ", observed " + fmtNum(r.Calibration.Y[i]); tipOf(d) != want {
			t.Errorf("calibration dot %d tooltip = %q, want %q", i, tipOf(d), want)
		}
	}
	var caps []string
	for _, fc := range findAll(findAll(doc, tagged("section", "id", "curves"))[0], tagged("figcaption")) {
		caps = append(caps, textOf(fc))
	}
	for i, want := range []string{"AUC = 0.9012", "average precision = 0.7345", "dashed diagonal"} {
		if i >= len(caps) || !strings.Contains(caps[i], want) {
			t.Errorf("caption %d = %q, want it to hold %q", i, caps[min(i, len(caps)-1)], want)
		}
	}
}

// cellTexts returns the counts printed in a confusion chart's cells, row
// by row, and the tooltips of its cells.
func cellTexts(t *testing.T, svg *html.Node) (counts, tips []string) {
	t.Helper()
	for _, n := range findAll(svg, tagged("text", "font-weight", "600", "font-size", "12")) {
		counts = append(counts, textOf(n))
	}
	for _, n := range findAll(svg, tagged("rect")) {
		if tip := tipOf(n); strings.HasPrefix(tip, "actual ") {
			tips = append(tips, tip)
		}
	}
	return counts, tips
}

func TestEvalConfusion(t *testing.T) {
	t.Parallel()
	t.Run("binary", func(t *testing.T) {
		t.Parallel()
		r := binaryEval()
		doc, _ := parseEval(t, r)
		counts, tips := cellTexts(t, chart(t, doc, "Confusion matrix at threshold 0.35"))
		c := r.Binary.Confusion
		if diff := cmp.Diff([]string{fmtCount(c.TN), fmtCount(c.FP), fmtCount(c.FN), fmtCount(c.TP)}, counts); diff != "" {
			t.Errorf("cell counts (TN FP / FN TP) (-want +got):\n%s", diff)
		}
		want := []string{
			"actual stay, predicted stay: 1,605 (94.4% of actual stay)",
			"actual stay, predicted churn: 95 (5.6% of actual stay)",
			"actual churn, predicted stay: 80 (26.7% of actual churn)",
			"actual churn, predicted churn: 220 (73.3% of actual churn)",
		}
		if diff := cmp.Diff(want, tips); diff != "" {
			t.Errorf("cell tooltips (-want +got):\n%s", diff)
		}
	})
	t.Run("multiclass", func(t *testing.T) {
		t.Parallel()
		r := multiclassEval()
		doc, _ := parseEval(t, r)
		counts, tips := cellTexts(t, chart(t, doc, "Confusion matrix"))
		var want []string
		for i, row := range r.Multiclass.Confusion.Matrix {
			for j, v := range row {
				want = append(want, fmtCount(v))
				if !strings.HasPrefix(tips[i*len(row)+j], "actual "+r.Classes[i]+", predicted "+r.Classes[j]+": "+fmtCount(v)+" (") {
					t.Errorf("cell (%d, %d) tooltip = %q", i, j, tips[i*len(row)+j])
				}
			}
		}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("cell counts (-want +got):\n%s", diff)
		}
		table := findAll(doc, tagged("table", "class", "grid sortable perclass"))[0]
		body := findAll(findAll(table, tagged("tbody"))[0], tagged("tr"))
		for i, s := range r.Multiclass.PerClass {
			var got []string
			for _, c := range findAll(body[i], tagged("td")) {
				got = append(got, textOf(c))
			}
			w := []string{r.Classes[i], fmtNum(s.Precision), fmtNum(s.Recall), fmtNum(s.F1), fmtCount(s.Support)}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("per-class row %d (-want +got):\n%s", i, diff)
			}
		}
		mc := r.Multiclass
		foot := findAll(findAll(table, tagged("tfoot"))[0], tagged("tr"))
		for i, w := range [][]string{
			{"macro avg", fmtNum(mc.Precision), fmtNum(mc.Recall), fmtNum(mc.F1), "150"},
			{"micro avg", fmtNum(mc.PrecisionMicro), fmtNum(mc.RecallMicro), fmtNum(mc.F1Micro), "150"},
			{"weighted avg", fmtNum(mc.PrecisionWeighted), fmtNum(mc.RecallWeighted), fmtNum(mc.F1Weighted), "150"},
		} {
			got := []string{textOf(findAll(foot[i], tagged("th"))[0])}
			for _, c := range findAll(foot[i], tagged("td")) {
				got = append(got, textOf(c))
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("average row %d (-want +got):\n%s", i, diff)
			}
		}
	})
}

func TestEvalBusiness(t *testing.T) {
	t.Parallel()
	r := binaryEval()
	b := r.Business
	doc, _ := parseEval(t, r)
	sec := findAll(doc, tagged("section", "id", "business"))[0]
	got := map[string]string{}
	for _, row := range findAll(sec, tagged("tr")) {
		got[textOf(findAll(row, tagged("th"))[0])] = textOf(findAll(row, tagged("td"))[0])
	}
	want := map[string]string{
		"Decision threshold":            "0.35",
		"Expected value per prediction": "9.425",
		"Total value":                   "18,850",
		"Value per 1,000 predictions":   "9,425",
		"ROI":                           "5.984",
		"Cost per positive prediction":  "10",
		"Cost per true positive":        "14.32",
		"Best threshold":                "0.28",
		"Value at the best threshold":   "9.61",
		"Value at threshold 0.5":        fmtNum(b.ValueAtHalf),
		"Value of acting on nobody":     "0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("business figures (-want +got):\n%s", diff)
	}
	svg := chart(t, doc, "Expected value against threshold")
	path := seriesPath(t, svg, colAccent)
	if len(path) != len(b.Curve.X) {
		t.Fatalf("value curve of %d points, want %d", len(path), len(b.Curve.X))
	}
	// x is the threshold on a fixed [0, 1] axis.
	for i, p := range path {
		if want := xyML + b.Curve.X[i]*(rateW-xyMR-xyML); !near(p[0], want) {
			t.Errorf("value point %d at x = %v, want %.2f", i, p[0], want)
		}
	}
	// The best dot is the curve's highest point (the smallest y), the 0.5
	// dot its point at threshold 0.5, and the markers are dashed vertical
	// lines through them.
	dots := append(findAll(svg, tagged("circle", "fill", colBest)), findAll(svg, tagged("circle", "fill", colAxis))...)
	if len(dots) != 2 {
		t.Fatalf("%d marked points, want 2", len(dots))
	}
	if want := "best threshold 0.28: 9.61 per prediction"; tipOf(dots[0]) != want {
		t.Errorf("best dot tooltip = %q, want %q", tipOf(dots[0]), want)
	}
	top := path[0]
	for _, p := range path {
		if p[1] < top[1] {
			top = p
		}
	}
	at := func(d *html.Node) [2]float64 { return [2]float64{num64(t, attr(d, "cx")), num64(t, attr(d, "cy"))} }
	if g := at(dots[0]); !near(g[0], top[0]) || !near(g[1], top[1]) {
		t.Errorf("best dot at %v, want the curve's top %v", g, top)
	}
	if g, w := at(dots[1]), path[50]; !near(g[0], w[0]) || !near(g[1], w[1]) {
		t.Errorf("0.5 dot at %v, want the curve's point at 0.5 %v", g, w)
	}
	// A third marker shows the threshold in use, 0.35.
	var marks []float64
	for _, l := range refLines(svg) {
		if attr(l, "x1") == attr(l, "x2") {
			marks = append(marks, num64(t, attr(l, "x1")))
		}
	}
	if len(marks) != 3 || !near(marks[0], top[0]) || !near(marks[1], path[50][0]) || !near(marks[2], path[35][0]) {
		t.Errorf("vertical markers at %v, want at %v, %v and %v", marks, top[0], path[50][0], path[35][0])
	}
	// The no-action line is horizontal at value 0; the curve reaches 0
	// nowhere, so check it lies between the curve's points around its
	// zero crossing: value(t) > 0 for t ≈ 0.77 and < 0 for t ≈ 0.78.
	var zero float64
	for _, l := range refLines(svg) {
		if attr(l, "y1") == attr(l, "y2") {
			zero = num64(t, attr(l, "y1"))
		}
	}
	if !(path[77][1] < zero && zero < path[78][1]) {
		t.Errorf("no-action line at y = %v, want between %v and %v", zero, path[77][1], path[78][1])
	}
}

func TestEvalImportance(t *testing.T) {
	t.Parallel()
	r := binaryEval()
	doc, out := parseEval(t, r)
	svg := chart(t, doc, "Permutation importance (roc_auc)")
	var bars []*html.Node
	for _, rc := range findAll(svg, tagged("rect")) {
		if tipOf(rc) != "" {
			bars = append(bars, rc)
		}
	}
	sorted := slices.Clone(r.Importance)
	slices.SortFunc(sorted, func(a, b eval.Importance) int {
		if a.Mean > b.Mean {
			return -1
		}
		return 1
	})
	if len(bars) != len(sorted) {
		t.Fatalf("%d bars, want %d", len(bars), len(sorted))
	}
	// Bars run from the zero line, with lengths proportional to the
	// means; the whiskers span mean ± std on the same scale.
	zero := num64(t, attr(bars[0], "x"))
	pxPer := num64(t, attr(bars[0], "width")) / sorted[0].Mean
	whiskers := findAll(svg, tagged("line", "stroke-width", "1.2"))
	for i, it := range sorted {
		b := bars[i]
		if want := it.Feature + ": " + fmtNum(it.Mean) + " ± " + fmtNum(it.Std); tipOf(b) != want {
			t.Errorf("bar %d tooltip = %q, want %q", i, tipOf(b), want)
		}
		x, w := num64(t, attr(b, "x")), num64(t, attr(b, "width"))
		lo, hi := x, x+w
		if it.Mean < 0 {
			lo, hi = hi, lo
		}
		if !near(lo, zero) || math.Abs((hi-lo)-it.Mean*pxPer) > 0.02 {
			t.Errorf("bar %d (%s) spans [%v, %v], want from %v, %.2f long", i, it.Feature, x, x+w, zero, it.Mean*pxPer)
		}
		wl := whiskers[3*i] // the whisker, then its two caps
		if a, b := num64(t, attr(wl, "x1")), num64(t, attr(wl, "x2")); math.Abs(a-(zero+(it.Mean-it.Std)*pxPer)) > 0.02 || math.Abs(b-(zero+(it.Mean+it.Std)*pxPer)) > 0.02 {
			t.Errorf("whisker %d (%s) spans [%v, %v], want [%.2f, %.2f]", i, it.Feature, a, b, zero+(it.Mean-it.Std)*pxPer, zero+(it.Mean+it.Std)*pxPer)
		}
	}
	table := findAll(doc, tagged("table", "class", "grid sortable importance"))[0]
	rows := findAll(findAll(table, tagged("tbody"))[0], tagged("tr"))
	for i, it := range sorted {
		var got []string
		for _, c := range findAll(rows[i], tagged("td")) {
			got = append(got, textOf(c))
		}
		if diff := cmp.Diff([]string{it.Feature, fmtNum(it.Mean), fmtNum(it.Std), fmtPtr(it.Gain)}, got); diff != "" {
			t.Errorf("importance row %d (-want +got):\n%s", i, diff)
		}
	}
	if strings.Contains(out, nasty) || !strings.Contains(out, esc(nasty)) {
		t.Errorf("the feature %q is not escaped", nasty)
	}
}

func TestEvalLearningCurve(t *testing.T) {
	t.Parallel()
	r := binaryEval()
	doc, _ := parseEval(t, r)
	svg := chart(t, doc, "Learning curve (logloss)")
	tr, va := seriesPath(t, svg, colAccent), seriesPath(t, svg, colValid)
	lc := r.LearningCurve
	if len(tr) != len(lc.Train) || len(va) != len(lc.Valid) {
		t.Fatalf("paths of %d and %d points, want %d and %d", len(tr), len(va), len(lc.Train), len(lc.Valid))
	}
	// Both series share the scales: a linear map through two points of
	// the train series puts every point of both where it belongs.
	last := len(tr) - 1
	ax := (tr[last][0] - tr[0][0]) / float64(last)
	ay := (tr[last][1] - tr[0][1]) / (lc.Train[last] - lc.Train[0])
	for i := range tr {
		for _, s := range []struct {
			p [2]float64
			v float64
		}{{tr[i], lc.Train[i]}, {va[i], lc.Valid[i]}} {
			wx, wy := tr[0][0]+ax*float64(i), tr[0][1]+ay*(s.v-lc.Train[0])
			if math.Abs(s.p[0]-wx) > 0.02 || math.Abs(s.p[1]-wy) > 0.02 {
				t.Errorf("round %d at %v, want (%.2f, %.2f)", i+1, s.p, wx, wy)
			}
		}
	}
	if ay >= 0 {
		t.Errorf("larger values are drawn lower (dy/dv = %v)", ay)
	}
	legend := textOf(svg)
	for _, s := range []string{"train", "valid", "logloss", "Boosting round"} {
		if !strings.Contains(legend, s) {
			t.Errorf("learning chart lacks %q", s)
		}
	}
	// Rounds are whole numbers, and so are the ticks of a short curve.
	for _, rounds := range []int{1, 3, 6} {
		r := multiclassEval()
		r.LearningCurve.Train = r.LearningCurve.Train[:rounds]
		doc, _ := parseEval(t, r)
		var got []string
		for _, n := range findAll(chart(t, doc, "Learning curve (mlogloss)"), tagged("text", "text-anchor", "middle", "fill", colAxis)) {
			got = append(got, textOf(n))
		}
		want := map[int][]string{1: {"0", "1", "2"}, 3: {"1", "2", "3"}, 6: {"1", "2", "3", "4", "5", "6"}}[rounds]
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("x ticks of %d rounds (-want +got):\n%s", rounds, diff)
		}
	}
}

func TestEvalResiduals(t *testing.T) {
	t.Parallel()
	r := regressionEval()
	res := r.Residuals
	doc, _ := parseEval(t, r)
	// fit checks that the dots lie at a linear map of (xs, ys), one per
	// axis, and returns the maps.
	fit := func(label string, xs, ys []float64) (fx, fy func(float64) float64) {
		svg := chart(t, doc, label)
		dots := findAll(svg, tagged("circle", "fill", colAccent))
		if len(dots) != len(xs) {
			t.Fatalf("%s: %d dots, want %d", label, len(dots), len(xs))
		}
		pt := func(i int) (float64, float64) { return num64(t, attr(dots[i], "cx")), num64(t, attr(dots[i], "cy")) }
		// The maps go through the extreme points, where rounding matters
		// least.
		xa, xb := argMin(xs), argMax(xs)
		ya, yb := argMin(ys), argMax(ys)
		pxa, _ := pt(xa)
		pxb, _ := pt(xb)
		_, pya := pt(ya)
		_, pyb := pt(yb)
		fx = func(v float64) float64 { return pxa + (v-xs[xa])*(pxb-pxa)/(xs[xb]-xs[xa]) }
		fy = func(v float64) float64 { return pya + (v-ys[ya])*(pyb-pya)/(ys[yb]-ys[ya]) }
		for i := range dots {
			x, y := pt(i)
			if math.Abs(x-fx(xs[i])) > 0.03 || math.Abs(y-fy(ys[i])) > 0.03 {
				t.Errorf("%s: dot %d at (%v, %v), want (%.2f, %.2f)", label, i, x, y, fx(xs[i]), fy(ys[i]))
			}
			if want := "predicted " + fmtNum(res.Predicted[i]) + ", actual " + fmtNum(res.Actual[i]) + ", residual " + fmtNum(res.Residual[i]); tipOf(dots[i]) != want {
				t.Errorf("%s: dot %d tooltip = %q, want %q", label, i, tipOf(dots[i]), want)
			}
		}
		return fx, fy
	}
	fx, fy := fit("Predicted against actual", res.Actual, res.Predicted)
	diag := refLines(chart(t, doc, "Predicted against actual"))
	if len(diag) != 1 {
		t.Fatalf("%d dashed lines, want the diagonal", len(diag))
	}
	// Both ends of the diagonal are points (v, v): inverting the maps
	// gives the same value on both axes.
	for _, end := range [][2]string{{"x1", "y1"}, {"x2", "y2"}} {
		px, py := num64(t, attr(diag[0], end[0])), num64(t, attr(diag[0], end[1]))
		vx := res.Actual[0] + (px-fx(res.Actual[0]))/(fx(1)-fx(0))
		vy := res.Predicted[0] + (py-fy(res.Predicted[0]))/(fy(1)-fy(0))
		if math.Abs(vx-vy) > 0.05 {
			t.Errorf("diagonal end (%v, %v) is actual %v, predicted %v; want equal", px, py, vx, vy)
		}
	}
	_, fy = fit("Residuals against predicted", res.Predicted, res.Residual)
	zl := refLines(chart(t, doc, "Residuals against predicted"))
	if len(zl) != 1 || math.Abs(num64(t, attr(zl[0], "y1"))-fy(0)) > 0.03 {
		t.Errorf("zero line not at residual 0 (y = %.2f)", fy(0))
	}
	// The histogram counts every residual once.
	var total int64
	for _, rc := range findAll(chart(t, doc, "Histogram of residuals"), tagged("rect")) {
		tip := tipOf(rc)
		m := regexp.MustCompile(`: ([0-9,]+) \(`).FindStringSubmatch(tip)
		if m == nil {
			t.Fatalf("histogram tooltip %q", tip)
		}
		n, _ := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
		total += n
	}
	if total != int64(len(res.Residual)) {
		t.Errorf("histogram counts %d residuals, want %d", total, len(res.Residual))
	}
}

func argMin(v []float64) int {
	i := 0
	for j := range v {
		if v[j] < v[i] {
			i = j
		}
	}
	return i
}

func argMax(v []float64) int {
	i := 0
	for j := range v {
		if v[j] > v[i] {
			i = j
		}
	}
	return i
}

func TestResidualBins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		v          []float64
		wantEdges  []float64
		wantCounts []int64
	}{
		{"five", []float64{0, 1, 2, 3, 4, 5}, []float64{0, 1, 2, 3, 4, 5}, []int64{1, 1, 1, 1, 2}},
		{"constant", []float64{2, 2, 2}, []float64{1.5, 2.5}, []int64{3}},
		{"none", nil, nil, nil},
	}
	for _, tt := range tests {
		e, c := residualBins(tt.v)
		if diff := cmp.Diff(tt.wantEdges, e); diff != "" {
			t.Errorf("%s: edges (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.wantCounts, c); diff != "" {
			t.Errorf("%s: counts (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestPathThinning checks that a curve of many thresholds is drawn with
// about as many points as the plot has pixels, ending where it ends.
func TestPathThinning(t *testing.T) {
	t.Parallel()
	const n = 100000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		xs[i] = float64(i) / (n - 1)
		ys[i] = math.Sqrt(xs[i])
	}
	x := linear{0, 1, xyML, squareW - xyMR}
	y := linear{0, 1, squareH - xyMB, xyMT}
	pts := pathPoints(t, pathData(xs, ys, x, y))
	if len(pts) > 2*int(squareW+squareH) || len(pts) < 100 {
		t.Errorf("path of %d points for %d, want between 100 and %d", len(pts), n, 2*int(squareW+squareH))
	}
	last := pts[len(pts)-1]
	if last[0] != squareW-xyMR || last[1] != xyMT {
		t.Errorf("path ends at %v, want (%v, %v)", last, squareW-xyMR, xyMT)
	}
	for i := 1; i < len(pts); i++ {
		if d := math.Hypot(pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1]); d > 3 {
			t.Errorf("gap of %.2f between points %d and %d", d, i-1, i)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	badROC := binaryEval()
	badROC.ROC.Y = badROC.ROC.Y[:3]
	badMatrix := multiclassEval()
	badMatrix.Multiclass.Confusion.Matrix[1] = []float64{1}
	badRes := regressionEval()
	badRes.Residuals.Actual = nil
	badClasses := binaryEval()
	badClasses.Classes = []string{"a", "b", "c"}
	tests := []struct {
		name string
		r    *eval.Report
		want []string
	}{
		{"nil", nil, []string{"nil report"}},
		{"roc", badROC, []string{"eval churn-gbdt: roc: 12 x values for 3 y values"}},
		{"matrix", badMatrix, []string{"multiclass.confusion.matrix[1]: 1 values, want 3"}},
		{"residuals", badRes, []string{"residuals: 64 predicted, 64 residual and 0 actual values"}},
		{"classes", badClasses, []string{"classes: 3 classes for a binary report, want 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			err := Eval(&buf, tt.r, Opts{})
			if err == nil {
				t.Fatal("Eval = nil error, want one")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Eval error = %q, want it to contain %q", err, w)
				}
			}
			if buf.Len() != 0 {
				t.Errorf("Eval wrote %d bytes before failing", buf.Len())
			}
		})
	}
	t.Run("writer", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("disk full")
		if err := Eval(failWriter{boom}, binaryEval(), Opts{}); !errors.Is(err, boom) {
			t.Errorf("Eval error = %v, want it to wrap %v", err, boom)
		}
	})
}

// TestEvalAbsentParts removes one optional part at a time from the binary
// report: the page still renders, without that part's chart.
func TestEvalAbsentParts(t *testing.T) {
	t.Parallel()
	all := []string{"gate", "metrics", "curves", "confusion", "business", "importance", "learning", "latency"}
	without := func(ids ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(ids, id) })
	}
	tests := []struct {
		name     string
		drop     func(r *eval.Report)
		sections []string
		// holds lists text the page must hold.
		holds []string
	}{
		{"roc", func(r *eval.Report) { r.ROC = nil }, all, []string{`<div id="pr">`}},
		{"pr", func(r *eval.Report) { r.PR = nil }, all, []string{`<div id="roc">`}},
		{"calibration", func(r *eval.Report) { r.Calibration = nil }, all, []string{`<div id="roc">`}},
		{"curves", func(r *eval.Report) { r.ROC, r.PR, r.Calibration = nil, nil, nil }, without("curves"), nil},
		{"business", func(r *eval.Report) { r.Business = nil }, without("business"), nil},
		{"importance", func(r *eval.Report) { r.Importance = nil }, without("importance"), nil},
		{"learning", func(r *eval.Report) { r.LearningCurve = nil }, without("learning"), nil},
		{"valid", func(r *eval.Report) { r.LearningCurve.Valid = nil }, all, []string{"logloss after each of 40 rounds, on the training rows."}},
		{"gate", func(r *eval.Report) { r.Gate = nil }, without("gate"), nil},
		{"optional", func(r *eval.Report) {
			r.Business.ROI, r.Business.CostPerTruePositive, r.Gate.Lines[0].Value = nil, nil, nil
			r.Model.TrainSeconds = nil
		}, all, []string{"<tr><th scope=\"row\">ROI</th><td>—</td></tr>", "<tr><th scope=\"row\">Cost per true positive</th><td>—</td></tr>"}},
		{"no classes", func(r *eval.Report) { r.Classes = nil }, all, []string{"actual 1, predicted 1: 220"}},
		{"one round", func(r *eval.Report) {
			r.LearningCurve.Train, r.LearningCurve.Valid = r.LearningCurve.Train[:1], r.LearningCurve.Valid[:1]
		}, all, []string{"train: (1, 0.6848)"}},
		{"no metrics", func(r *eval.Report) { r.Metrics = nil }, all, []string{"No metrics."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := binaryEval()
			tt.drop(r)
			doc, out := parseEval(t, r)
			if got, want := len(findAll(doc, tagged("svg"))), wantEvalCharts(r); got != want {
				t.Errorf("svg elements = %d, want %d", got, want)
			}
			var ids []string
			for _, s := range findAll(doc, tagged("section")) {
				ids = append(ids, attr(s, "id"))
			}
			if diff := cmp.Diff(tt.sections, ids); diff != "" {
				t.Errorf("sections (-want +got):\n%s", diff)
			}
			for _, h := range tt.holds {
				if !strings.Contains(out, h) {
					t.Errorf("output lacks %q", h)
				}
			}
			if m := regexp.MustCompile(`\b(NaN|[+-]?Inf(inity)?)\b`).FindString(out); m != "" {
				t.Errorf("output holds %q", m)
			}
		})
	}
}

// TestEvalReportsInBrowser opens each evaluation report from disk in
// headless Chromium: every chart must be in the DOM with a size, and the
// page must log no console error, throw no exception and request nothing
// but its own file. Set REPORT_SCREENSHOT_DIR to keep a screenshot of
// each page there.
func TestEvalReportsInBrowser(t *testing.T) {
	t.Parallel()
	ctx, step := browser(t)
	var mu sync.Mutex
	var problems, requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, msg))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var pages []string
	type open struct {
		name     string
		r        *eval.Report
		sections []string
	}
	var opens []open
	for _, tc := range evalCases {
		opens = append(opens, open{tc.name, tc.report(), tc.sections})
	}
	large := largeEvals()
	for _, name := range []string{"binary", "multiclass", "regression"} {
		secs := map[string][]string{"binary": {"curves", "importance", "learning"}, "multiclass": {"confusion"}, "regression": {"residuals"}}[name]
		opens = append(opens, open{"large-" + name, large[name], secs})
	}
	for _, tc := range opens {
		r := tc.r
		file := filepath.Join(dir, "eval-"+tc.name+".html")
		if err := os.WriteFile(file, []byte(renderEval(t, r, Opts{})), 0o644); err != nil {
			t.Fatal(err)
		}
		pageURL := (&url.URL{Scheme: "file", Path: file}).String()
		pages = append(pages, pageURL)
		if err := chromedp.Do(step(), chromedp.Navigate(pageURL), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
			t.Fatalf("%s: open %s: %v", tc.name, pageURL, err)
		}
		type box struct {
			Label         string
			Width, Height float64
		}
		boxes, err := chromedp.Run(step(), chromedp.Evaluate[[]box](`Array.from(document.querySelectorAll("svg")).map(function(s){
			var r = s.getBoundingClientRect();
			return {Label: s.getAttribute("aria-label") || "", Width: r.width, Height: r.height};
		})`))
		if err != nil {
			t.Fatalf("%s: measure the charts: %v", tc.name, err)
		}
		if want := wantEvalCharts(r); len(boxes) != want {
			t.Errorf("%s: svg elements in the DOM = %d, want %d", tc.name, len(boxes), want)
		}
		for i, b := range boxes {
			if b.Width <= 0 || b.Height <= 0 {
				t.Errorf("%s: chart %d (%q) has an empty bounding box %.1f×%.1f", tc.name, i, b.Label, b.Width, b.Height)
			}
		}
		// The series paths are drawn: each has a rendered length.
		lengths, err := chromedp.Run(step(), chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("svg path")).map(function(p){
			return p.getTotalLength();
		})`))
		if err != nil {
			t.Fatalf("%s: measure the paths: %v", tc.name, err)
		}
		for i, l := range lengths {
			if !(l > 10) {
				t.Errorf("%s: path %d has length %v", tc.name, i, l)
			}
		}
		if keep := os.Getenv("REPORT_SCREENSHOT_DIR"); keep != "" {
			shot, err := chromedp.Run(step(), chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", tc.name, err)
			}
			if err := os.WriteFile(filepath.Join(keep, "eval-"+tc.name+".png"), shot, 0o644); err != nil {
				t.Error(err)
			}
			for _, id := range append([]string{"summary"}, tc.sections...) {
				png, err := chromedp.Run(step(), chromedp.Screenshot(chromedp.ID(id)))
				if err != nil {
					t.Errorf("%s: screenshot of #%s: %v", tc.name, id, err)
					continue
				}
				if err := os.WriteFile(filepath.Join(keep, "eval-"+tc.name+"-"+id+".png"), png, 0o644); err != nil {
					t.Error(err)
				}
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, msg := range problems {
		t.Errorf("page: %s", msg)
	}
	for _, u := range requests {
		if !slices.Contains(pages, u) {
			t.Errorf("page requested %s; a report must load nothing but itself", u)
		}
	}
}
