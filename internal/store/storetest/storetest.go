// Package storetest is the conformance suite for metadata store drivers:
// every driver of store.Store runs Run, so that they agree on behaviour, not
// only on method signatures.
//
// A driver's test calls it with a function that opens a store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			... open a store on the database for t ...
//		})
//	}
//
// open must return a store on an empty database of its own for each t, and
// a store on the same database when called again with the same t (the
// suite reopens stores). It fails t if it cannot open, and closes what it
// opened in t.Cleanup; the suite may close a store itself first. The
// subtests run in parallel, so open must be safe for concurrent use.
//
// Stores returned by open that implement Migrator are also checked to
// refuse a database migrated by a newer binary.
package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// Migrator is an optional capability of a store whose schema is versioned
// by numbered migrations recorded in a schema_migrations (version, name)
// table. The suite uses it to check that a database migrated by a newer
// binary is refused; stores without it skip that test.
type Migrator interface {
	// Migrate applies pending migrations, or fails if the database has
	// migrations that the store does not know.
	Migrate(ctx context.Context) error
	// DB is the store's database.
	DB() *sql.DB
}

// Run runs the conformance suite as parallel subtests of t.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"Driver", testDriver},
		{"CreateAndRead", testCreateAndRead},
		{"Numbering", testNumbering},
		{"Latest", testLatest},
		{"NotFound", testNotFound},
		{"Duplicate", testDuplicate},
		{"UnknownParent", testUnknownParent},
		{"Invalid", testInvalid},
		{"Lineage", testLineage},
		{"Datasets", testDatasets},
		{"VersionByInput", testVersionByInput},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentDuplicate", testConcurrentDuplicate},
		{"Reopen", testReopen},
		{"SchemaTooNew", testSchemaTooNew},
		{"Runs", testRuns},
		{"RunErrors", testRunErrors},
		{"ConcurrentRuns", testConcurrentRuns},
		{"Feedback", testFeedback},
		{"Schedules", testSchedules},
		{"Alarms", testAlarms},
		{"RetrainPolicies", testRetrainPolicies},
		{"Registry", testRegistry},
		{"Endpoints", testEndpoints},
		{"ConcurrentRegister", testConcurrentRegister},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// created is the time of the first version made by newVersion: not UTC,
// with nanoseconds, to check that stores keep the instant to the
// microsecond.
var created = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+2", 2*60*60))

// newVersion returns a NewVersion with every field set. n varies the
// values.
func newVersion(dataset, inputKey string, n int) store.NewVersion {
	return store.NewVersion{
		Dataset:     dataset,
		Kind:        store.KindIngest,
		ContentHash: fmt.Sprintf("%064x", n+1),
		InputKey:    inputKey,
		Schema:      []byte(fmt.Sprintf(`{"columns": [{"name": "x", "type": "float64"}, {"name": "y%d", "type": "string"}], "a": true}`, n)),
		Rows:        int64(100 + n),
		Bytes:       int64(4096 + n),
		Source:      fmt.Sprintf("file:///data/%s-%d.csv", dataset, n),
		Options:     []byte(`{"delimiter": ",", "header": true}`),
		ArtifactKey: fmt.Sprintf("datasets/%s/%s.parquet", dataset, inputKey),
		CreatedAt:   created.Add(time.Duration(n) * time.Minute),
	}
}

// want returns the Version a store should record for nv.
func want(nv store.NewVersion, id int64, version int, parents ...store.Parent) store.Version {
	return store.Version{
		ID:          id,
		Dataset:     nv.Dataset,
		Version:     version,
		Kind:        nv.Kind,
		ContentHash: nv.ContentHash,
		InputKey:    nv.InputKey,
		Schema:      nv.Schema,
		Rows:        nv.Rows,
		Bytes:       nv.Bytes,
		Source:      nv.Source,
		Options:     nv.Options,
		ArtifactKey: nv.ArtifactKey,
		CreatedAt:   nv.CreatedAt,
		Parents:     parents,
	}
}

// asRecorded compares what a store returns with what was given to it:
// JSON as JSON (a store may normalise it), times to the microsecond, nil
// and empty slices alike.
var asRecorded = cmp.Options{
	cmp.Comparer(jsonEqual),
	cmpopts.EquateApproxTime(time.Microsecond),
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().Type() != bytesType }, cmpopts.EquateEmpty()),
}

var bytesType = reflect.TypeFor[[]byte]()

// same compares two results of a store: they must be identical, except
// that nil and empty slices are alike.
var same = cmp.Options{cmpopts.EquateEmpty()}

func jsonEqual(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// create calls CreateVersions and fails t on error.
func create(t *testing.T, s store.Store, vs ...store.NewVersion) []store.Version {
	t.Helper()
	got, err := s.CreateVersions(t.Context(), vs)
	if err != nil {
		t.Fatalf("CreateVersions(%d versions) error: %v", len(vs), err)
	}
	if len(got) != len(vs) {
		t.Fatalf("CreateVersions(%d versions) returned %d versions", len(vs), len(got))
	}
	return got
}

// numbers returns the version numbers of vs.
func numbers(vs []store.Version) []int {
	ns := make([]int, len(vs))
	for i, v := range vs {
		ns[i] = v.Version
	}
	return ns
}

func seq(from, to int) []int {
	var ns []int
	for i := from; i <= to; i++ {
		ns = append(ns, i)
	}
	return ns
}

func testDriver(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	if s.Driver() == "" {
		t.Errorf("Driver() = %q, want a name", s.Driver())
	}
}

func testCreateAndRead(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)

	in1 := newVersion("iris", "k1", 0)
	v1 := create(t, s, in1)[0]
	if v1.ID == 0 {
		t.Fatalf("CreateVersions: ID = 0, want an ID")
	}
	if diff := cmp.Diff(want(in1, v1.ID, 1), v1, asRecorded); diff != "" {
		t.Errorf("CreateVersions(%s) mismatch (-want +got):\n%s", in1.InputKey, diff)
	}

	// A derived version: no Schema or Options, one parent.
	in2 := newVersion("iris_clean", "k2", 1)
	in2.Kind = store.KindPrep
	in2.Schema, in2.Options = nil, nil
	in2.Parents = []store.Parent{{VersionID: v1.ID, Role: "input"}}
	v2 := create(t, s, in2)[0]
	wantParents := []store.Parent{{VersionID: v1.ID, Dataset: "iris", Version: 1, Role: "input"}}
	if diff := cmp.Diff(want(in2, v2.ID, 1, wantParents...), v2, asRecorded); diff != "" {
		t.Errorf("CreateVersions(%s) mismatch (-want +got):\n%s", in2.InputKey, diff)
	}
	if v2.Schema != nil || v2.Options != nil {
		t.Errorf("CreateVersions(%s): Schema, Options = %q, %q, want nil, nil", in2.InputKey, v2.Schema, v2.Options)
	}

	// Every read returns exactly what CreateVersions returned.
	for _, v := range []store.Version{v1, v2} {
		reads := map[string]func() (store.Version, error){
			"Version":         func() (store.Version, error) { return s.Version(ctx, v.Dataset, v.Version) },
			"Version(latest)": func() (store.Version, error) { return s.Version(ctx, v.Dataset, 0) },
			"VersionByID":     func() (store.Version, error) { return s.VersionByID(ctx, v.ID) },
			"VersionByInput":  func() (store.Version, error) { return s.VersionByInput(ctx, v.Dataset, v.InputKey) },
			"Versions": func() (store.Version, error) {
				vs, err := s.Versions(ctx, v.Dataset)
				if err != nil || len(vs) != 1 {
					return store.Version{}, fmt.Errorf("got %d versions, error %v; want 1", len(vs), err)
				}
				return vs[0], nil
			},
		}
		for name, read := range reads {
			got, err := read()
			if err != nil {
				t.Errorf("%s of %s v%d: %v", name, v.Dataset, v.Version, err)
				continue
			}
			if diff := cmp.Diff(v, got, same); diff != "" {
				t.Errorf("%s of %s v%d mismatch (-created +read):\n%s", name, v.Dataset, v.Version, diff)
			}
		}
	}
}

func testNumbering(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)

	a1 := create(t, s, newVersion("a", "a1", 0))
	b1 := create(t, s, newVersion("b", "b1", 1))
	// One call, two datasets, two versions of one of them.
	mixed := create(t, s, newVersion("a", "a2", 2), newVersion("b", "b2", 3), newVersion("a", "a3", 4))
	c1 := create(t, s, newVersion("c", "c1", 5))

	got := numbers(slices.Concat(a1, b1, mixed, c1))
	if diff := cmp.Diff([]int{1, 1, 2, 2, 3, 1}, got); diff != "" {
		t.Errorf("version numbers mismatch (-want +got):\n%s", diff)
	}
	for name, want := range map[string][]int{"a": {1, 2, 3}, "b": {1, 2}, "c": {1}} {
		vs, err := s.Versions(ctx, name)
		if err != nil {
			t.Fatalf("Versions(%q): %v", name, err)
		}
		if diff := cmp.Diff(want, numbers(vs)); diff != "" {
			t.Errorf("Versions(%q) numbers mismatch (-want +got):\n%s", name, diff)
		}
	}
	ids := map[int64]bool{}
	for _, v := range slices.Concat(a1, b1, mixed, c1) {
		if ids[v.ID] {
			t.Errorf("ID %d given to two versions", v.ID)
		}
		ids[v.ID] = true
	}
}

func testLatest(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	var last store.Version
	for i := range 3 {
		last = create(t, s, newVersion("d", fmt.Sprintf("k%d", i), i))[0]
		got, err := s.Version(ctx, "d", 0)
		if err != nil {
			t.Fatalf("Version(d, 0) after %d versions: %v", i+1, err)
		}
		if diff := cmp.Diff(last, got, same); diff != "" {
			t.Errorf("Version(d, 0) after %d versions mismatch (-want +got):\n%s", i+1, diff)
		}
	}
	if last.Version != 3 {
		t.Errorf("third version of d: Version = %d, want 3", last.Version)
	}
	if _, err := s.Version(ctx, "d", -1); fault.KindOf(err) != fault.KindInvalid {
		t.Errorf("Version(d, -1) error = %v (kind %v), want kind %v", err, fault.KindOf(err), fault.KindInvalid)
	}
}

func testNotFound(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	v := create(t, s, newVersion("known", "k1", 0))[0]

	tests := []struct {
		name string
		call func() error
	}{
		{"Version/unknown dataset/latest", func() error { _, err := s.Version(ctx, "unknown", 0); return err }},
		{"Version/unknown dataset", func() error { _, err := s.Version(ctx, "unknown", 1); return err }},
		{"Version/unknown version", func() error { _, err := s.Version(ctx, "known", 2); return err }},
		{"VersionByID", func() error { _, err := s.VersionByID(ctx, v.ID+1000); return err }},
		{"VersionByInput/unknown dataset", func() error { _, err := s.VersionByInput(ctx, "unknown", "k1"); return err }},
		{"VersionByInput/unknown key", func() error { _, err := s.VersionByInput(ctx, "known", "k2"); return err }},
		{"Versions", func() error { _, err := s.Versions(ctx, "unknown"); return err }},
		{"Children", func() error { _, err := s.Children(ctx, v.ID+1000); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("error = %v, want one wrapping store.ErrNotFound", err)
			}
			if got := fault.KindOf(err); got != fault.KindNotFound {
				t.Errorf("fault.KindOf(%v) = %v, want %v", err, got, fault.KindNotFound)
			}
		})
	}
}

// assertOnly checks that the store holds exactly the datasets and
// versions in want (dataset name -> input keys, oldest first).
func assertOnly(t *testing.T, s store.Store, want map[string][]string) {
	t.Helper()
	ctx := t.Context()
	ds, err := s.Datasets(ctx)
	if err != nil {
		t.Fatalf("Datasets: %v", err)
	}
	got := map[string][]string{}
	for _, d := range ds {
		vs, err := s.Versions(ctx, d.Name)
		if err != nil {
			t.Fatalf("Versions(%q): %v", d.Name, err)
		}
		got[d.Name] = []string{}
		for _, v := range vs {
			got[d.Name] = append(got[d.Name], v.InputKey)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("store holds (-want +got):\n%s", diff)
	}
}

func testDuplicate(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	first := create(t, s, newVersion("a", "k1", 0))[0]

	tests := []struct {
		name string
		vs   []store.NewVersion
	}{
		{"alone", []store.NewVersion{newVersion("a", "k1", 1)}},
		{"second of two", []store.NewVersion{newVersion("a", "k2", 1), newVersion("a", "k1", 2)}},
		{"after a new dataset", []store.NewVersion{newVersion("fresh", "k1", 1), newVersion("a", "k1", 2)}},
		{"within the call", []store.NewVersion{newVersion("a", "k3", 1), newVersion("a", "k3", 2)}},
		{"with a parent", []store.NewVersion{
			func() store.NewVersion {
				nv := newVersion("b", "k1", 1)
				nv.Parents = []store.Parent{{VersionID: first.ID, Role: "input"}}
				return nv
			}(),
			newVersion("a", "k1", 2),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CreateVersions(t.Context(), tt.vs)
			if !errors.Is(err, store.ErrDuplicate) {
				t.Fatalf("CreateVersions = %d versions, error %v; want an error wrapping store.ErrDuplicate", len(got), err)
			}
			if k := fault.KindOf(err); k != fault.KindConflict {
				t.Errorf("fault.KindOf(%v) = %v, want %v", err, k, fault.KindConflict)
			}
			assertOnly(t, s, map[string][]string{"a": {"k1"}})
			children, err := s.Children(t.Context(), first.ID)
			if err != nil || len(children) != 0 {
				t.Errorf("Children(%d) = %d versions, error %v; want none", first.ID, len(children), err)
			}
		})
	}
	// Nothing that failed took a version number.
	if v := create(t, s, newVersion("a", "k2", 3))[0]; v.Version != 2 {
		t.Errorf("version after the failed calls: Version = %d, want 2", v.Version)
	}
}

func testUnknownParent(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	a := create(t, s, newVersion("a", "k1", 0))[0]
	withParent := func(dataset, key string, id int64) store.NewVersion {
		nv := newVersion(dataset, key, 1)
		nv.Kind = store.KindPrep
		nv.Parents = []store.Parent{{VersionID: id, Role: "input"}}
		return nv
	}
	tests := []struct {
		name string
		vs   []store.NewVersion
	}{
		{"alone", []store.NewVersion{withParent("b", "k1", a.ID+1000)}},
		{"second of two", []store.NewVersion{withParent("b", "k1", a.ID), withParent("c", "k1", a.ID+1000)}},
		{"second parent", []store.NewVersion{func() store.NewVersion {
			nv := withParent("a", "k2", a.ID)
			nv.Parents = append(nv.Parents, store.Parent{VersionID: a.ID + 1000, Role: "join"})
			return nv
		}()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CreateVersions(t.Context(), tt.vs)
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("CreateVersions = %d versions, error %v; want an error wrapping store.ErrNotFound", len(got), err)
			}
			if k := fault.KindOf(err); k != fault.KindNotFound {
				t.Errorf("fault.KindOf(%v) = %v, want %v", err, k, fault.KindNotFound)
			}
			assertOnly(t, s, map[string][]string{"a": {"k1"}})
			children, err := s.Children(t.Context(), a.ID)
			if err != nil || len(children) != 0 {
				t.Errorf("Children(%d) = %d versions, error %v; want none", a.ID, len(children), err)
			}
		})
	}
}

func testInvalid(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	a := create(t, s, newVersion("a", "k1", 0))[0]
	edit := func(f func(nv *store.NewVersion)) []store.NewVersion {
		nv := newVersion("a", "k2", 1)
		f(&nv)
		return []store.NewVersion{newVersion("b", "k1", 2), nv}
	}
	tests := []struct {
		name string
		vs   []store.NewVersion
	}{
		{"no dataset", edit(func(nv *store.NewVersion) { nv.Dataset = "" })},
		{"no kind", edit(func(nv *store.NewVersion) { nv.Kind = "" })},
		{"no input key", edit(func(nv *store.NewVersion) { nv.InputKey = "" })},
		{"schema not JSON", edit(func(nv *store.NewVersion) { nv.Schema = []byte("{") })},
		{"options not JSON", edit(func(nv *store.NewVersion) { nv.Options = []byte("x") })},
		{"parent without role", edit(func(nv *store.NewVersion) { nv.Parents = []store.Parent{{VersionID: a.ID}} })},
		{"parent twice", edit(func(nv *store.NewVersion) {
			nv.Parents = []store.Parent{{VersionID: a.ID, Role: "input"}, {VersionID: a.ID, Role: "input"}}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CreateVersions(t.Context(), tt.vs)
			if k := fault.KindOf(err); k != fault.KindInvalid {
				t.Fatalf("CreateVersions = %d versions, error %v (kind %v); want kind %v", len(got), err, k, fault.KindInvalid)
			}
			if !strings.Contains(err.Error(), "vs[1]") {
				t.Errorf("error %q does not name the field vs[1]", err)
			}
			assertOnly(t, s, map[string][]string{"a": {"k1"}})
		})
	}
	if got, err := s.CreateVersions(t.Context(), nil); err != nil || len(got) != 0 {
		t.Errorf("CreateVersions(nil) = %d versions, %v; want none, nil", len(got), err)
	}
}

func testLineage(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	a := create(t, s, newVersion("a", "k1", 0))[0]
	b := create(t, s, newVersion("b", "k1", 1))[0]

	joined := newVersion("c", "k1", 2)
	joined.Kind = store.KindPrep
	// b first: parents keep the order they were given in.
	joined.Parents = []store.Parent{{VersionID: b.ID, Role: "input"}, {VersionID: a.ID, Role: "join"}}
	split := func(part string, n int) store.NewVersion {
		nv := newVersion(part, "k1", n)
		nv.Kind = store.KindSplit
		nv.Parents = []store.Parent{{VersionID: a.ID, Role: "input"}}
		return nv
	}
	c := create(t, s, joined)[0]
	parts := create(t, s, split("a_train", 3), split("a_test", 4))

	wantParents := []store.Parent{
		{VersionID: b.ID, Dataset: "b", Version: 1, Role: "input"},
		{VersionID: a.ID, Dataset: "a", Version: 1, Role: "join"},
	}
	if diff := cmp.Diff(wantParents, c.Parents); diff != "" {
		t.Errorf("CreateVersions: Parents mismatch (-want +got):\n%s", diff)
	}
	got, err := s.Version(ctx, "c", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantParents, got.Parents); diff != "" {
		t.Errorf("Version(c, 1): Parents mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		id   int64
		want []store.Version
	}{
		{a.ID, []store.Version{c, parts[0], parts[1]}},
		{b.ID, []store.Version{c}},
		{c.ID, nil},
		{parts[0].ID, nil},
	}
	for _, tt := range tests {
		got, err := s.Children(ctx, tt.id)
		if err != nil {
			t.Errorf("Children(%d): %v", tt.id, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, same); diff != "" {
			t.Errorf("Children(%d) mismatch (-want +got):\n%s", tt.id, diff)
		}
	}

	vs, err := s.Versions(ctx, "a_test")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Version{parts[1]}, vs, same); diff != "" {
		t.Errorf("Versions(a_test) mismatch (-want +got):\n%s", diff)
	}
}

func testDatasets(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	ds, err := s.Datasets(ctx)
	if err != nil || len(ds) != 0 {
		t.Fatalf("Datasets() of an empty store = %v, %v; want none, nil", ds, err)
	}

	zeta := newVersion("zeta", "k1", 0)
	alpha1 := newVersion("alpha", "k1", 1)
	alpha2 := newVersion("alpha", "k2", 2)
	alpha2.Rows, alpha2.Bytes = 7, 70
	mid := newVersion("mid", "k1", 3)
	create(t, s, zeta)
	create(t, s, alpha1)
	create(t, s, mid, alpha2)

	got, err := s.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Dataset{
		{Name: "alpha", CreatedAt: alpha1.CreatedAt, Latest: 2, LatestRows: 7, LatestBytes: 70},
		{Name: "mid", CreatedAt: mid.CreatedAt, Latest: 1, LatestRows: mid.Rows, LatestBytes: mid.Bytes},
		{Name: "zeta", CreatedAt: zeta.CreatedAt, Latest: 1, LatestRows: zeta.Rows, LatestBytes: zeta.Bytes},
	}
	if diff := cmp.Diff(want, got, asRecorded, cmpopts.IgnoreFields(store.Dataset{}, "ID")); diff != "" {
		t.Errorf("Datasets() mismatch (-want +got):\n%s", diff)
	}
	ids := map[int64]bool{}
	for _, d := range got {
		if d.ID == 0 || ids[d.ID] {
			t.Errorf("Datasets(): %s has ID %d, want a distinct non-zero ID", d.Name, d.ID)
		}
		ids[d.ID] = true
	}
}

func testVersionByInput(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	// The same input key in two datasets is two versions.
	vs := create(t, s, newVersion("a", "k1", 0), newVersion("a", "k2", 1), newVersion("b", "k1", 2))
	for _, v := range vs {
		got, err := s.VersionByInput(ctx, v.Dataset, v.InputKey)
		if err != nil {
			t.Errorf("VersionByInput(%s, %s): %v", v.Dataset, v.InputKey, err)
			continue
		}
		if diff := cmp.Diff(v, got, same); diff != "" {
			t.Errorf("VersionByInput(%s, %s) mismatch (-want +got):\n%s", v.Dataset, v.InputKey, diff)
		}
	}
}

func testConcurrentCreate(t *testing.T, open func(t *testing.T) store.Store) {
	const writers, each = 8, 5
	ctx := t.Context()
	s := open(t)

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		got  []store.Version
		errs []error
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Every second call also writes a dataset of its own.
				vs := []store.NewVersion{newVersion("shared", fmt.Sprintf("w%d-%d", w, i), i)}
				if i%2 == 1 {
					vs = append(vs, newVersion(fmt.Sprintf("own%d", w), fmt.Sprintf("%d", i), i))
				}
				out, err := s.CreateVersions(ctx, vs)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					got = append(got, out[0])
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent CreateVersions: %v", err)
	}
	ns := numbers(got)
	slices.Sort(ns)
	if diff := cmp.Diff(seq(1, writers*each), ns); diff != "" {
		t.Errorf("version numbers from concurrent writers (-want +got):\n%s", diff)
	}
	vs, err := s.Versions(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seq(1, writers*each), numbers(vs)); diff != "" {
		t.Errorf("Versions(shared) numbers (-want +got):\n%s", diff)
	}
	for w := range writers {
		vs, err := s.Versions(ctx, fmt.Sprintf("own%d", w))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(seq(1, each/2), numbers(vs)); diff != "" {
			t.Errorf("Versions(own%d) numbers (-want +got):\n%s", w, diff)
		}
	}
}

func testConcurrentDuplicate(t *testing.T, open func(t *testing.T) store.Store) {
	const writers = 8
	ctx := t.Context()
	s := open(t)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			_, errs[w] = s.CreateVersions(ctx, []store.NewVersion{newVersion("same", "k1", w)})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrDuplicate):
			t.Errorf("concurrent CreateVersions of one input: %v, want nil or store.ErrDuplicate", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent CreateVersions of one input succeeded, want 1", ok, writers)
	}
	assertOnly(t, s, map[string][]string{"same": {"k1"}})
}

func testReopen(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	v1 := create(t, s, newVersion("a", "k1", 0))[0]
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for i := range 2 { // migrations are idempotent
		s = open(t)
		got, err := s.Version(ctx, "a", 1)
		if err != nil {
			t.Fatalf("reopen %d: Version(a, 1): %v", i+1, err)
		}
		if diff := cmp.Diff(v1, got, same); diff != "" {
			t.Errorf("reopen %d: Version(a, 1) mismatch (-before +after):\n%s", i+1, diff)
		}
		if i == 0 {
			if v := create(t, s, newVersion("a", "k2", 1))[0]; v.Version != 2 {
				t.Errorf("reopen: next version = %d, want 2", v.Version)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func testSchemaTooNew(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	m, ok := s.(Migrator)
	if !ok {
		t.Skipf("%T does not implement storetest.Migrator", s)
	}
	if err := m.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated database: %v", err)
	}
	if _, err := m.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (99999, '99999_from_a_newer_binary')`); err != nil {
		t.Fatalf("record a newer migration: %v", err)
	}
	err := m.Migrate(ctx)
	if err == nil {
		t.Fatalf("Migrate on a database migrated by a newer binary: no error")
	}
	if !strings.Contains(err.Error(), "99999") {
		t.Errorf("Migrate error %q does not name the database's migration 99999", err)
	}
}
