package gbdt

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
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// TestParitySharedDatasets trains on every dataset of ../shared/datasets
// and compares the test ROC-AUC (within 0.003) or RMSE (within 1 %) with
// XGBoost 1.7 hist on the same split, encoding and parameters
// (testdata/gbdt/make_shared_reference.py, shared_reference.json).
//
// The reference is XGBoost's nominal run, or failing that one of its runs
// with base_score moved by at most 3 float32 steps (the fixture's "band"):
// on mlc_churn.csv such a step changes XGBoost's own test AUC by 0.0036, more
// than the tolerance, because a near-tie between two splits is decided by
// float32 rounding. The test logs which reference it met.
func TestParitySharedDatasets(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "datasets")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared datasets not found at %s: clone with ../shared beside the repository to run this test", dir)
	}
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gbdt", "shared_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Datasets map[string]struct {
			Target   string   `json:"target"`
			Positive *string  `json:"positive"`
			AUC      *float64 `json:"test_auc"`
			RMSE     *float64 `json:"test_rmse"`
			Band     struct {
				Steps []int     `json:"base_score_float32_steps"`
				AUC   []float64 `json:"test_auc"`
				RMSE  []float64 `json:"test_rmse"`
			} `json:"band"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(ref.Datasets))
	for n := range ref.Datasets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := ref.Datasets[name]
		t.Run(name, func(t *testing.T) {
			x, y := readShared(t, filepath.Join(dir, name), r.Target, r.Positive)
			var train, test []int
			for i := range y {
				if i%5 == 4 {
					test = append(test, i)
				} else {
					train = append(train, i)
				}
			}
			xtr, _ := x.Take(train)
			xte, _ := x.Take(test)
			ytr := make([]float64, len(train))
			for j, i := range train {
				ytr[j] = y[i]
			}
			p := Params{NEstimators: 100, MaxDepth: 6, LearningRate: 0.1, MaxBin: 256, Objective: RegSquaredError}
			if r.Positive != nil {
				p.Objective = BinaryLogistic
			}
			res, err := Fit(context.Background(), Data{X: xtr, Y: ytr}, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			pred, err := res.Model.Predict(context.Background(), xte, Value)
			if err != nil {
				t.Fatal(err)
			}
			name, got, want, band := "RMSE", 0.0, 0.0, r.Band.RMSE
			within := func(ref float64) bool { return math.Abs(got-ref) <= 0.01*ref }
			if r.AUC != nil {
				yt := make([]int, len(test))
				for j, i := range test {
					yt[j] = int(y[i])
				}
				if got, err = metrics.ROCAUC(yt, pred, nil); err != nil {
					t.Fatal(err)
				}
				name, want, band = "AUC", *r.AUC, r.Band.AUC
				within = func(ref float64) bool { return math.Abs(got-ref) <= 0.003 }
			} else {
				se := 0.0
				for j, i := range test {
					se += (pred[j] - y[i]) * (pred[j] - y[i])
				}
				got, want = math.Sqrt(se/float64(len(test))), *r.RMSE
			}
			if len(band) != len(r.Band.Steps) || len(band) == 0 {
				t.Fatalf("fixture: band of %d values for %d steps", len(band), len(r.Band.Steps))
			}
			if within(want) {
				t.Logf("test %s %.5f (XGBoost %.5f)", name, got, want)
				return
			}
			for k, ref := range band {
				if within(ref) {
					t.Logf("test %s %.5f: outside the tolerance of XGBoost's nominal %.5f, within it of XGBoost with base_score %+d float32 steps away (%.5f)",
						name, got, want, r.Band.Steps[k], ref)
					return
				}
			}
			t.Errorf("test %s = %.5f, XGBoost %.5f (with base_score up to 3 float32 steps away %.5f to %.5f): outside the tolerance (AUC 0.003, RMSE 1 %%)",
				name, got, want, slices.Min(band), slices.Max(band))
		})
	}
}

// readShared reads a shared dataset the way make_shared_reference.py
// encodes it: text columns become sorted category indices as numbers.
func readShared(t *testing.T, path, target string, positive *string) (*frame.Frame, []float64) {
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
	var cols []frame.Column
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
		if text {
			var cats []string
			seen := map[string]bool{}
			for _, r := range rows {
				if r[j] != "" && !seen[r[j]] {
					seen[r[j]] = true
					cats = append(cats, r[j])
				}
			}
			sort.Strings(cats)
			for i, r := range rows {
				vals[i] = math.NaN()
				if k := sort.SearchStrings(cats, r[j]); r[j] != "" {
					vals[i] = float64(k)
				}
			}
		} else {
			for i, r := range rows {
				vals[i] = math.NaN()
				if r[j] != "" {
					vals[i], _ = strconv.ParseFloat(r[j], 64)
				}
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
		c, err := frame.NewFloat(name, vals, nil)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	x, err := frame.New(cols...)
	if err != nil {
		t.Fatal(err)
	}
	return x, y
}
