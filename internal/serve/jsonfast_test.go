package serve

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
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

func TestExactFloat(t *testing.T) {
	for _, s := range []string{"0", "-0", "-0.0", "1", "-1", "0.1", "3.14159", "1e22", "1e23", "1e-22", "1e-23",
		"123456789012345", "1234567890123456", "9007199254740993", "0.000001", "1.5E+3", "2.5e-3", "-7.25e2",
		"999999999999999e22", "1e400", "4.9e-324", "0.30000000000000004", "100000000000000000000000"} {
		want, werr := strconv.ParseFloat(s, 64)
		got, ok := exactFloat([]byte(s))
		if ok && (werr != nil || math.Float64bits(got) != math.Float64bits(want)) {
			t.Errorf("exactFloat(%s) = %v, strconv %v (%v)", s, got, want, werr)
		}
	}
	for _, s := range []string{"3.7", "-0", "1e22", "123456789012345"} {
		if _, ok := exactFloat([]byte(s)); !ok {
			t.Errorf("exactFloat(%s) took the slow path", s)
		}
	}
}

func FuzzExactFloat(f *testing.F) {
	for _, s := range []string{"0", "-0.5", "1e22", "1.25e-7", "123456789012345.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
			return // not one JSON number
		}
		p := jsonParser{b: []byte(s)}
		got, ok := p.num()
		if p.i != len(s) {
			return // space around the number
		}
		want, err := strconv.ParseFloat(s, 64)
		if ok != (err == nil) || ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("num(%q) = %v %v, strconv %v %v", s, got, ok, want, err)
		}
	})
}

// BenchmarkNumbers parses the 28 numbers of a benchmark row (bench/gencsv
// writes 17 significant digits) with num and with strconv.ParseFloat.
func BenchmarkNumbers(b *testing.B) {
	var nums [][]byte
	for _, s := range strings.Fields("0.8248701295629089 -1.1391460323333740 0.5 1.25 -0.3107 12.5 3 -7.125e2 " +
		"0.04 1.7320508 2.5e-3 -1 0.333 42 0.7071067811865476 -0.75 1e3 9.81 6.02e23 0.1 0.2 0.3 -0.4 5.5 6.25 7 8.5 -9") {
		nums = append(nums, []byte(s))
	}
	b.Run("num", func(b *testing.B) {
		for b.Loop() {
			for _, n := range nums {
				p := jsonParser{b: n}
				p.num()
			}
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for b.Loop() {
			for _, n := range nums {
				strconv.ParseFloat(string(n), 64)
			}
		}
	})
}
