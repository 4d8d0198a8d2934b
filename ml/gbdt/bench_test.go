package gbdt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// higgsLike returns n rows of 28 float features and a binary label, a
// stand-in for GBDT-NOTES' higgs_like_1m.
func higgsLike(b testing.TB, n int) (*frame.Frame, []float64) {
	b.Helper()
	const nf = 28
	r := rand.New(rand.NewPCG(11, 12))
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
			s += v * math.Sin(float64(j))
		}
		s += cols[0][i]*cols[1][i] - cols[2][i]*cols[3][i]
		if s+r.NormFloat64() > 0 {
			y[i] = 1
		}
	}
	fc := make([]frame.Column, nf)
	for j := range cols {
		fc[j], _ = frame.NewFloat(string(rune('A'+j%26))+string(rune('a'+j/26)), cols[j], nil)
	}
	f, err := frame.New(fc...)
	if err != nil {
		b.Fatal(err)
	}
	return f, y
}

// BenchmarkFit trains 200 depth-6 trees (learning rate 0.1, 256 bins) on
// 200,000 and 800,000 rows × 28 features and reports ms per tree (fit time,
// binning included, over 200). GBDT-NOTES measures XGBoost hist at 11.0 s
// fit, 40.6 ms per boosting tree, on 800,000 × 28 with 2 threads.
func BenchmarkFit(b *testing.B) {
	for _, n := range []int{200_000, 800_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			const trees = 200
			x, y := higgsLike(b, n)
			p := Params{Objective: BinaryLogistic, NEstimators: trees, MaxDepth: 6, LearningRate: 0.1, MaxBin: 256}
			b.ResetTimer()
			for b.Loop() {
				if _, err := Fit(context.Background(), Data{X: x, Y: y}, nil, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*trees), "ms/tree")
		})
	}
}

// BenchmarkHistogram runs the kernel once over 1,000,000 rows × 28
// features on one goroutine and reports ns per update (GBDT-NOTES §3: Go
// 0.82 ns, C 0.72 ns on one thread).
func BenchmarkHistogram(b *testing.B) {
	const n, nf = 1_000_000, 28
	r := rand.New(rand.NewPCG(1, 2))
	bins := make([]uint8, n*nf)
	for i := range bins {
		bins[i] = uint8(r.IntN(256))
	}
	gh := make([]gradPair, n)
	rows := make([]uint32, n)
	for i := range gh {
		gh[i] = gradPair{float32(r.NormFloat64()), float32(r.Float64())}
		rows[i] = uint32(i)
	}
	h := make([]featHist, nf)
	b.ResetTimer()
	for b.Loop() {
		clearHist(h)
		buildHist(h, rows, gh, bins, nf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*nf), "ns/update")
}

// BenchmarkPredictRow times one row through 200 depth-6 trees.
func BenchmarkPredictRow(b *testing.B) {
	x, y := higgsLike(b, 20000)
	res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{Objective: BinaryLogistic, NEstimators: 200, MaxDepth: 6, LearningRate: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	rd, _ := res.Model.newReader(x)
	row := make([]float64, 28)
	rd.fill(row, 5, 6)
	dst := make([]float64, 0, 1)
	b.ResetTimer()
	for b.Loop() {
		dst = res.Model.PredictRow(row, Margin, dst[:0])
	}
}

// friedman returns n rows of 20 uniform features and the Friedman #1
// target, as bench/gencsv -regression.
func friedman(b testing.TB, n int) (*frame.Frame, []float64) {
	b.Helper()
	r := rand.New(rand.NewPCG(13, 14))
	cols := make([][]float64, 20)
	for j := range cols {
		cols[j] = make([]float64, n)
		for i := range n {
			cols[j][i] = r.Float64()
		}
	}
	y := make([]float64, n)
	for i := range y {
		x := func(j int) float64 { return cols[j][i] }
		y[i] = 10*math.Sin(math.Pi*x(0)*x(1)) + 20*(x(2)-0.5)*(x(2)-0.5) + 10*x(3) + 5*x(4) + r.NormFloat64()
	}
	fc := make([]frame.Column, len(cols))
	for j := range cols {
		fc[j], _ = frame.NewFloat(fmt.Sprintf("x%d", j), cols[j], nil)
	}
	f, err := frame.New(fc...)
	if err != nil {
		b.Fatal(err)
	}
	return f, y
}

// BenchmarkPredictBatch times batch prediction of 20,000 rows through 200
// depth-6 trees on the three tables of bench/train.sh (binary 28 floats,
// Friedman regression with 20 floats, mixed floats, booleans and
// categoricals with missing values); rows/s is the number to compare with
// XGBoost. The "float" variants walk float rows as before the quantised
// layout (the padded predictor, or the original trees for categorical
// splits), for a before/after in one run.
func BenchmarkPredictBatch(b *testing.B) {
	tables := []struct {
		name string
		make func(testing.TB, int) (*frame.Frame, []float64)
		obj  string
	}{
		{"binary", higgsLike, BinaryLogistic},
		{"regression", friedman, RegSquaredError},
		{"mixed", func(t testing.TB, n int) (*frame.Frame, []float64) { return mixedFrame(t, n, 1, false) }, BinaryLogistic},
	}
	for _, tb := range tables {
		x, y := tb.make(b, 20000)
		res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{Objective: tb.obj, NEstimators: 200, MaxDepth: 6, LearningRate: 0.1})
		if err != nil {
			b.Fatal(err)
		}
		m := res.Model
		b.Run(tb.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.Predict(context.Background(), x, Value); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*x.Len())/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(tb.name+"/float", func(b *testing.B) {
			r, err := m.newReader(x)
			if err != nil {
				b.Fatal(err)
			}
			mg := make([]float64, x.Len())
			for b.Loop() {
				if err := m.predictFloat(context.Background(), r, x.Len(), mg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*x.Len())/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkPredictStages times, on one goroutine, the two stages of batch
// prediction for one block of quantBlock rows through 200 depth-6 trees:
// quantising the block ("fill") and walking the trees ("walk"); ns/row.
func BenchmarkPredictStages(b *testing.B) {
	tables := []struct {
		name string
		make func(testing.TB, int) (*frame.Frame, []float64)
		obj  string
	}{
		{"binary", higgsLike, BinaryLogistic},
		{"regression", friedman, RegSquaredError},
		{"mixed", func(t testing.TB, n int) (*frame.Frame, []float64) { return mixedFrame(t, n, 1, false) }, BinaryLogistic},
	}
	for _, tb := range tables {
		x, y := tb.make(b, 20000)
		res, err := Fit(context.Background(), Data{X: x, Y: y}, nil, Params{Objective: tb.obj, NEstimators: 200, MaxDepth: 6, LearningRate: 0.1})
		if err != nil {
			b.Fatal(err)
		}
		m := res.Model
		q := m.quant()
		rd, _ := m.newReader(x)
		qb := make([]uint8, quantBlock*q.width)
		scratch := make([]float64, quantBlock)
		mg := make([]float64, quantBlock)
		b.Run(tb.name+"/fill", func(b *testing.B) {
			lo := 0
			for b.Loop() {
				q.fill(rd, qb, scratch, lo, lo+quantBlock)
				lo = (lo + quantBlock) % (x.Len() - quantBlock)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*quantBlock), "ns/row")
		})
		b.Run(tb.name+"/walk", func(b *testing.B) {
			q.fill(rd, qb, scratch, 0, quantBlock)
			for b.Loop() {
				q.walk(qb, quantBlock, 1, mg)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*quantBlock), "ns/row")
		})
	}
}
