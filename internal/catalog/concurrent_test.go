package catalog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/fault"
)

// TestAddConcurrentSameInput races several ingests of the same file: all
// succeed, and exactly one version and one object exist afterwards.
func TestAddConcurrentSameInput(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	p := write(t, t.TempDir(), "same.csv", []byte("a,b\n1,2\n3,4\n5,6\n"))
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	errs := make([]error, 4)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := a.Catalog.Add(ctx, p, catalog.AddOpts{Name: "same"})
			ids[i], errs[i] = r.ID, err
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Add #%d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("Add #%d gave version id %d, #0 gave %d", i, ids[i], ids[0])
		}
	}
	snap := catalogtest.Take(t, a)
	if snap.Versions != 1 || len(snap.Objects) != 1 || len(snap.Scratch) != 0 {
		t.Errorf("after racing adds: %d versions, objects %v, scratch %v; want 1, one object, none", snap.Versions, snap.Objects, snap.Scratch)
	}
}

// TestAddFromURL ingests through a file:// URL, the object-store path.
func TestAddFromURL(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	p := write(t, t.TempDir(), "u.csv", []byte("a,b\n1,2\n"))
	r, err := a.Catalog.Add(context.Background(), "file://"+filepath.ToSlash(p), catalog.AddOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Dataset != "u" || r.Rows != 1 || r.Source != "file://"+p {
		t.Errorf("Add(file://) = %s rows %d source %s", r.Dataset, r.Rows, r.Source)
	}
	_, err = a.Catalog.Add(context.Background(), "ftp://host/x.csv", catalog.AddOpts{})
	if fault.KindOf(err) != fault.KindInvalid || !strings.Contains(fmt.Sprint(err), `unsupported scheme "ftp"`) {
		t.Errorf("Add(ftp://) = %v, want an invalid error naming the scheme", err)
	}
}
