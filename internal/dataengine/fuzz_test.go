package dataengine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// scanAll runs scanCSV over b and returns the records it reports, copied.
func scanAll(b []byte, delim byte) ([][]string, error) {
	var recs [][]string
	err := scanCSV(bufio.NewReader(bytes.NewReader(b)), delim, func(_ int, rec []string) error {
		recs = append(recs, slices.Clone(rec))
		return nil
	})
	return recs, err
}

// fieldAlphabet is what table fields are built from: plain characters and
// every byte that forces quoting.
const fieldAlphabet = "ab1 .-,\t\"\n\r"

// tableFrom builds a rectangular table of simple fields from fuzzed bytes:
// b[0] picks the column count, the rest are characters of fieldAlphabet,
// where byte values that are 0 mod 4 end the current field instead.
func tableFrom(b []byte) [][]string {
	if len(b) == 0 {
		return nil
	}
	ncols := 1 + int(b[0]%4)
	var fields []string
	var cur []byte
	for _, c := range b[1:] {
		if c%4 == 0 {
			fields = append(fields, string(cur))
			cur = cur[:0]
			continue
		}
		cur = append(cur, fieldAlphabet[int(c)%len(fieldAlphabet)])
	}
	fields = append(fields, string(cur))
	for len(fields)%ncols != 0 {
		fields = append(fields, "")
	}
	var table [][]string
	for i := 0; i < len(fields); i += ncols {
		table = append(table, fields[i:i+ncols])
	}
	return table
}

// encodeCSV writes table by RFC 4180 with delim: a field is quoted when it
// holds the delimiter, a quote or a line break, and inner quotes are
// doubled. A record of one empty field is quoted too, since an empty line
// is a blank line, not a record.
func encodeCSV(table [][]string, delim byte, crlf, finalEOL bool) []byte {
	var b bytes.Buffer
	for i, rec := range table {
		if i > 0 {
			if crlf {
				b.WriteString("\r\n")
			} else {
				b.WriteByte('\n')
			}
		}
		for j, f := range rec {
			if j > 0 {
				b.WriteByte(delim)
			}
			if strings.ContainsAny(f, string(delim)+"\"\r\n") || (len(rec) == 1 && f == "") {
				b.WriteByte('"')
				b.WriteString(strings.ReplaceAll(f, `"`, `""`))
				b.WriteByte('"')
				continue
			}
			b.WriteString(f)
		}
	}
	if finalEOL && len(table) > 0 {
		if crlf {
			b.WriteString("\r\n")
		} else {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func FuzzScanCSV(f *testing.F) {
	for _, s := range []string{
		"",
		"a,b\n1,2\n",
		"a,b\r\n\"x,\"\"y\"\"\nz\",2\r\n",
		"\xef\xbb\xbfa\tb\n1\t2",
		"a,b\n\n1,\"open\n",
		"a,b\n1,x\"y\n",
		"a,b\n1,\xff\n",
		"\x01a\x02b\x80,\x07\"\x09\x0a",
	} {
		f.Add([]byte(s))
	}
	// One directory per process: a process runs the fuzz function for one
	// input at a time, and a t.TempDir per call costs more than the scan.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		arbitrary := filepath.Join(dir, "arbitrary.csv")
		if err := os.WriteFile(arbitrary, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, delim := range []byte{',', '\t'} {
			// Arbitrary bytes: no panic, and checkCSV agrees with a
			// plain scan on whether the syntax is broken.
			_, scanErr := scanAll(data, delim)
			checkErr := checkCSV(arbitrary, delim)
			if scanErr != nil && checkErr == nil {
				t.Errorf("delim %q: scanCSV failed (%v) but checkCSV(%q) = nil", delim, scanErr, data)
			}
			if checkErr != nil {
				var pr *Problem
				if !errors.As(checkErr, &pr) {
					t.Errorf("delim %q: checkCSV(%q) = %v (%T), want a *Problem", delim, data, checkErr, checkErr)
				}
			}

			// Round trip: a table encoded by RFC 4180 scans back to itself.
			table := tableFrom(data)
			for _, crlf := range []bool{false, true} {
				body := encodeCSV(table, delim, crlf, len(data) > 0 && data[0]&0x80 != 0)
				got, err := scanAll(body, delim)
				if err != nil {
					t.Fatalf("delim %q, crlf %t: scanCSV(%q) failed: %v", delim, crlf, body, err)
				}
				if diff := cmp.Diff(table, got); diff != "" {
					t.Fatalf("delim %q, crlf %t: scanCSV(%q) records mismatch (-want +got):\n%s", delim, crlf, body, diff)
				}
				p := filepath.Join(dir, "table.csv")
				if err := os.WriteFile(p, body, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := checkCSV(p, delim); err != nil {
					t.Fatalf("delim %q, crlf %t: checkCSV(%q) = %v, want nil", delim, crlf, body, err)
				}
			}
		}
	})
}

// fuzzEngine is shared by every call of FuzzInferSchema in a process (each
// fuzz worker is its own process). Measured on a 2-core machine, Open plus
// Close takes about 13 ms and a small ingest about 11 ms, so an engine per
// call would halve the fuzzer's throughput; the Engine is safe for
// concurrent use.
var fuzzEngine struct {
	once sync.Once
	e    *Engine
	err  error
}

func sharedEngine(t *testing.T) *Engine {
	t.Helper()
	fuzzEngine.once.Do(func() {
		fuzzEngine.e, fuzzEngine.err = Open(Config{Threads: 1})
	})
	if fuzzEngine.err != nil {
		t.Fatal(fuzzEngine.err)
	}
	return fuzzEngine.e
}

// blankLines counts the empty physical lines of b (CRLF or LF endings),
// quoted or not; the empty remainder after a final line break is not one.
func blankLines(b []byte) int {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	n := 0
	for _, l := range lines {
		if len(trimEOL(l)) == 0 {
			n++
		}
	}
	return n
}

// loneCR reports whether b holds a CR that does not start a CRLF.
func loneCR(b []byte) bool {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return true
		}
	}
	return false
}

// leadingBlank reports whether b starts with a blank line (after a
// byte-order mark). Known disagreement, reported: DuckDB names the one
// column of "\r\nx\r\n1\r\n" column0, not x, and types it as text, even
// with skip=1 (the rows are right; LF endings are not affected).
func leadingBlank(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return len(b) > 0 && (b[0] == '\n' || b[0] == '\r')
}

// plainHeader reports whether DuckDB keeps the header names as they are.
// Known disagreement, reported: DuckDB trims spaces around a name (" a"
// becomes "a", quoted or not) and renames names equal but for case ("A,a"
// becomes A, a_1), including names that only collide once trimmed ("a ,a"
// becomes a, a_1); csvHeader accepts all of these as distinct names.
func plainHeader(h []string) bool {
	seen := make(map[string]bool, len(h))
	for _, name := range h {
		low := strings.ToLower(name)
		if name != strings.TrimSpace(name) || seen[low] {
			return false
		}
		seen[low] = true
	}
	return true
}

func FuzzInferSchema(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n3,4\n",
		"a,b,c\n1,2.5,x\n3,,\"y,z\"\n",
		"d,t\n2024-01-02,2024-01-02 03:04:05\n,\n",
		"flag,n\ntrue,1\nFALSE,2\n",
		"a,b\n1,2\n\n3,4\n",
		"a\n1\n2.5\nx\n",
		"a,b\n1,2\n3\n",
		"a,a\n1,2\n",
		"a,b\n",
		"\xef\xbb\xbfa,b\r\n1,\"x\r\ny\"\r\n",
		"a\n1,2\n3,4\n", // without skip=0, DuckDB took 1,2 for the header
		"\n\na\n1\n",
		"\"0\r\n0\"\r\n0",
		"0,1\n,,",
		"A,a\n1,2\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("a\tb\n1\t2\n"), true)
	dir := f.TempDir() // see FuzzScanCSV
	calls := 0
	f.Fuzz(func(t *testing.T, data []byte, tsv bool) {
		if len(data) > 4<<10 {
			t.Skip("inputs over 4 KiB only slow the fuzzer down")
		}
		e := sharedEngine(t)
		// Fresh names on every call: DuckDB 1.5.6's external file cache
		// can serve the old bytes of a file rewritten in place with the
		// same size (reported, not fixed here: it needs
		// enable_external_file_cache=false in Open).
		calls++
		ext, delim := ".csv", byte(',')
		if tsv {
			ext, delim = ".tsv", '\t'
		}
		src := filepath.Join(dir, fmt.Sprintf("in%d%s", calls, ext))
		dst := filepath.Join(dir, fmt.Sprintf("out%d.parquet", calls))
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(src)
		defer os.Remove(dst)
		res, err := e.Ingest(context.Background(), src, dst, IngestOpts{})
		if err != nil {
			if k := fault.KindOf(err); k != fault.KindInvalid && k != fault.KindNotFound {
				t.Errorf("Ingest(%q) error kind = %v, want invalid or not_found: %v", data, k, err)
			}
			if !strings.Contains(err.Error(), src) {
				t.Errorf("Ingest(%q) error %q does not name the source %s", data, err, src)
			}
			if _, statErr := os.Stat(dst); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("Ingest(%q) failed (%v) but left %s behind (stat: %v)", data, err, dst, statErr)
			}
			return
		}
		for _, c := range res.Schema.Columns {
			if !slices.Contains(Types, c.Type) {
				t.Errorf("Ingest(%q) column %q has type %q, want one of %v", data, c.Name, c.Type, Types)
			}
		}
		if loneCR(data) {
			// Known disagreement, reported: DuckDB takes a CR that is not
			// followed by LF for a line break (old Mac files), scanCSV for
			// a character of the field.
			t.Skip("the input has a CR outside a CRLF")
		}
		recs, scanErr := scanAll(data, delim)
		var sp *scanProblem
		if errors.As(scanErr, &sp) && (strings.HasPrefix(sp.msg, "stray quote") || sp.msg == `unexpected ' ' after a closing quote`) {
			// Known disagreement, reported: DuckDB's reader (even with
			// strict_mode) keeps a quote inside an unquoted field as a
			// literal character (x"y, or "a" after a space, is read as
			// written) and drops spaces after a closing quote ("a" ,b
			// is a,b), where RFC 4180 and scanCSV reject the file. The
			// row count cannot be compared.
			t.Skipf("engine accepts quoting that scanCSV rejects: %v", scanErr)
		}
		if scanErr != nil {
			t.Fatalf("Ingest(%q) = %d rows, but the strict scanner rejects the input: %v", data, res.Rows, scanErr)
		}
		if len(recs) == 0 {
			t.Fatalf("Ingest(%q) = %d rows, but scanCSV finds no header", data, res.Rows)
		}
		if got := len(res.Schema.Columns); got != len(recs[0]) {
			t.Fatalf("Ingest(%q) has %d columns, want %d (the header scanCSV reads: %q)", data, got, len(recs[0]), recs[0])
		}
		if plainHeader(recs[0]) && !(len(recs[0]) == 1 && leadingBlank(data)) {
			if diff := cmp.Diff(recs[0], res.Schema.Names()); diff != "" {
				t.Fatalf("Ingest(%q) column names differ from the header scanCSV reads (-header +got):\n%s", data, diff)
			}
		}
		for i, rec := range recs[1:] {
			switch {
			case len(rec) == len(recs[0]):
			case len(rec) == len(recs[0])+1 && rec[len(rec)-1] == "":
				// Known disagreement, reported: DuckDB (strict_mode
				// and all) ignores one trailing delimiter on a row, so
				// "1,2," under "a,b" is the row 1,2, where checkCSV
				// reports a ragged row. The row still counts once.
			default:
				t.Fatalf("Ingest(%q) = %d rows, but data record %d has %d fields and the header %d", data, res.Rows, i+1, len(rec), len(recs[0]))
			}
		}
		want := int64(len(recs) - 1)
		if len(recs[0]) == 1 {
			// Known disagreement, reported: in a one-column file DuckDB
			// reads a blank line as a row holding NULL (as polars and
			// datatable do), where scanCSV, pandas and Python's csv skip
			// it; files of several columns agree. Each blank line may
			// therefore add one row, and no more.
			if blank := int64(blankLines(data)); res.Rows < want || res.Rows > want+blank {
				t.Fatalf("Ingest(%q).Rows = %d, want between %d and %d (records after the header, plus blank lines)", data, res.Rows, want, want+blank)
			}
			return
		}
		if res.Rows != want {
			t.Fatalf("Ingest(%q).Rows = %d, want %d (records after the header, as scanCSV counts them)", data, res.Rows, want)
		}
	})
}
