package gbdt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// synth returns n rows of nf float features (1% missing) and a binary
// label from a noisy linear-plus-interaction rule.
func synth(t testing.TB, n, nf int, seed uint64) (*frame.Frame, []float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	cols := make([][]float64, nf)
	for j := range cols {
		cols[j] = make([]float64, n)
	}
	y := make([]float64, n)
	for i := range n {
		var s float64
		for j := range nf {
			v := r.NormFloat64()
			cols[j][i] = v
			if j < 6 {
				s += v * float64(j%3+1) / 3
			}
		}
		s += cols[0][i] * cols[1][i]
		if s+r.NormFloat64() > 0 {
			y[i] = 1
		}
		for j := range nf {
			if r.Float64() < 0.01 {
				cols[j][i] = math.NaN()
			}
		}
	}
	fc := make([]frame.Column, nf)
	for j := range cols {
		c, err := frame.NewFloat("f"+string(rune('a'+j%26))+string(rune('a'+j/26)), cols[j], nil)
		if err != nil {
			t.Fatal(err)
		}
		fc[j] = c
	}
	f, err := frame.New(fc...)
	if err != nil {
		t.Fatal(err)
	}
	return f, y
}

func TestCuts(t *testing.T) {
	t.Parallel()
	inf := float32(math.Inf(1))
	tests := []struct {
		name     string
		in       []float64
		max      int
		want     []float32 // thresholds
		wantMinv float32
	}{
		// XGBoost 1.7 hist: the distinct values from the second on, then
		// max + |max| + 1e-5; min_vals = min - |min| - 1e-5.
		{"distinct values are the cuts", []float64{3, 1, 2, 4, 2, math.NaN()}, 255, []float32{2, 3, 4, 8.00001}, -1e-5},
		{"one value", []float64{7, 7}, 255, []float32{14.00001}, -1e-5},
		{"all missing", []float64{math.NaN()}, 255, []float32{3e-5}, 1e-5},
		// 0.1 rounds up to float32(0.1): the cut is lowered one float32
		// step so that 0.1 (float64) is not below it, as float32(0.1) is
		// not below float32(0.1) in XGBoost.
		{"float32 rounding", []float64{0.05, 0.1, 0.5}, 255, []float32{math.Nextafter32(0.1, -inf), 0.5, 1.00001}, -1e-5},
		// WQSummary::SetPrune to max+1 = 5 entries keeps 0, 2, 4, 5 and 7
		// (worked by hand from quantile.h); the cuts are entries 1..3 and
		// the bound above the maximum.
		{"quantiles", []float64{0, 1, 2, 3, 4, 5, 6, 7}, 4, []float32{2, 4, 5, 14.00001}, -1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := computeCuts(tt.in, tt.max)
			if !slices.Equal(cs.thr, tt.want) || cs.minv != tt.wantMinv {
				t.Errorf("computeCuts(%v, %d) = %v, %v, want %v, %v", tt.in, tt.max, cs.thr, cs.minv, tt.want, tt.wantMinv)
			}
			for i, c := range cs.cuts {
				if c != cs.thr[i] && math.Nextafter32(c, -inf) != cs.thr[i] {
					t.Errorf("cut %d: %v for threshold %v, want the same or the next float32", i, c, cs.thr[i])
				}
			}
		})
	}
	cuts := []float32{1.5, 2.5, inf}
	for _, c := range []struct {
		v    float64
		want uint8
	}{{1, 0}, {1.5, 1}, {2.4, 1}, {2.5, 2}, {1e300, 2}, {math.Inf(1), 2}, {math.Inf(-1), 0}, {math.NaN(), missingBin}} {
		if got := binOf(cuts, c.v); got != c.want {
			t.Errorf("binOf(%v, %v) = %d, want %d", cuts, c.v, got, c.want)
		}
	}
}

func TestHistSubtraction(t *testing.T) {
	t.Parallel()
	const n, nf = 5000, 7
	r := rand.New(rand.NewPCG(3, 4))
	bins := make([]uint8, n*nf)
	for i := range bins {
		bins[i] = uint8(r.IntN(256))
	}
	gh := make([]gradPair, n)
	for i := range gh {
		gh[i] = gradPair{float32(r.NormFloat64()), float32(r.Float64())}
	}
	var all, left, right []uint32
	for i := range n {
		all = append(all, uint32(i))
		if r.IntN(3) == 0 {
			left = append(left, uint32(i))
		} else {
			right = append(right, uint32(i))
		}
	}
	parent, l, rDirect, rSub := make([]featHist, nf), make([]featHist, nf), make([]featHist, nf), make([]featHist, nf)
	buildHist(parent, all, gh, bins, nf)
	buildHist(l, left, gh, bins, nf)
	buildHist(rDirect, right, gh, bins, nf)
	subtractHist(rSub, parent, l)
	for f := range nf {
		for b := range 256 {
			d, s := rDirect[f][b], rSub[f][b]
			if math.Abs(d.g-s.g) > 1e-9 || math.Abs(d.h-s.h) > 1e-9 {
				t.Fatalf("feature %d bin %d: parent-left = %v, direct = %v", f, b, s, d)
			}
		}
	}
}

func TestGain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules splitRules
		g, h  float64
		gain  float64
		w     float64
	}{
		{"lambda 1", splitRules{lambda: 1, minChildWeight: 1}, -4, 3, 4, 1},
		{"alpha 1", splitRules{lambda: 1, alpha: 1, minChildWeight: 1}, -4, 3, 9.0 / 4, 0.75},
		// XGBoost's CalcGain has no min_child_weight test, CalcWeight has.
		{"below min_child_weight", splitRules{lambda: 1, minChildWeight: 5}, -4, 3, 4, 0},
		{"max_delta_step", splitRules{lambda: 1, minChildWeight: 1, maxDeltaStep: 0.5}, -4, 3, -(2*-4*0.5 + 4*0.25), 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.rules.childGain(tt.g, tt.h); math.Abs(got-tt.gain) > 1e-12 {
				t.Errorf("childGain(%v, %v) = %v, want %v", tt.g, tt.h, got, tt.gain)
			}
			if got := tt.rules.weight(tt.g, tt.h); math.Abs(got-tt.w) > 1e-12 {
				t.Errorf("weight(%v, %v) = %v, want %v", tt.g, tt.h, got, tt.w)
			}
		})
	}
}

// TestNumSplit checks the split found on hand-made histograms of two value
// bins and the missing bin, each h=2 (none in the missing bin where its g
// is 0 too), against XGBoost 1.7's rules: forward scan with missing values
// right first, backward with them left only when there are some, the split
// of present values against missing ones included, strict improvement.
func TestNumSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		g0, g1, gm float64 // gradient sums of bins 0, 1 and missing
		noMissing  bool
		wantBin    int
		defLeft    bool
		wantGain   float64 // the children's terms; the node's G²/(H+1) is subtracted below
	}{
		// Missing like bin 1: right. Left (-2, 2), right (4, 4): 4/3 + 16/5.
		{"missing goes right", -2, 2, 2, false, 0, false, 4.0/3 + 16.0/5},
		// Missing like bin 0: left (-4, 4), right (2, 2): 16/5 + 4/3.
		{"missing goes left", -2, 2, -2, false, 0, true, 16.0/5 + 4.0/3},
		// No missing values: the forward scan's split, missing values right.
		{"no missing values go right", -2, 2, 0, true, 0, false, 4.0/3 + 4.0/3},
		// Present (-4, 4) against missing (4, 2): 16/5 + 16/3, bin 1 (all
		// values) left; the backward scan's equal gain does not replace it.
		{"present against missing", -2, -2, 4, false, 1, false, 16.0/5 + 16.0/3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := make([]featHist, 1)
			h[0][0] = histBin{tt.g0, 2}
			h[0][1] = histBin{tt.g1, 2}
			g, hs := tt.g0+tt.g1, 4.0
			if !tt.noMissing {
				h[0][missingBin] = histBin{tt.gm, 2}
				g, hs = g+tt.gm, 6
			}
			gr := &grower{rules: splitRules{lambda: 1, minChildWeight: 1}, b: &binned{nf: 1, nbins: []int{2}}, feats: []Feature{{Name: "x"}}, colMask: []bool{true}, pool: &workers{n: 1}}
			gr.nodes = []tnode{{g: g, h: hs, hist: h}}
			gr.findSplits([]int{0})
			s := gr.nodes[0].best
			want := float64(float32(tt.wantGain - float64(float32(g*g/(hs+1)))))
			if !gr.nodes[0].valid || s.bin != tt.wantBin || s.defLeft != tt.defLeft || s.gain != want {
				t.Errorf("split = %+v, want bin %d, defLeft %v, gain %v", s, tt.wantBin, tt.defLeft, want)
			}
		})
	}
}

func TestCategoricalSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dict []string
		left []string // categories with target 10
	}{
		{"one-vs-rest", []string{"a", "b", "c"}, []string{"b"}},
		{"partition", []string{"a", "b", "c", "d", "e", "f", "g"}, []string{"a", "c", "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := 700
			codes, y := make([]uint32, n), make([]float64, n)
			for i := range n {
				codes[i] = uint32(i % len(tt.dict))
				if slices.Contains(tt.left, tt.dict[codes[i]]) {
					y[i] = 10
				}
			}
			c, err := frame.NewCategorical("c", codes, tt.dict, nil)
			if err != nil {
				t.Fatal(err)
			}
			x, _ := frame.New(c)
			res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{NEstimators: 1, MaxDepth: 1, LearningRate: 1, RegLambda: -1, MinChildWeight: -1})
			if err != nil {
				t.Fatal(err)
			}
			got, err := res.Model.Predict(context.Background(), x, Value)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if math.Abs(got[i]-y[i]) > 1e-4 {
					t.Fatalf("row %d (%s): prediction %v, want %v", i, tt.dict[codes[i]], got[i], y[i])
				}
			}
		})
	}
}

func fitBytes(t *testing.T, x *frame.Frame, y []float64, p Params) []byte {
	t.Helper()
	res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Model)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 80000, 8, 1)
	p := Params{Objective: BinaryLogistic, NEstimators: 8, Subsample: 0.8, ColsampleByTree: 0.7, Seed: 5, NJobs: 2}
	a, b := fitBytes(t, x, y, p), fitBytes(t, x, y, p)
	if !bytes.Equal(a, b) {
		t.Error("two fits with equal data and params differ")
	}
	p.NJobs = 3
	c := fitBytes(t, x, y, p)
	c = bytes.Replace(c, []byte(`"n_jobs":3`), []byte(`"n_jobs":2`), 1)
	if !bytes.Equal(a, c) {
		t.Error("fits with n_jobs 2 and 3 differ")
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 3000, 5, 2)
	codes := make([]uint32, 3000)
	for i := range codes {
		codes[i] = uint32(i * 7 % 9)
		if codes[i] < 3 {
			y[i] = 1 - y[i]
		}
	}
	c, _ := frame.NewCategorical("cat", codes, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, nil)
	bl := make([]bool, 3000)
	for i := range bl {
		bl[i] = i%3 == 0
	}
	bc, _ := frame.NewBool("flag", bl, nil)
	x, err := frame.New(append(x.Columns(), c, bc)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{BinaryLogistic, MultiSoftprob, MultiSoftmax, RegSquaredError} {
		t.Run(obj, func(t *testing.T) {
			t.Parallel()
			yy := y
			if obj == MultiSoftprob || obj == MultiSoftmax {
				yy = make([]float64, len(y))
				for i := range y {
					yy[i] = y[i] + float64(codes[i]%2)
				}
			}
			res, err := Fit(context.Background(), Data{X: x, Y: yy}, nil, Params{Objective: obj, NEstimators: 5, GrowPolicy: GrowLossguide, MaxLeaves: 12})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(res.Model)
			if err != nil {
				t.Fatal(err)
			}
			var back Model
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			for _, out := range []Output{Value, Margin} {
				want, _ := res.Model.Predict(context.Background(), x, out)
				got, err := back.Predict(context.Background(), x, out)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("output %d: loaded model predicts differently", out)
				}
				r, err := back.newReader(x)
				if err != nil {
					t.Fatal(err)
				}
				row := make([]float64, x.NumColumns())
				r.fill(row, 17, 18)
				one := back.PredictRow(row, out, nil)
				w := back.Width(out)
				if !slices.Equal(one, want[17*w:18*w]) {
					t.Errorf("PredictRow(row 17) = %v, want %v", one, want[17*w:18*w])
				}
			}
			raw2, _ := json.Marshal(&back)
			if !bytes.Equal(raw, raw2) {
				t.Error("save(load(save(m))) != save(m)")
			}
		})
	}
}

func TestUnmarshalVersion(t *testing.T) {
	t.Parallel()
	var m Model
	err := json.Unmarshal([]byte(`{"format":"mlcycle.gbdt","version":"2.0"}`), &m)
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), `"2.0"`) {
		t.Errorf("Unmarshal(version 2.0) = %v, want ErrVersion naming the version", err)
	}
}

func TestValidateReportsAll(t *testing.T) {
	t.Parallel()
	p := Params{NEstimators: -1, Subsample: 2, Objective: "nope", MaxBin: 999}.WithDefaults()
	err := p.Validate()
	for _, field := range []string{"n_estimators", "subsample", "objective", "max_bin"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate() = %v, want a problem with %s", err, field)
		}
	}
	if err := (Params{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults: Validate() = %v, want nil", err)
	}
}

func TestObjectivesLearn(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 4000, 6, 9)
	xv, yv := synth(t, 2000, 6, 10)
	reg := func(y []float64, f func(float64, int) float64) []float64 {
		out := make([]float64, len(y))
		for i, v := range y {
			out[i] = f(v, i)
		}
		return out
	}
	counts := func(v float64, i int) float64 { return v*3 + float64(i%2) }
	tests := []struct {
		obj, metric string
		lab         func(float64, int) float64
	}{
		{BinaryLogistic, "auc", nil},
		{BinaryLogistic, "error", nil},
		{RegSquaredError, "rmse", counts},
		{RegAbsoluteError, "mae", counts},
		{RegPseudoHuber, "mphe", counts},
		{RegQuantileError, "quantile", counts},
		{CountPoisson, "poisson-nloglik", counts},
		{MultiSoftprob, "mlogloss", func(v float64, i int) float64 { return v + float64(i%2) }},
		{MultiSoftmax, "merror", func(v float64, i int) float64 { return v + float64(i%2) }},
	}
	for _, tt := range tests {
		t.Run(tt.obj+"/"+tt.metric, func(t *testing.T) {
			t.Parallel()
			ytr, yva := y, yv
			if tt.lab != nil {
				ytr, yva = reg(y, tt.lab), reg(yv, tt.lab)
			}
			res, err := Fit(context.Background(), Data{X: x, Y: ytr}, &Data{X: xv, Y: yva}, Params{Objective: tt.obj, EvalMetric: tt.metric, NEstimators: 30, LearningRate: 0.2, EarlyStoppingRounds: 5})
			if err != nil {
				t.Fatal(err)
			}
			first, best := res.Curve[0].Valid, res.BestScore
			better := best < first
			if metricHigherBetter[tt.metric] {
				better = best > first
			}
			if !better {
				t.Errorf("valid %s: first round %v, best %v: did not improve", tt.metric, first, best)
			}
			if got := res.Model.NumTrees(); got != (res.BestIteration+1)*res.Model.NumClass() {
				t.Errorf("NumTrees() = %d, want %d", got, (res.BestIteration+1)*res.Model.NumClass())
			}
		})
	}
}

func TestImportance(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 3000, 8, 4)
	res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{Objective: BinaryLogistic, NEstimators: 20})
	if err != nil {
		t.Fatal(err)
	}
	gain, err := res.Model.Importance(ImportanceTotalGain)
	if err != nil {
		t.Fatal(err)
	}
	// Features 0 and 1 carry the interaction and the strongest terms;
	// features 6 and 7 are noise.
	if gain[0] <= gain[7] || gain[1] <= gain[6] {
		t.Errorf("total gain = %v, want features 0 and 1 above 6 and 7", gain)
	}
	if _, err := res.Model.Importance("cover"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Importance(cover) error = %v, want ErrInvalid", err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 1000, 3, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fit(ctx, Data{X: x, Y: y}, nil, Params{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit(canceled) error = %v, want context.Canceled", err)
	}
}

func TestBadData(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 100, 3, 4)
	_, err := Fit(context.Background(), Data{X: x, Y: y[:50], Weights: make([]float64, 10)}, nil, Params{})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "labels") || !strings.Contains(err.Error(), "weights") {
		t.Errorf("Fit(bad lengths) = %v, want both problems", err)
	}
	y2 := slices.Clone(y)
	y2[3] = 2
	if _, err := Fit(context.Background(), Data{X: x, Y: y2}, nil, Params{Objective: BinaryLogistic}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Fit(label 2, logistic) = %v, want ErrInvalid", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	x, y := synth(f, 200, 3, 4)
	res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{NEstimators: 2, MaxDepth: 2})
	if err != nil {
		f.Fatal(err)
	}
	seed, _ := json.Marshal(res.Model)
	f.Add(seed)
	f.Add([]byte(`{"format":"mlcycle.gbdt","version":"1.0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Model
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		row := make([]float64, len(m.features))
		for j := range row {
			row[j] = []float64{0.5, math.NaN(), 3}[j%3]
		}
		m.PredictRow(row, Value, nil)
		again, err := json.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		var m2 Model
		if err := json.Unmarshal(again, &m2); err != nil {
			t.Fatalf("re-reading a written model: %v", err)
		}
	})
}

// TestWeights checks a property of the weighted loss: doubling every weight
// along with reg_lambda and min_child_weight doubles every gradient sum, gain
// and denominator, so the model predicts exactly the same.
func TestWeights(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 3000, 5, 6)
	w := make([]float64, len(y))
	for i := range w {
		w[i] = 2
	}
	for _, obj := range []string{BinaryLogistic, RegSquaredError} {
		t.Run(obj, func(t *testing.T) {
			t.Parallel()
			p := Params{Objective: obj, NEstimators: 10}
			a, err := Fit(context.Background(), Data{X: x, Y: y}, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			p.RegLambda, p.MinChildWeight = 2, 2
			b, err := Fit(context.Background(), Data{X: x, Y: y, Weights: w}, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			pa, _ := a.Model.Predict(context.Background(), x, Margin)
			pb, _ := b.Model.Predict(context.Background(), x, Margin)
			if !slices.Equal(pa, pb) {
				t.Error("weights 2 with lambda and min_child_weight 2 predict differently from weights 1")
			}
		})
	}
}

func TestGrowthLimits(t *testing.T) {
	t.Parallel()
	x, y := synth(t, 5000, 6, 8)
	tests := []struct {
		name  string
		p     Params
		check func(tr *tree) string
	}{
		{"lossguide max_leaves 5", Params{GrowPolicy: GrowLossguide, MaxLeaves: 5}, func(tr *tree) string {
			leaves := 0
			for _, nd := range tr.nodes {
				if nd.left < 0 {
					leaves++
				}
			}
			if leaves > 5 {
				return "more than 5 leaves"
			}
			return ""
		}},
		{"max_depth 2", Params{MaxDepth: 2}, func(tr *tree) string {
			if len(tr.nodes) > 7 {
				return "more than 7 nodes"
			}
			return ""
		}},
		{"colsample_bytree one feature", Params{ColsampleByTree: 0.01, Subsample: 0.5}, func(tr *tree) string {
			feat := -1
			for _, nd := range tr.nodes {
				if nd.left >= 0 {
					if feat >= 0 && int(nd.feat) != feat {
						return "splits on two features"
					}
					feat = int(nd.feat)
				}
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.p.Objective, tt.p.NEstimators = BinaryLogistic, 10
			res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			for i := range res.Model.trees {
				if msg := tt.check(&res.Model.trees[i]); msg != "" {
					t.Errorf("tree %d: %s", i, msg)
				}
			}
		})
	}
}
