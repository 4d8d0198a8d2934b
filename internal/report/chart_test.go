package report

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFmtNum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-1.2, "-1.2"},
		{3.14159, "3.142"},
		{0.012345, "0.01235"},
		{41.372, "41.37"},
		{58231.42, "58,231"},
		{1.25e6, "1,250,000"},
		{-0.00001, "-1.000e-05"},
		{2.5e13, "2.500e+13"},
		{-0.00004, "-4.000e-05"},
		{math.NaN(), "—"},
		{math.Inf(-1), "—"},
	}
	for _, tt := range tests {
		if got := fmtNum(tt.in); got != tt.want {
			t.Errorf("fmtNum(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFmtPctAndBytes(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0%", 0.0412: "4.1%", 0.00001: "<0.1%", 0.99999: ">99.9%", 1: "100%", math.NaN(): "—"} {
		if got := fmtPct(in); got != want {
			t.Errorf("fmtPct(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1234567: "1.2 MiB", 5 << 30: "5 GiB"} {
		if got := fmtBytes(in); got != want {
			t.Errorf("fmtBytes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestNiceAxis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		lo, hi    float64
		n         int
		wantLo    float64
		wantHi    float64
		wantTicks []string
	}{
		{"counts", 0, 1010, 5, 0, 1200, []string{"0", "200", "400", "600", "800", "1,000", "1,200"}},
		{"ages", 18, 79, 6, 10, 80, []string{"10", "20", "30", "40", "50", "60", "70", "80"}},
		{"shares", 0, 0.41, 5, 0, 0.5, []string{"0", "0.1", "0.2", "0.3", "0.4", "0.5"}},
		{"negative", -0.23, 0.51, 5, -0.4, 0.6, []string{"-0.4", "-0.2", "0", "0.2", "0.4", "0.6"}},
		{"millions", 0, 1.25e6, 6, 0, 1.4e6, []string{"0", "0.2M", "0.4M", "0.6M", "0.8M", "1.0M", "1.2M", "1.4M"}},
		{"point", 5, 5, 5, 4.4, 5.6, []string{"4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"}},
		{"zero", 0, 0, 5, 0, 1, []string{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lo, hi, step := niceDomain(tt.lo, tt.hi, tt.n)
			if math.Abs(lo-tt.wantLo) > 1e-9 || math.Abs(hi-tt.wantHi) > 1e-9 {
				t.Errorf("niceDomain(%v, %v, %d) = [%v, %v], want [%v, %v]", tt.lo, tt.hi, tt.n, lo, hi, tt.wantLo, tt.wantHi)
			}
			format := tickFormat(step, math.Max(math.Abs(lo), math.Abs(hi)))
			var got []string
			for _, v := range ticks(lo, hi, step) {
				got = append(got, format(v))
			}
			if diff := cmp.Diff(tt.wantTicks, got); diff != "" {
				t.Errorf("tick labels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestColorScales(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cs   colorScale
		v    float64
		want string
	}{
		{divergingScale, -1, "#2166ac"},
		{divergingScale, 0, "#f7f7f7"},
		{divergingScale, 1, "#b2182b"},
		{divergingScale, 7, "#b2182b"}, // clamped
		{sequentialScale, 0, "#f7fbff"},
		{sequentialScale, 1, "#08306b"},
		{missingScale, 0, "#f4f6f8"},
		{missingScale, 1, "#7f2704"},
	}
	for _, tt := range tests {
		if got := tt.cs.at(tt.v).String(); got != tt.want {
			t.Errorf("at(%v) = %s, want %s", tt.v, got, tt.want)
		}
	}
	if small := missingScale.at(0.02); small == missingScale.at(0) {
		t.Error("a 2% missing share has the colour of none")
	}
}

// TestCharts checks properties every chart must have, on ordinary and
// awkward inputs: one well-formed svg element, escaped text, no NaN.
func TestCharts(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	big := make([]string, 80)
	vals := make([][]float64, 80)
	for i := range big {
		big[i] = "c" + strings.Repeat("x", i%5) + string(rune('a'+i%26))
		vals[i] = make([]float64, 80)
		for j := range vals[i] {
			vals[i][j] = math.Sin(float64(i * j))
		}
	}
	tests := []struct {
		name string
		svg  string
		want []string // substrings the chart must hold
		not  []string // substrings it must not hold
	}{
		{"histogram", histogram(nasty, []float64{0, 1, 2, 3}, []int64{5, 0, 7}), []string{"[0, 1): 5 (41.7%)", "[2, 3]: 7 (58.3%)", esc(nasty)}, nil},
		{"histogram of a constant", histogram("k", []float64{5, 5}, []int64{3}), []string{"[5, 5]: 3 (100%)"}, nil},
		{"bars", bars("b", []bar{{Label: nasty, Value: 3}, {Label: "(other)", Value: 1, Muted: true}}, 0), []string{esc(nasty) + ": 3 (75%)", colMuted}, nil},
		{"bars with long label", bars("b", []bar{{Label: strings.Repeat("long ", 20), Value: 3}}, 0), []string{"…", "<title>long long"}, nil},
		{"small heatmap", heatmap("h", []string{"a", nasty}, []string{"a", nasty}, [][]float64{{1, nan}, {nan, -0.5}}, diverging),
			[]string{">-0.50</text>", esc(nasty) + " × a: — (undefined)", colUndefined}, nil},
		{"80×80 heatmap", heatmap("h", big, big, vals, diverging), []string{"<title>ca × ca: 0.00</title>"}, []string{`font-size="10"`}},
		{"missing matrix", missingMatrix("m", []string{nasty, "b"}, [][]float64{{0, 0.5}, {nan, 1}}, []float64{0.25, nan}, 10, 15),
			[]string{esc(nasty) + " · rows 11–15: 50% missing", "b · rows 1–10: — missing", "row 15"}, nil},
		{"box plot", boxPlot("bp", nasty, []boxStat{{Label: "a", Count: 3, Min: 0, Q1: 1, Median: 2, Q3: 3, Max: 9, WhiskerLo: 0, WhiskerHi: 4}, {Label: "b", Min: nan}}),
			[]string{"a (n=3): min 0", "a: max 9", ">—</text>"}, []string{"a: min"}},
		{"rate chart", rateChart("r", []rateBin{{Label: "x", Count: 10, Rate: 0.2}, {Label: "(missing)", Count: 0, Rate: nan}, {Label: "y", Count: 5, Rate: 0.4}}, true, "positive rate"),
			[]string{"x: 10 rows, positive rate 20%", "(missing): 0 rows, positive rate —", colMutedBg}, nil},
		{"regression rate chart", rateChart("r", []rateBin{{Label: "x", Count: 10, Rate: -3}, {Label: "y", Count: 5, Rate: 12000}}, false, "mean target"),
			[]string{"y: 5 rows, mean target 12,000"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if n := strings.Count(tt.svg, "<svg"); n != 1 {
				t.Errorf("%d svg elements, want 1", n)
			}
			if err := wellFormed(tt.svg); err != nil {
				t.Errorf("not well-formed XML: %v", err)
			}
			for _, bad := range []string{"NaN", "Inf", nasty} {
				if strings.Contains(tt.svg, bad) {
					t.Errorf("chart holds %q", bad)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(tt.svg, w) {
					t.Errorf("chart lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(tt.svg, w) {
					t.Errorf("chart holds %q", w)
				}
			}
		})
	}
}
