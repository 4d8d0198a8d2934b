package gbdt

import (
	"cmp"
	"container/heap"
	"slices"
)

const (
	// bigNode is the least rows of a node whose partition is split over
	// all workers; smaller nodes are handled by one worker each.
	bigNode = 16384
	// rtEps is XGBoost's kRtEps: splits must reduce the loss by more.
	rtEps = 1e-6
)

// split is a candidate split of a node.
type split struct {
	gain           float64
	feat           int
	bin            int // numeric: bins <= bin go left (none for -1)
	cat            bool
	catSet         [4]uint64 // categorical: bins in the set go left
	defLeft        bool
	gl, hl, gr, hr float64
}

// tnode is a node of the tree being grown.
type tnode struct {
	start, end  int // its rows are rowIdx[start:end]
	g, h        float64
	depth       int
	hist        []featHist
	best        split
	valid       bool
	left, right int // children in grower.nodes; -1 for a leaf
	value       float64
}

// splitRules are the regularisation terms of XGBoost's gain.
type splitRules struct {
	lambda, alpha, minChildWeight, maxDeltaStep, gamma float64
}

// thresholdL1 is XGBoost's ThresholdL1: soft thresholding by alpha.
func thresholdL1(g, alpha float64) float64 {
	switch {
	case g > alpha:
		return g - alpha
	case g < -alpha:
		return g + alpha
	}
	return 0
}

// weight is the optimal leaf value of gradient sum g and hessian sum h,
// before the learning rate.
func (s *splitRules) weight(g, h float64) float64 {
	if h < s.minChildWeight || h <= 0 {
		return 0
	}
	w := -thresholdL1(g, s.alpha) / (h + s.lambda)
	if s.maxDeltaStep != 0 {
		w = max(-s.maxDeltaStep, min(s.maxDeltaStep, w))
	}
	return w
}

// childGain is XGBoost 1.7's SplitEvaluator::CalcGainGivenWeight of a
// node or child holding g and h: G²/(H+λ) with G soft-thresholded by
// alpha, or with max_delta_step −(2Gw + (H+λ)w²) in float32 for the
// float32 clamped weight w. It has no min_child_weight test: a child below
// it is never scored, and a node below it has no valid split.
func (s *splitRules) childGain(g, h float64) float64 {
	if h <= 0 {
		return 0
	}
	if s.maxDeltaStep == 0 {
		t := thresholdL1(g, s.alpha)
		return t * t / (h + s.lambda)
	}
	w := float32(s.weight(g, h))
	gf, hf := float32(g), float32(h)
	return float64(-(float32(2*gf*w) + float32((hf+float32(s.lambda))*w*w)))
}

// nodeGain is the gain of a node that its splits subtract, kept as a
// float32 as XGBoost's NodeEntry::root_gain.
func (s *splitRules) nodeGain(g, h float64) float64 {
	return float64(float32(s.childGain(g, h)))
}

// splitGain is XGBoost's loss_chg of a split: the children's gains less
// the node's, rounded to float32.
func (s *splitRules) splitGain(gl, hl, gr, hr, parent float64) float64 {
	return float64(float32(s.childGain(gl, hl) + s.childGain(gr, hr) - parent))
}

// grower grows trees; its buffers are allocated once per fit.
type grower struct {
	rules      splitRules
	b          *binned
	feats      []Feature
	pool       *workers
	maxDepth   int
	maxLeaves  int
	lossguide  bool
	onehot     int
	catThresh  int
	rowIdx     []uint32
	scratch    []uint32
	nodes      []tnode
	free       [][]featHist
	colMask    []bool
	splitTable [][256]bool
	catOrder   [][]int // per worker, for sorting categories
}

func newGrower(b *binned, feats []Feature, p Params, pool *workers) *grower {
	gr := &grower{
		rules:     splitRules{lambda: p.RegLambda, alpha: p.RegAlpha, minChildWeight: p.MinChildWeight, maxDeltaStep: p.MaxDeltaStep, gamma: p.Gamma},
		b:         b,
		feats:     feats,
		pool:      pool,
		maxDepth:  p.MaxDepth,
		maxLeaves: p.MaxLeaves,
		lossguide: p.GrowPolicy == GrowLossguide,
		onehot:    p.MaxCatToOnehot,
		catThresh: p.MaxCatThreshold,
		rowIdx:    make([]uint32, b.n),
		scratch:   make([]uint32, b.n),
		colMask:   make([]bool, b.nf),
		catOrder:  make([][]int, b.nf),
	}
	for f := range gr.catOrder {
		gr.catOrder[f] = make([]int, 0, 256)
	}
	return gr
}

func (gr *grower) getHist() []featHist {
	if k := len(gr.free); k > 0 {
		h := gr.free[k-1]
		gr.free = gr.free[:k-1]
		return h
	}
	return make([]featHist, gr.b.nf)
}

func (gr *grower) putHist(h []featHist) {
	if h != nil {
		gr.free = append(gr.free, h)
	}
}

// histChunk is the rows per work item of a histogram build. A node's rows
// are cut into ceil(rows/histChunk) equal chunks whatever the number of
// workers, each summed into its own histogram and reduced in chunk order,
// so the sums, and the model, do not depend on NJobs.
const histChunk = 32768

// buildHists fills the histograms of the listed nodes from their rows, all
// nodes' chunks in one parallel pass.
func (gr *grower) buildHists(gh []gradPair, ids []int) {
	type task struct {
		node   int
		lo, hi int // rows gr.rowIdx[lo:hi]
		dst    []featHist
	}
	var tasks []task
	var reduce [][]task // per node with several chunks, its chunks
	for _, id := range ids {
		nd := &gr.nodes[id]
		n := nd.end - nd.start
		c := max(1, (n+histChunk-1)/histChunk)
		first := len(tasks)
		for k := range c {
			t := task{node: id, lo: nd.start + k*n/c, hi: nd.start + (k+1)*n/c, dst: nd.hist}
			if k > 0 {
				t.dst = gr.getHist()
			}
			tasks = append(tasks, t)
		}
		if c > 1 {
			reduce = append(reduce, tasks[first:first+c])
		}
	}
	nf, bins := gr.b.nf, gr.b.rows
	gr.pool.run(len(tasks), func(i int) {
		t := &tasks[i]
		clearHist(t.dst)
		buildHist(t.dst, gr.rowIdx[t.lo:t.hi], gh, bins, nf)
	})
	gr.pool.run(len(reduce)*nf, func(i int) {
		chunks, f := reduce[i/nf], i%nf
		dst := chunks[0].dst[f : f+1]
		for _, t := range chunks[1:] {
			addHist(dst, t.dst[f:f+1])
		}
	})
	for _, chunks := range reduce {
		for _, t := range chunks[1:] {
			gr.putHist(t.dst)
		}
	}
}

// findSplits sets the best split of each listed node.
func (gr *grower) findSplits(ids []int) {
	gr.pool.run(len(ids), func(i int) {
		nd := &gr.nodes[ids[i]]
		nd.valid = false
		nd.best = split{}
		if gr.maxDepth > 0 && nd.depth >= gr.maxDepth {
			return
		}
		parent := gr.rules.nodeGain(nd.g, nd.h)
		var order [256]int
		for f := range gr.b.nf {
			if !gr.colMask[f] {
				continue
			}
			if gr.feats[f].native() {
				gr.catSplit(nd, f, parent, &order)
			} else {
				gr.numSplit(nd, f, parent)
			}
		}
		nd.valid = nd.best.gain > rtEps && nd.best.gain >= gr.rules.gamma
	})
}

// numSplit finds the best split of numeric feature f as XGBoost 1.7's
// HistEvaluator::EnumerateSplit does: a forward scan of the bins with
// missing values on the right (so a node without them sends them right
// at prediction), then, when the node has missing values, a backward
// scan with them on the left. Both scans include the split of every
// present value against the missing ones. Gains are rounded to float32 as
// XGBoost's loss_chg, and a candidate replaces the best only when its
// gain is strictly greater, so ties keep the lowest feature, the forward
// scan and, within a scan, the first bin met.
func (gr *grower) numSplit(nd *tnode, f int, parent float64) {
	fh := &nd.hist[f]
	nb := gr.b.nbins[f]
	var miss histBin
	if nb <= maxValueBins {
		miss = fh[missingBin]
	}
	r := &gr.rules
	// gain is r.splitGain, written out for the common case (no alpha, no
	// max_delta_step) so that the scan makes no calls.
	plain, lambda := r.alpha == 0 && r.maxDeltaStep == 0, r.lambda
	gain := func(gl, hl, gR, hR float64) float64 {
		if plain {
			return float64(float32(gl*gl/(hl+lambda) + gR*gR/(hR+lambda) - parent))
		}
		return r.splitGain(gl, hl, gR, hR, parent)
	}
	var gl, hl float64
	for b := range nb {
		gl += fh[b].g
		hl += fh[b].h
		gR, hR := nd.g-gl, nd.h-hl
		if hl < r.minChildWeight || hl <= 0 {
			continue
		}
		if hR < r.minChildWeight || hR <= 0 {
			break // hessians are non-negative: hR only shrinks from here
		}
		if g := gain(gl, hl, gR, hR); g > nd.best.gain {
			nd.best = split{gain: g, feat: f, bin: b, gl: gl, hl: hl, gr: gR, hr: hR}
		}
	}
	if miss.h == 0 && miss.g == 0 {
		return
	}
	var gR, hR float64 // the bins from b up
	for b := nb - 1; b >= 0; b-- {
		gR += fh[b].g
		hR += fh[b].h
		gl, hl := nd.g-gR, nd.h-hR
		if hR < r.minChildWeight || hR <= 0 {
			continue
		}
		if hl < r.minChildWeight || hl <= 0 {
			break
		}
		if g := gain(gl, hl, gR, hR); g > nd.best.gain {
			nd.best = split{gain: g, feat: f, bin: b - 1, defLeft: true, gl: gl, hl: hl, gr: gR, hr: hR}
		}
	}
}

// catSplit finds the best split of native categorical feature f: one
// category against the rest for at most onehot categories, else prefixes of
// the categories sorted by g/h (at most catThresh on the left).
func (gr *grower) catSplit(nd *tnode, f int, parent float64, order *[256]int) {
	fh := &nd.hist[f]
	nb := gr.b.nbins[f]
	miss := fh[missingBin]
	r := &gr.rules
	cats := order[:0]
	for c := range nb {
		if fh[c].h > 0 {
			cats = append(cats, c)
		}
	}
	if len(cats) < 2 {
		return
	}
	try := func(gl, hl float64, defLeft bool, set *[4]uint64) {
		gR, hR := nd.g-gl, nd.h-hl
		if hl < r.minChildWeight || hR < r.minChildWeight {
			return
		}
		gain := r.splitGain(gl, hl, gR, hR, parent)
		if gain > nd.best.gain {
			nd.best = split{gain: gain, feat: f, cat: true, catSet: *set, defLeft: defLeft, gl: gl, hl: hl, gr: gR, hr: hR}
		}
	}
	for dir := 0; dir < 2; dir++ {
		defLeft := dir == 0
		if !defLeft && miss.h == 0 && miss.g == 0 {
			break
		}
		var g0, h0 float64
		if defLeft {
			g0, h0 = miss.g, miss.h
		}
		if len(cats) <= gr.onehot {
			for _, c := range cats {
				var set [4]uint64
				set[c>>6] |= 1 << (c & 63)
				try(g0+fh[c].g, h0+fh[c].h, defLeft, &set)
			}
			continue
		}
		if dir == 0 {
			slices.SortFunc(cats, func(a, b int) int {
				if c := cmp.Compare(fh[a].g/fh[a].h, fh[b].g/fh[b].h); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
		}
		var set [4]uint64
		gl, hl := g0, h0
		for k := 0; k < len(cats)-1 && k < gr.catThresh; k++ {
			c := cats[k]
			set[c>>6] |= 1 << (c & 63)
			gl += fh[c].g
			hl += fh[c].h
			try(gl, hl, defLeft, &set)
		}
	}
}

// table returns the bins that go left under s.
func (s *split) table() [256]bool {
	var t [256]bool
	for b := range maxValueBins {
		if s.cat {
			t[b] = s.catSet[b>>6]>>(b&63)&1 != 0
		} else {
			t[b] = b <= s.bin
		}
	}
	// Bin missingBin is a value bin of a numeric feature with 256 value
	// bins, which never has defLeft set and whose splits leave it right.
	t[missingBin] = s.defLeft
	return t
}

// partition splits the rows of nd stably by its best split and returns the
// number going left.
func (gr *grower) partition(nd *tnode, goLeft *[256]bool) int {
	n := gr.b.n
	col := gr.b.cols[nd.best.feat*n : (nd.best.feat+1)*n]
	rows := gr.rowIdx[nd.start:nd.end]
	tmp := gr.scratch[nd.start:nd.end]
	if len(rows) < bigNode || gr.pool.n == 1 {
		nl, nr := 0, 0
		for _, r := range rows {
			if goLeft[col[r]] {
				rows[nl] = r
				nl++
			} else {
				tmp[nr] = r
				nr++
			}
		}
		copy(rows[nl:], tmp[:nr])
		return nl
	}
	w := gr.pool.n
	var nls [64]int
	w = min(w, len(nls))
	gr.pool.run(w, func(k int) {
		lo, hi := k*len(rows)/w, (k+1)*len(rows)/w
		l, r := lo, hi
		part := rows[lo:hi]
		for _, x := range part {
			if goLeft[col[x]] {
				tmp[l] = x
				l++
			} else {
				r--
				tmp[r] = x
			}
		}
		nls[k] = l - lo
	})
	var offL, offR [65]int
	for k := range w {
		offL[k+1] = offL[k] + nls[k]
	}
	total := offL[w]
	for k := range w {
		lo, hi := k*len(rows)/w, (k+1)*len(rows)/w
		offR[k+1] = offR[k] + (hi - lo - nls[k])
	}
	gr.pool.run(w, func(k int) {
		lo, hi := k*len(rows)/w, (k+1)*len(rows)/w
		copy(rows[offL[k]:], tmp[lo:lo+nls[k]])
		dst := rows[total+offR[k]:]
		j := 0
		for i := hi - 1; i >= lo+nls[k]; i-- {
			dst[j] = tmp[i]
			j++
		}
	})
	return total
}

// expand splits the listed nodes, builds the children's histograms (the
// smaller child directly, the larger by subtraction), finds the children's
// splits and returns the new node ids.
func (gr *grower) expand(gh []gradPair, ids []int) []int {
	tables := make([][256]bool, len(ids))
	for i, id := range ids {
		tables[i] = gr.nodes[id].best.table()
	}
	nls := make([]int, len(ids))
	var small []int
	for i, id := range ids {
		nd := &gr.nodes[id]
		if nd.end-nd.start >= bigNode {
			nls[i] = gr.partition(nd, &tables[i])
		} else {
			small = append(small, i)
		}
	}
	gr.pool.run(len(small), func(j int) {
		i := small[j]
		nls[i] = gr.partition(&gr.nodes[ids[i]], &tables[i])
	})
	var children, build []int
	for i, id := range ids {
		nd := gr.nodes[id]
		l := len(gr.nodes)
		mid := nd.start + nls[i]
		s := nd.best
		gr.nodes = append(gr.nodes,
			tnode{start: nd.start, end: mid, g: s.gl, h: s.hl, depth: nd.depth + 1, left: -1, right: -1},
			tnode{start: mid, end: nd.end, g: s.gr, h: s.hr, depth: nd.depth + 1, left: -1, right: -1})
		gr.nodes[id].left, gr.nodes[id].right = l, l+1
		children = append(children, l, l+1)
		if gr.maxDepth > 0 && nd.depth+1 >= gr.maxDepth {
			continue // leaves at the depth limit need no histogram
		}
		sm := l
		if mid-nd.start > nd.end-mid {
			sm = l + 1
		}
		gr.nodes[sm].hist = gr.getHist()
		build = append(build, sm)
	}
	gr.buildHists(gh, build)
	var scan, parents []int
	for _, id := range ids {
		nd := &gr.nodes[id]
		if gr.nodes[nd.left].hist != nil || gr.nodes[nd.right].hist != nil {
			parents = append(parents, id)
			scan = append(scan, nd.left, nd.right)
		}
	}
	gr.pool.run(len(parents), func(i int) {
		nd := &gr.nodes[parents[i]]
		big, sm := &gr.nodes[nd.left], &gr.nodes[nd.right]
		if big.hist != nil {
			big, sm = sm, big
		}
		big.hist, nd.hist = nd.hist, nil
		subtractHist(big.hist, big.hist, sm.hist)
	})
	for _, id := range ids {
		gr.putHist(gr.nodes[id].hist)
		gr.nodes[id].hist = nil
	}
	gr.findSplits(scan)
	return children
}

// grow grows one tree on the rows gr.rowIdx[:nRows] and leaves gr.nodes
// holding it, leaf values unset.
func (gr *grower) grow(gh []gradPair, nRows int) {
	for i := range gr.nodes {
		gr.putHist(gr.nodes[i].hist)
	}
	gr.nodes = append(gr.nodes[:0], tnode{start: 0, end: nRows, left: -1, right: -1})
	gr.nodes[0].hist = gr.getHist()
	gr.buildHists(gh, []int{0})
	var g, h float64
	for _, e := range gr.nodes[0].hist[0] {
		g += e.g
		h += e.h
	}
	gr.nodes[0].g, gr.nodes[0].h = g, h
	gr.findSplits([]int{0})
	if gr.lossguide {
		gr.growLossguide(gh)
	} else {
		gr.growDepthwise(gh)
	}
	for i := range gr.nodes {
		gr.putHist(gr.nodes[i].hist)
		gr.nodes[i].hist = nil
	}
}

func (gr *grower) growDepthwise(gh []gradPair) {
	level := []int{0}
	leaves := 1
	for len(level) > 0 {
		var ids []int
		for _, id := range level {
			if gr.nodes[id].valid && (gr.maxLeaves == 0 || leaves < gr.maxLeaves) {
				ids = append(ids, id)
				leaves++
			}
		}
		for _, id := range level {
			if !slices.Contains(ids, id) {
				gr.putHist(gr.nodes[id].hist)
				gr.nodes[id].hist = nil
			}
		}
		if len(ids) == 0 {
			return
		}
		level = gr.expand(gh, ids)
	}
}

// leafHeap orders open leaves by gain, then by id, for best-first growth.
type leafHeap struct {
	ids   []int
	nodes *[]tnode
}

func (q *leafHeap) Len() int { return len(q.ids) }
func (q *leafHeap) Less(i, j int) bool {
	a, b := (*q.nodes)[q.ids[i]].best.gain, (*q.nodes)[q.ids[j]].best.gain
	if a != b {
		return a > b
	}
	return q.ids[i] < q.ids[j]
}
func (q *leafHeap) Swap(i, j int) { q.ids[i], q.ids[j] = q.ids[j], q.ids[i] }
func (q *leafHeap) Push(x any)    { q.ids = append(q.ids, x.(int)) }
func (q *leafHeap) Pop() any {
	x := q.ids[len(q.ids)-1]
	q.ids = q.ids[:len(q.ids)-1]
	return x
}

func (gr *grower) growLossguide(gh []gradPair) {
	q := &leafHeap{nodes: &gr.nodes}
	if gr.nodes[0].valid {
		heap.Push(q, 0)
	}
	leaves := 1
	for q.Len() > 0 && (gr.maxLeaves == 0 || leaves < gr.maxLeaves) {
		id := heap.Pop(q).(int)
		for _, c := range gr.expand(gh, []int{id}) {
			if gr.nodes[c].valid {
				heap.Push(q, c)
			}
		}
		leaves++
	}
}
