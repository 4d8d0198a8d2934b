package forest

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Model is a fitted random forest.
type Model struct {
	// Task is Classification or Regression.
	Task string `json:"task"`
	// NumClass is the number of classes; 0 for regression.
	NumClass int `json:"num_class,omitempty"`
	// Features are the input columns, in the order Tree.Feature indexes.
	Features []Feature `json:"features"`
	// Trees are the fitted trees.
	Trees []Tree `json:"trees"`
}

// Width is the number of values per tree node: 1 for regression and two
// classes (the proportion of class 1), NumClass otherwise.
func (m *Model) Width() int {
	if m.Task == Regression || m.NumClass == 2 {
		return 1
	}
	return m.NumClass
}

// Outputs is the number of values Predict returns per row: 1 for
// regression, NumClass for classification.
func (m *Model) Outputs() int {
	if m.Task == Regression {
		return 1
	}
	return m.NumClass
}

// expand writes the prediction of cnt trees whose leaf values sum to acc.
func (m *Model) expand(row, acc []float64, cnt int) {
	c := float64(cnt)
	if m.Task == Classification && m.NumClass == 2 {
		p := acc[0] / c
		row[0], row[1] = 1-p, p
		return
	}
	for j := range acc {
		row[j] = acc[j] / c
	}
}

// Predict returns Outputs() values per row of x, row-major: the mean of
// the trees' class proportions (as scikit-learn's predict_proba) for
// classification, the mean of their values for regression. Columns are
// found by name; extra columns are ignored.
func (m *Model) Predict(ctx context.Context, x *frame.Frame) ([]float64, error) {
	vals, err := m.columns(x)
	if err != nil {
		return nil, err
	}
	n := x.Len()
	outs, w := m.Outputs(), m.Width()
	out := make([]float64, n*outs)
	const chunk = 1024
	pool := &workers{n: maxProcs()}
	pool.run((n+chunk-1)/chunk, func(c int) {
		if ctx.Err() != nil {
			return
		}
		row := make([]float64, len(vals))
		acc := make([]float64, w)
		for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
			for j, v := range vals {
				row[j] = v[i]
			}
			clear(acc)
			for t := range m.Trees {
				tr := &m.Trees[t]
				leaf := tr.leafOf(row)
				for j := range w {
					acc[j] += tr.Value[leaf*w+j]
				}
			}
			m.expand(out[i*outs:(i+1)*outs], acc, len(m.Trees))
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// PredictClass returns the most probable class of each row of x (the
// first on ties, as scikit-learn).
func (m *Model) PredictClass(ctx context.Context, x *frame.Frame) ([]int, error) {
	if m.Task != Classification {
		return nil, fmt.Errorf("forest: predict class: model task is %q: %w", m.Task, ErrInvalid)
	}
	p, err := m.Predict(ctx, x)
	if err != nil {
		return nil, err
	}
	k := m.NumClass
	out := make([]int, x.Len())
	for i := range out {
		out[i] = argmax(p[i*k : (i+1)*k])
	}
	return out, nil
}

// columns returns the model's features from x as float64 values, NaN where
// missing; categories are mapped onto the training dictionary.
func (m *Model) columns(x *frame.Frame) ([][]float64, error) {
	if x == nil {
		return nil, fmt.Errorf("forest: predict: nil frame: %w", ErrInvalid)
	}
	vals := make([][]float64, len(m.Features))
	for j, ft := range m.Features {
		c, ok := x.Column(ft.Name)
		if !ok {
			return nil, fmt.Errorf("forest: predict: no column %q: %w", ft.Name, ErrInvalid)
		}
		v, got, err := featureValues(c)
		if err != nil {
			return nil, err
		}
		if got.Categorical != ft.Categorical || got.Bool != ft.Bool {
			return nil, fmt.Errorf("forest: predict: column %q has kind %s, unlike in training: %w", ft.Name, c.Kind(), ErrInvalid)
		}
		if ft.Categorical {
			idx := make(map[string]float64, len(ft.Categories))
			for k, s := range ft.Categories {
				idx[s] = float64(k)
			}
			code := make([]float64, len(got.Categories))
			for k, s := range got.Categories {
				if c, ok := idx[s]; ok {
					code[k] = c
				} else {
					code[k] = math.NaN()
				}
			}
			for i, x := range v {
				if x == x {
					v[i] = code[int(x)]
				}
			}
		}
		vals[j] = v
	}
	return vals, nil
}

func maxProcs() int { return max(1, runtime.GOMAXPROCS(0)) }
