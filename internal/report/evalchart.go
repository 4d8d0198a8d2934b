package report

import (
	"fmt"
	"math"
	"strings"
)

// This file holds the charts of the evaluation report: an x/y plot for
// curves and scatters with reference lines, a confusion matrix, and bars
// with error whiskers. They build on the writer, scales, ticks and colours
// of svg.go and the axes of chart.go, as the EDA charts do.

// Geometry of an x/y plot, in SVG user units: the plot area spans
// [xyML, W−xyMR] across and [xyMT, H−xyMB] down; each marker adds a row of
// xyMarkRow for its label above the plot.
const (
	xyML = 56.0 // room for the y tick labels and the y axis title
	xyMR = 16.0
	xyMT = 30.0 // room for the legend
	xyMB = 42.0 // room for the x tick labels and the x axis title

	xyMarkRow = 14.0

	squareW = 420.0 // width of the unit-square curves (ROC, PR, calibration)
	squareH = 400.0
)

// Colours of the evaluation charts.
const (
	colRef   = "#9aa5b1" // reference lines: chance, perfect calibration, y = x, zero
	colValid = "#d9622b" // the validation series of a learning curve
	colBest  = "#2f8a4c" // the best threshold
	colPass  = "#1a7f37" // PASS badges
)

// xySeries is one series of an x/y plot.
type xySeries struct {
	Name  string
	X, Y  []float64
	Color string
	// Line connects the points with a path; Dot, when not zero, draws a
	// dot of that radius at each point, with the point in a tooltip.
	Line bool
	Dot  float64
	// Tip formats a dot's tooltip; nil writes "name: (x, y)".
	Tip func(i int) string
}

// xyMark is a vertical marker line at X with a label at its top.
type xyMark struct {
	X     float64
	Label string
	Color string
}

// xyPlot describes an x/y chart.
type xyPlot struct {
	W, H           float64
	XLabel, YLabel string
	// XDomain and YDomain fix an axis to [lo, hi]; nil fits the data to
	// nice ticks. Equal makes both fitted axes share one domain, so that
	// the line y = x runs at 45°.
	XDomain, YDomain *[2]float64
	Equal            bool
	// WholeX keeps the x ticks on whole numbers (boosting rounds).
	WholeX bool
	// Diagonal draws the dashed line y = x; HLine, when not nil, a dashed
	// horizontal line at that value.
	Diagonal     bool
	DiagonalName string
	HLine        *float64
	HLineName    string
	Marks        []xyMark
	Series       []xySeries
	// Legend lists the series (and the named reference lines) above the
	// plot.
	Legend bool
}

// dataRange returns the data range of the finite points of the series along
// one axis (x when xAxis), or (+Inf, −Inf) when there is none.
func (p xyPlot) dataRange(xAxis bool) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range p.Series {
		vs := s.Y
		if xAxis {
			vs = s.X
		}
		for i, v := range vs {
			if i < len(s.X) && i < len(s.Y) && finite(s.X[i]) && finite(s.Y[i]) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !xAxis && p.HLine != nil && finite(*p.HLine) {
		lo, hi = math.Min(lo, *p.HLine), math.Max(hi, *p.HLine)
	}
	if xAxis {
		for _, m := range p.Marks {
			if finite(m.X) {
				lo, hi = math.Min(lo, m.X), math.Max(hi, m.X)
			}
		}
	}
	return lo, hi
}

// axisDomain returns the domain and tick step of one axis.
func axisDomain(fixed *[2]float64, lo, hi float64, n int) (float64, float64, float64) {
	if fixed != nil {
		_, _, step := niceDomain(fixed[0], fixed[1], n)
		return fixed[0], fixed[1], step
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	return niceDomain(lo, hi, n)
}

// scales returns the x and y scales of the plot and their tick steps.
func (p xyPlot) scales() (x, y linear, xstep, ystep float64) {
	xlo, xhi := p.dataRange(true)
	ylo, yhi := p.dataRange(false)
	if p.Equal && p.XDomain == nil && p.YDomain == nil {
		xlo, xhi = math.Min(xlo, ylo), math.Max(xhi, yhi)
		ylo, yhi = xlo, xhi
	}
	x0, x1, xstep := axisDomain(p.XDomain, xlo, xhi, 6)
	if p.WholeX && xstep < 1 {
		x0, x1, xstep = math.Floor(x0), math.Ceil(x1), 1
		if x1 == x0 {
			x0, x1 = x0-1, x1+1
		}
	}
	y0, y1, ystep := axisDomain(p.YDomain, ylo, yhi, 6)
	mt := xyMT + xyMarkRow*float64(len(p.Marks))
	return linear{x0, x1, xyML, p.W - xyMR}, linear{y0, y1, p.H - xyMB, mt}, xstep, ystep
}

// pathData returns the d attribute of a polyline through the finite
// points, in the scales x and y. A point closer than half a unit on both
// axes to the last one kept is dropped, except the last point, so that a
// curve of a million thresholds stays a path of about the plot's
// perimeter in points; a non-finite point breaks the line.
func pathData(xs, ys []float64, x, y linear) string {
	var d strings.Builder
	pen := false
	var lx, ly float64
	n := min(len(xs), len(ys))
	for i := range n {
		if !finite(xs[i]) || !finite(ys[i]) {
			pen = false
			continue
		}
		px, py := x.at(xs[i]), y.at(ys[i])
		last := i == n-1 || !finite(xs[i+1]) || !finite(ys[i+1])
		if pen && !last && math.Abs(px-lx) < 0.5 && math.Abs(py-ly) < 0.5 {
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, coord(px), coord(py))
		pen, lx, ly = true, px, py
	}
	return d.String()
}

// xyChart draws the plot: grid and ticks, reference lines, markers, the
// series, and a legend.
func xyChart(label string, p xyPlot) string {
	s := newSVG(p.W, p.H, label)
	x, y, xstep, ystep := p.scales()
	top, bottom := y.r1, y.r0
	yAxis(s, y, ticks(y.d0, y.d1, ystep), tickFormat(ystep, math.Max(math.Abs(y.d0), math.Abs(y.d1))), x.r0, x.r1)
	xAxis(s, x, ticks(x.d0, x.d1, xstep), tickFormat(xstep, math.Max(math.Abs(x.d0), math.Abs(x.d1))), bottom)
	s.line(x.r0, top, x.r0, bottom, colAxis, 1)
	if p.XLabel != "" {
		s.text((x.r0+x.r1)/2, p.H-6, p.XLabel, "middle", 0, 60, `fill="`+colText+`"`)
	}
	if p.YLabel != "" {
		s.text(14, (top+bottom)/2, p.YLabel, "middle", -90, 40, `fill="`+colText+`"`)
	}
	dashed := func(x1, y1, x2, y2 float64, color, tip string) {
		s.shape("line", fmt.Sprintf(`x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="5 4"`,
			coord(x1), coord(y1), coord(x2), coord(y2), color), tip)
	}
	if p.Diagonal {
		lo, hi := math.Max(x.d0, y.d0), math.Min(x.d1, y.d1)
		if hi > lo {
			dashed(x.at(lo), y.at(lo), x.at(hi), y.at(hi), colRef, p.DiagonalName)
		}
	}
	if p.HLine != nil && finite(*p.HLine) {
		dashed(x.r0, y.at(*p.HLine), x.r1, y.at(*p.HLine), colRef, p.HLineName)
	}
	for i, m := range p.Marks {
		if !finite(m.X) {
			continue
		}
		// The label sits in its own row above the plot, beside the top
		// of its line.
		mx := x.at(m.X)
		row := xyMT + xyMarkRow*float64(i)
		dashed(mx, row+2, mx, bottom, m.Color, m.Label)
		anchor := "start"
		dx := 4.0
		if mx > (x.r0+x.r1)/2 {
			anchor, dx = "end", -4
		}
		s.text(mx+dx, row+10, m.Label, anchor, 0, 40, `fill="`+m.Color+`"`)
	}
	for _, sr := range p.Series {
		if sr.Line {
			// A single point makes no line; its dot, if any, shows it.
			if d := pathData(sr.X, sr.Y, x, y); strings.Contains(d, "L") {
				s.path(d, sr.Color, 2)
			}
		}
	}
	for _, sr := range p.Series {
		if sr.Dot <= 0 {
			continue
		}
		for i := range min(len(sr.X), len(sr.Y)) {
			if !finite(sr.X[i]) || !finite(sr.Y[i]) {
				continue
			}
			tip := sr.Name + ": (" + fmtNum(sr.X[i]) + ", " + fmtNum(sr.Y[i]) + ")"
			if sr.Tip != nil {
				tip = sr.Tip(i)
			}
			if sr.Line {
				s.circle(x.at(sr.X[i]), y.at(sr.Y[i]), sr.Dot, sr.Color, tip)
				continue
			}
			// A scatter: translucent dots without a rim, so that dense
			// regions read darker.
			s.shape("circle", fmt.Sprintf(`cx="%s" cy="%s" r="%s" fill="%s" fill-opacity="0.55"`,
				coord(x.at(sr.X[i])), coord(y.at(sr.Y[i])), coord(sr.Dot), sr.Color), tip)
		}
	}
	if p.Legend {
		s.raw(`<g class="legend">`)
		lx := x.r0
		item := func(name, color string, dash bool) {
			if dash {
				s.raw(fmt.Sprintf(`<line x1="%s" y1="14" x2="%s" y2="14" stroke="%s" stroke-width="1.5" stroke-dasharray="5 4"/>`, coord(lx), coord(lx+18), color))
			} else {
				s.line(lx, 14, lx+18, 14, color, 2)
			}
			s.text(lx+22, 18, name, "start", 0, 24, `fill="`+colAxis+`"`)
			shown, _ := truncate(name, 24)
			lx += 22 + textWidth(shown, fontSize) + 14
		}
		for _, sr := range p.Series {
			if sr.Name != "" {
				item(sr.Name, sr.Color, false)
			}
		}
		if p.Diagonal && p.DiagonalName != "" {
			item(p.DiagonalName, colRef, true)
		}
		if p.HLine != nil && p.HLineName != "" {
			item(p.HLineName, colRef, true)
		}
		s.raw("</g>")
	}
	return s.String()
}

// fmtCount formats a count that may be a sum of weights: a whole number
// with thousands separators, otherwise four significant digits.
func fmtCount(v float64) string {
	if finite(v) && v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmtInt(int64(v))
	}
	return fmtNum(v)
}

// Geometry of a confusion matrix.
const (
	cmMaxCell = 80.0
	cmMinCell = 14.0
)

// confusionChart draws a confusion matrix: row i is the true class i,
// column j the predicted class j. Each cell is shaded by its share of its
// row (the recall of the diagonal cells) and shows its count, and its
// share when the cell is large enough; a tooltip holds both.
func confusionChart(label string, classes []string, m [][]float64) string {
	k := len(classes)
	cell := math.Floor(440 / float64(max(k, 1)))
	cell = math.Max(cmMinCell, math.Min(cell, cmMaxCell))
	font := math.Max(7, math.Min(fontSize, cell-3))
	showValues := cell >= 30
	showShare := cell >= 44
	maxRunes := 18
	longest := 0.0
	for _, c := range classes {
		shown, _ := truncate(c, maxRunes)
		longest = math.Max(longest, textWidth(shown, font))
	}
	ml := 24 + longest + 10
	mt := 24.0 // "Predicted" title
	gridW := cell * float64(k)
	// Column labels under the grid, turned 45° when they do not fit.
	rotate := longest > cell-4
	mb := font + 10
	if rotate {
		mb = longest*math.Sqrt2/2 + font + 8
	}
	legendX := ml + gridW + 18
	w := math.Max(legendX+12+44, ml+gridW+longest*math.Sqrt2/2)
	h := mt + math.Max(gridW, 120) + mb
	s := newSVG(w, h, label)
	fontAttr := ""
	if font != fontSize {
		fontAttr = `font-size="` + coord(font) + `" `
	}
	s.text(ml+gridW/2, 14, "Predicted", "middle", 0, 0, `fill="`+colText+`" font-weight="600"`)
	s.text(12, mt+gridW/2, "Actual", "middle", -90, 0, `fill="`+colText+`" font-weight="600"`)
	for i := range k {
		var rowSum float64
		if i < len(m) {
			for _, v := range m[i] {
				rowSum += v
			}
		}
		cy := mt + cell*float64(i)
		s.text(ml-6, cy+cell/2+font*0.35, classes[i], "end", 0, maxRunes, fontAttr+`fill="`+colText+`"`)
		for j := range k {
			v := 0.0
			if i < len(m) && j < len(m[i]) {
				v = m[i][j]
			}
			share := math.NaN()
			if rowSum > 0 {
				share = v / rowSum
			}
			fill := colUndefined
			if finite(share) {
				fill = sequentialScale.at(share).String()
			}
			cx := ml + cell*float64(j)
			tip := fmt.Sprintf("actual %s, predicted %s: %s (%s of actual %s)", classes[i], classes[j], fmtCount(v), fmtPct(share), classes[i])
			s.rect(cx, cy, cell-1, cell-1, fill, tip)
			if showValues {
				tc := colText
				if finite(share) && sequentialScale.at(share).dark() {
					tc = "#ffffff"
				}
				ty := cy + (cell-1)/2 + 4
				if showShare {
					ty -= 5
				}
				s.text(cx+(cell-1)/2, ty, fmtCount(v), "middle", 0, 0, `font-size="12" font-weight="600" fill="`+tc+`"`)
				if showShare {
					s.text(cx+(cell-1)/2, ty+14, fmtPct(share), "middle", 0, 0, `font-size="10" fill="`+tc+`"`)
				}
			}
		}
	}
	for j, c := range classes {
		cx := ml + cell*float64(j) + cell/2
		if rotate {
			s.text(cx+font*0.35, mt+gridW+8, c, "end", -45, maxRunes, fontAttr+`fill="`+colText+`"`)
		} else {
			s.text(cx, mt+gridW+font+4, c, "middle", 0, maxRunes, fontAttr+`fill="`+colText+`"`)
		}
	}
	s.legend(sequentialScale, legendX, mt, math.Min(math.Max(gridW, 120), 220), []float64{0, 0.25, 0.5, 0.75, 1}, pctTickFormat(0.25))
	return s.String()
}

// errBar is one row of an error-bar chart.
type errBar struct {
	Label     string
	Mean, Std float64
}

// Geometry of an error-bar chart.
const (
	ebRowH   = 22.0
	ebBarH   = 14.0
	ebPad    = 6.0
	ebValueW = 120.0 // the value column at the right
	ebAxisH  = 24.0  // the x axis under the rows
)

// errorBars draws one horizontal bar per item from 0 to its mean, with a
// whisker from mean − std to mean + std, and the numbers at the right.
// Means may be negative (a column whose shuffling helps): their bars run
// left of the zero line.
func errorBars(label string, items []errBar) string {
	longest := 0.0
	lo, hi := 0.0, 0.0
	for _, it := range items {
		longest = math.Max(longest, textWidth(it.Label, fontSize))
		if finite(it.Mean) {
			sd := 0.0
			if finite(it.Std) {
				sd = math.Abs(it.Std)
			}
			lo, hi = math.Min(lo, it.Mean-sd), math.Max(hi, it.Mean+sd)
		}
	}
	labelW := math.Min(math.Max(longest, 48), 180) + 10
	maxRunes := int((labelW - 10) / (fontSize * 0.6))
	plotH := ebRowH * float64(len(items))
	h := ebPad + plotH + ebAxisH
	s := newSVG(chartW, h, label)
	d0, d1, step := niceDomain(lo, hi, 5)
	x := linear{d0, d1, labelW, chartW - ebValueW}
	for _, v := range ticks(d0, d1, step) {
		s.line(x.at(v), ebPad/2, x.at(v), ebPad+plotH, colGrid, 1)
	}
	xAxis(s, x, ticks(d0, d1, step), tickFormat(step, math.Max(math.Abs(d0), math.Abs(d1))), ebPad+plotH)
	for i, it := range items {
		top := ebPad + ebRowH*float64(i)
		cy := top + ebRowH/2
		s.text(labelW-8, cy+4, it.Label, "end", 0, maxRunes, `fill="`+colText+`"`)
		if !finite(it.Mean) {
			s.text(chartW-ebValueW+8, cy+4, dash, "start", 0, 0, `fill="`+colAxis+`"`)
			continue
		}
		tip := fmt.Sprintf("%s: %s ± %s", it.Label, fmtNum(it.Mean), fmtNum(it.Std))
		x0, x1 := x.at(0), x.at(it.Mean)
		fill := colAccent
		if it.Mean < 0 {
			fill = colMuted
		}
		s.rect(math.Min(x0, x1), cy-ebBarH/2, math.Abs(x1-x0), ebBarH, fill, tip)
		if finite(it.Std) && it.Std > 0 {
			wl, wh := x.at(it.Mean-it.Std), x.at(it.Mean+it.Std)
			s.line(wl, cy, wh, cy, colText, 1.2)
			s.line(wl, cy-4, wl, cy+4, colText, 1.2)
			s.line(wh, cy-4, wh, cy+4, colText, 1.2)
		}
		s.text(chartW-ebValueW+8, cy+4, fmtNum(it.Mean)+" ± "+fmtNum(it.Std), "start", 0, 0, `fill="`+colAxis+`"`)
	}
	s.line(x.at(0), ebPad/2, x.at(0), ebPad+plotH, colAxis, 1)
	return s.String()
}
