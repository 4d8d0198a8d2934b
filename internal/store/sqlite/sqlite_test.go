package sqlite_test

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/store/sqlite"
	"github.com/mlcycle/mlcycle/internal/store/sqlstore"
	"github.com/mlcycle/mlcycle/internal/store/storetest"
)

// logger writes to t.Log.
func logger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// open opens a store on path and closes it when t ends.
func open(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, sqlite.Config{Logger: logger(t)})
	if err != nil {
		t.Fatalf("sqlite.Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	var (
		mu    sync.Mutex
		paths = map[*testing.T]string{}
	)
	storetest.Run(t, func(t *testing.T) store.Store {
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "catalog.db")
			paths[t] = path
		}
		mu.Unlock()
		return open(t, path)
	})
}

// TestSharedFile writes through two stores on one file at once, as the CLI
// does beside a running server.
func TestSharedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "catalog.db")
	var (
		stores   [2]*sqlstore.Store
		openErrs [2]error
		wg       sync.WaitGroup
	)
	for i := range stores { // open at once: migrations race too
		wg.Go(func() { stores[i], openErrs[i] = sqlite.Open(t.Context(), path, sqlite.Config{Logger: logger(t)}) })
	}
	wg.Wait()
	for i, err := range openErrs {
		if err != nil {
			t.Fatalf("sqlite.Open %d of 2: %v", i+1, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}

	const perStore, writers, each = 2, 4, 10 // goroutines per store
	ctx := t.Context()
	var (
		mu   sync.Mutex
		nums []int
		errs []error
	)
	for si, s := range stores {
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					key := fmt.Sprintf("s%d-w%d-%d", si, w, i)
					out, err := s.CreateVersions(ctx, []store.NewVersion{{
						Dataset: "shared", Kind: store.KindIngest, InputKey: key, CreatedAt: time.Unix(int64(i), 0),
					}})
					if err == nil {
						_, err = s.Datasets(ctx) // reads beside the writes
					}
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						nums = append(nums, out[0].Version)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("write through one of two stores: %v", err)
	}
	slices.Sort(nums)
	var want []int
	for i := range perStore * writers * each {
		want = append(want, i+1)
	}
	if diff := cmp.Diff(want, nums); diff != "" {
		t.Errorf("version numbers (-want +got):\n%s", diff)
	}
	var n int
	if err := stores[0].DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if ups, _ := fs.Glob(sqlite.Dialect().Migrations, "*.up.sql"); n != len(ups) {
		t.Errorf("schema_migrations has %d rows after two concurrent opens, want one per migration", n)
	}
}

// TestPragmas checks the connection settings that sharing a file relies on.
func TestPragmas(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "catalog.db"))
	tests := []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, tt := range tests {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}

// TestOpenTooNew opens a database that a newer binary migrated.
func TestOpenTooNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "catalog.db")
	s := open(t, path)
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := sqlite.Open(t.Context(), path, sqlite.Config{})
	if err == nil {
		s2.Close()
		t.Fatal("sqlite.Open of a database at a newer migration: no error")
	}
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Errorf("sqlite.Open error = %v, want one wrapping sqlstore.ErrSchemaTooNew", err)
	}
	t.Logf("error: %v", err)
}

// TestMigrationsDown checks that the down migration undoes the up one.
func TestMigrationsDown(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "catalog.db"))
	ctx := t.Context()
	ups, err := fs.Glob(sqlite.Dialect().Migrations, "*.up.sql")
	if err != nil || len(ups) < 2 {
		t.Fatalf("migrations: %v, %v", ups, err)
	}
	var downs []string
	for i := len(ups) - 1; i >= 0; i-- {
		downs = append(downs, strings.TrimSuffix(ups[i], ".up.sql")+".down.sql")
	}
	// All down, all up again, all down: every down undoes its up.
	for _, f := range slices.Concat(downs, ups, downs) {
		b, err := fs.ReadFile(sqlite.Dialect().Migrations, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("run %s: %v", f, err)
		}
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name NOT IN ('schema_migrations')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d schema objects left after the down migration, want 0", n)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		cfg  sqlite.Config
		kind fault.Kind
	}{
		{"empty path", "", sqlite.Config{}, fault.KindInvalid},
		{"memory", ":memory:", sqlite.Config{}, fault.KindInvalid},
		{"negative timeout", filepath.Join(t.TempDir(), "x.db"), sqlite.Config{BusyTimeout: -time.Second}, fault.KindInvalid},
		{"no directory", filepath.Join(t.TempDir(), "missing", "x.db"), sqlite.Config{}, fault.KindUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), tt.path, tt.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("sqlite.Open(%q): no error", tt.path)
			}
			if k := fault.KindOf(err); k != tt.kind {
				t.Errorf("sqlite.Open(%q) error %v: kind %v, want %v", tt.path, err, k, tt.kind)
			}
		})
	}
}
