package eda

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/stats"
)

// Label returns row i of a column as a class label: the category, "true"
// or "false", the number in shortest form, Unix nanoseconds, or the text.
// The row must not be missing.
func Label(c frame.Column, i int) string {
	switch c := c.(type) {
	case *frame.CategoricalColumn:
		return c.Value(i)
	case *frame.BoolColumn:
		return strconv.FormatBool(c.Values()[i])
	case *frame.FloatColumn:
		return strconv.FormatFloat(c.Values()[i], 'g', -1, 64)
	case *frame.TimeColumn:
		return strconv.FormatInt(c.Values()[i], 10)
	case *frame.StringColumn:
		return c.Values()[i]
	}
	return ""
}

// labels returns a column's values as class labels ("" and false for
// missing rows).
func labels(c frame.Column) ([]string, []bool) {
	n := c.Len()
	out := make([]string, n)
	ok := make([]bool, n)
	for i := 0; i < n; i++ {
		if !c.IsMissing(i) {
			out[i], ok[i] = Label(c, i), true
		}
	}
	return out, ok
}

// relate profiles the target and each feature's relation to it.
func relate(ctx context.Context, f *frame.Frame, target frame.Column, opts Opts) (*Target, error) {
	labs, present := labels(target)
	var rows []int
	counts := map[string]int64{}
	for i, ok := range present {
		if ok {
			rows = append(rows, i)
			counts[labs[i]]++
		}
	}
	if len(rows) < 2 {
		return nil, fault.Invalid("eda: target %q has %d non-missing values; need at least 2", target.Name(), len(rows))
	}
	task := opts.Task
	if task == "" {
		task = InferTask(target, int64(len(counts)))
	}
	t := &Target{Column: target.Name(), Task: task}
	// y holds the value the rates average: 1/0 for the positive class
	// (binary), the class index (multiclass), the number (regression).
	y := make([]float64, target.Len())
	var classes []string
	if task == config.TaskRegression {
		vals, numeric := floats(target)
		if !numeric {
			return nil, fault.Invalid("eda: target %q is %s; a regression target must be numeric", target.Name(), target.Logical())
		}
		copy(y, vals)
	} else {
		for v, k := range counts {
			t.Classes = append(t.Classes, Count{Value: v, Count: k})
		}
		sort.Slice(t.Classes, func(i, j int) bool {
			if t.Classes[i].Count != t.Classes[j].Count {
				return t.Classes[i].Count > t.Classes[j].Count
			}
			return t.Classes[i].Value < t.Classes[j].Value
		})
		for _, c := range t.Classes {
			classes = append(classes, c.Value)
		}
		if task == config.TaskBinary {
			if len(classes) != 2 {
				return nil, fault.Invalid("eda: target %q has %d classes; a binary task needs 2", target.Name(), len(classes))
			}
			pos := opts.Positive
			if pos == "" {
				pos = classes[1] // the minority class
			}
			if _, ok := counts[pos]; !ok {
				return nil, fault.Invalid("eda: positive class %q does not occur in %q (classes: %v)", pos, target.Name(), classes)
			}
			for _, i := range rows {
				if labs[i] == pos {
					y[i] = 1
				}
			}
			neg := classes[0]
			if neg == pos {
				neg = classes[1]
			}
			classes = []string{neg, pos} // index = y

		} else {
			idx := map[string]int{}
			for k, c := range classes {
				idx[c] = k
			}
			for _, i := range rows {
				y[i] = float64(idx[labs[i]])
			}
		}
	}
	train, test := heldOut(rows, opts.Seed)
	cols := f.Columns()
	var feats []frame.Column
	for _, c := range cols {
		if c.Name() != target.Name() {
			feats = append(feats, c)
		}
	}
	t.Relations = make([]Relation, len(feats))
	errs := make([]error, len(feats))
	err := parallel(ctx, len(feats), func(k int) {
		t.Relations[k], errs[k] = relation(feats[k], rows, train, test, y, task, classes, labs)
	})
	if err != nil {
		return nil, err
	}
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return t, nil
}

// binner assigns rows of a feature to bins: quantile bins for numeric
// features, categories for the others; missing values get their own bin.
type binner struct {
	labels []string
	of     func(i int) int // bin of row i
}

const missingBin = "(missing)"

func numericBinner(x []float64, rows []int) binner {
	var vals []float64
	for _, i := range rows {
		if !math.IsNaN(x[i]) {
			vals = append(vals, x[i])
		}
	}
	sort.Float64s(vals)
	var edges []float64
	if len(vals) > 0 {
		for k := 1; k < relationBins; k++ {
			e := stats.QuantileSorted(vals, float64(k)/relationBins)
			if len(edges) == 0 || e > edges[len(edges)-1] {
				edges = append(edges, e)
			}
		}
	}
	// Bin b holds values in (edges[b-1], edges[b]]; the first and last are
	// open-ended so that unseen values fall somewhere.
	var labs []string
	lo := "-∞"
	if len(vals) > 0 {
		lo = fmtFloat(vals[0])
	}
	for b := 0; b <= len(edges); b++ {
		hi := "+∞"
		if b < len(edges) {
			hi = fmtFloat(edges[b])
		} else if len(vals) > 0 {
			hi = fmtFloat(vals[len(vals)-1])
		}
		if b == 0 {
			labs = append(labs, fmt.Sprintf("[%s, %s]", lo, hi))
		} else {
			labs = append(labs, fmt.Sprintf("(%s, %s]", fmtFloat(edges[b-1]), hi))
		}
	}
	miss := len(labs)
	labs = append(labs, missingBin)
	return binner{labels: labs, of: func(i int) int {
		v := x[i]
		if math.IsNaN(v) {
			return miss
		}
		return sort.SearchFloat64s(edges, v) // first edge >= v
	}}
}

func categoryBinner(labs []string, present []bool, rows []int) binner {
	counts := map[string]int{}
	for _, i := range rows {
		if present[i] {
			counts[labs[i]]++
		}
	}
	type kv struct {
		v string
		n int
	}
	var all []kv
	for v, n := range counts {
		all = append(all, kv{v, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].v < all[j].v
	})
	idx := map[string]int{}
	var out []string
	for k, e := range all {
		if k == relationBins {
			break
		}
		idx[e.v] = len(out)
		out = append(out, e.v)
	}
	other := len(out)
	out = append(out, "(other)", missingBin)
	return binner{labels: out, of: func(i int) int {
		if !present[i] {
			return other + 1
		}
		if b, ok := idx[labs[i]]; ok {
			return b
		}
		return other
	}}
}

func relation(c frame.Column, rows, train, test []int, y []float64, task string, classes []string, targetLabels []string) (Relation, error) {
	r := Relation{Feature: c.Name(), PowerMetric: "roc_auc"}
	if task == config.TaskRegression {
		r.PowerMetric = "r2"
	}
	x, isNum := floats(c)
	if tc, ok := c.(*frame.TimeColumn); ok {
		x = make([]float64, tc.Len())
		for i, v := range tc.Values() {
			if tc.IsMissing(i) {
				x[i] = math.NaN()
			} else {
				x[i] = float64(v) / 1e9
			}
		}
		isNum = true
	}
	var shown, fitted binner
	if isNum {
		shown, fitted = numericBinner(x, rows), numericBinner(x, train)
	} else {
		labs, present := labels(c)
		shown, fitted = categoryBinner(labs, present, rows), categoryBinner(labs, present, train)
	}
	k := len(classes)
	// Rates per shown bin over all rows.
	sum := make([]float64, len(shown.labels))
	cnt := make([]int64, len(shown.labels))
	for _, i := range rows {
		b := shown.of(i)
		cnt[b]++
		switch task {
		case config.TaskMulticlass:
			if y[i] == 0 {
				sum[b]++ // share of the majority class
			}
		default:
			sum[b] += y[i]
		}
	}
	for b, lab := range shown.labels {
		if cnt[b] == 0 {
			continue
		}
		r.Bins = append(r.Bins, BinRate{Label: lab, Count: cnt[b], Rate: sum[b] / float64(cnt[b])})
	}
	if isNum && task != config.TaskRegression {
		r.Boxes = boxes(x, rows, y, classes)
	}
	// Single-feature power: bin means fitted on train rows, scored on the
	// held-out rows.
	nb := len(fitted.labels)
	dim := 1
	if task == config.TaskMulticlass {
		dim = k
	}
	acc := make([]float64, nb*dim)
	n := make([]float64, nb)
	global := make([]float64, dim)
	for _, i := range train {
		b := fitted.of(i)
		n[b]++
		if task == config.TaskMulticlass {
			acc[b*dim+int(y[i])]++
			global[int(y[i])]++
		} else {
			acc[b] += y[i]
			global[0] += y[i]
		}
	}
	for d := range global {
		global[d] /= float64(len(train))
	}
	predict := func(i int, out []float64) {
		b := fitted.of(i)
		if n[b] == 0 {
			copy(out, global)
			return
		}
		for d := 0; d < dim; d++ {
			out[d] = acc[b*dim+d] / n[b]
		}
	}
	if len(test) == 0 {
		return r, nil
	}
	var power float64
	var err error
	switch task {
	case config.TaskRegression:
		yt, pt := make([]float64, len(test)), make([]float64, len(test))
		one := make([]float64, 1)
		for j, i := range test {
			predict(i, one)
			yt[j], pt[j] = y[i], one[0]
		}
		power, err = r2(yt, pt)
	case config.TaskBinary:
		yt, pt := make([]int, len(test)), make([]float64, len(test))
		one := make([]float64, 1)
		for j, i := range test {
			predict(i, one)
			yt[j], pt[j] = int(y[i]), one[0]
		}
		power, err = rocAUC(yt, pt)
	default:
		yt, pt := make([]int, len(test)), make([][]float64, len(test))
		for j, i := range test {
			pt[j] = make([]float64, k)
			predict(i, pt[j])
			yt[j] = int(y[i])
		}
		power, err = ovrAUC(yt, pt, k)
	}
	if err == nil {
		r.Power = ptr(power)
	}
	return r, nil
}

// boxes computes a box plot of feature x per class.
func boxes(x []float64, rows []int, y []float64, classes []string) []Box {
	per := make([][]float64, len(classes))
	for _, i := range rows {
		if math.IsNaN(x[i]) {
			continue
		}
		k := int(y[i]) // the class index (binary: 1 = positive)
		per[k] = append(per[k], x[i])
	}
	names := classes
	var out []Box
	for k, v := range per {
		if len(v) == 0 {
			continue
		}
		sort.Float64s(v)
		b := Box{Class: names[k], Count: int64(len(v)), Min: v[0], Max: v[len(v)-1],
			Q1: stats.QuantileSorted(v, 0.25), Median: stats.QuantileSorted(v, 0.5), Q3: stats.QuantileSorted(v, 0.75)}
		iqr := b.Q3 - b.Q1
		lo, hi := b.Q1-1.5*iqr, b.Q3+1.5*iqr
		b.WhiskerLo, b.WhiskerHi = b.Max, b.Min
		for _, e := range v {
			if e >= lo && e < b.WhiskerLo {
				b.WhiskerLo = e
			}
			if e <= hi && e > b.WhiskerHi {
				b.WhiskerHi = e
			}
		}
		out = append(out, b)
	}
	return out
}
