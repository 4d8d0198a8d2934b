package frameio

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// tinyRow is the schema of the small seed files FuzzLoad writes: every
// physical type the loader converts, optional and required, plain and
// dictionary-encoded.
type tinyRow struct {
	F *float64 `parquet:"f,optional"`
	I int64    `parquet:"i"`
	S *string  `parquet:"s,optional,dict"`
	B *bool    `parquet:"b,optional"`
	D int32    `parquet:"d,date"`
	T int64    `parquet:"t,timestamp(millisecond)"`
	N float32  `parquet:"n,dict"`
}

// tinyParquet writes five tinyRows with the given data page version.
func tinyParquet(f *testing.F, version int) []byte {
	f.Helper()
	x, s, b := 1.5, "red", true
	rows := []tinyRow{
		{F: &x, I: 1, S: &s, B: &b, D: 19000, T: 1_700_000_000_000, N: 0.5},
		{I: -2, D: 19001, T: 1_700_000_001_000, N: 0.5},
		{F: &x, I: 3, S: &s, D: 19002, T: 1_700_000_002_000, N: 2},
		{I: 4, B: &b, D: 19003, T: 1_700_000_003_000, N: 0.5},
		{F: &x, I: 5, D: 19004, T: 1_700_000_004_000, N: 3},
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[tinyRow](&buf, parquet.DataPageVersion(version), parquet.MaxRowsPerRowGroup(3))
	if _, err := w.Write(rows); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// Modes of FuzzLoad's first argument, after taking it modulo
// len(bases): where the patch goes in the base file.
const (
	patchFromStart = 1 << 5 // overwrite at off from the start
	patchTruncate  = 1 << 6 // cut the file at the offset, then append
	patchRaw       = 1 << 7 // the patch is the whole file
)

// FuzzLoad mutates Parquet files, DuckDB's and parquet-go's, and loads
// them: Load must return a frame or a fault.KindInvalid error naming the
// file, and must neither panic nor crash the process.
//
// The fuzzed input is a patch, not a file: mode picks a base file (the
// DuckDB fixture or a tiny parquet-go file) and how the patch changes it,
// at off bytes from its end (where the footer is) or start. Fuzzing the
// 120 KB fixture itself would spend the fuzzer's time minimizing it.
func FuzzLoad(f *testing.F) {
	fixtureBytes, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	bases := [][]byte{fixtureBytes, tinyParquet(f, 1), tinyParquet(f, 2)}
	f.Add(uint8(0), uint32(0), []byte{})                          // the fixture as written
	f.Add(uint8(1), uint32(0), []byte{})                          // tiny, page v1
	f.Add(uint8(2), uint32(0), []byte{})                          // tiny, page v2
	f.Add(uint8(0), uint32(40), []byte{0xff, 0xff, 0xff})         // in the footer
	f.Add(uint8(patchFromStart|1), uint32(4), []byte{0x15, 0x00}) // first page header
	f.Add(uint8(patchTruncate|2), uint32(20), []byte("PAR1"))
	f.Add(uint8(patchRaw), uint32(0), []byte("PAR1\x15\x06\x15,\x15,\x15\xd7PAR1"))
	// One directory per process: a process runs the fuzz function for one
	// input at a time.
	path := filepath.Join(f.TempDir(), "fuzz.parquet")
	f.Fuzz(func(t *testing.T, mode uint8, off uint32, patch []byte) {
		data := patch
		if mode&patchRaw == 0 {
			base := bases[int(mode&0x1f)%len(bases)]
			at := int(off % uint32(len(base)+1))
			if mode&patchFromStart == 0 {
				at = len(base) - at
			}
			if mode&patchTruncate != 0 {
				data = append(bytes.Clone(base[:at]), patch...)
			} else {
				data = bytes.Clone(base)
				n := copy(data[at:], patch)
				data = append(data, patch[n:]...)
			}
		}
		if len(data) > 1<<20 {
			t.Skip("inputs over 1 MiB only slow the fuzzer down")
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fr, err := Load(context.Background(), path, LoadOpts{})
		if err != nil {
			if k := fault.KindOf(err); k != fault.KindInvalid {
				t.Errorf("Load(%d bytes) error kind = %v, want invalid: %v", len(data), k, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Load(%d bytes) error %q does not name the file %s", len(data), err, path)
			}
			return
		}
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		pf, err := openParquet(file, int64(len(data)))
		if err != nil {
			t.Fatalf("Load(%d bytes) succeeded, but the footer does not open again: %v", len(data), err)
		}
		if fr.NumColumns() > 0 && int64(fr.Len()) != pf.NumRows() {
			t.Errorf("Load(%d bytes) = %d rows, the footer says %d", len(data), fr.Len(), pf.NumRows())
		}
	})
}
