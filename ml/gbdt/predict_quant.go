package gbdt

import (
	"math"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// quant is the batch prediction layout, used by Model.Predict. Each block
// of up to quantRows rows is first quantised, one byte per row and column,
// against the model's own split thresholds, and the trees then compare
// small integers:
//
//   - For a feature with numeric splits, sort its distinct thresholds
//     t_0 < ... < t_{m-1} (m ≤ 255) and let q(v) be the number of them at
//     most v. Then v >= t_j exactly when q(v) >= j+1, so a split becomes
//     "byte >= lo" with lo = j+1 in [1, 255]: the same comparison as the
//     float walk, hence bit-identical margins.
//   - A missing value goes the split's default way. The feature gets two
//     columns: "hi", read by the splits whose missing values go right, holds
//     255 for a missing value (≥ every lo), and "lo", read by the splits
//     whose missing values go left, holds 0 (< every lo). Present values
//     hold q(v) in both.
//   - A categorical split reads a "cat" column holding the training code
//     (at most 254 when the feature has at most 255 categories) or 255 for a
//     missing or unseen category, and looks the byte up in a 256-bit set of
//     the codes that go right, bit 255 saying where missing values go.
//   - A last column is always 0: the padding splits of a short branch (see
//     predictor) read it and go left.
//
// q(v) is found by a branch-free binary search over order-preserving
// integer keys of the thresholds (key; eight values side by side in
// assembly on amd64).
//
// The block is column-major (column c of row i at c*quantBlock+i), so a
// split stores the offset of its column and rows next to each other differ
// by a constant. A numeric split is 4 bytes (offset, lo), a depth-6 tree
// 252 bytes of splits plus 256 bytes of float32 leaves, so 200 trees stay
// in L2. Trees are padded to complete trees as in predictor and walked ten
// rows side by side (walkNum10 on amd64, four in Go elsewhere), so that
// independent loads overlap instead of one dependent chain per row; a step
// is j = 2j+2-borrow(byte < lo), with no branch. A tree with categorical
// splits uses splits (offset, set) that test one bit of a 256-bit set:
// sets 1 to 255 hold the bytes ≥ their number, so its numeric splits take
// the same path without a branch. Sums are taken in tree order, so the
// margins are bit-identical to PredictRow's.
//
// Models the layout cannot hold (a feature with more than 255 distinct
// thresholds, more than 255 quantised columns, over 65,280 categorical
// splits, categorical splits on a feature that is not categorical with at
// most 255 categories) predict through the float walks.
type quant struct {
	width int      // columns of a block: the quantised ones and the zero column
	cols  []qcol   // the quantised columns, in block order
	trees []qtree  // per tree
	nodes []qnode  // the splits of numeric trees
	cnods []qcnode // the splits of trees with categorical splits
	sets  [][4]uint64
	leafs []float32
}

// qcol says how one quantised column is computed from feature feat.
type qcol struct {
	feat int
	kind uint8 // qHi, qLo or qCat
	// keys are the keys of the ascending distinct thresholds (qHi, qLo),
	// n of them.
	keys *[256]uint64
	n    int
}

const (
	qHi = iota
	qLo
	qCat
)

// qtree locates one padded tree: its 2^depth-1 splits at off in nodes (or
// cnods when cat) and its 2^depth leaves at loff in leafs.
type qtree struct {
	off, loff int32
	depth     uint8
	cat       bool
}

// qnode is a numeric split: a row goes right when its byte at block offset
// off (column times quantBlock) is at least lo.
type qnode struct {
	off uint16
	lo  uint8
	_   uint8
}

// qcnode is a split of a tree with categorical splits: a row goes right
// when the bit of its byte at block offset off is 1 in sets[set]. A
// numeric split "byte >= lo" uses set lo, which holds bits lo to 255; set
// 0 is empty (padding splits).
type qcnode struct {
	off, set uint16
}

// quantBlock is the column stride of a quantised block: the most rows it
// holds.
const quantBlock = 256

// quantRows is the number of rows Predict quantises and walks at once: a
// multiple of the assembly kernels' 10 and 8 rows, so that no block but the
// last leaves rows to the Go loops.
const quantRows = 240

// The assembly kernels read qnode and qcnode at these offsets.
var (
	_ [unsafe.Sizeof(qnode{}) - 4]byte
	_ [4 - unsafe.Sizeof(qnode{})]byte
	_ [unsafe.Sizeof(qcnode{}) - 4]byte
	_ [4 - unsafe.Sizeof(qcnode{})]byte
	_ [unsafe.Offsetof(qnode{}.lo) - 2]byte
	_ [unsafe.Offsetof(qcnode{}.set) - 2]byte
)

// maxQuantCols bounds the columns of a block, so that a column offset
// (column times quantBlock) fits 16 bits.
const maxQuantCols = 1 << 16 / quantBlock

// quant returns the model's batch layout, built on first use, or nil when
// the model cannot use it (see the quant type).
func (m *Model) quant() *quant {
	q := (*quant)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&m.qpred))))
	if q == nil {
		q = m.buildQuant()
		if q == nil {
			q = &quant{} // none possible
		}
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&m.qpred)), unsafe.Pointer(q))
	}
	if q.width == 0 {
		return nil
	}
	return q
}

// buildQuant builds the batch layout, or returns nil.
func (m *Model) buildQuant() *quant {
	nf := len(m.features)
	depths := m.depths()
	// Thresholds and default directions per feature.
	thr := make([][]float64, nf)
	var useHi, useLo, useCat = make([]bool, nf), make([]bool, nf), make([]bool, nf)
	nn, nc, nl, orig, ncat := 0, 0, 0, 0, 0
	for t := range m.trees {
		cat := false
		for _, nd := range m.trees[t].nodes {
			if nd.left < 0 {
				continue
			}
			f := int(nd.feat)
			if f >= nf {
				return nil
			}
			if nd.cat >= 0 {
				ft := m.features[f]
				if !ft.Categorical || len(ft.Categories) > 255 {
					return nil
				}
				useCat[f], cat = true, true
				ncat++
				continue
			}
			v := float64(nd.value)
			if v != v {
				return nil
			}
			thr[f] = append(thr[f], v)
			if nd.defl {
				useLo[f] = true
			} else {
				useHi[f] = true
			}
		}
		if depths[t] > maxPredictDepth {
			return nil
		}
		if cat {
			nc += 1<<depths[t] - 1
		} else {
			nn += 1<<depths[t] - 1
		}
		nl += 1 << depths[t]
		orig += len(m.trees[t].nodes)
	}
	if nn+nc+nl > 8*orig+1<<16 || 256+ncat > math.MaxUint16+1 {
		return nil
	}
	q := &quant{}
	hiCol, loCol, catCol := make([]int, nf), make([]int, nf), make([]int, nf)
	for f := range nf {
		if len(thr[f]) > 0 {
			slices.Sort(thr[f])
			thr[f] = slices.CompactFunc(thr[f], func(a, b float64) bool { return a == b })
			if len(thr[f]) > 255 {
				return nil
			}
		}
		var keys *[256]uint64
		if len(thr[f]) > 0 {
			keys = new([256]uint64)
			for i, v := range thr[f] {
				keys[i] = key(v)
			}
		}
		if useHi[f] {
			hiCol[f] = len(q.cols)
			q.cols = append(q.cols, qcol{feat: f, kind: qHi, keys: keys, n: len(thr[f])})
		}
		if useLo[f] {
			loCol[f] = len(q.cols)
			q.cols = append(q.cols, qcol{feat: f, kind: qLo, keys: keys, n: len(thr[f])})
		}
		if useCat[f] {
			catCol[f] = len(q.cols)
			q.cols = append(q.cols, qcol{feat: f, kind: qCat})
		}
	}
	if len(q.cols)+1 > maxQuantCols {
		return nil
	}
	zero := uint16(len(q.cols) * quantBlock) // offset of the zero column
	q.width = len(q.cols) + 1
	q.trees = make([]qtree, len(m.trees))
	q.nodes = make([]qnode, 0, nn)
	q.cnods = make([]qcnode, 0, nc)
	q.leafs = make([]float32, nl)
	// Sets 1 to 255 hold the bytes >= their number, set 0 none; the
	// categorical splits' sets follow.
	q.sets = make([][4]uint64, 256, 256+ncat)
	for lo := 1; lo < 256; lo++ {
		for c := lo; c < 256; c++ {
			q.sets[lo][c>>6] |= 1 << (c & 63)
		}
	}
	nl = 0
	for t := range m.trees {
		d := depths[t]
		src := m.trees[t].nodes
		cat := false
		for _, nd := range src {
			cat = cat || nd.left >= 0 && nd.cat >= 0
		}
		qt := qtree{loff: int32(nl), depth: uint8(d), cat: cat}
		var ns []qnode
		var cs []qcnode
		if cat {
			qt.off = int32(len(q.cnods))
			q.cnods = q.cnods[:len(q.cnods)+1<<d-1]
			cs = q.cnods[qt.off:]
		} else {
			qt.off = int32(len(q.nodes))
			q.nodes = q.nodes[:len(q.nodes)+1<<d-1]
			ns = q.nodes[qt.off:]
		}
		ls := q.leafs[nl : nl+1<<d]
		nl += 1 << d
		q.trees[t] = qt
		// put stores the split at heap position h: numeric trees n, trees
		// with categorical splits c.
		put := func(h int, n qnode, c qcnode) {
			if cat {
				cs[h] = c
			} else {
				ns[h] = n
			}
		}
		// fill places original node i at heap position h, level lv.
		var fill func(i int32, h, lv int)
		fill = func(i int32, h, lv int) {
			nd := &src[i]
			if lv == d {
				ls[h-(1<<d-1)] = nd.value
				return
			}
			if nd.left < 0 {
				put(h, qnode{off: zero, lo: 1}, qcnode{off: zero, set: 0})
				fill(i, 2*h+1, lv+1)
				fill(i, 2*h+2, lv+1)
				return
			}
			f := int(nd.feat)
			if nd.cat >= 0 {
				var r [4]uint64
				for w := range r {
					r[w] = ^m.cats[int(nd.cat)+w]
				}
				r[3] &^= 1 << 63
				if !nd.defl {
					r[3] |= 1 << 63
				}
				put(h, qnode{}, qcnode{off: uint16(catCol[f] * quantBlock), set: uint16(len(q.sets))})
				q.sets = append(q.sets, r)
			} else {
				j, _ := slices.BinarySearch(thr[f], float64(nd.value))
				c := hiCol[f]
				if nd.defl {
					c = loCol[f]
				}
				off := uint16(c * quantBlock)
				put(h, qnode{off: off, lo: uint8(j + 1)}, qcnode{off: off, set: uint16(j + 1)})
			}
			fill(nd.left, 2*h+1, lv+1)
			fill(nd.left+1, 2*h+2, lv+1)
		}
		fill(0, 0, 0)
	}
	return q
}

// fill quantises rows [lo, hi) of r into the block qb (quantBlock*width
// bytes, column-major); scratch holds hi-lo values. The zero column of qb
// is never written.
func (q *quant) fill(r *reader, qb []uint8, scratch []float64, lo, hi int) {
	rows := hi - lo
	if len(qb) < quantBlock*q.width || rows > quantBlock || len(scratch) < rows {
		panic("gbdt: quant.fill: short buffer")
	}
	last := -1
	var vals []float64
	for c := 0; c < len(q.cols); c++ {
		col := &q.cols[c]
		if col.feat != last {
			last = col.feat
			if f := r.floats[col.feat]; f != nil {
				vals = f[lo:hi]
			} else {
				vals = scratch[:rows]
				r.column(col.feat, vals, lo)
			}
		}
		dst := qb[c*quantBlock : c*quantBlock+rows]
		switch col.kind {
		case qCat:
			for i, v := range vals {
				b := uint8(255)
				if v == v {
					b = uint8(v) // a training code below 255
				}
				dst[i] = b
			}
		case qHi:
			// A feature's hi and lo columns are adjacent when both
			// exist: one search writes both.
			if c+1 < len(q.cols) && q.cols[c+1].kind == qLo && q.cols[c+1].feat == col.feat {
				quantize2(dst, qb[(c+1)*quantBlock:(c+1)*quantBlock+rows], vals, col.keys, col.n)
				c++
			} else {
				quantize(dst, vals, col.keys, col.n, 255)
			}
		case qLo:
			quantize(dst, vals, col.keys, col.n, 0)
		}
	}
}

// key maps a float64 to a uint64 with the same order (-0 and +0 equal);
// NaN maps above +Inf.
func key(v float64) uint64 {
	b := math.Float64bits(v)
	if b == 1<<63 {
		b = 0 // -0
	}
	m := uint64(int64(b)>>63) | 1<<63
	return b ^ m
}

// count returns the number of keys in keys[:n] (ascending, n ≥ 1) at
// most k: a branch-free binary search.
func count(keys *[256]uint64, n int, k uint64) uint8 {
	base := uint(0)
	for m := uint(n); m > 1; {
		h := m >> 1
		var c uint // 0 or 1, set without a branch
		if keys[uint8(base+h)] <= k {
			c = 1
		}
		base += h & -c
		m -= h
	}
	if keys[uint8(base)] <= k {
		base++
	}
	return uint8(base)
}

// count4 is count for four keys at once, so that the searches overlap.
func count4(keys *[256]uint64, n int, k0, k1, k2, k3 uint64) (q0, q1, q2, q3 uint8) {
	var b0, b1, b2, b3 uint
	for m := uint(n); m > 1; {
		h := m >> 1
		var c0 uint // 0 or 1, set without a branch
		if keys[uint8(b0+h)] <= k0 {
			c0 = 1
		}
		b0 += h & -c0
		var c1 uint // 0 or 1, set without a branch
		if keys[uint8(b1+h)] <= k1 {
			c1 = 1
		}
		b1 += h & -c1
		var c2 uint // 0 or 1, set without a branch
		if keys[uint8(b2+h)] <= k2 {
			c2 = 1
		}
		b2 += h & -c2
		var c3 uint // 0 or 1, set without a branch
		if keys[uint8(b3+h)] <= k3 {
			c3 = 1
		}
		b3 += h & -c3
		m -= h
	}
	if keys[uint8(b0)] <= k0 {
		b0++
	}
	if keys[uint8(b1)] <= k1 {
		b1++
	}
	if keys[uint8(b2)] <= k2 {
		b2++
	}
	if keys[uint8(b3)] <= k3 {
		b3++
	}
	return uint8(b0), uint8(b1), uint8(b2), uint8(b3)
}

// quantize writes to dst[i] the number of thresholds at most vals[i], or
// miss (0 or 255) for NaN.
func quantize(dst []uint8, vals []float64, keys *[256]uint64, n int, miss uint8) {
	var i int
	if miss == 0 {
		i = quantizeFast(dst, nil, vals, keys, n)
	} else {
		i = quantizeFast(dst, dst, vals, keys, n)
	}
	quantizeGo(dst, vals, keys, n, miss, i)
}

// quantizeGo is quantize in Go for values [i, len(vals)).
func quantizeGo(dst []uint8, vals []float64, keys *[256]uint64, n int, miss uint8, i int) {
	dst = dst[:len(vals)]
	for ; i+4 <= len(vals); i += 4 {
		v := (*[4]float64)(vals[i:])
		d := (*[4]uint8)(dst[i:])
		d[0], d[1], d[2], d[3] = count4(keys, n, key(v[0]), key(v[1]), key(v[2]), key(v[3]))
		for j, x := range v {
			if x != x {
				d[j] = miss
			}
		}
	}
	for ; i < len(vals); i++ {
		v := vals[i]
		b := count(keys, n, key(v))
		if v != v {
			b = miss
		}
		dst[i] = b
	}
}

// quantize2 writes the hi column to hi (255 for NaN) and the lo column to
// lo (0 for NaN).
func quantize2(hi, lo []uint8, vals []float64, keys *[256]uint64, n int) {
	i := quantizeFast(lo, hi, vals, keys, n)
	quantizeGo(lo[:len(vals)], vals, keys, n, 0, i)
	hi = hi[:len(vals)]
	for ; i < len(vals); i++ {
		b := lo[i]
		if v := vals[i]; v != v {
			b = 255
		}
		hi[i] = b
	}
}

// column writes feature j of rows [lo, lo+len(dst)) to dst.
func (r *reader) column(j int, dst []float64, lo int) {
	c := r.cols[j]
	switch c := c.(type) {
	case *frame.CategoricalColumn:
		codes, rm := c.Codes(), r.remap[j]
		for i := range dst {
			if c.IsMissing(lo + i) {
				dst[i] = math.NaN()
			} else {
				dst[i] = rm[codes[lo+i]]
			}
		}
		return
	}
	for i := range dst {
		dst[i] = r.value(j, lo+i)
	}
}

// walk adds to mg (k margins per row) the leaf values that the rows of the
// block qb (quantised by fill, rows rows) reach in every tree, in tree
// order.
func (q *quant) walk(qb []uint8, rows, k int, mg []float64) {
	if len(qb) < quantBlock*q.width || rows > quantBlock || len(mg) < rows*k {
		panic("gbdt: quant.walk: short buffer")
	}
	qb = qb[:quantBlock*q.width]
	for t, qt := range q.trees {
		d := int(qt.depth)
		ls := q.leafs[qt.loff : int(qt.loff)+1<<d]
		c := t % k
		switch {
		case d == 0:
			for i := range rows {
				mg[i*k+c] += float64(ls[0])
			}
		case qt.cat:
			walkCat(q.cnods[qt.off:int(qt.off)+1<<d-1], q.sets, ls, qb, rows, d, mg[c:], k)
		default:
			walkNum(q.nodes[qt.off:int(qt.off)+1<<d-1], ls, qb, rows, d, mg[c:], k)
		}
	}
}

// walkNum walks rows rows of the block qb through the numeric tree of
// depth d with splits nodes and leaves ls, adding the leaf value of row i
// to mg[i*k]. Four rows go down together so that their loads overlap. The
// layout guarantees that a walk stays inside nodes (heap indexes below
// 2^d-1 until the last step) and that split offsets are below
// len(qb)-quantBlock, so the loads go unchecked; row pointers are
// computed from the row index and never point past qb (checkptr).
func walkNum(nodes []qnode, ls []float32, qb []uint8, rows, d int, mg []float64, k int) {
	if len(nodes) != 1<<d-1 || len(ls) != 1<<d || len(mg) < (rows-1)*k+1 || rows > quantBlock || len(qb) < quantBlock || d < 1 {
		panic("gbdt: walkNum: bad layout")
	}
	i := walkNumFast(nodes, ls, qb, rows, d, mg, k)
	walkNumGo(nodes, ls, qb, i, rows, d, mg, k)
}

// walkNumGo is walkNum in Go for rows [i, rows).
func walkNumGo(nodes []qnode, ls []float32, qb []uint8, i, rows, d int, mg []float64, k int) {
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	base := unsafe.Pointer(unsafe.SliceData(qb))
	first := uintptr(1)<<d - 1
	const sz = unsafe.Sizeof(qnode{})
	for ; i+4 <= rows; i += 4 {
		b := unsafe.Add(base, i)
		var j0, j1, j2, j3 uintptr
		for range d {
			n0 := (*qnode)(unsafe.Add(np, j0*sz))
			n1 := (*qnode)(unsafe.Add(np, j1*sz))
			n2 := (*qnode)(unsafe.Add(np, j2*sz))
			n3 := (*qnode)(unsafe.Add(np, j3*sz))
			var r0, r1, r2, r3 uintptr
			if *(*uint8)(unsafe.Add(b, uintptr(n0.off))) >= n0.lo {
				r0 = 1
			}
			if *(*uint8)(unsafe.Add(b, uintptr(n1.off)+1)) >= n1.lo {
				r1 = 1
			}
			if *(*uint8)(unsafe.Add(b, uintptr(n2.off)+2)) >= n2.lo {
				r2 = 1
			}
			if *(*uint8)(unsafe.Add(b, uintptr(n3.off)+3)) >= n3.lo {
				r3 = 1
			}
			j0, j1, j2, j3 = 2*j0+1+r0, 2*j1+1+r1, 2*j2+1+r2, 2*j3+1+r3
		}
		mg[i*k] += float64(ls[j0-first])
		mg[(i+1)*k] += float64(ls[j1-first])
		mg[(i+2)*k] += float64(ls[j2-first])
		mg[(i+3)*k] += float64(ls[j3-first])
	}
	for ; i < rows; i++ {
		b := unsafe.Add(base, i)
		var j uintptr
		for range d {
			n := (*qnode)(unsafe.Add(np, j*sz))
			var r uintptr
			if *(*uint8)(unsafe.Add(b, uintptr(n.off))) >= n.lo {
				r = 1
			}
			j = 2*j + 1 + r
		}
		mg[i*k] += float64(ls[j-first])
	}
}

// walkCat is walkNum for a tree with categorical splits: a split sends
// a row right when the bit of its byte at off is 1 in sets[set].
func walkCat(nodes []qcnode, sets [][4]uint64, ls []float32, qb []uint8, rows, d int, mg []float64, k int) {
	if len(nodes) != 1<<d-1 || len(ls) != 1<<d || len(mg) < (rows-1)*k+1 || rows > quantBlock || len(qb) < quantBlock || len(sets) < 256 || d < 1 {
		panic("gbdt: walkCat: bad layout")
	}
	i := walkCatFast(nodes, sets, ls, qb, rows, d, mg, k)
	walkCatGo(nodes, sets, ls, qb, i, rows, d, mg, k)
}

// walkCatGo is walkCat in Go for rows [i, rows).
func walkCatGo(nodes []qcnode, sets [][4]uint64, ls []float32, qb []uint8, i, rows, d int, mg []float64, k int) {
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	sp := unsafe.Pointer(unsafe.SliceData(sets))
	base := unsafe.Pointer(unsafe.SliceData(qb))
	first := uintptr(1)<<d - 1
	const sz = unsafe.Sizeof(qcnode{})
	const ssz = unsafe.Sizeof([4]uint64{})
	// step moves the row whose bytes start at b from split j to its child.
	step := func(b unsafe.Pointer, j uintptr) uintptr {
		n := (*qcnode)(unsafe.Add(np, j*sz))
		c := uintptr(*(*uint8)(unsafe.Add(b, uintptr(n.off))))
		s := (*[4]uint64)(unsafe.Add(sp, uintptr(n.set)*ssz))
		return 2*j + 1 + uintptr(s[c>>6]>>(c&63))&1
	}
	for ; i+4 <= rows; i += 4 {
		b := unsafe.Add(base, i)
		var j0, j1, j2, j3 uintptr
		for range d {
			j0, j1, j2, j3 = step(b, j0), step(unsafe.Add(b, 1), j1), step(unsafe.Add(b, 2), j2), step(unsafe.Add(b, 3), j3)
		}
		mg[i*k] += float64(ls[j0-first])
		mg[(i+1)*k] += float64(ls[j1-first])
		mg[(i+2)*k] += float64(ls[j2-first])
		mg[(i+3)*k] += float64(ls[j3-first])
	}
	for ; i < rows; i++ {
		b := unsafe.Add(base, i)
		var j uintptr
		for range d {
			j = step(b, j)
		}
		mg[i*k] += float64(ls[j-first])
	}
}
