package framing

import (
	"context"
	"math"
	"sort"

	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/eda"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// minBucket is the smallest group a one-rule split may create, as in
// Holte's OneR; it keeps the rule from memorising rare categories or IDs.
const minBucket = 6

// model predicts, for row i, class probabilities (classification, k
// values) or a value (regression, 1 value).
type model func(i int, out []float64)

// baselines cross-validates every baseline.
// skip names the columns the one-rule model may not use: the target and
// ID-like columns.
func baselines(ctx context.Context, f *frame.Frame, p *problem, o Opts, skip map[string]bool) ([]Baseline, error) {
	fs := folds(p, o.Folds, o.Seed)
	type spec struct {
		name string
		fit  func(train []int) (model, string)
	}
	var specs []spec
	dim := p.k
	if p.task == config.TaskRegression {
		dim = 1
		specs = []spec{
			{"mean", func(train []int) (model, string) {
				m := 0.0
				for _, i := range train {
					m += p.y[i]
				}
				m /= float64(len(train))
				return func(_ int, out []float64) { out[0] = m }, ""
			}},
			{"median", func(train []int) (model, string) {
				v := make([]float64, len(train))
				for j, i := range train {
					v[j] = p.y[i]
				}
				sort.Float64s(v)
				m := v[len(v)/2]
				if len(v)%2 == 0 {
					m = (v[len(v)/2-1] + v[len(v)/2]) / 2
				}
				return func(_ int, out []float64) { out[0] = m }, ""
			}},
		}
	} else {
		specs = []spec{
			{"majority", func(train []int) (model, string) {
				prior := priorOf(p, train)
				best := argmax(prior)
				return func(_ int, out []float64) {
					for k := range out {
						out[k] = 0
					}
					out[best] = 1
				}, ""
			}},
			{"prior", func(train []int) (model, string) {
				prior := priorOf(p, train)
				return func(_ int, out []float64) { copy(out, prior) }, ""
			}},
		}
	}
	specs = append(specs, spec{"one_rule", func(train []int) (model, string) { return oneRule(f, p, train, skip) }})

	out := make([]Baseline, len(specs))
	for s, sp := range specs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		per := map[string][]float64{}
		chosen := map[string]int{}
		for k := range fs {
			var train []int
			for j, f := range fs {
				if j != k {
					train = append(train, f...)
				}
			}
			sort.Ints(train)
			m, feat := sp.fit(train)
			if feat != "" {
				chosen[feat]++
			}
			preds := make([][]float64, len(fs[k]))
			for j, i := range fs[k] {
				preds[j] = make([]float64, dim)
				m(i, preds[j])
			}
			scores, err := score(p, fs[k], preds, o.Goal)
			if err != nil {
				return nil, err
			}
			for name, v := range scores {
				per[name] = append(per[name], v)
			}
		}
		b := Baseline{Name: sp.name, Scores: map[string]Score{}}
		for name, v := range per {
			b.Scores[name] = meanStd(v)
		}
		best := 0
		for feat, n := range chosen {
			if n > best || n == best && feat < b.Feature {
				b.Feature, best = feat, n
			}
		}
		out[s] = b
	}
	return out, nil
}

func priorOf(p *problem, rows []int) []float64 {
	prior := make([]float64, p.k)
	for _, i := range rows {
		prior[int(p.y[i])]++
	}
	for k := range prior {
		prior[k] /= float64(len(rows))
	}
	return prior
}

func argmax(v []float64) int {
	best := 0
	for k, x := range v {
		if x > v[best] {
			best = k
		}
	}
	return best
}

// oneRule fits the best single-feature rule on the training rows: for
// each feature, the best threshold (numeric) or the per-category rule
// (categorical), scored on the training rows by accuracy (classification)
// or squared error (regression); the best feature wins.
func oneRule(f *frame.Frame, p *problem, train []int, skip map[string]bool) (model, string) {
	dim := max(p.k, 1)
	if p.task == config.TaskRegression {
		dim = 1
	}
	prior := make([]float64, dim)
	if p.task == config.TaskRegression {
		for _, i := range train {
			prior[0] += p.y[i]
		}
		prior[0] /= float64(len(train))
	} else {
		prior = priorOf(p, train)
	}
	bestLoss := math.Inf(1)
	var best model = func(_ int, out []float64) { copy(out, prior) }
	bestName := ""
	for _, c := range f.Columns() {
		if skip[c.Name()] {
			continue
		}
		var m model
		var loss float64
		if x, ok := numericView(c); ok {
			m, loss = thresholdRule(x, p, train, prior)
		} else {
			m, loss = categoryRule(c, p, train, prior)
		}
		if m != nil && loss < bestLoss-1e-12 {
			bestLoss, best, bestName = loss, m, c.Name()
		}
	}
	return best, bestName
}

func numericView(c frame.Column) ([]float64, bool) {
	switch c := c.(type) {
	case *frame.FloatColumn:
		return c.Values(), true
	case *frame.TimeColumn:
		x := make([]float64, c.Len())
		for i, v := range c.Values() {
			if c.IsMissing(i) {
				x[i] = math.NaN()
			} else {
				x[i] = float64(v)
			}
		}
		return x, true
	}
	return nil, false
}

// group accumulates a group's target: class counts or sum and sum of
// squares.
type group struct {
	n       float64
	cnt     []float64 // classification
	sum, sq float64
}

func newGroup(dim int) group { return group{cnt: make([]float64, dim)} }

func (g *group) add(p *problem, i int, sign float64) {
	g.n += sign
	if p.task == config.TaskRegression {
		g.sum += sign * p.y[i]
		g.sq += sign * p.y[i] * p.y[i]
	} else {
		g.cnt[int(p.y[i])] += sign
	}
}

// loss is the group's training loss: misclassified rows, or the sum of
// squared errors around the group mean.
func (g *group) loss(p *problem) float64 {
	if g.n <= 0 {
		return 0
	}
	if p.task == config.TaskRegression {
		return g.sq - g.sum*g.sum/g.n
	}
	mx := 0.0
	for _, c := range g.cnt {
		mx = max(mx, c)
	}
	return g.n - mx
}

func (g *group) predict(p *problem, prior, out []float64) {
	if g.n <= 0 {
		copy(out, prior)
		return
	}
	if p.task == config.TaskRegression {
		out[0] = g.sum / g.n
		return
	}
	for k, c := range g.cnt {
		out[k] = c / g.n
	}
}

func thresholdRule(x []float64, p *problem, train []int, prior []float64) (model, float64) {
	dim := len(prior)
	var rows []int
	miss := newGroup(dim)
	for _, i := range train {
		if math.IsNaN(x[i]) {
			miss.add(p, i, 1)
		} else {
			rows = append(rows, i)
		}
	}
	if len(rows) < 2*minBucket {
		return nil, 0
	}
	sort.Slice(rows, func(a, b int) bool { return x[rows[a]] < x[rows[b]] })
	left, right := newGroup(dim), newGroup(dim)
	for _, i := range rows {
		right.add(p, i, 1)
	}
	bestLoss, bestAt := math.Inf(1), -1
	for j := 0; j < len(rows)-1; j++ {
		left.add(p, rows[j], 1)
		right.add(p, rows[j], -1)
		if x[rows[j]] == x[rows[j+1]] || j+1 < minBucket || len(rows)-j-1 < minBucket {
			continue
		}
		if l := left.loss(p) + right.loss(p); l < bestLoss-1e-12 {
			bestLoss, bestAt = l, j
		}
	}
	if bestAt < 0 {
		return nil, 0
	}
	thr := (x[rows[bestAt]] + x[rows[bestAt+1]]) / 2
	l, r := newGroup(dim), newGroup(dim)
	for _, i := range rows {
		if x[i] <= thr {
			l.add(p, i, 1)
		} else {
			r.add(p, i, 1)
		}
	}
	loss := bestLoss + miss.loss(p)
	return func(i int, out []float64) {
		switch {
		case math.IsNaN(x[i]):
			miss.predict(p, prior, out)
		case x[i] <= thr:
			l.predict(p, prior, out)
		default:
			r.predict(p, prior, out)
		}
	}, loss
}

func categoryRule(c frame.Column, p *problem, train []int, prior []float64) (model, float64) {
	dim := len(prior)
	key := func(i int) string {
		if c.IsMissing(i) {
			return "\x00missing"
		}
		return eda.Label(c, i)
	}
	groups := map[string]*group{}
	for _, i := range train {
		k := key(i)
		g, ok := groups[k]
		if !ok {
			ng := newGroup(dim)
			g = &ng
			groups[k] = g
		}
		g.add(p, i, 1)
	}
	// Categories smaller than minBucket share one "other" group.
	other := newGroup(dim)
	loss := 0.0
	kept := 0
	for k, g := range groups {
		if g.n < minBucket {
			for d := range g.cnt {
				other.cnt[d] += g.cnt[d]
			}
			other.n += g.n
			other.sum += g.sum
			other.sq += g.sq
			delete(groups, k)
			continue
		}
		loss += g.loss(p)
		kept++
	}
	if kept == 0 {
		return nil, 0
	}
	loss += other.loss(p)
	return func(i int, out []float64) {
		if g, ok := groups[key(i)]; ok {
			g.predict(p, prior, out)
			return
		}
		other.predict(p, prior, out)
	}, loss
}
