package serve

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

// apiError is a request failure: an HTTP status and the JSON error body
// {"error": msg, "field": field, "row": row}. Field is omitted when empty,
// row when negative.
type apiError struct {
	status int
	msg    string
	field  string
	row    int
}

func (e *apiError) Error() string { return e.msg }

func badRequest(field string, row int, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...), field: field, row: row}
}

func tooManyRows(n, limit int, field string) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, field: field, row: -1,
		msg: fmt.Sprintf("request has more than %d rows (%d at least); send at most %d rows per request", limit, n, limit)}
}

// jsonError turns an encoding/json error into a 400 naming the byte
// offset (and the field, for a type error).
func jsonError(err error) *apiError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return badRequest("", -1, "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return badRequest(te.Field, -1, "JSON at byte %d: field %q: %s is not a %s", te.Offset, te.Field, te.Value, te.Type)
	}
	return badRequest("", -1, "malformed JSON: %v", err)
}

// decodeInstances reads a JSON body: {"instances": [...]}, a bare array of
// instances, or one instance. An instance is an object (column → value) or
// an array of values in the schema's order. The "instances" key means a
// batch unless the schema has a column of that name.
func decodeInstances(ep *live, body []byte, maxRows int) ([]map[string]any, *apiError) {
	v, err := unmarshalAny(body)
	if err != nil {
		return nil, jsonError(err)
	}
	var list []any
	switch v := v.(type) {
	case map[string]any:
		inst, ok := v["instances"]
		if _, isCol := ep.byName["instances"]; !ok || isCol {
			return []map[string]any{v}, nil
		}
		if len(v) > 1 {
			for k := range v {
				if k != "instances" {
					return nil, badRequest(k, -1, "unknown key %q beside \"instances\"", k)
				}
			}
		}
		l, ok := inst.([]any)
		if !ok {
			return nil, badRequest("instances", -1, "\"instances\" must be an array of objects or arrays")
		}
		list = l
	case []any:
		list = v
	default:
		return nil, badRequest("", -1, "the body must be a JSON object, an array of instances or {\"instances\": [...]}")
	}
	if len(list) == 0 {
		return nil, badRequest("instances", -1, "no instances to predict")
	}
	if len(list) > maxRows {
		return nil, tooManyRows(len(list), maxRows, "instances")
	}
	recs := make([]map[string]any, len(list))
	for i, inst := range list {
		switch inst := inst.(type) {
		case map[string]any:
			recs[i] = inst
		case []any:
			if len(inst) != len(ep.schema) {
				return nil, badRequest("", i, "instance %d has %d values, the model reads %d columns (%s)", i, len(inst), len(ep.schema), strings.Join(fieldNames(ep.schema), ", "))
			}
			rec := make(map[string]any, len(inst))
			for j, f := range ep.schema {
				rec[f.Name] = inst[j]
			}
			recs[i] = rec
		default:
			return nil, badRequest("", i, "instance %d must be a JSON object or an array, not %s", i, jsonKind(inst))
		}
	}
	return recs, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

func fieldNames(schema []predict.Field) []string {
	out := make([]string, len(schema))
	for i, f := range schema {
		out[i] = f.Name
	}
	return out
}

// decodeCSV reads a text/csv body (RFC 4180, comma-separated). The first
// line is a header when every one of its fields names a schema column
// (any order, a subset allowed); otherwise every line holds all the
// schema's columns in schema order.
func decodeCSV(ep *live, body []byte, maxRows int) ([]map[string]any, *apiError) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var cols []string
	var recs []map[string]any
	for line := 0; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, badRequest("", len(recs), "malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return nil, badRequest("", len(recs), "malformed CSV: %v", err)
		}
		if line == 0 {
			if isHeader(ep, rec) {
				cols = slices.Clone(rec)
				continue
			}
			cols = fieldNames(ep.schema)
		}
		if len(rec) != len(cols) {
			return nil, badRequest("", len(recs), "CSV row %d has %d fields, want %d (%s)", len(recs), len(rec), len(cols), strings.Join(cols, ", "))
		}
		if len(recs) == maxRows {
			return nil, tooManyRows(maxRows+1, maxRows, "")
		}
		m := make(map[string]any, len(cols))
		for j, c := range cols {
			m[c] = rec[j]
		}
		recs = append(recs, m)
	}
	if len(recs) == 0 {
		return nil, badRequest("", -1, "no CSV rows to predict")
	}
	return recs, nil
}

func isHeader(ep *live, rec []string) bool {
	seen := make(map[string]bool, len(rec))
	for _, c := range rec {
		if _, ok := ep.byName[c]; !ok || seen[c] {
			return false
		}
		seen[c] = true
	}
	return true
}

// v2Request is an Open Inference Protocol v2 inference request.
type v2Request struct {
	ID         string         `json:"id"`
	Inputs     []v2Tensor     `json:"inputs"`
	Parameters map[string]any `json:"parameters"`
	Outputs    []any          `json:"outputs"`
}

// v2Tensor is one named input column: shape [n] or [n, 1], data flat (or
// nested, then flattened in row-major order).
type v2Tensor struct {
	Name     string  `json:"name"`
	Shape    []int64 `json:"shape"`
	Datatype string  `json:"datatype"`
	Data     []any   `json:"data"`
}

// decodeV2 reads an Open Inference Protocol v2 request: one input tensor
// per column.
func decodeV2(ep *live, body []byte, maxRows int) ([]map[string]any, string, *apiError) {
	var req v2Request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, "", jsonError(err)
	}
	if len(req.Inputs) == 0 {
		return nil, req.ID, badRequest("inputs", -1, "no inputs: send one tensor per column (%s)", strings.Join(fieldNames(ep.schema), ", "))
	}
	n := -1
	seen := map[string]bool{}
	cols := make([][]any, len(req.Inputs))
	for k, in := range req.Inputs {
		if _, ok := ep.byName[in.Name]; !ok {
			return nil, req.ID, badRequest(in.Name, -1, "unknown input %q (the model reads: %s)", in.Name, strings.Join(fieldNames(ep.schema), ", "))
		}
		if seen[in.Name] {
			return nil, req.ID, badRequest(in.Name, -1, "input %q appears twice", in.Name)
		}
		seen[in.Name] = true
		if len(in.Shape) == 0 || len(in.Shape) > 2 || len(in.Shape) == 2 && in.Shape[1] != 1 || in.Shape[0] < 0 {
			return nil, req.ID, badRequest(in.Name, -1, "input %q has shape %v, want [n] or [n, 1]", in.Name, in.Shape)
		}
		rows := in.Shape[0]
		if rows > int64(maxRows) {
			return nil, req.ID, tooManyRows(int(min(rows, math.MaxInt32)), maxRows, in.Name)
		}
		if n >= 0 && int(rows) != n {
			return nil, req.ID, badRequest(in.Name, -1, "input %q has %d rows, the first input %d", in.Name, rows, n)
		}
		n = int(rows)
		data, err := flatten(in.Data, n)
		if err != nil {
			return nil, req.ID, badRequest(in.Name, -1, "input %q: %v", in.Name, err)
		}
		want, ok := v2Kinds[in.Datatype]
		if !ok {
			return nil, req.ID, badRequest(in.Name, -1, "input %q: unknown datatype %q (use %s)", in.Name, in.Datatype, v2DatatypeList)
		}
		for i, v := range data {
			if v == nil {
				continue
			}
			if err := want(v); err != "" {
				return nil, req.ID, badRequest(in.Name, i, "input %q, row %d: %s is not %s (datatype %s)", in.Name, i, predict.ShowValue(v), err, in.Datatype)
			}
		}
		cols[k] = data
	}
	if n == 0 {
		return nil, req.ID, badRequest("inputs", -1, "no rows to predict")
	}
	recs := make([]map[string]any, n)
	for i := range recs {
		m := make(map[string]any, len(cols))
		for k, in := range req.Inputs {
			m[in.Name] = cols[k][i]
		}
		recs[i] = m
	}
	return recs, req.ID, nil
}

// flatten returns data's values in row-major order, checking that there
// are n of them.
func flatten(data []any, n int) ([]any, error) {
	flat := data
	for _, v := range data {
		if _, ok := v.([]any); ok {
			flat = nil
			var walk func(v []any, depth int) error
			walk = func(v []any, depth int) error {
				if depth > 2 {
					return fmt.Errorf("data is nested deeper than the shape")
				}
				for _, x := range v {
					if l, ok := x.([]any); ok {
						if err := walk(l, depth+1); err != nil {
							return err
						}
						continue
					}
					flat = append(flat, x)
				}
				return nil
			}
			if err := walk(data, 0); err != nil {
				return nil, err
			}
			break
		}
	}
	if len(flat) != n {
		return nil, fmt.Errorf("shape says %d values, data holds %d", n, len(flat))
	}
	return flat, nil
}

const v2DatatypeList = "BOOL, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, FP16, FP32, FP64 or BYTES"

// v2Kinds checks one value of each datatype; it returns what the value
// should have been, or "".
var v2Kinds = map[string]func(v any) string{
	"BOOL":   func(v any) string { return ifNot(isBool(v), "a boolean") },
	"INT8":   isWhole,
	"INT16":  isWhole,
	"INT32":  isWhole,
	"INT64":  isWhole,
	"UINT8":  isWhole,
	"UINT16": isWhole,
	"UINT32": isWhole,
	"UINT64": isWhole,
	"FP16":   func(v any) string { return ifNot(isNumber(v), "a number") },
	"FP32":   func(v any) string { return ifNot(isNumber(v), "a number") },
	"FP64":   func(v any) string { return ifNot(isNumber(v), "a number") },
	"BYTES":  func(v any) string { return ifNot(isString(v), "a string") },
}

func ifNot(ok bool, want string) string {
	if ok {
		return ""
	}
	return want
}

func isBool(v any) bool   { _, ok := v.(bool); return ok }
func isNumber(v any) bool { _, ok := v.(float64); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }

func isWhole(v any) string {
	x, ok := v.(float64)
	if !ok || x != math.Trunc(x) {
		return "a whole number"
	}
	return ""
}

// frameOf builds the model's input frame from decoded records through
// predict.FrameFromRecords (the one conversion path); on failure it finds
// the record and field at fault, trying them one by one in the order
// FrameFromRecords checks them.
func frameOf(ep *live, recs []map[string]any) (*frame.Frame, *apiError) {
	f, err := predict.FrameFromRecords(ep.schema, recs)
	if err == nil {
		return f, nil
	}
	names := strings.Join(fieldNames(ep.schema), ", ")
	for r, rec := range recs {
		keys := make([]string, 0, len(rec))
		for k := range rec {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, ok := ep.byName[k]; !ok {
				return nil, badRequest(k, r, "row %d: unknown field %q (the model reads: %s)", r, k, names)
			}
		}
	}
	for _, fl := range ep.schema {
		for r, rec := range recs {
			v, ok := rec[fl.Name]
			if !ok {
				continue
			}
			if _, err := predict.FrameFromRecords(ep.schema, []map[string]any{{fl.Name: v}}); err != nil {
				return nil, badRequest(fl.Name, r, "row %d: field %q: %s is not %s", r, fl.Name, predict.ShowValue(v), wantOf(fl.Logical))
			}
		}
	}
	if errors.Is(err, predict.ErrInput) {
		return nil, badRequest("", -1, "%v", err)
	}
	return nil, &apiError{status: http.StatusInternalServerError, msg: err.Error(), row: -1}
}

// missingColumn returns the first required schema column the frame lacks
// (no record had it).
func missingColumn(ep *live, fr *frame.Frame) string {
	for _, f := range ep.schema {
		if _, ok := fr.Column(f.Name); f.Required && !ok {
			return f.Name
		}
	}
	return ""
}

// decodeRequest turns a request body into the model's input frame and,
// when capture is set, each row's input as one line of JSON (an object of
// column → value); reqID is the OIP v2 request id. JSON invocations and
// KServe v1 take decodeRows when they can; everything else, and every
// error, goes through the protocol's decoder, predict.FrameFromRecords
// (frameOf) and appendInput.
func decodeRequest(ep *live, proto string, csv bool, body []byte, maxRows int, capture bool) (fr *frame.Frame, inputs [][]byte, reqID string, _ *apiError) {
	if proto != protoV2 && !csv {
		sc := rowScratchPool.Get().(*rowScratch)
		defer func() { sc.reset(); rowScratchPool.Put(sc) }()
		if fr, ok := decodeRows(ep, body, maxRows, sc); ok {
			if capture {
				inputs = capturedInputs(body, sc.spans)
			}
			return fr, inputs, "", nil
		}
	}
	var recs []map[string]any
	var aerr *apiError
	switch {
	case proto == protoV2:
		recs, reqID, aerr = decodeV2(ep, body, maxRows)
	case csv:
		recs, aerr = decodeCSV(ep, body, maxRows)
	default:
		recs, aerr = decodeInstances(ep, body, maxRows)
	}
	if aerr != nil {
		return nil, nil, "", aerr
	}
	if fr, aerr = frameOf(ep, recs); aerr != nil {
		return nil, nil, "", aerr
	}
	if capture {
		inputs = make([][]byte, len(recs))
		for i, rec := range recs {
			if in, err := appendInput(nil, ep, rec); err == nil {
				inputs[i] = in // else nil: the capture drops the record, counted
			}
		}
	}
	return fr, inputs, reqID, nil
}

// wantOf says what values a column of a logical type accepts.
func wantOf(logical string) string {
	switch logical {
	case frame.LogicalInteger, frame.LogicalFloat:
		return "a number (or a string holding one)"
	case frame.LogicalBoolean:
		return "a boolean (true/false, 0/1)"
	case frame.LogicalCategorical, frame.LogicalText:
		return "a string"
	case frame.LogicalDate, frame.LogicalTimestamp:
		return "an RFC 3339 timestamp or a YYYY-MM-DD date"
	}
	return "a " + logical + " value"
}
