package frameio

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/parquet-go/parquet-go"
)

// fixture is testdata/parquet/types.parquet, written by DuckDB 1.5.6 with
// the SQL in testdata/parquet/README.md: 5,000 rows in row groups of 2,048.
var fixture = filepath.Join("..", "..", "testdata", "parquet", "types.parquet")

const fixtureRows = 5000

// fixtureWant recomputes the fixture's columns from its SQL; row r holds
// i = r+1.
type fixtureWant struct {
	id, x, small     []float64
	xMiss, smallMiss []bool
	color            []string
	colorMiss        []bool
	flag, flagMiss   []bool
	day, ts          []int64
	note             []string
}

func wantFixture() fixtureWant {
	var w fixtureWant
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for r := range fixtureRows {
		i := r + 1
		w.id = append(w.id, float64(i))
		if i%5 == 0 {
			w.x, w.xMiss = append(w.x, math.NaN()), append(w.xMiss, true)
		} else {
			w.x, w.xMiss = append(w.x, float64(i)*0.5), append(w.xMiss, false)
		}
		if i%7 == 0 {
			w.color, w.colorMiss = append(w.color, ""), append(w.colorMiss, true)
		} else {
			// DuckDB lists are 1-based: ['red','green','blue'][1+(i%3)].
			w.color, w.colorMiss = append(w.color, []string{"red", "green", "blue"}[i%3]), append(w.colorMiss, false)
		}
		if i%4 == 0 {
			w.flag, w.flagMiss = append(w.flag, false), append(w.flagMiss, true)
		} else {
			w.flag, w.flagMiss = append(w.flag, i%2 == 0), append(w.flagMiss, false)
		}
		w.day = append(w.day, start.AddDate(0, 0, i).UnixNano())
		w.ts = append(w.ts, start.Add(time.Duration(i)*time.Hour).UnixNano())
		if i%11 == 0 {
			w.small, w.smallMiss = append(w.small, math.NaN()), append(w.smallMiss, true)
		} else {
			w.small, w.smallMiss = append(w.small, float64(i%3)), append(w.smallMiss, false)
		}
		w.note = append(w.note, "note number "+strconv.Itoa(i))
	}
	return w
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// missing returns the column's mask as one bool per row.
func missing(c frame.Column) []bool { return c.Mask().Bools(c.Len()) }

func loadFixture(t *testing.T, opts LoadOpts) *frame.Frame {
	t.Helper()
	f, err := Load(t.Context(), fixture, opts)
	if err != nil {
		t.Fatalf("Load(%s, %+v) error = %v", fixture, opts, err)
	}
	if f.Len() != fixtureRows {
		t.Fatalf("Load(%s, %+v).Len() = %d, want %d", fixture, opts, f.Len(), fixtureRows)
	}
	return f
}

func column[C frame.Column](t *testing.T, f *frame.Frame, name string) C {
	t.Helper()
	c, err := frame.ColumnAs[C](f, name)
	if err != nil {
		t.Fatalf("column %q: %v", name, err)
	}
	return c
}

func TestLoadFixture(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, LoadOpts{})
	w := wantFixture()

	wantSchema := frame.Schema{
		{Name: "id", Kind: frame.Float, Logical: frame.LogicalInteger},
		{Name: "x", Kind: frame.Float, Logical: frame.LogicalFloat},
		{Name: "color", Kind: frame.Categorical, Logical: frame.LogicalCategorical},
		{Name: "flag", Kind: frame.Bool, Logical: frame.LogicalBoolean},
		{Name: "day", Kind: frame.Time, Logical: frame.LogicalDate},
		{Name: "ts", Kind: frame.Time, Logical: frame.LogicalTimestamp},
		{Name: "small_int", Kind: frame.Float, Logical: frame.LogicalInteger},
		{Name: "note", Kind: frame.Categorical, Logical: frame.LogicalCategorical},
	}
	if diff := cmp.Diff(wantSchema, f.Schema()); diff != "" {
		t.Errorf("Load(types.parquet).Schema() mismatch (-want +got):\n%s", diff)
	}

	// The facts stated in testdata/parquet/README.md.
	facts := []struct {
		column  string
		nonNull int
	}{
		{"id", 5000}, {"x", 4000}, {"color", 4286}, {"flag", 3750}, {"small_int", 4546},
		{"day", 5000}, {"ts", 5000}, {"note", 5000},
	}
	for _, tt := range facts {
		c, _ := f.Column(tt.column)
		if got := c.Len() - c.NullCount(); got != tt.nonNull {
			t.Errorf("column %q has %d non-null values, want %d", tt.column, got, tt.nonNull)
		}
	}
	x := column[*frame.FloatColumn](t, f, "x")
	sum := 0.0
	for _, v := range x.Values() {
		if !math.IsNaN(v) {
			sum += v
		}
	}
	if sum != 5_000_000 {
		t.Errorf("sum of x = %v, want 5000000", sum)
	}

	nan := cmpopts.EquateNaNs()
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"id", column[*frame.FloatColumn](t, f, "id").Values(), w.id},
		{"id missing", missing(column[*frame.FloatColumn](t, f, "id")), make([]bool, fixtureRows)},
		{"x", x.Values(), w.x},
		{"x missing", missing(x), w.xMiss},
		{"color missing", missing(column[*frame.CategoricalColumn](t, f, "color")), w.colorMiss},
		{"color dictionary", column[*frame.CategoricalColumn](t, f, "color").Dict(), []string{"blue", "green", "red"}},
		{"flag", column[*frame.BoolColumn](t, f, "flag").Values(), w.flag},
		{"flag missing", missing(column[*frame.BoolColumn](t, f, "flag")), w.flagMiss},
		{"day", column[*frame.TimeColumn](t, f, "day").Values(), w.day},
		{"ts", column[*frame.TimeColumn](t, f, "ts").Values(), w.ts},
		{"small_int", column[*frame.FloatColumn](t, f, "small_int").Values(), w.small},
		{"small_int missing", missing(column[*frame.FloatColumn](t, f, "small_int")), w.smallMiss},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got, nan); diff != "" {
			t.Errorf("Load(types.parquet) %s mismatch (-want +got):\n%s", c.name, diff)
		}
	}

	color := column[*frame.CategoricalColumn](t, f, "color")
	gotColor := make([]string, color.Len())
	for i := range gotColor {
		gotColor[i] = color.Value(i)
	}
	if diff := cmp.Diff(w.color, gotColor); diff != "" {
		t.Errorf("Load(types.parquet) color mismatch (-want +got):\n%s", diff)
	}
	note := column[*frame.CategoricalColumn](t, f, "note")
	if got := len(note.Dict()); got != fixtureRows || !slices.IsSorted(note.Dict()) {
		t.Errorf("note dictionary has %d entries (sorted: %v), want %d sorted", got, slices.IsSorted(note.Dict()), fixtureRows)
	}

	// A few rows spelled out, across the three row groups (rows 0-2047,
	// 2048-4095, 4096-4999).
	rows := []struct {
		row   int
		id    float64
		x     string
		color string
		flag  string
		day   string
		ts    string
		small string
		note  string
	}{
		{0, 1, "0.5", "green", "false", "2024-01-02", "2024-01-01T01:00:00Z", "1", "note number 1"},
		{3, 4, "2", "green", "-", "2024-01-05", "2024-01-01T04:00:00Z", "1", "note number 4"},
		{4, 5, "-", "blue", "false", "2024-01-06", "2024-01-01T05:00:00Z", "2", "note number 5"},
		{6, 7, "3.5", "-", "false", "2024-01-08", "2024-01-01T07:00:00Z", "1", "note number 7"},
		{10, 11, "5.5", "blue", "false", "2024-01-12", "2024-01-01T11:00:00Z", "-", "note number 11"},
		{2047, 2048, "1024", "blue", "-", "2029-08-10", "2024-03-26T08:00:00Z", "2", "note number 2048"},
		{2048, 2049, "1024.5", "red", "false", "2029-08-11", "2024-03-26T09:00:00Z", "0", "note number 2049"},
		{4095, 4096, "2048", "green", "-", "2035-03-20", "2024-06-19T16:00:00Z", "1", "note number 4096"},
		{4096, 4097, "2048.5", "blue", "false", "2035-03-21", "2024-06-19T17:00:00Z", "2", "note number 4097"},
		{4999, 5000, "-", "blue", "-", "2037-09-09", "2024-07-27T08:00:00Z", "2", "note number 5000"},
	}
	id := column[*frame.FloatColumn](t, f, "id")
	flag := column[*frame.BoolColumn](t, f, "flag")
	day := column[*frame.TimeColumn](t, f, "day")
	ts := column[*frame.TimeColumn](t, f, "ts")
	small := column[*frame.FloatColumn](t, f, "small_int")
	orDash := func(c frame.Column, i int, s string) string {
		if c.IsMissing(i) {
			return "-"
		}
		return s
	}
	for _, r := range rows {
		got := []string{
			orDash(id, r.row, strconv.FormatFloat(id.Values()[r.row], 'g', -1, 64)),
			orDash(x, r.row, strconv.FormatFloat(x.Values()[r.row], 'g', -1, 64)),
			orDash(color, r.row, color.Value(r.row)),
			orDash(flag, r.row, strconv.FormatBool(flag.Values()[r.row])),
			orDash(day, r.row, day.At(r.row).Format(time.DateOnly)),
			orDash(ts, r.row, ts.At(r.row).Format(time.RFC3339)),
			orDash(small, r.row, strconv.FormatFloat(small.Values()[r.row], 'g', -1, 64)),
			note.Value(r.row),
		}
		want := []string{strconv.FormatFloat(r.id, 'g', -1, 64), r.x, r.color, r.flag, r.day, r.ts, r.small, r.note}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Load(types.parquet) row %d mismatch (-want +got):\n%s", r.row, diff)
		}
	}
}

func TestLoadOpts(t *testing.T) {
	t.Parallel()
	w := wantFixture()
	tests := []struct {
		name   string
		opts   LoadOpts
		schema frame.Schema
		check  func(t *testing.T, f *frame.Frame)
	}{
		{
			name: "subset in order with text",
			opts: LoadOpts{Columns: []string{"note", "x", "id"}, Logical: map[string]string{"note": "text", "color": "text"}},
			schema: frame.Schema{
				{Name: "note", Kind: frame.String, Logical: frame.LogicalText},
				{Name: "x", Kind: frame.Float, Logical: frame.LogicalFloat},
				{Name: "id", Kind: frame.Float, Logical: frame.LogicalInteger},
			},
			check: func(t *testing.T, f *frame.Frame) {
				if diff := cmp.Diff(w.note, column[*frame.StringColumn](t, f, "note").Values()); diff != "" {
					t.Errorf("note mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(w.xMiss, missing(column[*frame.FloatColumn](t, f, "x"))); diff != "" {
					t.Errorf("x missing mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "logical overrides",
			opts: LoadOpts{
				Columns: []string{"small_int", "id", "day", "ts", "color"},
				Logical: map[string]string{"small_int": "categorical", "id": "float", "day": "timestamp", "ts": "date", "color": "text"},
			},
			schema: frame.Schema{
				{Name: "small_int", Kind: frame.Categorical, Logical: frame.LogicalCategorical},
				{Name: "id", Kind: frame.Float, Logical: frame.LogicalFloat},
				{Name: "day", Kind: frame.Time, Logical: frame.LogicalTimestamp},
				{Name: "ts", Kind: frame.Time, Logical: frame.LogicalDate},
				{Name: "color", Kind: frame.String, Logical: frame.LogicalText},
			},
			check: func(t *testing.T, f *frame.Frame) {
				small := column[*frame.CategoricalColumn](t, f, "small_int")
				if diff := cmp.Diff([]string{"0", "1", "2"}, small.Dict()); diff != "" {
					t.Errorf("small_int dictionary mismatch (-want +got):\n%s", diff)
				}
				got := make([]string, small.Len())
				want := make([]string, small.Len())
				for i := range got {
					got[i] = small.Value(i)
					if !w.smallMiss[i] {
						want[i] = strconv.Itoa(int(w.small[i]))
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("small_int mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(w.color, column[*frame.StringColumn](t, f, "color").Values()); diff != "" {
					t.Errorf("color mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(w.day, column[*frame.TimeColumn](t, f, "day").Values()); diff != "" {
					t.Errorf("day mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:   "unrelated logical entries are ignored",
			opts:   LoadOpts{Columns: []string{"flag"}, Logical: map[string]string{"x": "text", "elsewhere": "integer"}},
			schema: frame.Schema{{Name: "flag", Kind: frame.Bool, Logical: frame.LogicalBoolean}},
			check: func(t *testing.T, f *frame.Frame) {
				if got := column[*frame.BoolColumn](t, f, "flag").NullCount(); got != 1250 {
					t.Errorf("flag NullCount() = %d, want 1250", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, tt.opts)
			if diff := cmp.Diff(tt.schema, f.Schema()); diff != "" {
				t.Errorf("Load(%+v).Schema() mismatch (-want +got):\n%s", tt.opts, diff)
			}
			tt.check(t, f)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notParquet := write("data.csv", "id,x\n1,0.5\n2,1.0\n")
	empty := write("empty.parquet", "")
	fixtureBytes, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	truncated := write("truncated.parquet", string(fixtureBytes[:len(fixtureBytes)/2]))
	missingPath := filepath.Join(dir, "nope.parquet")
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancelExpired := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancelExpired()

	tests := []struct {
		name  string
		ctx   context.Context
		path  string
		opts  LoadOpts
		kind  fault.Kind
		wants []string
	}{
		{name: "file does not exist", path: missingPath, kind: fault.KindNotFound, wants: []string{missingPath, "does not exist"}},
		{name: "not parquet", path: notParquet, kind: fault.KindInvalid, wants: []string{notParquet, "not a readable Parquet file"}},
		{name: "empty file", path: empty, kind: fault.KindInvalid, wants: []string{empty, "not a readable Parquet file"}},
		{name: "truncated", path: truncated, kind: fault.KindInvalid, wants: []string{truncated, "not a readable Parquet file"}},
		{name: "directory", path: dir, kind: fault.KindInvalid, wants: []string{dir, "directory"}},
		{
			name: "unknown columns", path: fixture, opts: LoadOpts{Columns: []string{"id", "price", "qty"}},
			kind: fault.KindInvalid, wants: []string{fixture, `no column "price"`, `no column "qty"`, `"small_int"`},
		},
		{name: "column twice", path: fixture, opts: LoadOpts{Columns: []string{"id", "id"}}, kind: fault.KindInvalid, wants: []string{`"id" requested twice`}},
		{
			name: "bad logical types", path: fixture,
			opts: LoadOpts{Logical: map[string]string{"color": "integer", "day": "float", "x": "date", "id": "varchar", "note": "boolean"}},
			kind: fault.KindInvalid,
			wants: []string{
				`column "color": cannot load BYTE_ARRAY STRING as "integer"`,
				`column "day": cannot load INT32 DATE as "float"`,
				`column "x": cannot load DOUBLE as "date"`,
				`column "id": logical type "varchar"`,
				`column "note": cannot load BYTE_ARRAY STRING as "boolean"`,
			},
		},
		{
			name: "integers that are not booleans", path: fixture,
			opts: LoadOpts{Columns: []string{"small_int"}, Logical: map[string]string{"small_int": "boolean"}},
			kind: fault.KindInvalid, wants: []string{`column "small_int"`, "value 2 is not 0 or 1"},
		},
		{name: "canceled", ctx: canceled, path: fixture, kind: fault.KindCanceled, wants: []string{fixture, "context canceled"}},
		{name: "deadline", ctx: expired, path: fixture, kind: fault.KindCanceled, wants: []string{fixture, "deadline exceeded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			f, err := Load(ctx, tt.path, tt.opts)
			if err == nil {
				t.Fatalf("Load(%q, %+v) = %d rows, want an error", tt.path, tt.opts, f.Len())
			}
			if got := fault.KindOf(err); got != tt.kind {
				t.Errorf("Load(%q, %+v) error kind = %v, want %v (error: %v)", tt.path, tt.opts, got, tt.kind, err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%q, %+v) error = %q, want it to contain %q", tt.path, tt.opts, err, w)
				}
			}
		})
	}
}

// TestLoadCorrupt damages the fixture's data pages in several places: Load
// must return an error or a frame, never panic.
func TestLoadCorrupt(t *testing.T) {
	t.Parallel()
	orig, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, at := range []int{4, 40, 400, 4000, 10000, 20000, len(orig) / 3} {
		t.Run(strconv.Itoa(at), func(t *testing.T) {
			t.Parallel()
			b := slices.Clone(orig)
			for i := at; i < at+16 && i < len(b)-8; i++ {
				b[i] ^= 0x5a
			}
			p := filepath.Join(dir, "corrupt"+strconv.Itoa(at)+".parquet")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(t.Context(), p, LoadOpts{})
			if err != nil && !strings.Contains(err.Error(), p) {
				t.Errorf("Load(corrupt at %d) error = %q, want it to name %s", at, err, p)
			}
		})
	}
}

func TestParallelStopsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var calls atomic.Int64
	err := parallel(ctx, 1000, func(i int) error {
		calls.Add(1)
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("parallel(canceled after the first call) = %v, want context.Canceled", err)
	}
	// Each worker finishes the call it is in, then sees the cancellation.
	if got, most := calls.Load(), int64(runtime.GOMAXPROCS(0)); got > most {
		t.Errorf("parallel(canceled after the first call) made %d calls, want at most %d", got, most)
	}
}

func TestParallelFirstError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var calls atomic.Int64
	err := parallel(t.Context(), 1000, func(i int) error {
		calls.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("parallel(error at 3) = %v, want boom", err)
	}
	if got := calls.Load(); got == 1000 {
		t.Errorf("parallel(error at 3) made all %d calls, want it to stop early", got)
	}
}

// TestFormatVersion checks that a dataset file of an unknown layout
// version is refused, and that files without the marker still load.
func TestFormatVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	type row struct {
		X float64 `parquet:"x"`
	}
	for _, tc := range []struct {
		version string
		ok      bool
	}{{"1", true}, {"2", false}, {"", true}} {
		p := filepath.Join(dir, "v"+tc.version+".parquet")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		var opts []parquet.WriterOption
		if tc.version != "" {
			opts = append(opts, parquet.KeyValueMetadata(FormatKey, tc.version))
		}
		w := parquet.NewGenericWriter[row](f, opts...)
		w.Write([]row{{1}, {2}})
		w.Close()
		f.Close()
		fr, err := Load(context.Background(), p, LoadOpts{})
		if tc.ok && (err != nil || fr.Len() != 2) {
			t.Errorf("version %q: Load = %v, want 2 rows", tc.version, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), `format version "2"`)) {
			t.Errorf("version %q: Load error = %v, want a refusal naming the version", tc.version, err)
		}
	}
}
