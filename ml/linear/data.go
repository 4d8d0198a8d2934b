package linear

import (
	"fmt"
	"math"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// design is a validated, column-major view of the features plus the
// standardisation that the solvers apply implicitly: the solvers work with
// z_ij = (x_ij - mean_j) / scale_j without materialising it.
type design struct {
	names []string
	cols  [][]float64 // shared with the frame, read-only
	n     int
	w     []float64 // nil = unweighted
	wsum  float64
	mean  []float64 // zero when not centring
	scale []float64 // one when not scaling
}

// newDesign checks the frame, weights and standardisation settings.
func newDesign(op string, x *frame.Frame, w []float64, p Params) (*design, error) {
	if x == nil || x.Len() == 0 {
		return nil, fmt.Errorf("linear: %s: no rows: %w", op, ErrData)
	}
	if x.NumColumns() == 0 {
		return nil, fmt.Errorf("linear: %s: no feature columns: %w", op, ErrData)
	}
	d := &design{n: x.Len()}
	for _, c := range x.Columns() {
		fc, ok := c.(*frame.FloatColumn)
		if !ok {
			return nil, fmt.Errorf("linear: %s: column %q is %s, not numeric (encode it first): %w", op, c.Name(), c.Kind(), ErrData)
		}
		vals := fc.Values()
		for i, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("linear: %s: column %q row %d: value %v (linear models need complete finite input): %w", op, c.Name(), i, v, ErrData)
			}
		}
		d.names = append(d.names, c.Name())
		d.cols = append(d.cols, vals)
	}
	if w != nil {
		if len(w) != d.n {
			return nil, fmt.Errorf("linear: %s: %d weights for %d rows: %w", op, len(w), d.n, ErrWeight)
		}
		for i, v := range w {
			if !(v >= 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("linear: %s: weight row %d: %v: %w", op, i, v, ErrWeight)
			}
			d.wsum += v
		}
		if d.wsum == 0 {
			return nil, fmt.Errorf("linear: %s: weights sum to zero: %w", op, ErrWeight)
		}
		d.w = w
	} else {
		d.wsum = float64(d.n)
	}
	k := len(d.cols)
	d.mean = make([]float64, k)
	d.scale = make([]float64, k)
	for j := range d.scale {
		d.scale[j] = 1
	}
	if !*p.Standardize {
		return d, nil
	}
	for j, c := range d.cols {
		m := d.wmean(c)
		var ss float64
		for i, v := range c {
			dv := v - m
			ss += d.wt(i) * dv * dv
		}
		if s := math.Sqrt(ss / d.wsum); s > 1e-12*math.Max(1, math.Abs(m)) {
			d.scale[j] = s
		}
		if *p.FitIntercept {
			d.mean[j] = m
		}
	}
	return d, nil
}

func (d *design) wt(i int) float64 {
	if d.w == nil {
		return 1
	}
	return d.w[i]
}

func (d *design) wmean(v []float64) float64 {
	var s float64
	if d.w == nil {
		for _, x := range v {
			s += x
		}
	} else {
		for i, x := range v {
			s += d.w[i] * x
		}
	}
	return s / d.wsum
}

// raw converts standardised-space coefficients b (k outputs × p features,
// row-major) and intercepts b0 into raw-feature coefficients and
// intercepts, writing them to coef and icpt.
func (d *design) raw(b, b0, coef, icpt []float64) {
	p := len(d.cols)
	for k := range b0 {
		c := b0[k]
		for j := 0; j < p; j++ {
			v := b[k*p+j] / d.scale[j]
			coef[k*p+j] = v
			c -= v * d.mean[j]
		}
		icpt[k] = c
	}
}

// columns returns the float columns of x named in names, in that order,
// checking that every value is finite.
func columns(op string, x *frame.Frame, names []string) ([][]float64, error) {
	if x == nil {
		return nil, fmt.Errorf("linear: %s: nil frame: %w", op, ErrData)
	}
	cols := make([][]float64, len(names))
	for j, name := range names {
		fc, err := frame.ColumnAs[*frame.FloatColumn](x, name)
		if err != nil {
			return nil, fmt.Errorf("linear: %s: %w: %w", op, err, ErrData)
		}
		for i, v := range fc.Values() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("linear: %s: column %q row %d: value %v: %w", op, name, i, v, ErrData)
			}
		}
		cols[j] = fc.Values()
	}
	return cols, nil
}
