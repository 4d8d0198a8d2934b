package transform

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/mlcycle/mlcycle/ml/stats"
)

// fstep is one fitted step. Numeric operations hold one parameter per
// vector of the value they were fitted on. Every number is finite, so the
// step encodes as plain JSON.
type fstep struct {
	Op     string `json:"op"`
	Method string `json:"method,omitempty"`

	Fill      []float64 `json:"fill,omitempty"`
	FillCat   string    `json:"fill_cat,omitempty"`
	Indicator []bool    `json:"indicator,omitempty"`

	Center []float64   `json:"center,omitempty"`
	Scale  []float64   `json:"scale,omitempty"`
	Lo     []float64   `json:"lo,omitempty"`
	Hi     []float64   `json:"hi,omitempty"`
	Lambda []float64   `json:"lambda,omitempty"`
	Edges  [][]float64 `json:"edges,omitempty"`

	Categories  []string    `json:"categories,omitempty"`
	Other       bool        `json:"other,omitempty"`
	Freq        []float64   `json:"freq,omitempty"`
	MissingFreq float64     `json:"missing_freq,omitempty"`
	Enc         [][]float64 `json:"enc,omitempty"`
	Prior       []float64   `json:"prior,omitempty"`

	Parts []string `json:"parts,omitempty"`
	Ref   int64    `json:"ref,omitempty"`

	Hash *TextHash `json:"hash,omitempty"`
	IDF  []float64 `json:"idf,omitempty"`

	// Set by prepare once the pipeline is fitted or decoded, so that Apply
	// does no per-call work proportional to the number of categories.
	catsSorted bool     // Categories is strictly ascending: binary search
	outBase    string   // the input name outNames were made for
	outNames   []string // one-hot or text_hash output names of outBase
}

// prepare precomputes what applying the step to the chain of column name
// needs on every call. It must run before the pipeline is shared.
func (fs *fstep) prepare(name string) {
	fs.catsSorted = strictlySorted(fs.Categories)
	switch {
	case fs.Op == "onehot":
		fs.outBase = name
		fs.outNames = make([]string, 0, len(fs.Categories)+1)
		for _, c := range fs.Categories {
			fs.outNames = append(fs.outNames, name+"__"+c)
		}
		fs.outNames = append(fs.outNames, name+"__"+otherName(fs.Categories))
	case fs.Op == "text_hash" && fs.Hash != nil:
		fs.outBase = name
		fs.outNames = make([]string, fs.Hash.NFeatures)
		for j := range fs.outNames {
			fs.outNames[j] = fmt.Sprintf("%s__h%d", name, j)
		}
	}
}

func strictlySorted(list []string) bool {
	for i := 1; i < len(list); i++ {
		if list[i-1] >= list[i] {
			return false
		}
	}
	return true
}

// lookupSorted is c.lookup(indexOf(list), miss) for a strictly ascending
// list, by binary search: no map to build for each call.
func (c *catValue) lookupSorted(list []string, miss int32) []int32 {
	t := make([]int32, len(c.dict))
	for i, s := range c.dict {
		if j, ok := slices.BinarySearch(list, s); ok {
			t[i] = int32(j)
		} else {
			t[i] = miss
		}
	}
	return t
}

// opOf returns the operation name of a validated step.
func opOf(st Step) string { return st.ops()[0] }

// fitStep fits st on v and returns the fitted step and v transformed for
// the training frame (out-of-fold for target encoding).
func fitStep(ctx context.Context, st Step, v *value, y *Target, o Options) (*fstep, *value, error) {
	op := opOf(st)
	fs := &fstep{Op: op}
	if v.kind == vText && op != "text_hash" {
		v.toCategorical()
	}
	switch op {
	case "impute":
		fs.Method = st.Impute
		if v.kind == vCategorical {
			fs.Indicator = []bool{st.Indicator && hasMissingCat(v.cat)}
			fs.FillCat = "missing"
			if s, ok := st.Fill.(string); ok {
				fs.FillCat = s
			}
			if st.Impute == "mode" {
				if m, ok := modeCat(v.cat); ok {
					fs.FillCat = m
				}
			}
			break
		}
		c, _ := toFloat(st.Fill)
		for _, x := range v.nums {
			fs.Indicator = append(fs.Indicator, st.Indicator && hasNaN(x))
			f := c
			switch st.Impute {
			case "mean":
				if m, _, n := meanVar(x); n > 0 {
					f = m
				}
			case "median":
				if s := validOf(x); len(s) > 0 {
					f = medianSel(s)
				}
			case "mode":
				if s := sortedValid(x); len(s) > 0 {
					f = modeSorted(s)
				}
			}
			fs.Fill = append(fs.Fill, f)
		}
	case "scale":
		fs.Method = st.Scale
		for _, x := range v.nums {
			center, scale := 0.0, 1.0
			switch st.Scale {
			case "standard":
				if m, vr, n := meanVar(x); n > 0 {
					center, scale = m, math.Sqrt(vr)
				}
			case "minmax":
				if s := validOf(x); len(s) > 0 {
					center = minOf(s)
					scale = maxOf(s) - center
				}
			case "robust":
				if s := validOf(x); len(s) > 0 {
					center = medianSel(s)
					scale = quantileSel(s, 0.75) - quantileSel(s, 0.25)
				}
			}
			if scale < 10*epsilon || math.IsNaN(scale) || math.IsInf(scale, 0) { // sklearn _handle_zeros_in_scale
				scale = 1
			}
			fs.Center = append(fs.Center, center)
			fs.Scale = append(fs.Scale, scale)
		}
	case "clip":
		for _, x := range v.nums {
			lo, hi := -math.MaxFloat64, math.MaxFloat64
			c := st.Clip
			if c.Min != nil {
				lo = *c.Min
			}
			if c.Max != nil {
				hi = *c.Max
			}
			if c.LowerQ != nil || c.UpperQ != nil {
				s := validOf(x)
				if len(s) > 0 && c.LowerQ != nil {
					lo = quantileSel(s, *c.LowerQ)
				}
				if len(s) > 0 && c.UpperQ != nil {
					hi = quantileSel(s, *c.UpperQ)
				}
			}
			fs.Lo = append(fs.Lo, lo)
			fs.Hi = append(fs.Hi, hi)
		}
	case "log":
	case "boxcox":
		for j, x := range v.nums {
			s := validOf(x)
			for _, u := range s {
				if u <= 0 {
					return nil, nil, fmt.Errorf("%w: boxcox on %q: training values must be strictly positive, found %v", ErrInput, v.names[j], u)
				}
			}
			l := 1.0
			if len(s) > 1 {
				l = fitBoxCox(s)
			}
			fs.Lambda = append(fs.Lambda, l)
		}
	case "yeojohnson":
		for _, x := range v.nums {
			s := validOf(x)
			l := 1.0
			if len(s) > 1 {
				l = fitYeoJohnson(s)
			}
			fs.Lambda = append(fs.Lambda, l)
		}
	case "bins":
		n := st.Bins.N
		if n == 0 {
			n = 5
		}
		for _, x := range v.nums {
			fs.Edges = append(fs.Edges, quantileEdges(sortedValid(x), n))
		}
	case "onehot":
		m := st.OneHot.MaxCategories
		if m == 0 {
			m = 20
		}
		fs.Categories = keptCategories(v.cat, m)
		fs.Other = true
	case "ordinal":
		fs.Categories = usedCategories(v.cat)
	case "frequency":
		cnt, miss := v.cat.counts()
		n := float64(len(v.cat.codes))
		fs.Categories = usedCategories(v.cat)
		idx := indexOf(v.cat.dict)
		for _, c := range fs.Categories {
			fs.Freq = append(fs.Freq, float64(cnt[idx[c]])/n)
		}
		if n > 0 {
			fs.MissingFreq = float64(miss) / n
		}
	case "target":
		return fitTarget(ctx, st, v, y, o)
	case "date_parts":
		fs.Parts = append([]string(nil), st.DateParts...)
		first := true
		for i, t := range v.times {
			if v.mask.IsSet(i) {
				continue
			}
			if first || t > fs.Ref {
				fs.Ref, first = t, false
			}
		}
	case "text_hash":
		h := st.TextHash.withDefaults()
		fs.Hash = &h
		idf, err := fitIDF(ctx, v.text, v.mask.IsSet, h)
		if err != nil {
			return nil, nil, err
		}
		fs.IDF = idf
	}
	out, err := applyStep(ctx, fs, v)
	return fs, out, err
}

// applyStep transforms v with a fitted step. It never modifies v's slices.
func applyStep(ctx context.Context, fs *fstep, v *value) (*value, error) {
	if v.kind == vText && fs.Op != "text_hash" {
		v.toCategorical()
	}
	numeric := func(f func(j int, x, out []float64)) (*value, error) {
		if v.kind != vNumeric {
			return nil, fmt.Errorf("%w: %s needs a numeric value, got %s", ErrInput, fs.Op, v.kind)
		}
		out := *v
		out.nums = make([][]float64, len(v.nums))
		for j, x := range v.nums {
			if j >= paramLen(fs) {
				return nil, fmt.Errorf("%w: %s fitted on %d columns, got %d", ErrInput, fs.Op, paramLen(fs), len(v.nums))
			}
			o := make([]float64, len(x))
			f(j, x, o)
			out.nums[j] = o
		}
		return &out, nil
	}
	switch fs.Op {
	case "impute":
		if v.kind == vCategorical {
			return imputeCat(fs, v), nil
		}
		out, err := numeric(func(j int, x, o []float64) {
			f := fs.Fill[j]
			for i, u := range x {
				if math.IsNaN(u) {
					o[i] = f
				} else {
					o[i] = u
				}
			}
		})
		if err != nil {
			return nil, err
		}
		out.extra = slices.Clone(v.extra)
		out.extraNames = slices.Clone(v.extraNames)
		for j, x := range v.nums {
			if fs.Indicator[j] {
				out.extraNames = append(out.extraNames, v.names[j]+"__missing")
				out.extra = append(out.extra, indicator(x))
			}
		}
		return out, nil
	case "scale":
		return numeric(func(j int, x, o []float64) {
			c, s := fs.Center[j], fs.Scale[j]
			for i, u := range x {
				o[i] = (u - c) / s
			}
		})
	case "clip":
		return numeric(func(j int, x, o []float64) {
			lo, hi := fs.Lo[j], fs.Hi[j]
			for i, u := range x {
				switch {
				case u < lo:
					o[i] = lo
				case u > hi:
					o[i] = hi
				default:
					o[i] = u
				}
			}
		})
	case "log":
		return numeric(func(_ int, x, o []float64) {
			for i, u := range x {
				if u <= -1 {
					o[i] = math.NaN()
				} else {
					o[i] = math.Log1p(u)
				}
			}
		})
	case "boxcox":
		return numeric(func(j int, x, o []float64) {
			for i, u := range x {
				o[i] = boxcox(u, fs.Lambda[j])
			}
		})
	case "yeojohnson":
		return numeric(func(j int, x, o []float64) {
			for i, u := range x {
				o[i] = yeojohnson(u, fs.Lambda[j])
			}
		})
	case "bins":
		return numeric(func(j int, x, o []float64) {
			e := fs.Edges[j]
			for i, u := range x {
				if math.IsNaN(u) {
					o[i] = u
					continue
				}
				// np.searchsorted(edges[1:-1], u, side="right")
				inner := e[1 : len(e)-1]
				o[i] = float64(sort.Search(len(inner), func(k int) bool { return inner[k] > u }))
			}
		})
	case "onehot", "ordinal", "frequency", "target":
		if v.kind != vCategorical {
			return nil, fmt.Errorf("%w: %s needs a categorical value, got %s", ErrInput, fs.Op, v.kind)
		}
		return applyCategorical(fs, v), nil
	case "date_parts":
		if v.kind != vDate {
			return nil, fmt.Errorf("%w: date_parts needs a date value, got %s", ErrInput, v.kind)
		}
		return dateParts(fs, v), nil
	case "text_hash":
		if v.kind != vText {
			return nil, fmt.Errorf("%w: text_hash needs a text value, got %s", ErrInput, v.kind)
		}
		cols, err := hashTFIDF(ctx, v.text, v.mask.IsSet, *fs.Hash, fs.IDF)
		if err != nil {
			return nil, err
		}
		base := v.names[0]
		out := &value{kind: vNumeric, n: v.n, nums: cols, extra: v.extra, extraNames: v.extraNames}
		if len(fs.outNames) == len(cols) && base == fs.outBase {
			// Shared, never appended to: steps build new names slices.
			out.names = slices.Clip(fs.outNames)
			return out, nil
		}
		for j := range cols {
			out.names = append(out.names, fmt.Sprintf("%s__h%d", base, j))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unknown fitted step %q", ErrInput, fs.Op)
}

// paramLen is the number of vectors a numeric step was fitted on.
func paramLen(fs *fstep) int {
	switch fs.Op {
	case "impute":
		return min(len(fs.Fill), len(fs.Indicator))
	case "scale":
		return min(len(fs.Center), len(fs.Scale))
	case "clip":
		return min(len(fs.Lo), len(fs.Hi))
	case "boxcox", "yeojohnson":
		return len(fs.Lambda)
	case "bins":
		n := 0
		for _, e := range fs.Edges {
			if len(e) < 2 {
				return n
			}
			n++
		}
		return n
	}
	return math.MaxInt
}

func indicator(x []float64) []float64 {
	o := make([]float64, len(x))
	for i, u := range x {
		if math.IsNaN(u) {
			o[i] = 1
		}
	}
	return o
}

func hasNaN(x []float64) bool {
	for _, u := range x {
		if math.IsNaN(u) {
			return true
		}
	}
	return false
}

func hasMissingCat(c *catValue) bool {
	for _, k := range c.codes {
		if k < 0 {
			return true
		}
	}
	return false
}

func validOf(x []float64) []float64 {
	s := make([]float64, 0, len(x))
	for _, u := range x {
		if !math.IsNaN(u) {
			s = append(s, u)
		}
	}
	return s
}

func sortedValid(x []float64) []float64 {
	s := validOf(x)
	slices.Sort(s)
	return s
}

// modeSorted is the most frequent value of sorted s, the smallest on ties
// (SimpleImputer(strategy="most_frequent")).
func modeSorted(s []float64) float64 {
	best, bestN := s[0], 0
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > bestN {
			best, bestN = s[i], j-i
		}
		i = j
	}
	return best
}

// modeCat is the most frequent category, the smallest on ties.
func modeCat(c *catValue) (string, bool) {
	cnt, _ := c.counts()
	best, bestN := "", 0
	for i, s := range c.dict {
		if cnt[i] > bestN || cnt[i] == bestN && bestN > 0 && s < best {
			best, bestN = s, cnt[i]
		}
	}
	return best, bestN > 0
}

func imputeCat(fs *fstep, v *value) *value {
	c := v.cat
	dict := c.dict
	fill := int32(slices.Index(dict, fs.FillCat))
	if fill < 0 {
		dict = append(slices.Clone(dict), fs.FillCat)
		fill = int32(len(dict) - 1)
	}
	codes := make([]int32, len(c.codes))
	var ind []float64
	if len(fs.Indicator) > 0 && fs.Indicator[0] {
		ind = make([]float64, len(c.codes))
	}
	for i, k := range c.codes {
		if k < 0 {
			k = fill
			if ind != nil {
				ind[i] = 1
			}
		}
		codes[i] = k
	}
	out := *v
	out.cat = &catValue{dict: dict, codes: codes}
	if ind != nil {
		out.extraNames = append(slices.Clone(v.extraNames), v.names[0]+"__missing")
		out.extra = append(slices.Clone(v.extra), ind)
	}
	return &out
}

// usedCategories returns the sorted categories that occur in c.
func usedCategories(c *catValue) []string {
	cnt, _ := c.counts()
	var out []string
	for i, s := range c.dict {
		if cnt[i] > 0 {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// keptCategories returns the sorted categories one-hot keeps: all of them
// when there are fewer than m, otherwise the m-1 most frequent, chosen as
// scikit-learn 1.2 does (a stable sort of the sorted categories by count,
// so that among equal counts the later categories are kept).
func keptCategories(c *catValue, m int) []string {
	cats := usedCategories(c)
	if len(cats) < m {
		return cats
	}
	cnt, _ := c.counts()
	idx := indexOf(c.dict)
	order := make([]int, len(cats))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return cnt[idx[cats[order[a]]]] < cnt[idx[cats[order[b]]]]
	})
	keep := order[len(order)-(m-1):]
	sort.Ints(keep)
	out := make([]string, len(keep))
	for i, k := range keep {
		out[i] = cats[k]
	}
	return out
}

// otherName is the suffix of the one-hot "other" column: "other", with
// underscores appended while a kept category already has that name (a
// column whose categories include "other").
func otherName(kept []string) string {
	name := "other"
	for slices.Contains(kept, name) {
		name += "_"
	}
	return name
}

// applyCategorical applies a fitted one-hot, ordinal, frequency or target
// step to a categorical value.
func applyCategorical(fs *fstep, v *value) *value {
	c := v.cat
	base := v.names[0]
	n := len(c.codes)
	out := &value{kind: vNumeric, n: v.n, extra: v.extra, extraNames: v.extraNames}
	var t []int32
	if fs.catsSorted {
		t = c.lookupSorted(fs.Categories, -1)
	} else {
		t = c.lookup(indexOf(fs.Categories), -1)
	}
	switch fs.Op {
	case "onehot":
		k := len(fs.Categories)
		cols := make([][]float64, k+1)
		cached := len(fs.outNames) == k+1 && base == fs.outBase
		if cached {
			// Shared, never appended to: steps build new names slices.
			out.names = slices.Clip(fs.outNames)
		}
		for j := range cols {
			cols[j] = make([]float64, n)
			if cached {
				continue
			}
			if j < k {
				out.names = append(out.names, base+"__"+fs.Categories[j])
			} else {
				out.names = append(out.names, base+"__"+otherName(fs.Categories))
			}
		}
		for i, code := range c.codes {
			switch {
			case code < 0:
			case t[code] >= 0:
				cols[t[code]][i] = 1
			default:
				cols[k][i] = 1
			}
		}
		out.nums = cols
	case "ordinal":
		x := make([]float64, n)
		for i, code := range c.codes {
			switch {
			case code < 0:
				x[i] = math.NaN()
			default:
				x[i] = float64(t[code])
			}
		}
		out.names, out.nums = []string{base}, [][]float64{x}
	case "frequency":
		x := make([]float64, n)
		for i, code := range c.codes {
			switch {
			case code < 0:
				x[i] = fs.MissingFreq
			case t[code] >= 0 && int(t[code]) < len(fs.Freq):
				x[i] = fs.Freq[t[code]]
			}
		}
		out.names, out.nums = []string{base}, [][]float64{x}
	case "target":
		for k, enc := range fs.Enc {
			x := make([]float64, n)
			for i, code := range c.codes {
				if code >= 0 && t[code] >= 0 && int(t[code]) < len(enc) {
					x[i] = enc[t[code]]
				} else {
					x[i] = fs.Prior[k]
				}
			}
			out.nums = append(out.nums, x)
			if len(fs.Enc) == 1 {
				out.names = append(out.names, base)
			} else {
				out.names = append(out.names, fmt.Sprintf("%s__class%d", base, k))
			}
		}
	}
	return out
}

// targetColumns returns the 0/1 (binary, one per class) or raw
// (regression) target columns target encoding averages.
func targetColumns(y *Target) [][]float64 {
	if y.NumClass <= 2 {
		return [][]float64{y.Values}
	}
	cols := make([][]float64, y.NumClass)
	for k := range cols {
		cols[k] = make([]float64, len(y.Values))
		for i, v := range y.Values {
			if int(v) == k {
				cols[k][i] = 1
			}
		}
	}
	return cols
}

// targetFull returns the smoothed per-category means
// (sum_y + m*prior)/(n + m) over all rows, and the prior (the mean of y).
// codes index ncat categories, -1 for missing rows (which count in the
// prior only).
func targetFull(codes []int32, ncat int, y []float64, m float64) ([]float64, float64) {
	sum := make([]float64, ncat)
	cnt := make([]float64, ncat)
	var tot float64
	for i, k := range codes {
		tot += y[i]
		if k >= 0 {
			sum[k] += y[i]
			cnt[k]++
		}
	}
	prior := 0.0
	if len(codes) > 0 {
		prior = tot / float64(len(codes))
	}
	enc := make([]float64, ncat)
	for k := range enc {
		enc[k] = smooth(sum[k], cnt[k], prior, m)
	}
	return enc, prior
}

func smooth(sum, n, prior, m float64) float64 {
	if n+m == 0 {
		return prior
	}
	return (sum + m*prior) / (n + m)
}

// targetOOF returns the out-of-fold encoding of every row: a row of fold f
// gets the smoothed mean of its category over the rows of the other folds,
// with the prior of those rows; missing and unseen categories get that
// prior.
func targetOOF(codes []int32, ncat int, y []float64, folds []int, k int, m float64) []float64 {
	sum := make([]float64, ncat)
	cnt := make([]float64, ncat)
	fsum := make([][]float64, k)
	fcnt := make([][]float64, k)
	ftot := make([]float64, k)
	fn := make([]float64, k)
	var tot float64
	for f := range fsum {
		fsum[f] = make([]float64, ncat)
		fcnt[f] = make([]float64, ncat)
	}
	for i, c := range codes {
		f := folds[i]
		tot += y[i]
		ftot[f] += y[i]
		fn[f]++
		if c >= 0 {
			sum[c] += y[i]
			cnt[c]++
			fsum[f][c] += y[i]
			fcnt[f][c]++
		}
	}
	n := float64(len(codes))
	out := make([]float64, len(codes))
	for i, c := range codes {
		f := folds[i]
		rest := n - fn[f]
		prior := 0.0
		if rest > 0 {
			prior = (tot - ftot[f]) / rest
		}
		if c < 0 {
			out[i] = prior
			continue
		}
		out[i] = smooth(sum[c]-fsum[f][c], cnt[c]-fcnt[f][c], prior, m)
	}
	return out
}

// foldsOf assigns n rows to k folds of sizes differing by one at most,
// by a permutation seeded with seed (PCG).
func foldsOf(n, k int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0x6d6c6379636c65))
	perm := r.Perm(n)
	folds := make([]int, n)
	for i, p := range perm {
		folds[p] = i % k
	}
	return folds
}

func fitTarget(ctx context.Context, st Step, v *value, y *Target, o Options) (*fstep, *value, error) {
	base := v.names[0]
	if y == nil || len(y.Values) != len(v.cat.codes) {
		return nil, nil, fmt.Errorf("%w: target encoding of %q needs a target of %d values", ErrInput, base, len(v.cat.codes))
	}
	k := st.Target.Folds
	if k == 0 {
		k = o.Folds
	}
	if k == 0 {
		k = 5
	}
	m := 10.0
	if st.Target.Smoothing != nil {
		m = *st.Target.Smoothing
	}
	fs := &fstep{Op: "target", Categories: usedCategories(v.cat)}
	// Re-code on the sorted categories.
	t := v.cat.lookup(indexOf(fs.Categories), -1)
	codes := make([]int32, len(v.cat.codes))
	for i, c := range v.cat.codes {
		if c < 0 {
			codes[i] = -1
		} else {
			codes[i] = t[c]
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	folds := foldsOf(len(codes), k, o.Seed)
	out := &value{kind: vNumeric, n: v.n, extra: v.extra, extraNames: v.extraNames}
	ys := targetColumns(y)
	for c, yc := range ys {
		enc, prior := targetFull(codes, len(fs.Categories), yc, m)
		fs.Enc = append(fs.Enc, enc)
		fs.Prior = append(fs.Prior, prior)
		out.nums = append(out.nums, targetOOF(codes, len(fs.Categories), yc, folds, k, m))
		if len(ys) == 1 {
			out.names = append(out.names, base)
		} else {
			out.names = append(out.names, fmt.Sprintf("%s__class%d", base, c))
		}
	}
	return fs, out, nil
}

// quantileEdges are KBinsDiscretizer(strategy="quantile")'s bin edges of
// sorted values s: np.percentile at np.linspace(0, 100, n+1), then edges
// closer than 1e-8 to the previous one dropped.
func quantileEdges(s []float64, n int) []float64 {
	if len(s) == 0 {
		return []float64{0, 0}
	}
	step := 100.0 / float64(n)
	var e []float64
	for i := 0; i <= n; i++ {
		q := float64(i) * step
		if i == n {
			q = 100
		}
		v := stats.QuantileSorted(s, q/100)
		if len(e) == 0 || v-e[len(e)-1] > 1e-8 {
			e = append(e, v)
		}
	}
	if len(e) < 2 {
		e = append(e, e[0])
	}
	return e
}

const nsPerDay = float64(24 * time.Hour)

func dateParts(fs *fstep, v *value) *value {
	base := v.names[0]
	out := &value{kind: vNumeric, n: v.n, extra: v.extra, extraNames: v.extraNames}
	for _, p := range fs.Parts {
		x := make([]float64, len(v.times))
		for i, t := range v.times {
			if v.mask.IsSet(i) {
				x[i] = math.NaN()
				continue
			}
			tm := time.Unix(0, t).UTC()
			switch p {
			case "year":
				x[i] = float64(tm.Year())
			case "month":
				x[i] = float64(tm.Month())
			case "day":
				x[i] = float64(tm.Day())
			case "dow":
				x[i] = float64((int(tm.Weekday()) + 6) % 7) // Monday 0, as pandas
			case "hour":
				x[i] = float64(tm.Hour())
			case "weekend":
				if wd := tm.Weekday(); wd == time.Saturday || wd == time.Sunday {
					x[i] = 1
				}
			case "days_since":
				x[i] = (float64(fs.Ref) - float64(t)) / nsPerDay
			}
		}
		out.names = append(out.names, base+"__"+p)
		out.nums = append(out.nums, x)
	}
	return out
}
