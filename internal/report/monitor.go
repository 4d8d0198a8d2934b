package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/drift"
)

// Monitor writes the monitor run r as one self-contained HTML page, in
// the style of the other reports. history holds older results of the same
// endpoint, oldest first, and may be empty. Its sections, each left out
// when r lacks its data:
//
//   - Summary: the endpoint, model@version, the window, the captured rows
//     and the rows per model version that scored them;
//   - Alarms: each alarm's state (OK, ALARM, INSUFFICIENT_DATA) as a
//     badge, with its reason;
//   - Features: the verdict counts and one row per feature with its
//     verdict badge, main score and violations, the prediction first;
//   - Violations: feature, kind, reason, rows and example values;
//   - one card per feature, the prediction (baseline.PredictionColumn)
//     first and highlighted: its verdict badge, a table of every score
//     with its threshold and whether its check fired, and a grouped bar
//     chart of the baseline and current shares per baseline bin (numeric
//     features, over the bin edges) or per category (the top
//     Opts.MaxCategories categories and "(other)");
//   - Quality: each metric on the window's labelled rows beside its
//     training value;
//   - Over time (with history): per feature its main score across the
//     runs, with the threshold as a dashed line when one is configured,
//     and the number of drifted features per run.
//
// The main score of a feature is PSI for numeric features and the
// Jensen–Shannon distance for categorical ones: both are distances that
// do not depend on the sample size, so runs of different traffic compare,
// whereas the chi-square p-value collapses to 0 once a window holds a few
// thousand rows. A NaN score prints as "—" and draws no point.
//
// The default title is "<endpoint> · monitoring report". Monitor returns
// an error, before writing anything, when r is nil or inconsistent (a
// histogram or category comparison whose counts do not fit its edges or
// values), and when w fails.
func Monitor(w io.Writer, r *monitor.Result, history []*monitor.Result, opts Opts) error {
	if r == nil {
		return errors.New("report: monitor: nil result")
	}
	if err := checkMonitor(r); err != nil {
		return fmt.Errorf("report: monitor %s: %w", r.Endpoint, err)
	}
	var hist []*monitor.Result
	for i, h := range history {
		if h == nil {
			continue
		}
		if err := checkMonitor(h); err != nil {
			return fmt.Errorf("report: monitor %s: history[%d]: %w", r.Endpoint, i, err)
		}
		hist = append(hist, h)
	}
	doc := monitorPage(r, hist, opts.withDefaults())
	if _, err := io.WriteString(w, doc); err != nil {
		return fmt.Errorf("report: write monitor report %s: %w", r.Endpoint, err)
	}
	return nil
}

// checkMonitor reports every shape problem of r that would stop a chart
// from being drawn, with the field path of each.
func checkMonitor(r *monitor.Result) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, f := range r.Report.Features {
		if h := f.Histogram; h != nil {
			if len(h.Baseline) != len(h.Edges)+1 || len(h.Current) != len(h.Edges)+1 {
				bad("report.features[%d].histogram: %d edges with %d baseline and %d current counts, want %d each",
					i, len(h.Edges), len(h.Baseline), len(h.Current), len(h.Edges)+1)
			}
		}
		if c := f.Categories; c != nil {
			if len(c.Baseline) != len(c.Values) || len(c.Current) != len(c.Values) {
				bad("report.features[%d].categories: %d values with %d baseline and %d current counts, want %d each",
					i, len(c.Values), len(c.Baseline), len(c.Current), len(c.Values))
			}
		}
	}
	return errors.Join(errs...)
}

// monitorFeatures returns the features in report order, the prediction
// column first.
func monitorFeatures(r *monitor.Result) []drift.FeatureReport {
	fs := slices.Clone(r.Report.Features)
	slices.SortStableFunc(fs, func(a, b drift.FeatureReport) int {
		pa, pb := a.Name == baseline.PredictionColumn, b.Name == baseline.PredictionColumn
		switch {
		case pa && !pb:
			return -1
		case pb && !pa:
			return 1
		}
		return 0
	})
	return fs
}

// mainScore returns the method of f's main score (PSI for numeric, the
// Jensen–Shannon distance for categorical features) and the score, or
// false when f has none.
func mainScore(f *drift.FeatureReport) (drift.Score, bool) {
	method := drift.MethodPSI
	if f.Categories != nil || slices.ContainsFunc(f.Scores, func(s drift.Score) bool { return s.Method == drift.MethodChiSquare }) {
		method = drift.MethodJensenShannon
	}
	for _, s := range f.Scores {
		if s.Method == method {
			return s, true
		}
	}
	return drift.Score{}, false
}

// scoreName is the readable name of a drift method.
func scoreName(method string) string {
	switch method {
	case drift.MethodKS:
		return "KS"
	case drift.MethodPSI:
		return "PSI"
	case drift.MethodWasserstein:
		return "Wasserstein"
	case drift.MethodJensenShannon:
		return "Jensen–Shannon"
	case drift.MethodChiSquare:
		return "chi-square"
	case drift.MethodLInfinity:
		return "L-infinity"
	}
	return method
}

// featureLabel names a feature for people: the prediction column reads
// "prediction".
func featureLabel(name string) string {
	if name == baseline.PredictionColumn {
		return "prediction (" + name + ")"
	}
	return name
}

// verdictBadge returns the badge of a drift verdict.
func verdictBadge(v string) string {
	switch v {
	case drift.VerdictDrift:
		return `<span class="badge alert verdict" data-verdict="drift">DRIFT</span>`
	case drift.VerdictOK:
		return `<span class="badge pass verdict" data-verdict="ok" style="background:#e3f4e8;color:` + colPass + `">OK</span>`
	case drift.VerdictInsufficientData:
		return `<span class="badge warn verdict" data-verdict="insufficient_data">INSUFFICIENT DATA</span>`
	}
	return `<span class="badge verdict" data-verdict="` + esc(v) + `">` + esc(strings.ToUpper(strings.ReplaceAll(orDash(v), "_", " "))) + `</span>`
}

// alarmBadge returns the badge of an alarm state.
func alarmBadge(state string) string {
	switch state {
	case store.AlarmAlarm:
		return `<span class="badge alert state" data-state="ALARM">ALARM</span>`
	case store.AlarmOK:
		return `<span class="badge pass state" data-state="OK" style="background:#e3f4e8;color:` + colPass + `">OK</span>`
	case store.AlarmInsufficientData:
		return `<span class="badge warn state" data-state="INSUFFICIENT_DATA">INSUFFICIENT DATA</span>`
	}
	return `<span class="badge state" data-state="` + esc(state) + `">` + esc(orDash(state)) + `</span>`
}

// fmtScore formats a drift value; dash for NaN.
func fmtScore(v drift.Float) string {
	f := float64(v)
	if f != f {
		return dash
	}
	return fmtNum(f)
}

// featureID returns the id of the i-th feature card (in monitorFeatures
// order).
func featureID(i int) string { return "feat-" + strconv.Itoa(i+1) }

// monitorPage renders the document.
func monitorPage(r *monitor.Result, history []*monitor.Result, o Opts) string {
	name := orDash(r.Endpoint)
	title := o.Title
	if title == "" {
		title = name + " · monitoring report"
	}
	pg := &page{title: title}
	nav := func(id, label, count string, sub bool) {
		pg.nav = append(pg.nav, navItem{ID: id, Label: label, Count: count, Sub: sub})
	}
	nav("summary", "Summary", "", false)
	monitorHeader(pg, r, name)
	if len(r.Alarms) > 0 {
		firing := 0
		for _, a := range r.Alarms {
			if a.State == store.AlarmAlarm {
				firing++
			}
		}
		count := ""
		if firing > 0 {
			count = strconv.Itoa(firing)
		}
		nav("alarms", "Alarms", count, false)
		monitorAlarms(pg, r.Alarms)
	}
	fs := monitorFeatures(r)
	drifted := ""
	if r.Report.Counts.Drift > 0 {
		drifted = strconv.Itoa(r.Report.Counts.Drift)
	}
	nav("features", "Features", drifted, false)
	monitorOverview(pg, r, fs)
	if len(r.Report.Violations) > 0 {
		nav("violations", "Violations", strconv.Itoa(len(r.Report.Violations)), false)
		monitorViolations(pg, r.Report.Violations)
	}
	for i := range fs {
		nav(featureID(i), featureLabel(fs[i].Name), "", true)
	}
	pg.write(`<section id="drift"><h2>Drift per feature</h2>` + "\n")
	for i := range fs {
		monitorFeature(pg, &fs[i], featureID(i), o)
	}
	pg.write("</section>\n")
	nav("quality", "Quality", "", false)
	monitorQuality(pg, r.Quality)
	if len(history) > 0 {
		nav("history", "Over time", strconv.Itoa(len(history)+1), false)
		monitorHistory(pg, r, history, fs)
	}
	footer := "Generated by mlcycle from monitor run " + runRef(r) + " of " + name + "."
	if !o.Generated.IsZero() {
		footer = "Generated by mlcycle from monitor run " + runRef(r) + " of " + name + " on " + o.Generated.UTC().Format("2006-01-02 15:04 MST") + "."
	}
	return pg.html("mlcycle · monitoring", footer)
}

// runRef names a monitor run: its number, or a dash.
func runRef(r *monitor.Result) string {
	if r.Run == 0 {
		return dash
	}
	return strconv.FormatInt(r.Run, 10)
}

// fmtTime formats a window bound; dash for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// fmtDuration formats a window length to the second (to the millisecond
// below one second) without zero parts: 1h, 30m, 1h30m, 250ms.
func fmtDuration(d time.Duration) string {
	if d >= time.Second || d <= -time.Second {
		d = d.Round(time.Second)
	} else {
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func monitorHeader(pg *page, r *monitor.Result, name string) {
	pg.write(`<header class="top" id="summary"><p class="eyebrow">Model monitoring</p><h1>`, esc(name))
	if r.Run != 0 {
		pg.printf(`<span class="ver"> · run %d</span>`, r.Run)
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
	model := orDash(r.Model)
	if r.Served != 0 {
		model += "@" + strconv.Itoa(r.Served)
	}
	train := ""
	if r.TrainRun != 0 {
		train = "training run " + strconv.FormatInt(r.TrainRun, 10)
	}
	kpi("Model", model, train)
	window := dash
	if !r.From.IsZero() && !r.To.IsZero() {
		window = fmtDuration(r.To.Sub(r.From))
	}
	kpi("Window", window, fmtTime(r.From)+" to "+fmtTime(r.To))
	keys := make([]string, 0, len(r.ByVersion))
	for k := range r.ByVersion {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		ai, aerr := strconv.Atoi(a)
		bi, berr := strconv.Atoi(b)
		if aerr == nil && berr == nil {
			return ai - bi
		}
		return strings.Compare(a, b)
	})
	var by []string
	for _, k := range keys {
		by = append(by, "v"+k+": "+fmtInt(int64(r.ByVersion[k])))
	}
	kpi("Records", fmtInt(int64(r.Records)), strings.Join(by, ", "))
	c := r.Report.Counts
	kpi("Drifted features", fmtInt(int64(c.Drift)), "of "+fmtInt(int64(c.Features)))
	kpi("Violations", fmtInt(int64(c.Violations)), "")
	kpi("Labelled rows", fmtInt(int64(r.Quality.Labels)), "")
	pg.write("</div>\n")
	if len(r.ByVersion) > 0 {
		pg.write(`<div class="card" style="margin-top:16px"><h3>Records by model version</h3>`)
		var rows [][2]string
		for _, k := range keys {
			rows = append(rows, [2]string{"version " + k, withShare(int64(r.ByVersion[k]), int64(r.Records))})
		}
		pg.write(kv(rows), "</div>\n")
	}
	pg.write("</header>\n")
}

func monitorAlarms(pg *page, alarms []monitor.AlarmStatus) {
	pg.write(`<section id="alarms"><h2>Alarms</h2><div class="card"><ul class="warnings">` + "\n")
	for _, a := range alarms {
		pg.write(`<li>`, alarmBadge(a.State), `<span><b>`, esc(a.Name), `</b>`)
		if a.Changed {
			pg.write(` <span class="muted">(changed in this run)</span>`)
		}
		if a.Reason != "" {
			pg.write(`: `, esc(a.Reason))
		}
		pg.write("</span></li>\n")
	}
	pg.write("</ul></div></section>\n")
}

func monitorOverview(pg *page, r *monitor.Result, fs []drift.FeatureReport) {
	c := r.Report.Counts
	pg.write(`<section id="features"><h2>Features</h2>`)
	pg.write(`<div class="kpis counts" style="margin-bottom:16px">` + "\n")
	for _, k := range []struct {
		label string
		n     int
	}{{"Features", c.Features}, {"Drift", c.Drift}, {"OK", c.OK}, {"Insufficient data", c.InsufficientData}, {"Skipped", c.Skipped}, {"Violations", c.Violations}} {
		pg.write(`<div class="kpi"><span class="k">`, esc(k.label), `</span><span class="v">`, fmtInt(int64(k.n)), "</span></div>\n")
	}
	pg.write("</div>\n")
	pg.write(`<div class="card scroll"><table class="grid sortable overview"><thead><tr><th>Feature</th><th class="l">Type</th><th class="l">Verdict</th>` +
		`<th class="l">Main score</th><th>Value</th><th>Present</th><th>Missing</th><th>Violations</th></tr></thead><tbody>` + "\n")
	for i := range fs {
		f := &fs[i]
		cls := ""
		if f.Name == baseline.PredictionColumn {
			cls = ` class="prediction" style="background:#f3f7fc;font-weight:600"`
		}
		pg.write(`<tr`, cls, `><td class="name"><a href="#`, featureID(i), `">`, esc(featureLabel(f.Name)), `</a></td><td class="l">`, esc(orDash(f.Type)),
			`</td><td class="l" data-v="`, esc(f.Verdict), `">`, verdictBadge(f.Verdict), `</td>`)
		if s, ok := mainScore(f); ok {
			pg.write(`<td class="l">`, esc(scoreName(s.Method)), `</td>`, num(float64(s.Value), fmtScore(s.Value)))
		} else {
			pg.write(`<td class="l">`, dash, `</td>`, num(math.NaN(), ""))
		}
		pg.write(numInt(int64(f.Present)), numInt(int64(f.Missing)), numInt(int64(f.Violations)), "</tr>\n")
	}
	pg.write("</tbody></table></div></section>\n")
}

func monitorViolations(pg *page, vs []drift.Violation) {
	pg.write(`<section id="violations"><h2>Violations</h2><div class="card scroll">`)
	pg.write(`<table class="grid violations"><thead><tr><th>Feature</th><th class="l">Kind</th><th class="l">Reason</th><th>Rows</th><th class="l">Examples</th></tr></thead><tbody>` + "\n")
	for _, v := range vs {
		count := num(math.NaN(), "")
		if v.Count > 0 {
			count = numInt(v.Count)
		}
		ex := make([]string, len(v.Examples))
		for i, e := range v.Examples {
			ex[i] = "<code>" + esc(e) + "</code>"
		}
		pg.write(`<tr><td class="name">`, esc(featureLabel(v.Feature)), `</td><td class="l"><span class="badge warn">`, esc(strings.ReplaceAll(v.Kind, "_", " ")),
			`</span></td><td class="l" style="white-space:normal">`, esc(v.Reason), `</td>`, count, `<td class="l" style="white-space:normal">`, strings.Join(ex, ", "), "</td></tr>\n")
	}
	pg.write("</tbody></table></div></section>\n")
}

func monitorFeature(pg *page, f *drift.FeatureReport, id string, o Opts) {
	style := ""
	if f.Name == baseline.PredictionColumn {
		style = ` style="border-left:4px solid ` + colAccent + `"`
	}
	pg.write(`<div class="card feature" id="`, id, `" data-feature="`, esc(f.Name), `"`, style, `><h3>`, esc(featureLabel(f.Name)), verdictBadge(f.Verdict))
	if f.Name == baseline.PredictionColumn {
		pg.write(`<span class="badge info">model output</span>`)
	}
	pg.write("</h3>\n")
	pg.write(`<p class="muted">`, esc(orDash(f.Type)), " · ", fmtInt(int64(f.Present)), " present, ", fmtInt(int64(f.Missing)), " missing")
	if f.Violations > 0 {
		pg.printf(" · %d violations", f.Violations)
	}
	if f.Reason != "" {
		pg.write(" · ", esc(f.Reason))
	}
	pg.write("</p>\n")
	pg.write(`<div class="figs">`)
	if svg, caption := featureChart(f, o); svg != "" {
		pg.write(figure(svg, caption))
	} else {
		pg.write(`<p class="muted">No distribution to compare.</p>`)
	}
	if len(f.Scores) > 0 {
		pg.write(`<div class="scroll"><table class="grid scores"><thead><tr><th>Score</th><th>Value</th><th>p-value</th><th>Threshold</th><th class="l">Fired</th></tr></thead><tbody>`)
		for _, s := range f.Scores {
			th := num(math.NaN(), "")
			if s.Threshold != nil {
				th = num(*s.Threshold, fmtNum(*s.Threshold))
			}
			fired := `<span class="muted">no</span>`
			if s.Drift {
				fired = `<span class="badge alert fired">yes</span>`
			} else if s.Threshold == nil {
				fired = `<span class="muted">not checked</span>`
			}
			pg.write(`<tr data-method="`, esc(s.Method), `"><td>`, esc(scoreName(s.Method)), `</td>`, num(float64(s.Value), fmtScore(s.Value)),
				num(float64(s.PValue), fmtScore(s.PValue)), th, `<td class="l">`, fired, "</td></tr>")
		}
		pg.write("</tbody></table></div>")
	}
	pg.write("</div></div>\n")
}

// shares divides each count by total; zeros when total is 0.
func shares(counts []int64, total int64) []float64 {
	out := make([]float64, len(counts))
	if total <= 0 {
		return out
	}
	for i, c := range counts {
		out[i] = float64(c) / float64(total)
	}
	return out
}

func sum(vs []int64) int64 {
	var t int64
	for _, v := range vs {
		t += v
	}
	return t
}

// featureChart draws the baseline and current shares of f side by side:
// per baseline bin for a numeric feature, per category for a categorical
// one. It returns "" when f has neither comparison.
func featureChart(f *drift.FeatureReport, o Opts) (svg, caption string) {
	label := featureLabel(f.Name)
	switch {
	case f.Histogram != nil && len(f.Histogram.Baseline) > 0:
		h := f.Histogram
		bt, ct := sum(h.Baseline), sum(h.Current)
		bs, cs := shares(h.Baseline, bt), shares(h.Current, ct)
		n := len(h.Baseline)
		slots := make([]string, n)
		edges := make([]string, len(h.Edges))
		for i, e := range h.Edges {
			edges[i] = fmtNum(e)
		}
		bTips, cTips := make([]string, n), make([]string, n)
		for i := range n {
			lo, hi := "−∞", "+∞"
			if i > 0 {
				lo = fmtNum(h.Edges[i-1])
			}
			if i < len(h.Edges) {
				hi = fmtNum(h.Edges[i])
			}
			slots[i] = "[" + lo + ", " + hi + ")"
			bTips[i] = fmt.Sprintf("%s baseline: %s (%s)", slots[i], fmtInt(h.Baseline[i]), fmtPct(bs[i]))
			cTips[i] = fmt.Sprintf("%s current: %s (%s)", slots[i], fmtInt(h.Current[i]), fmtPct(cs[i]))
		}
		svg = groupedBars("Baseline and current distribution of "+label, slots, edges, []barSeries{
			{Name: "baseline", Color: colBaseline, Values: bs, Tips: bTips},
			{Name: "current", Color: colCurrent, Values: cs, Tips: cTips},
		})
		caption = fmt.Sprintf("Share of rows per baseline quantile bin (%d bins): baseline %s rows, current %s rows. Quantile bins hold about equal baseline shares, so a drifted feature shows uneven current bars.",
			n, fmtInt(bt), fmtInt(ct))
		return svg, caption
	case f.Categories != nil && (len(f.Categories.Values) > 0 || f.Categories.BaselineOther+f.Categories.CurrentOther > 0):
		c := f.Categories
		bt, ct := sum(c.Baseline)+c.BaselineOther, sum(c.Current)+c.CurrentOther
		k := min(len(c.Values), o.MaxCategories)
		slots := slices.Clone(c.Values[:k])
		bc, cc := slices.Clone(c.Baseline[:k]), slices.Clone(c.Current[:k])
		bo, co := c.BaselineOther+sum(c.Baseline[k:]), c.CurrentOther+sum(c.Current[k:])
		if bo > 0 || co > 0 {
			slots = append(slots, "(other)")
			bc, cc = append(bc, bo), append(cc, co)
		}
		bs, cs := shares(bc, bt), shares(cc, ct)
		bTips, cTips := make([]string, len(slots)), make([]string, len(slots))
		for i, sl := range slots {
			bTips[i] = fmt.Sprintf("%s baseline: %s (%s)", sl, fmtInt(bc[i]), fmtPct(bs[i]))
			cTips[i] = fmt.Sprintf("%s current: %s (%s)", sl, fmtInt(cc[i]), fmtPct(cs[i]))
		}
		svg = groupedBars("Baseline and current categories of "+label, slots, nil, []barSeries{
			{Name: "baseline", Color: colBaseline, Values: bs, Tips: bTips},
			{Name: "current", Color: colCurrent, Values: cs, Tips: cTips},
		})
		caption = fmt.Sprintf("Share of rows per category, the baseline's %d most frequent first: baseline %s rows, current %s rows.", k, fmtInt(bt), fmtInt(ct))
		if len(slots) > k {
			caption += ` "(other)" holds every other value, unseen ones included.`
		}
		return svg, caption
	}
	return "", ""
}

func monitorQuality(pg *page, q monitor.Quality) {
	pg.write(`<section id="quality"><h2>Quality</h2><div class="card scroll">`)
	all := map[string]float64{}
	for k, v := range q.Training {
		all[k] = v
	}
	for k, v := range q.Metrics {
		all[k] = v
	}
	if len(all) == 0 {
		pg.write(`<p class="muted">No metrics: the window has no labelled rows and the training run recorded none.</p></div></section>` + "\n")
		return
	}
	pg.printf(`<p class="muted">%s labelled rows in the window (ground truth from feedback), against the training run's validation metrics.</p>`, fmtInt(int64(q.Labels)))
	pg.write(`<table class="grid quality"><thead><tr><th>Metric</th><th>Window</th><th>Training</th><th>Change</th></tr></thead><tbody>` + "\n")
	for _, k := range metricOrder(all) {
		cur, okC := q.Metrics[k]
		tr, okT := q.Training[k]
		if !okC {
			cur = math.NaN()
		}
		if !okT {
			tr = math.NaN()
		}
		pg.write(`<tr data-metric="`, esc(k), `"><td><code>`, esc(k), `</code></td>`, num(cur, fmtNum(cur)), num(tr, fmtNum(tr)), num(cur-tr, fmtNum(cur-tr)), "</tr>\n")
	}
	pg.write("</tbody></table></div></section>\n")
}

func monitorHistory(pg *page, r *monitor.Result, history []*monitor.Result, fs []drift.FeatureReport) {
	runs := append(slices.Clone(history), r)
	xs := make([]float64, len(runs))
	for i := range runs {
		xs[i] = float64(i + 1)
	}
	runName := func(i int) string {
		s := "run " + runRef(runs[i])
		if !runs[i].To.IsZero() {
			s += " (to " + runs[i].To.UTC().Format("2006-01-02 15:04") + ")"
		}
		return s
	}
	pg.write(`<section id="history"><h2>Over time</h2>`)
	pg.printf(`<p class="muted">The last %d monitor runs of %s, oldest first; the main score is PSI for numeric features and the Jensen–Shannon distance for categorical ones.</p>`+"\n", len(runs), esc(orDash(r.Endpoint)))
	pg.write(`<div class="figs">`)
	counts := make([]float64, len(runs))
	for i, h := range runs {
		counts[i] = float64(h.Report.Counts.Drift)
	}
	pg.write(`<div class="card wide">`, figure(xyChart("Drifted features over runs", xyPlot{
		W: chartW, H: 240, XLabel: "Monitor run (oldest first)", YLabel: "drifted features", WholeX: true,
		Series: []xySeries{{Name: "drifted features", X: xs, Y: counts, Color: colCurrent, Line: true, Dot: 4,
			Tip: func(i int) string {
				return fmt.Sprintf("%s: %d drifted features", runName(i), runs[i].Report.Counts.Drift)
			}}},
	}), "The number of features (the prediction included) whose verdict was drift, per run."), "</div>\n")
	for i := range fs {
		f := &fs[i]
		cur, ok := mainScore(f)
		if !ok {
			continue
		}
		ys := make([]float64, len(runs))
		finiteN := 0
		for j, h := range runs {
			ys[j] = math.NaN()
			for k := range h.Report.Features {
				hf := &h.Report.Features[k]
				if hf.Name != f.Name {
					continue
				}
				for _, s := range hf.Scores {
					if v := float64(s.Value); s.Method == cur.Method && v == v && !math.IsInf(v, 0) {
						ys[j] = v
						finiteN++
					}
				}
			}
		}
		if finiteN == 0 {
			continue
		}
		method := scoreName(cur.Method)
		p := xyPlot{W: 420, H: 240, XLabel: "Monitor run (oldest first)", YLabel: method, WholeX: true, Legend: true,
			Series: []xySeries{{Name: method, X: xs, Y: ys, Color: colAccent, Line: true, Dot: 3.5,
				Tip: func(j int) string { return runName(j) + ": " + method + " " + fmtNum(ys[j]) }}}}
		caption := fmt.Sprintf("%s of %s in each run.", method, featureLabel(f.Name))
		if cur.Threshold != nil && finite(*cur.Threshold) {
			th := *cur.Threshold
			p.HLine, p.HLineName = &th, "threshold "+fmtNum(th)
			caption += " The dashed line is the configured threshold."
		}
		pg.write(`<div class="card history" data-feature="`, esc(f.Name), `">`, figure(xyChart(method+" of "+featureLabel(f.Name)+" over runs", p), caption), "</div>\n")
	}
	pg.write("</div></section>\n")
}
