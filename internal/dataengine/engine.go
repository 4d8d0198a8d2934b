// Package dataengine is the platform's tabular engine, on DuckDB: it ingests
// CSV, TSV, Parquet and JSON lines into Parquet, runs the SQL of prep recipes
// and splits, profiles and previews versions, and exports them.
//
// # Types
//
// Every stored Parquet file uses only six physical types, one per logical
// type of the catalog (see Type*): BIGINT (integer), DOUBLE (float), BOOLEAN
// (boolean), VARCHAR (categorical and text), DATE (date) and TIMESTAMP
// (timestamp). Ingest casts whatever the source holds to these, so later
// readers (internal/frameio, predict) handle six types, not DuckDB's forty.
//
// # Ingest and schema inference
//
// Files are read with an explicit dialect (comma or tab, '"' quotes, a header
// row, strict mode), never with DuckDB's dialect guessing, so a ragged row or
// a broken quote is an error rather than a silently different table. Column
// types come from DuckDB's sniffer restricted to BIGINT, DOUBLE, DATE,
// TIMESTAMP and VARCHAR over the first SampleRows rows; string columns whose
// sampled values are all true/false become boolean ("yes"/"no" stays
// categorical: it is a label, not a truth value), and a string column is
// free text rather than categorical when its values average three or more
// words, or are long (30+ characters) and mostly distinct. When a row after
// the sample does not fit an inferred type, the column is widened (integer →
// float → string) and the file read again; a type forced with Opts.Types is
// never widened: the row is reported instead.
//
// Errors name the file, line and column. DuckDB's own CSV errors are terse
// about dialect problems, so on any CSV failure the file is scanned again by
// a strict Go reader (csvcheck.go) that pinpoints the first problem.
//
// DuckDB runs in memory with extension auto-install and auto-load off: the
// engine never touches the network.
package dataengine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Logical column types of the catalog.
const (
	TypeInteger     = "integer"
	TypeFloat       = "float"
	TypeBoolean     = "boolean"
	TypeCategorical = "categorical"
	TypeText        = "text"
	TypeDate        = "date"
	TypeTimestamp   = "timestamp"
)

// Types lists the logical types in documentation order.
var Types = []string{TypeInteger, TypeFloat, TypeBoolean, TypeCategorical, TypeText, TypeDate, TypeTimestamp}

// physical maps a logical type to its DuckDB/Parquet type.
var physical = map[string]string{
	TypeInteger:     "BIGINT",
	TypeFloat:       "DOUBLE",
	TypeBoolean:     "BOOLEAN",
	TypeCategorical: "VARCHAR",
	TypeText:        "VARCHAR",
	TypeDate:        "DATE",
	TypeTimestamp:   "TIMESTAMP",
}

// Physical returns the DuckDB type that stores logical type t, or "" if t
// is unknown.
func Physical(t string) string { return physical[t] }

// IsType reports whether t is a logical type.
func IsType(t string) bool { return physical[t] != "" }

// Column is one column of a schema.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Schema is an ordered list of columns.
type Schema struct {
	Columns []Column `json:"columns"`
}

// Names returns the column names in order.
func (s Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// Index returns the position of column name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Config configures an Engine.
type Config struct {
	// Threads is DuckDB's worker thread count. Default: GOMAXPROCS.
	Threads int
	// TempDir is where DuckDB spills when a query exceeds memory.
	// Default: DuckDB's own (a .tmp directory in the working directory).
	TempDir string
	// SampleRows is how many rows type inference looks at. Default 20480.
	SampleRows int
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Threads <= 0 {
		c.Threads = runtime.GOMAXPROCS(0)
	}
	if c.SampleRows <= 0 {
		c.SampleRows = 20480
	}
	return c
}

// Engine is an in-memory DuckDB instance. It is safe for concurrent use;
// each operation takes its own connection.
type Engine struct {
	db  *sql.DB
	cfg Config
}

// Open starts an in-memory DuckDB with network access to extensions off.
func Open(cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	// The external file cache is off: with it, DuckDB 1.5.6 sometimes
	// served the old bytes of a file rewritten in place with the same size
	// (found by FuzzInferSchema), and re-ingesting an edited file must see
	// the edit.
	dsn := fmt.Sprintf("?autoinstall_known_extensions=false&autoload_known_extensions=false&enable_external_file_cache=false&threads=%d", cfg.Threads)
	connector, err := duckdb.NewConnector(dsn, func(execer driver.ExecerContext) error {
		if cfg.TempDir == "" {
			return nil
		}
		_, err := execer.ExecContext(context.Background(), "SET temp_directory = "+quote(cfg.TempDir), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dataengine: open duckdb: %w", err)
	}
	return &Engine{db: sql.OpenDB(connector), cfg: cfg}, nil
}

// Close shuts DuckDB down.
func (e *Engine) Close() error { return e.db.Close() }

// DB exposes the engine's database for packages that build SQL on it
// (prep, split). Callers must not change global settings.
func (e *Engine) DB() *sql.DB { return e.db }

// quote returns s as a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Ident returns name as a quoted SQL identifier.
func Ident(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// Quote returns s as a SQL string literal.
func Quote(s string) string { return quote(s) }

// logicalOf maps a DuckDB type name to a logical type and the cast needed
// to store it canonically ("" when none is needed).
func logicalOf(duckType string) (logical, cast string) {
	t := strings.ToUpper(duckType)
	switch {
	case t == "BIGINT":
		return TypeInteger, ""
	case t == "INTEGER" || t == "SMALLINT" || t == "TINYINT" || t == "UTINYINT" || t == "USMALLINT" || t == "UINTEGER":
		return TypeInteger, "BIGINT"
	case t == "UBIGINT" || t == "HUGEINT" || t == "UHUGEINT":
		return TypeFloat, "DOUBLE"
	case t == "DOUBLE":
		return TypeFloat, ""
	case t == "FLOAT" || strings.HasPrefix(t, "DECIMAL"):
		return TypeFloat, "DOUBLE"
	case t == "BOOLEAN":
		return TypeBoolean, ""
	case t == "VARCHAR":
		return TypeCategorical, ""
	case t == "DATE":
		return TypeDate, ""
	case t == "TIMESTAMP":
		return TypeTimestamp, ""
	case strings.HasPrefix(t, "TIMESTAMP"): // WITH TIME ZONE, _S, _MS, _NS
		return TypeTimestamp, "TIMESTAMP"
	default: // TIME, INTERVAL, BLOB, UUID, STRUCT, LIST, MAP, JSON ...
		return TypeText, "VARCHAR"
	}
}

// LogicalOf returns the logical type of a column stored as DuckDB type t
// (VARCHAR → categorical; types without a logical counterpart → text).
func LogicalOf(t string) string {
	l, _ := logicalOf(t)
	return l
}

// FormatKey and FormatVersion mark every Parquet file the catalog stores
// (key-value metadata in the file footer), so that readers can reject a
// layout they do not know. See docs/format/dataset.md.
const (
	FormatKey     = "mlcycle.dataset"
	FormatVersion = "1"
)

// StoredParquet is the COPY option list for a catalog version's Parquet
// file.
var StoredParquet = fmt.Sprintf("FORMAT parquet, KV_METADATA {'%s': '%s'}", FormatKey, FormatVersion)
