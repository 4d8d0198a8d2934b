package frameio

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// writtenRow covers what the DuckDB fixture does not: required columns,
// dictionary-encoded doubles, FLOAT, unsigned and decimal integers,
// millisecond, nanosecond and INT96 timestamps, UUIDs, fixed-length
// decimals, stored NaNs.
type writtenRow struct {
	A float64          `parquet:"a"`
	B *float64         `parquet:"b,optional"`
	C *int32           `parquet:"c,optional,dict"`
	D float32          `parquet:"d"`
	E *string          `parquet:"e,optional,dict"`
	F uint64           `parquet:"f"`
	G int64            `parquet:"g,timestamp(millisecond)"`
	H int64            `parquet:"h,timestamp(nanosecond)"`
	I *bool            `parquet:"i,optional"`
	J int64            `parquet:"j,decimal(2:10)"`
	K float64          `parquet:"k,dict"`
	L *float64         `parquet:"l,optional,dict"`
	M string           `parquet:"m"`
	N int32            `parquet:"n,date"`
	O [16]byte         `parquet:"o,uuid"`
	P [9]byte          `parquet:"p,decimal(3:20)"`
	Q deprecated.Int96 `parquet:"q"`
	R *string          `parquet:"r,optional"`      // always null
	S *float64         `parquet:"s,optional,dict"` // always null
}

const writtenRows = 1000

func writtenData() []writtenRow {
	rows := make([]writtenRow, writtenRows)
	for r := range rows {
		w := &rows[r]
		w.A = float64(r) * 1.25
		if r%13 == 0 {
			w.A = math.NaN()
		}
		if r%3 != 0 {
			b := float64(r) * 2
			w.B = &b
		}
		if r%4 != 1 {
			c := int32(r%10 - 5)
			w.C = &c
		}
		w.D = float32(r) / 4
		if r%5 != 2 {
			e := "cat" + strconv.Itoa(r%7)
			w.E = &e
		}
		w.F = 1<<63 + uint64(r)
		w.G = 1_700_000_000_000 + int64(r)*1000
		w.H = 1_700_000_000_000_000_000 + int64(r)
		if r%6 != 0 {
			i := r%2 == 1
			w.I = &i
		}
		w.J = int64(r*101 - 5000)
		w.K = float64(r % 4)
		if r%2 == 1 {
			l := float64(r%3) + 0.5
			w.L = &l
		}
		w.M = "m" + strconv.Itoa(r)
		w.N = int32(19000 + r)
		w.O = [16]byte{0: 0xde, 1: 0xad, 14: byte(r >> 8), 15: byte(r)}
		// -r*1001 as a 9-byte big-endian two's complement integer.
		v := uint64(-int64(r) * 1001)
		w.P = [9]byte{0xff}
		if r == 0 {
			w.P[0] = 0
		}
		for k := range 8 {
			w.P[8-k] = byte(v >> (8 * k))
		}
		// Julian day 2460311 is 2024-01-01; nanoseconds into the day.
		nanos := uint64(r) * 1_000_001
		w.Q = deprecated.Int96{uint32(nanos), uint32(nanos >> 32), 2460311 + uint32(r%3)}
	}
	return rows
}

// TestLoadWritten writes files with parquet-go in both data page versions
// and with dictionaries that overflow,
// with row groups of 300 rows (not a multiple of 64, so neighbouring chunks
// share mask words) and small pages (several per chunk), and loads them.
func TestLoadWritten(t *testing.T) {
	t.Parallel()
	data := writtenData()
	tests := []struct {
		name string
		opts []parquet.WriterOption
	}{
		{name: "data page v1", opts: []parquet.WriterOption{parquet.DataPageVersion(1)}},
		{name: "data page v2", opts: []parquet.WriterOption{parquet.DataPageVersion(2)}},
		{
			// Dictionary columns switch to plain pages in mid-chunk.
			name: "dictionary fallback",
			opts: []parquet.WriterOption{parquet.DataPageVersion(1), parquet.DictionaryMaxBytes(24)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "written.parquet")
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := parquet.NewGenericWriter[writtenRow](out, append([]parquet.WriterOption{
				parquet.PageBufferSize(512),
				parquet.MaxRowsPerRowGroup(300),
				parquet.Compression(&parquet.Snappy),
			}, tt.opts...)...)
			for start := 0; start < len(data); start += 300 {
				if _, err := w.Write(data[start:min(start+300, len(data))]); err != nil {
					t.Fatal(err)
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}

			f, err := Load(t.Context(), path, LoadOpts{Logical: map[string]string{"m": "text"}})
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			checkWritten(t, f, data)
		})
	}
}

func checkWritten(t *testing.T, f *frame.Frame, data []writtenRow) {
	t.Helper()
	n := len(data)
	floats := map[string][]float64{}
	miss := map[string][]bool{}
	var e []string
	var i []bool
	var g, h, days []int64
	var m, o []string
	var q []int64
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s"} {
		miss[name] = make([]bool, n)
	}
	nan := math.NaN()
	for r, w := range data {
		floats["a"] = append(floats["a"], w.A)
		miss["a"][r] = math.IsNaN(w.A)
		if w.B != nil {
			floats["b"] = append(floats["b"], *w.B)
		} else {
			floats["b"], miss["b"][r] = append(floats["b"], nan), true
		}
		if w.C != nil {
			floats["c"] = append(floats["c"], float64(*w.C))
		} else {
			floats["c"], miss["c"][r] = append(floats["c"], nan), true
		}
		floats["d"] = append(floats["d"], float64(w.D))
		if w.E != nil {
			e = append(e, *w.E)
		} else {
			e, miss["e"][r] = append(e, ""), true
		}
		floats["f"] = append(floats["f"], float64(w.F))
		g = append(g, w.G*1e6)
		h = append(h, w.H)
		if w.I != nil {
			i = append(i, *w.I)
		} else {
			i, miss["i"][r] = append(i, false), true
		}
		floats["j"] = append(floats["j"], float64(w.J)/100)
		floats["k"] = append(floats["k"], w.K)
		if w.L != nil {
			floats["l"] = append(floats["l"], *w.L)
		} else {
			floats["l"], miss["l"][r] = append(floats["l"], nan), true
		}
		m = append(m, w.M)
		days = append(days, int64(w.N)*86400e9)
		o = append(o, fmt.Sprintf("dead0000-0000-0000-0000-00000000%04x", r))
		floats["p"] = append(floats["p"], float64(-r*1001)/1000)
		q = append(q, time.Date(2024, 1, 1+r%3, 0, 0, 0, r*1_000_001, time.UTC).UnixNano())
		miss["r"][r], miss["s"][r] = true, true
		floats["s"] = append(floats["s"], nan)
	}

	wantSchema := frame.Schema{
		{Name: "a", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "b", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "c", Kind: frame.Float, Logical: frame.LogicalInteger},
		{Name: "d", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "e", Kind: frame.Categorical, Logical: frame.LogicalCategorical},
		{Name: "f", Kind: frame.Float, Logical: frame.LogicalInteger},
		{Name: "g", Kind: frame.Time, Logical: frame.LogicalTimestamp},
		{Name: "h", Kind: frame.Time, Logical: frame.LogicalTimestamp},
		{Name: "i", Kind: frame.Bool, Logical: frame.LogicalBoolean},
		{Name: "j", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "k", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "l", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "m", Kind: frame.String, Logical: frame.LogicalText},
		{Name: "n", Kind: frame.Time, Logical: frame.LogicalDate},
		{Name: "o", Kind: frame.Categorical, Logical: frame.LogicalCategorical},
		{Name: "p", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "q", Kind: frame.Time, Logical: frame.LogicalTimestamp},
		{Name: "r", Kind: frame.Categorical, Logical: frame.LogicalCategorical},
		{Name: "s", Kind: frame.Float, Logical: frame.LogicalFloat},
	}
	if diff := cmp.Diff(wantSchema, f.Schema()); diff != "" {
		t.Errorf("Schema() mismatch (-want +got):\n%s", diff)
	}
	for name, want := range floats {
		c := column[*frame.FloatColumn](t, f, name)
		if diff := cmp.Diff(want, c.Values(), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("column %q mismatch (-want +got):\n%s", name, diff)
		}
	}
	ec := column[*frame.CategoricalColumn](t, f, "e")
	oc := column[*frame.CategoricalColumn](t, f, "o")
	gotE, gotO := make([]string, n), make([]string, n)
	for r := range gotE {
		gotE[r], gotO[r] = ec.Value(r), oc.Value(r)
	}
	others := []struct {
		name      string
		got, want any
	}{
		{"e", gotE, e},
		{"e dictionary", ec.Dict(), []string{"cat0", "cat1", "cat2", "cat3", "cat4", "cat5", "cat6"}},
		{"g", column[*frame.TimeColumn](t, f, "g").Values(), g},
		{"h", column[*frame.TimeColumn](t, f, "h").Values(), h},
		{"i", column[*frame.BoolColumn](t, f, "i").Values(), i},
		{"m", column[*frame.StringColumn](t, f, "m").Values(), m},
		{"n", column[*frame.TimeColumn](t, f, "n").Values(), days},
		{"o", gotO, o},
		{"q", column[*frame.TimeColumn](t, f, "q").Values(), q},
		{"r dictionary", column[*frame.CategoricalColumn](t, f, "r").Dict(), []string{}},
	}
	for _, o := range others {
		if diff := cmp.Diff(o.want, o.got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("column %s mismatch (-want +got):\n%s", o.name, diff)
		}
	}
	for _, c := range f.Columns() {
		if diff := cmp.Diff(miss[c.Name()], missing(c)); diff != "" {
			t.Errorf("column %q missing mismatch (-want +got):\n%s", c.Name(), diff)
		}
	}
}
