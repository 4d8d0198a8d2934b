// Package postgres is the PostgreSQL metadata store driver: store.Store
// through pgx's database/sql adapter (github.com/jackc/pgx/v5/stdlib).
//
// Times are TIMESTAMPTZ (microsecond precision); Schema and Options are
// JSONB, so they come back normalised (key order, whitespace). The tables
// live in the first schema of the connection's search_path, which a URL
// can set: postgres://host/db?search_path=mlcycle. The schema is in
// migrations/*.sql; migrations take a transaction-scoped advisory lock
// (keyed by the schema name) so that processes starting at once apply each
// migration once. See sqlstore for how concurrent writers are ordered.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock serialises migration transactions on one schema. The key is
// a hash of the schema's name, so stores in different schemas of one
// database migrate independently.
const migrationLock = `SELECT pg_advisory_xact_lock(hashtextextended('mlcycle.schema_migrations.' || COALESCE(current_schema(), ''), 0))`

// Config tunes the PostgreSQL store. The zero value is ready to use.
type Config struct {
	// MaxOpenConns limits the open connections. Default: 10.
	MaxOpenConns int
	// MaxIdleConns is how many idle connections are kept. Default: 2.
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this, so that the
	// pool follows a failover. Default: 30m.
	ConnMaxLifetime time.Duration
	// ConnectTimeout bounds each connection attempt when the URL sets no
	// connect_timeout. Default: 10s.
	ConnectTimeout time.Duration
	// MaxAttempts: see sqlstore.Config. Default: 10.
	MaxAttempts int
	// Logger receives applied migrations and retried transactions.
	// Default: no logging.
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = 10
	}
	if c.MaxIdleConns == 0 {
		c.MaxIdleConns = 2
	}
	if c.ConnMaxLifetime == 0 {
		c.ConnMaxLifetime = 30 * time.Minute
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var probs []string
	if c.MaxOpenConns < 0 {
		probs = append(probs, fmt.Sprintf("MaxOpenConns is %d; want 1 or more, or 0 for the default 10", c.MaxOpenConns))
	}
	if c.MaxIdleConns < 0 {
		probs = append(probs, fmt.Sprintf("MaxIdleConns is %d; want 0 or more", c.MaxIdleConns))
	}
	if c.ConnMaxLifetime < 0 {
		probs = append(probs, fmt.Sprintf("ConnMaxLifetime is %v; want a positive duration, or 0 for the default 30m", c.ConnMaxLifetime))
	}
	if c.ConnectTimeout < 0 {
		probs = append(probs, fmt.Sprintf("ConnectTimeout is %v; want a positive duration, or 0 for the default 10s", c.ConnectTimeout))
	}
	if c.MaxAttempts < 0 {
		probs = append(probs, fmt.Sprintf("MaxAttempts is %d; want 1 or more, or 0 for the default 10", c.MaxAttempts))
	}
	if len(probs) > 0 {
		return fault.Invalid("postgres: config: %s", strings.Join(probs, "; "))
	}
	return nil
}

// Dialect returns the PostgreSQL dialect for sqlstore.
func Dialect() sqlstore.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sqlstore.Dialect{
		Name:            "postgres",
		Placeholder:     sqlstore.Dollar,
		Migrations:      sub,
		MigrationLock:   migrationLock,
		ForUpdate:       "FOR UPDATE",
		UniqueViolation: uniqueViolation,
		Retryable:       retryable,
	}
}

// Open connects to the database at url (postgres://user:pass@host:port/db?
// sslmode=...&search_path=...) and applies pending migrations. A database
// that cannot be reached is a fault.KindUnavailable error naming the host
// and database (never the password). Close the store when done.
func Open(ctx context.Context, url string, cfg Config) (*sqlstore.Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fault.Invalid("postgres: parse database URL: %w", err)
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = cfg.ConnectTimeout
	}
	where := fmt.Sprintf("database %q on %s", cc.Database, address(cc.Host, cc.Port))
	if sp := cc.RuntimeParams["search_path"]; sp != "" {
		where = fmt.Sprintf("database %q (search_path %s) on %s", cc.Database, sp, address(cc.Host, cc.Port))
	}
	db := stdlib.OpenDB(*cc)
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxIdleConns)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: connect to %s: %w", where, ctx.Err())
		}
		return nil, fault.Mark(fault.KindUnavailable, fmt.Errorf("postgres: connect to %s: %w", where, err))
	}
	s, err := sqlstore.Open(ctx, db, Dialect(), sqlstore.Config{Logger: cfg.Logger, MaxAttempts: cfg.MaxAttempts})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	return s, nil
}

// address formats a host and port for messages; a host starting with /
// is a Unix socket directory.
func address(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("socket %s/.s.PGSQL.%d", host, port)
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

// uniqueViolation reports the constraint a unique_violation (23505) broke.
func uniqueViolation(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

// retryable reports serialization_failure (40001) and deadlock_detected
// (40P01): the transaction lost a race and may run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
