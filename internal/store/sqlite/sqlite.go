// Package sqlite is the embedded metadata store driver: store.Store on a
// SQLite file through modernc.org/sqlite (pure Go, no cgo).
//
// Several processes may share one file, typically the CLI beside a running
// server. Every connection sets busy_timeout (Config.BusyTimeout),
// journal_mode=WAL (readers do not block the writer), foreign_keys=ON and
// synchronous=NORMAL, and begins every transaction with BEGIN IMMEDIATE, so
// a writer takes the write lock when it starts, waits for another writer
// for up to the busy timeout, and never fails with "database is locked"
// halfway through a transaction. SQLite thus runs one write transaction at a
// time, which is what numbers versions without conflicts (see sqlstore).
//
// Times are stored as TEXT in RFC 3339 with six fractional digits, in UTC
// ("2024-05-06T07:08:09.123456Z"), which the sqlite3 shell shows readably
// and which sorts in time order; Schema and Options JSON as TEXT. The
// schema is in migrations/*.sql.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeLayout is how times are stored: fixed width, so text order is time
// order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Config tunes the SQLite store. The zero value is ready to use.
type Config struct {
	// BusyTimeout is how long a transaction waits for another
	// connection's or process's write transaction to finish before it
	// fails with "database is locked". Default: 10s.
	BusyTimeout time.Duration
	// MaxOpenConns limits the open connections to the file. Default: 8.
	MaxOpenConns int
	// MaxAttempts: see sqlstore.Config. Default: 10.
	MaxAttempts int
	// Logger receives applied migrations. Default: no logging.
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.BusyTimeout == 0 {
		c.BusyTimeout = 10 * time.Second
	}
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = 8
	}
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var probs []string
	if c.BusyTimeout < time.Millisecond {
		probs = append(probs, fmt.Sprintf("BusyTimeout is %v; want 1ms or more, or 0 for the default 10s", c.BusyTimeout))
	}
	if c.MaxOpenConns < 0 {
		probs = append(probs, fmt.Sprintf("MaxOpenConns is %d; want 1 or more, or 0 for the default 8", c.MaxOpenConns))
	}
	if c.MaxAttempts < 0 {
		probs = append(probs, fmt.Sprintf("MaxAttempts is %d; want 1 or more, or 0 for the default 10", c.MaxAttempts))
	}
	if len(probs) > 0 {
		return fault.Invalid("sqlite: config: %s", strings.Join(probs, "; "))
	}
	return nil
}

// Dialect returns the SQLite dialect for sqlstore.
func Dialect() sqlstore.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sqlstore.Dialect{
		Name:            "sqlite",
		Placeholder:     sqlstore.Question,
		Migrations:      sub,
		UniqueViolation: uniqueViolation,
		TimeValue:       func(t time.Time) any { return t.UTC().Format(timeLayout) },
	}
}

// Open opens (creating if needed) the SQLite database file at path and
// applies pending migrations. The directory must exist. Close the store
// when done.
func Open(ctx context.Context, path string, cfg Config) (*sqlstore.Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fault.Invalid("sqlite: open %q: want the path of a database file (without ?)", path)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxOpenConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fault.Mark(fault.KindUnavailable, fmt.Errorf("sqlite: open %q: %w", path, err))
	}
	s, err := sqlstore.Open(ctx, db, Dialect(), sqlstore.Config{Logger: cfg.Logger, MaxAttempts: cfg.MaxAttempts})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	return s, nil
}

// uniqueViolation reports the constraint a UNIQUE or PRIMARY KEY violation
// broke. SQLite names the columns ("UNIQUE constraint failed:
// versions.dataset_id, versions.version"), not the constraint.
func uniqueViolation(err error) (string, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", false
	}
	if se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && se.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return "", false
	}
	msg := se.Error()
	switch {
	case strings.Contains(msg, "versions.dataset_id, versions.version"):
		return sqlstore.ConstraintVersion, true
	case strings.Contains(msg, "versions.dataset_id, versions.input_key"):
		return sqlstore.ConstraintInput, true
	case strings.Contains(msg, "model_versions.model_id, model_versions.version"):
		return sqlstore.ConstraintModelVersion, true
	case strings.Contains(msg, "model_versions.model_id, model_versions.run_id"):
		return sqlstore.ConstraintModelRun, true
	case strings.Contains(msg, "feedback.endpoint, feedback.inference_id"):
		return sqlstore.ConstraintFeedback, true
	}
	return msg, true
}
