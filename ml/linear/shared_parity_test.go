package linear_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/linear"
)

// sharedDir holds the shared datasets (see ../shared/datasets/README.md).
var sharedDir = filepath.Join("..", "..", "..", "shared", "datasets")

// sharedRef is one dataset of testdata/linear/shared_reference.json.
type sharedRef struct {
	Target    string    `json:"target"`
	Positive  *string   `json:"positive"`
	Kind      string    `json:"kind"`
	Features  []string  `json:"features"`
	Median    []float64 `json:"median"`
	Mean      []float64 `json:"mean"`
	SD        []float64 `json:"sd"`
	Coef      []float64 `json:"coef"`
	Intercept float64   `json:"intercept"`
}

// TestSharedParity fits the models of testdata/linear/make_shared_reference.py
// (scikit-learn 1.2.1) on every shared dataset: LogisticRegression(C=1, lbfgs)
// on the binary ones, Ridge(alpha=1) on log(sale_price) for ames, both on
// training rows (i%5 != 4) with text columns as sorted category codes,
// missing values replaced by the training median and columns standardised
// with the training mean and population sd. The coefficients (on the
// standardised columns, so scale-free) and intercept must agree within 1e-4.
func TestSharedParity(t *testing.T) {
	if _, err := os.Stat(sharedDir); err != nil {
		t.Skipf("shared datasets not found at %s: check out ../shared beside the repository to run this test", sharedDir)
	}
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "linear", "shared_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Datasets map[string]sharedRef `json:"datasets"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(ref.Datasets))
	for n := range ref.Datasets {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) != 5 {
		t.Fatalf("reference has %d datasets, want 5", len(names))
	}
	for _, name := range names {
		r := ref.Datasets[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			feats, cols, y := readShared(t, filepath.Join(sharedDir, name), r.Target, r.Positive)
			if !slices.Equal(feats, r.Features) {
				t.Fatalf("features = %v, want %v", feats, r.Features)
			}
			var train []int
			for i := range y {
				if i%5 != 4 {
					train = append(train, i)
				}
			}
			z := make([]frame.Column, len(cols))   // standardised
			raw := make([]frame.Column, len(cols)) // imputed only
			means, sds := make([]float64, len(cols)), make([]float64, len(cols))
			for j, col := range cols {
				tr := make([]float64, 0, len(train))
				for _, i := range train {
					tr = append(tr, col[i])
				}
				med, mean, sd := trainStats(tr)
				for what, got := range map[string][2]float64{"median": {med, r.Median[j]}, "mean": {mean, r.Mean[j]}, "sd": {sd, r.SD[j]}} {
					if math.Abs(got[0]-got[1]) > 1e-9*math.Max(1, math.Abs(got[1])) {
						t.Fatalf("%s of %s = %v, want %v", what, feats[j], got[0], got[1])
					}
				}
				means[j], sds[j] = mean, sd
				v := make([]float64, len(train))
				rv := make([]float64, len(train))
				for k, x := range tr {
					if x != x {
						x = med
					}
					v[k] = (x - mean) / sd
					rv[k] = x
				}
				c, err := frame.NewFloat(feats[j], v, nil)
				if err != nil {
					t.Fatal(err)
				}
				z[j] = c
				if raw[j], err = frame.NewFloat(feats[j], rv, nil); err != nil {
					t.Fatal(err)
				}
			}
			fitOn := func(cols []frame.Column, std bool) *linear.Model {
				t.Helper()
				x, err := frame.New(cols...)
				if err != nil {
					t.Fatal(err)
				}
				p := linear.Params{Standardize: &std, Tol: 1e-10, MaxIter: 100000}
				var m *linear.Model
				switch r.Kind {
				case "logistic":
					p.C = 1
					yi := make([]int, len(train))
					for k, i := range train {
						yi[k] = int(y[i])
					}
					m, err = linear.FitLogistic(context.Background(), x, yi, nil, p)
				case "ridge_log_target":
					p.Penalty, p.Alpha = linear.L2, 1
					ly := make([]float64, len(train))
					for k, i := range train {
						ly[k] = math.Log(y[i])
					}
					m, err = linear.FitRegression(context.Background(), x, ly, nil, p)
				default:
					t.Fatalf("kind %q", r.Kind)
				}
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			// Fitted on the standardised columns, and on the imputed raw
			// columns with Params.Standardize, whose raw coefficients
			// convert back: b_z = b·sd, b0_z = b0 + Σ b·mean.
			m := fitOn(z, false)
			ms := fitOn(raw, true)
			for j := range ms.Coef[0] {
				ms.Intercept[0] += ms.Coef[0][j] * means[j]
				ms.Coef[0][j] *= sds[j]
			}
			for k, what := range []string{"standardised", "Params.Standardize"} {
				if k == 1 {
					m = ms
				}
				worst := math.Abs(m.Intercept[0] - r.Intercept)
				if worst > 1e-4 {
					t.Errorf("%s: intercept = %.8f, scikit-learn %.8f", what, m.Intercept[0], r.Intercept)
				}
				for j, c := range m.Coef[0] {
					d := math.Abs(c - r.Coef[j])
					worst = math.Max(worst, d)
					if d > 1e-4 {
						t.Errorf("%s: coefficient of %s = %.8f, scikit-learn %.8f", what, feats[j], c, r.Coef[j])
					}
				}
				t.Logf("%s: largest difference from scikit-learn %.2g (%s, %d iterations, gradient %.2g)", what, worst, m.Report.Solver, m.Report.Iterations, m.Report.GradNorm)
			}
		})
	}
}

// trainStats returns the median of the present values of v (the mean of the
// two middle ones for an even count, as numpy.nanmedian), and the mean and
// population sd of v with missing values replaced by that median (sd 1 for
// a constant column, as StandardScaler).
func trainStats(v []float64) (med, mean, sd float64) {
	var present []float64
	for _, x := range v {
		if x == x {
			present = append(present, x)
		}
	}
	slices.Sort(present)
	n := len(present)
	if n > 0 {
		med = present[n/2]
		if n%2 == 0 {
			med = (present[n/2-1] + present[n/2]) / 2
		}
	}
	for _, x := range v {
		if x != x {
			x = med
		}
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		if x != x {
			x = med
		}
		sd += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(sd / float64(len(v)))
	if sd == 0 {
		sd = 1
	}
	return med, mean, sd
}

// readShared reads a shared dataset as make_shared_reference.py encodes
// it: the target apart (1 for the positive class when positive is set),
// every text column as its values' indexes among its sorted distinct
// values, NaN for missing. It returns the feature names and columns.
func readShared(t *testing.T, path, target string, positive *string) ([]string, [][]float64, []float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := recs[0], recs[1:]
	var names []string
	var cols [][]float64
	var y []float64
	for j, name := range header {
		vals := make([]float64, len(rows))
		text := false
		for _, r := range rows {
			if _, err := strconv.ParseFloat(r[j], 64); r[j] != "" && err != nil {
				text = true
				break
			}
		}
		var cats []string
		if text {
			seen := map[string]bool{}
			for _, r := range rows {
				if r[j] != "" && !seen[r[j]] {
					seen[r[j]] = true
					cats = append(cats, r[j])
				}
			}
			sort.Strings(cats)
		}
		for i, r := range rows {
			vals[i] = math.NaN()
			switch {
			case r[j] == "":
			case text:
				vals[i] = float64(sort.SearchStrings(cats, r[j]))
			default:
				vals[i], _ = strconv.ParseFloat(r[j], 64)
			}
		}
		if name == target {
			y = vals
			if positive != nil {
				for i, r := range rows {
					y[i] = 0
					if r[j] == *positive {
						y[i] = 1
					}
				}
			}
			continue
		}
		names = append(names, name)
		cols = append(cols, vals)
	}
	return names, cols, y
}
