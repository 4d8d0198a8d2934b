// Package frameio loads Parquet files into [frame.Frame] values, in pure Go
// (parquet-go, no cgo).
//
// The files come from the data engine (DuckDB): flat schemas of optional
// columns, snappy pages, dictionary-encoded pages, several row groups, data
// pages of version 1 or 2. [Load] decodes the column chunks (row groups ×
// columns) in parallel on GOMAXPROCS goroutines and writes every page
// straight into the frame's preallocated slices, using the definition levels
// of optional columns to put each value at its row.
//
// Pages are read through parquet.Page.Data, which exposes the decoded values
// as a typed slice without boxing them into parquet.Value. Two facts of
// parquet-go v0.32.0 shape the code:
//
//   - For an optional column, Page.Values returns an *optionalPageValues that
//     implements only parquet.ValueReader, never parquet.DoubleReader and the
//     like, so a type assertion to a typed reader fails for every DuckDB
//     column (DuckDB writes all columns as optional). Page.Data holds only
//     the non-null values, densely; Page.DefinitionLevels has one level per
//     row, and a row is present when its level equals the column's maximum.
//   - For a dictionary-encoded page, Page.Data holds int32 indexes into
//     Page.Dictionary, whose own Page().Data() holds the dictionary values.
//     Each dictionary is converted once per column chunk.
//
// How Parquet types become columns when LoadOpts.Logical does not say:
//
//	Parquet type                        logical      column
//	BOOLEAN                             boolean      Bool
//	INT32, INT64 (signed or unsigned)   integer      Float
//	DECIMAL (INT32, INT64, FIXED_LEN)   float        Float (value / 10^scale)
//	FLOAT, DOUBLE                       float        Float
//	INT32 DATE                          date         Time (midnight UTC)
//	INT64 TIMESTAMP, INT96              timestamp    Time (nanoseconds, UTC)
//	BYTE_ARRAY (STRING, ENUM, JSON)     categorical  Categorical
//	FIXED_LEN_BYTE_ARRAY (UUID)         categorical  Categorical
//
// Timestamps without isAdjustedToUTC (DuckDB's TIMESTAMP) are read as if
// their wall clock were UTC. TIME, INTERVAL, FLOAT16 and nested columns
// (lists, maps, structs) are not supported.
//
// A logical type from the catalog may ask for another representation where
// it makes sense: "text" for a String column instead of a Categorical one,
// "categorical" or "text" for numbers and booleans (as decimal strings,
// "false" and "true"), "boolean" for integers that are all 0 or 1, "date" and
// "timestamp" for each other, "integer" and "float" for each other. A NaN
// stored in a FLOAT or DOUBLE column is loaded as missing, like a null.
package frameio

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// LoadOpts says what to load. The zero value loads every column with the
// logical type derived from the Parquet schema.
type LoadOpts struct {
	// Columns lists the columns to load, in the order the frame will have
	// them. Empty loads every column in file order.
	Columns []string
	// Logical maps a column name to the catalog's logical type ("integer",
	// "float", "boolean", "categorical", "text", "date", "timestamp").
	// Columns it does not name get the type derived from the Parquet
	// schema; names of columns that are not loaded are ignored.
	Logical map[string]string
}

// Load reads the Parquet file at path into a frame. Errors name the path
// and, where one is at fault, the column; they are marked
// fault.KindNotFound when the file does not exist, fault.KindInvalid when it
// is not a readable Parquet file or does not match opts, and
// fault.KindCanceled when ctx ends first.
func Load(ctx context.Context, path string, opts LoadOpts) (*frame.Frame, error) {
	if err := ctx.Err(); err != nil {
		return nil, fault.Mark(fault.KindCanceled, fmt.Errorf("frameio: load %q: %w", path, err))
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fault.NotFound("frameio: load %q: file does not exist", path)
		}
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("frameio: load %q: %w", path, err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("frameio: load %q: %w", path, err)
	}
	if st.IsDir() {
		return nil, fault.Invalid("frameio: load %q: is a directory, not a Parquet file", path)
	}
	pf, err := openParquet(f, st.Size())
	if err != nil {
		return nil, fault.Invalid("frameio: load %q: not a readable Parquet file: %v", path, err)
	}
	// Files the catalog stores carry their layout version (see
	// docs/format/dataset.md); refuse a layout this reader does not know.
	if v, ok := pf.Lookup(FormatKey); ok && v != FormatVersion {
		return nil, fault.Invalid("frameio: load %q: dataset format version %q is not supported (this mlcycle reads version %s); upgrade mlcycle", path, v, FormatVersion)
	}
	plans, err := plan(pf, opts)
	if err != nil {
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("frameio: load %q: %w", path, err))
	}
	fr, err := decode(ctx, pf, plans)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, fault.Mark(fault.KindCanceled, fmt.Errorf("frameio: load %q: %w", path, err))
		}
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("frameio: load %q: %w", path, err))
	}
	return fr, nil
}

// openParquet opens the file's footer. parquet-go panics on some malformed
// schemas; that becomes an error here. It also allocates the footer length
// the trailer announces (up to 4 GiB) before reading it, so that length is
// checked against the file size first.
func openParquet(f *os.File, size int64) (pf *parquet.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			pf, err = nil, fmt.Errorf("malformed footer: %v", r)
		}
	}()
	// "PAR1", footer, footer length (4 bytes), "PAR1".
	if size < 12 {
		return nil, fmt.Errorf("%d bytes is too short for a Parquet file", size)
	}
	var trailer [8]byte
	if _, err := f.ReadAt(trailer[:], size-8); err != nil {
		return nil, fmt.Errorf("reading the trailer: %w", err)
	}
	if n := int64(binary.LittleEndian.Uint32(trailer[:4])); n > size-12 {
		return nil, fmt.Errorf("the trailer announces a footer of %d bytes in a file of %d", n, size)
	}
	return parquet.OpenFile(f, size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(1<<20),
	)
}

// FormatKey and FormatVersion are the footer key-value pair that marks a
// catalog dataset file (kept equal to dataengine's, which writes it;
// frameio does not import dataengine so that it stays free of cgo).
const (
	FormatKey     = "mlcycle.dataset"
	FormatVersion = "1"
)

// colPlan is one column to load and its output buffers. Chunk decoders of
// different row groups write disjoint row ranges of the buffers at the same
// time; mask bits are set atomically because row groups need not start on a
// 64-row boundary.
type colPlan struct {
	name    string
	leaf    int
	maxDef  byte
	src     source
	logical string
	kind    frame.Kind

	floats []float64
	bools  []bool
	times  []int64
	strs   []string
	codes  []uint32
	mask   frame.Mask

	// starts holds the first row of every row group, and the row count
	// last.
	starts []int
	// local holds, per row group, the dictionary of the chunk-local codes a
	// Categorical chunk wrote; decode merges them into one sorted dictionary.
	local [][]string
}

// plan resolves the requested columns against the schema and reports every
// problem it finds.
func plan(pf *parquet.File, opts LoadOpts) ([]*colPlan, error) {
	fields := pf.Root().Columns()
	byName := make(map[string]*parquet.Column, len(fields))
	for _, c := range fields {
		byName[c.Name()] = c
	}
	names := opts.Columns
	if len(names) == 0 {
		names = make([]string, len(fields))
		for i, c := range fields {
			names[i] = c.Name()
		}
	}
	var errs []error
	seen := make(map[string]bool, len(names))
	plans := make([]*colPlan, 0, len(names))
	for _, name := range names {
		c, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("no column %q in the file (it has %s)", name, listNames(fields)))
			continue
		case seen[name]:
			errs = append(errs, fmt.Errorf("column %q requested twice", name))
			continue
		}
		seen[name] = true
		if !c.Leaf() || c.Repeated() || c.MaxRepetitionLevel() > 0 {
			errs = append(errs, fmt.Errorf("column %q is a nested or repeated field, which a frame cannot hold (list the other columns in LoadOpts.Columns)", name))
			continue
		}
		src, err := sourceOf(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("column %q: %w", name, err))
			continue
		}
		logical, ok := opts.Logical[name]
		if !ok {
			logical = src.logical()
		}
		kind, ok := frame.KindOf(logical)
		if !ok {
			errs = append(errs, fmt.Errorf("column %q: logical type %q is not one of integer, float, boolean, categorical, text, date, timestamp", name, logical))
			continue
		}
		if err := src.canLoadAs(kind); err != nil {
			errs = append(errs, fmt.Errorf("column %q: cannot load %s as %q: %w", name, src, logical, err))
			continue
		}
		plans = append(plans, &colPlan{
			name:    name,
			leaf:    c.Index(),
			maxDef:  byte(c.MaxDefinitionLevel()),
			src:     src,
			logical: logical,
			kind:    kind,
		})
	}
	return plans, errors.Join(errs...)
}

func listNames(cols []*parquet.Column) string {
	const most = 20
	var b strings.Builder
	for i, c := range cols {
		if i == most {
			fmt.Fprintf(&b, ", and %d more", len(cols)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", c.Name())
	}
	if len(cols) == 0 {
		return "no columns"
	}
	return b.String()
}

// chunkTask is one column chunk: one column of one row group.
type chunkTask struct {
	col   *colPlan
	rg    int
	row0  int
	rows  int
	size  int64
	chunk parquet.ColumnChunk
}

// maxRows is the most rows Load accepts: more would not fit in memory as a
// frame, and it keeps row arithmetic far from overflow.
const maxRows = math.MaxInt32

// decode allocates the frame's buffers, decodes every chunk on a pool of
// workers, then builds the columns.
func decode(ctx context.Context, pf *parquet.File, plans []*colPlan) (*frame.Frame, error) {
	groups := pf.RowGroups()
	meta := pf.Metadata()
	// The row counts of the footer size every buffer below, before any
	// page is read, so a corrupt count must not get that far: a count
	// beyond what a frame holds, or one that a loaded column's value count
	// (one value or null per row in a flat column) or the file's total
	// contradicts, is an error, not gigabytes of allocation.
	starts := make([]int, len(groups)+1)
	for i, g := range groups {
		n := g.NumRows()
		if n < 0 || n > maxRows-int64(starts[i]) {
			return nil, fmt.Errorf("row group %d: bad row count %d", i, n)
		}
		if i < len(meta.RowGroups) {
			for _, p := range plans {
				if cols := meta.RowGroups[i].Columns; p.leaf < len(cols) && cols[p.leaf].MetaData.NumValues != n {
					return nil, fmt.Errorf("column %q, row group %d: %d values for %d rows", p.name, i, cols[p.leaf].MetaData.NumValues, n)
				}
			}
		}
		starts[i+1] = starts[i] + int(n)
	}
	total := starts[len(groups)]
	if int64(total) != meta.NumRows {
		return nil, fmt.Errorf("row groups hold %d rows, the footer says %d", total, meta.NumRows)
	}

	tasks := make([]chunkTask, 0, len(groups)*len(plans))
	for _, p := range plans {
		p.starts = starts
		p.mask = frame.NewMask(total)
		switch p.kind {
		case frame.Float:
			p.floats = make([]float64, total)
		case frame.Bool:
			p.bools = make([]bool, total)
		case frame.Time:
			p.times = make([]int64, total)
		case frame.String:
			p.strs = make([]string, total)
		case frame.Categorical:
			p.codes = make([]uint32, total)
			p.local = make([][]string, len(groups))
		}
		for g, rg := range groups {
			chunks := rg.ColumnChunks()
			if p.leaf < 0 || p.leaf >= len(chunks) {
				return nil, fmt.Errorf("column %q: row group %d has no chunk %d", p.name, g, p.leaf)
			}
			var size int64
			if g < len(meta.RowGroups) && p.leaf < len(meta.RowGroups[g].Columns) {
				size = meta.RowGroups[g].Columns[p.leaf].MetaData.TotalUncompressedSize
			}
			tasks = append(tasks, chunkTask{col: p, rg: g, row0: starts[g], rows: starts[g+1] - starts[g], size: size, chunk: chunks[p.leaf]})
		}
	}
	// Largest chunks first, so that the workers finish together.
	slices.SortStableFunc(tasks, func(a, b chunkTask) int { return cmp.Compare(b.size, a.size) })

	err := parallel(ctx, len(tasks), func(i int) error { return decodeChunk(&tasks[i]) })
	if err != nil {
		return nil, err
	}

	cols := make([]frame.Column, len(plans))
	err = parallel(ctx, len(plans), func(i int) (err error) {
		cols[i], err = build(plans[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return frame.New(cols...)
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines, in index order,
// and returns the first error. It stops handing out work after an error or
// when ctx ends, checking ctx between calls.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	var (
		next    atomic.Int64
		failed  atomic.Bool
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { first = err })
		failed.Store(true)
	}
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				if err := fn(i); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// build turns a plan's filled buffers into a frame column.
func build(p *colPlan) (frame.Column, error) {
	switch p.kind {
	case frame.Float:
		c, err := frame.NewFloat(p.name, p.floats, p.mask)
		if err != nil {
			return nil, err
		}
		return c.WithLogical(p.logical)
	case frame.Bool:
		return frame.NewBool(p.name, p.bools, p.mask)
	case frame.Time:
		c, err := frame.NewTime(p.name, p.times, p.mask)
		if err != nil {
			return nil, err
		}
		return c.WithLogical(p.logical)
	case frame.String:
		return frame.NewString(p.name, p.strs, p.mask)
	case frame.Categorical:
		dict := mergeDicts(p)
		return frame.NewCategorical(p.name, p.codes, dict, p.mask)
	}
	return nil, fmt.Errorf("column %q: no loader for kind %s", p.name, p.kind)
}

// mergeDicts builds the sorted union of the chunk-local dictionaries and
// rewrites every chunk's local codes as codes into it. Missing rows may get
// any code here; frame.NewCategorical resets them to 0.
func mergeDicts(p *colPlan) []string {
	n := 0
	for _, l := range p.local {
		n += len(l)
	}
	dict := make([]string, 0, n)
	for _, l := range p.local {
		dict = append(dict, l...)
	}
	slices.Sort(dict)
	dict = slices.Compact(dict)

	for g, l := range p.local {
		if len(l) == 0 {
			continue
		}
		remap := make([]uint32, len(l))
		for i, s := range l {
			j, _ := slices.BinarySearch(dict, s)
			remap[i] = uint32(j)
		}
		codes := p.codes[p.starts[g]:p.starts[g+1]]
		for i, c := range codes {
			if int(c) < len(remap) {
				codes[i] = remap[c]
			}
		}
	}
	return dict
}
