package frame

import "math"

// Numeric returns column c as float64 values with NaN for missing rows, the
// view tree learners split on: a Float column's own values (not copied:
// missing rows already hold NaN), a Bool column as 0 and 1, a Categorical
// column as its codes. ok is false for Time and String columns.
func Numeric(c Column) (values []float64, ok bool) {
	switch c := c.(type) {
	case *FloatColumn:
		return c.Values(), true
	case *BoolColumn:
		v := make([]float64, c.Len())
		for i, b := range c.Values() {
			switch {
			case c.IsMissing(i):
				v[i] = math.NaN()
			case b:
				v[i] = 1
			}
		}
		return v, true
	case *CategoricalColumn:
		v := make([]float64, c.Len())
		for i, code := range c.Codes() {
			if c.IsMissing(i) {
				v[i] = math.NaN()
			} else {
				v[i] = float64(code)
			}
		}
		return v, true
	}
	return nil, false
}
