package report

import (
	"html"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dash stands for a value that does not exist: a nil pointer, NaN or an
// infinity.
const dash = "—"

// esc escapes text for HTML and SVG text and attribute values. It escapes
// <, >, &, ' and ", so the result is also well-formed XML.
func esc(s string) string { return html.EscapeString(s) }

// finite reports whether v is neither NaN nor an infinity.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// coord formats an SVG coordinate or length with at most two decimals and
// no trailing zeros, so the output is short and does not depend on float
// noise in the last digits.
func coord(v float64) string {
	if !finite(v) {
		return "0"
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = trimZeros(s)
	if s == "-0" {
		return "0"
	}
	return s
}

// trimZeros removes trailing zeros after a decimal point, and the point.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// group inserts thousands separators into the integer part of a decimal
// number written by strconv.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if len(intPart) > 3 {
		var b strings.Builder
		lead := len(intPart) % 3
		if lead > 0 {
			b.WriteString(intPart[:lead])
		}
		for i := lead; i < len(intPart); i += 3 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(intPart[i : i+3])
		}
		intPart = b.String()
	}
	if hasFrac {
		return sign + intPart + "." + frac
	}
	return sign + intPart
}

// fmtInt formats a count with thousands separators: 12,345.
func fmtInt(n int64) string { return group(strconv.FormatInt(n, 10)) }

// fmtNum formats a statistic with four significant digits, thousands
// separators, and scientific notation for very large or very small
// magnitudes; dash for NaN and infinities.
func fmtNum(v float64) string {
	if !finite(v) {
		return dash
	}
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e12 || a < 1e-4 {
		return strconv.FormatFloat(v, 'e', 3, 64)
	}
	dec := 3 - int(math.Floor(math.Log10(a)))
	dec = max(0, min(dec, 6))
	s := trimZeros(strconv.FormatFloat(v, 'f', dec, 64))
	if s == "-0" {
		s = "0"
	}
	return group(s)
}

// fmtPtr formats an optional statistic; dash when nil.
func fmtPtr(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtNum(*v)
}

// fmtPct formats a share in [0, 1] as a percentage with one decimal;
// shares that round to zero but are not zero read "<0.1%".
func fmtPct(share float64) string {
	if !finite(share) {
		return dash
	}
	if share > 0 && share < 0.0005 {
		return "<0.1%"
	}
	if share < 1 && share > 0.9995 {
		return ">99.9%"
	}
	return trimZeros(strconv.FormatFloat(share*100, 'f', 1, 64)) + "%"
}

// fmtBytes formats a size in bytes with binary units: 1.5 MiB.
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	i := -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 1, 64)) + " " + string("KMGTPE"[i]) + "iB"
}

// truncate shortens s to at most n runes, ending it with an ellipsis, and
// reports whether it did.
func truncate(s string, n int) (string, bool) {
	if n < 2 {
		n = 2
	}
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	r := []rune(s)
	return string(r[:n-1]) + "…", true
}

// textWidth estimates the rendered width in pixels of s at the given font
// size, for system sans-serif fonts: an average glyph is 0.6 em wide.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}
