package dataengine

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// Scan returns the SQL table expression that reads a stored Parquet file.
func Scan(path string) string { return fmt.Sprintf("read_parquet(%s)", quote(path)) }

// Table is a small result set.
type Table struct {
	Columns []string
	// Rows hold int64, float64, bool, string, time.Time or nil.
	Rows [][]any
}

// Query runs a query and returns all of its rows. Use it for small results.
func (e *Engine) Query(ctx context.Context, query string, args ...any) (*Table, error) {
	rows, err := e.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, vals)
	}
	return t, rows.Err()
}

// Head returns the first n rows of a stored Parquet file, in order.
func (e *Engine) Head(ctx context.Context, path string, n int) (*Table, error) {
	if n < 0 {
		return nil, fault.Invalid("head: row count %d is negative", n)
	}
	return e.Query(ctx, fmt.Sprintf("SELECT * FROM %s LIMIT %d", Scan(path), n))
}

// ColumnProfile is a one-line summary of a column.
type ColumnProfile struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Count    int64    `json:"count"`   // non-missing values
	Missing  int64    `json:"missing"` // missing values
	Distinct int64    `json:"distinct"`
	Min      string   `json:"min,omitempty"`
	Max      string   `json:"max,omitempty"`
	Mean     *float64 `json:"mean,omitempty"`
	Std      *float64 `json:"std,omitempty"` // sample standard deviation
	// Top is the most frequent value of a categorical or boolean column
	// and its count.
	Top      string `json:"top,omitempty"`
	TopCount int64  `json:"top_count,omitempty"`
}

// Profile summarises each column of a stored file: counts, exact distinct
// count, min, max, and mean and sample std for numeric columns, the most
// frequent value for categorical and boolean ones.
func (e *Engine) Profile(ctx context.Context, path string, schema Schema) ([]ColumnProfile, error) {
	if len(schema.Columns) == 0 {
		return nil, nil
	}
	var exprs []string
	for _, c := range schema.Columns {
		id := Ident(c.Name)
		num := c.Type == TypeInteger || c.Type == TypeFloat
		mean, std := "NULL::DOUBLE", "NULL::DOUBLE"
		if num {
			mean, std = fmt.Sprintf("avg(%s)::DOUBLE", id), fmt.Sprintf("stddev_samp(%s)::DOUBLE", id)
		}
		minmax := fmt.Sprintf("min(%[1]s)::VARCHAR, max(%[1]s)::VARCHAR", id)
		if c.Type == TypeText || c.Type == TypeCategorical {
			minmax = "NULL::VARCHAR, NULL::VARCHAR"
		}
		exprs = append(exprs, fmt.Sprintf("count(%[1]s), count(*) - count(%[1]s), count(DISTINCT %[1]s), %[2]s, %[3]s, %[4]s", id, minmax, mean, std))
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(exprs, ", "), Scan(path))
	const per = 7
	vals := make([]any, per*len(schema.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := e.db.QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	out := make([]ColumnProfile, len(schema.Columns))
	for i, c := range schema.Columns {
		v := vals[per*i : per*i+per]
		p := ColumnProfile{Name: c.Name, Type: c.Type, Count: toInt(v[0]), Missing: toInt(v[1]), Distinct: toInt(v[2])}
		p.Min, _ = v[3].(string)
		p.Max, _ = v[4].(string)
		if f, ok := v[5].(float64); ok {
			p.Mean = &f
		}
		if f, ok := v[6].(float64); ok {
			p.Std = &f
		}
		out[i] = p
	}
	// Most frequent value of categorical and boolean columns; ties go to
	// the smallest value so the result is deterministic.
	for i, c := range schema.Columns {
		if c.Type != TypeCategorical && c.Type != TypeBoolean {
			continue
		}
		id := Ident(c.Name)
		var top sql.NullString
		var n int64
		err := e.db.QueryRowContext(ctx, fmt.Sprintf("SELECT %[1]s::VARCHAR, count(*) AS n FROM %[2]s WHERE %[1]s IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1", id, Scan(path))).Scan(&top, &n)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		out[i].Top, out[i].TopCount = top.String, n
	}
	return out, nil
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// ExportFormats are the formats Export writes.
var ExportFormats = []string{FormatCSV, FormatTSV, FormatParquet, FormatJSONL}

// Export writes a stored Parquet file to dst in format ("" = from dst's
// name; a .gz suffix compresses CSV, TSV and JSON lines). dst appears
// atomically: it is written to a temporary file beside it and renamed.
func (e *Engine) Export(ctx context.Context, path, dst, format string) error {
	if format == "" {
		f, err := DetectFormat(dst)
		if err != nil {
			return err
		}
		format = f
	}
	gz := strings.HasSuffix(strings.ToLower(dst), ".gz")
	var opts string
	switch format {
	case FormatParquet:
		if gz {
			return fault.Invalid("export %s: gzip is not used for Parquet (it compresses internally); drop the .gz suffix", dst)
		}
		opts = "FORMAT parquet"
	case FormatCSV, FormatTSV:
		delim := ","
		if format == FormatTSV {
			delim = "\t"
		}
		opts = fmt.Sprintf("FORMAT csv, HEADER true, DELIMITER %s", quote(delim))
	case FormatJSONL:
		opts = "FORMAT json"
	default:
		return fault.Invalid("export %s: unknown format %q (known: %s)", dst, format, strings.Join(ExportFormats, ", "))
	}
	if gz {
		opts += ", COMPRESSION gzip"
	}
	dir := filepath.Dir(dst)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fault.Invalid("export %s: directory %s does not exist", dst, dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fault.Invalid("export %s: %v", dst, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName) // DuckDB creates it
	if _, err := e.db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (%s)", Scan(path), quote(tmpName), opts)); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("export %s: %w", dst, err)
	}
	if err := os.Rename(tmpName, dst); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("export %s: %w", dst, err)
	}
	return nil
}
