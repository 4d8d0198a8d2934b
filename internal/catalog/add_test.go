package catalog_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
)

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if strings.HasSuffix(name, ".gz") {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAddBadInput checks that each kind of bad input fails with an error
// naming the file and, where one applies, the line and column, and leaves
// the catalog and the artifact store exactly as they were.
func TestAddBadInput(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	// A good version first, so "as they were" is not just "empty".
	good := write(t, dir, "good.csv", []byte("a,b\n1,x\n2,y\n"))
	if _, err := a.Catalog.Add(ctx, good, catalog.AddOpts{Name: "good"}); err != nil {
		t.Fatal(err)
	}
	before := catalogtest.Take(t, a)
	tests := []struct {
		name  string
		file  string
		data  string // "" with file set: written as an empty file
		opts  catalog.AddOpts
		kind  fault.Kind
		wants []string // substrings of the error
	}{
		{name: "missing file", file: "", opts: catalog.AddOpts{Name: "x"}, kind: fault.KindNotFound, wants: []string{"nope.csv", "no such file"}},
		{name: "empty file", file: "empty.csv", data: "", kind: fault.KindInvalid, wants: []string{"empty.csv", "file is empty"}},
		{name: "header only", file: "hdr.csv", data: "a,b\n", kind: fault.KindInvalid, wants: []string{"hdr.csv", "no data rows"}},
		{name: "ragged row", file: "ragged.csv", data: "a,b,c\n1,2,x\n3,4,y\n5,6\n", kind: fault.KindInvalid, wants: []string{"ragged.csv", "line 4", "2 fields, the header has 3"}},
		{name: "ragged row after the sample", file: "ragged_late.csv", data: "a,b\n" + strings.Repeat("1,2\n", 30000) + "3,4,5\n", kind: fault.KindInvalid, wants: []string{"ragged_late.csv", "line 30002", "3 fields, the header has 2"}},
		{name: "broken quoting", file: "quote.csv", data: "a,b\n1,\"unterminated\n3,4\n", kind: fault.KindInvalid, wants: []string{"quote.csv", "line 2", `column "b"`, "never closed"}},
		{name: "junk after a quote", file: "junk.csv", data: "a,b\n1,\"x\"y\n", kind: fault.KindInvalid, wants: []string{"junk.csv", "line 2", `column "b"`, "after a closing quote"}},
		{name: "invalid UTF-8", file: "utf.csv", data: "a,b\n1,2\n3,\xff\xfe\n", kind: fault.KindInvalid, wants: []string{"utf.csv", "line 3", `column "b"`, "invalid UTF-8"}},
		{name: "value does not fit a forced type", file: "typ.csv", data: "a,b\n1,2\n3,abc\n", opts: catalog.AddOpts{IngestOpts: dataengine.IngestOpts{Types: map[string]string{"b": "integer"}}},
			kind: fault.KindInvalid, wants: []string{"typ.csv", "line 3", `column "b"`, `"abc"`, "integer"}},
		{name: "forced type in JSON lines", file: "typ.jsonl", data: "{\"a\": 1}\n{\"a\": \"x\"}\n", opts: catalog.AddOpts{IngestOpts: dataengine.IngestOpts{Types: map[string]string{"a": "integer"}}},
			kind: fault.KindInvalid, wants: []string{"typ.jsonl", "line 2", `column "a"`, `"x"`, "integer"}},
		{name: "schema names a missing column", file: "cols.csv", data: "a,b\n1,2\n", opts: catalog.AddOpts{IngestOpts: dataengine.IngestOpts{Types: map[string]string{"zz": "float"}}},
			kind: fault.KindInvalid, wants: []string{"cols.csv", `"zz"`, "columns: a, b"}},
		{name: "unknown type in schema", file: "t.csv", data: "a,b\n1,2\n", opts: catalog.AddOpts{IngestOpts: dataengine.IngestOpts{Types: map[string]string{"a": "int32"}}},
			kind: fault.KindInvalid, wants: []string{"t.csv", `"int32"`, "known:"}},
		{name: "unknown format", file: "sheet.xls", data: "whatever", kind: fault.KindInvalid, wants: []string{"sheet.xls", "unknown format"}},
		{name: "unsafe name", file: "ok.csv", data: "a\n1\n", opts: catalog.AddOpts{Name: "drop table; --"}, kind: fault.KindInvalid, wants: []string{"not a safe identifier"}},
		{name: "name too long", file: "ok2.csv", data: "a\n1\n", opts: catalog.AddOpts{Name: strings.Repeat("n", 59)}, kind: fault.KindInvalid, wants: []string{"not a safe identifier"}},
		{name: "duplicate column names", file: "dup.csv", data: "a,a\n1,2\n", kind: fault.KindInvalid, wants: []string{"dup.csv", "line 1", `"a" appears twice`}},
		{name: "column names differing in case", file: "case.csv", data: "id,ID\n1,2\n", kind: fault.KindInvalid, wants: []string{"case.csv", "line 1", `"id" (field 1) and "ID" (field 2) differ only in case`}},
		{name: "empty column name", file: "noname.csv", data: "a,,c\n1,2,3\n", kind: fault.KindInvalid, wants: []string{"noname.csv", "line 1", "header field 2 is empty"}},
		{name: "malformed JSON", file: "bad.jsonl", data: "{\"a\":1}\n{\"a\":2}\n{\"a\":\n", kind: fault.KindInvalid, wants: []string{"bad.jsonl", "line 3", "malformed JSON"}},
		{name: "not Parquet", file: "fake.parquet", data: "PAR1 but not really", kind: fault.KindInvalid, wants: []string{"fake.parquet", "not a valid Parquet file"}},
		{name: "not gzip", file: "fake.csv.gz", data: "", kind: fault.KindInvalid, wants: []string{"fake.csv.gz"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(dir, "nope.csv")
			if tc.file != "" {
				src = filepath.Join(dir, tc.file)
				if err := os.WriteFile(src, []byte(tc.data), 0o644); err != nil {
					t.Fatal(err)
				}
				if tc.name == "not gzip" {
					os.WriteFile(src, []byte("this is not gzip data at all"), 0o644)
				}
			}
			opts := tc.opts
			if opts.Name == "" {
				opts.Name = "bad"
			}
			_, err := a.Catalog.Add(ctx, src, opts)
			if err == nil {
				t.Fatalf("Add(%s) = nil error, want one", tc.file)
			}
			if got := fault.KindOf(err); got != tc.kind {
				t.Errorf("Add(%s) kind = %v, want %v (%v)", tc.file, got, tc.kind, err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Add(%s) error = %q, want it to contain %q", tc.file, err, w)
				}
			}
			if diff := cmp.Diff(before, catalogtest.Take(t, a)); diff != "" {
				t.Errorf("Add(%s) changed the project (-before +after):\n%s", tc.file, diff)
			}
		})
	}
}

func TestAddFormats(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	csv := "id,score,label,day,ok\n1,0.5,red,2024-01-02,true\n2,,blue,2024-02-03,false\n3,2.25,,2024-03-04,\n"
	tsv := strings.ReplaceAll(csv, ",", "\t")
	jsonl := `{"id":1,"score":0.5,"label":"red","day":"2024-01-02","ok":true}
{"id":2,"score":null,"label":"blue","day":"2024-02-03","ok":false}
{"id":3,"score":2.25,"label":null,"day":"2024-03-04","ok":null}
`
	files := map[string]string{
		"t.csv": csv, "t2.csv.gz": csv, "t.tsv": tsv, "t2.tsv.gz": tsv, "t.jsonl": jsonl, "t2.ndjson.gz": jsonl,
	}
	want := []dataengine.Column{{Name: "id", Type: "integer"}, {Name: "score", Type: "float"}, {Name: "label", Type: "categorical"}, {Name: "day", Type: "date"}, {Name: "ok", Type: "boolean"}}
	wantHead := "[[1 0.5 red 2024-01-02 true] [2 <nil> blue 2024-02-03 false] [3 2.25 <nil> 2024-03-04 <nil>]]"
	for name, body := range files {
		t.Run(name, func(t *testing.T) {
			p := write(t, dir, name, []byte(body))
			ds := catalog.DefaultName(name)
			res, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: ds})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 3 {
				t.Errorf("rows = %d, want 3", res.Rows)
			}
			if diff := cmp.Diff(want, res.Columns); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
			if got := headString(t, a.Catalog, ds); got != wantHead {
				t.Errorf("head = %s, want %s", got, wantHead)
			}
			// The stored file carries the format marker.
			kv, err := a.Engine.Query(ctx, fmt.Sprintf("SELECT decode(key), decode(value) FROM parquet_kv_metadata(%s)", dataengine.Quote(mustPath(t, a.Catalog, ds))))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(kv.Rows); got != "[[mlcycle.dataset 1]]" {
				t.Errorf("Parquet key-value metadata = %s, want [[mlcycle.dataset 1]]", got)
			}
			// Round trip through Parquet export and re-ingest.
			out := filepath.Join(t.TempDir(), ds+".parquet")
			if _, err := a.Catalog.Export(ctx, ds, out, ""); err != nil {
				t.Fatal(err)
			}
			back, err := a.Catalog.Add(ctx, out, catalog.AddOpts{Name: ds + "_pq"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, back.Columns); diff != "" {
				t.Errorf("schema after Parquet round trip (-want +got):\n%s", diff)
			}
			if got := headString(t, a.Catalog, ds+"_pq"); got != wantHead {
				t.Errorf("head after Parquet round trip = %s, want %s", got, wantHead)
			}
		})
	}
}

func headString(t *testing.T, c *catalog.Service, ref string) string {
	t.Helper()
	v, tab, err := c.Head(context.Background(), ref, 100)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range tab.Rows {
		cells := make([]string, len(r))
		for i, x := range r {
			if tm, ok := x.(interface{ Format(string) string }); ok && v.Columns[i].Type == "date" {
				cells[i] = tm.Format("2006-01-02")
			} else {
				cells[i] = fmt.Sprint(x)
			}
		}
		rows = append(rows, "["+strings.Join(cells, " ")+"]")
	}
	return "[" + strings.Join(rows, " ") + "]"
}

// TestAddInference covers type inference: booleans, labels that look like
// booleans, free text, timestamps, and widening when a row after the type
// sample does not fit.
func TestAddInference(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("n,x,code,flag,answer,note,at\n")
	for i := 0; i < 30000; i++ {
		x, code := fmt.Sprint(i%97), fmt.Sprint(i%13)
		if i == 25000 {
			x, code = "2.5", "A7"
		}
		flag := []string{"true", "false", "TRUE"}[i%3]
		answer := []string{"yes", "no"}[i%2]
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,this is row number %d of the file,2024-05-%02d 10:%02d:00\n", i, x, code, flag, answer, i, 1+i%28, i%60)
	}
	p := write(t, dir, "infer.csv", []byte(b.String()))
	res, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "infer"})
	if err != nil {
		t.Fatal(err)
	}
	want := []dataengine.Column{
		{Name: "n", Type: "integer"}, {Name: "x", Type: "float"}, {Name: "code", Type: "categorical"},
		{Name: "flag", Type: "boolean"}, {Name: "answer", Type: "categorical"}, {Name: "note", Type: "text"},
		{Name: "at", Type: "timestamp"},
	}
	if diff := cmp.Diff(want, res.Columns); diff != "" {
		t.Errorf("inferred schema (-want +got):\n%s", diff)
	}
	if res.Rows != 30000 {
		t.Errorf("rows = %d, want 30000", res.Rows)
	}
	// The widened values survive exactly.
	tab, err := a.Engine.Query(ctx, fmt.Sprintf("SELECT x, code FROM %s WHERE n = 25000", dataengine.Scan(mustPath(t, a.Catalog, "infer"))))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tab.Rows); got != "[[2.5 A7]]" {
		t.Errorf("row 25000 = %s, want [[2.5 A7]]", got)
	}
	// Forcing the type instead reports the row (line = row + 2).
	_, err = a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "infer2", IngestOpts: dataengine.IngestOpts{Types: map[string]string{"code": "integer"}}})
	if err == nil || !strings.Contains(err.Error(), "line 25002") || !strings.Contains(err.Error(), `"A7"`) {
		t.Errorf("forced integer on code: error = %v, want line 25002 and value \"A7\"", err)
	}
}

func mustPath(t *testing.T, c *catalog.Service, ref string) string {
	t.Helper()
	v, err := c.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Path(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAddIdempotent checks content addressing: the same bytes and options
// give the existing version and store nothing; other options or other
// bytes give a new version.
func TestAddIdempotent(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	p := write(t, dir, "d.csv", []byte("a,b\n1,2\n3,4\n"))
	first, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Number() != 1 || first.Existing {
		t.Fatalf("first Add = v%d existing=%v, want v1 new", first.Number(), first.Existing)
	}
	// The sha256 of the bytes, as sha256sum prints it.
	sum := sha256.Sum256([]byte("a,b\n1,2\n3,4\n"))
	if want := hex.EncodeToString(sum[:]); first.ContentHash != want {
		t.Errorf("content hash = %s, want %s", first.ContentHash, want)
	}
	snap := catalogtest.Take(t, a)
	again, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Existing || again.ID != first.ID {
		t.Errorf("second Add = id %d existing=%v, want id %d existing", again.ID, again.Existing, first.ID)
	}
	if diff := cmp.Diff(snap, catalogtest.Take(t, a)); diff != "" {
		t.Errorf("re-adding stored something (-before +after):\n%s", diff)
	}
	other, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "d", IngestOpts: dataengine.IngestOpts{Types: map[string]string{"a": "float"}}})
	if err != nil {
		t.Fatal(err)
	}
	if other.Existing || other.Number() != 2 || other.Columns[0].Type != "float" {
		t.Errorf("Add with other options = v%d existing=%v type %s, want v2, new, float", other.Number(), other.Existing, other.Columns[0].Type)
	}
	write(t, dir, "d.csv", []byte("a,b\n1,2\n3,5\n"))
	changed, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Existing || changed.Number() != 3 || changed.ContentHash == first.ContentHash {
		t.Errorf("Add of changed bytes = v%d existing=%v, want v3 with a new hash", changed.Number(), changed.Existing)
	}
	// Old versions stay readable and unchanged.
	v1, err := a.Catalog.Get(ctx, "d@1")
	if err != nil {
		t.Fatal(err)
	}
	if v1.ContentHash != first.ContentHash || v1.Columns[0].Type != "integer" {
		t.Errorf("d@1 changed: %+v", v1)
	}
	if got := headString(t, a.Catalog, "d@1"); got != "[[1 2] [3 4]]" {
		t.Errorf("d@1 head = %s", got)
	}
	if got := headString(t, a.Catalog, "d"); got != "[[1 2] [3 5]]" {
		t.Errorf("d (latest) head = %s", got)
	}
	if _, err := a.Catalog.Get(ctx, "d@9"); fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("Get(d@9) = %v, want not found", err)
	}
}
