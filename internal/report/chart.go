package report

import (
	"fmt"
	"math"
	"strings"
)

// This file holds the charts of the kit. Each one returns a complete
// <svg> element as a string: one chart, one svg, no scripts, no external
// references. Charts know nothing about eda; the report converts its data
// to the plain types below.

// Chart geometry, in SVG user units (pixels at full size).
const (
	chartW   = 640.0 // default chart width
	rateW    = 560.0 // rate chart width, to sit beside a box plot
	fontSize = 11.0  // tick and label font size (set on the root svg)
)

// histogram draws bars over the bins [edges[i], edges[i+1]), the last one
// closed; len(edges) must be len(counts)+1.
func histogram(label string, edges []float64, counts []int64) string {
	const h, ml, mr, mt, mb = 220.0, 48.0, 16.0, 12.0, 30.0
	s := newSVG(chartW, h, label)
	n := len(counts)
	lo, hi := edges[0], edges[n]
	if !(hi > lo) {
		lo, hi = lo-0.5, lo+0.5
	}
	var maxC, total int64
	for _, c := range counts {
		maxC = max(maxC, c)
		total += c
	}
	_, ymax, ystep := niceDomain(0, float64(max(maxC, 1)), 5)
	x := linear{lo, hi, ml, chartW - mr}
	y := linear{0, ymax, h - mb, mt}
	yAxis(s, y, ticks(0, ymax, ystep), tickFormat(ystep, ymax), ml, chartW-mr)

	for i, c := range counts {
		if c == 0 {
			continue
		}
		x0, x1 := x.at(edges[i]), x.at(edges[i+1])
		if !(x1 > x0) { // a degenerate histogram: one bar over the whole axis
			x0, x1 = ml, chartW-mr
		}
		closing := ")"
		if i == n-1 {
			closing = "]"
		}
		tip := fmt.Sprintf("[%s, %s%s: %s (%s)", fmtNum(edges[i]), fmtNum(edges[i+1]), closing, fmtInt(c), fmtPct(float64(c)/float64(total)))
		gap := min(1, (x1-x0)*0.1)
		s.rect(x0+gap/2, y.at(float64(c)), x1-x0-gap, y.at(0)-y.at(float64(c)), colAccent, tip)
	}
	_, _, xstep := niceDomain(lo, hi, 6)
	xAxis(s, x, ticks(lo, hi, xstep), tickFormat(xstep, math.Max(math.Abs(lo), math.Abs(hi))), h-mb)
	return s.String()
}

// yAxis draws horizontal grid lines with tick labels at the left of a
// plot spanning [x0, x1].
func yAxis(s *svgw, y linear, vals []float64, format func(float64) string, x0, x1 float64) {
	for _, v := range vals {
		ty := y.at(v)
		s.line(x0, ty, x1, ty, colGrid, 1)
		s.text(x0-6, ty+3.5, format(v), "end", 0, 0, `fill="`+colAxis+`"`)
	}
}

// xAxis draws the baseline at y0 and the ticks of a numeric x axis.
func xAxis(s *svgw, x linear, vals []float64, format func(float64) string, y0 float64) {
	s.line(x.r0, y0, x.r1, y0, colAxis, 1)
	for _, v := range vals {
		tx := x.at(v)
		s.line(tx, y0, tx, y0+4, colAxis, 1)
		s.text(tx, y0+16, format(v), "middle", 0, 0, `fill="`+colAxis+`"`)
	}
}

// bar is one bar of a horizontal bar chart.
type bar struct {
	Label string
	Value int64
	// Muted draws the bar in grey, for "(other)" and "(missing)".
	Muted bool
}

// bars draws a horizontal bar chart, one row per bar, with the count and
// its share of total at the end of each bar. total <= 0 uses the sum of
// the values.
func bars(label string, items []bar, total int64) string {
	const rowH, barH, pad, valueW = 24.0, 16.0, 6.0, 112.0
	if total <= 0 {
		for _, it := range items {
			total += it.Value
		}
	}
	var maxV int64
	longest := 0.0
	for _, it := range items {
		maxV = max(maxV, it.Value)
		longest = max(longest, textWidth(it.Label, fontSize))
	}
	labelW := math.Min(math.Max(longest, 48), 180) + 10
	maxRunes := int((labelW - 10) / (fontSize * 0.6))
	h := pad*2 + rowH*float64(len(items))
	s := newSVG(chartW, h, label)
	x := linear{0, float64(max(maxV, 1)), labelW, chartW - valueW}
	for i, it := range items {
		top := pad + rowH*float64(i)
		share := 0.0
		if total > 0 {
			share = float64(it.Value) / float64(total)
		}
		fill := colAccent
		if it.Muted {
			fill = colMuted
		}
		s.text(labelW-8, top+rowH/2+4, it.Label, "end", 0, maxRunes, `fill="`+colText+`"`)
		w := x.at(float64(it.Value)) - labelW
		if it.Value > 0 {
			w = max(w, 1)
		}
		s.rect(labelW, top+(rowH-barH)/2, w, barH, fill,
			fmt.Sprintf("%s: %s (%s)", it.Label, fmtInt(it.Value), fmtPct(share)))
		s.text(labelW+w+6, top+rowH/2+4, fmtInt(it.Value)+" · "+fmtPct(share), "start", 0, 0, `fill="`+colAxis+`"`)
	}
	s.line(labelW, pad/2, labelW, h-pad/2, colAxis, 1)
	return s.String()
}

// heatScale picks the colour scale of a heatmap.
type heatScale int

const (
	diverging  heatScale = iota // [-1, 1], blue-white-red
	sequential                  // [0, 1], white to blue
)

// heatmap draws a labelled matrix of values with a colour legend. Cells
// carry their row, column and value in a tooltip; values are printed in
// the cells only when the cells are large enough to hold them. NaN cells
// are grey. Up to ~80×80 cells stay legible: smaller cells show every
// k-th axis label.
func heatmap(label string, rows, cols []string, values [][]float64, scale heatScale) string {
	cs := divergingScale
	legendTicks := []float64{-1, -0.5, 0, 0.5, 1}
	if scale == sequential {
		cs = sequentialScale
		legendTicks = []float64{0, 0.25, 0.5, 0.75, 1}
	}
	nr, nc := len(rows), len(cols)
	// Small matrices get large cells up to 44 px; large ones share about
	// 640 px, down to 6 px a cell.
	cell := math.Floor(math.Min(640/float64(max(nc, 1)), 640/float64(max(nr, 1))))
	cell = math.Max(6, math.Min(cell, 44))
	showValues := cell >= 34
	font := math.Max(7, math.Min(fontSize, cell-1))
	every := int(math.Ceil((font + 1) / cell)) // label every k-th row
	// Column labels are turned 45°, so they need √2 times the room.
	everyCol := int(math.Ceil((font*math.Sqrt2 + 1) / cell))
	maxRunes := 22
	if cell < 12 {
		maxRunes = 16
	}
	labelPx := func(names []string, every int) float64 {
		w := 0.0
		for i, n := range names {
			if i%every == 0 {
				shown, _ := truncate(n, maxRunes)
				w = math.Max(w, textWidth(shown, font))
			}
		}
		return w
	}
	ml := labelPx(rows, every) + 12
	mb := labelPx(cols, everyCol)*math.Sqrt2/2 + font + 4
	mt := 8.0
	gridW, gridH := cell*float64(nc), cell*float64(nr)
	// The rotated column labels reach left of their cell by up to the
	// label's width·cos(45°); keep the first ones inside the svg.
	ml = math.Max(ml, labelPx(cols[:min(len(cols), 1)], 1)*math.Sqrt2/2+4)
	legendX := ml + gridW + 18
	w := legendX + 12 + 44
	h := mt + math.Max(gridH, 120) + mb
	s := newSVG(w, h, label)

	fontAttr := ""
	if font != fontSize {
		fontAttr = `font-size="` + coord(font) + `" `
	}
	for i, r := range rows {
		cy := mt + cell*float64(i)
		if i%every == 0 {
			s.text(ml-6, cy+cell/2+font*0.35, r, "end", 0, maxRunes, fontAttr+`fill="`+colText+`"`)
		}
		for j, c := range cols {
			cx := ml + cell*float64(j)
			v := math.NaN()
			if j < len(values[i]) {
				v = values[i][j]
			}
			tip := r + " × " + c + ": " + fmtCorr(v)
			fill := colUndefined
			if finite(v) {
				fill = cs.at(v).String()
			} else {
				tip += " (undefined)"
			}
			s.rect(cx, cy, cell-1, cell-1, fill, tip)
			if showValues && finite(v) {
				tc := colText
				if cs.at(v).dark() {
					tc = "#ffffff"
				}
				s.text(cx+(cell-1)/2, cy+(cell-1)/2+3.5, fmtCorr(v), "middle", 0, 0, `font-size="10" fill="`+tc+`"`)
			}
		}
	}
	for j, c := range cols {
		if j%everyCol != 0 {
			continue
		}
		cx := ml + cell*float64(j) + cell/2
		s.text(cx+font*0.35, mt+gridH+8, c, "end", -45, maxRunes, fontAttr+`fill="`+colText+`"`)
	}
	legendH := math.Min(math.Max(gridH, 120), 220)
	s.legend(cs, legendX, mt, legendH, legendTicks, func(v float64) string { return trimZeros(fmt.Sprintf("%.2f", v)) })
	return s.String()
}

// fmtCorr formats a correlation-like value with two decimals; dash for
// NaN.
func fmtCorr(v float64) string {
	if !finite(v) {
		return dash
	}
	s := fmt.Sprintf("%.2f", v)
	if s == "-0.00" {
		s = "0.00"
	}
	return s
}

// missingMatrix draws columns (x) against blocks of consecutive rows (y),
// each cell shaded by the share of missing values, as missingno's matrix
// does but aggregated. fraction[c][b] is column c's share in block b;
// blockRows is the size of a block and rows the row count, for labels;
// totals, when not nil, holds each column's overall missing share, shown
// under its column when the columns are wide enough.
func missingMatrix(label string, cols []string, fraction [][]float64, totals []float64, blockRows, rows int64) string {
	nc := len(cols)
	nb := len(fraction[0])
	cellW := math.Max(4, math.Min(44, math.Floor(540/float64(nc))))
	cellH := math.Max(2, math.Min(14, math.Floor(260/float64(nb))))
	gap := 1.0 // a white line between columns, when they are wide enough
	if cellW < 10 {
		gap = 0
	}
	font := math.Max(7, math.Min(fontSize, cellW-1))
	every := int(math.Ceil((font*math.Sqrt2 + 1) / cellW)) // labels are turned 45°
	maxRunes := 22
	longest := 0.0
	for j, c := range cols {
		if j%every == 0 {
			shown, _ := truncate(c, maxRunes)
			longest = math.Max(longest, textWidth(shown, font))
		}
	}
	const ml = 84.0
	showTotals := totals != nil && cellW >= 30
	mb := 10.0
	if showTotals {
		mb = 26
	}
	mt := longest*math.Sqrt2/2 + 14
	gridW, gridH := cellW*float64(nc), cellH*float64(nb)
	legendX := ml + gridW + 18
	w := math.Max(legendX+12+48, longest*math.Sqrt2/2+ml+gridW)
	h := mt + math.Max(gridH, 100) + mb
	s := newSVG(w, h, label)
	fontAttr := ""
	if font != fontSize {
		fontAttr = `font-size="` + coord(font) + `" `
	}
	blockEnd := func(b int) int64 {
		end := int64(b+1) * blockRows
		if rows > 0 && (end > rows || b == nb-1) {
			end = rows
		}
		return end
	}
	for j, c := range cols {
		cx := ml + cellW*float64(j)
		if j%every == 0 {
			s.text(cx+cellW/2-font*0.35, mt-6, c, "start", -45, maxRunes, fontAttr+`fill="`+colText+`"`)
		}
		for b := range nb {
			v := math.NaN()
			if b < len(fraction[j]) {
				v = fraction[j][b]
			}
			fill := colUndefined
			if finite(v) {
				fill = missingScale.at(v).String()
			}
			tip := fmt.Sprintf("%s · rows %s–%s: %s missing", c, fmtInt(int64(b)*blockRows+1), fmtInt(blockEnd(b)), fmtPct(v))
			s.rect(cx, mt+cellH*float64(b), cellW-gap, cellH, fill, tip)
		}
	}
	if showTotals {
		for j := range cols {
			if j < len(totals) {
				s.text(ml+cellW*float64(j)+(cellW-1)/2, mt+gridH+16, fmtPct(totals[j]), "middle", 0, 0, `font-size="10" fill="`+colAxis+`"`)
			}
		}
	}
	// Row labels at about five evenly spaced blocks, and the last row.
	stepB := max(1, int(math.Ceil(float64(nb)/5)))
	for b := 0; b < nb; b += stepB {
		if nb-b < stepB/2 && b != 0 {
			break
		}
		ty := mt + cellH*float64(b)
		s.line(ml-4, ty, ml, ty, colAxis, 1)
		s.text(ml-7, ty+3.5, "row "+fmtInt(int64(b)*blockRows+1), "end", 0, 0, `fill="`+colAxis+`"`)
	}
	s.line(ml-4, mt+gridH, ml, mt+gridH, colAxis, 1)
	s.text(ml-7, mt+gridH+3.5, "row "+fmtInt(blockEnd(nb-1)), "end", 0, 0, `fill="`+colAxis+`"`)
	s.legend(missingScale, legendX, mt, math.Min(math.Max(gridH, 100), 200), []float64{0, 0.5, 1}, pctTickFormat(0.5))
	return s.String()
}

// boxStat is one box of a box plot.
type boxStat struct {
	Label                    string
	Count                    int64
	Min, Q1, Median, Q3, Max float64
	WhiskerLo, WhiskerHi     float64
}

// boxPlot draws one vertical box per group: the box spans Q1 to Q3 with a
// line at the median, whiskers reach WhiskerLo and WhiskerHi, and dots
// mark the minimum and maximum when they lie beyond the whiskers. Boxes
// with a non-finite number are left out.
func boxPlot(label, axisLabel string, boxes []boxStat) string {
	const h, ml, mr, mt, mb = 240.0, 56.0, 16.0, 14.0, 34.0
	var ok []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, b := range boxes {
		if !allFinite(b.Min, b.Q1, b.Median, b.Q3, b.Max, b.WhiskerLo, b.WhiskerHi) {
			continue
		}
		ok = append(ok, i)
		lo, hi = math.Min(lo, b.Min), math.Max(hi, b.Max)
	}
	slot := 120.0
	w := math.Min(chartW, math.Max(320, ml+mr+slot*float64(len(boxes))))
	slot = (w - ml - mr) / float64(max(len(boxes), 1))
	s := newSVG(w, h, label)
	if len(ok) == 0 {
		lo, hi = 0, 1
	}
	ylo, yhi, ystep := niceDomain(lo, hi, 5)
	y := linear{ylo, yhi, h - mb, mt}
	yAxis(s, y, ticks(ylo, yhi, ystep), tickFormat(ystep, math.Max(math.Abs(ylo), math.Abs(yhi))), ml, w-mr)
	s.text(12, mt+(h-mt-mb)/2, axisLabel, "middle", -90, 28, `fill="`+colAxis+`"`)
	s.line(ml, h-mb, w-mr, h-mb, colAxis, 1)
	maxRunes := int((slot - 6) / (fontSize * 0.6))
	for i, b := range boxes {
		cx := ml + slot*(float64(i)+0.5)
		color := palette[i%len(palette)]
		s.text(cx, h-mb+16, b.Label, "middle", 0, maxRunes, `fill="`+colText+`"`)
		if !allFinite(b.Min, b.Q1, b.Median, b.Q3, b.Max, b.WhiskerLo, b.WhiskerHi) {
			s.text(cx, mt+(h-mt-mb)/2, dash, "middle", 0, 0, `fill="`+colAxis+`"`)
			continue
		}
		tip := fmt.Sprintf("%s (n=%s): min %s, whisker %s, Q1 %s, median %s, Q3 %s, whisker %s, max %s",
			b.Label, fmtInt(b.Count), fmtNum(b.Min), fmtNum(b.WhiskerLo), fmtNum(b.Q1), fmtNum(b.Median),
			fmtNum(b.Q3), fmtNum(b.WhiskerHi), fmtNum(b.Max))
		bw := math.Min(slot*0.5, 56)
		s.line(cx, y.at(b.WhiskerHi), cx, y.at(b.Q3), color, 1.5)
		s.line(cx, y.at(b.Q1), cx, y.at(b.WhiskerLo), color, 1.5)
		s.line(cx-bw/4, y.at(b.WhiskerHi), cx+bw/4, y.at(b.WhiskerHi), color, 1.5)
		s.line(cx-bw/4, y.at(b.WhiskerLo), cx+bw/4, y.at(b.WhiskerLo), color, 1.5)
		top, bot := y.at(b.Q3), y.at(b.Q1)
		s.raw(fmt.Sprintf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.25" stroke="%s" stroke-width="1.5"><title>%s</title></rect>`,
			coord(cx-bw/2), coord(top), coord(bw), coord(math.Max(bot-top, 1)), color, color, esc(tip)))
		s.line(cx-bw/2, y.at(b.Median), cx+bw/2, y.at(b.Median), color, 2.5)
		if b.Max > b.WhiskerHi {
			s.circle(cx, y.at(b.Max), 3, color, fmt.Sprintf("%s: max %s", b.Label, fmtNum(b.Max)))
		}
		if b.Min < b.WhiskerLo {
			s.circle(cx, y.at(b.Min), 3, color, fmt.Sprintf("%s: min %s", b.Label, fmtNum(b.Min)))
		}
	}
	return s.String()
}

func allFinite(vs ...float64) bool {
	for _, v := range vs {
		if !finite(v) {
			return false
		}
	}
	return true
}

// rateBin is one bin of a rate chart.
type rateBin struct {
	Label string
	Count int64
	Rate  float64 // NaN: no rate (the bin is empty)
}

// rateChart draws the row count of each bin as bars (left axis) and the
// bin's target rate as a line with dots (right axis). share formats the
// rate axis as percentages from 0; otherwise it fits the rates' range.
// rateName names the rate in the legend and tooltips.
func rateChart(label string, bins []rateBin, share bool, rateName string) string {
	const ml, mr, mt = 52.0, 56.0, 28.0
	n := max(len(bins), 1)
	slot := (rateW - ml - mr) / float64(n)
	longest := 0.0
	for _, b := range bins {
		longest = math.Max(longest, textWidth(b.Label, fontSize))
	}
	rotate := longest > slot-6
	mb := 30.0
	maxRunes := int((slot - 6) / (fontSize * 0.6))
	if rotate {
		maxRunes = 20
		l := 0.0
		for _, b := range bins {
			shown, _ := truncate(b.Label, maxRunes)
			l = math.Max(l, textWidth(shown, fontSize))
		}
		mb = l*0.5 + 22
	}
	const plotH = 190.0
	h := mt + plotH + mb
	s := newSVG(rateW, h, label)

	var maxC int64
	rlo, rhi := math.Inf(1), math.Inf(-1)
	for _, b := range bins {
		maxC = max(maxC, b.Count)
		if finite(b.Rate) {
			rlo, rhi = math.Min(rlo, b.Rate), math.Max(rhi, b.Rate)
		}
	}
	_, cmax, cstep := niceDomain(0, float64(max(maxC, 1)), 5)
	yc := linear{0, cmax, mt + plotH, mt}
	yAxis(s, yc, ticks(0, cmax, cstep), tickFormat(cstep, cmax), ml, rateW-mr)

	var r0, r1, rstep float64
	var rfmt func(float64) string
	switch {
	case math.IsInf(rlo, 1):
		r0, r1, rstep = 0, 1, 0.25
		rfmt = pctTickFormat(rstep)
	case share:
		_, r1, rstep = niceDomain(0, math.Min(math.Max(rhi, 0.01), 1), 5)
		r0 = 0
		rfmt = pctTickFormat(rstep)
	default:
		r0, r1, rstep = niceDomain(rlo, rhi, 5)
		rfmt = tickFormat(rstep, math.Max(math.Abs(r0), math.Abs(r1)))
	}
	yr := linear{r0, r1, mt + plotH, mt}
	for _, v := range ticks(r0, r1, rstep) {
		ty := yr.at(v)
		s.line(rateW-mr, ty, rateW-mr+4, ty, colRate, 1)
		s.text(rateW-mr+7, ty+3.5, rfmt(v), "start", 0, 0, `fill="`+colRate+`"`)
	}
	fmtRate := func(v float64) string {
		if share {
			return fmtPct(v)
		}
		return fmtNum(v)
	}

	var d strings.Builder
	pen := false
	for i, b := range bins {
		cx := ml + slot*(float64(i)+0.5)
		bw := slot * 0.72
		tip := fmt.Sprintf("%s: %s rows, %s %s", b.Label, fmtInt(b.Count), rateName, fmtRate(b.Rate))
		fill := colAccentBg
		if b.Label == "(missing)" || b.Label == "(other)" {
			fill = colMutedBg
		}
		s.rect(cx-bw/2, yc.at(float64(b.Count)), bw, yc.at(0)-yc.at(float64(b.Count)), fill, tip)
		if rotate {
			s.text(cx+4, mt+plotH+12, b.Label, "end", -30, maxRunes, `fill="`+colText+`"`)
		} else {
			s.text(cx, mt+plotH+16, b.Label, "middle", 0, maxRunes, `fill="`+colText+`"`)
		}
		if !finite(b.Rate) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, coord(cx), coord(yr.at(b.Rate)))
		pen = true
	}
	s.line(ml, mt+plotH, rateW-mr, mt+plotH, colAxis, 1)
	if d.Len() > 0 {
		s.path(d.String(), colRate, 2)
	}
	for i, b := range bins {
		if finite(b.Rate) {
			cx := ml + slot*(float64(i)+0.5)
			s.circle(cx, yr.at(b.Rate), 4, colRate, fmt.Sprintf("%s: %s %s", b.Label, rateName, fmtRate(b.Rate)))
		}
	}
	// Legend.
	s.rect(ml, 8, 12, 10, colAccentBg, "")
	s.text(ml+16, 17, "rows", "start", 0, 0, `fill="`+colAxis+`"`)
	s.line(ml+60, 13, ml+80, 13, colRate, 2)
	s.circle(ml+70, 13, 3.5, colRate, "")
	s.text(ml+86, 17, rateName, "start", 0, 0, `fill="`+colAxis+`"`)
	return s.String()
}
