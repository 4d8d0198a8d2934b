// Package catalogtest sets up real catalogs for tests: a project in
// t.TempDir() with the embedded SQLite store, the file artifact store and
// DuckDB, opened through app exactly as the CLI opens them.
package catalogtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/config"
)

// New creates a project in a temporary directory and opens it. It is
// closed when the test ends.
func New(t testing.TB) *app.App {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Init(filepath.Join(dir, "proj"), "test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, app.Deps{Clock: clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Snapshot is the visible state of a project: catalog rows and stored
// objects.
type Snapshot struct {
	Datasets []string // "name@latest rows"
	Versions int
	Objects  []string // artifact keys
	Scratch  []string // files left in scratch space
}

// Take records the state of a project.
func Take(t testing.TB, a *app.App) Snapshot {
	t.Helper()
	ctx := context.Background()
	var s Snapshot
	ds, err := a.Catalog.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		s.Datasets = append(s.Datasets, d.Name)
		s.Versions += d.Latest
	}
	if s.Objects, err = a.Blob.List(ctx, ""); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(a.Config.ScratchDir(), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			s.Scratch = append(s.Scratch, p)
		}
		return nil
	})
	sort.Strings(s.Scratch)
	return s
}

// SharedDatasets returns the path of ../shared/datasets relative to the
// repository root, skipping the test when it is absent (a clone without
// the shared folder).
func SharedDatasets(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	p := filepath.Join(root, "..", "shared", "datasets")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared datasets not found at %s: clone with ../shared beside the repository to run this test", p)
	}
	return p
}

// Testdata returns the path of the repository's testdata directory.
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata")
}
