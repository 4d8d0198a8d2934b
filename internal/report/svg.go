package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file is the low level of the chart kit: an SVG writer, linear
// scales, "nice" axis ticks and colour scales. The charts are in chart.go.

// svgNS is the SVG namespace, the only URL a report contains.
const svgNS = "http://www.w3.org/2000/svg"

// Colours shared by the charts. They are written as presentation
// attributes, so a chart keeps its look when it is copied out of the page.
const (
	colAccent    = "#3b6ea8" // bars
	colAccentBg  = "#dbe6f3" // box fill, count bars behind a rate line
	colRate      = "#d9622b" // rate lines and dots
	colMuted     = "#9aa5b1" // "(other)" and "(missing)" bars
	colMutedBg   = "#e4e7eb" // "(other)" and "(missing)" bars behind a rate line
	colAxis      = "#6b7280" // axis lines and tick labels
	colGrid      = "#e8ebef" // grid lines
	colText      = "#1f2933" // labels
	colUndefined = "#f1f3f5" // heatmap cells without a value
)

// palette holds categorical colours (Tableau 10), for one class each.
var palette = []string{
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
}

// svgw writes one <svg> element. Every method escapes the text it is
// given; numbers go through coord, so the output is deterministic.
type svgw struct {
	b strings.Builder
}

// newSVG starts an SVG of w×h user units, shown at that size in pixels
// and shrunk with the page (the CSS gives it max-width: 100%). label is
// the accessible name of the chart.
func newSVG(w, h float64, label string) *svgw {
	s := &svgw{}
	fmt.Fprintf(&s.b, `<svg xmlns="%s" class="chart" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s" font-family="sans-serif" font-size="11">`,
		svgNS, coord(w), coord(h), coord(w), coord(h), esc(label))
	s.b.WriteString("<title>" + esc(label) + "</title>")
	return s
}

// String closes the element and returns it.
func (s *svgw) String() string {
	return s.b.String() + "</svg>"
}

// raw writes markup as it is; the caller has escaped it.
func (s *svgw) raw(markup string) { s.b.WriteString(markup) }

// rect draws a rectangle; a non-empty tip becomes its <title> tooltip.
func (s *svgw) rect(x, y, w, h float64, fill, tip string) {
	s.shape("rect", fmt.Sprintf(`x="%s" y="%s" width="%s" height="%s" fill="%s"`, coord(x), coord(y), coord(max(w, 0)), coord(max(h, 0)), fill), tip)
}

// circle draws a dot with a white rim.
func (s *svgw) circle(cx, cy, r float64, fill, tip string) {
	s.shape("circle", fmt.Sprintf(`cx="%s" cy="%s" r="%s" fill="%s" stroke="#fff" stroke-width="1"`, coord(cx), coord(cy), coord(r), fill), tip)
}

// shape writes an element with attributes that are already escaped, and
// the tooltip tip (escaped here) as its <title> child when not empty.
func (s *svgw) shape(name, attrs, tip string) {
	s.b.WriteString("<" + name + " " + attrs)
	if tip == "" {
		s.b.WriteString("/>")
		return
	}
	s.b.WriteString("><title>" + esc(tip) + "</title></" + name + ">")
}

// line draws a line segment.
func (s *svgw) line(x1, y1, x2, y2 float64, stroke string, width float64) {
	fmt.Fprintf(&s.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"/>`,
		coord(x1), coord(y1), coord(x2), coord(y2), stroke, coord(width))
}

// path draws an unfilled path from the d attribute.
func (s *svgw) path(d, stroke string, width float64) {
	fmt.Fprintf(&s.b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round"/>`, d, stroke, coord(width))
}

// text writes a label at (x, y). anchor is start, middle or end; rotate
// turns it by that many degrees around (x, y). A label longer than
// maxRunes is cut with an ellipsis and keeps its full text in a <title>.
func (s *svgw) text(x, y float64, label, anchor string, rotate float64, maxRunes int, extra string) {
	shown, cut := label, false
	if maxRunes > 0 {
		shown, cut = truncate(label, maxRunes)
	}
	fmt.Fprintf(&s.b, `<text x="%s" y="%s"`, coord(x), coord(y))
	if anchor != "" && anchor != "start" {
		s.b.WriteString(` text-anchor="` + anchor + `"`)
	}
	if rotate != 0 {
		fmt.Fprintf(&s.b, ` transform="rotate(%s %s %s)"`, coord(rotate), coord(x), coord(y))
	}
	if extra != "" {
		s.b.WriteString(" " + extra)
	}
	s.b.WriteString(">")
	if cut {
		s.b.WriteString("<title>" + esc(label) + "</title>")
	}
	s.b.WriteString(esc(shown) + "</text>")
}

// linear maps the domain [d0, d1] onto the range [r0, r1].
type linear struct{ d0, d1, r0, r1 float64 }

func (l linear) at(v float64) float64 {
	if l.d1 == l.d0 {
		return (l.r0 + l.r1) / 2
	}
	return l.r0 + (v-l.d0)/(l.d1-l.d0)*(l.r1-l.r0)
}

// niceNum returns a number of the form 1, 2 or 5 times a power of ten
// close to x (rounded) or not below x (not rounded), after Heckbert's
// "Nice numbers for graph labels" (Graphics Gems, 1990).
func niceNum(x float64, round bool) float64 {
	if x <= 0 || !finite(x) {
		return 1
	}
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	var nf float64
	switch {
	case round && f < 1.5, !round && f <= 1:
		nf = 1
	case round && f < 3, !round && f <= 2:
		nf = 2
	case round && f < 7, !round && f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, exp)
}

// niceStep returns the tick step for about n ticks over [lo, hi].
func niceStep(lo, hi float64, n int) float64 {
	if n < 2 {
		n = 2
	}
	return niceNum((hi-lo)/float64(n-1), true)
}

// niceDomain widens [lo, hi] to multiples of a nice step, for an axis
// with about n ticks, and returns the widened domain and the step. An
// empty or single-point domain becomes a unit-wide one around it.
func niceDomain(lo, hi float64, n int) (nlo, nhi, step float64) {
	if !finite(lo) || !finite(hi) {
		return 0, 1, 0.2
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			return 0, 1, 0.2
		}
		d := math.Abs(lo) * 0.1
		lo, hi = lo-d, hi+d
	}
	step = niceStep(lo, hi, n)
	nlo = math.Floor(lo/step+1e-9) * step
	nhi = math.Ceil(hi/step-1e-9) * step
	return nlo, nhi, step
}

// ticks returns the multiples of step inside [lo, hi], computed as k×step
// so that they carry no accumulated error.
func ticks(lo, hi, step float64) []float64 {
	if step <= 0 || !finite(step) || !finite(lo) || !finite(hi) {
		return nil
	}
	var out []float64
	for k := math.Ceil(lo/step - 1e-9); k <= math.Floor(hi/step+1e-9); k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, v)
		if len(out) > 50 {
			break
		}
	}
	return out
}

// tickFormat returns a formatter for tick values that are multiples of
// step on an axis whose largest magnitude is span: thousands become k, M
// and G, and the decimals follow the step, so every label of an axis has
// the same precision.
func tickFormat(step, span float64) func(float64) string {
	div, suffix := 1.0, ""
	switch a := math.Abs(span); {
	case a >= 1e9:
		div, suffix = 1e9, "G"
	case a >= 1e6:
		div, suffix = 1e6, "M"
	case a >= 1e4:
		div, suffix = 1e3, "k"
	}
	dec := 0
	if s := step / div; s > 0 && s < 1 {
		dec = int(math.Ceil(-math.Log10(s) - 1e-9))
	}
	dec = min(dec, 8)
	return func(v float64) string {
		s := strconv.FormatFloat(v/div, 'f', dec, 64)
		if strings.Trim(s, "-0.") == "" {
			return "0"
		}
		return group(s) + suffix
	}
}

// pctTickFormat formats share ticks (multiples of step) as percentages.
func pctTickFormat(step float64) func(float64) string {
	f := tickFormat(step*100, 100)
	return func(v float64) string { return f(v*100) + "%" }
}

// rgb is a colour.
type rgb struct{ r, g, b float64 }

func hex(s string) rgb {
	n, _ := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	return rgb{float64(n >> 16 & 0xff), float64(n >> 8 & 0xff), float64(n & 0xff)}
}

func (c rgb) String() string {
	cl := func(v float64) int { return int(math.Round(max(0, min(255, v)))) }
	return fmt.Sprintf("#%02x%02x%02x", cl(c.r), cl(c.g), cl(c.b))
}

// dark reports whether white text reads better than black on c.
func (c rgb) dark() bool {
	return 0.299*c.r+0.587*c.g+0.114*c.b < 140
}

// colorScale maps [lo, hi] onto evenly spaced colour stops, interpolating
// in sRGB.
type colorScale struct {
	lo, hi float64
	stops  []rgb
	// gamma, when not 0 or 1, raises the position in the domain to this
	// power before picking the colour: 0.5 makes small values visible.
	gamma float64
}

// at returns the colour for v, clamped to the domain.
func (cs colorScale) at(v float64) rgb {
	t := (v - cs.lo) / (cs.hi - cs.lo)
	t = max(0, min(1, t))
	if cs.gamma != 0 && cs.gamma != 1 {
		t = math.Pow(t, cs.gamma)
	}
	seg := t * float64(len(cs.stops)-1)
	i := min(int(seg), len(cs.stops)-2)
	f := seg - float64(i)
	a, b := cs.stops[i], cs.stops[i+1]
	return rgb{a.r + (b.r-a.r)*f, a.g + (b.g-a.g)*f, a.b + (b.b-a.b)*f}
}

func stops(hexes ...string) []rgb {
	out := make([]rgb, len(hexes))
	for i, h := range hexes {
		out[i] = hex(h)
	}
	return out
}

// Colour scales: diverging blue-white-red for correlations in [-1, 1]
// (ColorBrewer RdBu), sequential blues for associations in [0, 1]
// (ColorBrewer Blues), sequential oranges for missing shares, on a square
// root so that a few percent missing still shows.
var (
	divergingScale  = colorScale{lo: -1, hi: 1, stops: stops("#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b")}
	sequentialScale = colorScale{lo: 0, hi: 1, stops: stops("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")}
	missingScale    = colorScale{lo: 0, hi: 1, stops: stops("#f4f6f8", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"), gamma: 0.5}
)

// legend draws a vertical colour bar for cs at (x, y) of height h, with
// the labels of the ticks at its right.
func (s *svgw) legend(cs colorScale, x, y, h float64, tickVals []float64, format func(float64) string) {
	const steps = 32
	const w = 12.0
	sh := h / steps
	for i := range steps {
		// Top is the high end.
		v := cs.hi - (float64(i)+0.5)/steps*(cs.hi-cs.lo)
		s.rect(x, y+float64(i)*sh, w, sh+0.5, cs.at(v).String(), "")
	}
	s.raw(fmt.Sprintf(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s" stroke-width="0.5"/>`, coord(x), coord(y), coord(w), coord(h), colAxis))
	sc := linear{cs.hi, cs.lo, y, y + h}
	for _, t := range tickVals {
		ty := sc.at(t)
		s.line(x+w, ty, x+w+3, ty, colAxis, 1)
		s.text(x+w+5, ty+3.5, format(t), "start", 0, 0, `fill="`+colAxis+`"`)
	}
}
