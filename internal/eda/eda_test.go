package eda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/eda"
)

func setup(t *testing.T) *app.App {
	t.Helper()
	a := catalogtest.New(t)
	ctx := context.Background()
	td := catalogtest.Testdata()
	for name, p := range map[string]string{
		"credit": filepath.Join(td, "datasets", "credit_data.csv"),
		"churn":  filepath.Join(td, "..", "internal", "demo", "mlc_churn.csv"),
	} {
		if _, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// reference is testdata/stats/reference.json (pandas 1.5.3, numpy 1.24.2,
// scipy 1.10.1; testdata/stats/make_reference.py).
type reference struct {
	Datasets map[string]struct {
		Numeric     []string `json:"numeric"`
		Categorical []string `json:"categorical"`
		Describe    map[string]struct {
			Count               int64
			Mean, Std, Min, Max *float64
			Skew, Kurt          *float64
			Zeros               int64
			Quantiles           []*float64
		} `json:"describe"`
		Histogram map[string]struct {
			Edges  []float64 `json:"edges"`
			Counts []int64   `json:"counts"`
		} `json:"histogram"`
		Outliers map[string]struct {
			MAD   float64 `json:"mad"`
			Count int64   `json:"count"`
		} `json:"outliers"`
		Pearson  [][]*float64 `json:"pearson_exact"`
		Spearman [][]*float64 `json:"spearman"`
		CramersV []struct {
			A, B  string
			Value *float64
		} `json:"cramers_v"`
	} `json:"datasets"`
}

func close(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-9*math.Abs(want) || math.Abs(got-want) <= 1e-12
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// TestProfileMatchesPandas checks the profile's numbers against pandas,
// NumPy and SciPy to 1e-9 relative.
func TestProfileMatchesPandas(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, err := os.ReadFile(filepath.Join(catalogtest.Testdata(), "stats", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, ds := range []string{"credit", "churn"} {
		t.Run(ds, func(t *testing.T) {
			r := ref.Datasets[ds]
			p, err := eda.Run(context.Background(), a.Catalog, ds, eda.Opts{})
			if err != nil {
				t.Fatal(err)
			}
			cols := map[string]eda.Column{}
			for _, c := range p.Columns {
				cols[c.Name] = c
			}
			for _, name := range r.Numeric {
				c, want := cols[name], r.Describe[name]
				if c.Count != want.Count || c.Zeros != want.Zeros {
					t.Errorf("%s: count %d zeros %d, want %d %d", name, c.Count, c.Zeros, want.Count, want.Zeros)
				}
				for _, f := range []struct {
					what      string
					got, want *float64
				}{{"mean", c.Mean, want.Mean}, {"std", c.Std, want.Std}, {"min", c.Min, want.Min}, {"max", c.Max, want.Max}, {"skew", c.Skewness, want.Skew}, {"kurt", c.Kurtosis, want.Kurt}} {
					if !close(val(f.got), val(f.want)) {
						t.Errorf("%s %s = %v, want %v", name, f.what, val(f.got), val(f.want))
					}
				}
				for k, q := range c.Quantiles {
					if !close(q.Value, val(want.Quantiles[k])) {
						t.Errorf("%s quantile %v = %v, want %v", name, q.P, q.Value, val(want.Quantiles[k]))
					}
				}
				h := r.Histogram[name]
				for k := range h.Counts {
					if c.Histogram.Counts[k] != h.Counts[k] || !close(c.Histogram.Edges[k], h.Edges[k]) {
						t.Errorf("%s histogram bin %d = %v@%v, want %v@%v", name, k, c.Histogram.Counts[k], c.Histogram.Edges[k], h.Counts[k], h.Edges[k])
						break
					}
				}
				if o := r.Outliers[name]; o.MAD > 0 && c.Outliers != o.Count {
					t.Errorf("%s outliers = %d, want %d", name, c.Outliers, o.Count)
				}
			}
			for i := range r.Numeric {
				for j := range r.Numeric {
					if g, w := p.Correlations.Pearson.Values[i][j], val(r.Pearson[i][j]); !close(g, w) {
						t.Errorf("pearson[%s][%s] = %v, want %v", r.Numeric[i], r.Numeric[j], g, w)
					}
					if g, w := p.Correlations.Spearman.Values[i][j], val(r.Spearman[i][j]); !close(g, w) {
						t.Errorf("spearman[%s][%s] = %v, want %v", r.Numeric[i], r.Numeric[j], g, w)
					}
				}
			}
			idx := map[string]int{}
			for k, n := range p.Correlations.CramersV.Rows {
				idx[n] = k
			}
			for _, cv := range r.CramersV {
				i, ok1 := idx[cv.A]
				j, ok2 := idx[cv.B]
				if !ok1 || !ok2 {
					continue // left out: more than eda.MaxCorrLevels levels
				}
				if g := p.Correlations.CramersV.Values[i][j]; !close(g, val(cv.Value)) {
					t.Errorf("cramers_v[%s][%s] = %v, want %v", cv.A, cv.B, g, val(cv.Value))
				}
			}
		})
	}
}

// TestCreditProfile checks dataset facts, the target section and the
// warnings on credit_data (figures from the shared datasets README and
// pandas: 4,454 rows, 455 missing cells, df.duplicated().sum() == 2).
func TestCreditProfile(t *testing.T) {
	t.Parallel()
	a := setup(t)
	p, err := eda.Run(context.Background(), a.Catalog, "credit", eda.Opts{Target: "status", Positive: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 4454 || p.NumColumns != 14 || p.MissingCells != 455 || p.DuplicateRows != 2 {
		t.Errorf("rows %d cols %d missing %d dups %d, want 4454 14 455 2", p.Rows, p.NumColumns, p.MissingCells, p.DuplicateRows)
	}
	if p.Target.Task != "binary" || len(p.Target.Classes) != 2 || p.Target.Classes[0].Value != "good" || p.Target.Classes[0].Count != 3200 || p.Target.Classes[1].Count != 1254 {
		t.Errorf("target = %+v", p.Target)
	}
	rel := map[string]eda.Relation{}
	for _, r := range p.Target.Relations {
		rel[r.Feature] = r
	}
	if len(rel) != 13 {
		t.Errorf("%d relations, want 13 (every feature)", len(rel))
	}
	// records=yes is the strongest single signal of default in this data.
	rec := rel["records"]
	var yes, no float64
	for _, b := range rec.Bins {
		switch b.Label {
		case "yes":
			yes = b.Rate
		case "no":
			no = b.Rate
		}
	}
	if !(yes > 2*no) || rec.Power == nil || *rec.Power <= 0.55 || *rec.Power >= 0.95 {
		t.Errorf("records: bad rate yes %.3f no %.3f, power %v", yes, no, rec.Power)
	}
	inc := rel["income"]
	if len(inc.Boxes) != 2 || inc.Boxes[0].Class != "good" || inc.Boxes[1].Class != "bad" || inc.Bins[len(inc.Bins)-1].Label != "(missing)" {
		t.Errorf("income relation: boxes %+v, last bin %+v", inc.Boxes, inc.Bins[len(inc.Bins)-1])
	}
	kinds := map[string]bool{}
	for _, w := range p.Warnings {
		kinds[w.Kind+":"+w.Column] = true
	}
	for _, want := range []string{"duplicate_rows:", "skewed:assets", "outliers:income"} {
		if !kinds[want] {
			t.Errorf("no %s warning in %v", want, p.Warnings)
		}
	}
	// JSON: NaN-free, and matrices round-trip.
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "NaN") {
		t.Error("JSON holds NaN")
	}
	var back eda.Profile
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Correlations.Pearson.Values[0][0] != 1 {
		t.Errorf("pearson[0][0] after round trip = %v", back.Correlations.Pearson.Values[0][0])
	}
}

// TestWarnings builds a table that trips every warning.
func TestWarnings(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	var b strings.Builder
	b.WriteString("id,const,code,mostly,skewed,leak,y\n")
	for i := 0; i < 400; i++ {
		y := "no"
		if i%25 == 0 {
			y = "yes" // 4 % positives: severe imbalance
		}
		mostly := ""
		if i%3 == 0 {
			mostly = "1"
		}
		skewed := 1.0
		if i%50 == 0 {
			skewed = 1000
		}
		fmt.Fprintf(&b, "%d,same,c%d,%s,%g,%s_x,%s\n", i, i%60, mostly, skewed+float64(i%7), y, y)
	}
	p := filepath.Join(t.TempDir(), "w.csv")
	os.WriteFile(p, []byte(b.String()), 0o644)
	if _, err := a.Catalog.Add(context.Background(), p, catalog.AddOpts{Name: "w"}); err != nil {
		t.Fatal(err)
	}
	prof, err := eda.Run(context.Background(), a.Catalog, "w", eda.Opts{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, w := range prof.Warnings {
		got[w.Kind+":"+w.Column] = true
	}
	for _, want := range []string{"id_like:id", "constant:const", "high_cardinality:code", "mostly_missing:mostly", "skewed:skewed", "possible_leakage:leak", "class_imbalance:y"} {
		if !got[want] {
			t.Errorf("missing warning %s; got %v", want, prof.Warnings)
		}
	}
}
