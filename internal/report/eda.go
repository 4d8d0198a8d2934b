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

	"github.com/mlcycle/mlcycle/internal/eda"
)

// Opts are the options of one report.
type Opts struct {
	// Title is the page title. Default: "<dataset>@<version> · EDA report".
	Title string
	// Generated, when not zero, is printed in the footer as the time the
	// report was made. Default: the zero time, which prints none, so that
	// the same profile always renders to the same bytes.
	Generated time.Time
	// MaxCategories is how many of a column's top values its bar chart
	// shows; the other non-missing values share one "(other)" bar.
	// Default 10.
	MaxCategories int
}

func (o Opts) withDefaults() Opts {
	if o.MaxCategories <= 0 {
		o.MaxCategories = 10
	}
	return o
}

// EDA writes the profile p as one self-contained HTML page: inline CSS,
// inline SVG charts, and a few lines of script for sorting the overview
// table. The page loads nothing from the network. It returns an error,
// before writing anything, when p is nil or inconsistent (a histogram
// whose edges do not fit its counts, a matrix whose values do not fit its
// labels), and when w fails.
func EDA(w io.Writer, p *eda.Profile, opts Opts) error {
	if p == nil {
		return errors.New("report: eda: nil profile")
	}
	if err := checkProfile(p); err != nil {
		return fmt.Errorf("report: eda %s@%d: %w", p.Dataset, p.Version, err)
	}
	doc := edaPage(p, opts.withDefaults())
	if _, err := io.WriteString(w, doc); err != nil {
		return fmt.Errorf("report: write eda report %s@%d: %w", p.Dataset, p.Version, err)
	}
	return nil
}

// checkProfile reports every shape problem of p that would stop a chart
// from being drawn, with the field path of each.
func checkProfile(p *eda.Profile) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, c := range p.Columns {
		if h := c.Histogram; h != nil && len(h.Counts) > 0 && len(h.Edges) != len(h.Counts)+1 {
			bad("columns[%d] (%q).histogram: %d edges for %d counts, want %d", i, c.Name, len(h.Edges), len(h.Counts), len(h.Counts)+1)
		}
	}
	m := p.Missing
	if len(m.Fraction) != len(m.Columns) {
		bad("missing_matrix: %d fraction rows for %d columns", len(m.Fraction), len(m.Columns))
	} else {
		for i, row := range m.Fraction {
			if len(row) != len(m.Fraction[0]) {
				bad("missing_matrix.fraction[%d]: %d blocks, want %d as in fraction[0]", i, len(row), len(m.Fraction[0]))
			}
		}
	}
	for _, cm := range corrMatrices(p) {
		if len(cm.m.Values) != len(cm.m.Rows) {
			bad("correlations.%s: %d value rows for %d row labels", cm.key, len(cm.m.Values), len(cm.m.Rows))
			continue
		}
		for i, row := range cm.m.Values {
			if len(row) != len(cm.m.Cols) {
				bad("correlations.%s.values[%d]: %d values for %d column labels", cm.key, i, len(row), len(cm.m.Cols))
			}
		}
	}
	return errors.Join(errs...)
}

// corrMatrix is one non-nil correlation matrix with how to show it.
type corrMatrix struct {
	key, title, caption string
	m                   *eda.Matrix
	scale               heatScale
}

// corrMatrices returns the profile's non-nil correlation matrices, in a
// fixed order.
func corrMatrices(p *eda.Profile) []corrMatrix {
	c := p.Correlations
	all := []corrMatrix{
		{"pearson", "Pearson", "Linear correlation of numeric columns, pairwise complete rows; from −1 (blue) to +1 (red).", c.Pearson, diverging},
		{"spearman", "Spearman", "Rank correlation of numeric columns, pairwise complete rows; from −1 (blue) to +1 (red).", c.Spearman, diverging},
		{"cramers_v", "Cramér's V", "Association of categorical columns, from 0 (none) to 1 (one determines the other).", c.CramersV, sequential},
		{"correlation_ratio", "Correlation ratio (η)", "How much of a numeric column's (row) variance the categories of a categorical column (column) explain, from 0 to 1.", c.CorrelationRatio, sequential},
	}
	return slices.DeleteFunc(all, func(cm corrMatrix) bool { return cm.m == nil })
}

// severity classes of the warning kinds, for their badges.
var severity = map[string]string{
	eda.WarnConstant:       "info",
	eda.WarnIDLike:         "info",
	eda.WarnHighCardinal:   "info",
	eda.WarnSkewed:         "info",
	eda.WarnMostlyMissing:  "warn",
	eda.WarnOutliers:       "warn",
	eda.WarnDuplicates:     "warn",
	eda.WarnClassImbalance: "warn",
	eda.WarnLeakage:        "alert",
}

// warnBadge returns the badge of a warning kind: "possible leakage".
func warnBadge(kind string) string {
	cls := severity[kind]
	if cls == "" {
		cls = "info"
	}
	return `<span class="badge ` + cls + `">` + esc(strings.ReplaceAll(kind, "_", " ")) + `</span>`
}

// edaPage renders the document.
func edaPage(p *eda.Profile, o Opts) string {
	ref := p.Dataset + "@" + strconv.Itoa(p.Version)
	title := o.Title
	if title == "" {
		title = ref + " · EDA report"
	}
	pg := &page{title: title}
	colID := map[string]string{} // column name -> section id, first wins
	for i, c := range p.Columns {
		if _, ok := colID[c.Name]; !ok {
			colID[c.Name] = "col-" + strconv.Itoa(i)
		}
	}
	colLink := func(name string) string {
		if id, ok := colID[name]; ok {
			return `<a href="#` + id + `">` + esc(name) + `</a>`
		}
		return esc(name)
	}

	pg.nav = append(pg.nav, navItem{ID: "summary", Label: "Summary"})
	edaHeader(pg, p, ref)
	if len(p.Warnings) > 0 {
		pg.nav = append(pg.nav, navItem{ID: "warnings", Label: "Warnings", Count: strconv.Itoa(len(p.Warnings))})
		edaWarnings(pg, p, colLink)
	}
	pg.nav = append(pg.nav, navItem{ID: "overview", Label: "Overview"})
	edaOverview(pg, p, colLink)
	if len(p.Columns) > 0 {
		pg.nav = append(pg.nav, navItem{ID: "columns", Label: "Columns", Count: strconv.Itoa(len(p.Columns))})
		for i, c := range p.Columns {
			pg.nav = append(pg.nav, navItem{ID: "col-" + strconv.Itoa(i), Label: c.Name, Sub: true})
		}
		edaColumns(pg, p, o)
	}
	pg.nav = append(pg.nav, navItem{ID: "missing", Label: "Missing values"})
	edaMissing(pg, p)
	pg.nav = append(pg.nav, navItem{ID: "correlations", Label: "Correlations"})
	edaCorrelations(pg, p)
	if p.Target != nil {
		pg.nav = append(pg.nav, navItem{ID: "target", Label: "Target"})
		edaTarget(pg, p, colLink)
	}
	footer := "Generated by mlcycle from the profile of " + ref + "."
	if !o.Generated.IsZero() {
		footer = "Generated by mlcycle from the profile of " + ref + " on " + o.Generated.UTC().Format("2006-01-02 15:04 MST") + "."
	}
	return pg.html("mlcycle · EDA", footer)
}

func edaHeader(pg *page, p *eda.Profile, ref string) {
	pg.printf(`<header class="top" id="summary"><p class="eyebrow">Exploratory data analysis</p>`+
		`<h1>%s<span class="ver">@%d</span></h1>`+"\n", esc(p.Dataset), p.Version)
	cells := float64(p.Rows) * float64(p.NumColumns)
	kpi := func(k, v, sub string) {
		pg.write(`<div class="kpi"><span class="k">`, esc(k), `</span><span class="v">`, esc(v), `</span>`)
		if sub != "" {
			pg.write(`<span class="s">`, esc(sub), `</span>`)
		}
		pg.write("</div>\n")
	}
	pg.write(`<div class="kpis">` + "\n")
	kpi("Rows", fmtInt(p.Rows), "")
	kpi("Columns", fmtInt(int64(p.NumColumns)), "")
	kpi("Duplicate rows", fmtInt(p.DuplicateRows), shareOf(float64(p.DuplicateRows), float64(p.Rows), "of rows"))
	kpi("Memory", fmtBytes(p.MemoryBytes), "")
	kpi("Missing cells", fmtInt(p.MissingCells), shareOf(float64(p.MissingCells), cells, "of cells"))
	kpi("Warnings", strconv.Itoa(len(p.Warnings)), "")
	pg.write("</div>\n</header>\n")
}

// shareOf returns "12.3% of rows", or "" when the whole is zero.
func shareOf(part, whole float64, what string) string {
	if whole <= 0 {
		return ""
	}
	return fmtPct(part/whole) + " " + what
}

func edaWarnings(pg *page, p *eda.Profile, colLink func(string) string) {
	pg.write(`<section id="warnings"><h2>Warnings</h2><div class="card"><ul class="warnings">` + "\n")
	for _, w := range p.Warnings {
		pg.write("<li>", warnBadge(w.Kind), "<span>")
		if w.Column != "" {
			pg.write(colLink(w.Column), ": ")
		}
		pg.write(esc(w.Message), "</span></li>\n")
	}
	pg.write("</ul></div></section>\n")
}

// num returns a table cell for a number: the formatted value, right
// aligned, with the raw value in data-v for sorting (empty when there is
// none).
func num(v float64, text string) string {
	if !finite(v) {
		return `<td data-v="">` + dash + `</td>`
	}
	return `<td data-v="` + strconv.FormatFloat(v, 'g', -1, 64) + `">` + esc(text) + `</td>`
}

func numPtr(v *float64) string {
	if v == nil {
		return num(math.NaN(), "")
	}
	return num(*v, fmtNum(*v))
}

func numInt(n int64) string { return num(float64(n), fmtInt(n)) }

// minMaxCells returns the min and max cells of a column: text for text,
// categorical, date and timestamp columns, numbers otherwise.
func minMaxCells(c eda.Column) (string, string) {
	if c.MinText != "" || c.MaxText != "" {
		return `<td class="l">` + textOrDash(c.MinText) + `</td>`, `<td class="l">` + textOrDash(c.MaxText) + `</td>`
	}
	return numPtr(c.Min), numPtr(c.Max)
}

func textOrDash(s string) string {
	if s == "" {
		return dash
	}
	return esc(s)
}

func edaOverview(pg *page, p *eda.Profile, colLink func(string) string) {
	pg.write(`<section id="overview"><h2>Overview</h2><div class="card scroll">` + "\n")
	pg.write(`<table class="grid sortable"><thead><tr><th>Column</th><th class="l">Type</th><th>Count</th><th>Missing</th>` +
		`<th>Distinct</th><th>Min</th><th>Max</th><th>Mean</th><th>Std</th><th>Skew</th><th>Kurtosis</th>` +
		`<th>Zeros</th><th>Outliers</th></tr></thead>` + "\n<tbody>\n")
	for _, c := range p.Columns {
		lo, hi := minMaxCells(c)
		pg.write(`<tr><td class="name">`, colLink(c.Name), `</td><td class="l">`, esc(c.Type), "</td>",
			numInt(c.Count), num(c.MissingPct, fmtPct(c.MissingPct/100)), numInt(c.Distinct), lo, hi,
			numPtr(c.Mean), numPtr(c.Std), numPtr(c.Skewness), numPtr(c.Kurtosis), numInt(c.Zeros), numInt(c.Outliers), "</tr>\n")
	}
	pg.write("</tbody></table></div></section>\n")
}

func edaColumns(pg *page, p *eda.Profile, o Opts) {
	kinds := map[string][]string{} // column -> warning kinds, in order
	for _, w := range p.Warnings {
		if w.Column != "" && !slices.Contains(kinds[w.Column], w.Kind) {
			kinds[w.Column] = append(kinds[w.Column], w.Kind)
		}
	}
	pg.write(`<section id="columns"><h2>Columns</h2>` + "\n")
	for i, c := range p.Columns {
		pg.printf(`<article class="card" id="col-%d"><h3>%s<span class="badge">%s</span>`, i, esc(c.Name), esc(c.Type))
		for _, k := range kinds[c.Name] {
			pg.write(warnBadge(k))
		}
		pg.write("</h3>\n<div class=\"colgrid\"><div class=\"stats\">")
		pg.write("<h4>Statistics</h4>", kv(columnStats(c)))
		pg.write("</div>\n<div>")
		charts := columnCharts(c, o)
		if charts == "" {
			pg.write(`<p class="muted">No chart: the column has no histogram and no top values.</p>`)
		}
		pg.write(charts)
		if len(c.Quantiles) > 0 {
			pg.write(quantileStrip(c.Quantiles))
		}
		pg.write("</div></div></article>\n")
	}
	pg.write("</section>\n")
}

// columnStats returns the statistics rows of a column's table.
func columnStats(c eda.Column) [][2]string {
	rows := [][2]string{
		{"Count", fmtInt(c.Count)},
		{"Missing", fmtInt(c.Missing) + " (" + fmtPct(c.MissingPct/100) + ")"},
		{"Distinct", withShare(c.Distinct, c.Count)},
	}
	numeric := c.Mean != nil || c.Std != nil || c.Histogram != nil || len(c.Quantiles) > 0
	if numeric {
		rows = append(rows,
			[2]string{"Mean", fmtPtr(c.Mean)},
			[2]string{"Std", fmtPtr(c.Std)},
			[2]string{"Min", fmtPtr(c.Min)},
			[2]string{"Max", fmtPtr(c.Max)},
			[2]string{"Skewness", fmtPtr(c.Skewness)},
			[2]string{"Kurtosis", fmtPtr(c.Kurtosis)},
			[2]string{"Zeros", withShare(c.Zeros, c.Count)},
			[2]string{"Outliers", withShare(c.Outliers, c.Count)},
		)
	}
	if c.MinText != "" || c.MaxText != "" {
		rows = append(rows, [2]string{"Min", orDash(c.MinText)}, [2]string{"Max", orDash(c.MaxText)})
	}
	if !numeric && c.Zeros > 0 {
		rows = append(rows, [2]string{"Zeros", withShare(c.Zeros, c.Count)})
	}
	return rows
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

// withShare formats "12 (3.4%)", the share of n in of.
func withShare(n, of int64) string {
	if of <= 0 {
		return fmtInt(n)
	}
	return fmtInt(n) + " (" + fmtPct(float64(n)/float64(of)) + ")"
}

// quantileStrip writes the quantiles as a one-row table: levels above,
// values below.
func quantileStrip(qs []eda.Quantile) string {
	var b strings.Builder
	b.WriteString(`<table class="qs"><thead><tr><th scope="row">Quantile</th>`)
	for _, q := range qs {
		b.WriteString("<th>" + esc(quantileLabel(q.P)) + "</th>")
	}
	b.WriteString(`</tr></thead><tbody><tr><th scope="row">Value</th>`)
	for _, q := range qs {
		b.WriteString("<td>" + esc(fmtNum(q.Value)) + "</td>")
	}
	b.WriteString("</tr></tbody></table>")
	return b.String()
}

// quantileLabel formats a quantile level: 0.05 -> "5%".
func quantileLabel(p float64) string {
	if !finite(p) {
		return dash
	}
	return trimZeros(strconv.FormatFloat(p*100, 'f', 2, 64)) + "%"
}

// columnCharts returns the figures of a column: its histogram, and a bar
// chart of its top values.
func columnCharts(c eda.Column, o Opts) string {
	var b strings.Builder
	if h := c.Histogram; h != nil && len(h.Counts) > 0 {
		b.WriteString(figure(histogram("Histogram of "+c.Name, h.Edges, h.Counts),
			fmt.Sprintf("Histogram, %d equal-width bins; hover a bar for its range and count.", len(h.Counts))))
	}
	if len(c.Top) > 0 {
		n := min(len(c.Top), o.MaxCategories)
		items := make([]bar, 0, n+1)
		var shown int64
		for _, t := range c.Top[:n] {
			items = append(items, bar{Label: t.Value, Value: t.Count})
			shown += t.Count
		}
		caption := fmt.Sprintf("Top %d of %s distinct values, share of non-missing values.", n, fmtInt(c.Distinct))
		if rest := c.Count - shown; rest > 0 && c.Distinct > int64(n) {
			items = append(items, bar{Label: fmt.Sprintf("(other %s values)", fmtInt(c.Distinct-int64(n))), Value: rest, Muted: true})
		}
		b.WriteString(figure(bars("Top values of "+c.Name, items, c.Count), caption))
	}
	return b.String()
}

func edaMissing(pg *page, p *eda.Profile) {
	pg.write(`<section id="missing"><h2>Missing values</h2><div class="card">`)
	m := p.Missing
	if len(m.Columns) == 0 || len(m.Fraction[0]) == 0 {
		pg.write(`<p class="muted">No rows, so no missing values to show.</p></div></section>` + "\n")
		return
	}
	caption := fmt.Sprintf("Share of missing values per column (across) in %d blocks of %s consecutive rows (down), darker where more is missing; below each column its share over all rows. %s missing cells in all.",
		len(m.Fraction[0]), fmtInt(m.BlockRows), fmtInt(p.MissingCells))
	pct := map[string]float64{}
	for _, c := range p.Columns {
		if _, ok := pct[c.Name]; !ok {
			pct[c.Name] = c.MissingPct / 100
		}
	}
	totals := make([]float64, len(m.Columns))
	for i, name := range m.Columns {
		v, ok := pct[name]
		if !ok {
			v = math.NaN()
		}
		totals[i] = v
	}
	pg.write(figure(missingMatrix("Missing values by column and row block", m.Columns, m.Fraction, totals, m.BlockRows, p.Rows), caption))
	pg.write("</div></section>\n")
}

func edaCorrelations(pg *page, p *eda.Profile) {
	pg.write(`<section id="correlations"><h2>Correlations</h2>` + "\n")
	cms := corrMatrices(p)
	if len(cms) == 0 {
		pg.write(`<div class="card"><p class="muted">No correlations: there are fewer than two columns of each kind.</p></div>`)
	}
	if len(cms) > 0 {
		pg.write(`<div class="card"><p class="muted">Hover a cell for its value; grey cells are undefined.</p><div class="figs">` + "\n")
	}
	for _, cm := range cms {
		wide := ""
		if len(cm.m.Cols) > 14 { // a large matrix gets the whole width
			wide = ` class="wide"`
		}
		pg.printf(`<div id="corr-%s"%s><h3>%s</h3>`, esc(strings.ReplaceAll(cm.key, "_", "-")), wide, esc(cm.title))
		svg := heatmap(cm.title+" correlation", cm.m.Rows, cm.m.Cols, cm.m.Values, cm.scale)
		pg.write(figure(svg, cm.caption), "</div>\n")
	}
	if len(cms) > 0 {
		pg.write("</div></div>\n")
	}
	pg.write("</section>\n")
}

// rateName names a relation's rate for the target's task.
func rateName(task string) (name string, share bool) {
	switch task {
	case "binary":
		return "positive rate", true
	case "multiclass":
		return "majority-class share", true
	default:
		return "mean target", false
	}
}

// powerLabel names a power metric for people.
func powerLabel(metric string) string {
	switch metric {
	case "roc_auc":
		return "ROC-AUC"
	case "r2":
		return "R²"
	case "":
		return "power"
	}
	return metric
}

// powerFill returns how full a power meter is, in [0, 1]: ROC-AUC runs
// from 0.5 (no signal) to 1, R² and others from 0 to 1.
func powerFill(metric string, v float64) float64 {
	if strings.Contains(strings.ToLower(metric), "auc") {
		v = (v - 0.5) * 2
	}
	return max(0, min(1, v))
}

func edaTarget(pg *page, p *eda.Profile, colLink func(string) string) {
	t := p.Target
	pg.printf(`<section id="target"><h2>Target: %s<span class="badge">%s</span></h2>`+"\n", colLink(t.Column), esc(t.Task))
	if len(t.Classes) > 0 {
		items := make([]bar, len(t.Classes))
		for i, c := range t.Classes {
			items[i] = bar{Label: c.Value, Value: c.Count}
		}
		pg.write(`<div class="card"><h3>Class balance</h3>`,
			figure(bars("Class balance of "+t.Column, items, 0), "Rows per class, with the share of all labelled rows."), "</div>\n")
	}
	if len(t.Relations) == 0 {
		pg.write("</section>\n")
		return
	}
	// The ranking: most predictive first, features without a power last,
	// ties in column order.
	order := make([]int, len(t.Relations))
	for i := range order {
		order[i] = i
	}
	power := func(r eda.Relation) float64 {
		if r.Power == nil || !finite(*r.Power) {
			return math.Inf(-1)
		}
		return *r.Power
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := power(t.Relations[a]), power(t.Relations[b])
		switch {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return 0
	})
	pg.write(`<div class="card scroll"><h3>Feature power</h3><p class="muted">Held-out score of a model that sees one feature only. A very high score can mean leakage.</p>`)
	pg.write(`<table class="grid sortable"><thead><tr><th>Feature</th><th class="l">Metric</th><th>Power</th><th class="l">Scale</th><th>Bins</th></tr></thead><tbody>` + "\n")
	for _, i := range order {
		r := t.Relations[i]
		meter := ""
		if r.Power != nil && finite(*r.Power) {
			meter = fmt.Sprintf(`<span class="meter"><span style="width:%s%%"></span></span>`, coord(powerFill(r.PowerMetric, *r.Power)*100))
		}
		pg.printf(`<tr><td class="name"><a href="#rel-%d">%s</a></td><td class="l">%s</td>%s<td class="l">%s</td>%s</tr>`+"\n",
			i, esc(r.Feature), esc(powerLabel(r.PowerMetric)), numPtr(r.Power), meter, numInt(int64(len(r.Bins))))
	}
	pg.write("</tbody></table></div>\n")

	name, share := rateName(t.Task)
	for i, r := range t.Relations {
		pg.printf(`<article class="card" id="rel-%d"><div class="rel-head"><h3>%s</h3><span class="power">%s <b>%s</b></span></div>`+"\n",
			i, colLink(r.Feature), esc(powerLabel(r.PowerMetric)), esc(fmtPtr(r.Power)))
		pg.write(`<div class="rel">`)
		if len(r.Bins) > 0 {
			bins := make([]rateBin, len(r.Bins))
			for j, b := range r.Bins {
				bins[j] = rateBin{Label: b.Label, Count: b.Count, Rate: b.Rate}
			}
			pg.write(figure(rateChart(r.Feature+" against "+t.Column, bins, share, name),
				fmt.Sprintf("Rows per bin of %s (bars) and the %s of %s in each (line).", r.Feature, name, t.Column)))
		}
		if len(r.Boxes) > 0 {
			boxes := make([]boxStat, len(r.Boxes))
			for j, b := range r.Boxes {
				boxes[j] = boxStat{Label: b.Class, Count: b.Count, Min: b.Min, Q1: b.Q1, Median: b.Median, Q3: b.Q3,
					Max: b.Max, WhiskerLo: b.WhiskerLo, WhiskerHi: b.WhiskerHi}
			}
			pg.write(figure(boxPlot(r.Feature+" by class of "+t.Column, r.Feature, boxes),
				fmt.Sprintf("Distribution of %s per class of %s: box from Q1 to Q3, median line, whiskers at 1.5 × IQR, dots at the extremes beyond them.", r.Feature, t.Column)))
		}
		if len(r.Bins) == 0 && len(r.Boxes) == 0 {
			pg.write(`<p class="muted">No bins: the feature has no values.</p>`)
		}
		pg.write("</div></article>\n")
	}
	pg.write("</section>\n")
}
