package gbdt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// sketchRows is the most rows whose values choose the bin edges, as
// LightGBM's bin_construct_sample_cnt.
const sketchRows = 200_000

// Feature describes one input column of a model.
type Feature struct {
	// Name is the column's name in the frame.
	Name string `json:"name"`
	// Categorical is true for a frame.CategoricalColumn; its codes are
	// split natively when Categories has at most 255 entries.
	Categorical bool `json:"categorical,omitempty"`
	// Bool is true for a frame.BoolColumn, read as 0 and 1.
	Bool bool `json:"bool,omitempty"`
	// Categories is the training dictionary of a categorical feature;
	// prediction maps a frame's categories onto it by value, and unknown
	// categories count as missing.
	Categories []string `json:"categories,omitempty"`
}

// native reports whether a feature's values are category codes used as
// bins directly.
func (f *Feature) native() bool { return f.Categorical && len(f.Categories) <= maxValueBins }

// binned is the training matrix: one uint8 bin per row and feature, in both
// layouts. Bin missingBin holds missing values, except in a numeric
// feature with 256 value bins, which has none.
type binned struct {
	n, nf int
	cols  []uint8     // column-major, cols[f*n+i]
	rows  []uint8     // row-major, rows[i*nf+f]
	cuts  [][]float32 // per numeric feature, ascending bin upper bounds (float32 values below go lower)
	thr   [][]float32 // per numeric feature, the cuts as model thresholds (float64 values below go left)
	minv  []float32   // per numeric feature, a threshold below every value
	nbins []int       // bins holding values per feature; with 256 the feature has no missing values
}

// featureValues returns column c as float64 values, NaN where missing, and
// its Feature.
func featureValues(c frame.Column) ([]float64, Feature, error) {
	ft := Feature{Name: c.Name(), Bool: c.Kind() == frame.Bool, Categorical: c.Kind() == frame.Categorical}
	v, ok := frame.Numeric(c)
	if !ok {
		return nil, ft, fmt.Errorf("gbdt: column %q has kind %s, want float, boolean or categorical: %w", c.Name(), c.Kind(), ErrInvalid)
	}
	if cc, isCat := c.(*frame.CategoricalColumn); isCat {
		ft.Categories = slices.Clone(cc.Dict())
	}
	return v, ft, nil
}

// binOf returns the bin of v under cuts: the first bin whose bound
// exceeds float32(v), as XGBoost's SearchBin, or the last bin.
func binOf(cuts []float32, v float64) uint8 {
	if v != v {
		return missingBin
	}
	x := float32(v)
	lo, hi := 0, len(cuts)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if x < cuts[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return uint8(lo)
}

// binFrame bins the features of x, choosing the cuts from a sample of at
// most sketchRows rows.
func binFrame(vals [][]float64, feats []Feature, n, maxBin int, seed uint64, pool *workers) *binned {
	nf := len(vals)
	b := &binned{n: n, nf: nf, cols: make([]uint8, n*nf), rows: make([]uint8, n*nf), cuts: make([][]float32, nf), thr: make([][]float32, nf), minv: make([]float32, nf), nbins: make([]int, nf)}
	var sample []int
	if n > sketchRows {
		r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		sample = r.Perm(n)[:sketchRows]
		slices.Sort(sample)
	}
	pool.run(nf, func(f int) {
		v := vals[f]
		col := b.cols[f*n : (f+1)*n]
		if feats[f].native() {
			b.nbins[f] = max(len(feats[f].Categories), 1)
			for i, x := range v {
				if x != x {
					col[i] = missingBin
				} else {
					col[i] = uint8(x)
				}
			}
			return
		}
		s := v
		if sample != nil {
			s = make([]float64, len(sample))
			for j, i := range sample {
				s[j] = v[i]
			}
		}
		cs := computeCuts(s, maxBin)
		cuts := cs.cuts
		if len(cuts) > maxValueBins && slices.ContainsFunc(v, math.IsNaN) {
			// 256 value bins leave no bin for missing values: merge the
			// top two (XGBoost has 256 value bins and a missing flag).
			cuts = slices.Delete(cuts, len(cuts)-2, len(cuts)-1)
			cs.thr = slices.Delete(cs.thr, len(cs.thr)-2, len(cs.thr)-1)
		}
		b.cuts[f], b.thr[f], b.minv[f], b.nbins[f] = cuts, cs.thr, cs.minv, len(cuts)
		for i, x := range v {
			col[i] = binOf(cuts, x)
		}
	})
	const blk = 4096
	pool.run((n+blk-1)/blk, func(k int) {
		lo, hi := k*blk, min((k+1)*blk, n)
		for f := range nf {
			col := b.cols[f*n : (f+1)*n]
			for i := lo; i < hi; i++ {
				b.rows[i*nf+f] = col[i]
			}
		}
	})
	return b
}

// The cuts of a numeric feature are XGBoost 1.7's (src/common/quantile.h
// and quantile.cc, HostSketchContainer): a weighted quantile sketch
// (WQuantileSketch, every row weighing 1) with eps = 1/(8·bins) over the
// feature's values as float32, in row order, pruned to 8·max_bin entries
// and then to max_bin+1; the cuts are the entries 1..max_bin-1 and a last
// bound above the maximum. The sketch is exact while the feature has at
// most 2·limit values, so on small data the cuts are the distinct values
// themselves. The arithmetic is float32 as in XGBoost, so the cuts are the
// same numbers.

// sketchFactor is WQuantileSketch::kFactor.
const sketchFactor = 8

// wqEntry is an entry of a WQSummary: a value, the least and greatest rank
// of its first copy and its weight, all float32 as in XGBoost, and lo, the
// least pushed float64 value that rounds to value.
type wqEntry struct {
	rmin, rmax, wmin, value float32
	lo                      float64
}

func (e *wqEntry) rminNext() float32 { return e.rmin + e.wmin }
func (e *wqEntry) rmaxPrev() float32 { return e.rmax - e.wmin }

// makeSummary is WQuantileSketch::Queue::MakeSummary over the values of
// q, which it sorts: it appends one entry per distinct float32 value to
// dst. Sorting the float64 values keeps equal float32 values together
// (rounding is monotone) with the least of them first.
func makeSummary(dst []wqEntry, q []float64) []wqEntry {
	slices.Sort(q)
	var wsum float32
	for i := 0; i < len(q); {
		v := float32(q[i])
		j := i + 1
		for j < len(q) && float32(q[j]) == v {
			j++
		}
		w := float32(j - i)
		dst = append(dst, wqEntry{rmin: wsum, rmax: wsum + w, wmin: w, value: v, lo: q[i]})
		wsum += w
		i = j
	}
	return dst
}

// setPrune is WQSummary::SetPrune: it appends to dst (which must not share
// memory with src) at most maxSize entries of src at evenly spaced ranks.
func setPrune(dst, src []wqEntry, maxSize int) []wqEntry {
	if len(src) <= maxSize {
		return append(dst, src...)
	}
	begin := src[0].rmax
	rng := src[len(src)-1].rmin - src[0].rmax
	n := maxSize - 1
	dst = append(dst, src[0])
	i, last := 1, 0
	for k := 1; k < n; k++ {
		// float32 conversions round every step as XGBoost's float
		// arithmetic does (and keep the compiler from fusing).
		dx2 := float32(2 * float32(float32(float32(float32(k)*rng)/float32(n))+begin))
		for i < len(src)-1 && dx2 >= src[i+1].rmax+src[i+1].rmin {
			i++
		}
		if i == len(src)-1 {
			break
		}
		if dx2 < src[i].rminNext()+src[i+1].rmaxPrev() {
			if i != last {
				dst = append(dst, src[i])
				last = i
			}
		} else if i+1 != last {
			dst = append(dst, src[i+1])
			last = i + 1
		}
	}
	if last != len(src)-1 {
		dst = append(dst, src[len(src)-1])
	}
	return dst
}

// setCombine is WQSummary::SetCombine: it appends to dst the merge of the
// summaries a and b.
func setCombine(dst, a, b []wqEntry) []wqEntry {
	if len(a) == 0 {
		return append(dst, b...)
	}
	if len(b) == 0 {
		return append(dst, a...)
	}
	start := len(dst)
	var aPrev, bPrev float32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x, y := &a[i], &b[j]
		switch {
		case x.value == y.value:
			dst = append(dst, wqEntry{rmin: x.rmin + y.rmin, rmax: x.rmax + y.rmax, wmin: x.wmin + y.wmin, value: x.value, lo: min(x.lo, y.lo)})
			aPrev, bPrev = x.rminNext(), y.rminNext()
			i++
			j++
		case x.value < y.value:
			dst = append(dst, wqEntry{rmin: x.rmin + bPrev, rmax: x.rmax + y.rmaxPrev(), wmin: x.wmin, value: x.value, lo: x.lo})
			aPrev = x.rminNext()
			i++
		default:
			dst = append(dst, wqEntry{rmin: y.rmin + aPrev, rmax: y.rmax + x.rmaxPrev(), wmin: y.wmin, value: y.value, lo: y.lo})
			bPrev = y.rminNext()
			j++
		}
	}
	if i < len(a) {
		bMax := b[len(b)-1].rmin + b[len(b)-1].wmin
		for ; i < len(a); i++ {
			dst = append(dst, wqEntry{rmin: a[i].rmin + bPrev, rmax: a[i].rmax + bMax, wmin: a[i].wmin, value: a[i].value, lo: a[i].lo})
		}
	}
	if j < len(b) {
		aMax := a[len(a)-1].rmin + a[len(a)-1].wmin
		for ; j < len(b); j++ {
			dst = append(dst, wqEntry{rmin: b[j].rmin + aPrev, rmax: b[j].rmax + aMax, wmin: b[j].wmin, value: b[j].value, lo: b[j].lo})
		}
	}
	fixError(dst[start:])
	return dst
}

// fixError is WQSummary::FixError: it makes the ranks consistent.
func fixError(s []wqEntry) {
	var prevMin, prevMax float32
	for i := range s {
		e := &s[i]
		if e.rmin < prevMin {
			e.rmin = prevMin
		} else {
			prevMin = e.rmin
		}
		if e.rmax < prevMax {
			e.rmax = prevMax
		}
		if next := e.rminNext(); e.rmax < next {
			e.rmax = next
		}
		prevMax = e.rmax
	}
}

// wqSketch is XGBoost's WQuantileSketch with unit weights. Its input
// queue holds at most 2·limit entries, an entry being a run of equal
// (float32) values pushed one after the other; queue keeps the float64
// values themselves and entries counts the runs.
type wqSketch struct {
	limit   int
	queue   []float64
	entries int
	levels  [][]wqEntry
	temp    []wqEntry
}

// newSketch is WQuantileSketch::Init(maxn, eps) with XGBoost's
// LimitSizeLevel.
func newSketch(maxn int, eps float64) *wqSketch {
	limit := 0
	for nlevel := 1; ; nlevel++ {
		limit = min(maxn, int(math.Ceil(float64(nlevel)/eps))+1)
		if (1<<nlevel)*limit >= maxn {
			break
		}
	}
	return &wqSketch{limit: limit, queue: make([]float64, 0, min(maxn, 2*limit))}
}

// push is WQuantileSketch::Push(float32(v), 1).
func (s *wqSketch) push(v float64) {
	if n := len(s.queue); n > 0 && float32(s.queue[n-1]) == float32(v) {
		s.queue = append(s.queue, v)
		return
	}
	if s.entries == 2*s.limit {
		s.temp = makeSummary(s.temp[:0], s.queue)
		s.queue, s.entries = s.queue[:0], 0
		s.pushTemp()
	}
	s.queue = append(s.queue, v)
	s.entries++
}

// pushTemp is WQuantileSketch::PushTemp: it merges s.temp into the levels.
func (s *wqSketch) pushTemp() {
	for l := 1; ; l++ {
		for len(s.levels) < l+1 {
			s.levels = append(s.levels, make([]wqEntry, 0, s.limit))
		}
		if len(s.levels[l]) == 0 {
			s.levels[l] = setPrune(s.levels[l], s.temp, s.limit)
			return
		}
		s.levels[0] = setPrune(s.levels[0][:0], s.temp, s.limit)
		s.temp = setCombine(s.temp[:0], s.levels[0], s.levels[l])
		if len(s.temp) > s.limit {
			s.levels[l] = s.levels[l][:0]
			continue
		}
		s.levels[l] = append(s.levels[l][:0], s.temp...)
		return
	}
}

// summary is WQuantileSketch::GetSummary.
func (s *wqSketch) summary() []wqEntry {
	out := makeSummary(nil, s.queue)
	if len(s.levels) == 0 {
		if len(out) > s.limit {
			out = setPrune(nil, out, s.limit)
		}
		return out
	}
	l0 := setPrune(nil, out, s.limit)
	for _, lv := range s.levels[1:] {
		if len(lv) == 0 {
			continue
		}
		if len(l0) == 0 {
			l0 = append(l0, lv...)
			continue
		}
		out = setCombine(out[:0], l0, lv)
		l0 = setPrune(l0[:0], out, s.limit)
	}
	return l0
}

// cutSet holds the bins of one numeric feature.
type cutSet struct {
	// cuts are the ascending bin upper bounds, XGBoost's cut values: a
	// value v falls in the first bin whose bound exceeds float32(v), the
	// last bin if none.
	cuts []float32
	// thr are the cuts as model thresholds. Training bins float32(v)
	// against a cut c, as XGBoost does; prediction compares v in float64
	// against the threshold. Where a training value v rounds up to c
	// (v < c) the threshold is c's float32 predecessor, so that v goes
	// right at prediction as it did in training. A training value that
	// rounds to that predecessor then goes right at prediction though it
	// went left in training; that takes values one float32 step apart.
	thr []float32
	// minv is XGBoost's min_vals, the threshold of a split sending every
	// present value right.
	minv float32
}

// computeCuts returns the bins of one numeric feature from its values
// (NaN missing), as XGBoost 1.7 hist chooses them for maxBins bins.
func computeCuts(vals []float64, maxBins int) cutSet {
	count := 0
	for _, v := range vals {
		if v == v {
			count++
		}
	}
	if count == 0 {
		const mval = float32(1e-5)
		return cutSet{cuts: []float32{mval + (mval + 1e-5)}, thr: []float32{mval + (mval + 1e-5)}, minv: mval}
	}
	nb := max(min(maxBins, count), 1)
	s := newSketch(count, 1.0/float64(float32(nb)*sketchFactor))
	for _, v := range vals {
		if v == v {
			s.push(v)
		}
	}
	inter := min(count, maxBins*sketchFactor)
	reduced := setPrune(nil, s.summary(), inter)
	maxNum := min(inter, maxBins)
	a := setPrune(nil, reduced, maxNum+1)
	mval := a[0].value
	cs := cutSet{minv: mval - float32(math.Abs(float64(mval))) - 1e-5}
	for i := 1; i < min(len(a), maxNum); i++ {
		c := a[i].value
		if len(cs.cuts) > 0 && c <= cs.cuts[len(cs.cuts)-1] {
			continue
		}
		t := c
		if a[i].lo < float64(c) {
			t = math.Nextafter32(c, float32(math.Inf(-1)))
		}
		cs.cuts, cs.thr = append(cs.cuts, c), append(cs.thr, t)
	}
	top := a[len(a)-1].value
	last := top + (float32(math.Abs(float64(top))) + 1e-5)
	cs.cuts, cs.thr = append(cs.cuts, last), append(cs.thr, last)
	return cs
}
