package gbdt

import (
	"math"
	"sync/atomic"
	"unsafe"
)

// predictor is a prediction-only layout of a model whose splits are all
// numeric: each tree is padded to a complete tree of its depth, stored in
// heap order (the children of node j are 2j+1 and 2j+2), so a row takes
// exactly depth steps without testing for leaves. A leaf above the bottom
// level is padded with splits that send every value left (threshold NaN,
// missing values left) and its value is copied to the bottom leaves below
// it, so every walk ends at the same leaf value as in the original tree.
type predictor struct {
	depth  []int32   // per tree
	noff   []int32   // per tree, offset of its 2^depth-1 splits in nodes
	loff   []int32   // per tree, offset of its 2^depth leaves in leaves
	nodes  []pnode   // all trees' splits
	leaves []float64 // all trees' leaf values
}

// pnode is one split of a predictor tree: x >= thr goes right; missing x
// goes right when nanRight is 1.
type pnode struct {
	thr      float64 // float64 of the float32 threshold: exact
	feat     uint32
	nanRight uint32
}

// maxPredictDepth bounds the depth of the padded trees.
const maxPredictDepth = 16

// predictor returns the model's prediction layout, built on first use, or
// nil if the model has categorical splits or trees too deep to pad.
func (m *Model) predictor() *predictor {
	p := (*predictor)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&m.pred))))
	if p != nil {
		if len(p.depth) == 0 && len(m.trees) > 0 {
			return nil // none possible
		}
		return p
	}
	p = m.buildPredictor()
	if p == nil {
		p = &predictor{}
	}
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&m.pred)), unsafe.Pointer(p))
	if len(p.depth) == 0 && len(m.trees) > 0 {
		return nil
	}
	return p
}

func (m *Model) buildPredictor() *predictor {
	depths := m.depths()
	var nn, nl, orig int
	for t := range m.trees {
		for _, nd := range m.trees[t].nodes {
			if nd.left >= 0 && (nd.cat >= 0 || int(nd.feat) >= len(m.features)) {
				return nil
			}
		}
		if depths[t] > maxPredictDepth {
			return nil
		}
		nn += 1<<depths[t] - 1
		nl += 1 << depths[t]
		orig += len(m.trees[t].nodes)
	}
	if nn+nl > 8*orig+1<<16 {
		return nil
	}
	p := &predictor{
		depth:  make([]int32, len(m.trees)),
		noff:   make([]int32, len(m.trees)),
		loff:   make([]int32, len(m.trees)),
		nodes:  make([]pnode, nn),
		leaves: make([]float64, nl),
	}
	nn, nl = 0, 0
	for t := range m.trees {
		d := depths[t]
		p.depth[t], p.noff[t], p.loff[t] = int32(d), int32(nn), int32(nl)
		ns := p.nodes[nn : nn+1<<d-1]
		ls := p.leaves[nl : nl+1<<d]
		nn += 1<<d - 1
		nl += 1 << d
		src := m.trees[t].nodes
		// fill places original node i at heap position h, level lv.
		var fill func(i int32, h, lv int)
		fill = func(i int32, h, lv int) {
			nd := &src[i]
			if lv == d {
				ls[h-(1<<d-1)] = float64(nd.value)
				return
			}
			if nd.left < 0 {
				ns[h] = pnode{thr: math.NaN()}
				fill(i, 2*h+1, lv+1)
				fill(i, 2*h+2, lv+1)
				return
			}
			var nr uint32
			if !nd.defl {
				nr = 1
			}
			ns[h] = pnode{thr: float64(nd.value), feat: uint32(nd.feat), nanRight: nr}
			fill(nd.left, 2*h+1, lv+1)
			fill(nd.left+1, 2*h+2, lv+1)
		}
		fill(0, 0, 0)
	}
	return p
}

// leaf returns the leaf value row x reaches in tree t.
func (p *predictor) leaf(t int, x []float64) float64 {
	d := int(p.depth[t])
	nodes := p.nodes[p.noff[t] : int(p.noff[t])+1<<d-1]
	j := 0
	for range d {
		nd := &nodes[j]
		v := x[nd.feat]
		r := 0
		if v >= nd.thr {
			r = 1
		}
		if v != v {
			r = int(nd.nanRight)
		}
		j = 2*j + 1 + r
	}
	return p.leaves[int(p.loff[t])+j-(1<<d-1)]
}

// walkBlock adds to mg (k margins per row) the leaf values of rows rows of
// buf (nf values per row) through every tree, in tree order per row.
// hasNaN says whether buf holds missing values.
//
// The level walks advance four rows at a time through one tree; the rows
// that do not fill a group of four (all of them in a one-row serving
// request) go through addRow instead, which walks eight trees at once per
// row: a lone row's level walk waits on every node load in turn, about 3×
// slower. Both add the leaves in tree order, so the sums are identical.
func (p *predictor) walkBlock(buf []float64, rows, nf, k int, mg []float64, hasNaN bool) {
	grouped := rows &^ 3
	for i := grouped; i < rows; i++ {
		p.addRow(buf[i*nf:(i+1)*nf], nf, k, mg[i*k:(i+1)*k])
	}
	var idx [predictBlock]int
	idxs := idx[:grouped]
	if grouped == 0 {
		return
	}
	for t := range p.depth {
		d := int(p.depth[t])
		nodes := p.nodes[p.noff[t] : int(p.noff[t])+1<<d-1]
		for i := range idxs {
			idxs[i] = 0
		}
		if !hasNaN && d > 0 {
			walkTree(idxs, nodes, buf, nf, d)
		} else {
			for range d {
				if hasNaN {
					walkLevelNaN(idxs, nodes, buf, nf)
				} else {
					walkLevel(idxs, nodes, buf, nf)
				}
			}
		}
		ls := p.leaves[p.loff[t] : int(p.loff[t])+1<<d]
		base := 1<<d - 1
		c := t % k
		for i, j := range idxs {
			mg[i*k+c] += ls[j-base]
		}
	}
}

// walkLevel moves each row i of buf (nf values per row) from split idx[i]
// of nodes to its child, for rows without missing values. The layout
// guarantees idx[i] < len(nodes) and feat < nf, and the caller that
// len(buf) >= len(idx)*nf, so the loads go unchecked.
func walkLevel(idx []int, nodes []pnode, buf []float64, nf int) {
	if len(buf) < len(idx)*nf || len(nodes) == 0 {
		panic("gbdt: walkLevel: short buffer")
	}
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	base := unsafe.Pointer(unsafe.SliceData(buf))
	stride := uintptr(nf) * 8
	for i, j := range idx {
		// Row pointers are computed, never advanced past the last row: a
		// pointer beyond the buffer is invalid even unused (checkptr).
		bp := unsafe.Add(base, uintptr(i)*stride)
		nd := (*pnode)(unsafe.Add(np, uintptr(j)*unsafe.Sizeof(pnode{})))
		v := *(*float64)(unsafe.Add(bp, uintptr(nd.feat)*8))
		r := 0
		if v >= nd.thr {
			r = 1
		}
		idx[i] = 2*j + 1 + r
	}
}

// walkLevelNaN is walkLevel for rows that may hold missing values.
func walkLevelNaN(idx []int, nodes []pnode, buf []float64, nf int) {
	if len(buf) < len(idx)*nf || len(nodes) == 0 {
		panic("gbdt: walkLevel: short buffer")
	}
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	base := unsafe.Pointer(unsafe.SliceData(buf))
	stride := uintptr(nf) * 8
	for i, j := range idx {
		// Row pointers are computed, never advanced past the last row: a
		// pointer beyond the buffer is invalid even unused (checkptr).
		bp := unsafe.Add(base, uintptr(i)*stride)
		nd := (*pnode)(unsafe.Add(np, uintptr(j)*unsafe.Sizeof(pnode{})))
		v := *(*float64)(unsafe.Add(bp, uintptr(nd.feat)*8))
		r := 0
		if v >= nd.thr {
			r = 1
		}
		if v != v {
			r = int(nd.nanRight)
		}
		idx[i] = 2*j + 1 + r
	}
}

// addRow adds to mg (k margins) the leaf values row x reaches in every
// tree, in tree order. It walks groups of rowGroup trees of equal depth a
// level at a time so that their loads overlap.
func (p *predictor) addRow(x []float64, nf, k int, mg []float64) {
	if len(x) < nf {
		panic("gbdt: addRow: short row")
	}
	xp := unsafe.Pointer(unsafe.SliceData(x))
	nt := len(p.depth)
	hasNaN := false
	for _, v := range x[:nf] {
		if v != v {
			hasNaN = true
		}
	}
	var base [rowGroup]unsafe.Pointer
	var idx [rowGroup]uintptr
	t0 := 0
	for ; t0+rowGroup <= nt; t0 += rowGroup {
		d := p.depth[t0]
		same := true
		for g := 1; g < rowGroup; g++ {
			same = same && p.depth[t0+g] == d
		}
		if !same || d == 0 {
			for t := t0; t < t0+rowGroup; t++ {
				mg[t%k] += p.leaf(t, x)
			}
			continue
		}
		for g := range rowGroup {
			base[g] = unsafe.Pointer(&p.nodes[p.noff[t0+g]])
			idx[g] = 0
		}
		if hasNaN {
			for range d {
				for g := range rowGroup {
					j := idx[g]
					nd := (*pnode)(unsafe.Add(base[g], j*unsafe.Sizeof(pnode{})))
					v := *(*float64)(unsafe.Add(xp, uintptr(nd.feat)*8))
					var r uintptr
					if v >= nd.thr {
						r = 1
					}
					if v != v {
						r = uintptr(nd.nanRight)
					}
					idx[g] = 2*j + 1 + r
				}
			}
		} else {
			for range d {
				for g := range rowGroup {
					j := idx[g]
					nd := (*pnode)(unsafe.Add(base[g], j*unsafe.Sizeof(pnode{})))
					var r uintptr
					if *(*float64)(unsafe.Add(xp, uintptr(nd.feat)*8)) >= nd.thr {
						r = 1
					}
					idx[g] = 2*j + 1 + r
				}
			}
		}
		first := uintptr(1)<<d - 1
		for g := range rowGroup {
			t := t0 + g
			mg[t%k] += p.leaves[uintptr(p.loff[t])+idx[g]-first]
		}
	}
	for t := t0; t < nt; t++ {
		mg[t%k] += p.leaf(t, x)
	}
}

// walkTree walks rows of buf through a whole tree of depth d, four rows at
// a time, for rows without missing values, leaving the bottom heap index
// of each in idx.
func walkTree(idx []int, nodes []pnode, buf []float64, nf, d int) {
	if len(buf) < len(idx)*nf || len(nodes) == 0 {
		panic("gbdt: walkTree: short buffer")
	}
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	base := unsafe.Pointer(unsafe.SliceData(buf))
	stride := uintptr(nf) * 8
	const sz = unsafe.Sizeof(pnode{})
	i := 0
	for ; i+4 <= len(idx); i += 4 {
		// Row pointers are computed from the row index, never advanced past
		// the last row (a pointer beyond the buffer is invalid even unused).
		bp := unsafe.Add(base, uintptr(i)*stride)
		b0, b1, b2, b3 := bp, unsafe.Add(bp, stride), unsafe.Add(bp, 2*stride), unsafe.Add(bp, 3*stride)
		var j0, j1, j2, j3 uintptr
		for range d {
			n0 := (*pnode)(unsafe.Add(np, j0*sz))
			n1 := (*pnode)(unsafe.Add(np, j1*sz))
			n2 := (*pnode)(unsafe.Add(np, j2*sz))
			n3 := (*pnode)(unsafe.Add(np, j3*sz))
			var r0, r1, r2, r3 uintptr
			if *(*float64)(unsafe.Add(b0, uintptr(n0.feat)*8)) >= n0.thr {
				r0 = 1
			}
			if *(*float64)(unsafe.Add(b1, uintptr(n1.feat)*8)) >= n1.thr {
				r1 = 1
			}
			if *(*float64)(unsafe.Add(b2, uintptr(n2.feat)*8)) >= n2.thr {
				r2 = 1
			}
			if *(*float64)(unsafe.Add(b3, uintptr(n3.feat)*8)) >= n3.thr {
				r3 = 1
			}
			j0, j1, j2, j3 = 2*j0+1+r0, 2*j1+1+r1, 2*j2+1+r2, 2*j3+1+r3
		}
		idx[i], idx[i+1], idx[i+2], idx[i+3] = int(j0), int(j1), int(j2), int(j3)
	}
	for ; i < len(idx); i++ {
		bp := unsafe.Add(base, uintptr(i)*stride)
		var j uintptr
		for range d {
			n := (*pnode)(unsafe.Add(np, j*sz))
			var r uintptr
			if *(*float64)(unsafe.Add(bp, uintptr(n.feat)*8)) >= n.thr {
				r = 1
			}
			j = 2*j + 1 + r
		}
		idx[i] = int(j)
	}
}
