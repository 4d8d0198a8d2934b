package forest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

// Data is a training set: features and labels (class indices 0..K-1 for
// classification, values for regression).
type Data struct {
	X *frame.Frame
	Y []float64
}

// Result is a fitted forest and its out-of-bag evaluation.
type Result struct {
	Model *Model
	// OOBPrediction holds, when Params.OOBScore is set, Model.Outputs
	// values per training row (class probabilities, or the regression
	// value) averaged over the trees that did not draw the row; NaN for
	// rows every tree drew.
	OOBPrediction []float64
	// OOBScore is the out-of-bag accuracy (classification) or R²
	// (regression), as scikit-learn's oob_score_, over the rows some tree
	// left out; NaN without Params.OOBScore.
	OOBScore float64
	// OOBAUC is the out-of-bag ROC-AUC for two classes; NaN otherwise.
	OOBAUC float64
}

// Fit grows a random forest on d. Trees are grown in parallel on NJobs
// workers; tree t draws its bootstrap sample and features from a stream
// seeded by Params.Seed and t, so the model does not depend on NJobs.
func Fit(ctx context.Context, d Data, p Params) (*Result, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if d.X == nil || d.X.Len() == 0 || d.X.NumColumns() == 0 {
		return nil, fmt.Errorf("forest: fit: no rows or no features: %w", ErrInvalid)
	}
	n := d.X.Len()
	if len(d.Y) != n {
		return nil, fmt.Errorf("forest: fit: %d labels for %d rows: %w", len(d.Y), n, ErrInvalid)
	}
	cols := d.X.Columns()
	vals := make([][]float64, len(cols))
	feats := make([]Feature, len(cols))
	for j, c := range cols {
		v, ft, err := featureValues(c)
		if err != nil {
			return nil, err
		}
		vals[j], feats[j] = v, ft
	}
	m := &Model{Task: p.Task, Features: feats}
	tg := &target{reg: p.Task == Regression}
	if tg.reg {
		for i, y := range d.Y {
			if math.IsNaN(y) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("forest: fit: label of row %d is %v, want a finite value: %w", i, y, ErrInvalid)
			}
		}
		tg.width, tg.y = 1, d.Y
	} else {
		k := p.NumClass
		for i, y := range d.Y {
			if y != math.Trunc(y) || y < 0 || y > 1<<20 || (p.NumClass > 0 && int(y) >= p.NumClass) {
				return nil, fmt.Errorf("forest: fit: label of row %d is %v, want a class index in [0, num_class): %w", i, y, ErrInvalid)
			}
			if p.NumClass == 0 {
				k = max(k, int(y)+1)
			}
		}
		k = max(k, 2)
		m.NumClass = k
		if k == 2 {
			tg.width, tg.y = 1, d.Y
		} else {
			tg.width = k
			tg.label = make([]int32, n)
			for i, y := range d.Y {
				tg.label[i] = int32(y)
			}
		}
	}
	mtry, err := p.features(len(cols))
	if err != nil {
		return nil, fmt.Errorf("forest: params: %w: %w", err, ErrInvalid)
	}
	pool := &workers{n: p.NJobs}
	tg.b = binFrame(vals, n, p.MaxBin, pool)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	nBoot := max(1, int(math.Round(float64(n)*p.MaxSamples)))
	m.Trees = make([]Tree, p.NEstimators)
	var inBag [][]uint64 // per tree, bit i set when row i was drawn
	if p.OOBScore {
		inBag = make([][]uint64, p.NEstimators)
	}
	builders := make([]*builder, min(p.NJobs, p.NEstimators))
	for w := range builders {
		builders[w] = newBuilder(tg, p, mtry)
	}
	pool.runW(p.NEstimators, func(w, t int) {
		if ctx.Err() != nil {
			return
		}
		bd := builders[w]
		bd.rng = rand.New(rand.NewPCG(p.Seed, uint64(t)))
		if p.NoBootstrap {
			for i := range bd.w {
				bd.w[i] = 1
			}
		} else {
			clear(bd.w)
			for range nBoot {
				bd.w[bd.rng.IntN(n)]++
			}
		}
		if inBag != nil {
			bits := make([]uint64, (n+63)/64)
			for i, c := range bd.w {
				if c > 0 {
					bits[i>>6] |= 1 << (i & 63)
				}
			}
			inBag[t] = bits
		}
		m.Trees[t] = *bd.grow()
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{Model: m, OOBScore: math.NaN(), OOBAUC: math.NaN()}
	if p.OOBScore {
		res.oob(d.Y, tg.b, inBag, pool)
	}
	return res, nil
}

// oob fills the out-of-bag predictions and scores.
func (res *Result) oob(y []float64, b *binned, inBag [][]uint64, pool *workers) {
	m := res.Model
	n, w, outs := b.n, m.Width(), m.Outputs()
	pred := make([]float64, n*outs)
	pool.run((n+1023)/1024, func(c int) {
		acc := make([]float64, w)
		for i := c * 1024; i < min(n, (c+1)*1024); i++ {
			clear(acc)
			cnt := 0
			for t := range m.Trees {
				if inBag[t][i>>6]>>(i&63)&1 != 0 {
					continue
				}
				tr := &m.Trees[t]
				leaf := tr.leafOfBinned(b, i)
				for j := range w {
					acc[j] += tr.Value[leaf*w+j]
				}
				cnt++
			}
			row := pred[i*outs : (i+1)*outs]
			if cnt == 0 {
				for j := range row {
					row[j] = math.NaN()
				}
				continue
			}
			m.expand(row, acc, cnt)
		}
	})
	res.OOBPrediction = pred
	var rows []int
	for i := range n {
		if !math.IsNaN(pred[i*outs]) {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return
	}
	if m.Task == Regression {
		var mean float64
		for _, i := range rows {
			mean += y[i]
		}
		mean /= float64(len(rows))
		var ssr, sst float64
		for _, i := range rows {
			ssr += (y[i] - pred[i]) * (y[i] - pred[i])
			sst += (y[i] - mean) * (y[i] - mean)
		}
		res.OOBScore = 1 - ssr/sst
		return
	}
	var hit int
	yt := make([]int, len(rows))
	s := make([]float64, len(rows))
	for j, i := range rows {
		if argmax(pred[i*outs:(i+1)*outs]) == int(y[i]) {
			hit++
		}
		yt[j] = int(y[i])
		s[j] = pred[i*outs+outs-1]
	}
	res.OOBScore = float64(hit) / float64(len(rows))
	if m.NumClass == 2 {
		if auc, err := metrics.ROCAUC(yt, s, nil); err == nil {
			res.OOBAUC = auc
		}
	}
}

// argmax returns the index of the first largest value.
func argmax(v []float64) int {
	k := 0
	for j, x := range v {
		if x > v[k] {
			k = j
		}
	}
	return k
}
