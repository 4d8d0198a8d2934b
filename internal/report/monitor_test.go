package report

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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

	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/drift"
)

// The monitor results of these tests are built by hand: run 7 of the
// churn endpoint with a drifted numeric feature (tenure), a categorical
// one without drift (plan), a feature with too few rows and NaN scores
// (named a<b&"c" to test escaping), a skipped text feature, and the
// prediction, last in the report as Compare puts it; three violations,
// three alarms and quality metrics. Its history is runs 4 to 6, whose
// main scores rise towards the current run's.

func thr(v float64) *float64 { return &v }

// monitorRun returns run 7, or an older run with the main scores
// (tenure's PSI, plan's Jensen–Shannon distance, the prediction's PSI) and
// the drifted-feature count given.
func monitorRun(run int64, tenurePSI, planJS, predPSI float64, drifted int) *monitor.Result {
	nan := drift.Float(math.NaN())
	to := time.Date(2026, 5, 6, 11, 0, 0, 0, time.UTC).Add(time.Duration(run-7) * time.Hour)
	tenureDrift, predDrift := tenurePSI > 0.2, predPSI > 0.2
	verdict := func(d bool) string {
		if d {
			return drift.VerdictDrift
		}
		return drift.VerdictOK
	}
	r := &monitor.Result{
		Format: monitor.ResultFormat, Version: monitor.ResultVersion, Run: run,
		Endpoint: "churn", Model: "churn", Served: 3, TrainRun: 2,
		From: to.Add(-time.Hour), To: to,
		Records: 1200, ByVersion: map[string]int{"3": 1000, "2": 200},
		Report: drift.Report{
			Rows: 1200,
			Features: []drift.FeatureReport{
				{Name: "tenure", Type: "numeric", Present: 1188, Missing: 12, Verdict: verdict(tenureDrift), Violations: 1,
					Scores: []drift.Score{
						{Method: drift.MethodKS, Value: 0.21, PValue: 1.2e-5, Threshold: thr(0.01), Drift: tenureDrift},
						{Method: drift.MethodPSI, Value: drift.Float(tenurePSI), PValue: nan, Threshold: thr(0.2), Drift: tenureDrift},
						{Method: drift.MethodWasserstein, Value: 0.12, PValue: nan},
						{Method: drift.MethodJensenShannon, Value: 0.18, PValue: nan},
					},
					Histogram: &drift.HistogramComparison{Edges: []float64{10, 20, 40}, Baseline: []int64{250, 250, 250, 250}, Current: []int64{100, 200, 300, 588}}},
				{Name: "plan", Type: "categorical", Present: 1200, Verdict: drift.VerdictOK, Violations: 1,
					Scores: []drift.Score{
						{Method: drift.MethodChiSquare, Value: 3.2, PValue: 0.36, Threshold: thr(0.01)},
						{Method: drift.MethodLInfinity, Value: 0.04, PValue: nan},
						{Method: drift.MethodJensenShannon, Value: drift.Float(planJS), PValue: nan, Threshold: thr(0.1)},
					},
					Categories: &drift.CategoryComparison{Values: []string{"basic", "plus", "pro"}, Baseline: []int64{500, 300, 150}, Current: []int64{590, 360, 200},
						BaselineOther: 50, CurrentOther: 50}},
				{Name: `a<b&"c"`, Type: "numeric", Present: 20, Missing: 1180, Verdict: drift.VerdictInsufficientData, Reason: "20 present values, fewer than 100",
					Scores: []drift.Score{{Method: drift.MethodPSI, Value: nan, PValue: nan, Threshold: thr(0.2)}}},
				{Name: "notes", Type: "text", Present: 1200, Verdict: drift.VerdictSkipped, Reason: "no drift check applies"},
				{Name: baseline.PredictionColumn, Type: "numeric", Present: 1200, Verdict: verdict(predDrift),
					Scores:    []drift.Score{{Method: drift.MethodPSI, Value: drift.Float(predPSI), PValue: nan, Threshold: thr(0.2), Drift: predDrift}},
					Histogram: &drift.HistogramComparison{Edges: []float64{0.2, 0.5}, Baseline: []int64{300, 400, 300}, Current: []int64{240, 360, 600}}},
			},
			Violations: []drift.Violation{
				{Feature: "tenure", Kind: drift.ViolationRange, Reason: "12 values below the minimum 0", Count: 12, Examples: []string{"-3", "-1"}},
				{Feature: "plan", Kind: drift.ViolationDomain, Reason: "50 values outside the domain", Count: 50, Examples: []string{"enterprise", "<free>"}},
				{Feature: "extra", Kind: drift.ViolationExtraColumn, Reason: "column extra is not in the constraints"},
			},
			Counts: drift.Counts{Features: 5, Drift: drifted, OK: 3 - drifted, InsufficientData: 1, Skipped: 1, Violations: 3},
		},
		Quality: monitor.Quality{Labels: 400,
			Metrics:  map[string]float64{"roc_auc": 0.71, "accuracy": 0.8},
			Training: map[string]float64{"roc_auc": 0.84, "accuracy": 0.83, "log_loss": 0.4}},
		Alarms: []monitor.AlarmStatus{
			{Name: "tenure-psi", State: store.AlarmAlarm, Changed: true, Reason: "psi of tenure 0.31 > 0.2 in 2 of the last 3 runs"},
			{Name: "auc", State: store.AlarmOK, Reason: "roc_auc 0.71 >= 0.7"},
			{Name: "labels", State: store.AlarmInsufficientData, Reason: "400 labels, fewer than 500"},
		},
	}
	for _, f := range r.Report.Features {
		if f.Verdict == drift.VerdictDrift {
			r.Drifted = append(r.Drifted, f.Name)
		}
	}
	return r
}

func currentRun() *monitor.Result { return monitorRun(7, 0.31, 0.03, 0.25, 2) }

func monitorHistoryRuns() []*monitor.Result {
	return []*monitor.Result{monitorRun(4, 0.02, 0.01, 0.01, 0), monitorRun(5, 0.05, 0.02, 0.03, 0), monitorRun(6, 0.24, 0.025, 0.1, 1)}
}

func renderMonitor(t *testing.T, r *monitor.Result, history []*monitor.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Monitor(&buf, r, history, Opts{}); err != nil {
		t.Fatalf("Monitor: %v", err)
	}
	return buf.String()
}

func parseMonitor(t *testing.T, r *monitor.Result, history []*monitor.Result) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(renderMonitor(t, r, history)))
	if err != nil {
		t.Fatalf("html.Parse: %v", err)
	}
	return doc
}

// wantMonitorCharts returns the number of charts of the report: one per
// feature with a histogram or categories, and with history one for the
// drifted count and one per feature with a finite main score in some run.
func wantMonitorCharts(r *monitor.Result, history []*monitor.Result) int {
	n := 0
	for _, f := range r.Report.Features {
		if f.Histogram != nil || f.Categories != nil {
			n++
		}
	}
	if len(history) == 0 {
		return n
	}
	n++
	for i := range r.Report.Features {
		s, ok := mainScore(&r.Report.Features[i])
		if !ok {
			continue
		}
		for _, h := range append(history, r) {
			found := false
			for _, hf := range h.Report.Features {
				for _, hs := range hf.Scores {
					if hf.Name == r.Report.Features[i].Name && hs.Method == s.Method && finite(float64(hs.Value)) {
						found = true
					}
				}
			}
			if found {
				n++
				break
			}
		}
	}
	return n
}

func TestMonitorGolden(t *testing.T) {
	t.Parallel()
	file := "testdata/monitor_report.golden.html"
	got := renderMonitor(t, currentRun(), monitorHistoryRuns())
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
		t.Errorf("monitoring report differs from %s (-want +got); if the change is intended, run go test ./internal/report -update:\n%s",
			file, cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")))
	}
	if again := renderMonitor(t, currentRun(), monitorHistoryRuns()); again != got {
		t.Error("two renderings of the same result differ")
	}
}

func TestMonitorStructure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		history []*monitor.Result
	}{{"history", monitorHistoryRuns()}, {"alone", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := currentRun()
			doc := parseMonitor(t, r, tc.history)
			if got, want := len(findAll(doc, tagged("svg"))), wantMonitorCharts(r, tc.history); got != want {
				t.Errorf("svg elements = %d, want %d", got, want)
			}
			hasHistory := len(findAll(doc, tagged("section", "id", "history"))) == 1
			if hasHistory != (tc.history != nil) {
				t.Errorf("history section present = %v, want %v", hasHistory, tc.history != nil)
			}
			out := renderMonitor(t, r, tc.history)
			for _, bad := range []string{"NaN", "Inf", `a<b&"c"`, "https://", "http://"} {
				if bad == "http://" {
					out = strings.ReplaceAll(out, svgNS, "")
				}
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q", bad)
				}
			}
			if !strings.Contains(out, "a&lt;b&amp;&#34;c&#34;") {
				t.Error("the escaped feature name a<b&\"c\" is missing")
			}
		})
	}
}

func TestMonitorHeader(t *testing.T) {
	t.Parallel()
	doc := parseMonitor(t, currentRun(), nil)
	head := findAll(doc, tagged("header", "id", "summary"))
	if len(head) != 1 {
		t.Fatalf("%d summary headers, want 1", len(head))
	}
	text := textOf(head[0])
	for _, want := range []string{"churn", "run 7", "churn@3", "training run 2", "1h", "2026-05-06 10:00:00 UTC to 2026-05-06 11:00:00 UTC",
		"1,200", "v2: 200, v3: 1,000", "version 3", "1,000 (83.3%)", "version 2", "200 (16.7%)"} {
		if !strings.Contains(text, want) {
			t.Errorf("header lacks %q: %s", want, text)
		}
	}
}

func TestMonitorBadges(t *testing.T) {
	t.Parallel()
	r := currentRun()
	doc := parseMonitor(t, r, nil)
	cards := findAll(doc, func(n *html.Node) bool { return n.Data == "div" && strings.Contains(attr(n, "class"), "feature") })
	if len(cards) != len(r.Report.Features) {
		t.Fatalf("%d feature cards, want %d", len(cards), len(r.Report.Features))
	}
	// The prediction comes first, then the features in report order.
	wantOrder := []string{baseline.PredictionColumn, "tenure", "plan", `a<b&"c"`, "notes"}
	verdicts := map[string]string{}
	for _, f := range r.Report.Features {
		verdicts[f.Name] = f.Verdict
	}
	for i, c := range cards {
		name := attr(c, "data-feature")
		if name != wantOrder[i] {
			t.Errorf("feature card %d = %q, want %q", i, name, wantOrder[i])
		}
		badges := findAll(c, func(n *html.Node) bool { return n.Data == "span" && attr(n, "data-verdict") != "" })
		if len(badges) != 1 {
			t.Errorf("%s: %d verdict badges, want 1", name, len(badges))
			continue
		}
		if got := attr(badges[0], "data-verdict"); got != verdicts[name] {
			t.Errorf("%s: verdict badge %q, want %q", name, got, verdicts[name])
		}
		wantClass := map[string]string{drift.VerdictDrift: "alert", drift.VerdictOK: "pass", drift.VerdictInsufficientData: "warn", drift.VerdictSkipped: "verdict"}[verdicts[name]]
		if !strings.Contains(attr(badges[0], "class"), wantClass) {
			t.Errorf("%s: badge class %q lacks %q", name, attr(badges[0], "class"), wantClass)
		}
		// The scores table: one row per score, "yes" exactly where the
		// check fired, the threshold printed.
		f := r.Report.Features[0]
		for _, ff := range r.Report.Features {
			if ff.Name == name {
				f = ff
			}
		}
		rows := findAll(c, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-method") != "" })
		if len(rows) != len(f.Scores) {
			t.Errorf("%s: %d score rows, want %d", name, len(rows), len(f.Scores))
		}
		for k, row := range rows {
			if k >= len(f.Scores) {
				break
			}
			s := f.Scores[k]
			fired := len(findAll(row, func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "fired") })) == 1
			if fired != s.Drift {
				t.Errorf("%s %s: fired = %v, want %v", name, s.Method, fired, s.Drift)
			}
			cells := findAll(row, tagged("td"))
			if s.Threshold != nil && textOf(cells[3]) != fmtNum(*s.Threshold) {
				t.Errorf("%s %s: threshold cell %q, want %q", name, s.Method, textOf(cells[3]), fmtNum(*s.Threshold))
			}
			if v := float64(s.Value); v != v && textOf(cells[1]) != dash {
				t.Errorf("%s %s: NaN value prints %q, want %q", name, s.Method, textOf(cells[1]), dash)
			}
		}
	}
	// The prediction is highlighted in the overview too, on its first row.
	rows := findAll(doc, func(n *html.Node) bool {
		return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" && n.Parent.Parent != nil && strings.Contains(attr(n.Parent.Parent, "class"), "overview")
	})
	if len(rows) != 5 || attr(rows[0], "class") != "prediction" {
		t.Errorf("overview: %d rows, first of class %q; want 5, the prediction first", len(rows), attr(rows[0], "class"))
	}
	// Alarms: one badge per alarm with its state.
	states := findAll(doc, func(n *html.Node) bool { return n.Data == "span" && attr(n, "data-state") != "" })
	if len(states) != len(r.Alarms) {
		t.Fatalf("%d alarm badges, want %d", len(states), len(r.Alarms))
	}
	for i, a := range r.Alarms {
		if got := attr(states[i], "data-state"); got != a.State {
			t.Errorf("alarm %s: state badge %q, want %q", a.Name, got, a.State)
		}
	}
	if nav := findAll(doc, tagged("a", "href", "#alarms")); len(nav) != 1 || !strings.HasSuffix(textOf(nav[0]), " 1") {
		t.Errorf("alarms navigation entry should count the 1 firing alarm")
	}
}

// barsOf returns the bars of one colour that carry a tooltip (the legend
// swatch has none), as tooltip and height.
func barsOf(t *testing.T, svg *html.Node, color string) (tips []string, heights []float64) {
	t.Helper()
	for _, r := range findAll(svg, tagged("rect", "fill", color)) {
		if tip := tipOf(r); tip != "" {
			tips = append(tips, tip)
			heights = append(heights, num64(t, attr(r, "height")))
		}
	}
	return tips, heights
}

func TestMonitorDistributionCharts(t *testing.T) {
	t.Parallel()
	doc := parseMonitor(t, currentRun(), nil)
	for _, tc := range []struct {
		label              string
		baseline, current  []int64
		wantTip0, wantEdge string
	}{
		{"Baseline and current distribution of tenure", []int64{250, 250, 250, 250}, []int64{100, 200, 300, 588}, "[−∞, 10) baseline: 250 (25%)", "20"},
		{"Baseline and current distribution of prediction (__prediction__)", []int64{300, 400, 300}, []int64{240, 360, 600}, "[−∞, 0.2) baseline: 300 (30%)", "0.5"},
		{"Baseline and current categories of plan", []int64{500, 300, 150, 50}, []int64{590, 360, 200, 50}, "basic baseline: 500 (50%)", "(other)"},
	} {
		t.Run(tc.label, func(t *testing.T) {
			svg := chart(t, doc, tc.label)
			// All bars share one scale: height / share is the same for
			// every bar of both series, within the two-decimal rounding.
			var ratio float64
			for _, s := range []struct {
				color  string
				counts []int64
			}{{colBaseline, tc.baseline}, {colCurrent, tc.current}} {
				tips, hs := barsOf(t, svg, s.color)
				if len(hs) != len(s.counts) {
					t.Fatalf("%s: %d bars, want %d", s.color, len(hs), len(s.counts))
				}
				total := sum(s.counts)
				for i, h := range hs {
					share := float64(s.counts[i]) / float64(total)
					if ratio == 0 {
						ratio = h / share
					}
					if math.Abs(h-ratio*share) > 0.02 {
						t.Errorf("%s bar %d: height %v, want %v (share %.4f)", s.color, i, h, ratio*share, share)
					}
					if !strings.Contains(tips[i], fmtPct(share)) {
						t.Errorf("%s bar %d: tooltip %q lacks %s", s.color, i, tips[i], fmtPct(share))
					}
				}
				if s.color == colBaseline && tips[0] != tc.wantTip0 {
					t.Errorf("first baseline tooltip = %q, want %q", tips[0], tc.wantTip0)
				}
			}
			// The plot is 184 units high (260 − 30 − 46), and the tallest
			// bar reaches at most the top of the nice share axis.
			if ratio <= 0 || ratio > 184/0.0999 {
				t.Errorf("height per share = %v", ratio)
			}
			if !strings.Contains(textOf(svg), tc.wantEdge) {
				t.Errorf("axis labels %q lack %q", textOf(svg), tc.wantEdge)
			}
		})
	}
}

func TestMonitorViolationsAndQuality(t *testing.T) {
	t.Parallel()
	r := currentRun()
	doc := parseMonitor(t, r, nil)
	rows := findAll(doc, func(n *html.Node) bool {
		return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" && strings.Contains(attr(n.Parent.Parent, "class"), "violations")
	})
	if len(rows) != len(r.Report.Violations) {
		t.Fatalf("%d violation rows, want %d", len(rows), len(r.Report.Violations))
	}
	want := [][]string{
		{"tenure", "out of range", "12 values below the minimum 0", "12", "-3, -1"},
		{"plan", "outside domain", "50 values outside the domain", "50", "enterprise, <free>"},
		{"extra", "extra column", "column extra is not in the constraints", dash, ""},
	}
	for i, row := range rows {
		var got []string
		for _, c := range findAll(row, tagged("td")) {
			got = append(got, textOf(c))
		}
		if d := cmp.Diff(want[i], got); d != "" {
			t.Errorf("violation %d (-want +got):\n%s", i, d)
		}
	}
	q := map[string][3]string{}
	for _, row := range findAll(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-metric") != "" }) {
		c := findAll(row, tagged("td"))
		q[attr(row, "data-metric")] = [3]string{textOf(c[1]), textOf(c[2]), textOf(c[3])}
	}
	wantQ := map[string][3]string{
		"roc_auc":  {"0.71", "0.84", "-0.13"},
		"accuracy": {"0.8", "0.83", "-0.03"},
		"log_loss": {dash, "0.4", dash},
	}
	if d := cmp.Diff(wantQ, q); d != "" {
		t.Errorf("quality table (-want +got):\n%s", d)
	}
}

func TestMonitorHistory(t *testing.T) {
	t.Parallel()
	r, hist := currentRun(), monitorHistoryRuns()
	doc := parseMonitor(t, r, hist)
	runs := append(hist, r)
	for _, tc := range []struct {
		label string
		want  []float64
	}{
		{"PSI of tenure over runs", []float64{0.02, 0.05, 0.24, 0.31}},
		{"Jensen–Shannon of plan over runs", []float64{0.01, 0.02, 0.025, 0.03}},
		{"PSI of prediction (__prediction__) over runs", []float64{0.01, 0.03, 0.1, 0.25}},
		{"Drifted features over runs", []float64{0, 0, 1, 2}},
	} {
		svg := chart(t, doc, tc.label)
		dots := findAll(svg, tagged("circle"))
		if len(dots) != len(runs) {
			t.Errorf("%s: %d points, want one per run (%d)", tc.label, len(dots), len(runs))
			continue
		}
		path := findAll(svg, tagged("path"))
		if len(path) != 1 || len(pathPoints(t, attr(path[0], "d"))) != len(runs) {
			t.Errorf("%s: want one line through %d points", tc.label, len(runs))
		}
		// Points run left to right, oldest first, and rise with the
		// score (SVG y grows downwards).
		for i := 1; i < len(dots); i++ {
			x0, x1 := num64(t, attr(dots[i-1], "cx")), num64(t, attr(dots[i], "cx"))
			y0, y1 := num64(t, attr(dots[i-1], "cy")), num64(t, attr(dots[i], "cy"))
			if !(x1 > x0) {
				t.Errorf("%s: point %d at x %v, not right of %v", tc.label, i, x1, x0)
			}
			if (tc.want[i] > tc.want[i-1]) != (y1 < y0) {
				t.Errorf("%s: point %d at y %v against %v, want it higher exactly when the score rises", tc.label, i, y1, y0)
			}
		}
		if tip := tipOf(dots[3]); !strings.Contains(tip, "run 7") || !strings.Contains(tip, fmtNum(tc.want[3])) {
			t.Errorf("%s: last point's tooltip %q lacks run 7 and %s", tc.label, tip, fmtNum(tc.want[3]))
		}
	}
	// The feature with NaN scores in every run has no chart.
	if n := len(findAll(doc, tagged("svg", "aria-label", `PSI of a<b&"c" over runs`))); n != 0 {
		t.Errorf("a feature without finite scores has %d history charts, want 0", n)
	}
	// A NaN in one run breaks the line and leaves that run without a point.
	hist[1].Report.Features[0].Scores[1].Value = drift.Float(math.NaN())
	doc = parseMonitor(t, r, hist)
	if n := len(findAll(chart(t, doc, "PSI of tenure over runs"), tagged("circle"))); n != 3 {
		t.Errorf("tenure with one NaN run: %d points, want 3", n)
	}
}

func TestMonitorErrors(t *testing.T) {
	t.Parallel()
	if err := Monitor(&bytes.Buffer{}, nil, nil, Opts{}); err == nil {
		t.Error("Monitor(nil) = nil error")
	}
	r := currentRun()
	r.Report.Features[0].Histogram.Current = []int64{1, 2}
	r.Report.Features[1].Categories.Baseline = nil
	var buf bytes.Buffer
	err := Monitor(&buf, r, nil, Opts{})
	if err == nil || !strings.Contains(err.Error(), "report.features[0].histogram") || !strings.Contains(err.Error(), "report.features[1].categories") {
		t.Errorf("Monitor(bad shapes) = %v, want both problems", err)
	}
	if buf.Len() != 0 {
		t.Error("Monitor wrote output before failing")
	}
	bad := currentRun()
	bad.Report.Features[4].Histogram.Edges = nil
	if err := Monitor(&buf, currentRun(), []*monitor.Result{bad}, Opts{}); err == nil || !strings.Contains(err.Error(), "history[0]") {
		t.Errorf("Monitor(bad history) = %v, want an error naming history[0]", err)
	}
	// An empty result still renders.
	if err := Monitor(&buf, &monitor.Result{Endpoint: "e"}, nil, Opts{}); err != nil {
		t.Errorf("Monitor(empty) = %v", err)
	}
}

// TestMonitorReportInBrowser opens the monitoring report, with and
// without history, from disk in headless Chromium: every chart must be in
// the DOM with a size and every line drawn, and the page must log no
// console error, throw no exception and request nothing but its own file.
func TestMonitorReportInBrowser(t *testing.T) {
	t.Parallel()
	ctx, step := browser(t)
	problems, requests := watchPage(t, ctx)
	dir := t.TempDir()
	var pages []string
	for _, tc := range []struct {
		name    string
		history []*monitor.Result
	}{{"history", monitorHistoryRuns()}, {"alone", nil}} {
		r := currentRun()
		file := filepath.Join(dir, "monitor-"+tc.name+".html")
		if err := os.WriteFile(file, []byte(renderMonitor(t, r, tc.history)), 0o644); err != nil {
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
		if want := wantMonitorCharts(r, tc.history); len(boxes) != want {
			t.Errorf("%s: svg elements in the DOM = %d, want %d", tc.name, len(boxes), want)
		}
		for i, b := range boxes {
			if b.Width <= 0 || b.Height <= 0 {
				t.Errorf("%s: chart %d (%q) has an empty bounding box %.1f×%.1f", tc.name, i, b.Label, b.Width, b.Height)
			}
		}
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
			if err := os.WriteFile(filepath.Join(keep, "monitor-"+tc.name+".png"), shot, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	for _, msg := range problems() {
		t.Errorf("page: %s", msg)
	}
	for _, u := range requests() {
		if !slices.Contains(pages, u) {
			t.Errorf("page requested %s; a report must load nothing but itself", u)
		}
	}
}

// watchPage collects, from now on, the console errors, exceptions and
// error log entries of the browser tab, and the URLs it requests.
func watchPage(t *testing.T, ctx context.Context) (problems, requests func() []string) {
	t.Helper()
	var mu sync.Mutex
	var probs, reqs []string
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
				probs = append(probs, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			probs = append(probs, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, msg))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				probs = append(probs, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			reqs = append(reqs, e.Request.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}
	get := func(p *[]string) func() []string {
		return func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(*p)
		}
	}
	return get(&probs), get(&reqs)
}

func TestFmtDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "1h"}, {30 * time.Minute, "30m"}, {90 * time.Minute, "1h30m"}, {time.Hour + 5*time.Second, "1h0m5s"},
		{249925566 * time.Nanosecond, "250ms"}, {2*time.Second + 400*time.Millisecond, "2s"}, {0, "0s"},
	} {
		if got := fmtDuration(tc.d); got != tc.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
