package serve

import (
	"encoding/json"
	"reflect"
	"testing"
)

var jsonCases = []string{
	`{"instances": [{"x": 0.5, "n": 3, "city": "Bergen", "flag": false}, {"n": 1, "city": null}]}`,
	`[1, -0, 0.25e-3, 1E+2, -12.5e10, 1e308]`, `"caf\u00e9 \ud83d\ude00 \ud800 \"q\" \\ \/ \b\f\n\r\t"`,
	"\"bad utf8 \xff\xfe end\"", `{}`, `[]`, `  {"a" : [ true , false , null ] }  `, `{"a":1,"a":2}`,
	`01`, `1.`, `.5`, `-`, `1e`, `1e400`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `"\u12"`, `"\x"`, "\"tab\there\"",
	`nul`, `truex`, `[1 2]`, `{"a":{"b":{"c":[[[]]]}}}`, ``, ` `, `"\ud83d\u0041"`, `-01`, `2.5E-3`,
}

// TestParseJSONMatchesEncodingJSON checks that the fast parser decodes
// exactly what encoding/json decodes, or declines.
func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range jsonCases {
		checkParse(t, []byte(c))
	}
}

func checkParse(t *testing.T, b []byte) {
	t.Helper()
	var want any
	werr := json.Unmarshal(b, &want)
	got, ok := parseJSON(b)
	if ok && werr != nil {
		t.Fatalf("%q: fast parser accepted %#v, encoding/json refuses: %v", b, got, werr)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: fast parser %#v, encoding/json %#v", b, got, want)
	}
	v, err := unmarshalAny(b)
	if (err == nil) != (werr == nil) || err == nil && !reflect.DeepEqual(v, want) {
		t.Fatalf("%q: unmarshalAny %#v, %v; encoding/json %#v, %v", b, v, err, want, werr)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkParse(t, b) })
}
