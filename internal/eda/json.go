package eda

import (
	"encoding/json"
	"math"
)

// MarshalJSON writes NaN and infinite entries as null, which JSON has no
// number for.
func (m Matrix) MarshalJSON() ([]byte, error) {
	vals := make([][]*float64, len(m.Values))
	for i, row := range m.Values {
		vals[i] = make([]*float64, len(row))
		for j, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				v := v
				vals[i][j] = &v
			}
		}
	}
	return json.Marshal(struct {
		Rows   []string     `json:"rows"`
		Cols   []string     `json:"cols"`
		Values [][]*float64 `json:"values"`
	}{m.Rows, m.Cols, vals})
}

// UnmarshalJSON reads null entries back as NaN.
func (m *Matrix) UnmarshalJSON(b []byte) error {
	var raw struct {
		Rows   []string     `json:"rows"`
		Cols   []string     `json:"cols"`
		Values [][]*float64 `json:"values"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Rows, m.Cols = raw.Rows, raw.Cols
	m.Values = make([][]float64, len(raw.Values))
	for i, row := range raw.Values {
		m.Values[i] = make([]float64, len(row))
		for j, v := range row {
			m.Values[i][j] = math.NaN()
			if v != nil {
				m.Values[i][j] = *v
			}
		}
	}
	return nil
}
