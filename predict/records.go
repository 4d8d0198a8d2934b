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
type Rows struct {
	schema []Field
	n      int
	cols   []rowsCol
	nums   []float64 // n values per numeric field, allocated once
	miss   []bool    // n flags per field
	byName map[string]int
}

type rowsCol struct {
	set  bool
	nums []float64
	bs   []bool
	strs []string
	ts   []int64
	miss []bool
}

// NewRows returns a builder of n records of schema.
func NewRows(schema []Field, n int) *Rows {
	b := &Rows{schema: schema, n: n, cols: make([]rowsCol, len(schema))}
	numeric := 0
	for _, f := range schema {
		if f.Logical == frame.LogicalInteger || f.Logical == frame.LogicalFloat {
			numeric++
		}
	}
	b.nums = make([]float64, numeric*n)
	b.miss = make([]bool, len(schema)*n)
	off := 0
	for j, f := range schema {
		c := &b.cols[j]
		c.miss = b.miss[j*n : (j+1)*n : (j+1)*n]
		if f.Logical == frame.LogicalInteger || f.Logical == frame.LogicalFloat {
			c.nums = b.nums[off*n : (off+1)*n : (off+1)*n]
			off++
		}
	}
	return b
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

// start marks column j as having values: every row missing until set.
func (b *Rows) start(j int) *rowsCol {
	c := &b.cols[j]
	if c.set {
		return c
	}
	c.set = true
	for r := range c.miss {
		c.miss[r] = true
	}
	switch b.schema[j].Logical {
	case frame.LogicalBoolean:
		c.bs = make([]bool, b.n)
	case frame.LogicalCategorical, frame.LogicalText:
		c.strs = make([]string, b.n)
	case frame.LogicalDate, frame.LogicalTimestamp:
		c.ts = make([]int64, b.n)
	}
	return c
}

// SetNumber sets field j of record r to a JSON number: Set(r, j, x)
// without boxing x for numeric fields.
func (b *Rows) SetNumber(r, j int, x float64) error {
	if c := &b.cols[j]; c.nums != nil && x == x {
		b.start(j)
		c.nums[r], c.miss[r] = x, false
		return nil
	}
	return b.Set(r, j, x)
}

// Set sets field j of record r to v, a decoded JSON value, converting it
// to the field's type; the error wraps ErrInput and names the record
// (0-based) and the field.
func (b *Rows) Set(r, j int, v any) error {
	f := b.schema[j]
	c := b.start(j)
	bad := func(want string) error {
		return fmt.Errorf("%w: record %d: field %q: %s is not %s", ErrInput, r, f.Name, ShowValue(v), want)
	}
	c.miss[r] = false
	switch f.Logical {
	case frame.LogicalInteger, frame.LogicalFloat:
		x, ok, err := toNumber(v)
		if err != nil {
			return bad("a number")
		}
		if !ok {
			c.nums[r], c.miss[r] = 0, true
			return nil
		}
		c.nums[r] = x
	case frame.LogicalBoolean:
		c.bs[r] = false
		switch v := v.(type) {
		case nil:
			c.miss[r] = true
		case bool:
			c.bs[r] = v
		case float64, json.Number, string:
			switch strings.ToLower(fmt.Sprint(v)) {
			case "true", "1":
				c.bs[r] = true
			case "false", "0":
			case "":
				c.miss[r] = true
			default:
				return bad("a boolean")
			}
		default:
			return bad("a boolean")
		}
	case frame.LogicalCategorical, frame.LogicalText:
		c.strs[r] = ""
		switch v := v.(type) {
		case nil:
			c.miss[r] = true
		case string:
			c.strs[r] = v
			c.miss[r] = v == "" && f.Logical == frame.LogicalCategorical
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
		c.ts[r] = 0
		switch v := v.(type) {
		case nil:
			c.miss[r] = true
		case string:
			if v == "" {
				c.miss[r] = true
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
	var cols []frame.Column
	for j, f := range b.schema {
		c := &b.cols[j]
		if !c.set {
			continue
		}
		col, err := c.column(f)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: no record has any of the model's fields (%s)", ErrInput, strings.Join(names(b.schema), ", "))
	}
	return frame.New(cols...)
}

func (c *rowsCol) column(f Field) (frame.Column, error) {
	mask := frame.MaskOf(c.miss)
	switch f.Logical {
	case frame.LogicalInteger, frame.LogicalFloat:
		fc, err := frame.NewFloat(f.Name, c.nums, mask)
		if err != nil || f.Logical == frame.LogicalFloat {
			return fc, err
		}
		return fc.WithLogical(frame.LogicalInteger)
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
