package gbdt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Output selects what a prediction returns.
type Output int

const (
	// Value is the prediction on the label's scale: the probability of
	// class 1 for binary:logistic, class probabilities for multi:softprob,
	// the class for multi:softmax, the rate for count:poisson, else the
	// margin.
	Value Output = iota
	// Margin is the raw score: the base score plus the sum of the leaf
	// values, one per class.
	Margin
)

// node is one node of a flattened tree. Internal nodes send a row to Left
// or Left+1; leaves have Left -1 and hold their value in Value.
type node struct {
	value float32 // numeric threshold (x < value goes left) or leaf value
	left  int32   // left child; the right child is left+1; -1 for a leaf
	cat   int32   // offset of the 4-word category bitset, -1 for numeric
	feat  uint16
	defl  bool // missing values go left
}

// tree is one regression tree and the gain of each of its splits.
type tree struct {
	nodes []node
	gain  []float32
}

// leaf returns the index of the leaf reached by row x.
func (t *tree) leaf(x []float64, cats []uint64) int32 {
	nodes := t.nodes
	i := int32(0)
	for {
		nd := &nodes[i]
		if nd.left < 0 {
			return i
		}
		i = nd.left + nd.right(x[nd.feat], cats)
	}
}

// leafCols is leaf for row i of column-major values.
func (t *tree) leafCols(vals [][]float64, i int, cats []uint64) int32 {
	nodes := t.nodes
	j := int32(0)
	for {
		nd := &nodes[j]
		if nd.left < 0 {
			return j
		}
		j = nd.left + nd.right(vals[nd.feat][i], cats)
	}
}

// right returns 1 if value v goes to the right child of split nd, else 0.
// The common case, a present numeric value, compiles without a branch on
// the comparison.
func (nd *node) right(v float64, cats []uint64) int32 {
	if nd.cat < 0 && v == v {
		var r int32
		if v >= float64(nd.value) {
			r = 1
		}
		return r
	}
	var left bool
	if v != v {
		left = nd.defl
	} else {
		left = v >= 0 && v < 256 && cats[int(nd.cat)+int(v)>>6]>>(uint(v)&63)&1 != 0
	}
	if left {
		return 0
	}
	return 1
}

// Model is a trained gradient-boosted tree ensemble. It is immutable and
// safe for concurrent use.
type Model struct {
	params    Params
	features  []Feature
	k         int // margins per row
	baseScore []float64
	trees     []tree // round r, class c is trees[r*k+c]
	cats      []uint64
	pred      *predictor // built on first use; see Model.predictor
	qpred     *quant     // built on first use; see Model.quant
	depth     *[]int     // tree depths, computed on first use; see Model.depths
}

// Params returns the parameters the model was trained with, defaults
// filled in.
func (m *Model) Params() Params { return m.params }

// Features returns the model's input features, in the order PredictRow
// reads them.
func (m *Model) Features() []Feature { return slices.Clone(m.features) }

// NumTrees returns the number of trees: rounds times NumClass.
func (m *Model) NumTrees() int { return len(m.trees) }

// NumClass returns the number of margins per row: the number of classes
// for multi:softmax and multi:softprob, else 1.
func (m *Model) NumClass() int { return m.k }

// BaseScore returns the initial margin of each class.
func (m *Model) BaseScore() []float64 { return slices.Clone(m.baseScore) }

// Width returns the number of values per row that out returns: 1 for
// multi:softmax values, else NumClass.
func (m *Model) Width(out Output) int {
	if out == Value && m.params.Objective == MultiSoftmax {
		return 1
	}
	return m.k
}

// PredictRow appends to dst the prediction of one row, whose values are in
// Features order: NaN for missing, 0 or 1 for booleans, the training code
// (index into Categories) for categorical features. It reads x only.
func (m *Model) PredictRow(x []float64, out Output, dst []float64) []float64 {
	if len(x) < len(m.features) {
		panic(fmt.Sprintf("gbdt: PredictRow: %d values, want %d", len(x), len(m.features)))
	}
	n := len(dst)
	dst = append(dst, m.baseScore...)
	mg := dst[n:]
	if p := m.predictor(); p != nil {
		p.addRow(x, len(m.features), m.k, mg)
	} else {
		m.predictRowGeneric(x, mg)
	}
	if out == Value {
		o := newObjective(m.params)
		o.transform(mg)
		dst = dst[:n+m.Width(out)]
	}
	return dst
}

// predictRowGeneric adds to mg the leaf values of row x, walking the
// original trees.
func (m *Model) predictRowGeneric(x []float64, mg []float64) {
	// Walk rowGroup trees at once, a level at a time, so that their node
	// loads overlap; add the leaves in tree order.
	var idx [rowGroup]int32
	for t0 := 0; t0 < len(m.trees); t0 += rowGroup {
		g := min(rowGroup, len(m.trees)-t0)
		for j := 0; j < g; j++ {
			idx[j] = 0
		}
		for moved := true; moved; {
			moved = false
			for j := 0; j < g; j++ {
				nd := &m.trees[t0+j].nodes[idx[j]]
				if nd.left >= 0 {
					idx[j] = nd.left + nd.right(x[nd.feat], m.cats)
					moved = true
				}
			}
		}
		for j := 0; j < g; j++ {
			t := t0 + j
			mg[t%m.k] += float64(m.trees[t].nodes[idx[j]].value)
		}
	}
}

// PredictLeavesRow appends to dst the leaf index reached in each tree.
func (m *Model) PredictLeavesRow(x []float64, dst []int32) []int32 {
	for t := range m.trees {
		dst = append(dst, m.trees[t].leaf(x, m.cats))
	}
	return dst
}

// reader reads the model's features from a frame into float64 rows.
type reader struct {
	floats [][]float64 // per feature, nil unless a float column
	cols   []frame.Column
	remap  [][]float64 // categorical: frame code -> training code or NaN
}

// readers recycles the readers of Predict: a serving request would
// otherwise allocate three slices per feature count for one row.
var readers = sync.Pool{New: func() any { return new(reader) }}

// release returns r to readers; r must not be used afterwards.
func (r *reader) release() {
	clear(r.floats)
	clear(r.cols)
	clear(r.remap)
	readers.Put(r)
}

func (m *Model) newReader(f *frame.Frame) (*reader, error) {
	nf := len(m.features)
	r := readers.Get().(*reader)
	if cap(r.cols) < nf {
		r.floats, r.cols, r.remap = make([][]float64, nf), make([]frame.Column, nf), make([][]float64, nf)
	}
	r.floats, r.cols, r.remap = r.floats[:nf], r.cols[:nf], r.remap[:nf]
	var errs []error
	for j, ft := range m.features {
		var c frame.Column
		ok := false
		if j < f.NumColumns() && f.ColumnAt(j).Name() == ft.Name {
			c, ok = f.ColumnAt(j), true // the features usually come in order
		} else {
			c, ok = f.Column(ft.Name)
		}
		if !ok {
			errs = append(errs, fmt.Errorf("gbdt: predict: frame has no column %q: %w", ft.Name, ErrInvalid))
			continue
		}
		r.cols[j] = c
		switch c := c.(type) {
		case *frame.FloatColumn:
			if !ft.Categorical && !ft.Bool {
				r.floats[j] = c.Values()
				continue
			}
		case *frame.BoolColumn:
			if ft.Bool {
				continue
			}
		case *frame.CategoricalColumn:
			if ft.Categorical {
				dict := c.Dict()
				rm := make([]float64, len(dict))
				for i, v := range dict {
					rm[i] = math.NaN()
					if code, ok := slices.BinarySearch(ft.Categories, v); ok {
						rm[i] = float64(code)
					}
				}
				r.remap[j] = rm
				continue
			}
		}
		errs = append(errs, fmt.Errorf("gbdt: predict: column %q has kind %s, not the kind it had in training: %w", ft.Name, c.Kind(), ErrInvalid))
	}
	if len(errs) > 0 {
		r.release()
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// value returns feature j of row i.
func (r *reader) value(j, i int) float64 {
	if f := r.floats[j]; f != nil {
		return f[i]
	}
	c := r.cols[j]
	if c.IsMissing(i) {
		return math.NaN()
	}
	switch c := c.(type) {
	case *frame.BoolColumn:
		if c.Values()[i] {
			return 1
		}
		return 0
	case *frame.CategoricalColumn:
		return r.remap[j][c.Codes()[i]]
	}
	return math.NaN()
}

// fill writes rows [lo, hi) row-major into buf.
func (r *reader) fill(buf []float64, lo, hi int) {
	nf := len(r.cols)
	for j := range nf {
		for i := lo; i < hi; i++ {
			buf[(i-lo)*nf+j] = r.value(j, i)
		}
	}
}

// predictBlock is the block of rows of the float walks.
const predictBlock = 64

// rowGroup is how many trees PredictRow walks at once.
const rowGroup = 8

// depths returns each tree's depth (the longest root-to-leaf path).
func (m *Model) depths() []int {
	if d := (*[]int)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&m.depth)))); d != nil {
		return *d
	}
	out := m.computeDepths()
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&m.depth)), unsafe.Pointer(&out))
	return out
}

// computeDepths returns the depth of every tree.
func (m *Model) computeDepths() []int {
	out := make([]int, len(m.trees))
	for t := range m.trees {
		nodes := m.trees[t].nodes
		d := make([]int, len(nodes))
		for i, nd := range nodes { // children come after their parent
			if nd.left >= 0 {
				d[nd.left], d[nd.left+1] = d[i]+1, d[i]+1
				out[t] = max(out[t], d[i]+1)
			}
		}
	}
	return out
}

// Predict returns the predictions of every row of f, Width(out) values per
// row, row after row. The frame must hold the model's features by name, of
// the kinds they had in training; other columns are ignored. Categories
// not seen in training count as missing. Blocks of rows are quantised
// against the model's split thresholds and walked through compact trees on
// GOMAXPROCS goroutines (see quant); the margins equal PredictRow's bit
// for bit.
func (m *Model) Predict(ctx context.Context, f *frame.Frame, out Output) ([]float64, error) {
	r, err := m.newReader(f)
	if err != nil {
		return nil, err
	}
	defer r.release()
	n, k := f.Len(), m.k
	margin := make([]float64, n*k)
	if q := m.quant(); q != nil && n > quantMinRows {
		nw := runtime.GOMAXPROCS(0)
		qbs := make([][]uint8, nw)
		scratch := make([][]float64, nw)
		err = m.forBlocks(ctx, n, quantRows, func(w, lo, hi int) {
			if qbs[w] == nil {
				qbs[w] = make([]uint8, quantBlock*q.width)
				scratch[w] = make([]float64, quantRows)
			}
			mg := margin[lo*k : hi*k]
			for i := 0; i < hi-lo; i++ {
				copy(mg[i*k:i*k+k], m.baseScore)
			}
			q.fill(r, qbs[w], scratch[w], lo, hi)
			q.walk(qbs[w], hi-lo, k, mg)
		})
	} else {
		err = m.predictFloat(ctx, r, n, margin)
	}
	if err != nil {
		return nil, err
	}
	if out == Margin {
		return margin, nil
	}
	o := newObjective(m.params)
	w := m.Width(out)
	res := margin
	if w != k {
		res = make([]float64, n*w)
	}
	for i := range n {
		o.transform(margin[i*k : i*k+k])
		copy(res[i*w:i*w+w], margin[i*k:i*k+w])
	}
	return res, nil
}

// predictFloat adds the leaf values of every row of r (n rows) to margin,
// walking float rows: the padded predictor's blocks, or the original trees
// when the model has no predictor.
// quantMinRows is the batch size from which Predict quantises its input:
// for fewer rows (a serving request) converting the block costs more than
// the float walk, which gives bit-identical results.
const quantMinRows = 16

func (m *Model) predictFloat(ctx context.Context, r *reader, n int, margin []float64) error {
	k, nf := m.k, len(m.features)
	p := m.predictor()
	var depths []int
	if p == nil {
		depths = m.depths()
	}
	if p != nil && n < 4 {
		// A serving request: every row takes addRow (see walkBlock), so
		// skip the blocks, their workers and their buffers.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("gbdt: predict: %w", err)
		}
		buf := make([]float64, n*nf)
		r.fill(buf, 0, n)
		for i := range n {
			mg := margin[i*k : i*k+k]
			copy(mg, m.baseScore)
			p.addRow(buf[i*nf:(i+1)*nf], nf, k, mg)
		}
		return nil
	}
	bufs := make([][]float64, runtime.GOMAXPROCS(0))
	return m.forBlocks(ctx, n, predictBlock, func(w, lo, hi int) {
		if bufs[w] == nil {
			bufs[w] = make([]float64, min(predictBlock, n)*nf)
		}
		buf := bufs[w]
		r.fill(buf, lo, hi)
		mg := margin[lo*k : hi*k]
		for i := 0; i < hi-lo; i++ {
			copy(mg[i*k:i*k+k], m.baseScore)
		}
		if p != nil {
			b := buf[:(hi-lo)*nf]
			hasNaN := false
			for _, v := range b {
				if v != v {
					hasNaN = true
					break
				}
			}
			p.walkBlock(b, hi-lo, nf, k, mg, hasNaN)
			return
		}
		// Rows advance through a tree one level at a time, all rows of
		// the block per level: the walks are independent, so their node
		// loads overlap instead of waiting on each other. Sums are taken
		// in tree order, as in PredictRow.
		var idx [predictBlock]int32
		rows := hi - lo
		for t := range m.trees {
			tr := &m.trees[t]
			nodes := tr.nodes
			for i := 0; i < rows; i++ {
				idx[i] = 0
			}
			for d := depths[t]; d > 0; d-- {
				for i := 0; i < rows; i++ {
					nd := &nodes[idx[i]]
					if nd.left >= 0 {
						idx[i] = nd.left + nd.right(buf[i*nf+int(nd.feat)], m.cats)
					}
				}
			}
			c := t % k
			for i := 0; i < rows; i++ {
				mg[i*k+c] += float64(nodes[idx[i]].value)
			}
		}
	})
}

// PredictLeaves returns, for every row of f, the index of the leaf it
// reaches in each tree: NumTrees values per row, row after row.
func (m *Model) PredictLeaves(ctx context.Context, f *frame.Frame) ([]int32, error) {
	r, err := m.newReader(f)
	if err != nil {
		return nil, err
	}
	n, nt, nf := f.Len(), len(m.trees), len(m.features)
	leaves := make([]int32, n*nt)
	bufs := make([][]float64, runtime.GOMAXPROCS(0))
	err = m.forBlocks(ctx, n, predictBlock, func(w, lo, hi int) {
		if bufs[w] == nil {
			bufs[w] = make([]float64, predictBlock*nf)
		}
		buf := bufs[w]
		r.fill(buf, lo, hi)
		for i := 0; i < hi-lo; i++ {
			for t := range m.trees {
				leaves[(lo+i)*nt+t] = m.trees[t].leaf(buf[i*nf:i*nf+nf], m.cats)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return leaves, nil
}

// forBlocks calls fn(w, lo, hi) on blocks [lo, hi) of block rows in
// parallel, checking ctx every 256 blocks. w is the calling worker, below
// GOMAXPROCS: calls with the same w never run at once, so fn may keep
// scratch space per worker.
func (m *Model) forBlocks(ctx context.Context, n, block int, fn func(w, lo, hi int)) error {
	nw := runtime.GOMAXPROCS(0)
	pool := &workers{n: nw}
	nb := (n + block - 1) / block
	const chunk = 256
	for c := 0; c < nb; c += chunk {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("gbdt: predict: %w", err)
		}
		cnt := min(chunk, nb-c)
		// Each of the nw tasks takes every nw-th block, so each owns its
		// scratch space.
		pool.run(min(nw, cnt), func(w int) {
			for b := c + w; b < c+cnt; b += nw {
				lo := b * block
				fn(w, lo, min(lo+block, n))
			}
		})
	}
	return nil
}

// Importance types.
const (
	// ImportanceWeight counts the splits on each feature.
	ImportanceWeight = "weight"
	// ImportanceGain is the average loss reduction of a feature's splits.
	ImportanceGain = "gain"
	// ImportanceTotalGain is the total loss reduction of a feature's splits.
	ImportanceTotalGain = "total_gain"
)

// Importance returns one score per feature, in Features order, as
// XGBoost's get_score with importance_type kind.
func (m *Model) Importance(kind string) ([]float64, error) {
	count := make([]float64, len(m.features))
	gain := make([]float64, len(m.features))
	for t := range m.trees {
		tr := &m.trees[t]
		for i, nd := range tr.nodes {
			if nd.left >= 0 {
				count[nd.feat]++
				gain[nd.feat] += float64(tr.gain[i])
			}
		}
	}
	switch kind {
	case ImportanceWeight:
		return count, nil
	case ImportanceTotalGain:
		return gain, nil
	case ImportanceGain:
		for f := range gain {
			if count[f] > 0 {
				gain[f] /= count[f]
			}
		}
		return gain, nil
	}
	return nil, fmt.Errorf("gbdt: importance type %q, want %q, %q or %q: %w", kind, ImportanceWeight, ImportanceGain, ImportanceTotalGain, ErrInvalid)
}
