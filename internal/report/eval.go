package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// Eval writes the evaluation r as one self-contained HTML page, in the
// style of the EDA report: inline CSS and SVG charts, nothing loaded from
// the network. Its sections, each left out when r lacks its data:
//
//   - Summary: the model, its run and algorithm, the data@version, rows
//     and task, and the gate's verdict;
//   - Goal: the gate's criteria with PASS/FAIL badges, measured values and
//     notes, then the diagnosis with the phase to return to;
//   - Metrics: every metric by its scikit-learn name;
//   - binary tasks: the ROC curve with the chance diagonal, the
//     precision-recall curve, the calibration curve with the perfect
//     diagonal, and the confusion matrix at the decision threshold;
//   - multiclass tasks: the confusion matrix, and per class precision,
//     recall, F1 and support with the macro, micro and weighted averages;
//   - regression tasks: predicted against actual with the line y = x,
//     residuals against predicted with the zero line, and the residuals'
//     histogram;
//   - Business value: expected value per prediction against the threshold,
//     marking the best threshold and 0.5, and the value figures;
//   - Importance: permutation importance with ±std whiskers, and the
//     model's gain;
//   - Learning curve: the training run's train and validation metric per
//     round;
//   - Latency: the 99th percentile of single-row prediction latency.
//
// The default title is "<model> · evaluation report"; Opts.MaxCategories
// does not apply. Eval returns an error, before writing anything, when r
// is nil or inconsistent (a curve whose x and y differ in length, a
// confusion matrix that does not fit the classes), and when w fails.
func Eval(w io.Writer, r *eval.Report, opts Opts) error {
	if r == nil {
		return errors.New("report: eval: nil report")
	}
	if err := checkEval(r); err != nil {
		return fmt.Errorf("report: eval %s: %w", evalName(r), err)
	}
	doc := evalPage(r, opts.withDefaults())
	if _, err := io.WriteString(w, doc); err != nil {
		return fmt.Errorf("report: write eval report %s: %w", evalName(r), err)
	}
	return nil
}

// evalName names the evaluated model for titles and errors.
func evalName(r *eval.Report) string {
	switch {
	case r.Model.Name != "":
		return r.Model.Name
	case r.Model.Ref != "":
		return r.Model.Ref
	case r.Model.Run != 0:
		return "run " + strconv.FormatInt(r.Model.Run, 10)
	}
	return "model"
}

// checkEval reports every shape problem of r that would stop a chart from
// being drawn, with the field path of each.
func checkEval(r *eval.Report) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, c := range []struct {
		path string
		xy   *eval.XY
	}{{"roc", r.ROC}, {"pr", r.PR}, {"calibration", r.Calibration}} {
		if c.xy != nil && len(c.xy.X) != len(c.xy.Y) {
			bad("%s: %d x values for %d y values", c.path, len(c.xy.X), len(c.xy.Y))
		}
	}
	if b := r.Business; b != nil && len(b.Curve.X) != len(b.Curve.Y) {
		bad("business.curve: %d x values for %d y values", len(b.Curve.X), len(b.Curve.Y))
	}
	if res := r.Residuals; res != nil {
		if len(res.Residual) != len(res.Predicted) || len(res.Actual) != len(res.Predicted) {
			bad("residuals: %d predicted, %d residual and %d actual values, want as many of each",
				len(res.Predicted), len(res.Residual), len(res.Actual))
		}
	}
	if mc := r.Multiclass; mc != nil {
		k := len(r.Classes)
		if m := mc.Confusion.Matrix; len(m) > 0 {
			if len(m) != k {
				bad("multiclass.confusion.matrix: %d rows for %d classes", len(m), k)
			}
			for i, row := range m {
				if len(row) != len(m) {
					bad("multiclass.confusion.matrix[%d]: %d values, want %d", i, len(row), len(m))
				}
			}
		}
		if len(mc.PerClass) > 0 && len(mc.PerClass) != k {
			bad("multiclass.per_class: %d classes scored for %d classes", len(mc.PerClass), k)
		}
	}
	if r.Binary != nil && len(r.Classes) != 0 && len(r.Classes) != 2 {
		bad("classes: %d classes for a binary report, want 2", len(r.Classes))
	}
	if lc := r.LearningCurve; lc != nil && len(lc.Valid) > 0 && len(lc.Valid) != len(lc.Train) {
		bad("learning_curve: %d train values for %d valid values", len(lc.Train), len(lc.Valid))
	}
	return errors.Join(errs...)
}

// evalPage renders the document.
func evalPage(r *eval.Report, o Opts) string {
	name := evalName(r)
	title := o.Title
	if title == "" {
		title = name + " · evaluation report"
	}
	pg := &page{title: title}
	nav := func(id, label, count string) {
		pg.nav = append(pg.nav, navItem{ID: id, Label: label, Count: count})
	}
	nav("summary", "Summary", "")
	evalHeader(pg, r, name)
	if r.Gate != nil {
		failed := 0
		for _, l := range r.Gate.Lines {
			if !l.Pass {
				failed++
			}
		}
		count := ""
		if failed > 0 {
			count = strconv.Itoa(failed)
		}
		nav("gate", "Goal", count)
		evalGate(pg, r.Gate)
	}
	nav("metrics", "Metrics", "")
	evalMetrics(pg, r)
	classes := evalClasses(r)
	switch {
	case r.Binary != nil || r.ROC != nil || r.PR != nil || r.Calibration != nil:
		if r.ROC != nil || r.PR != nil || r.Calibration != nil {
			nav("curves", "Curves", "")
			evalCurves(pg, r)
		}
		if r.Binary != nil {
			nav("confusion", "Confusion matrix", "")
			evalBinaryConfusion(pg, r.Binary, classes)
		}
	case r.Multiclass != nil:
		nav("confusion", "Confusion matrix", "")
		evalMulticlass(pg, r.Multiclass, classes)
	}
	if r.Residuals != nil {
		nav("residuals", "Residuals", "")
		evalResiduals(pg, r.Residuals)
	}
	if r.Business != nil {
		nav("business", "Business value", "")
		evalBusiness(pg, r.Business)
	}
	if len(r.Importance) > 0 {
		nav("importance", "Importance", strconv.Itoa(len(r.Importance)))
		evalImportance(pg, r)
	}
	if lc := r.LearningCurve; lc != nil && len(lc.Train) > 0 {
		nav("learning", "Learning curve", "")
		evalLearning(pg, lc.Metric, lc.Train, lc.Valid)
	}
	nav("latency", "Latency", "")
	evalLatency(pg, r)
	ref := dataRef(r)
	footer := "Generated by mlcycle from the evaluation of " + name + " on " + ref + "."
	if !o.Generated.IsZero() {
		footer = "Generated by mlcycle from the evaluation of " + name + " on " + ref + " on " + o.Generated.UTC().Format("2006-01-02 15:04 MST") + "."
	}
	return pg.html("mlcycle · evaluation", footer)
}

// dataRef returns "dataset@version".
func dataRef(r *eval.Report) string {
	d := r.Data.Dataset
	if d == "" {
		d = "(data)"
	}
	if r.Data.Version > 0 {
		d += "@" + strconv.Itoa(r.Data.Version)
	}
	return d
}

// evalClasses returns the class names, numbering them when the report
// has none: a binary report's negative class first.
func evalClasses(r *eval.Report) []string {
	if len(r.Classes) > 0 {
		return r.Classes
	}
	k := 0
	switch {
	case r.Binary != nil:
		k = 2
	case r.Multiclass != nil:
		k = len(r.Multiclass.Confusion.Matrix)
	}
	out := make([]string, k)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

// passBadge returns the PASS or FAIL badge of a gate line or the gate.
func passBadge(pass bool) string {
	if pass {
		return `<span class="badge pass" style="background:#e3f4e8;color:` + colPass + `">PASS</span>`
	}
	return `<span class="badge alert fail">FAIL</span>`
}

func evalHeader(pg *page, r *eval.Report, name string) {
	pg.write(`<header class="top" id="summary"><p class="eyebrow">Model evaluation</p><h1>`, esc(name))
	if r.Model.Run != 0 {
		pg.printf(`<span class="ver"> · run %d</span>`, r.Model.Run)
	}
	if r.Gate != nil {
		pg.write(passBadge(r.Gate.Passed))
	}
	pg.write("</h1>\n")
	kpi := func(k, v, sub string) {
		pg.write(`<div class="kpi"><span class="k">`, esc(k), `</span><span class="v">`, esc(v), `</span>`)
		if sub != "" {
			pg.write(`<span class="s">`, esc(sub), `</span>`)
		}
		pg.write("</div>\n")
	}
	pg.write(`<div class="kpis">` + "\n")
	run := dash
	if r.Model.Run != 0 {
		run = strconv.FormatInt(r.Model.Run, 10)
	}
	kpi("Run", run, r.Model.Ref)
	kpi("Algorithm", orDash(r.Model.Algo), "")
	kpi("Data", dataRef(r), "")
	skipped := ""
	if r.Data.Skipped > 0 {
		skipped = fmtInt(int64(r.Data.Skipped)) + " without a target skipped"
	}
	kpi("Rows", fmtInt(int64(r.Data.Rows)), skipped)
	target := ""
	if r.Model.Target != "" {
		target = "target " + r.Model.Target
	}
	kpi("Task", orDash(r.Task), target)
	if r.Gate != nil {
		verdict := "met"
		if !r.Gate.Passed {
			verdict = "not met"
		}
		kpi("Goal", verdict, "")
	}
	pg.write("</div>\n</header>\n")
}

func evalGate(pg *page, g *eval.Gate) {
	verdict := "The goal is met: every criterion passes."
	if !g.Passed {
		verdict = "The goal is not met."
	}
	pg.write(`<section id="gate"><h2>Goal`, passBadge(g.Passed), `</h2><div class="card scroll">`)
	pg.write(`<p class="muted">`, esc(verdict), "</p>\n")
	if len(g.Lines) > 0 {
		pg.write(`<table class="grid gate"><thead><tr><th>Criterion</th><th class="l">Result</th><th>Measured</th><th class="l">Note</th></tr></thead><tbody>` + "\n")
		for _, l := range g.Lines {
			pg.write(`<tr><td class="l"><code>`, esc(l.Criterion), `</code></td><td class="l">`, passBadge(l.Pass), `</td>`,
				numPtr(l.Value), `<td class="l note">`, esc(l.Note), "</td></tr>\n")
		}
		pg.write("</tbody></table>\n")
	}
	pg.write("</div>\n")
	if len(g.Causes) > 0 {
		pg.write(`<div class="card" id="diagnosis"><h3>Diagnosis</h3><ul class="warnings">` + "\n")
		for _, c := range g.Causes {
			pg.write(`<li><span class="badge warn">`, esc(strings.ReplaceAll(c.Kind, "_", " ")), `</span><span>`)
			if c.Phase != "" {
				pg.write(`Back to <b class="phase">`, esc(c.Phase), `</b>: `)
			}
			pg.write(esc(c.Message))
			if len(c.Evidence) > 0 {
				keys := make([]string, 0, len(c.Evidence))
				for k := range c.Evidence {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				parts := make([]string, len(keys))
				for i, k := range keys {
					parts[i] = k + " " + fmtNum(c.Evidence[k])
				}
				pg.write(` <span class="muted">(`, esc(strings.Join(parts, ", ")), `)</span>`)
			}
			pg.write("</span></li>\n")
		}
		pg.write("</ul></div>\n")
	}
	pg.write("</section>\n")
}

// metricOrder returns the keys of m: the known metrics in the order of
// metrics.Names, then the others sorted.
func metricOrder(m map[string]float64) []string {
	var out []string
	for _, n := range metrics.Names() {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func evalMetrics(pg *page, r *eval.Report) {
	pg.write(`<section id="metrics"><h2>Metrics</h2><div class="card scroll">`)
	if len(r.Metrics) == 0 {
		pg.write(`<p class="muted">No metrics.</p></div></section>` + "\n")
		return
	}
	pg.write(`<p class="muted">Scikit-learn's names and definitions`)
	if r.Binary != nil {
		pg.write(esc(", labels at the decision threshold " + fmtNum(r.Binary.Threshold)))
	}
	pg.write(".</p>\n")
	pg.write(`<table class="grid metrics"><thead><tr><th>Metric</th><th>Value</th><th class="l">Better</th></tr></thead><tbody>` + "\n")
	for _, k := range metricOrder(r.Metrics) {
		v := r.Metrics[k]
		better := ""
		if hi, ok := metrics.HigherIsBetter(k); ok {
			better = "lower"
			if hi {
				better = "higher"
			}
		}
		pg.write(`<tr><td class="l"><code>`, esc(k), `</code></td>`, num(v, fmtNum(v)), `<td class="l">`, better, "</td></tr>\n")
	}
	pg.write("</tbody></table></div></section>\n")
}

// unit is the fixed [0, 1] domain of the probability curves.
var unit = [2]float64{0, 1}

func evalCurves(pg *page, r *eval.Report) {
	pg.write(`<section id="curves"><h2>Curves</h2><div class="card"><div class="figs">` + "\n")
	if c := r.ROC; c != nil {
		caption := "ROC curve: true against false positive rate over every threshold; the dashed diagonal is a model that guesses."
		if b := r.Binary; b != nil && finite(b.ROCAUC) {
			caption = "ROC curve, AUC = " + fmtNum(b.ROCAUC) + ": true against false positive rate over every threshold; the dashed diagonal is a model that guesses."
		}
		svg := xyChart("ROC curve", xyPlot{W: squareW, H: squareH, XLabel: "False positive rate", YLabel: "True positive rate",
			XDomain: &unit, YDomain: &unit, Diagonal: true, DiagonalName: "chance", Legend: true,
			Series: []xySeries{{Name: "model", X: c.X, Y: c.Y, Color: colAccent, Line: true}}})
		pg.write(`<div id="roc">`, figure(svg, caption), "</div>\n")
	}
	if c := r.PR; c != nil {
		caption := "Precision against recall over every threshold."
		var hline *float64
		hname := ""
		if b := r.Binary; b != nil {
			if finite(b.AveragePrecision) {
				caption = "Precision-recall curve, average precision = " + fmtNum(b.AveragePrecision) + ": precision against recall over every threshold."
			}
			// The precision of acting on everyone: the positive share.
			if n := b.Confusion.N(); n > 0 {
				base := (b.Confusion.TP + b.Confusion.FN) / n
				hline, hname = &base, "positive share"
				caption += " The dashed line is the positive share, " + fmtPct(base) + ", a model that guesses."
			}
		}
		svg := xyChart("Precision-recall curve", xyPlot{W: squareW, H: squareH, XLabel: "Recall", YLabel: "Precision",
			XDomain: &unit, YDomain: &unit, HLine: hline, HLineName: hname, Legend: true,
			Series: []xySeries{{Name: "model", X: c.X, Y: c.Y, Color: colAccent, Line: true}}})
		pg.write(`<div id="pr">`, figure(svg, caption), "</div>\n")
	}
	if c := r.Calibration; c != nil {
		svg := xyChart("Calibration curve", xyPlot{W: squareW, H: squareH, XLabel: "Mean predicted probability", YLabel: "Observed positive rate",
			XDomain: &unit, YDomain: &unit, Diagonal: true, DiagonalName: "perfectly calibrated", Legend: true,
			Series: []xySeries{{Name: "model", X: c.X, Y: c.Y, Color: colAccent, Line: true, Dot: 4,
				Tip: func(i int) string {
					return "predicted " + fmtNum(c.X[i]) + ", observed " + fmtNum(c.Y[i])
				}}}})
		pg.write(`<div id="calibration">`, figure(svg, "Calibration (10 equal-width bins of the predicted probability): the observed positive rate against the mean predicted probability of each bin; on the dashed diagonal the probabilities are exact."), "</div>\n")
	}
	pg.write("</div></div></section>\n")
}

func evalBinaryConfusion(pg *page, b *metrics.BinaryReport, classes []string) {
	c := b.Confusion
	m := [][]float64{{c.TN, c.FP}, {c.FN, c.TP}}
	pg.write(`<section id="confusion"><h2>Confusion matrix</h2><div class="card">`)
	svg := confusionChart("Confusion matrix at threshold "+fmtNum(b.Threshold), classes, m)
	pg.write(figure(svg, fmt.Sprintf("Rows are the true classes, columns the predicted ones at the decision threshold %s (a row is predicted %s when its score is at least the threshold); each cell is shaded by its share of its row. Precision %s, recall %s.",
		fmtNum(b.Threshold), classes[1], fmtNum(b.Precision), fmtNum(b.Recall))))
	pg.write("</div></section>\n")
}

func evalMulticlass(pg *page, mc *metrics.MulticlassReport, classes []string) {
	pg.write(`<section id="confusion"><h2>Confusion matrix</h2><div class="card">`)
	if len(mc.Confusion.Matrix) > 0 {
		svg := confusionChart("Confusion matrix", classes, mc.Confusion.Matrix)
		pg.write(figure(svg, "Rows are the true classes, columns the predicted ones (each row's most probable class); each cell is shaded by its share of its row, so the diagonal reads as each class's recall."))
	} else {
		pg.write(`<p class="muted">No confusion matrix.</p>`)
	}
	pg.write("</div>\n")
	if len(mc.PerClass) > 0 {
		pg.write(`<div class="card scroll" id="per-class"><h3>Per class</h3>`)
		pg.write(`<table class="grid sortable perclass"><thead><tr><th>Class</th><th>Precision</th><th>Recall</th><th>F1</th><th>Support</th></tr></thead><tbody>` + "\n")
		var support float64
		for i, s := range mc.PerClass {
			pg.write(`<tr><td class="name">`, esc(classes[i]), `</td>`, num(s.Precision, fmtNum(s.Precision)), num(s.Recall, fmtNum(s.Recall)),
				num(s.F1, fmtNum(s.F1)), num(s.Support, fmtCount(s.Support)), "</tr>\n")
			support += s.Support
		}
		pg.write("</tbody><tfoot>\n")
		for _, a := range []struct {
			name  string
			p, rc float64
			f1    float64
		}{
			{"macro avg", mc.Precision, mc.Recall, mc.F1},
			{"micro avg", mc.PrecisionMicro, mc.RecallMicro, mc.F1Micro},
			{"weighted avg", mc.PrecisionWeighted, mc.RecallWeighted, mc.F1Weighted},
		} {
			pg.write(`<tr><th scope="row" class="l">`, esc(a.name), `</th>`, num(a.p, fmtNum(a.p)), num(a.rc, fmtNum(a.rc)),
				num(a.f1, fmtNum(a.f1)), num(support, fmtCount(support)), "</tr>\n")
		}
		pg.write("</tfoot></table>")
		pg.write(`<p class="muted">Macro averages weigh every class alike, micro averages every row (they equal the accuracy), weighted averages each class by its support.</p></div>` + "\n")
	}
	pg.write("</section>\n")
}

// residualBins returns equal-width histogram edges and counts of v: about
// √n bins, from 5 to 40, the last bin closed.
func residualBins(v []float64) ([]float64, []int64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	var n int
	for _, x := range v {
		if finite(x) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	k := max(5, min(40, int(math.Ceil(math.Sqrt(float64(n))))))
	if hi == lo {
		lo, hi, k = lo-0.5, hi+0.5, 1
	}
	edges := make([]float64, k+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(k)
	}
	edges[k] = hi
	counts := make([]int64, k)
	for _, x := range v {
		if !finite(x) {
			continue
		}
		i := min(int((x-lo)/(hi-lo)*float64(k)), k-1)
		counts[i]++
	}
	return edges, counts
}

func evalResiduals(pg *page, res *eval.Residual) {
	n := len(res.Predicted)
	pg.write(`<section id="residuals"><h2>Residuals</h2><div class="card">`)
	if n == 0 {
		pg.write(`<p class="muted">No residuals.</p></div></section>` + "\n")
		return
	}
	pg.printf(`<p class="muted">A sample of %s rows; residual = actual − predicted.</p><div class="figs">`+"\n", fmtInt(int64(n)))
	tip := func(i int) string {
		return fmt.Sprintf("predicted %s, actual %s, residual %s", fmtNum(res.Predicted[i]), fmtNum(res.Actual[i]), fmtNum(res.Residual[i]))
	}
	pva := xyChart("Predicted against actual", xyPlot{W: squareW, H: squareH, XLabel: "Actual", YLabel: "Predicted", Equal: true,
		Diagonal: true, DiagonalName: "y = x", Legend: true,
		Series: []xySeries{{X: res.Actual, Y: res.Predicted, Color: colAccent, Dot: 2.5, Tip: tip}}})
	pg.write(`<div id="pred-actual">`, figure(pva, "Each dot is a row: its prediction against its true value; on the dashed line y = x the prediction is exact."), "</div>\n")
	zero := 0.0
	rvp := xyChart("Residuals against predicted", xyPlot{W: squareW, H: squareH, XLabel: "Predicted", YLabel: "Residual",
		HLine: &zero, HLineName: "zero", Legend: true,
		Series: []xySeries{{X: res.Predicted, Y: res.Residual, Color: colAccent, Dot: 2.5, Tip: tip}}})
	pg.write(`<div id="resid-pred">`, figure(rvp, "Residual against prediction: a pattern (a curve, a funnel) is structure the model misses."), "</div>\n")
	if edges, counts := residualBins(res.Residual); len(counts) > 0 {
		pg.write(`<div id="resid-hist" class="wide">`, figure(histogram("Histogram of residuals", edges, counts),
			fmt.Sprintf("Residuals in %d equal-width bins; hover a bar for its range and count.", len(counts))), "</div>\n")
	}
	pg.write("</div></div></section>\n")
}

func evalBusiness(pg *page, b *eval.Business) {
	pg.write(`<section id="business"><h2>Business value</h2><div class="card">`)
	v := b.Values
	pg.printf(`<p class="muted">%s</p>`+"\n", esc(fmt.Sprintf("Value matrix per prediction: true positive %s, false positive %s, false negative %s, true negative %s.",
		fmtNum(v.TP), fmtNum(v.FP), fmtNum(v.FN), fmtNum(v.TN))))
	pg.write(`<div class="rel">`)
	if len(b.Curve.X) > 0 {
		noAction := b.NoActionValue
		marks := []xyMark{{X: b.BestThreshold, Label: "best " + fmtNum(b.BestThreshold), Color: colBest}}
		if b.BestThreshold != 0.5 {
			marks = append(marks, xyMark{X: 0.5, Label: "0.5", Color: colAxis})
		}
		if b.Threshold != b.BestThreshold && b.Threshold != 0.5 {
			marks = append(marks, xyMark{X: b.Threshold, Label: "used " + fmtNum(b.Threshold), Color: colRate})
		}
		svg := xyChart("Expected value against threshold", xyPlot{W: rateW, H: 340, XLabel: "Decision threshold", YLabel: "Expected value per prediction",
			XDomain: &unit, HLine: &noAction, HLineName: "act on nobody", Marks: marks, Legend: true,
			Series: []xySeries{
				{Name: "expected value", X: b.Curve.X, Y: b.Curve.Y, Color: colAccent, Line: true},
				{X: []float64{b.BestThreshold}, Y: []float64{b.BestValue}, Color: colBest, Line: true, Dot: 4.5,
					Tip: func(int) string {
						return "best threshold " + fmtNum(b.BestThreshold) + ": " + fmtNum(b.BestValue) + " per prediction"
					}},
				{X: []float64{0.5}, Y: []float64{b.ValueAtHalf}, Color: colAxis, Line: true, Dot: 4.5,
					Tip: func(int) string { return "threshold 0.5: " + fmtNum(b.ValueAtHalf) + " per prediction" }},
			}})
		pg.write(figure(svg, "Expected value of one prediction when acting on the rows scored at or above each threshold; the dashed line is the value of acting on nobody."))
	}
	rows := [][2]string{
		{"Decision threshold", fmtNum(b.Threshold)},
		{"Expected value per prediction", fmtNum(b.ExpectedValue)},
		{"Total value", fmtNum(b.TotalValue)},
		{"Value per 1,000 predictions", fmtNum(b.ValuePer1000)},
		{"ROI", fmtPtr(b.ROI)},
		{"Cost per positive prediction", fmtNum(b.CostPerPositive)},
		{"Cost per true positive", fmtPtr(b.CostPerTruePositive)},
		{"Best threshold", fmtNum(b.BestThreshold)},
		{"Value at the best threshold", fmtNum(b.BestValue)},
		{"Value at threshold 0.5", fmtNum(b.ValueAtHalf)},
		{"Value of acting on nobody", fmtNum(b.NoActionValue)},
	}
	pg.write(`<div class="stats">`, kv(rows), "</div></div></div></section>\n")
}

// maxImportanceBars is how many columns the importance chart shows; the
// table lists them all.
const maxImportanceBars = 30

func evalImportance(pg *page, r *eval.Report) {
	imp := slices.Clone(r.Importance)
	slices.SortStableFunc(imp, func(a, b eval.Importance) int {
		switch {
		case a.Mean > b.Mean:
			return -1
		case a.Mean < b.Mean:
			return 1
		}
		return 0
	})
	metric := r.ImportanceMetric
	if metric == "" {
		metric = "the metric"
	}
	pg.write(`<section id="importance"><h2>Importance</h2><div class="card">`)
	n := min(len(imp), maxImportanceBars)
	items := make([]errBar, n)
	for i, it := range imp[:n] {
		items[i] = errBar{Label: it.Feature, Mean: it.Mean, Std: it.Std}
	}
	caption := "Permutation importance: how much " + metric + " worsens when the column is shuffled, mean ± std over the repeats."
	if n < len(imp) {
		caption += fmt.Sprintf(" The %d most important of %d columns; the table lists all.", n, len(imp))
	}
	pg.write(figure(errorBars("Permutation importance ("+metric+")", items), caption))
	pg.write("</div>\n")
	pg.write(`<div class="card scroll"><table class="grid sortable importance"><thead><tr><th>Feature</th><th>Permutation mean</th><th>Std</th><th>Gain</th></tr></thead><tbody>` + "\n")
	for _, it := range imp {
		pg.write(`<tr><td class="name">`, esc(it.Feature), `</td>`, num(it.Mean, fmtNum(it.Mean)), num(it.Std, fmtNum(it.Std)), numPtr(it.Gain), "</tr>\n")
	}
	pg.write(`</tbody></table><p class="muted">Gain is the model's own importance: total split gain (trees) or |coefficient| × std (linear models); — where the model has none.</p></div></section>` + "\n")
}

func evalLearning(pg *page, metric string, train, valid []float64) {
	rounds := make([]float64, len(train))
	for i := range rounds {
		rounds[i] = float64(i + 1)
	}
	if metric == "" {
		metric = "metric"
	}
	series := []xySeries{{Name: "train", X: rounds, Y: train, Color: colAccent, Line: true}}
	if len(valid) > 0 {
		series = append(series, xySeries{Name: "valid", X: rounds, Y: valid, Color: colValid, Line: true})
	}
	if len(train) == 1 {
		for i := range series {
			series[i].Dot = 4
		}
	}
	svg := xyChart("Learning curve ("+metric+")", xyPlot{W: chartW, H: 300, XLabel: "Boosting round", YLabel: metric, Series: series, Legend: true, WholeX: true})
	caption := fmt.Sprintf("The training run's %s after each of %d rounds, on the training rows.", metric, len(train))
	if len(valid) > 0 {
		caption = fmt.Sprintf("The training run's %s after each of %d rounds, on the training rows and on the validation rows.", metric, len(train))
		last := len(train) - 1
		caption += fmt.Sprintf(" Last round: train %s, valid %s.", fmtNum(train[last]), fmtNum(valid[last]))
	}
	pg.write(`<section id="learning"><h2>Learning curve</h2><div class="card">`, figure(svg, caption), "</div></section>\n")
}

func evalLatency(pg *page, r *eval.Report) {
	p99 := dash
	if r.LatencyP99MS > 0 && finite(r.LatencyP99MS) {
		p99 = fmtNum(r.LatencyP99MS) + " ms"
	}
	rows := [][2]string{{"Single-row prediction latency, p99", p99}}
	if t := r.Model.TrainSeconds; t != nil {
		rows = append(rows, [2]string{"Training time", fmtNum(*t) + " s"})
	}
	pg.write(`<section id="latency"><h2>Latency</h2><div class="card"><div class="stats" style="max-width:420px">`, kv(rows),
		`</div><p class="muted">Measured during the evaluation through the serving code path, one row at a time.</p></div></section>`+"\n")
}
