package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// The store itself is tested by storetest.Run in the sqlite and postgres
// packages; these are the parts that need no database.

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p          Placeholder
		query, out string
	}{
		{Question, "SELECT ? WHERE a = ?", "SELECT ? WHERE a = ?"},
		{Dollar, "SELECT ? WHERE a = ?", "SELECT $1 WHERE a = $2"},
		{Dollar, "SELECT 'a?b', ? FROM t", "SELECT 'a?b', $1 FROM t"},
		{Dollar, "SELECT 'it''s?', ?", "SELECT 'it''s?', $1"},
		{Dollar, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		d := &Dialect{Placeholder: tt.p}
		if got := d.rebind(tt.query); got != tt.out {
			t.Errorf("rebind(%v, %q) = %q, want %q", tt.p, tt.query, got, tt.out)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ok := fstest.MapFS{
		"0002_more.up.sql":      file("B"),
		"0002_more.down.sql":    file("b"),
		"0001_catalog.up.sql":   file("A"),
		"0001_catalog.down.sql": file("a"),
	}
	ms, err := loadMigrations(ok)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) != 2 || ms[0].name != "0001_catalog" || ms[0].up != "A" || ms[1].version != 2 || ms[1].up != "B" {
		t.Errorf("loadMigrations = %+v, want 0001_catalog (A), 0002_more (B)", ms)
	}

	bad := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty", fstest.MapFS{}, "no migrations"},
		{"gap", fstest.MapFS{"0002_x.up.sql": file(""), "0002_x.down.sql": file("")}, "want version 1"},
		{"no down", fstest.MapFS{"0001_x.up.sql": file("")}, "missing 0001_x.down.sql"},
		{"no up", fstest.MapFS{"0001_x.up.sql": file(""), "0001_x.down.sql": file(""), "0002_y.down.sql": file("")}, "without .up.sql"},
		{"two ups", fstest.MapFS{"0001_x.up.sql": file(""), "0001_y.up.sql": file(""), "0001_x.down.sql": file("")}, "two files"},
		{"stray file", fstest.MapFS{"README.md": file("")}, "want NNNN_name"},
	}
	for _, tt := range bad {
		_, err := loadMigrations(tt.fsys)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loadMigrations(%s) error = %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := store.NewVersion{Dataset: "a", Kind: store.KindIngest, InputKey: "k", Schema: []byte(`{}`)}
	if err := validate([]store.NewVersion{good}); err != nil {
		t.Errorf("validate(good) = %v, want nil", err)
	}
	bad := good
	bad.Dataset, bad.Kind, bad.Rows, bad.Options = "", "", -1, []byte("{")
	bad.Parents = []store.Parent{{VersionID: 0, Role: ""}}
	err := validate([]store.NewVersion{good, bad})
	if fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("validate(bad) = %v, want a KindInvalid error", err)
	}
	for _, want := range []string{"vs[1].Dataset", "vs[1].Kind", "vs[1].Rows", "vs[1].Options", "vs[1].Parents[0].VersionID", "vs[1].Parents[0].Role"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validate(bad) = %q, want it to name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "vs[0]") {
		t.Errorf("validate(bad) = %q names the valid vs[0]", err)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt := 1; attempt <= 20; attempt++ {
		d := backoff(attempt)
		if d < time.Millisecond || d > 100*time.Millisecond {
			t.Errorf("backoff(%d) = %v, want within [1ms, 100ms]", attempt, d)
		}
	}
}

func TestStoredTime(t *testing.T) {
	t.Parallel()
	in := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+2", 2*60*60))
	want := time.Date(2024, 5, 6, 5, 8, 9, 123456000, time.UTC)
	got := storedTime(in)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("storedTime(%v) = %v, want %v", in, got, want)
	}
	var scanned time.Time
	for _, src := range []any{want, "2024-05-06T05:08:09.123456Z", []byte("2024-05-06T07:08:09.123456+02:00")} {
		if err := (timeScanner{&scanned}).Scan(src); err != nil || !scanned.Equal(want) {
			t.Errorf("timeScanner.Scan(%v) = %v, %v; want %v", src, scanned, err, want)
		}
	}
	if err := (timeScanner{&scanned}).Scan(int64(1)); err == nil {
		t.Errorf("timeScanner.Scan(int64) = nil error, want one")
	}
}
