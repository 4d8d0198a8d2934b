package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

// rowsEndpoint is a live endpoint (schema only) with a column of every
// logical type.
func rowsEndpoint() *live {
	schema := []predict.Field{
		{Name: "x", Logical: frame.LogicalFloat},
		{Name: "n", Logical: frame.LogicalInteger, Required: true},
		{Name: "city", Logical: frame.LogicalCategorical},
		{Name: "flag", Logical: frame.LogicalBoolean},
		{Name: "note", Logical: frame.LogicalText},
		{Name: "day", Logical: frame.LogicalDate},
		{Name: "at", Logical: frame.LogicalTimestamp},
	}
	l := &live{schema: schema, byName: map[string]int{}, newRows: func(n int) *predict.Rows { return predict.NewRows(schema, n) }}
	for i, f := range schema {
		l.byName[f.Name] = i
	}
	return l
}

// cellText renders row i of c for comparison (NaN-safe, missing shown).
func cellText(c frame.Column, i int) string {
	if c.IsMissing(i) {
		return "<missing>"
	}
	switch c := c.(type) {
	case *frame.FloatColumn:
		return fmt.Sprint(math.Float64bits(c.Values()[i]))
	case *frame.BoolColumn:
		return fmt.Sprint(c.Values()[i])
	case *frame.CategoricalColumn:
		return c.Dict()[c.Codes()[i]]
	case *frame.StringColumn:
		return c.Values()[i]
	case *frame.TimeColumn:
		return fmt.Sprint(c.Values()[i])
	}
	return fmt.Sprintf("%T", c)
}

// sameFrame says how a and b differ ("" when they are equal).
func sameFrame(a, b *frame.Frame) string {
	if !slices.Equal(a.Names(), b.Names()) || a.Len() != b.Len() {
		return fmt.Sprintf("columns %q × %d rows vs %q × %d", a.Names(), a.Len(), b.Names(), b.Len())
	}
	for _, name := range a.Names() {
		ca, _ := a.Column(name)
		cb, _ := b.Column(name)
		if ca.Field() != cb.Field() {
			return fmt.Sprintf("column %q: %v vs %v", name, ca.Field(), cb.Field())
		}
		for i := range a.Len() {
			if x, y := cellText(ca, i), cellText(cb, i); x != y {
				return fmt.Sprintf("column %q row %d: %s vs %s", name, i, x, y)
			}
		}
	}
	return ""
}

// compareRows decodes body on both paths. When the fast path takes it, the
// general path must give the same frame, and each captured input must be
// one line of JSON holding the general path's record. It returns whether
// the fast path took the body.
func compareRows(t *testing.T, ep *live, body []byte, maxRows int) bool {
	t.Helper()
	sc := new(rowScratch)
	fast, ok := decodeRows(ep, body, maxRows, sc)
	if !ok {
		return false
	}
	recs, aerr := decodeInstances(ep, body, maxRows)
	if aerr != nil {
		t.Fatalf("%s: the fast path took a body the general path refuses: %s", body, aerr.msg)
	}
	slow, aerr := frameOf(ep, recs)
	if aerr != nil {
		t.Fatalf("%s: the fast path took a body the general path refuses: %s", body, aerr.msg)
	}
	if d := sameFrame(fast, slow); d != "" {
		t.Fatalf("%s: fast and general frames differ: %s", body, d)
	}
	inputs := capturedInputs(body, sc.spans)
	if len(inputs) != len(recs) {
		t.Fatalf("%s: %d captured inputs for %d records", body, len(inputs), len(recs))
	}
	for i, in := range inputs {
		var got map[string]any
		if slices.Contains(in, '\n') || json.Unmarshal(in, &got) != nil {
			t.Fatalf("%s: captured input %d is not one line of JSON: %q", body, i, in)
		}
		if !reflect.DeepEqual(got, recs[i]) {
			t.Fatalf("%s: captured input %d is %v, the request's record %v", body, i, got, recs[i])
		}
	}
	return true
}

func TestDecodeRowsMatchesGeneral(t *testing.T) {
	ep := rowsEndpoint()
	for _, tc := range []struct {
		body string
		fast bool
	}{
		{`{"x": 1.5, "n": 2, "city": "Oslo", "flag": true, "note": "hi", "day": "2024-02-29", "at": "2024-02-29T10:00:00Z"}`, true},
		{`{"instances": [{"n": 1}, {"x": null, "n": 3, "city": ""}, {"n": 2, "x": -0.0, "flag": false}]}`, true},
		{"[\n {\"n\": 1, \"city\": \"Bodø\"},\n {\"city\": 7, \"n\": \"4\", \"flag\": 1}\n]", true},
		{`{"instances": [{"note": "", "n": 1e3, "x": 1E-2}]}`, true},
		{`{"n": 1, "n": 2}`, true},                     // the last value wins on both paths
		{`{"n": "x", "n": 2}`, false},                  // a bad first value: the general path keeps the last
		{`  {"x": 1, "n": 2}  `, true},                 // surrounding space
		{`{"instances": [{}], "n": 1}`, false},         // a key beside "instances": general error
		{`{"instances": []}`, false},                   // no rows: general error
		{`{"x": 1, "zz": 2}`, false},                   // unknown field
		{`{"x": [1]}`, false},                          // nested value
		{`{"n": "abc"}`, false},                        // not a number
		{`{"x": 1e400}`, false},                        // out of range
		{`{"n": 1,}`, false},                           // malformed
		{`[[1, 2, "a", true, "", null, null]]`, false}, // array rows take the general path
		{`{"c\u0069ty": "Oslo"}`, false},               // escaped key
		{`{"flag": "maybe"}`, false},
		{`{"day": "yesterday"}`, false},
		{`{"note": "a\"b\\u00e9", "n": 1}`, true},
		{`{"n": 1} x`, false},
	} {
		if got := compareRows(t, ep, []byte(tc.body), 50); got != tc.fast {
			t.Errorf("%s: fast path took it: %v, want %v", tc.body, got, tc.fast)
		}
	}
	// Too many rows is the general path's 413.
	if compareRows(t, ep, []byte(`[{"n": 1}, {"n": 2}, {"n": 3}]`), 2) {
		t.Error("the fast path took 3 rows with a limit of 2")
	}
	// A schema with a column named "instances" makes {"instances": ...} ambiguous.
	amb := rowsEndpoint()
	amb.schema = append(slices.Clone(amb.schema), predict.Field{Name: "instances", Logical: frame.LogicalFloat})
	amb.byName["instances"] = len(amb.schema) - 1
	if compareRows(t, amb, []byte(`{"instances": 1, "n": 2}`), 50) {
		t.Error("the fast path took a body of a schema with an \"instances\" column")
	}
}

func FuzzDecodeRows(f *testing.F) {
	ep := rowsEndpoint()
	for _, s := range []string{
		`{"x": 1.5, "n": 2, "city": "Oslo", "flag": true, "note": "hi", "day": "2024-02-29", "at": "2024-02-29T10:00:00Z"}`,
		`{"instances": [{"n": 1}, {"x": null, "n": 3, "city": ""}]}`,
		`[{"n": 1, "city": "Bodø"}, {"city": 7, "n": "4", "flag": 1}]`,
		`{"n": 1, "n": 2}`, `{"note": "a\"b\\u00e9"}`, `{"x": 1e400}`, "{\"n\":\r\n1}",
		`{"city": true, "flag": 0, "at": ""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareRows(t, ep, b, 20)
	})
}
