package gbdt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Data is a training or validation set.
type Data struct {
	// X holds the features: every column is one, of kind float, boolean
	// or categorical.
	X *frame.Frame
	// Y holds the labels: 0 and 1 for binary:logistic, class indices
	// 0..NumClass-1 for multi-class objectives, else targets.
	Y []float64
	// Weights are the sample weights; nil means every row weighs 1.
	Weights []float64
}

// Round is one point of the learning curve.
type Round struct {
	// Train and Valid are the evaluation metric on the training and
	// validation sets after the round.
	Train float64 `json:"train"`
	Valid float64 `json:"valid"`
}

// Result is the outcome of Fit.
type Result struct {
	// Model is the trained model, cut to the best round when early stopping
	// is on.
	Model *Model
	// Curve has one entry per round when a validation set was given.
	Curve []Round
	// BestIteration is the 0-based round of the best validation metric
	// (the last round without a validation set), and BestScore its value.
	BestIteration int
	BestScore     float64
}

func checkData(name string, d Data) ([][]float64, []Feature, []error) {
	var errs []error
	if d.X == nil || d.X.NumColumns() == 0 || d.X.Len() == 0 {
		return nil, nil, []error{fmt.Errorf("gbdt: %s: no rows or no feature columns: %w", name, ErrInvalid)}
	}
	n := d.X.Len()
	if len(d.Y) != n {
		errs = append(errs, fmt.Errorf("gbdt: %s: %d labels for %d rows: %w", name, len(d.Y), n, ErrInvalid))
	}
	if d.Weights != nil {
		if len(d.Weights) != n {
			errs = append(errs, fmt.Errorf("gbdt: %s: %d weights for %d rows: %w", name, len(d.Weights), n, ErrInvalid))
		}
		for i, w := range d.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				errs = append(errs, fmt.Errorf("gbdt: %s: weight of row %d is %v, want finite >= 0: %w", name, i, w, ErrInvalid))
				break
			}
		}
	}
	cols := d.X.Columns()
	vals := make([][]float64, len(cols))
	feats := make([]Feature, len(cols))
	if len(cols) > math.MaxUint16 {
		errs = append(errs, fmt.Errorf("gbdt: %s: %d features, want at most %d: %w", name, len(cols), math.MaxUint16, ErrInvalid))
	}
	for j, c := range cols {
		v, ft, err := featureValues(c)
		if err != nil {
			errs = append(errs, err)
		}
		vals[j], feats[j] = v, ft
	}
	return vals, feats, errs
}

// Fit trains a model on train, evaluating on valid (which may be nil)
// after every round for the learning curve and early stopping. It checks
// ctx between rounds.
func Fit(ctx context.Context, train Data, valid *Data, p Params) (*Result, error) {
	p = p.WithDefaults()
	vals, feats, errs := checkData("train", train)
	if (p.Objective == MultiSoftmax || p.Objective == MultiSoftprob) && p.NumClass == 0 {
		for _, y := range train.Y {
			if y >= 0 && y < 1<<20 {
				p.NumClass = max(p.NumClass, int(y)+1)
			}
		}
		p.NumClass = max(p.NumClass, 2)
	}
	if err := p.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	obj := newObjective(p)
	if err := obj.checkLabels(train.Y); err != nil {
		return nil, err
	}
	n, nf, k := train.X.Len(), len(vals), obj.k
	pool := &workers{n: p.NJobs}
	b := binFrame(vals, feats, n, p.MaxBin, p.Seed, pool)
	gr := newGrower(b, feats, p, pool)
	m := &Model{params: p, features: feats, k: k, baseScore: obj.baseScore(train.Y, train.Weights)}

	var vr *reader
	var vbuf, vmargin []float64
	if valid != nil {
		if _, _, verrs := checkData("valid", *valid); len(verrs) > 0 {
			return nil, errors.Join(verrs...)
		}
		if err := obj.checkLabels(valid.Y); err != nil {
			return nil, fmt.Errorf("gbdt: valid: %w", err)
		}
		var err error
		if vr, err = m.newReader(valid.X); err != nil {
			return nil, err
		}
		nv := valid.X.Len()
		vbuf = make([]float64, nv*nf)
		vr.fill(vbuf, 0, nv)
		vmargin = make([]float64, nv*k)
		for i := range nv {
			copy(vmargin[i*k:], m.baseScore)
		}
	}

	margin := make([]float64, n*k)
	for i := range n {
		copy(margin[i*k:], m.baseScore)
	}
	gh := make([][]gradPair, k)
	for c := range gh {
		gh[c] = make([]gradPair, n)
	}
	var resid, rw []float64
	var ridx []int
	if obj.refreshLeaves {
		resid, ridx = make([]float64, n), make([]int, n)
		if train.Weights != nil {
			rw = make([]float64, n)
		}
	}
	var metricIdx []int
	if valid != nil {
		metricIdx = make([]int, max(n, valid.X.Len()))
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x5851f42d4c957f2d))
	sampled := make([]bool, n)
	higher := metricHigherBetter[p.EvalMetric]
	res := &Result{BestIteration: -1}
	const gradBlock = 16384
	for round := range p.NEstimators {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("gbdt: fit: round %d: %w", round, err)
		}
		pool.run((n+gradBlock-1)/gradBlock, func(blk int) {
			obj.gradients(gh, margin, train.Y, train.Weights, blk*gradBlock, min((blk+1)*gradBlock, n))
		})
		nRows := n
		if p.Subsample < 1 {
			nRows = 0
			for i := range n {
				sampled[i] = rng.Float64() < p.Subsample
				if sampled[i] {
					gr.rowIdx[nRows] = uint32(i)
					nRows++
				}
			}
		}
		for c := range k {
			if p.Subsample < 1 {
				if c > 0 { // the grower reorders rows: restore the sample
					j := 0
					for i := range n {
						if sampled[i] {
							gr.rowIdx[j] = uint32(i)
							j++
						}
					}
				}
			} else {
				for i := range gr.rowIdx {
					gr.rowIdx[i] = uint32(i)
				}
			}
			sampleColumns(gr.colMask, p.ColsampleByTree, rng)
			gr.grow(gh[c], nRows)
			t := m.addTree(gr, b, p.LearningRate)
			tr := &m.trees[t]
			leaves := leafIDs(gr)
			pool.run(len(leaves), func(j int) {
				nd := &gr.nodes[leaves[j]]
				rows := gr.rowIdx[nd.start:nd.end]
				if obj.refreshLeaves && len(rows) > 0 {
					res, ws := resid[nd.start:nd.end], []float64(nil)
					for i, r := range rows {
						res[i] = train.Y[r] - margin[int(r)*k+c]
					}
					if rw != nil {
						ws = rw[nd.start:nd.end]
						for i, r := range rows {
							ws[i] = train.Weights[r]
						}
					}
					q := weightedQuantile(res, ws, ridx[nd.start:nd.start], obj.alpha)
					tr.nodes[leaves[j]].value = float32(p.LearningRate * q)
				}
				v := float64(tr.nodes[leaves[j]].value)
				for _, r := range rows {
					addMargin(&margin[int(r)*k+c], v)
				}
			})
			if nRows < n {
				pool.run((n+gradBlock-1)/gradBlock, func(blk int) {
					for i := blk * gradBlock; i < min((blk+1)*gradBlock, n); i++ {
						if !sampled[i] {
							addMargin(&margin[i*k+c], float64(tr.nodes[tr.leafCols(vals, i, m.cats)].value))
						}
					}
				})
			}
			if vr != nil {
				nv := valid.X.Len()
				pool.run((nv+gradBlock-1)/gradBlock, func(blk int) {
					for i := blk * gradBlock; i < min((blk+1)*gradBlock, nv); i++ {
						addMargin(&vmargin[i*k+c], float64(tr.nodes[tr.leaf(vbuf[i*nf:i*nf+nf], m.cats)].value))
					}
				})
			}
		}
		if vr == nil {
			res.BestIteration = round
			if p.Callback != nil && !p.Callback(round, Round{Train: math.NaN(), Valid: math.NaN()}) {
				break
			}
			continue
		}
		rd := Round{
			Train: evalMetric(p.EvalMetric, &obj, margin, train.Y, train.Weights, metricIdx),
			Valid: evalMetric(p.EvalMetric, &obj, vmargin, valid.Y, valid.Weights, metricIdx),
		}
		res.Curve = append(res.Curve, rd)
		if res.BestIteration < 0 || (higher && rd.Valid > res.BestScore) || (!higher && rd.Valid < res.BestScore) {
			res.BestIteration, res.BestScore = round, rd.Valid
		}
		if p.Callback != nil && !p.Callback(round, rd) {
			break
		}
		if p.EarlyStoppingRounds > 0 && round-res.BestIteration >= p.EarlyStoppingRounds {
			break
		}
	}
	if p.EarlyStoppingRounds > 0 {
		m.trees = m.trees[:(res.BestIteration+1)*k]
	}
	if vr == nil {
		res.BestScore = math.NaN()
	}
	res.Model = m
	return res, nil
}

// addMargin adds leaf value v to margin *m in float32 arithmetic, as
// XGBoost's prediction cache does; both are float32 numbers, so their
// float64 sum is exact and rounding it is float32 addition.
func addMargin(m *float64, v float64) { *m = float64(float32(*m + v)) }

// sampleColumns marks a random fraction of the features, at least one.
func sampleColumns(mask []bool, frac float64, rng *rand.Rand) {
	if frac >= 1 {
		for f := range mask {
			mask[f] = true
		}
		return
	}
	for f := range mask {
		mask[f] = false
	}
	want := max(1, int(math.Round(frac*float64(len(mask)))))
	for _, f := range rng.Perm(len(mask))[:want] {
		mask[f] = true
	}
}

// leafIDs returns the leaves of the grown tree.
func leafIDs(gr *grower) []int {
	var out []int
	for i := range gr.nodes {
		if gr.nodes[i].left < 0 {
			out = append(out, i)
		}
	}
	return out
}

// addTree appends the grown tree to m, flattened, with leaf values
// lr times the optimal weights, and returns its index.
func (m *Model) addTree(gr *grower, b *binned, lr float64) int {
	t := tree{nodes: make([]node, len(gr.nodes)), gain: make([]float32, len(gr.nodes))}
	for i := range gr.nodes {
		nd := &gr.nodes[i]
		if nd.left < 0 {
			// float32 as XGBoost: the weight, then times eta.
			t.nodes[i] = node{value: float32(gr.rules.weight(nd.g, nd.h)) * float32(lr), left: -1, cat: -1}
			continue
		}
		s := &nd.best
		out := node{left: int32(nd.left), cat: -1, feat: uint16(s.feat), defl: s.defLeft}
		if s.cat {
			out.cat = int32(len(m.cats))
			m.cats = append(m.cats, s.catSet[:]...)
		} else if s.bin < 0 {
			out.value = b.minv[s.feat] // present values right, missing left
		} else {
			out.value = b.thr[s.feat][s.bin]
		}
		t.nodes[i] = out
		t.gain[i] = float32(s.gain)
	}
	m.trees = append(m.trees, t)
	return len(m.trees) - 1
}
