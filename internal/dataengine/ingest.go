package dataengine

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// Input formats.
const (
	FormatCSV     = "csv"
	FormatTSV     = "tsv"
	FormatParquet = "parquet"
	FormatJSONL   = "jsonl"
)

// Formats lists the input formats.
var Formats = []string{FormatCSV, FormatTSV, FormatParquet, FormatJSONL}

// DetectFormat returns the format implied by a file name, ignoring a .gz
// suffix: .csv, .tsv/.tab, .parquet/.pq, .jsonl/.ndjson/.json.
func DetectFormat(name string) (string, error) {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	switch filepath.Ext(n) {
	case ".csv":
		return FormatCSV, nil
	case ".tsv", ".tab":
		return FormatTSV, nil
	case ".parquet", ".pq":
		return FormatParquet, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL, nil
	}
	return "", fault.Invalid("%s: unknown format %q (known: .csv, .tsv, .parquet, .jsonl/.ndjson/.json, each optionally .gz; or pass --format)", name, filepath.Ext(n))
}

// IngestOpts are the options of an ingest. They are part of a version's
// identity: the same bytes with other options make another version.
type IngestOpts struct {
	// Format is one of Formats; "" means detect from the file name.
	Format string `json:"format"`
	// NoHeader says a CSV/TSV file has no header row; columns are then
	// named column0, column1, ...
	NoHeader bool `json:"no_header,omitempty"`
	// Types forces the logical type of some columns.
	Types map[string]string `json:"types,omitempty"`
}

// IngestResult describes an ingested file.
type IngestResult struct {
	Schema Schema
	Rows   int64
}

// Ingest reads the local file src and writes it as Parquet to dst. On error
// dst does not exist. Errors are fault.KindInvalid when the file is at fault
// and name the file, and where they apply the line and column.
func (e *Engine) Ingest(ctx context.Context, src, dst string, opts IngestOpts) (res IngestResult, err error) {
	name := filepath.Base(src)
	defer func() {
		if err != nil {
			os.Remove(dst)
			var p *Problem
			if errors.As(err, &p) {
				err = fault.Invalid("%s: %v", src, p)
			}
		}
	}()
	st, err := os.Stat(src)
	if err != nil {
		if os.IsNotExist(err) {
			return res, fault.NotFound("%s: no such file", src)
		}
		return res, fault.Invalid("%s: %v", src, err)
	}
	if st.IsDir() {
		return res, fault.Invalid("%s: is a directory", src)
	}
	if st.Size() == 0 {
		return res, fault.Invalid("%s: file is empty", src)
	}
	format := opts.Format
	if format == "" {
		if format, err = DetectFormat(name); err != nil {
			return res, err
		}
	}
	for col, t := range opts.Types {
		if !IsType(t) {
			return res, fault.Invalid("%s: schema: column %q: unknown type %q (known: %s)", src, col, t, strings.Join(Types, ", "))
		}
	}
	var scan func(types map[string]string) string
	var header []string
	var skip int
	switch format {
	case FormatCSV, FormatTSV:
		delim := byte(',')
		if format == FormatTSV {
			delim = '\t'
		}
		if header, skip, err = e.csvHeader(src, delim, opts.NoHeader); err != nil {
			return res, err
		}
		scan = func(types map[string]string) string { return e.csvScan(src, delim, opts.NoHeader, skip, types) }
	case FormatJSONL:
		scan = func(map[string]string) string {
			return fmt.Sprintf("read_json(%s, format='newline_delimited', sample_size=%d)", quote(src), e.cfg.SampleRows)
		}
	case FormatParquet:
		if strings.HasSuffix(strings.ToLower(src), ".gz") {
			plain, cleanup, err := gunzipTemp(src, filepath.Dir(dst))
			if err != nil {
				return res, fault.Invalid("%s: %v", src, err)
			}
			defer cleanup()
			src = plain
		}
		scan = func(map[string]string) string { return fmt.Sprintf("read_parquet(%s)", quote(src)) }
	default:
		return res, fault.Invalid("%s: unknown format %q (known: %s)", src, format, strings.Join(Formats, ", "))
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()

	if header != nil {
		for col := range opts.Types {
			if !contains(header, col) {
				return res, fault.Invalid("%s: schema names column %q, which the file does not have (columns: %s)", src, col, strings.Join(header, ", "))
			}
		}
	}
	// Forced types go to the reader for CSV (so conversion errors carry
	// the line); inferred overrides (booleans, widened columns) too.
	isCSV := format == FormatCSV || format == FormatTSV
	readerTypes := map[string]string{}
	for col, t := range opts.Types {
		readerTypes[col] = Physical(t)
	}
	cols, err := describe(ctx, conn, "SELECT * FROM "+scan(readerTypes))
	if err != nil {
		return res, e.explain(ctx, err, src, format)
	}
	if header == nil {
		for col := range opts.Types {
			if indexSniffed(cols, col) < 0 {
				return res, fault.Invalid("%s: schema names column %q, which the file does not have (columns: %s)", src, col, strings.Join(sniffedNames(cols), ", "))
			}
		}
	}
	logical, err := e.refineStrings(ctx, conn, scan(readerTypes), cols, opts.Types)
	if err != nil {
		return res, e.explain(ctx, err, src, format)
	}
	// DuckDB's string-to-integer cast rounds ("2.5" becomes 3), so CSV
	// integer columns are read as text and converted by guard(), which
	// fails on anything but an integer instead.
	ints := map[string]bool{}
	if isCSV {
		for _, c := range cols {
			if strings.ToUpper(c.typ) == "BIGINT" {
				ints[c.name] = true
				readerTypes[c.name] = "VARCHAR"
			}
		}
		for col, t := range logical {
			if t == TypeBoolean {
				readerTypes[col] = "BOOLEAN"
			}
		}
	}
	for attempt := 0; ; attempt++ {
		if format == FormatJSONL || format == FormatParquet {
			if err := checkForced(ctx, conn, src, scan(nil), opts.Types, format); err != nil {
				return res, err
			}
		}
		sel := canonicalSelect(cols, logical, opts.Types, ints)
		var n int64
		err = conn.QueryRowContext(ctx, fmt.Sprintf("COPY (%s FROM %s) TO %s (%s)", sel, scan(readerTypes), quote(dst), StoredParquet)).Scan(&n)
		if err == nil {
			res.Rows = n
			break
		}
		if ctx.Err() != nil {
			return res, fault.Canceled(ctx.Err())
		}
		os.Remove(dst)
		// Widen an inferred column that a later row does not fit.
		ce := parseConversion(err.Error())
		if ce == nil || attempt > 2*len(cols)+2 {
			return res, e.explain(ctx, err, src, format)
		}
		if forced := opts.Types[ce.column]; forced != "" {
			if ce.line == 0 && isCSV {
				ce.line = e.lineOf(ctx, conn, src, scan(readerTypes), ce, forced)
			}
			where := ""
			if ce.line > 0 {
				where = fmt.Sprintf("line %d, ", ce.line)
			}
			return res, fault.Invalid("%s: %scolumn %q: value %q is not a valid %s (type forced by the schema)", src, where, ce.column, ce.value, forced)
		}
		wider := widen(ce.target, ce.value)
		if wider == "" {
			return res, e.explain(ctx, err, src, format)
		}
		delete(ints, ce.column)
		readerTypes[ce.column] = wider
		for i := range cols {
			if cols[i].name == ce.column {
				cols[i].typ = wider
			}
		}
		if wider == "VARCHAR" {
			logical[ce.column] = TypeCategorical
		} else {
			delete(logical, ce.column)
		}
	}
	// The stored schema, from the written file.
	out, err := describe(ctx, conn, fmt.Sprintf("SELECT * FROM read_parquet(%s)", quote(dst)))
	if err != nil {
		return res, err
	}
	for _, c := range out {
		t, _ := logicalOf(c.typ)
		if l, ok := logical[c.name]; ok && (t == TypeCategorical || t == TypeText) {
			t = l
		}
		if f, ok := opts.Types[c.name]; ok {
			t = f
		}
		res.Schema.Columns = append(res.Schema.Columns, Column{Name: c.name, Type: t})
	}
	if res.Rows == 0 {
		os.Remove(dst)
		return res, fault.Invalid("%s: no data rows (only a header, or nothing)", src)
	}
	return res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// csvHeader reads and checks the header row (the first record when
// noHeader) and returns it with the number of blank lines before it.
func (e *Engine) csvHeader(src string, delim byte, noHeader bool) ([]string, int, error) {
	h, line, err := readHeader(src, delim)
	if err != nil {
		var sp *scanProblem
		if errors.As(err, &sp) {
			return nil, 0, &Problem{Line: sp.line, Msg: sp.msg}
		}
		return nil, 0, fault.Invalid("%s: %v", src, err)
	}
	if len(h) == 0 {
		return nil, 0, fault.Invalid("%s: file is empty", src)
	}
	skip := line - 1
	if noHeader {
		names := make([]string, len(h))
		for i := range h {
			names[i] = "column" + strconv.Itoa(i)
		}
		return names, skip, nil
	}
	seen := map[string]int{}
	for i, name := range h {
		if strings.TrimSpace(name) == "" {
			return nil, 0, &Problem{Line: line, Msg: fmt.Sprintf("header field %d is empty: every column needs a name", i+1)}
		}
		// DuckDB, like SQL, treats names that differ only in case or in
		// surrounding spaces as one and would silently rename the second.
		key := strings.ToLower(strings.TrimSpace(name))
		if j, dup := seen[key]; dup {
			if h[j] == name {
				return nil, 0, &Problem{Line: line, Msg: fmt.Sprintf("column name %q appears twice (fields %d and %d)", name, j+1, i+1)}
			}
			return nil, 0, &Problem{Line: line, Msg: fmt.Sprintf("column names %q (field %d) and %q (field %d) differ only in case or spaces; SQL treats them as one name", h[j], j+1, name, i+1)}
		}
		seen[key] = i
	}
	return h, skip, nil
}

// csvScan returns the read_csv call for src. skip, the number of blank
// lines before the header, is always passed: left to DuckDB's sniffer, it
// would skip rows up to one whose field count it prefers, silently taking
// a data row as the header when the header is shorter than the rows.
func (e *Engine) csvScan(src string, delim byte, noHeader bool, skip int, types map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "read_csv(%s, delim=%s, quote='\"', escape='\"', header=%t, skip=%d, strict_mode=true, null_padding=false, comment='', encoding='utf-8', sample_size=%d, auto_type_candidates=['BIGINT','DOUBLE','DATE','TIMESTAMP','VARCHAR']",
		quote(src), quote(string(delim)), !noHeader, skip, e.cfg.SampleRows)
	if len(types) > 0 {
		keys := make([]string, 0, len(types))
		for k := range types {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(", types={")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %s", quote(k), quote(types[k]))
		}
		b.WriteString("}")
	}
	b.WriteString(")")
	return b.String()
}

type sniffed struct{ name, typ string }

func indexSniffed(cols []sniffed, name string) int {
	for i, c := range cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

func sniffedNames(cols []sniffed) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// describe returns the columns of a query without running it.
func describe(ctx context.Context, conn *sql.Conn, query string) ([]sniffed, error) {
	rows, err := conn.QueryContext(ctx, "DESCRIBE "+query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sniffed
	for rows.Next() {
		var name, typ string
		var a, b, c, d sql.NullString
		if err := rows.Scan(&name, &typ, &a, &b, &c, &d); err != nil {
			return nil, err
		}
		out = append(out, sniffed{name, typ})
	}
	return out, rows.Err()
}

// refineStrings looks at the sampled values of the string columns and
// returns a logical type for each: boolean, text or categorical.
func (e *Engine) refineStrings(ctx context.Context, conn *sql.Conn, scan string, cols []sniffed, forced map[string]string) (map[string]string, error) {
	out := map[string]string{}
	var exprs []string
	var names []string
	for _, c := range cols {
		if c.typ != "VARCHAR" || forced[c.name] != "" {
			continue
		}
		id := Ident(c.name)
		exprs = append(exprs, fmt.Sprintf(
			"count(%[1]s), count(DISTINCT %[1]s), coalesce(avg(length(%[1]s)), 0), coalesce(avg(len(string_split(trim(%[1]s), ' '))), 0), coalesce(bool_and(lower(trim(%[1]s)) IN ('true', 'false')), false)", id))
		names = append(names, c.name)
	}
	if len(exprs) == 0 {
		return out, nil
	}
	q := fmt.Sprintf("SELECT %s FROM (SELECT * FROM %s LIMIT %d)", strings.Join(exprs, ", "), scan, e.cfg.SampleRows)
	vals := make([]any, 5*len(names))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := conn.QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
		return nil, err
	}
	for i, name := range names {
		n, distinct := toFloat(vals[5*i]), toFloat(vals[5*i+1])
		avgLen, avgWords := toFloat(vals[5*i+2]), toFloat(vals[5*i+3])
		isBool, _ := vals[5*i+4].(bool)
		switch {
		case n > 0 && isBool:
			out[name] = TypeBoolean
		case avgWords >= 3 || (avgLen >= 30 && distinct > 0.5*n):
			out[name] = TypeText
		default:
			out[name] = TypeCategorical
		}
	}
	return out, nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case int32:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return 0
}

// canonicalSelect builds the SELECT list that stores every column in its
// canonical physical type. Columns in ints are read as text and go through
// guard.
func canonicalSelect(cols []sniffed, logical, forced map[string]string, ints map[string]bool) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		id := Ident(c.name)
		want := ""
		if ints[c.name] || forced[c.name] == TypeInteger && ints[c.name] {
			parts[i] = guard(c.name) + " AS " + id
			continue
		}
		if f := forced[c.name]; f != "" {
			want = Physical(f)
		} else if logical[c.name] == TypeBoolean {
			want = "BOOLEAN"
		} else if _, cast := logicalOf(c.typ); cast != "" {
			want = cast
		}
		if want != "" && want != strings.ToUpper(c.typ) {
			parts[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", id, want, id)
		} else {
			parts[i] = id
		}
	}
	return "SELECT " + strings.Join(parts, ", ")
}

// guardTag marks the errors that guard raises.
const guardTag = "mlcycle-not-integer"

// guard converts a text column to BIGINT exactly: a value that is not a
// whole number raises an error naming the column and the value, which
// Ingest turns into widening (inferred types) or a report (forced types).
func guard(col string) string {
	id := Ident(col)
	return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN NULL WHEN regexp_full_match(%[1]s, '\\s*[+-]?[0-9]+\\s*') THEN COALESCE(TRY_CAST(%[1]s AS BIGINT), error(%[2]s || %[1]s)) ELSE error(%[2]s || %[1]s) END",
		id, quote(guardTag+"\x1f"+col+"\x1f"))
}

type conversion struct {
	line          int
	column, value string
	target        string
}

var (
	reCSVLine    = regexp.MustCompile(`CSV Error on Line: (\d+)`)
	reConversion = regexp.MustCompile(`converting column "((?:[^"]|"")*)"\. Could not convert string "((?:[^"]|\\")*)" to '(\w+)'`)
	reJSON       = regexp.MustCompile(`Malformed JSON in file ".*?", at byte \d+ in line (\d+): ([^\n]*)`)
)

func parseConversion(msg string) *conversion {
	if i := strings.Index(msg, guardTag+"\x1f"); i >= 0 {
		parts := strings.SplitN(msg[i+len(guardTag)+1:], "\x1f", 2)
		if len(parts) == 2 {
			v := parts[1]
			if j := strings.IndexByte(v, '\n'); j >= 0 {
				v = v[:j]
			}
			return &conversion{column: parts[0], value: v, target: "BIGINT"}
		}
	}
	m := reConversion.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	c := &conversion{column: m[1], value: m[2], target: m[3]}
	if l := reCSVLine.FindStringSubmatch(msg); l != nil {
		c.line, _ = strconv.Atoi(l[1])
	}
	return c
}

// widen returns the next wider type for an inferred column type that a
// value did not fit, or "" if there is none.
func widen(target, value string) string {
	switch strings.ToUpper(target) {
	case "BIGINT", "INT64":
		if _, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			return "DOUBLE"
		}
		return "VARCHAR"
	case "DOUBLE", "BOOLEAN", "BOOL", "DATE", "TIMESTAMP":
		return "VARCHAR"
	}
	return ""
}

// explain turns a DuckDB read error into an error naming file, line and
// column. For CSV it reruns a strict Go scan to find the problem.
func (e *Engine) explain(ctx context.Context, err error, src, format string) error {
	if ctx.Err() != nil {
		return fault.Canceled(ctx.Err())
	}
	msg := err.Error()
	if c := parseConversion(msg); c != nil {
		return fault.Invalid("%s: line %d, column %q: could not convert %q to %s", src, c.line, c.column, c.value, strings.ToLower(c.target))
	}
	if format == FormatJSONL {
		if p := checkJSONL(src); p != nil {
			return fault.Invalid("%s: %v", src, p)
		}
	}
	if m := reJSON.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return fault.Invalid("%s: line %d: malformed JSON: %s", src, line, strings.TrimSpace(m[2]))
	}
	if format == FormatCSV || format == FormatTSV {
		delim := byte(',')
		if format == FormatTSV {
			delim = '\t'
		}
		if p := checkCSV(src, delim); p != nil {
			var pr *Problem
			if errors.As(p, &pr) {
				return fault.Invalid("%s: %v", src, pr)
			}
			return fault.Invalid("%s: %v", src, p)
		}
	}
	first := msg
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	where := ""
	if l := reCSVLine.FindStringSubmatch(msg); l != nil {
		where = " (line " + l[1] + ")"
	}
	if strings.Contains(msg, "Invalid unicode") {
		return fault.Invalid("%s%s: invalid UTF-8 (the file must be UTF-8 encoded)", src, where)
	}
	if strings.Contains(strings.ToLower(msg), "no magic bytes") || strings.Contains(msg, "not a parquet file") || strings.Contains(msg, "too small to be a Parquet file") {
		return fault.Invalid("%s: not a valid Parquet file", src)
	}
	return fault.Invalid("%s%s: %s", src, where, strings.TrimPrefix(strings.TrimPrefix(first, "Invalid Input Error: "), "Conversion Error: "))
}

// gunzipTemp decompresses src into a temporary file in dir.
func gunzipTemp(src, dir string) (string, func(), error) {
	r, err := openMaybeGzip(src)
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	f, err := os.CreateTemp(dir, "gunzip-*.parquet")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		cleanup()
		return "", nil, fmt.Errorf("decompress: %v", err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, err
	}
	return f.Name(), cleanup, nil
}

// checkForced finds the first value that does not fit a forced type in a
// JSON lines or Parquet source, whose readers report no line on a failed
// cast.
func checkForced(ctx context.Context, conn *sql.Conn, src, scan string, forced map[string]string, format string) error {
	keys := make([]string, 0, len(forced))
	for k := range forced {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, col := range keys {
		id := Ident(col)
		q := fmt.Sprintf("SELECT rn, CAST(%[1]s AS VARCHAR) FROM (SELECT row_number() OVER () AS rn, %[1]s FROM %[2]s) WHERE %[1]s IS NOT NULL AND TRY_CAST(%[1]s AS %[3]s) IS NULL LIMIT 1", id, scan, Physical(forced[col]))
		var rn int64
		var v string
		err := conn.QueryRowContext(ctx, q).Scan(&rn, &v)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return fault.Invalid("%s: column %q: %v", src, col, err)
		}
		where := fmt.Sprintf("line %d", rn)
		if format == FormatParquet {
			where = fmt.Sprintf("row %d", rn)
		}
		if u, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
			v = u // a JSON string
		}
		return fault.Invalid("%s: %s, column %q: value %q is not a valid %s (type forced by the schema)", src, where, col, v, forced[col])
	}
	return nil
}

// lineOf finds the line of the first row whose column holds the value of
// a failed conversion: DuckDB finds the row, the Go scanner its line
// (records may span lines). It returns 0 when it cannot tell.
func (e *Engine) lineOf(ctx context.Context, conn *sql.Conn, src, scan string, ce *conversion, _ string) int {
	var rn int64
	q := fmt.Sprintf("SELECT rn FROM (SELECT row_number() OVER () AS rn, CAST(%[1]s AS VARCHAR) AS v FROM %[2]s) WHERE v = %[3]s ORDER BY rn LIMIT 1", Ident(ce.column), scan, quote(ce.value))
	if err := conn.QueryRowContext(ctx, q).Scan(&rn); err != nil {
		return 0
	}
	r, err := openMaybeGzip(src)
	if err != nil {
		return 0
	}
	defer r.Close()
	delim := byte(',')
	if strings.Contains(scan, "delim='\t'") {
		delim = '\t'
	}
	line, i := 0, int64(-1) // record -1 is the header
	scanCSV(bufio.NewReaderSize(r, 1<<16), delim, func(l int, _ []string) error {
		if i == rn-1 {
			line = l
			return errStop
		}
		i++
		return nil
	})
	return line
}
