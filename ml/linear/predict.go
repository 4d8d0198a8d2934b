package linear

import (
	"fmt"
	"math"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// outputs returns the number of scores per row.
func (m *Model) outputs() int { return len(m.Coef) }

// ScoreRow writes the raw scores (b0_k + b_k·row) of one row, whose values
// are in Features order, into dst (grown if short) and returns it.
func (m *Model) ScoreRow(row, dst []float64) ([]float64, error) {
	if len(row) != len(m.Features) {
		return nil, fmt.Errorf("linear: score row: %d values for %d features: %w", len(row), len(m.Features), ErrData)
	}
	for j, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("linear: score row: feature %q: value %v: %w", m.Features[j], v, ErrData)
		}
	}
	dst = grow(dst, m.outputs())
	for k, c := range m.Coef {
		s := m.Intercept[k]
		for j, v := range row {
			s += c[j] * v
		}
		dst[k] = s
	}
	return dst, nil
}

// ProbaRow writes the class probabilities of one row into dst (grown if
// short) and returns it: [1-p, p] for Logistic, the softmax for Softmax.
func (m *Model) ProbaRow(row, dst []float64) ([]float64, error) {
	if m.Kind == Regression {
		return nil, fmt.Errorf("linear: proba row: regression model has no probabilities: %w", ErrParams)
	}
	s, err := m.ScoreRow(row, nil)
	if err != nil {
		return nil, err
	}
	dst = grow(dst, m.Classes)
	m.proba(s, dst)
	return dst, nil
}

// PredictRow returns the predicted class index (classifiers) or value
// (Regression) of one row.
func (m *Model) PredictRow(row []float64) (float64, error) {
	s, err := m.ScoreRow(row, nil)
	if err != nil {
		return 0, err
	}
	return m.label(s), nil
}

// Scores returns the raw scores of every row of x, row-major with
// len(Coef) scores per row. x must hold Float columns named Features.
func (m *Model) Scores(x *frame.Frame) ([]float64, error) {
	cols, err := columns("scores", x, m.Features)
	if err != nil {
		return nil, err
	}
	n, k := x.Len(), m.outputs()
	out := make([]float64, n*k)
	for kk, c := range m.Coef {
		for i := 0; i < n; i++ {
			out[i*k+kk] = m.Intercept[kk]
		}
		for j, col := range cols {
			cj := c[j]
			for i, v := range col {
				out[i*k+kk] += cj * v
			}
		}
	}
	return out, nil
}

// Probabilities returns the class probabilities of every row of x,
// row-major with Classes values per row.
func (m *Model) Probabilities(x *frame.Frame) ([]float64, error) {
	if m.Kind == Regression {
		return nil, fmt.Errorf("linear: probabilities: regression model has no probabilities: %w", ErrParams)
	}
	s, err := m.Scores(x)
	if err != nil {
		return nil, err
	}
	k, c := m.outputs(), m.Classes
	out := make([]float64, x.Len()*c)
	for i := 0; i < x.Len(); i++ {
		m.proba(s[i*k:(i+1)*k], out[i*c:(i+1)*c])
	}
	return out, nil
}

// Predict returns the predicted class index (classifiers) or value
// (Regression) of every row of x.
func (m *Model) Predict(x *frame.Frame) ([]float64, error) {
	s, err := m.Scores(x)
	if err != nil {
		return nil, err
	}
	k := m.outputs()
	out := make([]float64, x.Len())
	for i := range out {
		out[i] = m.label(s[i*k : (i+1)*k])
	}
	return out, nil
}

func (m *Model) proba(s, dst []float64) {
	if m.Kind == Logistic {
		p := sigmoid(s[0])
		dst[0], dst[1] = 1-p, p
		return
	}
	zmax := math.Inf(-1)
	for _, v := range s {
		zmax = math.Max(zmax, v)
	}
	var sum float64
	for k, v := range s {
		dst[k] = math.Exp(v - zmax)
		sum += dst[k]
	}
	for k := range s {
		dst[k] /= sum
	}
}

func (m *Model) label(s []float64) float64 {
	switch m.Kind {
	case Regression:
		return s[0]
	case Logistic:
		if s[0] > 0 {
			return 1
		}
		return 0
	}
	best := 0
	for k, v := range s {
		if v > s[best] {
			best = k
		}
	}
	return float64(best)
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func grow(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	return dst[:n]
}
