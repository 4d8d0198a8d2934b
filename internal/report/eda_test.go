package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/mlcycle/mlcycle/internal/eda"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

const golden = "testdata/eda_report.golden.html"

func render(t *testing.T, p *eda.Profile, o Opts) string {
	t.Helper()
	var buf bytes.Buffer
	if err := EDA(&buf, p, o); err != nil {
		t.Fatalf("EDA: %v", err)
	}
	return buf.String()
}

func TestEDAGolden(t *testing.T) {
	t.Parallel()
	got := render(t, churnProfile(), Opts{})
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("EDA report differs from %s (-want +got); if the change is intended, run go test ./internal/report -update:\n%s",
			golden, cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")))
	}
}

func TestEDADeterministic(t *testing.T) {
	t.Parallel()
	a := render(t, churnProfile(), Opts{})
	b := render(t, churnProfile(), Opts{})
	if a != b {
		t.Error("two renderings of the same profile differ")
	}
}

// edgeProfiles are profiles at the edges of what eda produces.
func edgeProfiles() map[string]*eda.Profile {
	nan := math.NaN()
	return map[string]*eda.Profile{
		"churn": churnProfile(),
		"empty": {Dataset: "empty", Version: 1},
		"no rows": {
			Dataset: "norows", Version: 2, NumColumns: 1,
			Columns: []eda.Column{{Name: "x", Type: "float"}},
			Missing: eda.MissingMatrix{Columns: []string{"x"}, Fraction: [][]float64{{}}},
		},
		"constant and undefined": {
			Dataset: "odd", Version: 1, Rows: 3, NumColumns: 2,
			Columns: []eda.Column{
				{Name: "k", Type: "float", Count: 3, Distinct: 1, Min: f(5), Max: f(5), Mean: f(5), Std: f(0), Skewness: f(nan), Kurtosis: f(math.Inf(1)),
					Histogram: &eda.Histogram{Edges: []float64{5, 5}, Counts: []int64{3}}},
				{Name: "empty", Type: "float", Missing: 3, MissingPct: 100},
			},
			Missing:      eda.MissingMatrix{Columns: []string{"k", "empty"}, BlockRows: 1, Fraction: [][]float64{{0, 0, 0}, {1, 1, 1}}},
			Correlations: eda.Correlations{Pearson: &eda.Matrix{Rows: []string{"k", "empty"}, Cols: []string{"k", "empty"}, Values: [][]float64{{nan, nan}, {nan, nan}}}},
			Target: &eda.Target{Column: "k", Task: "regression", Relations: []eda.Relation{
				{Feature: "empty", PowerMetric: "r2", Power: f(-0.02), Bins: []eda.BinRate{{Label: "(missing)", Count: 3, Rate: 5}}},
				{Feature: "gone", PowerMetric: "r2", Bins: []eda.BinRate{{Label: "a", Count: 0, Rate: nan}}},
				{Feature: "boxes", PowerMetric: "roc_auc", Boxes: []eda.Box{{Class: "x", Min: nan}}},
			}},
		},
		"wide": wideProfile(80),
	}
}

// wideProfile has n numeric columns and an n×n Pearson matrix.
func wideProfile(n int) *eda.Profile {
	p := &eda.Profile{Dataset: "wide", Version: 1, Rows: 1000, NumColumns: n}
	names := make([]string, n)
	vals := make([][]float64, n)
	frac := make([][]float64, n)
	for i := range n {
		names[i] = "feature_" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "_" + string(rune('0'+i/26))
		vals[i] = make([]float64, n)
		frac[i] = make([]float64, 100)
		for j := range n {
			vals[i][j] = math.Cos(float64(i-j) / 9)
		}
		for b := range 100 {
			frac[i][b] = float64((i*b)%17) / 40
		}
		p.Columns = append(p.Columns, eda.Column{Name: names[i], Type: "float", Count: 1000, Distinct: 1000,
			Histogram: &eda.Histogram{Edges: edges(0, 1, 5), Counts: []int64{1, 2, 3, 2, 1}}})
	}
	p.Missing = eda.MissingMatrix{Columns: names, BlockRows: 10, Fraction: frac}
	p.Correlations.Pearson = &eda.Matrix{Rows: names, Cols: names, Values: vals}
	return p
}

// svgRE finds the charts; charts do not nest.
var svgRE = regexp.MustCompile(`(?s)<svg[ >].*?</svg>`)

func TestEDAStructure(t *testing.T) {
	t.Parallel()
	for name, p := range edgeProfiles() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := render(t, p, Opts{})

			doc, err := html.Parse(strings.NewReader(out))
			if err != nil {
				t.Fatalf("html.Parse: %v", err)
			}
			var svgs, scripts int
			var text strings.Builder
			var walk func(n *html.Node, inSVG bool)
			walk = func(n *html.Node, inSVG bool) {
				if n.Type == html.ElementNode {
					switch n.Data {
					case "svg":
						if inSVG {
							t.Error("an svg inside an svg")
						}
						svgs++
						inSVG = true
					case "script":
						scripts++
						for _, a := range n.Attr {
							if a.Key == "src" {
								t.Errorf("script with src=%q", a.Val)
							}
						}
					case "link", "img", "iframe", "object", "embed":
						t.Errorf("external-resource element <%s>", n.Data)
					}
				}
				if n.Type == html.TextNode {
					text.WriteString(n.Data)
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c, inSVG)
				}
			}
			walk(doc, false)
			if want := wantCharts(p); svgs != want {
				t.Errorf("svg elements = %d, want %d", svgs, want)
			}
			if scripts != 1 {
				t.Errorf("script elements = %d, want 1", scripts)
			}

			frags := svgRE.FindAllString(out, -1)
			if len(frags) != svgs {
				t.Errorf("svg fragments found by text = %d, elements parsed = %d", len(frags), svgs)
			}
			for i, frag := range frags {
				if err := wellFormed(frag); err != nil {
					t.Errorf("svg %d is not well-formed XML: %v\n%.300s", i, err, frag)
				}
			}

			rest := strings.ReplaceAll(out, `xmlns="`+svgNS+`"`, "")
			for _, s := range []string{"http://", "https://", "url(", "@import", "//cdn", "@font-face"} {
				if i := strings.Index(rest, s); i >= 0 {
					t.Errorf("output holds %q at %d: %.80s", s, i, rest[max(0, i-40):])
				}
			}
			if m := regexp.MustCompile(`\b(NaN|[+-]?Inf(inity)?)\b`).FindString(out); m != "" {
				t.Errorf("output holds %q", m)
			}
		})
	}
}

// wellFormed parses an SVG fragment strictly as XML.
func wellFormed(frag string) error {
	d := xml.NewDecoder(strings.NewReader(frag))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestEDAEscapes(t *testing.T) {
	t.Parallel()
	out := render(t, churnProfile(), Opts{})
	for _, raw := range []string{nasty, "<script>alert(1)</script>", `"quoted"`} {
		if strings.Contains(out, raw) {
			t.Errorf("output holds %q unescaped", raw)
		}
	}
	if !strings.Contains(out, esc(nasty)) {
		t.Errorf("output lacks the escaped name %q", esc(nasty))
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// The name reads back intact as the heading of its column section.
	var found bool
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "h3" && n.FirstChild != nil && n.FirstChild.Type == html.TextNode && n.FirstChild.Data == nasty {
			found = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !found {
		t.Errorf("no <h3> reads %q", nasty)
	}
}

func TestEDAOpts(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	out := render(t, churnProfile(), Opts{Title: "Churn <v3>", Generated: at, MaxCategories: 3})
	for _, want := range []string{
		"<title>Churn &lt;v3&gt;</title>",
		"on 2026-03-04 04:06 UTC.",
		"(other 11 values)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if def := render(t, churnProfile(), Opts{}); !strings.Contains(def, "<title>churn@3 · EDA report</title>") {
		t.Error("default title missing")
	}
}

func TestEDAErrors(t *testing.T) {
	t.Parallel()
	badHist := churnProfile()
	badHist.Columns[1].Histogram.Edges = badHist.Columns[1].Histogram.Edges[:5]
	badMatrix := churnProfile()
	badMatrix.Correlations.Pearson.Values[2] = []float64{1}
	badMissing := churnProfile()
	badMissing.Missing.Fraction = badMissing.Missing.Fraction[:2]
	tests := []struct {
		name string
		p    *eda.Profile
		want []string
	}{
		{"nil", nil, []string{"nil profile"}},
		{"histogram", badHist, []string{`columns[1] ("age").histogram: 5 edges for 20 counts, want 21`}},
		{"matrix", badMatrix, []string{"correlations.pearson.values[2]: 1 values for 4 column labels"}},
		{"missing", badMissing, []string{"missing_matrix: 2 fraction rows for 8 columns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			err := EDA(&buf, tt.p, Opts{})
			if err == nil {
				t.Fatal("EDA = nil error, want one")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("EDA error = %q, want it to contain %q", err, w)
				}
			}
			if buf.Len() != 0 {
				t.Errorf("EDA wrote %d bytes before failing", buf.Len())
			}
		})
	}
	t.Run("writer", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("disk full")
		err := EDA(failWriter{boom}, churnProfile(), Opts{})
		if !errors.Is(err, boom) {
			t.Errorf("EDA error = %v, want it to wrap %v", err, boom)
		}
	})
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }
