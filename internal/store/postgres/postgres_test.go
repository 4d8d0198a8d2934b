package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/store/postgres"
	"github.com/mlcycle/mlcycle/internal/store/sqlstore"
	"github.com/mlcycle/mlcycle/internal/store/storetest"
)

// envURL names the variable with the URL of a PostgreSQL database that the
// tests may create schemas in.
const envURL = "MLCYCLE_TEST_POSTGRES_URL"

// baseURL returns the test database's URL, or skips t when envURL is not
// set.
func baseURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		t.Skipf("%s is not set; set it to a PostgreSQL URL, like postgres://postgres@127.0.0.1:5432/test?sslmode=disable, to run the PostgreSQL store tests", envURL)
	}
	return base
}

// freshSchema creates a schema with a random name in the test database,
// drops it when t ends, and returns the database URL with search_path set
// to it. It skips t when envURL is not set.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := baseURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: want a postgres:// URL: %v", envURL, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "storetest_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema in %s database: %v", envURL, err)
	}
	t.Cleanup(func() {
		// t.Context is done by now.
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// logger writes to t.Log.
func logger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// open opens a store on dbURL and closes it when t ends.
func open(t *testing.T, dbURL string, cfg postgres.Config) *sqlstore.Store {
	t.Helper()
	cfg.Logger = logger(t)
	s, err := postgres.Open(t.Context(), dbURL, cfg)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	var (
		mu   sync.Mutex
		urls = map[*testing.T]string{}
	)
	baseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		mu.Lock()
		u, ok := urls[t]
		mu.Unlock()
		if !ok {
			u = freshSchema(t)
			mu.Lock()
			urls[t] = u
			mu.Unlock()
		}
		return open(t, u, postgres.Config{})
	})
}

// TestConcurrentOpen opens one new database from several stores at once:
// the migration must be applied once.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	u := freshSchema(t)
	const n = 4
	stores := make([]*sqlstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), u, postgres.Config{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("postgres.Open %d of %d: %v", i+1, n, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	var got int
	if err := stores[0].DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_migrations").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if ups, _ := fs.Glob(postgres.Dialect().Migrations, "*.up.sql"); got != len(ups) {
		t.Errorf("schema_migrations has %d rows after %d concurrent opens, want one per migration", got, n)
	}
}

// TestRetry makes CreateVersions lose the race for a version number to
// another transaction, and checks that it runs again, or gives up after
// MaxAttempts. The store runs without its dataset row lock (ForUpdate):
// with it, CreateVersions would wait for the other transaction's lock on
// the dataset row (taken by the foreign key) and then number after it,
// without a conflict to retry.
func TestRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxAttempts int
		want        int // version number; 0: a KindConflict error
	}{
		{"retried", 0, 3},
		{"one attempt", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, err := sql.Open("pgx", freshSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			d := postgres.Dialect()
			d.ForUpdate = ""
			s, err := sqlstore.Open(ctx, db, d, sqlstore.Config{MaxAttempts: tt.maxAttempts, Logger: logger(t)})
			if err != nil {
				db.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			v1, err := s.CreateVersions(ctx, []store.NewVersion{{Dataset: "r", Kind: store.KindIngest, InputKey: "k1"}})
			if err != nil {
				t.Fatal(err)
			}

			other, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Rollback()
			var pid int
			if err := other.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				t.Fatal(err)
			}
			if _, err := other.ExecContext(ctx, `INSERT INTO versions (dataset_id, version, kind, content_hash,
	input_key, row_count, byte_size, source, artifact_key, created_at)
SELECT dataset_id, 2, 'ingest', '', 'other', 0, 0, '', '', now() FROM versions WHERE id = $1`, v1[0].ID); err != nil {
				t.Fatal(err)
			}

			type result struct {
				vs  []store.Version
				err error
			}
			done := make(chan result, 1)
			go func() {
				vs, err := s.CreateVersions(ctx, []store.NewVersion{{Dataset: "r", Kind: store.KindIngest, InputKey: "k2"}})
				done <- result{vs, err}
			}()
			// Wait until CreateVersions waits for the other transaction
			// (its INSERT of version 2 on the unique index), then commit.
			waitBlocked(t, s.DB(), pid, done)
			if err := other.Commit(); err != nil {
				t.Fatal(err)
			}
			r := <-done
			if tt.want == 0 {
				if k := fault.KindOf(r.err); k != fault.KindConflict {
					t.Errorf("CreateVersions error = %v (kind %v), want kind %v", r.err, k, fault.KindConflict)
				}
				return
			}
			if r.err != nil {
				t.Fatalf("CreateVersions: %v", r.err)
			}
			if got := r.vs[0].Version; got != tt.want {
				t.Errorf("CreateVersions after losing version 2: Version = %d, want %d", got, tt.want)
			}
		})
	}
}

// waitBlocked waits until a backend waits for a lock held by backend pid.
func waitBlocked[T any](t *testing.T, db *sql.DB, pid int, done <-chan T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case r := <-done:
			t.Fatalf("CreateVersions finished without waiting for the other writer: %+v", r)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("CreateVersions did not wait for the other writer within 10s")
}

// TestOpenTooNew opens a database that a newer binary migrated.
func TestOpenTooNew(t *testing.T) {
	t.Parallel()
	u := freshSchema(t)
	s := open(t, u, postgres.Config{})
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')`); err != nil {
		t.Fatal(err)
	}
	s2, err := postgres.Open(t.Context(), u, postgres.Config{})
	if err == nil {
		s2.Close()
		t.Fatal("postgres.Open of a database at a newer migration: no error")
	}
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Errorf("postgres.Open error = %v, want one wrapping sqlstore.ErrSchemaTooNew", err)
	}
	t.Logf("error: %v", err)
}

// TestMigrationsDown checks that the down migration undoes the up one.
func TestMigrationsDown(t *testing.T) {
	t.Parallel()
	s := open(t, freshSchema(t), postgres.Config{})
	ctx := t.Context()
	ups, err := fs.Glob(postgres.Dialect().Migrations, "*.up.sql")
	if err != nil || len(ups) < 2 {
		t.Fatalf("migrations: %v, %v", ups, err)
	}
	var downs []string
	for i := len(ups) - 1; i >= 0; i-- {
		downs = append(downs, strings.TrimSuffix(ups[i], ".up.sql")+".down.sql")
	}
	// All down, all up again, all down: every down undoes its up.
	for _, f := range slices.Concat(downs, ups, downs) {
		b, err := fs.ReadFile(postgres.Dialect().Migrations, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("run %s: %v", f, err)
		}
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_class
WHERE relnamespace = current_schema()::regnamespace AND relname NOT LIKE 'schema_migrations%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d relations left after the down migration, want 0", n)
	}
}

// TestOpenErrors needs no database.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		url      string
		kind     fault.Kind
		mentions []string
	}{
		{"unreachable", "postgres://alice:s3cret@127.0.0.1:1/nosuchdb?sslmode=disable&connect_timeout=5",
			fault.KindUnavailable, []string{"127.0.0.1:1", `"nosuchdb"`}},
		{"bad URL", "postgres://alice:s3cret@127.0.0.1:badport/db", fault.KindInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := postgres.Open(t.Context(), tt.url, postgres.Config{})
			if err == nil {
				s.Close()
				t.Fatalf("postgres.Open(%s): no error", tt.url)
			}
			if k := fault.KindOf(err); k != tt.kind {
				t.Errorf("postgres.Open error %v: kind %v, want %v", err, k, tt.kind)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("postgres.Open error %q does not mention %s", err, m)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("postgres.Open error %q shows the password", err)
			}
		})
	}
}
