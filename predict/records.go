package predict

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// FrameFromRecords builds a frame of the schema's columns from records
// (decoded JSON objects: column name → value), for prediction. A column
// no record has is left out (the transforms then fill it in when they
// can, or Predict names it). Values are converted to the schema's type:
//
//	integer, float     a number, or a string holding one
//	boolean            true/false, 0/1, or "true"/"false"
//	categorical        a string, or a number or boolean written as text
//	text               a string
//	date, timestamp    an RFC 3339 timestamp or a YYYY-MM-DD date
//
// null, an absent key and "" (except for text) are missing values. A key
// outside the schema, or a value that does not convert, is an error
// wrapping ErrInput that names the record (0-based) and the field.
func FrameFromRecords(schema []Field, recs []map[string]any) (*frame.Frame, error) {
	rows := NewRows(schema, len(recs))
	for r, rec := range recs {
		for k := range rec {
			if rows.Index(k) < 0 {
				return nil, fmt.Errorf("%w: record %d: unknown field %q (the model reads: %s)", ErrInput, r, k, strings.Join(names(schema), ", "))
			}
		}
	}
	for j, f := range schema {
		for r, rec := range recs {
			if v, ok := rec[f.Name]; ok {
				if err := rows.Set(r, j, v); err != nil {
					return nil, err
				}
			}
		}
	}
	return rows.Frame()
}

func names(schema []Field) []string {
	out := make([]string, len(schema))
	for i, f := range schema {
		out[i] = f.Name
	}
	return out
}

// Rows builds the frame of n records value by value, with the conversions
// of FrameFromRecords (which is built on it): request decoders fill it
// straight from the request body, without a map per record. A value not
// set is missing; a column with no value set is left out of the frame.
// The zero Rows is not usable; NewRows makes one.
//
// Storage is pointer-free for numeric columns — a serving request of
// numeric fields costs a handful of allocations: n values and n missing
// flags per field in two slices, other types' slices made on first use.
type Rows struct {
	schema []Field
	n      int
	set    []bool    // per field: some record has it
	nums   []float64 // n values per field (numeric fields)
	miss   []bool    // n flags per field
	other  []rowsCol // per field, for non-numeric fields; nil until needed
	byName map[string]int
	layout *frame.Layout // the schema's, when known (Model.NewRows)
}

type rowsCol struct {
	bs   []bool
	strs []string
	ts   []int64
}

// NewRows returns a builder of n records of schema.
func NewRows(schema []Field, n int) *Rows {
	return &Rows{schema: schema, n: n, set: make([]bool, len(schema)),
		nums: make([]float64, len(schema)*n), miss: make([]bool, len(schema)*n)}
}

// Index returns the schema position of a field, or -1.
func (b *Rows) Index(name string) int {
	if b.byName == nil {
		b.byName = make(map[string]int, len(b.schema))
		for j, f := range b.schema {
			b.byName[f.Name] = j
		}
	}
	if j, ok := b.byName[name]; ok {
		return j
	}
	return -1
}

func isNumeric(logical string) bool {
	return logical == frame.LogicalInteger || logical == frame.LogicalFloat
}

// start marks column j as having values (every row missing until set) and
// returns its missing flags.
func (b *Rows) start(j int) []bool {
	miss := b.miss[j*b.n : (j+1)*b.n : (j+1)*b.n]
	if b.set[j] {
		return miss
	}
	b.set[j] = true
	for r := range miss {
		miss[r] = true
	}
	logical := b.schema[j].Logical
	if isNumeric(logical) {
		return miss
	}
	if b.other == nil {
		b.other = make([]rowsCol, len(b.schema))
	}
	c := &b.other[j]
	switch logical {
	case frame.LogicalBoolean:
		c.bs = make([]bool, b.n)
	case frame.LogicalCategorical, frame.LogicalText:
		c.strs = make([]string, b.n)
	case frame.LogicalDate, frame.LogicalTimestamp:
		c.ts = make([]int64, b.n)
	}
	return miss
}

// SetNumber sets field j of record r to a JSON number: Set(r, j, x)
// without boxing x for numeric fields.
func (b *Rows) SetNumber(r, j int, x float64) error {
	if isNumeric(b.schema[j].Logical) && x == x {
		b.start(j)[r] = false
		b.nums[j*b.n+r] = x
		return nil
	}
	return b.Set(r, j, x)
}

// Set sets field j of record r to v, a decoded JSON value, converting it
// to the field's type; the error wraps ErrInput and names the record
// (0-based) and the field.
func (b *Rows) Set(r, j int, v any) error {
	f := b.schema[j]
	miss := b.start(j)
	bad := func(want string) error {
		return fmt.Errorf("%w: record %d: field %q: %s is not %s", ErrInput, r, f.Name, ShowValue(v), want)
	}
	miss[r] = false
	switch f.Logical {
	case frame.LogicalInteger, frame.LogicalFloat:
		x, ok, err := toNumber(v)
		if err != nil {
			return bad("a number")
		}
		if !ok {
			x, miss[r] = 0, true
		}
		b.nums[j*b.n+r] = x
	case frame.LogicalBoolean:
		c := &b.other[j]
		c.bs[r] = false
		switch v := v.(type) {
		case nil:
			miss[r] = true
		case bool:
			c.bs[r] = v
		case float64, json.Number, string:
			switch strings.ToLower(fmt.Sprint(v)) {
			case "true", "1":
				c.bs[r] = true
			case "false", "0":
			case "":
				miss[r] = true
			default:
				return bad("a boolean")
			}
		default:
			return bad("a boolean")
		}
	case frame.LogicalCategorical, frame.LogicalText:
		c := &b.other[j]
		c.strs[r] = ""
		switch v := v.(type) {
		case nil:
			miss[r] = true
		case string:
			c.strs[r] = v
			miss[r] = v == "" && f.Logical == frame.LogicalCategorical
		case bool:
			c.strs[r] = strconv.FormatBool(v)
		case float64:
			c.strs[r] = strconv.FormatFloat(v, 'g', -1, 64)
		case json.Number:
			c.strs[r] = v.String()
		default:
			return bad("a string")
		}
	case frame.LogicalDate, frame.LogicalTimestamp:
		c := &b.other[j]
		c.ts[r] = 0
		switch v := v.(type) {
		case nil:
			miss[r] = true
		case string:
			if v == "" {
				miss[r] = true
				return nil
			}
			t, err := parseTime(v)
			if err != nil {
				return bad("an RFC 3339 timestamp or a YYYY-MM-DD date")
			}
			c.ts[r] = t.UnixNano()
		default:
			return bad("an RFC 3339 timestamp or a YYYY-MM-DD date")
		}
	default:
		return fmt.Errorf("%w: field %q has unknown type %q", ErrFormat, f.Name, f.Logical)
	}
	return nil
}

// Frame returns the frame of the columns that have values, in schema
// order. The builder must not be used afterwards (the frame holds its
// buffers).
func (b *Rows) Frame() (*frame.Frame, error) {
	numeric := 0
	for j, f := range b.schema {
		if b.set[j] && isNumeric(f.Logical) {
			numeric++
		}
	}
	floats := frame.FloatColumns(numeric) // one allocation for them all
	cols := make([]frame.Column, 0, len(b.schema))
	for j, f := range b.schema {
		if !b.set[j] {
			continue
		}
		lo, hi := j*b.n, (j+1)*b.n
		if isNumeric(f.Logical) {
			fc := &floats[0]
			floats = floats[1:]
			if err := fc.Init(f.Name, f.Logical, b.nums[lo:hi:hi], frame.MaskOf(b.miss[lo:hi])); err != nil {
				return nil, err
			}
			cols = append(cols, fc)
			continue
		}
		col, err := b.column(j, f)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: no record has any of the model's fields (%s)", ErrInput, strings.Join(names(b.schema), ", "))
	}
	if b.layout != nil && len(cols) == len(b.schema) {
		return b.layout.Frame(cols)
	}
	return frame.New(cols...)
}

// column builds the non-numeric column j.
func (b *Rows) column(j int, f Field) (frame.Column, error) {
	mask := frame.MaskOf(b.miss[j*b.n : (j+1)*b.n])
	c := &b.other[j]
	switch f.Logical {
	case frame.LogicalBoolean:
		return frame.NewBool(f.Name, c.bs, mask)
	case frame.LogicalText:
		return frame.NewString(f.Name, c.strs, mask)
	case frame.LogicalCategorical:
		return frame.NewCategoricalFromStrings(f.Name, c.strs, mask)
	}
	tc, err := frame.NewTime(f.Name, c.ts, mask)
	if err != nil || f.Logical == frame.LogicalTimestamp {
		return tc, err
	}
	return tc.WithLogical(frame.LogicalDate)
}

// toNumber converts a JSON value to a number; ok is false for a missing
// value.
func toNumber(v any) (x float64, ok bool, err error) {
	switch v := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		return v, !math.IsNaN(v), nil
	case json.Number:
		x, err := strconv.ParseFloat(v.String(), 64)
		return x, err == nil, err
	case string:
		s := strings.TrimSpace(v)
		if s == "" || slices.Contains([]string{"nan", "NaN", "NA", "null"}, s) {
			return 0, false, nil
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(x, 0) {
			return 0, false, fmt.Errorf("not a number")
		}
		return x, true, nil
	case int:
		return float64(v), true, nil
	case int64:
		return float64(v), true, nil
	}
	return 0, false, fmt.Errorf("not a number")
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	var err error
	for _, l := range timeLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// ShowValue renders a request value for an error message: its JSON, cut
// to 40 characters.
func ShowValue(v any) string {
	b, err := json.Marshal(v)
	s := string(b)
	if err != nil {
		s = fmt.Sprint(v)
	}
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
