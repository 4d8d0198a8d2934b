package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
)

// ErrSchemaTooNew is returned (wrapped) by Open and Migrate when the
// database has a migration recorded that this binary does not have: a newer
// mlcycle migrated it. Running an older binary against it could corrupt it,
// so the store refuses to open.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// migrationsTable records applied migrations. The statement is valid in
// both SQLite and PostgreSQL; applied_at is set by the database and only
// ever read by people.
const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
)`

// migration is one numbered schema change.
type migration struct {
	version int
	name    string // file name without .up.sql, like "0001_catalog"
	up      string
}

var migrationFile = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.(up|down)\.sql$`)

// loadMigrations reads the migration files at the root of fsys. Versions
// must run from 1 without gaps, and each .up.sql needs its .down.sql.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	if fsys == nil {
		return nil, errors.New("no migrations")
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	ups := map[int]migration{}
	downs := map[int]bool{}
	for _, e := range entries {
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		name := m[1] + "_" + m[2]
		if m[3] == "down" {
			downs[v] = true
			continue
		}
		if prev, ok := ups[v]; ok {
			return nil, fmt.Errorf("migration %d: two files: %s and %s", v, prev.name, name)
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ups[v] = migration{version: v, name: name, up: string(b)}
	}
	ms := make([]migration, 0, len(ups))
	for _, m := range ups {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (versions start at 1, without gaps)", m.name, i+1)
		}
		if !downs[m.version] {
			return nil, fmt.Errorf("migration %s: missing %s.down.sql", m.name, m.name)
		}
	}
	for v := range downs {
		if _, ok := ups[v]; !ok {
			return nil, fmt.Errorf("migration %04d: .down.sql without .up.sql", v)
		}
	}
	if len(ms) == 0 {
		return nil, errors.New("no migrations")
	}
	return ms, nil
}

// Migrate applies the migrations that the database lacks, in order, one
// transaction each. Open calls it; it is exported for tools and tests. It is
// safe to run from several processes at once: each migration is applied
// once. It returns an error wrapping ErrSchemaTooNew if the database has a
// migration recorded that this binary does not know.
func (s *Store) Migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		if done {
			return nil
		}
	}
}

// migrateOne applies the next pending migration, if any, and reports
// whether the schema is now up to date.
func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() // a no-op after Commit
	if s.d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
			return false, fmt.Errorf("take migration lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var cur int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	known := len(s.migrations)
	switch {
	case cur > known:
		return false, fmt.Errorf("%w: the database is at migration %d, this binary knows migrations up to %d; upgrade mlcycle", ErrSchemaTooNew, cur, known)
	case cur == known:
		return true, tx.Commit()
	}
	m := s.migrations[cur]
	if _, err := tx.ExecContext(ctx, m.up); err != nil {
		return false, fmt.Errorf("apply %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"), m.version, m.name); err != nil {
		return false, fmt.Errorf("record %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit %s: %w", m.name, err)
	}
	s.log.InfoContext(ctx, "applied migration", "migration", m.name)
	return m.version == known, nil
}

// SchemaVersion returns the newest migration recorded in the database and
// the newest this binary has.
func (s *Store) SchemaVersion(ctx context.Context) (db, known int, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&db)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlstore: read schema version: %w", err)
	}
	return db, len(s.migrations), nil
}
