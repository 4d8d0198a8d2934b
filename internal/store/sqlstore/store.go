package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// Config tunes a Store. The zero value is ready to use.
type Config struct {
	// Logger receives a line per applied migration (Info) and per retried
	// CreateVersions transaction (Debug). Default: no logging.
	Logger *slog.Logger
	// MaxAttempts is how many times CreateVersions runs its transaction
	// when concurrent writers conflict (see the package documentation)
	// before it gives up with a fault.KindConflict error. Default: 10.
	MaxAttempts int
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 10
	}
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if c.MaxAttempts < 0 {
		return fault.Invalid("sqlstore: config: MaxAttempts is %d; want 1 or more, or 0 for the default", c.MaxAttempts)
	}
	return nil
}

// Store is a store.Store on a SQL database. It is safe for concurrent use.
type Store struct {
	db         *sql.DB
	d          Dialect
	cfg        Config
	log        *slog.Logger
	migrations []migration
}

var _ store.Store = (*Store)(nil)

// Open returns a Store on db, after applying pending migrations (see
// Migrate). On success the Store owns db and Close closes it; on error the
// caller still owns it.
func Open(ctx context.Context, db *sql.DB, d Dialect, cfg Config) (*Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Name == "" || d.UniqueViolation == nil {
		return nil, errors.New("sqlstore: open: dialect needs Name and UniqueViolation")
	}
	ms, err := loadMigrations(d.Migrations)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", d.Name, err)
	}
	s := &Store{
		db:         db,
		d:          d,
		cfg:        cfg,
		log:        cfg.Logger.With("component", "store", "driver", d.Name),
		migrations: ms,
	}
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Driver returns the dialect's name: "sqlite" or "postgres".
func (s *Store) Driver() string { return s.d.Name }

// DB returns the underlying database, for health checks, diagnostics and
// tests. Writing the store's tables through it bypasses the invariants
// that CreateVersions keeps.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database. Calling it again, or on a nil *Store (the
// value a failed Open returns, which is a non-nil store.Store), does
// nothing.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	return s.db.Close()
}

// versionColumns selects a version, joined as v with its dataset as d.
const versionColumns = `SELECT v.id, d.name, v.version, v.kind, v.content_hash, v.input_key,
	v.schema_json, v.row_count, v.byte_size, v.source, v.options_json,
	v.artifact_key, v.created_at
FROM versions v JOIN datasets d ON d.id = v.dataset_id`

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row of rows with scan and closes rows; the slice is
// empty, never nil, when there are no rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanVersion(r scanner) (store.Version, error) {
	var v store.Version
	err := r.Scan(&v.ID, &v.Dataset, &v.Version, &v.Kind, &v.ContentHash, &v.InputKey,
		&v.Schema, &v.Rows, &v.Bytes, &v.Source, &v.Options,
		&v.ArtifactKey, timeScanner{&v.CreatedAt})
	v.Schema = nilIfEmpty(v.Schema)
	v.Options = nilIfEmpty(v.Options)
	return v, err
}

// Version returns version v of dataset name; v == 0 means the latest.
func (s *Store) Version(ctx context.Context, name string, v int) (store.Version, error) {
	if v < 0 {
		return store.Version{}, fault.Invalid("store: dataset %q version %d: versions start at 1 (0 means the latest)", name, v)
	}
	var row *sql.Row
	if v == 0 {
		row = s.db.QueryRowContext(ctx, s.d.rebind(versionColumns+`
WHERE d.name = ? ORDER BY v.version DESC LIMIT 1`), name)
	} else {
		row = s.db.QueryRowContext(ctx, s.d.rebind(versionColumns+`
WHERE d.name = ? AND v.version = ?`), name, v)
	}
	ver, err := scanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		if v == 0 {
			return store.Version{}, store.NotFoundf(fmt.Sprintf("store: dataset %q", name))
		}
		return store.Version{}, s.notFound(ctx, name, fmt.Sprintf("store: dataset %q version %d", name, v))
	}
	if err != nil {
		return store.Version{}, fmt.Errorf("store: read dataset %q version %d: %w", name, v, err)
	}
	return s.withParents(ctx, ver)
}

// VersionByID returns the version with the given ID.
func (s *Store) VersionByID(ctx context.Context, id int64) (store.Version, error) {
	ver, err := scanVersion(s.db.QueryRowContext(ctx, s.d.rebind(versionColumns+`
WHERE v.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Version{}, store.NotFoundf(fmt.Sprintf("store: version id %d", id))
	}
	if err != nil {
		return store.Version{}, fmt.Errorf("store: read version id %d: %w", id, err)
	}
	return s.withParents(ctx, ver)
}

// VersionByInput returns the version of dataset name made from inputKey.
func (s *Store) VersionByInput(ctx context.Context, name, inputKey string) (store.Version, error) {
	ver, err := scanVersion(s.db.QueryRowContext(ctx, s.d.rebind(versionColumns+`
WHERE d.name = ? AND v.input_key = ?`), name, inputKey))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Version{}, s.notFound(ctx, name, fmt.Sprintf("store: dataset %q input %s", name, inputKey))
	}
	if err != nil {
		return store.Version{}, fmt.Errorf("store: read dataset %q input %s: %w", name, inputKey, err)
	}
	return s.withParents(ctx, ver)
}

// Versions lists the versions of dataset name, oldest first. An unknown
// dataset is an error wrapping store.ErrNotFound.
func (s *Store) Versions(ctx context.Context, name string) ([]store.Version, error) {
	vs, err := s.queryVersions(ctx, `
WHERE d.name = ? ORDER BY v.version`,
		`l.child_id IN (SELECT v2.id FROM versions v2 JOIN datasets d2 ON d2.id = v2.dataset_id WHERE d2.name = ?)`,
		name)
	if err != nil {
		return nil, fmt.Errorf("store: list versions of dataset %q: %w", name, err)
	}
	if len(vs) == 0 {
		return nil, s.notFound(ctx, name, fmt.Sprintf("store: dataset %q", name))
	}
	return vs, nil
}

// Children lists the versions that have version id as a parent, ordered by
// ID. An unknown id is an error wrapping store.ErrNotFound; a version
// without children has an empty list.
func (s *Store) Children(ctx context.Context, id int64) ([]store.Version, error) {
	vs, err := s.queryVersions(ctx, `
WHERE v.id IN (SELECT child_id FROM lineage WHERE parent_id = ?) ORDER BY v.id`,
		`l.child_id IN (SELECT child_id FROM lineage WHERE parent_id = ?)`,
		id)
	if err != nil {
		return nil, fmt.Errorf("store: list children of version id %d: %w", id, err)
	}
	if len(vs) == 0 {
		var one int
		err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM versions WHERE id = ?`), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.NotFoundf(fmt.Sprintf("store: version id %d", id))
		}
		if err != nil {
			return nil, fmt.Errorf("store: list children of version id %d: %w", id, err)
		}
	}
	return vs, nil
}

// Datasets lists all datasets, ordered by name (byte order, the same on
// every driver), with their latest version's number, rows and bytes.
func (s *Store) Datasets(ctx context.Context) ([]store.Dataset, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.name, d.created_at,
	COALESCE(v.version, 0), COALESCE(v.row_count, 0), COALESCE(v.byte_size, 0)
FROM datasets d
LEFT JOIN versions v ON v.dataset_id = d.id
	AND v.version = (SELECT MAX(v2.version) FROM versions v2 WHERE v2.dataset_id = d.id)`)
	if err != nil {
		return nil, fmt.Errorf("store: list datasets: %w", err)
	}
	ds, err := collect(rows, func(sc scanner) (d store.Dataset, err error) {
		err = sc.Scan(&d.ID, &d.Name, timeScanner{&d.CreatedAt}, &d.Latest, &d.LatestRows, &d.LatestBytes)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list datasets: %w", err)
	}
	// Sorted here rather than by ORDER BY: PostgreSQL orders text by the
	// database's collation, SQLite by bytes.
	slices.SortFunc(ds, func(a, b store.Dataset) int { return strings.Compare(a.Name, b.Name) })
	return ds, nil
}

// queryVersions runs versionColumns + where with arg, then loads the
// parents of the versions it found with parentsWhere (a condition on
// lineage l) and the same arg. It returns a non-nil slice.
func (s *Store) queryVersions(ctx context.Context, where, parentsWhere string, arg any) ([]store.Version, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(versionColumns+where), arg)
	if err != nil {
		return nil, err
	}
	vs, err := collect(rows, scanVersion)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return vs, nil
	}
	parents, err := s.parents(ctx, parentsWhere, arg)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		vs[i].Parents = parents[vs[i].ID]
	}
	return vs, nil
}

// withParents fills v.Parents.
func (s *Store) withParents(ctx context.Context, v store.Version) (store.Version, error) {
	parents, err := s.parents(ctx, "l.child_id = ?", v.ID)
	if err != nil {
		return store.Version{}, fmt.Errorf("store: read parents of version id %d: %w", v.ID, err)
	}
	v.Parents = parents[v.ID]
	return v, nil
}

// parents returns the lineage edges selected by where (a condition on
// lineage l, with one argument), by child ID, in the order they were
// recorded, with the parents' dataset names and version numbers.
func (s *Store) parents(ctx context.Context, where string, arg any) (map[int64][]store.Parent, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT l.child_id, l.parent_id, pd.name, pv.version, l.role
FROM lineage l
JOIN versions pv ON pv.id = l.parent_id
JOIN datasets pd ON pd.id = pv.dataset_id
WHERE `+where+`
ORDER BY l.child_id, l.position`), arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ps := map[int64][]store.Parent{}
	for rows.Next() {
		var child int64
		var p store.Parent
		if err := rows.Scan(&child, &p.VersionID, &p.Dataset, &p.Version, &p.Role); err != nil {
			return nil, err
		}
		ps[child] = append(ps[child], p)
	}
	return ps, rows.Err()
}

// notFound returns a not-found error for a missing version of dataset name:
// what, or, if the dataset itself does not exist, the dataset.
func (s *Store) notFound(ctx context.Context, name, what string) error {
	var one int
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM datasets WHERE name = ?`), name).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.NotFoundf(fmt.Sprintf("store: dataset %q", name))
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	}
	return store.NotFoundf(what)
}

// timeScanner scans a stored time: a time.Time from drivers that decode
// timestamps, or RFC 3339 text.
type timeScanner struct{ t *time.Time }

func (ts timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*ts.t = v.UTC()
		return nil
	case string:
		return ts.parse(v)
	case []byte:
		return ts.parse(string(v))
	}
	return fmt.Errorf("scan time: unsupported type %T", src)
}

func (ts timeScanner) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*ts.t = t.UTC()
	return nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
