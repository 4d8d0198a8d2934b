package gbdt

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// loadCSV reads a fixture written by testdata/gbdt/make_reference.py: float
// feature columns (empty = missing) and a last column "y".
func loadCSV(t testing.TB, name string, rows []int) (*frame.Frame, []float64) {
	t.Helper()
	fh, err := os.Open(filepath.Join("..", "..", "testdata", "gbdt", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, recs := recs[0], recs[1:]
	if rows != nil {
		recs = recs[rows[0]:rows[1]]
	}
	nf := len(head) - 1
	cols := make([][]float64, nf)
	y := make([]float64, len(recs))
	for j := range cols {
		cols[j] = make([]float64, len(recs))
	}
	for i, r := range recs {
		for j := range nf {
			v := math.NaN()
			if r[j] != "" {
				if v, err = strconv.ParseFloat(r[j], 64); err != nil {
					t.Fatal(err)
				}
			}
			cols[j][i] = v
		}
		if y[i], err = strconv.ParseFloat(r[nf], 64); err != nil {
			t.Fatal(err)
		}
	}
	fc := make([]frame.Column, nf)
	for j := range cols {
		if fc[j], err = frame.NewFloat(head[j], cols[j], nil); err != nil {
			t.Fatal(err)
		}
	}
	f, err := frame.New(fc...)
	if err != nil {
		t.Fatal(err)
	}
	return f, y
}

type reference struct {
	TrainRows int `json:"train_rows"`
	Rows      int `json:"rows"`
	Clf       struct {
		TestAUC float64 `json:"test_auc"`
	} `json:"clf"`
	Reg struct {
		TestRMSE float64 `json:"test_rmse"`
	} `json:"reg"`
	Versions map[string]string `json:"versions"`
}

// TestParityXGBoost compares test ROC-AUC and RMSE with XGBoost 1.7.4
// tree_method="hist" on the same data and parameters; see
// testdata/gbdt/make_reference.py. Tolerances: AUC within 0.003, RMSE
// within 1%.
func TestParityXGBoost(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gbdt", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	p := Params{NEstimators: 100, MaxDepth: 6, LearningRate: 0.1, MaxBin: 256, NJobs: 2}
	tests := []struct {
		name, file, obj string
	}{{"clf", "clf.csv", BinaryLogistic}, {"reg", "reg.csv", RegSquaredError}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			xtr, ytr := loadCSV(t, tt.file, []int{0, ref.TrainRows})
			xte, yte := loadCSV(t, tt.file, []int{ref.TrainRows, ref.Rows})
			q := p
			q.Objective = tt.obj
			res, err := Fit(context.Background(), Data{X: xtr, Y: ytr}, nil, q)
			if err != nil {
				t.Fatal(err)
			}
			pred, err := res.Model.Predict(context.Background(), xte, Value)
			if err != nil {
				t.Fatal(err)
			}
			if tt.obj == BinaryLogistic {
				got := auc(pred, yte, nil, nil)
				t.Logf("test AUC = %.5f, XGBoost %s %.5f", got, ref.Versions["xgboost"], ref.Clf.TestAUC)
				if math.Abs(got-ref.Clf.TestAUC) > 0.003 {
					t.Errorf("test AUC = %.5f, want %.5f ± 0.003", got, ref.Clf.TestAUC)
				}
				return
			}
			var s float64
			for i := range pred {
				d := pred[i] - yte[i]
				s += d * d
			}
			got := math.Sqrt(s / float64(len(pred)))
			t.Logf("test RMSE = %.5f, XGBoost %s %.5f", got, ref.Versions["xgboost"], ref.Reg.TestRMSE)
			if math.Abs(got-ref.Reg.TestRMSE) > 0.01*ref.Reg.TestRMSE {
				t.Errorf("test RMSE = %.5f, want %.5f ± 1%%", got, ref.Reg.TestRMSE)
			}
		})
	}
}
