package linear_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/linear"
)

// Reference fits come from testdata/linear/make_reference.py (scikit-learn
// 1.2.1, see testdata/linear/README.md). Coefficients must agree within
// refTol, absolute or relative to the larger magnitude.
const refTol = 1e-4

type refFit struct {
	Data        string      `json:"data"`
	Kind        string      `json:"kind"`
	Penalty     string      `json:"penalty"`
	C           float64     `json:"C"`
	Alpha       float64     `json:"alpha"`
	L1Ratio     *float64    `json:"l1_ratio"`
	Standardize bool        `json:"standardize"`
	Coef        [][]float64 `json:"coef"`
	Intercept   []float64   `json:"intercept"`
}

func readCSV(t testing.TB, name string) (*frame.Frame, []float64) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "linear", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := recs[0], recs[1:]
	vals := make([][]float64, len(head))
	for _, r := range rows {
		for j, s := range r {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			vals[j] = append(vals[j], v)
		}
	}
	var cols []frame.Column
	for j := 0; j < len(head)-1; j++ {
		c, err := frame.NewFloat(head[j], vals[j], nil)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	x, err := frame.New(cols...)
	if err != nil {
		t.Fatal(err)
	}
	return x, vals[len(head)-1]
}

func ints(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

func fit(t testing.TB, kind string, x *frame.Frame, y, w []float64, p linear.Params) *linear.Model {
	t.Helper()
	var m *linear.Model
	var err error
	ctx := context.Background()
	switch kind {
	case "logistic":
		m, err = linear.FitLogistic(ctx, x, ints(y), w, p)
	case "softmax":
		m, err = linear.FitSoftmax(ctx, x, ints(y), w, p)
	default:
		m, err = linear.FitRegression(ctx, x, y, w, p)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func close(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestReference(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "linear", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Fits map[string]refFit `json:"fits"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for name, r := range ref.Fits {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			x, y := readCSV(t, r.Data)
			p := linear.Params{Penalty: linear.Penalty(r.Penalty), C: r.C, Alpha: r.Alpha, L1Ratio: r.L1Ratio,
				Standardize: new(r.Standardize), Tol: 1e-6, MaxIter: 100000}
			if r.Kind != "regression" && r.Penalty == "l1" {
				p.Tol = 1e-6 // proximal gradient: subgradient norm (coefficients still agree to 1e-4)
			}
			m := fit(t, r.Kind, x, y, nil, p)
			if !m.Report.Converged {
				t.Errorf("not converged: %+v", m.Report)
			}
			for k := range r.Coef {
				for j := range r.Coef[k] {
					if got, want := m.Coef[k][j], r.Coef[k][j]; !close(got, want, refTol) {
						t.Errorf("coef[%d][%d] = %v, want %v", k, j, got, want)
					}
				}
				if got, want := m.Intercept[k], r.Intercept[k]; !close(got, want, refTol) {
					t.Errorf("intercept[%d] = %v, want %v", k, got, want)
				}
			}
			t.Logf("%s: %+v", name, m.Report)
		})
	}
}

// TestProperties checks row-order invariance, that zero weights drop rows
// and that weight 2 equals a duplicated row, for every model kind.
func TestProperties(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, data, kind string
		p                linear.Params
	}{
		{"logistic_l2", "binary.csv", "logistic", linear.Params{C: 0.3}},
		{"logistic_en", "binary.csv", "logistic", linear.Params{C: 0.1, Penalty: linear.ElasticNet}},
		{"softmax_l2", "multiclass.csv", "softmax", linear.Params{}},
		{"ridge", "regression.csv", "regression", linear.Params{Alpha: 3}},
		{"lasso", "regression.csv", "regression", linear.Params{Alpha: 0.5, Penalty: linear.L1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.p.Tol, c.p.MaxIter = 1e-9, 100000
			if c.p.Penalty == linear.ElasticNet {
				c.p.Tol = 1e-8
			}
			x, y := readCSV(t, c.data)
			n := 300
			head := make([]int, n)
			for i := range head {
				head[i] = i
			}
			x, _ = x.Take(head)
			y = y[:n]
			base := fit(t, c.kind, x, y, nil, c.p)

			// Row order.
			perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
			xp, _ := x.Take(perm)
			yp := make([]float64, n)
			for i, r := range perm {
				yp[i] = y[r]
			}
			compare(t, "permuted", fit(t, c.kind, xp, yp, nil, c.p), base)

			// Zero weights drop rows: append 50 junk rows of weight 0.
			idx := append(append([]int(nil), head...), head[:50]...)
			xz, _ := x.Take(idx)
			yz := append(append([]float64(nil), y...), make([]float64, 50)...)
			if c.kind == "regression" {
				for i := n; i < n+50; i++ {
					yz[i] = 1e4
				}
			} else {
				for i := n; i < n+50; i++ {
					yz[i] = float64(1 - int(y[i-n])%2)
				}
			}
			wz := make([]float64, n+50)
			for i := 0; i < n; i++ {
				wz[i] = 1
			}
			compare(t, "zero weights", fit(t, c.kind, xz, yz, wz, c.p), base)

			// Weight 2 equals duplicating the row (rows 0..9 doubled).
			xd, _ := x.Take(append(append([]int(nil), head...), head[:10]...))
			yd := append(append([]float64(nil), y...), y[:10]...)
			w2 := make([]float64, n)
			for i := range w2 {
				w2[i] = 1
				if i < 10 {
					w2[i] = 2
				}
			}
			compare(t, "weight 2 vs duplicate", fit(t, c.kind, x, y, w2, c.p), fit(t, c.kind, xd, yd, nil, c.p))

			// Predictions: batch equals single row.
			s, err := base.Scores(x)
			if err != nil {
				t.Fatal(err)
			}
			row := make([]float64, len(base.Features))
			cols := x.Columns()
			for _, i := range []int{0, 17, n - 1} {
				for j, col := range cols {
					row[j] = col.(*frame.FloatColumn).Values()[i]
				}
				got, err := base.ScoreRow(row, nil)
				if err != nil {
					t.Fatal(err)
				}
				k := len(got)
				for kk := range got {
					if !close(got[kk], s[i*k+kk], 1e-12) {
						t.Errorf("ScoreRow(%d)[%d] = %v, want %v", i, kk, got[kk], s[i*k+kk])
					}
				}
			}
		})
	}
}

func compare(t *testing.T, what string, got, want *linear.Model) {
	t.Helper()
	for k := range want.Coef {
		for j := range want.Coef[k] {
			if !close(got.Coef[k][j], want.Coef[k][j], 1e-6) {
				t.Errorf("%s: coef[%d][%d] = %v, want %v", what, k, j, got.Coef[k][j], want.Coef[k][j])
			}
		}
		if !close(got.Intercept[k], want.Intercept[k], 1e-6) {
			t.Errorf("%s: intercept[%d] = %v, want %v", what, k, got.Intercept[k], want.Intercept[k])
		}
	}
}

func TestProbabilities(t *testing.T) {
	t.Parallel()
	x, y := readCSV(t, "multiclass.csv")
	m := fit(t, "softmax", x, y, nil, linear.Params{})
	pr, err := m.Probabilities(x)
	if err != nil {
		t.Fatal(err)
	}
	lab, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := 0; i < x.Len(); i++ {
		var s float64
		best := 0
		for k := 0; k < 3; k++ {
			s += pr[i*3+k]
			if pr[i*3+k] > pr[i*3+best] {
				best = k
			}
		}
		if !close(s, 1, 1e-12) {
			t.Fatalf("row %d: probabilities sum to %v, want 1", i, s)
		}
		if float64(best) != lab[i] {
			t.Fatalf("row %d: Predict = %v, want argmax %d", i, lab[i], best)
		}
		if lab[i] == y[i] {
			correct++
		}
	}
	if acc := float64(correct) / float64(x.Len()); acc < 0.6 {
		t.Errorf("training accuracy = %v, want >= 0.6", acc)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	nan, _ := frame.NewFloat("a", []float64{1, math.NaN(), 3}, nil)
	inf, _ := frame.NewFloat("b", []float64{1, math.Inf(1), 3}, nil)
	cat, _ := frame.NewCategoricalFromStrings("c", []string{"x", "y", "x"}, nil)
	ok, _ := frame.NewFloat("d", []float64{1, 2, 3}, nil)
	mk := func(c frame.Column) *frame.Frame { f, _ := frame.New(c); return f }
	y := []int{0, 1, 0}
	cases := []struct {
		name string
		x    *frame.Frame
		y    []int
		w    []float64
		p    linear.Params
		want error
	}{
		{"nan", mk(nan), y, nil, linear.Params{}, linear.ErrData},
		{"inf", mk(inf), y, nil, linear.Params{}, linear.ErrData},
		{"categorical", mk(cat), y, nil, linear.Params{}, linear.ErrData},
		{"label", mk(ok), []int{0, 2, 1}, nil, linear.Params{}, linear.ErrLabel},
		{"weight", mk(ok), y, []float64{1, -1, 1}, linear.Params{}, linear.ErrWeight},
		{"penalty", mk(ok), y, nil, linear.Params{Penalty: "l3"}, linear.ErrParams},
		{"c", mk(ok), y, nil, linear.Params{C: -1}, linear.ErrParams},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := linear.FitLogistic(context.Background(), c.x, c.y, c.w, c.p)
			if !errors.Is(err, c.want) {
				t.Errorf("FitLogistic error = %v, want %v", err, c.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := linear.FitLogistic(ctx, mk(ok), y, nil, linear.Params{}); !errors.Is(err, context.Canceled) {
		t.Errorf("FitLogistic(cancelled) error = %v, want context.Canceled", err)
	}
}
