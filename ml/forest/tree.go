package forest

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Tree is one fitted tree, flattened: node 0 is the root and node i is a
// leaf when Feature[i] is -1.
type Tree struct {
	// Feature is the index into Model.Features each node splits on; -1 at
	// leaves.
	Feature []int32 `json:"feature"`
	// Threshold: rows whose value is below it go left.
	Threshold []float64 `json:"threshold"`
	// MissingLeft: rows missing the value go left, else right.
	MissingLeft []bool `json:"missing_left"`
	// Left and Right are the children of each node; -1 at leaves.
	Left  []int32 `json:"left"`
	Right []int32 `json:"right"`
	// Value holds Model.Width values per node: the mean of y for
	// regression, the proportion of class 1 for two classes, the class
	// proportions otherwise, weighted by the bootstrap counts. Only
	// leaves' values are used.
	Value []float64 `json:"value"`

	bin []uint8 // split bins (bins <= bin go left), for out-of-bag rows
}

// leafOf returns the leaf a row reaches given its feature values.
func (t *Tree) leafOf(row []float64) int {
	i := 0
	for t.Feature[i] >= 0 {
		v := row[t.Feature[i]]
		left := v < t.Threshold[i]
		if v != v {
			left = t.MissingLeft[i]
		}
		if left {
			i = int(t.Left[i])
		} else {
			i = int(t.Right[i])
		}
	}
	return i
}

// leafOfBinned returns the leaf training row r of b reaches.
func (t *Tree) leafOfBinned(b *binned, r int) int {
	i := 0
	for t.Feature[i] >= 0 {
		bin := b.cols[int(t.Feature[i])*b.n+r]
		left := bin <= t.bin[i]
		if bin == missingBin {
			left = t.MissingLeft[i]
		}
		if left {
			i = int(t.Left[i])
		} else {
			i = int(t.Right[i])
		}
	}
	return i
}

// target is the training data every tree shares.
type target struct {
	b     *binned
	width int       // statistics per row: 1 (regression, two classes) or K
	y     []float64 // regression and two classes: y, one per row
	label []int32   // multiclass: class per row
	reg   bool
}

// builder grows one tree at a time; its buffers belong to one worker.
type builder struct {
	t        *target
	w        []float64 // bootstrap count per row
	rows     []uint32
	scratch  []uint32
	hist     []float64 // 256 bins × (2 + width): rows, weight, sums
	best     []float64 // node sums, for leaf values
	totS     []float64
	left     []float64
	perm     []int
	touched  []uint8 // bins holding rows of the feature being scanned
	mtry     int
	minLeaf  int
	maxDepth int
	rng      *rand.Rand
	tree     *Tree
}

func newBuilder(t *target, p Params, mtry int) *builder {
	return &builder{
		t:        t,
		w:        make([]float64, t.b.n),
		rows:     make([]uint32, 0, t.b.n),
		scratch:  make([]uint32, t.b.n),
		hist:     make([]float64, 256*(2+t.width)),
		best:     make([]float64, t.width),
		totS:     make([]float64, t.width),
		left:     make([]float64, 2+t.width),
		perm:     make([]int, t.b.nf),
		touched:  make([]uint8, 0, 256),
		mtry:     mtry,
		minLeaf:  p.MinSamplesLeaf,
		maxDepth: p.MaxDepth,
	}
}

// split is the best split found for a node.
type split struct {
	feat     int
	bin      uint8
	missLeft bool
	proxy    float64
}

// grow grows a tree on the rows whose count in b.w is positive.
func (bd *builder) grow() *Tree {
	bd.rows = bd.rows[:0]
	for i, w := range bd.w {
		if w > 0 {
			bd.rows = append(bd.rows, uint32(i))
		}
	}
	bd.tree = &Tree{}
	bd.node(0, len(bd.rows), 0)
	return bd.tree
}

// node grows the subtree of rows[start:end] and returns its index.
func (bd *builder) node(start, end, depth int) int32 {
	t := bd.tree
	id := int32(len(t.Feature))
	t.Feature = append(t.Feature, -1)
	t.Threshold = append(t.Threshold, 0)
	t.MissingLeft = append(t.MissingLeft, false)
	t.Left = append(t.Left, -1)
	t.Right = append(t.Right, -1)
	t.bin = append(t.bin, 0)
	rows := bd.rows[start:end]
	tg := bd.t
	k := tg.width
	sums := bd.best
	clear(sums)
	var wsum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		w := bd.w[r]
		wsum += w
		if tg.label != nil {
			sums[tg.label[r]] += w
		} else {
			y := tg.y[r]
			sums[0] += w * y
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	var impure bool
	if tg.reg {
		impure = lo < hi
	} else if tg.label != nil {
		impure = true
		for _, s := range sums {
			if s == wsum {
				impure = false
			}
		}
	} else {
		impure = sums[0] > 0 && sums[0] < wsum
	}
	for j := range k {
		t.Value = append(t.Value, sums[j]/wsum)
	}
	if !impure || (bd.maxDepth > 0 && depth >= bd.maxDepth) || len(rows) < 2*bd.minLeaf || len(rows) < 2 {
		return id
	}
	s, ok := bd.findSplit(rows)
	if !ok {
		return id
	}
	// Partition rows stably: left to the front, right through scratch.
	col := tg.b.cols[s.feat*tg.b.n : (s.feat+1)*tg.b.n]
	nl, nr := 0, 0
	tmp := bd.scratch[:len(rows)]
	for _, r := range rows {
		b := col[r]
		left := b <= s.bin
		if b == missingBin {
			left = s.missLeft
		}
		if left {
			rows[nl] = r
			nl++
		} else {
			tmp[nr] = r
			nr++
		}
	}
	copy(rows[nl:], tmp[:nr])
	t.Feature[id] = int32(s.feat)
	t.bin[id] = s.bin
	t.Threshold[id] = float64(tg.b.cuts[s.feat][s.bin])
	t.MissingLeft[id] = s.missLeft
	l := bd.node(start, start+nl, depth+1)
	r := bd.node(start+nl, end, depth+1)
	t.Left[id], t.Right[id] = l, r
	return id
}

// findSplit draws features without replacement, as scikit-learn's
// BestSplitter: at least mtry of them, and on until one is not constant
// in the node, and returns the split with the largest impurity decrease
// proxy Σ_k S_Lk²/W_L + Σ_k S_Rk²/W_R (S the weighted class counts or sums
// of y, W the weights), which orders splits as the Gini or squared-error
// decrease does.
func (bd *builder) findSplit(rows []uint32) (split, bool) {
	tg := bd.t
	nf := tg.b.nf
	for i := range bd.perm {
		bd.perm[i] = i
	}
	best := split{proxy: math.Inf(-1)}
	nonConst := 0
	for visited := 0; visited < nf && (visited < bd.mtry || nonConst == 0); visited++ {
		j := visited + bd.rng.IntN(nf-visited)
		bd.perm[visited], bd.perm[j] = bd.perm[j], bd.perm[visited]
		f := bd.perm[visited]
		if bd.scanFeature(rows, f, &best) {
			nonConst++
		}
	}
	return best, !math.IsInf(best.proxy, -1)
}

// scanFeature builds the histogram of feature f over rows and updates
// best; it reports whether f is not constant in the node.
func (bd *builder) scanFeature(rows []uint32, f int, best *split) bool {
	tg := bd.t
	k := tg.width
	d := 2 + k
	h := bd.hist
	col := tg.b.cols[f*tg.b.n : (f+1)*tg.b.n]
	touched := bd.touched[:0]
	if tg.label != nil {
		for _, r := range rows {
			e := h[int(col[r])*d:][:d]
			w := bd.w[r]
			if e[0] == 0 {
				touched = append(touched, col[r])
			}
			e[0]++
			e[1] += w
			e[2+tg.label[r]] += w
		}
	} else {
		for _, r := range rows {
			e := h[int(col[r])*d:][:3]
			w := bd.w[r]
			if e[0] == 0 {
				touched = append(touched, col[r])
			}
			e[0]++
			e[1] += w
			e[2] += w * tg.y[r]
		}
	}
	// Scan only the bins the node's rows fall in, in order, and clear
	// them after: small nodes touch few of the 256 bins.
	defer func() {
		for _, b := range touched {
			clear(h[int(b)*d:][:d])
		}
		bd.touched = touched
	}()
	if len(touched) < 2 {
		return false
	}
	slices.Sort(touched)
	miss := h[missingBin*d:][:d]
	var tot [2]float64
	totS := bd.totS
	clear(totS)
	for _, b := range touched {
		e := h[int(b)*d:][:d]
		tot[0] += e[0]
		tot[1] += e[1]
		for j := range k {
			totS[j] += e[2+j]
		}
	}
	left := bd.left
	minLeaf := float64(bd.minLeaf)
	for dir := range 2 {
		missLeft := dir == 0
		if !missLeft && miss[0] == 0 {
			break
		}
		clear(left)
		if missLeft {
			copy(left, miss)
		}
		for _, b := range touched {
			if b == missingBin {
				break
			}
			e := h[int(b)*d:][:d]
			for j := range d {
				left[j] += e[j]
			}
			nr := tot[0] - left[0]
			if left[0] < minLeaf {
				continue
			}
			if nr < minLeaf {
				break
			}
			wl, wr := left[1], tot[1]-left[1]
			var pl, pr float64
			for j := range k {
				sl := left[2+j]
				sr := totS[j] - sl
				pl += sl * sl
				pr += sr * sr
			}
			proxy := pl/wl + pr/wr
			if proxy > best.proxy {
				*best = split{feat: f, bin: b, missLeft: missLeft, proxy: proxy}
			}
		}
	}
	return true
}
