package gbdt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// TestPredictConcurrentFirstUse predicts from several goroutines on a model
// that has never predicted, so the lazily built prediction layout is built
// under contention (run with -race), and checks that every goroutine and the
// single-row path agree exactly.
func TestPredictConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	x, y := higgsLike(t, 2000)
	res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{Objective: BinaryLogistic, NEstimators: 30, MaxDepth: 5, LearningRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := res.Model.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := m.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	outs := make([][]float64, 4)
	var wg sync.WaitGroup
	for g := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := m.Predict(context.Background(), x, Margin)
			if err != nil {
				t.Error(err)
			}
			outs[g] = p
		}()
	}
	wg.Wait()
	for g := 1; g < len(outs); g++ {
		if !slices.Equal(outs[0], outs[g]) {
			t.Fatalf("goroutine %d predicted differently", g)
		}
	}
	want, err := res.Model.Predict(context.Background(), x, Margin)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(want, outs[0]) {
		t.Error("the loaded model predicts differently from the trained one")
	}
	rd, _ := m.newReader(x)
	row := make([]float64, x.NumColumns())
	for i := 0; i < x.Len(); i += 97 {
		rd.fill(row, i, i+1)
		if got := m.PredictRow(row, Margin, nil); got[0] != want[i] {
			t.Fatalf("PredictRow(row %d) = %v, batch %v", i, got[0], want[i])
		}
	}
}

// mixedFrame returns n rows of a table like bench/gencsv -mixed: floats
// with 5% missing (one with few distinct values), a boolean with missing
// values, categoricals of 3, 12, 60 and 300 levels (the last split on its
// codes as numbers) with 5% missing, and a binary label. The categoricals'
// dictionaries are those of prediction frames when unseen is set: some
// categories renamed so that training never saw them.
func mixedFrame(t testing.TB, n int, seed uint64, unseen bool) (*frame.Frame, []float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	var cols []frame.Column
	y := make([]float64, n)
	score := make([]float64, n)
	for j := range 6 {
		v := make([]float64, n)
		for i := range v {
			switch j % 3 {
			case 0:
				v[i] = r.NormFloat64()
			case 1:
				v[i] = float64(r.IntN(7))
			default:
				v[i] = math.Exp(r.NormFloat64())
			}
			if j < 3 {
				score[i] += v[i] / float64(j+1)
			}
			if r.Float64() < 0.05 {
				v[i] = math.NaN()
			}
		}
		c, err := frame.NewFloat(fmt.Sprintf("n%d", j), v, nil)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	bv := make([]bool, n)
	bm := make([]bool, n)
	for i := range bv {
		bv[i] = r.IntN(2) == 0
		bm[i] = r.Float64() < 0.05
		if bv[i] {
			score[i] += 0.3
		}
	}
	bc, err := frame.NewBool("b", bv, frame.MaskOf(bm))
	if err != nil {
		t.Fatal(err)
	}
	cols = append(cols, bc)
	for j, levels := range []int{3, 12, 60, 300} {
		dict := make([]string, levels)
		for c := range dict {
			dict[c] = fmt.Sprintf("L%d_%04d", j, c)
			if unseen && c%7 == 3 {
				dict[c] = fmt.Sprintf("M%d_%04d", j, c) // not in training
			}
		}
		slices.Sort(dict)
		codes := make([]uint32, n)
		miss := make([]bool, n)
		for i := range codes {
			codes[i] = uint32(r.IntN(levels))
			if codes[i]%5 == 1 {
				score[i] += 0.5
			}
			miss[i] = r.Float64() < 0.05
		}
		c, err := frame.NewCategorical(fmt.Sprintf("c%d", j), codes, dict, frame.MaskOf(miss))
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	for i := range y {
		if score[i]+r.NormFloat64() > 1 {
			y[i] = 1
		}
	}
	f, err := frame.New(cols...)
	if err != nil {
		t.Fatal(err)
	}
	return f, y
}

// TestPredictBlockLayouts checks that batch prediction through the
// quantised layout (categorical splits, missing values, unseen
// categories, booleans, multiclass, lossguide trees of uneven depth) equals
// the float walk of the same rows and PredictRow, bit for bit.
func TestPredictBlockLayouts(t *testing.T) {
	t.Parallel()
	x, y := mixedFrame(t, 4000, 1, false)
	xp, _ := mixedFrame(t, 1500, 2, true)
	yk := make([]float64, len(y))
	for i := range y {
		yk[i] = y[i] + float64(i%2)
	}
	higgs, hy := higgsLike(t, 3000)
	tests := []struct {
		name string
		x, p *frame.Frame
		y    []float64
		par  Params
		cat  bool // the model has categorical splits
	}{
		{"mixed depthwise", x, xp, y, Params{Objective: BinaryLogistic, NEstimators: 40, MaxDepth: 6}, true},
		{"mixed lossguide", x, xp, y, Params{Objective: BinaryLogistic, NEstimators: 20, GrowPolicy: GrowLossguide, MaxLeaves: 20}, true},
		{"mixed multiclass", x, xp, yk, Params{Objective: MultiSoftprob, NumClass: 3, NEstimators: 10, MaxDepth: 4}, true},
		{"numeric", higgs, higgs, hy, Params{Objective: BinaryLogistic, NEstimators: 30, MaxDepth: 6}, false},
		{"stumps", higgs, higgs, hy, Params{Objective: RegSquaredError, NEstimators: 5, MaxDepth: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Fit(context.Background(), Data{X: tt.x, Y: tt.y}, nil, tt.par)
			if err != nil {
				t.Fatal(err)
			}
			m := res.Model
			q := m.quant()
			if q == nil {
				t.Fatal("model has no quantised layout")
			}
			if got := len(q.cnods) > 0; got != tt.cat {
				t.Errorf("categorical trees: %v, want %v", got, tt.cat)
			}
			got, err := m.Predict(context.Background(), tt.p, Margin)
			if err != nil {
				t.Fatal(err)
			}
			r, err := m.newReader(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			n := tt.p.Len()
			want := make([]float64, n*m.k)
			if err := m.predictFloat(context.Background(), r, n, want); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatal("quantised and float batch margins differ")
			}
			row := make([]float64, tt.p.NumColumns())
			missing := 0
			for i := range n {
				r.fill(row, i, i+1)
				for _, v := range row {
					if v != v {
						missing++
					}
				}
				one := m.PredictRow(row, Margin, nil)
				if !slices.Equal(one, got[i*m.k:(i+1)*m.k]) {
					t.Fatalf("PredictRow(row %d) = %v, batch %v", i, one, got[i*m.k:(i+1)*m.k])
				}
			}
			if tt.cat && missing == 0 {
				t.Error("no missing or unseen values were predicted")
			}
		})
	}
}

// TestQuantFallback checks the models the quantised layout refuses: a
// categorical split on a numeric feature.
func TestQuantFallback(t *testing.T) {
	t.Parallel()
	m := Model{
		params:    Params{Objective: RegSquaredError},
		features:  []Feature{{Name: "a"}},
		k:         1,
		baseScore: []float64{0},
		trees: []tree{{nodes: []node{
			{left: 1, cat: 0, feat: 0},
			{left: -1, cat: -1, value: 1},
			{left: -1, cat: -1, value: 2},
		}, gain: make([]float32, 3)}},
		cats: []uint64{1 << 2, 0, 0, 0},
	}
	if m.quant() != nil {
		t.Fatal("quant() of a categorical split on a numeric feature is not nil")
	}
	a, _ := frame.NewFloat("a", []float64{2, 3, math.NaN(), -1}, nil)
	x, _ := frame.New(a)
	got, err := m.Predict(context.Background(), x, Margin)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 2, 2}
	if !slices.Equal(got, want) {
		t.Errorf("Predict = %v, want %v", got, want)
	}
}

// TestQuantize checks the quantisation of values (the assembly kernel
// where there is one, and the Go loop) against counting thresholds one by
// one with the float comparison of the trees: thresholds hit exactly, ±0,
// ±Inf, NaN, and lengths that are not a multiple of the kernel's eight.
func TestQuantize(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for _, nthr := range []int{1, 2, 3, 7, 64, 200, 255} {
		thr := []float64{0}
		for len(thr) < nthr {
			thr = append(thr, float64(float32(r.NormFloat64()*3)))
		}
		slices.Sort(thr)
		thr = slices.Compact(thr)
		keys := new([256]uint64)
		for i, v := range thr {
			keys[i] = key(v)
		}
		vals := []float64{math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), math.NaN(), -1e300, 1e300}
		for range 300 {
			switch r.IntN(3) {
			case 0:
				vals = append(vals, thr[r.IntN(len(thr))])
			case 1:
				vals = append(vals, math.NaN())
			default:
				vals = append(vals, r.NormFloat64()*4)
			}
		}
		for _, n := range []int{len(vals), 13, 8, 5} {
			v := vals[:n]
			want := func(x float64, miss uint8) uint8 {
				if x != x {
					return miss
				}
				c := 0
				for _, t := range thr {
					if x >= t {
						c++
					}
				}
				return uint8(c)
			}
			hi, lo := make([]uint8, n), make([]uint8, n)
			quantize2(hi, lo, v, keys, len(thr))
			one := make([]uint8, n)
			quantize(one, v, keys, len(thr), 255)
			goLo := make([]uint8, n)
			quantizeGo(goLo, v, keys, len(thr), 0, 0)
			for i, x := range v {
				if hi[i] != want(x, 255) || one[i] != want(x, 255) || lo[i] != want(x, 0) || goLo[i] != want(x, 0) {
					t.Fatalf("%d thresholds: quantise(%v) = hi %d (%d), lo %d (Go %d), want %d, %d", len(thr), x, hi[i], one[i], lo[i], goLo[i], want(x, 255), want(x, 0))
				}
			}
		}
	}
}

// TestWalkNum checks the walk of a block (the assembly kernel where there
// is one) against the Go loop on random trees and blocks, for every depth
// and a row count that leaves a tail.
func TestWalkNum(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	const width = 5
	qb := make([]uint8, quantBlock*width)
	for i := range qb[:quantBlock*(width-1)] {
		qb[i] = uint8(r.IntN(256))
	}
	for d := 1; d <= 8; d++ {
		nodes := make([]qnode, 1<<d-1)
		for j := range nodes {
			nodes[j] = qnode{off: uint16(r.IntN(width) * quantBlock), lo: uint8(1 + r.IntN(255))}
		}
		ls := make([]float32, 1<<d)
		for j := range ls {
			ls[j] = float32(r.NormFloat64())
		}
		for _, tc := range []struct{ rows, k int }{{quantBlock, 1}, {203, 1}, {77, 3}} {
			got := make([]float64, tc.rows*tc.k+1)
			want := make([]float64, tc.rows*tc.k+1)
			for i := range got {
				got[i] = float64(i)
				want[i] = float64(i)
			}
			walkNum(nodes, ls, qb, tc.rows, d, got[1:], tc.k)
			walkNumGo(nodes, ls, qb, 0, tc.rows, d, want[1:], tc.k)
			if !slices.Equal(got, want) {
				t.Fatalf("depth %d, %d rows, k %d: walkNum and walkNumGo differ", d, tc.rows, tc.k)
			}
		}
	}
}

// TestPredictSmallBatches predicts batches of 1 to 9 rows — the rows that
// do not fill a group of four take the one-row walk — and checks that
// every row equals the whole-frame prediction, with and without missing
// values.
func TestPredictSmallBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hx, y := higgsLike(t, 3000)
	r := rand.New(rand.NewPCG(7, 8))
	var cols []frame.Column
	for _, c := range hx.Columns() {
		v := slices.Clone(c.(*frame.FloatColumn).Values())
		for i := range v {
			if r.Float64() < 0.03 {
				v[i] = math.NaN()
			}
		}
		fc, err := frame.NewFloat(c.Name(), v, nil)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, fc)
	}
	x, err := frame.New(cols...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Fit(ctx, Data{X: x, Y: y}, nil, Params{Objective: BinaryLogistic, NEstimators: 40, MaxDepth: 6, LearningRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Model.predictor() == nil {
		t.Fatal("the model has no float-walk layout: the test would not reach walkBlock")
	}
	want, err := res.Model.Predict(ctx, x, Margin)
	if err != nil {
		t.Fatal(err)
	}
	nan := 0
	for lo, n := 0, 1; lo+n <= x.Len() && lo < 400; lo, n = lo+n, n%9+1 {
		rows := make([]int, n)
		for i := range rows {
			rows[i] = lo + i
		}
		sub, err := x.Take(rows)
		if err != nil {
			t.Fatal(err)
		}
		rd, _ := res.Model.newReader(sub)
		buf := make([]float64, n*sub.NumColumns())
		rd.fill(buf, 0, n)
		for _, v := range buf {
			if v != v {
				nan++
			}
		}
		got, err := res.Model.Predict(ctx, sub, Margin)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want[lo:lo+n]) {
			t.Fatalf("rows %d..%d predicted alone: %v, in the whole frame: %v", lo, lo+n-1, got, want[lo:lo+n])
		}
	}
	if nan == 0 {
		t.Fatal("the test rows hold no missing value: the NaN walks went untested")
	}
}
