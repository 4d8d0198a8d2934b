package forest

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// loadCSV reads a fixture written by testdata/forest/make_reference.py:
// float feature columns and a last column "y"; lo:hi selects rows.
func loadCSV(t testing.TB, name string, lo, hi int) (*frame.Frame, []float64) {
	t.Helper()
	fh, err := os.Open(filepath.Join("..", "..", "testdata", "forest", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, recs := recs[0], recs[1:]
	recs = recs[lo:min(hi, len(recs))]
	nf := len(head) - 1
	cols := make([][]float64, nf)
	for j := range cols {
		cols[j] = make([]float64, len(recs))
	}
	y := make([]float64, len(recs))
	for i, r := range recs {
		for j := range nf {
			if cols[j][i], err = strconv.ParseFloat(r[j], 64); err != nil {
				t.Fatal(err)
			}
		}
		if y[i], err = strconv.ParseFloat(r[nf], 64); err != nil {
			t.Fatal(err)
		}
	}
	return floatFrame(t, cols, head[:nf]), y
}

func floatFrame(t testing.TB, cols [][]float64, names []string) *frame.Frame {
	t.Helper()
	fc := make([]frame.Column, len(cols))
	for j, c := range cols {
		var err error
		if fc[j], err = frame.NewFloat(names[j], c, nil); err != nil {
			t.Fatal(err)
		}
	}
	f, err := frame.New(fc...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

type reference struct {
	TrainRows int `json:"train_rows"`
	Clf       struct {
		TestAUC      float64 `json:"test_auc"`
		TestAccuracy float64 `json:"test_accuracy"`
		OOBScore     float64 `json:"oob_score"`
	} `json:"clf"`
	Multi struct {
		TestAccuracy float64 `json:"test_accuracy"`
		OOBScore     float64 `json:"oob_score"`
	} `json:"multi"`
	Reg struct {
		TestRMSE float64 `json:"test_rmse"`
		OOBScore float64 `json:"oob_score"`
	} `json:"reg"`
	Bench struct {
		Seconds float64 `json:"sklearn_fit_seconds"`
		Trees   int     `json:"n_estimators"`
	} `json:"bench"`
}

func loadReference(t testing.TB) reference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "forest", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestParityBinary(t *testing.T) {
	ref := loadReference(t)
	ctx := context.Background()
	x, y := loadCSV(t, "clf.csv", 0, ref.TrainRows)
	xt, yt := loadCSV(t, "clf.csv", ref.TrainRows, math.MaxInt)
	res, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 200, OOBScore: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := res.Model.Predict(ctx, xt)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(yt))
	s := make([]float64, len(yt))
	for i := range yt {
		labels[i], s[i] = int(yt[i]), p[2*i+1]
	}
	auc, err := metrics.ROCAUC(labels, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test AUC %.4f (sklearn %.4f), OOB accuracy %.4f (sklearn %.4f), OOB AUC %.4f",
		auc, ref.Clf.TestAUC, res.OOBScore, ref.Clf.OOBScore, res.OOBAUC)
	if math.Abs(auc-ref.Clf.TestAUC) > 0.01 {
		t.Errorf("test AUC %.4f, sklearn %.4f: differ by more than 0.01", auc, ref.Clf.TestAUC)
	}
	if math.Abs(res.OOBScore-ref.Clf.OOBScore) > 0.02 {
		t.Errorf("OOB accuracy %.4f, sklearn %.4f: differ by more than 0.02", res.OOBScore, ref.Clf.OOBScore)
	}
	if !(res.OOBAUC > 0.9) {
		t.Errorf("OOB AUC %.4f, want above 0.9", res.OOBAUC)
	}
}

func TestParityMulticlass(t *testing.T) {
	ref := loadReference(t)
	ctx := context.Background()
	x, y := loadCSV(t, "multi.csv", 0, ref.TrainRows)
	xt, yt := loadCSV(t, "multi.csv", ref.TrainRows, math.MaxInt)
	res, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 200, OOBScore: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Model.NumClass != 3 {
		t.Fatalf("NumClass %d, want 3", res.Model.NumClass)
	}
	cls, err := res.Model.PredictClass(ctx, xt)
	if err != nil {
		t.Fatal(err)
	}
	var hit int
	for i, c := range cls {
		if c == int(yt[i]) {
			hit++
		}
	}
	acc := float64(hit) / float64(len(cls))
	t.Logf("test accuracy %.4f (sklearn %.4f), OOB accuracy %.4f (sklearn %.4f)", acc, ref.Multi.TestAccuracy, res.OOBScore, ref.Multi.OOBScore)
	if math.Abs(acc-ref.Multi.TestAccuracy) > 0.02 {
		t.Errorf("test accuracy %.4f, sklearn %.4f: differ by more than 0.02", acc, ref.Multi.TestAccuracy)
	}
	if math.Abs(res.OOBScore-ref.Multi.OOBScore) > 0.02 {
		t.Errorf("OOB accuracy %.4f, sklearn %.4f: differ by more than 0.02", res.OOBScore, ref.Multi.OOBScore)
	}
}

func TestParityRegression(t *testing.T) {
	ref := loadReference(t)
	ctx := context.Background()
	x, y := loadCSV(t, "reg.csv", 0, ref.TrainRows)
	xt, yt := loadCSV(t, "reg.csv", ref.TrainRows, math.MaxInt)
	res, err := Fit(ctx, Data{X: x, Y: y}, Params{Task: Regression, NEstimators: 200, OOBScore: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := res.Model.Predict(ctx, xt)
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for i := range yt {
		ss += (p[i] - yt[i]) * (p[i] - yt[i])
	}
	rmse := math.Sqrt(ss / float64(len(yt)))
	t.Logf("test RMSE %.4f (sklearn %.4f), OOB R² %.4f (sklearn %.4f)", rmse, ref.Reg.TestRMSE, res.OOBScore, ref.Reg.OOBScore)
	if math.Abs(rmse/ref.Reg.TestRMSE-1) > 0.03 {
		t.Errorf("test RMSE %.4f, sklearn %.4f: differ by more than 3%%", rmse, ref.Reg.TestRMSE)
	}
	if math.Abs(res.OOBScore-ref.Reg.OOBScore) > 0.02 {
		t.Errorf("OOB R² %.4f, sklearn %.4f: differ by more than 0.02", res.OOBScore, ref.Reg.OOBScore)
	}
}

func TestSeparable(t *testing.T) {
	ctx := context.Background()
	const n = 200
	a, b := make([]float64, n), make([]float64, n)
	y := make([]float64, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		a[i], b[i] = r.NormFloat64(), r.NormFloat64()
		if a[i]+0.1*b[i] > 0.3 {
			y[i] = 1
		}
	}
	x := floatFrame(t, [][]float64{a, b}, []string{"a", "b"})
	res, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 10, MaxFeatures: "1.0", NoBootstrap: true})
	if err != nil {
		t.Fatal(err)
	}
	cls, err := res.Model.PredictClass(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cls {
		if c != int(y[i]) {
			t.Fatalf("row %d: class %d, want %v", i, c, y[i])
		}
	}
	// A single clean threshold: every tree is a stump of pure leaves.
	x1 := floatFrame(t, [][]float64{{1, 2, 3, 4, 5, 6}}, []string{"a"})
	res, err = Fit(ctx, Data{X: x1, Y: []float64{0, 0, 0, 1, 1, 1}}, Params{NEstimators: 3, NoBootstrap: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Model.Trees {
		if len(tr.Feature) != 3 || tr.Threshold[0] != 3.5 {
			t.Fatalf("tree %+v, want one split at 3.5", tr)
		}
	}
	p, err := res.Model.Predict(ctx, x1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1}
	if !slices.Equal(p, want) {
		t.Fatalf("probabilities %v, want %v", p, want)
	}
}

func TestRegressionLeafMeans(t *testing.T) {
	ctx := context.Background()
	x := floatFrame(t, [][]float64{{1, 2, 3, 4}}, []string{"a"})
	res, err := Fit(ctx, Data{X: x, Y: []float64{1, 3, 10, 20}}, Params{Task: Regression, NEstimators: 1, NoBootstrap: true, MinSamplesLeaf: 2})
	if err != nil {
		t.Fatal(err)
	}
	p, err := res.Model.Predict(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{2, 2, 15, 15}; !slices.Equal(p, want) {
		t.Fatalf("predictions %v, want %v", p, want)
	}
}

func TestDeterminism(t *testing.T) {
	ctx := context.Background()
	x, y := loadCSV(t, "multi.csv", 0, 1500)
	var first []byte
	for _, jobs := range []int{1, 2, 3} {
		res, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 12, Seed: 5, NJobs: jobs, OOBScore: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(res.Model)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Fatalf("n_jobs %d: model differs from n_jobs 1", jobs)
		}
	}
	other, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 12, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(other.Model); string(b) == string(first) {
		t.Fatal("seeds 5 and 6 gave the same model")
	}
}

func TestOOBNoSignal(t *testing.T) {
	ctx := context.Background()
	const n = 600
	r := rand.New(rand.NewPCG(3, 4))
	a, y := make([]float64, n), make([]float64, n)
	for i := range n {
		a[i] = r.NormFloat64()
		y[i] = float64(r.IntN(2))
	}
	x := floatFrame(t, [][]float64{a}, []string{"a"})
	res, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 50, OOBScore: true})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.OOBScore-0.5) > 0.1 || math.Abs(res.OOBAUC-0.5) > 0.1 {
		t.Errorf("OOB accuracy %.3f, AUC %.3f on noise, want about 0.5", res.OOBScore, res.OOBAUC)
	}
	if len(res.OOBPrediction) != 2*n {
		t.Fatalf("%d OOB values, want %d", len(res.OOBPrediction), 2*n)
	}
}

func TestMissingAndCategorical(t *testing.T) {
	ctx := context.Background()
	const n = 400
	v := make([]float64, n)
	cats := make([]string, n)
	y := make([]float64, n)
	for i := range n {
		v[i] = float64(i % 7)
		cats[i] = []string{"a", "b", "c"}[i%3]
		if i%5 == 0 {
			v[i] = math.NaN()
			y[i] = 1
		}
		if cats[i] == "c" {
			y[i] = 1
		}
	}
	fv, err := frame.NewFloat("v", v, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := frame.NewCategoricalFromStrings("c", cats, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := frame.New(fv, fc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Fit(ctx, Data{X: x, Y: y}, Params{NEstimators: 5, MaxFeatures: "1.0", NoBootstrap: true})
	if err != nil {
		t.Fatal(err)
	}
	cls, err := res.Model.PredictClass(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cls {
		if c != int(y[i]) {
			t.Fatalf("row %d: class %d, want %v", i, c, y[i])
		}
	}
}

func TestValidate(t *testing.T) {
	err := Params{NEstimators: -1, MaxFeatures: "half", MaxSamples: 2, OOBScore: true, NoBootstrap: true, MaxBin: 300}.WithDefaults().Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v, want ErrInvalid", err)
	}
	for _, field := range []string{"n_estimators", "max_features", "max_samples", "oob_score", "max_bin"} {
		if !contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
	if err := (Params{}).WithDefaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	p := Params{Task: Regression}.WithDefaults()
	if p.MaxFeatures != "1.0" || p.NEstimators != 100 || p.MinSamplesLeaf != 1 {
		t.Fatalf("regression defaults %+v", p)
	}
	for s, want := range map[string]int{"sqrt": 5, "log2": 4, "0.5": 14, "1.0": 28, "3": 3, "40": 28} {
		if k, err := (Params{MaxFeatures: s}).features(28); err != nil || k != want {
			t.Errorf("max_features %q of 28: %d, %v, want %d", s, k, err, want)
		}
	}
	x := floatFrame(t, [][]float64{{1, 2}}, []string{"a"})
	if _, err := Fit(context.Background(), Data{X: x, Y: []float64{0, 0.5}}, Params{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("fractional label: %v, want ErrInvalid", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
