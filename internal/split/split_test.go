package split_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/split"
)

// setup ingests a table with an id column, a class column with a 70/20/10
// distribution, and a time column with ties.
func setup(t *testing.T) *app.App {
	t.Helper()
	a := catalogtest.New(t)
	var b strings.Builder
	b.WriteString("id,class,day\n")
	for i := 0; i < 1000; i++ {
		class := "a"
		switch {
		case i%10 == 0:
			class = "c"
		case i%10 < 3:
			class = "b"
		}
		// Days descend with ties: the split must sort, not take file order.
		fmt.Fprintf(&b, "%d,%s,2024-%02d-%02d\n", i, class, 12-(i/100), 1+(i%100)/4)
	}
	p := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(p, []byte(b.String()), 0o644)
	if _, err := a.Catalog.Add(context.Background(), p, catalog.AddOpts{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	return a
}

// column reads one column of a version, in order.
func column(t *testing.T, a *app.App, ref, col string) []string {
	t.Helper()
	v, err := a.Catalog.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := a.Catalog.Path(context.Background(), v)
	tab, err := a.Engine.Query(context.Background(), fmt.Sprintf("SELECT CAST(%s AS VARCHAR) FROM %s", dataengine.Ident(col), dataengine.Scan(p)))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(tab.Rows))
	for i, r := range tab.Rows {
		out[i] = r[0].(string)
	}
	return out
}

func count(xs []string) map[string]int {
	m := map[string]int{}
	for _, x := range xs {
		m[x]++
	}
	return m
}

// checkPartition checks that the parts' ids are disjoint, cover the source,
// and each keep the source's order.
func checkPartition(t *testing.T, a *app.App, parts []catalog.Version) {
	t.Helper()
	seen := map[string]bool{}
	total := 0
	for _, p := range parts {
		ids := column(t, a, fmt.Sprintf("%s@%d", p.Dataset, p.Number()), "id")
		if !sort.SliceIsSorted(ids, func(i, j int) bool { return atoi(ids[i]) < atoi(ids[j]) }) {
			t.Errorf("%s is not in source order", p.Dataset)
		}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("row %s is in two parts", id)
			}
			seen[id] = true
		}
		total += len(ids)
	}
	if total != 1000 || len(seen) != 1000 {
		t.Errorf("parts hold %d rows (%d distinct), want all 1000", total, len(seen))
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func TestRandom(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	res, err := split.Run(ctx, a.Catalog, "t", split.Opts{Test: 0.25, Valid: 0.1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var rows []int64
	for _, p := range res.Parts {
		names = append(names, p.Dataset)
		rows = append(rows, p.Rows)
		if len(p.Parents) != 1 || p.Parents[0].Dataset != "t" || p.Kind != "split" {
			t.Errorf("%s lineage = %+v kind %s, want parent t@1", p.Dataset, p.Parents, p.Kind)
		}
	}
	if diff := cmp.Diff([]string{"t_train", "t_valid", "t_test"}, names); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	// sklearn: n_test = ceil(0.25 * 1000), n_valid = ceil(0.1 * 1000).
	if diff := cmp.Diff([]int64{650, 100, 250}, rows); diff != "" {
		t.Errorf("part sizes (-want +got):\n%s", diff)
	}
	checkPartition(t, a, res.Parts)

	// Same seed: the same version (nothing new); another seed: other rows.
	snap := catalogtest.Take(t, a)
	again, err := split.Run(ctx, a.Catalog, "t", split.Opts{Test: 0.25, Valid: 0.1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Existing || again.Parts[2].ID != res.Parts[2].ID {
		t.Errorf("same split again: existing=%v, want the existing versions", again.Existing)
	}
	if diff := cmp.Diff(snap, catalogtest.Take(t, a)); diff != "" {
		t.Errorf("same split stored something:\n%s", diff)
	}
	other, err := split.Run(ctx, a.Catalog, "t", split.Opts{Test: 0.25, Valid: 0.1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if other.Parts[2].Number() != 2 {
		t.Errorf("another seed made t_test@%d, want @2", other.Parts[2].Number())
	}
	if cmp.Equal(column(t, a, "t_test@1", "id"), column(t, a, "t_test@2", "id")) {
		t.Error("seeds 3 and 4 chose the same test rows")
	}
}

// TestRandomReproducible pins the rows a seed chooses, so a change in the
// generator (which would change every user's splits) fails loudly.
func TestRandomReproducible(t *testing.T) {
	t.Parallel()
	a := setup(t)
	res, err := split.Run(context.Background(), a.Catalog, "t", split.Opts{Test: 0.01, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(column(t, a, fmt.Sprintf("t_test@%d", res.Parts[1].Number()), "id"), ",")
	const want = "157,170,218,238,249,408,569,639,846,944"
	if got != want {
		t.Errorf("test ids for seed 7 = %s, want %s", got, want)
	}
}

func TestStratified(t *testing.T) {
	t.Parallel()
	a := setup(t)
	res, err := split.Run(context.Background(), a.Catalog, "t", split.Opts{Test: 0.2, Valid: 0.1, Stratify: "class", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, a, res.Parts)
	// 1000 rows: a 700, b 200, c 100. Each part keeps exactly 70/20/10.
	want := []map[string]int{
		{"a": 490, "b": 140, "c": 70},
		{"a": 70, "b": 20, "c": 10},
		{"a": 140, "b": 40, "c": 20},
	}
	for i, p := range res.Parts {
		got := count(column(t, a, fmt.Sprintf("%s@%d", p.Dataset, p.Number()), "class"))
		if diff := cmp.Diff(want[i], got); diff != "" {
			t.Errorf("%s classes (-want +got):\n%s", p.Dataset, diff)
		}
	}
}

func TestStratifiedUneven(t *testing.T) {
	t.Parallel()
	a := setup(t)
	// 0.33 of 1000 = 330 test rows, shared by largest remainder:
	// a 231, b 66, c 33.
	res, err := split.Run(context.Background(), a.Catalog, "t", split.Opts{Test: 0.33, Stratify: "class", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := count(column(t, a, "t_test", "class"))
	if diff := cmp.Diff(map[string]int{"a": 231, "b": 66, "c": 33}, got); diff != "" {
		t.Errorf("test classes (-want +got):\n%s", diff)
	}
	if res.Parts[1].Rows != 330 {
		t.Errorf("test rows = %d, want 330", res.Parts[1].Rows)
	}
}

func TestTime(t *testing.T) {
	t.Parallel()
	a := setup(t)
	res, err := split.Run(context.Background(), a.Catalog, "t", split.Opts{Test: 0.2, Valid: 0.1, Time: "day"})
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, a, res.Parts)
	var prevMax string
	for i, p := range res.Parts {
		days := column(t, a, fmt.Sprintf("%s@%d", p.Dataset, p.Number()), "day")
		sort.Strings(days)
		if i > 0 && days[0] <= prevMax {
			t.Errorf("%s starts at %s, not after the previous part's last day %s", p.Dataset, days[0], prevMax)
		}
		prevMax = days[len(days)-1]
	}
	// Days run 2024-03-01..2024-12-25, four rows a day: ties at the cut
	// go to the later part, so test holds exactly the 200 latest rows.
	if res.Parts[2].Rows != 200 || res.Parts[1].Rows != 100 {
		t.Errorf("valid/test rows = %d/%d, want 100/200", res.Parts[1].Rows, res.Parts[2].Rows)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	a := setup(t)
	before := catalogtest.Take(t, a)
	tests := []struct {
		name string
		ref  string
		o    split.Opts
		want string
	}{
		{"no test", "t", split.Opts{}, "--test 0"},
		{"too much", "t", split.Opts{Test: 0.6, Valid: 0.5}, "leave no rows for training"},
		{"both", "t", split.Opts{Test: 0.2, Stratify: "class", Time: "day"}, "cannot be combined"},
		{"unknown column", "t", split.Opts{Test: 0.2, Stratify: "nope"}, `no column "nope"`},
		{"bad time column", "t", split.Opts{Test: 0.2, Time: "class"}, "want a date, timestamp or numeric column"},
		{"unknown dataset", "zz", split.Opts{Test: 0.2}, `dataset "zz" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := split.Run(context.Background(), a.Catalog, tc.ref, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error containing %q", err, tc.want)
			}
			if k := fault.KindOf(err); k != fault.KindInvalid && k != fault.KindNotFound {
				t.Errorf("kind = %v, want invalid or not_found", k)
			}
			if diff := cmp.Diff(before, catalogtest.Take(t, a)); diff != "" {
				t.Errorf("a failed split changed the project:\n%s", diff)
			}
		})
	}
}
