package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestBadInput(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"empty", second(ROCAUC(nil, nil, nil)), ErrEmpty},
		{"length", second(ROCAUC([]int{0, 1}, []float64{0.5}, nil)), ErrLength},
		{"weights length", second(Accuracy([]int{0, 1}, []int{0, 1}, []float64{1})), ErrLength},
		{"label", second(LogLoss([]int{0, 2}, []float64{0.1, 0.2}, nil)), ErrLabel},
		{"negative label", second(Precision([]int{0, 1}, []int{-1, 1}, nil)), ErrLabel},
		{"nan score", second(ROCAUC([]int{0, 1}, []float64{nan, 0.2}, nil)), ErrValue},
		{"inf score", second(AveragePrecision([]int{0, 1}, []float64{math.Inf(1), 0.2}, nil)), ErrValue},
		{"probability above 1", second(Brier([]int{0, 1}, []float64{0.5, 1.5}, nil)), ErrValue},
		{"nan probability", second(Binary([]int{0, 1}, []float64{0.5, nan}, 0.5)), ErrValue},
		{"nan threshold", second(Binary([]int{0, 1}, []float64{0.5, 0.5}, nan)), ErrValue},
		{"negative weight", second(MAE([]float64{1, 2}, []float64{1, 2}, []float64{1, -1})), ErrWeight},
		{"nan weight", second(MSE([]float64{1, 2}, []float64{1, 2}, []float64{1, nan})), ErrWeight},
		{"zero weights", second(R2([]float64{1, 2}, []float64{1, 2}, []float64{0, 0})), ErrWeight},
		{"nan target", second(Regression([]float64{1, nan}, []float64{1, 2})), ErrValue},
		{"one class", second(ROCAUC([]int{1, 1}, []float64{0.1, 0.2}, nil)), ErrUndefined},
		{"one class weighs nothing", second(ROCAUC([]int{0, 1}, []float64{0.1, 0.2}, []float64{0, 1})), ErrUndefined},
		{"ragged probs", second(Multiclass([]int{0, 1}, [][]float64{{0.5, 0.5}, {1}})), ErrLength},
		{"one column", second(Multiclass([]int{0, 0}, [][]float64{{1}, {1}})), ErrValue},
		{"rows not summing to 1", second(Multiclass([]int{0, 1}, [][]float64{{0.5, 0.4}, {0.5, 0.5}})), ErrValue},
		{"multiclass label", second(MulticlassLogLoss([]int{0, 3}, [][]float64{{0.5, 0.5}, {0.5, 0.5}}, nil)), ErrLabel},
		{"class missing from y_true", second(MulticlassROCAUC([]int{0, 0}, [][]float64{{0.5, 0.5}, {0.4, 0.6}}, nil)), ErrUndefined},
		{"confusion k", second(NewConfusion([]int{0}, []int{0}, 1, nil)), ErrLabel},
		{"calibration bins", third(CalibrationCurve([]int{0, 1}, []float64{0.1, 0.9}, -1)), ErrValue},
		{"no counts", second(ExpectedValue(Counts{}, Values{})), ErrEmpty},
		{"negative count", second(ROI(Counts{TP: -1, TN: 2}, Values{})), ErrValue},
		{"nan value", second(Business(Counts{TP: 1}, Values{FP: nan})), ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !errors.Is(tt.err, tt.want) {
				t.Fatalf("error = %v, want one wrapping %v", tt.err, tt.want)
			}
			if !strings.HasPrefix(tt.err.Error(), "metrics: ") {
				t.Errorf("error %q does not start with %q", tt.err, "metrics: ")
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }

func TestBusiness(t *testing.T) {
	t.Parallel()
	// The worked example of ROI's doc comment: a churn campaign.
	c := Counts{TP: 30, FP: 70, FN: 20, TN: 880}
	v := Values{TP: 90, FP: -10, FN: 0, TN: 0}
	got, err := Business(c, v)
	if err != nil {
		t.Fatal(err)
	}
	want := BusinessReport{ExpectedValue: 2, ROI: 2, ValuePer1000: 2000}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Business(%+v, %+v) mismatch (-want +got):\n%s", c, v, diff)
	}
	if roi, _ := ROI(Counts{FN: 5, TN: 5}, v); !math.IsNaN(roi) {
		t.Errorf("ROI(no positive predictions) = %v, want NaN", roi)
	}
	if roi, _ := ROI(c, Values{TP: 1}); !math.IsNaN(roi) {
		t.Errorf("ROI(free actions) = %v, want NaN", roi)
	}
	if v, err := ValuePer1000(c, v); err != nil || v != 2000 {
		t.Errorf("ValuePer1000 = %v, %v, want 2000", v, err)
	}
	counts, err := NewCounts([]int{1, 1, 0, 0, 1}, []int{1, 0, 1, 0, 1}, nil)
	if err != nil || counts != (Counts{TP: 2, FP: 1, FN: 1, TN: 1}) {
		t.Errorf("NewCounts = %+v, %v, want {TP:2 FP:1 FN:1 TN:1}", counts, err)
	}
}

func TestBestThreshold(t *testing.T) {
	t.Parallel()
	v := Values{TP: 90, FP: -10}
	tests := []struct {
		name          string
		y             []int
		s, w          []float64
		v             Values
		wantT, wantEV float64
	}{
		// Thresholds 0.9: 90/4; 0.7: 80/4; 0.4: 170/4; 0.1: 160/4.
		{"best in the middle", []int{1, 0, 1, 0}, []float64{0.9, 0.7, 0.4, 0.1}, nil, v, 0.4, 170.0 / 4},
		// Acting costs nothing: every threshold from 0.4 down is as good.
		{"ties take the lowest", []int{1, 0, 1, 0}, []float64{0.9, 0.7, 0.4, 0.1}, nil, Values{TP: 1}, 0.1, 0.5},
		// The second negative weighs 10: acting on it is worse than not.
		{"weights", []int{1, 0, 1, 0}, []float64{0.9, 0.7, 0.4, 0.1}, []float64{1, 1, 1, 10}, v, 0.4, 170.0 / 13},
		{"tied scores", []int{1, 0, 1}, []float64{0.5, 0.5, 0.5}, nil, v, 0.5, 170.0 / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th, ev, err := BestThreshold(tt.y, tt.s, tt.w, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if th != tt.wantT || math.Abs(ev-tt.wantEV) > 1e-12 {
				t.Errorf("BestThreshold = %v, %v, want %v, %v", th, ev, tt.wantT, tt.wantEV)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	r, err := Binary([]int{0, 0, 0}, []float64{0.2, 0.7, 0.1}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"roc_auc":null`) {
		t.Errorf("json.Marshal(report) = %s, want roc_auc null", data)
	}
	var back BinaryReport
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
	m, err := Multiclass([]int{0, 1, 2}, [][]float64{{0.8, 0.1, 0.1}, {0.2, 0.5, 0.3}, {0.1, 0.1, 0.8}})
	if err != nil {
		t.Fatal(err)
	}
	data, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var mback MulticlassReport
	if err := json.Unmarshal(data, &mback); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, mback, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
}

// TestTagsMatchNames checks that every float64 field of a report is
// reachable by Get under its JSON name.
func TestTagsMatchNames(t *testing.T) {
	t.Parallel()
	for _, r := range []interface {
		Get(string) (float64, bool)
	}{BinaryReport{}, MulticlassReport{}, RegressionReport{}, BusinessReport{}} {
		typ := reflect.TypeOf(r)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type.Kind() != reflect.Float64 {
				continue
			}
			name := f.Tag.Get("json")
			if _, ok := r.Get(name); !ok {
				t.Errorf("%s.Get(%q) not found", typ.Name(), name)
			}
			if _, ok := HigherIsBetter(name); !ok && name != "threshold" {
				t.Errorf("HigherIsBetter(%q) unknown", name)
			}
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	// The platform's goal metrics (internal/config/goal.go).
	platform := []string{"accuracy", "balanced_accuracy", "precision", "recall", "f1",
		"roc_auc", "average_precision", "log_loss", "brier", "mcc", "cohen_kappa",
		"mae", "mse", "rmse", "r2", "mape", "median_absolute_error", "explained_variance",
		"expected_value", "roi", "value_per_1000"}
	names := Names()
	for _, n := range platform {
		if !slices.Contains(names, n) {
			t.Errorf("Names() lacks %q", n)
		}
	}
	lower := []string{"log_loss", "brier", "mae", "mse", "rmse", "mape", "median_absolute_error"}
	for _, n := range names {
		higher, ok := HigherIsBetter(n)
		if want := !slices.Contains(lower, n); !ok || higher != want {
			t.Errorf("HigherIsBetter(%q) = %v, %v, want %v, true", n, higher, ok, want)
		}
	}
	if _, ok := HigherIsBetter("nope"); ok {
		t.Error(`HigherIsBetter("nope") known, want unknown`)
	}
}

func BenchmarkROCAUC(b *testing.B) {
	const n = 1_000_000
	y, s, _ := randomBinary(1, n)
	for i := range s {
		s[i] += float64(i%1000) * 1e-6 // many distinct scores
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := ROCAUC(y, s, nil); err != nil {
			b.Fatal(err)
		}
	}
}
