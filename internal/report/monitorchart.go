package report

import "math"

// This file holds the chart of the monitoring report that the kit lacked:
// grouped vertical bars, which set the baseline and current shares of a
// feature side by side per bin or category. It builds on the writer,
// scales, ticks and colours of svg.go and the axes of chart.go.

// Colours of the monitoring charts: the baseline in the accent blue, the
// current window in the rate orange.
const (
	colBaseline = colAccent
	colCurrent  = colRate
)

// barSeries is one series of a grouped bar chart: one value per slot and
// its tooltip.
type barSeries struct {
	Name   string
	Color  string
	Values []float64
	Tips   []string
}

// Geometry of a grouped bar chart.
const (
	gbH  = 260.0
	gbML = 52.0
	gbMR = 16.0
	gbMT = 30.0 // room for the legend
	gbMB = 46.0 // room for the slot or edge labels
)

// groupedBars draws one slot per entry of slots with one bar per series
// side by side, on a share axis from 0. With edges (len(slots)-1 labels),
// the slots are bins and the edges are written at the boundaries between
// them; without, each slot carries its own label. Non-finite or negative
// values draw no bar.
func groupedBars(label string, slots, edges []string, series []barSeries) string {
	s := newSVG(chartW, gbH, label)
	n := len(slots)
	maxV := 0.0
	for _, sr := range series {
		for _, v := range sr.Values {
			if finite(v) {
				maxV = math.Max(maxV, v)
			}
		}
	}
	if !(maxV > 0) {
		maxV = 1
	}
	_, ymax, ystep := niceDomain(0, maxV, 5)
	y := linear{0, ymax, gbH - gbMB, gbMT}
	yAxis(s, y, ticks(0, ymax, ystep), pctTickFormat(ystep), gbML, chartW-gbMR)
	slotW := (chartW - gbML - gbMR) / float64(max(n, 1))
	pad := math.Min(slotW*0.15, 8)
	barW := (slotW - 2*pad) / float64(max(len(series), 1))
	for j, sr := range series {
		for i := range min(n, len(sr.Values)) {
			v := sr.Values[i]
			if !finite(v) || v < 0 {
				continue
			}
			x0 := gbML + slotW*float64(i) + pad + barW*float64(j)
			tip := ""
			if i < len(sr.Tips) {
				tip = sr.Tips[i]
			}
			s.rect(x0, y.at(v), math.Max(barW-1, 0.5), y.at(0)-y.at(v), sr.Color, tip)
		}
	}
	y0 := gbH - gbMB
	s.line(gbML, y0, chartW-gbMR, y0, colAxis, 1)
	s.line(gbML, gbMT, gbML, y0, colAxis, 1)
	if len(edges) > 0 {
		// Thin the edge labels so that they do not overlap.
		every := 1
		for w := 0.0; ; every++ {
			w = 0
			for i := 0; i < len(edges); i += every {
				w = math.Max(w, textWidth(edges[i], fontSize))
			}
			if w+6 <= slotW*float64(every) || every >= len(edges) {
				break
			}
		}
		for i := 0; i < len(edges); i += every {
			tx := gbML + slotW*float64(i+1)
			s.line(tx, y0, tx, y0+4, colAxis, 1)
			s.text(tx, y0+16, edges[i], "middle", 0, 12, `fill="`+colAxis+`"`)
		}
	} else {
		maxRunes := max(int(slotW/(fontSize*0.6)), 3)
		rotate := 0.0
		if maxRunes < 8 {
			rotate, maxRunes = -30, 14
		}
		for i, sl := range slots {
			tx := gbML + slotW*(float64(i)+0.5)
			if rotate != 0 {
				s.text(tx, y0+14, sl, "end", rotate, maxRunes, `fill="`+colText+`"`)
				continue
			}
			s.text(tx, y0+16, sl, "middle", 0, maxRunes, `fill="`+colText+`"`)
		}
	}
	s.raw(`<g class="legend">`)
	lx := gbML
	for _, sr := range series {
		s.rect(lx, 8, 12, 12, sr.Color, "")
		s.text(lx+16, 18, sr.Name, "start", 0, 24, `fill="`+colAxis+`"`)
		shown, _ := truncate(sr.Name, 24)
		lx += 16 + textWidth(shown, fontSize) + 16
	}
	s.raw("</g>")
	return s.String()
}
