package stats_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/stats"
)

// The reference values in testdata/stats/reference.json come from pandas
// 1.5.3, NumPy 1.24.2 and SciPy 1.10.1; testdata/stats/make_reference.py
// writes them and testdata/stats/README.md says how. Results must agree to
// a relative error of 1e-9 (an absolute one of 1e-12 near zero), and NaN
// where the reference has NaN (written as null).
const (
	relTol = 1e-9
	absTol = 1e-12
)

const refPath = "../../testdata/stats/reference.json"

// jnum is a float64 that decodes JSON null as NaN.
type jnum float64

func (f *jnum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jnum(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = jnum(v)
	return err
}

type reference struct {
	Versions map[string]string
	Probs    []float64
	Bins     int
	Datasets map[string]*refDataset
}

type refDataset struct {
	Path        string
	Numeric     []string
	Categorical []string
	Describe    map[string]struct {
		Count, Zeros                    int
		Mean, Std, Min, Max, Skew, Kurt jnum
		Quantiles                       []jnum
	}
	Histogram map[string]struct {
		Edges  []jnum
		Counts []int64
	}
	Outliers map[string]struct {
		Median, MAD, Lower, Upper jnum
		Count                     int
	}
	Pearson, Spearman [][]jnum
	PearsonExact      [][]jnum `json:"pearson_exact"`
	CramersV          []struct {
		A, B  string
		Value jnum
	} `json:"cramers_v"`
	CorrelationRatio []struct {
		Numeric, Categorical string
		Value                jnum
	} `json:"correlation_ratio"`

	num map[string][]float64
	cat map[string]stats.Categorical
}

// loadReference reads the reference values and the data sets they were
// computed from, once for all tests.
var loadReference = sync.OnceValues(func() (*reference, error) {
	b, err := os.ReadFile(refPath)
	if err != nil {
		return nil, err
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		return nil, fmt.Errorf("decode %s: %v", refPath, err)
	}
	for name, d := range ref.Datasets {
		if err := d.load(filepath.Join("../..", d.Path)); err != nil {
			return nil, fmt.Errorf("data set %s: %v", name, err)
		}
	}
	return &ref, nil
})

func testReference(t *testing.T) *reference {
	t.Helper()
	ref, err := loadReference()
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// load reads the CSV file: an empty field is a missing value; numeric
// columns are parsed as floats, categorical ones become frame categorical
// columns (codes into the sorted dictionary).
func (d *refDataset) load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	rows := recs[1:]
	d.num = map[string][]float64{}
	for _, name := range d.Numeric {
		x := make([]float64, len(rows))
		for r, rec := range rows {
			s := rec[col[name]]
			if s == "" {
				x[r] = math.NaN()
				continue
			}
			if x[r], err = strconv.ParseFloat(s, 64); err != nil {
				return fmt.Errorf("column %s row %d: %v", name, r+1, err)
			}
		}
		d.num[name] = x
	}
	d.cat = map[string]stats.Categorical{}
	for _, name := range d.Categorical {
		vals := make([]string, len(rows))
		miss := make([]bool, len(rows))
		for r, rec := range rows {
			vals[r] = rec[col[name]]
			miss[r] = vals[r] == ""
		}
		c, err := frame.NewCategoricalFromStrings(name, vals, frame.MaskOf(miss))
		if err != nil {
			return err
		}
		d.cat[name] = stats.CategoricalOf(c)
	}
	return nil
}

// close reports whether got equals want within the reference tolerance.
func close(got, want float64) bool {
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		return math.IsNaN(want) && math.IsNaN(got)
	case got == want:
		return true
	}
	d := math.Abs(got - want)
	return d <= absTol || d <= relTol*math.Abs(want)
}

func checkClose(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !close(got, want) {
		t.Errorf("%s = %.17g, want %.17g (diff %.3g)", what, got, want, got-want)
	}
}

func TestReferenceDescribe(t *testing.T) {
	t.Parallel()
	ref := testReference(t)
	for name, d := range ref.Datasets {
		for _, col := range d.Numeric {
			t.Run(name+"/"+col, func(t *testing.T) {
				t.Parallel()
				want := d.Describe[col]
				s := stats.Describe(d.num[col], ref.Probs...)
				if s.Count != want.Count {
					t.Errorf("Describe(%s).Count = %d, want %d", col, s.Count, want.Count)
				}
				if s.Zeros != want.Zeros {
					t.Errorf("Describe(%s).Zeros = %d, want %d", col, s.Zeros, want.Zeros)
				}
				checkClose(t, "Mean", s.Mean, float64(want.Mean))
				checkClose(t, "Std", s.Std, float64(want.Std))
				checkClose(t, "Min", s.Min, float64(want.Min))
				checkClose(t, "Max", s.Max, float64(want.Max))
				checkClose(t, "Skew", s.Skew, float64(want.Skew))
				checkClose(t, "Kurt", s.Kurt, float64(want.Kurt))
				for i, q := range want.Quantiles {
					checkClose(t, fmt.Sprintf("Quantile(%g)", ref.Probs[i]), s.Quantiles[i], float64(q))
				}
			})
		}
	}
}

func TestReferenceHistogram(t *testing.T) {
	t.Parallel()
	ref := testReference(t)
	for name, d := range ref.Datasets {
		for _, col := range d.Numeric {
			t.Run(name+"/"+col, func(t *testing.T) {
				t.Parallel()
				want := d.Histogram[col]
				edges, counts := stats.Histogram(d.num[col], ref.Bins)
				if len(edges) != len(want.Edges) || len(counts) != len(want.Counts) {
					t.Fatalf("Histogram(%s, %d) has %d edges and %d counts, want %d and %d", col, ref.Bins, len(edges), len(counts), len(want.Edges), len(want.Counts))
				}
				for i, e := range want.Edges {
					checkClose(t, fmt.Sprintf("edge %d", i), edges[i], float64(e))
				}
				for i, c := range want.Counts {
					if counts[i] != c {
						t.Errorf("Histogram(%s) count %d = %d, want %d", col, i, counts[i], c)
					}
				}
			})
		}
	}
}

func TestReferenceOutliers(t *testing.T) {
	t.Parallel()
	ref := testReference(t)
	for name, d := range ref.Datasets {
		for _, col := range d.Numeric {
			t.Run(name+"/"+col, func(t *testing.T) {
				t.Parallel()
				want := d.Outliers[col]
				o := stats.RobustOutliers(d.num[col])
				checkClose(t, "Median", o.Median, float64(want.Median))
				checkClose(t, "MAD", o.MAD, float64(want.MAD))
				checkClose(t, "Lower", o.Lower, float64(want.Lower))
				checkClose(t, "Upper", o.Upper, float64(want.Upper))
				if o.Count != want.Count {
					t.Errorf("RobustOutliers(%s).Count = %d, want %d", col, o.Count, want.Count)
				}
			})
		}
	}
}

func TestReferenceCorr(t *testing.T) {
	t.Parallel()
	ref := testReference(t)
	for name, d := range ref.Datasets {
		cols := make([][]float64, len(d.Numeric))
		for i, c := range d.Numeric {
			cols[i] = d.num[c]
		}
		for _, tc := range []struct {
			method string
			fn     func([][]float64) [][]float64
			want   [][]jnum
		}{
			{"pearson", stats.Pearson, d.Pearson},
			{"spearman", stats.Spearman, d.Spearman},
		} {
			t.Run(name+"/"+tc.method, func(t *testing.T) {
				t.Parallel()
				got := tc.fn(cols)
				for i, row := range tc.want {
					for j, w := range row {
						want := float64(w)
						if tc.method == "pearson" {
							// pandas' Welford updates lose about
							// log10(|mean|/std) digits: where that puts
							// pandas more than relTol/10 from the exact
							// value, compare with the exact value.
							exact := float64(d.PearsonExact[i][j])
							checkClose(t, fmt.Sprintf("corr(%s, %s) against the exact value", d.Numeric[i], d.Numeric[j]), got[i][j], exact)
							if math.Abs(want-exact) > relTol/10*math.Abs(exact) {
								t.Logf("corr(%s, %s): pandas %.17g is %.2g from the exact %.17g; Pearson = %.17g", d.Numeric[i], d.Numeric[j], want, want-exact, exact, got[i][j])
								continue
							}
						}
						checkClose(t, fmt.Sprintf("corr(%s, %s)", d.Numeric[i], d.Numeric[j]), got[i][j], want)
					}
				}
			})
		}
	}
}

func TestReferenceCramersV(t *testing.T) {
	t.Parallel()
	ref := testReference(t)
	for name, d := range ref.Datasets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, p := range d.CramersV {
				got := stats.CramersV(d.cat[p.A], d.cat[p.B])
				checkClose(t, fmt.Sprintf("CramersV(%s, %s)", p.A, p.B), got, float64(p.Value))
			}
		})
	}
}

func TestReferenceCorrelationRatio(t *testing.T) {
	t.Parallel()
	ref := testReference(t)
	for name, d := range ref.Datasets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, p := range d.CorrelationRatio {
				got := stats.CorrelationRatio(d.num[p.Numeric], d.cat[p.Categorical])
				checkClose(t, fmt.Sprintf("CorrelationRatio(%s, %s)", p.Numeric, p.Categorical), got, float64(p.Value))
			}
		})
	}
}
