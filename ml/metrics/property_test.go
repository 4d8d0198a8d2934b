package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomBinary returns n labels and tied scores from a seeded source.
func randomBinary(seed uint64, n int) ([]int, []float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	y := make([]int, n)
	s := make([]float64, n)
	w := make([]float64, n)
	for i := range y {
		if rng.Float64() < 0.3 {
			y[i] = 1
		}
		s[i] = math.Round((0.3*float64(y[i])+0.7*rng.Float64())*20) / 20
		w[i] = 0.5 + rng.Float64()
	}
	y[0], y[1] = 0, 1
	return y, s, w
}

func TestROCAUCProperties(t *testing.T) {
	t.Parallel()
	if close(1, ptr(1.001)) {
		t.Fatal("close(1, 1.001) = true, want false")
	}
	t.Run("perfect ranking", func(t *testing.T) {
		t.Parallel()
		y := []int{0, 0, 1, 0, 1, 1}
		s := []float64{0.1, 0.2, 0.7, 0.3, 0.8, 0.75}
		for _, w := range [][]float64{nil, {1, 2, 3, 4, 5, 6}} {
			if got, err := ROCAUC(y, s, w); err != nil || got != 1 {
				t.Errorf("ROCAUC(perfect, %v) = %v, %v, want 1", w, got, err)
			}
			if got, err := AveragePrecision(y, s, w); err != nil || got != 1 {
				t.Errorf("AveragePrecision(perfect, %v) = %v, %v, want 1", w, got, err)
			}
		}
	})
	for seed := range uint64(5) {
		y, s, w := randomBinary(seed, 500)
		for _, weights := range [][]float64{nil, w} {
			auc, err := ROCAUC(y, s, weights)
			if err != nil {
				t.Fatal(err)
			}
			neg := make([]float64, len(s))
			for i, v := range s {
				neg[i] = -v
			}
			rev, err := ROCAUC(y, neg, weights)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(rev-(1-auc)) > 1e-12 {
				t.Errorf("seed %d: ROCAUC(-scores) = %v, want 1 - %v = %v", seed, rev, auc, 1-auc)
			}
			if want := mannWhitney(y, s, weights); math.Abs(auc-want) > 1e-12 {
				t.Errorf("seed %d: ROCAUC = %v, want Mann-Whitney %v", seed, auc, want)
			}
		}
	}
}

// mannWhitney is the O(n²) definition of the AUC: the weighted probability
// that a positive outscores a negative, ties counting one half.
func mannWhitney(y []int, s, w []float64) float64 {
	weight := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	var num, den float64
	for i := range y {
		for j := range y {
			if y[i] != 1 || y[j] != 0 {
				continue
			}
			ww := weight(i) * weight(j)
			den += ww
			switch {
			case s[i] > s[j]:
				num += ww
			case s[i] == s[j]:
				num += ww / 2
			}
		}
	}
	return num / den
}

func ptr(v float64) *float64 { return &v }

// nanEqual compares reports whose undefined metrics are NaN, to 1e-12.
var nanEqual = cmpopts.EquateApprox(0, 1e-12)

func TestRowOrderDoesNotMatter(t *testing.T) {
	t.Parallel()
	doc := loadReference(t)
	rng := rand.New(rand.NewPCG(42, 42))
	for _, c := range doc.Binary {
		perm := rng.Perm(len(c.YTrue))
		y, s := permuteInts(c.YTrue, perm), permute(c.Scores, perm)
		var w []float64
		if c.Weights != nil {
			w = permute(c.Weights, perm)
		}
		want, err1 := BinaryWeighted(c.YTrue, c.Scores, c.Threshold, c.Weights)
		got, err2 := BinaryWeighted(y, s, c.Threshold, w)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(want, got, nanEqual, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("binary %s: shuffled rows change the report (-want +got):\n%s", c.Name, diff)
		}
	}
	for _, c := range doc.Multiclass {
		perm := rng.Perm(len(c.YTrue))
		probs := make([][]float64, len(perm))
		for i, j := range perm {
			probs[i] = c.Probs[j]
		}
		var w []float64
		if c.Weights != nil {
			w = permute(c.Weights, perm)
		}
		want, err1 := MulticlassWeighted(c.YTrue, c.Probs, c.Weights)
		got, err2 := MulticlassWeighted(permuteInts(c.YTrue, perm), probs, w)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(want, got, nanEqual, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("multiclass %s: shuffled rows change the report (-want +got):\n%s", c.Name, diff)
		}
	}
	for _, c := range doc.Regression {
		perm := rng.Perm(len(c.YTrue))
		var w []float64
		if c.Weights != nil {
			w = permute(c.Weights, perm)
		}
		want, err1 := RegressionWeighted(c.YTrue, c.YPred, c.Weights)
		got, err2 := RegressionWeighted(permute(c.YTrue, perm), permute(c.YPred, perm), w)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 1e-12), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("regression %s: shuffled rows change the report (-want +got):\n%s", c.Name, diff)
		}
	}
}

func permute(x []float64, perm []int) []float64 {
	out := make([]float64, len(perm))
	for i, j := range perm {
		out[i] = x[j]
	}
	return out
}

func permuteInts(x []int, perm []int) []int {
	out := make([]int, len(perm))
	for i, j := range perm {
		out[i] = x[j]
	}
	return out
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func TestUnitWeightsEqualNoWeights(t *testing.T) {
	t.Parallel()
	doc := loadReference(t)
	approx := cmpopts.EquateApprox(1e-12, 1e-12)
	for _, c := range doc.Binary {
		want, err1 := Binary(c.YTrue, c.Scores, c.Threshold)
		got, err2 := BinaryWeighted(c.YTrue, c.Scores, c.Threshold, ones(len(c.YTrue)))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(want, got, approx, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("binary %s: unit weights change the report (-want +got):\n%s", c.Name, diff)
		}
		fpr1, tpr1, thr1, err1 := ROCCurve(c.YTrue, c.Scores, nil)
		fpr2, tpr2, thr2, err2 := ROCCurve(c.YTrue, c.Scores, ones(len(c.YTrue)))
		if (err1 == nil) != (err2 == nil) {
			t.Errorf("binary %s: ROCCurve errors %v, %v", c.Name, err1, err2)
		}
		if diff := cmp.Diff([][]float64{fpr1, tpr1, thr1}, [][]float64{fpr2, tpr2, thr2}, approx); diff != "" {
			t.Errorf("binary %s: unit weights change the ROC curve (-want +got):\n%s", c.Name, diff)
		}
	}
	for _, c := range doc.Multiclass {
		want, err1 := Multiclass(c.YTrue, c.Probs)
		got, err2 := MulticlassWeighted(c.YTrue, c.Probs, ones(len(c.YTrue)))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(want, got, approx, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("multiclass %s: unit weights change the report (-want +got):\n%s", c.Name, diff)
		}
	}
	for _, c := range doc.Regression {
		want, err1 := Regression(c.YTrue, c.YPred)
		got, err2 := RegressionWeighted(c.YTrue, c.YPred, ones(len(c.YTrue)))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		// scikit-learn's weighted median is the lower middle value for an
		// even count, where the unweighted median averages the two.
		want.MedianAbsoluteError, got.MedianAbsoluteError = 0, 0
		if diff := cmp.Diff(want, got, approx, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("regression %s: unit weights change the report (-want +got):\n%s", c.Name, diff)
		}
	}
}

func TestSumMatchesNumPy(t *testing.T) {
	t.Parallel()
	// 0.1 ten times: sequential addition gives 0.9999999999999999, NumPy's
	// pairwise order 1.
	x := make([]float64, 10)
	for i := range x {
		x[i] = 0.1
	}
	if got := sum(x); got != 1 {
		t.Errorf("sum(0.1 × 10) = %v, want 1 (numpy.sum)", got)
	}
}
