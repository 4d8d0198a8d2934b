package transform

import (
	"fmt"
	"math"
	"sort"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// value is what flows through one column's chain: one or more numeric
// vectors, one categorical, a date, text, or a boolean passed through.
type value struct {
	kind  vkind
	names []string    // numeric: one name per vector
	nums  [][]float64 // numeric: NaN marks missing
	cat   *catValue   // categorical
	times []int64     // date
	text  []string    // text
	mask  frame.Mask  // date, text, boolean: missing rows
	bools []bool      // boolean passthrough
	n     int         // rows

	// extra holds missing-indicator columns; later steps do not touch them
	// and they follow the chain's other outputs.
	extraNames []string
	extra      [][]float64
}

// catValue is a categorical value: codes into dict, -1 for missing rows.
// dict has no duplicates but need not be sorted.
type catValue struct {
	dict  []string
	codes []int32
}

// lookup maps each entry of c.dict through m; entries not in m map to miss.
func (c *catValue) lookup(m map[string]int32, miss int32) []int32 {
	t := make([]int32, len(c.dict))
	for i, s := range c.dict {
		if v, ok := m[s]; ok {
			t[i] = v
		} else {
			t[i] = miss
		}
	}
	return t
}

func indexOf(list []string) map[string]int32 {
	m := make(map[string]int32, len(list))
	for i, s := range list {
		m[s] = int32(i)
	}
	return m
}

// counts returns the number of rows of each dict entry and of missing rows.
func (c *catValue) counts() ([]int, int) {
	cnt := make([]int, len(c.dict))
	miss := 0
	for _, k := range c.codes {
		if k < 0 {
			miss++
		} else {
			cnt[k]++
		}
	}
	return cnt, miss
}

// numericOf returns the float view of a column for a numeric chain.
func numericOf(c frame.Column) ([]float64, bool) {
	switch c := c.(type) {
	case *frame.FloatColumn:
		return c.Values(), true
	case *frame.BoolColumn:
		return frame.Numeric(c)
	}
	return nil, false
}

// catOf returns a column as a categorical value.
func catOf(c frame.Column) (*catValue, bool) {
	n := c.Len()
	switch c := c.(type) {
	case *frame.CategoricalColumn:
		codes := make([]int32, n)
		for i, k := range c.Codes() {
			codes[i] = int32(k)
		}
		if m := c.Mask(); m != nil {
			for i := range codes {
				if m.IsSet(i) {
					codes[i] = -1
				}
			}
		}
		return &catValue{dict: c.Dict(), codes: codes}, true
	case *frame.StringColumn:
		return catOfStrings(c.Values(), c.Mask()), true
	case *frame.BoolColumn:
		v := &catValue{dict: []string{"false", "true"}, codes: make([]int32, n)}
		for i, b := range c.Values() {
			switch {
			case c.IsMissing(i):
				v.codes[i] = -1
			case b:
				v.codes[i] = 1
			}
		}
		return v, true
	}
	return nil, false
}

func catOfStrings(vals []string, mask frame.Mask) *catValue {
	m := map[string]int32{}
	v := &catValue{codes: make([]int32, len(vals))}
	for i, s := range vals {
		if mask.IsSet(i) {
			v.codes[i] = -1
			continue
		}
		k, ok := m[s]
		if !ok {
			k = int32(len(v.dict))
			m[s] = k
			v.dict = append(v.dict, s)
		}
		v.codes[i] = k
	}
	return v
}

// inputValue builds the initial value of a chain from column c (nil: the
// column is absent and every row is missing). passthrough keeps booleans.
func inputValue(name string, k vkind, c frame.Column, n int, passthrough bool) (*value, error) {
	wrong := func() error {
		return fmt.Errorf("%w: column %q is %s (logical %s), want %s", ErrInput, name, c.Kind(), c.Logical(), k)
	}
	v := &value{kind: k, n: n, names: []string{name}}
	if c == nil {
		all := frame.NewMask(n)
		for i := 0; i < n; i++ {
			all.Set(i)
		}
		switch k {
		case vNumeric:
			x := make([]float64, n)
			for i := range x {
				x[i] = math.NaN()
			}
			v.names, v.nums = []string{name}, [][]float64{x}
		case vBoolean:
			if passthrough {
				v.bools, v.mask = make([]bool, n), all
			} else {
				x := make([]float64, n)
				for i := range x {
					x[i] = math.NaN()
				}
				v.kind, v.names, v.nums = vNumeric, []string{name}, [][]float64{x}
			}
		case vCategorical:
			codes := make([]int32, n)
			for i := range codes {
				codes[i] = -1
			}
			v.cat = &catValue{codes: codes}
		case vDate:
			v.times, v.mask = make([]int64, n), all
		case vText:
			v.text, v.mask = make([]string, n), all
		}
		return v, nil
	}
	switch k {
	case vNumeric:
		x, ok := numericOf(c)
		if !ok {
			return nil, wrong()
		}
		v.names, v.nums = []string{name}, [][]float64{x}
	case vBoolean:
		if b, ok := c.(*frame.BoolColumn); ok && passthrough {
			v.bools, v.mask = b.Values(), b.Mask()
			return v, nil
		}
		x, ok := numericOf(c)
		if !ok || passthrough {
			return nil, wrong()
		}
		v.kind, v.names, v.nums = vNumeric, []string{name}, [][]float64{x}
	case vCategorical:
		cv, ok := catOf(c)
		if !ok {
			return nil, wrong()
		}
		v.cat = cv
	case vDate:
		t, ok := c.(*frame.TimeColumn)
		if !ok {
			return nil, wrong()
		}
		v.times, v.mask = t.Values(), t.Mask()
	case vText:
		switch t := c.(type) {
		case *frame.StringColumn:
			v.text, v.mask = t.Values(), t.Mask()
		case *frame.CategoricalColumn:
			v.text = make([]string, n)
			for i := range v.text {
				v.text[i] = t.Value(i)
			}
			v.mask = t.Mask()
		default:
			return nil, wrong()
		}
	}
	return v, nil
}

// toCategorical turns a text value into a categorical one, in place.
func (v *value) toCategorical() {
	if v.kind == vText {
		v.cat = catOfStrings(v.text, v.mask)
		v.kind, v.text, v.mask = vCategorical, nil, nil
	}
}

// sortedCat returns the categorical value re-coded on its sorted dict, as
// frame.NewCategorical wants, with a mask of missing rows.
func sortedCat(c *catValue, dict []string) ([]uint32, frame.Mask) {
	var t []int32
	if strictlySorted(dict) {
		// Binary search, not a map of dict: a serving request has few
		// categories, the dictionary may have many.
		t = c.lookupSorted(dict, -1)
	} else {
		t = c.lookup(indexOf(dict), -1)
	}
	codes := make([]uint32, len(c.codes))
	var mask frame.Mask
	for i, k := range c.codes {
		if k >= 0 && t[k] >= 0 {
			codes[i] = uint32(t[k])
			continue
		}
		if mask == nil {
			mask = frame.NewMask(len(c.codes))
		}
		mask.Set(i)
	}
	return codes, mask
}

// sortedDict returns c's dictionary sorted (a copy).
func sortedDict(c *catValue) []string {
	d := append([]string(nil), c.dict...)
	sort.Strings(d)
	return d
}
