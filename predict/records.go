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
	byName := make(map[string]int, len(schema))
	for i, f := range schema {
		byName[f.Name] = i
	}
	present := make([]bool, len(schema))
	for r, rec := range recs {
		for k := range rec {
			i, ok := byName[k]
			if !ok {
				return nil, fmt.Errorf("%w: record %d: unknown field %q (the model reads: %s)", ErrInput, r, k, strings.Join(names(schema), ", "))
			}
			present[i] = true
		}
	}
	var cols []frame.Column
	for i, f := range schema {
		if !present[i] {
			continue
		}
		c, err := column(f, len(recs), func(r int) any { return recs[r][f.Name] })
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: no record has any of the model's fields (%s)", ErrInput, strings.Join(names(schema), ", "))
	}
	return frame.New(cols...)
}

func names(schema []Field) []string {
	out := make([]string, len(schema))
	for i, f := range schema {
		out[i] = f.Name
	}
	return out
}

// column converts the values of field f in n records.
func column(f Field, n int, get func(r int) any) (frame.Column, error) {
	missing := make([]bool, n)
	bad := func(r int, v any, want string) error {
		return fmt.Errorf("%w: record %d: field %q: %s is not %s", ErrInput, r, f.Name, ShowValue(v), want)
	}
	switch f.Logical {
	case frame.LogicalInteger, frame.LogicalFloat:
		vals := make([]float64, n)
		for r := range n {
			x, ok, err := toNumber(get(r))
			if err != nil {
				return nil, bad(r, get(r), "a number")
			}
			if !ok {
				missing[r], vals[r] = true, math.NaN()
				continue
			}
			vals[r] = x
		}
		c, err := frame.NewFloat(f.Name, vals, frame.MaskOf(missing))
		if err != nil {
			return nil, err
		}
		if f.Logical == frame.LogicalInteger {
			return c.WithLogical(frame.LogicalInteger)
		}
		return c, nil
	case frame.LogicalBoolean:
		vals := make([]bool, n)
		for r := range n {
			switch v := get(r).(type) {
			case nil:
				missing[r] = true
			case bool:
				vals[r] = v
			case float64, json.Number, string:
				s := fmt.Sprint(v)
				switch strings.ToLower(s) {
				case "true", "1":
					vals[r] = true
				case "false", "0":
				case "":
					missing[r] = true
				default:
					return nil, bad(r, v, "a boolean")
				}
			default:
				return nil, bad(r, v, "a boolean")
			}
		}
		return frame.NewBool(f.Name, vals, frame.MaskOf(missing))
	case frame.LogicalCategorical, frame.LogicalText:
		vals := make([]string, n)
		for r := range n {
			switch v := get(r).(type) {
			case nil:
				missing[r] = true
			case string:
				vals[r] = v
				missing[r] = v == "" && f.Logical == frame.LogicalCategorical
			case bool:
				vals[r] = strconv.FormatBool(v)
			case float64:
				vals[r] = strconv.FormatFloat(v, 'g', -1, 64)
			case json.Number:
				vals[r] = v.String()
			default:
				return nil, bad(r, v, "a string")
			}
		}
		if f.Logical == frame.LogicalText {
			return frame.NewString(f.Name, vals, frame.MaskOf(missing))
		}
		return frame.NewCategoricalFromStrings(f.Name, vals, frame.MaskOf(missing))
	case frame.LogicalDate, frame.LogicalTimestamp:
		vals := make([]int64, n)
		for r := range n {
			switch v := get(r).(type) {
			case nil:
				missing[r] = true
			case string:
				if v == "" {
					missing[r] = true
					continue
				}
				t, err := parseTime(v)
				if err != nil {
					return nil, bad(r, v, "an RFC 3339 timestamp or a YYYY-MM-DD date")
				}
				vals[r] = t.UnixNano()
			default:
				return nil, bad(r, v, "an RFC 3339 timestamp or a YYYY-MM-DD date")
			}
		}
		c, err := frame.NewTime(f.Name, vals, frame.MaskOf(missing))
		if err != nil {
			return nil, err
		}
		if f.Logical == frame.LogicalDate {
			return c.WithLogical(frame.LogicalDate)
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w: field %q has unknown type %q", ErrFormat, f.Name, f.Logical)
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
