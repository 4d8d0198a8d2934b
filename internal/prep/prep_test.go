package prep_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/prep"
)

func setup(t *testing.T) *app.App {
	t.Helper()
	a := catalogtest.New(t)
	ctx := context.Background()
	td := catalogtest.Testdata()
	for name, file := range map[string]string{"credit": "datasets/credit_data.csv", "home_risk": "prep/home_risk.csv"} {
		if _, err := a.Catalog.Add(ctx, filepath.Join(td, file), catalog.AddOpts{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func parseFile(t *testing.T, path string) *prep.Recipe {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := prep.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRunMatchesPandas runs a recipe that uses most step kinds on
// credit_data and compares the result with pandas (testdata/prep/
// make_reference.py, pandas 1.5.3): row count, per-column non-missing
// counts and sums to 1e-9 relative, and the first five values.
func TestRunMatchesPandas(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	td := catalogtest.Testdata()
	r := parseFile(t, filepath.Join(td, "prep", "credit_recipe.yaml"))
	res, err := prep.Run(ctx, a.Catalog, "credit", r, "credit_clean")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Rows    int64 `json:"rows"`
		Columns map[string]struct {
			Count int64    `json:"count"`
			Sum   *float64 `json:"sum"`
			Head  []any    `json:"head"`
		} `json:"columns"`
	}
	b, err := os.ReadFile(filepath.Join(td, "prep", "credit_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if res.Rows != ref.Rows {
		t.Errorf("rows = %d, want %d (pandas)", res.Rows, ref.Rows)
	}
	wantNames := []string{"status", "seniority", "home", "term", "age", "marital", "records", "job", "income", "assets", "debt", "amount", "debt_ratio", "risk", "region"}
	if diff := cmp.Diff(wantNames, res.Schema().Names()); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	wantTypes := map[string]string{"seniority": "float", "income": "float", "debt": "float", "debt_ratio": "float", "age": "integer", "home": "categorical", "risk": "float", "region": "categorical"}
	for _, c := range res.Columns {
		if w, ok := wantTypes[c.Name]; ok && c.Type != w {
			t.Errorf("type of %s = %s, want %s", c.Name, c.Type, w)
		}
	}
	path, err := a.Catalog.Path(ctx, res.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Columns {
		want := ref.Columns[c.Name]
		num := c.Type == dataengine.TypeInteger || c.Type == dataengine.TypeFloat
		sum := "NULL"
		if num {
			sum = fmt.Sprintf("sum(%s)::DOUBLE", dataengine.Ident(c.Name))
		}
		tab, err := a.Engine.Query(ctx, fmt.Sprintf("SELECT count(%s), %s FROM %s", dataengine.Ident(c.Name), sum, dataengine.Scan(path)))
		if err != nil {
			t.Fatal(err)
		}
		if got := tab.Rows[0][0].(int64); got != want.Count {
			t.Errorf("count(%s) = %d, want %d", c.Name, got, want.Count)
		}
		if num {
			got := tab.Rows[0][1].(float64)
			if want.Sum == nil || math.Abs(got-*want.Sum) > 1e-9*math.Abs(*want.Sum) {
				t.Errorf("sum(%s) = %.12g, want %v", c.Name, got, want.Sum)
			}
		}
		head, err := a.Engine.Query(ctx, fmt.Sprintf("SELECT %s FROM %s LIMIT 5", dataengine.Ident(c.Name), dataengine.Scan(path)))
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range head.Rows {
			if !same(row[0], want.Head[i]) {
				t.Errorf("%s row %d = %v, want %v", c.Name, i, row[0], want.Head[i])
			}
		}
	}
	// Lineage: the input and the joined dataset, with the recipe hash.
	if len(res.Parents) != 2 || res.Parents[0].Dataset != "credit" || res.Parents[0].Role != "input" || res.Parents[1].Dataset != "home_risk" || res.Parents[1].Role != "join" {
		t.Errorf("parents = %+v, want credit@1 (input), home_risk@1 (join)", res.Parents)
	}
	if !strings.Contains(string(res.Options), r.Hash()) {
		t.Errorf("options %s do not record the recipe hash %s", res.Options, r.Hash())
	}
	// Running it again returns the same version and stores nothing.
	snap := catalogtest.Take(t, a)
	again, err := prep.Run(ctx, a.Catalog, "credit", r, "credit_clean")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Existing || again.ID != res.ID {
		t.Errorf("rerun = id %d existing=%v, want id %d existing", again.ID, again.Existing, res.ID)
	}
	if diff := cmp.Diff(snap, catalogtest.Take(t, a)); diff != "" {
		t.Errorf("rerun stored something:\n%s", diff)
	}
}

func same(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case float64:
		var g float64
		switch x := got.(type) {
		case float64:
			g = x
		case int64:
			g = float64(x)
		default:
			return false
		}
		return math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
	case string:
		s, ok := got.(string)
		return ok && s == w
	}
	return false
}

func TestSteps(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "s.csv")
	os.WriteFile(src, []byte("id,g,x,s\n1,a,10,p\n2,b,,q\n3,a,30,\n3,a,30,\n5,c,50,r\n6,b,60,s\n"), 0o644)
	if _, err := a.Catalog.Add(ctx, src, catalog.AddOpts{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	// More rows for union: x arrives as text, s is absent.
	more := filepath.Join(dir, "more.csv")
	os.WriteFile(more, []byte("id,g,x\n7,d,70\n8,a,\n"), 0o644)
	if _, err := a.Catalog.Add(ctx, more, catalog.AddOpts{Name: "more", IngestOpts: dataengine.IngestOpts{Types: map[string]string{"x": "text"}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, recipe string
		want         string // rows as printed
	}{
		{"select", "- select: [x, id]", "[[10 1] [<nil> 2] [30 3] [30 3] [50 5] [60 6]]"},
		{"drop", "- drop: [g, s]", "[[1 10] [2 <nil>] [3 30] [3 30] [5 50] [6 60]]"},
		{"rename", "- rename: {x: y}\n- select: [y]", "[[10] [<nil>] [30] [30] [50] [60]]"},
		{"cast", "- cast: {id: categorical}\n- select: [id]", "[[1] [2] [3] [3] [5] [6]]"},
		{"fill mean", "- fill_missing: {columns: [x], strategy: mean}\n- select: [x]", "[[10] [36] [30] [30] [50] [60]]"},
		{"fill median", "- fill_missing: {columns: [x], strategy: median}\n- select: [x]", "[[10] [30] [30] [30] [50] [60]]"},
		{"fill mode", "- fill_missing: {columns: [s], strategy: mode}\n- select: [s]", "[[p] [q] [p] [p] [r] [s]]"},
		{"fill constant", "- fill_missing: {columns: [x], strategy: constant, value: -1}\n- select: [x]", "[[10] [-1] [30] [30] [50] [60]]"},
		{"drop missing some", "- drop_missing: [x]\n- select: [id]", "[[1] [3] [3] [5] [6]]"},
		{"drop missing any", "- drop_missing:\n- select: [id]", "[[1] [5] [6]]"},
		{"dedupe all", "- dedupe: {}\n- select: [id]", "[[1] [2] [3] [5] [6]]"},
		{"dedupe key", "- dedupe: [g]\n- select: [id, g]", "[[1 a] [2 b] [5 c]]"},
		{"filter", "- filter: \"x > 20 AND g <> 'c'\"\n- select: [id]", "[[3] [3] [6]]"},
		{"clip", "- clip: {columns: [x], lower: 0.2, upper: 0.8}\n- select: [x]", "[[26] [<nil>] [30] [30] [50] [52]]"},
		{"derive", "- derive: {name: y, expr: \"x * 2 + id\"}\n- select: [y]", "[[21] [<nil>] [63] [63] [105] [126]]"},
		{"derive replaces", "- derive: {name: x, expr: \"coalesce(x, 0)\"}\n- select: [x]", "[[10] [0] [30] [30] [50] [60]]"},
		{"sql", "- sql: \"SELECT g, count(*) AS n FROM input GROUP BY g ORDER BY g\"", "[[a 3] [b 2] [c 1]]"},
		{"sample n", "- sample: {n: 2, seed: 1}\n- select: [id]", ""},
		{"union", "- union: {dataset: more}\n- select: [id, g, x, s]", "[[1 a 10 p] [2 b <nil> q] [3 a 30 <nil>] [3 a 30 <nil>] [5 c 50 r] [6 b 60 s] [7 d 70 <nil>] [8 a <nil> <nil>]]"},
		{"union then filter", "- union: {dataset: more}\n- filter: \"id > 5\"\n- select: [id]", "[[6] [7] [8]]"},
	}
	// A union whose dataset has a column the input lacks is refused.
	wide := filepath.Join(dir, "wide.csv")
	os.WriteFile(wide, []byte("id,zz\n9,1\n"), 0o644)
	if _, err := a.Catalog.Add(ctx, wide, catalog.AddOpts{Name: "wide"}); err != nil {
		t.Fatal(err)
	}
	if r, err := prep.Parse([]byte("- union: {dataset: wide}")); err != nil {
		t.Fatal(err)
	} else if _, err := prep.Run(ctx, a.Catalog, "s", r, "bad_union"); err == nil || !strings.Contains(err.Error(), "steps[0].union.dataset: wide has columns the input lacks: zz") {
		t.Errorf("union with an extra column: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := prep.Parse([]byte(tc.recipe))
			if err != nil {
				t.Fatal(err)
			}
			out := "o_" + strings.ReplaceAll(tc.name, " ", "_")
			res, err := prep.Run(ctx, a.Catalog, "s", r, out)
			if err != nil {
				t.Fatal(err)
			}
			_, tab, err := a.Catalog.Head(ctx, out, 100)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(tab.Rows)
			if tc.want == "" { // sample: size and determinism
				if len(tab.Rows) != 2 {
					t.Errorf("sample rows = %d, want 2", len(tab.Rows))
				}
				res2, err := prep.Run(ctx, a.Catalog, "s", r, out+"_again")
				if err != nil {
					t.Fatal(err)
				}
				if res2.ContentHash != res.ContentHash {
					t.Errorf("same sample seed gave different data")
				}
				return
			}
			if got != tc.want {
				t.Errorf("rows = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestValidation checks that every problem of a recipe is reported with its
// step index and field, and that nothing is written.
func TestValidation(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	before := catalogtest.Take(t, a)
	tests := []struct {
		name, recipe string
		wants        []string
	}{
		{"structure", `
- drop: []
- fill_missing: {columns: [income], strategy: avg}
- fliter: "age > 1"
- clip: {columns: [debt], lower: 0.9, upper: 0.1}
- sample: {n: 5, frac: 0.5}
- cast: {age: int}
- join: {on: [home]}
`, []string{"steps[0].drop: the list is empty", `steps[1].fill_missing.strategy: unknown strategy "avg"`, `steps[2]: unknown step kind "fliter"`,
			"steps[3].clip: lower (0.9) must be below upper (0.1)", "steps[4].sample: set n or frac, not both", `steps[5].cast.age: unknown type "int"`, "steps[6].join.dataset: required"}},
		{"columns and types", `
- drop: [nosuch]
- fill_missing: {columns: [home], strategy: mean}
- clip: {columns: [status], upper: 0.9}
- filter: "nosuch_col > 3"
- derive: {name: z, expr: "income +* 2"}
- join: {dataset: home_risk, on: [region]}
`, []string{`steps[0].drop[0]: unknown column "nosuch"`, `steps[1].fill_missing.columns[0]: mean needs a numeric column; "home" is categorical`,
			`steps[2].clip.columns[0]: clip needs a numeric column; "status" is categorical`, "steps[3].filter:", "nosuch_col", "steps[4].derive:", `steps[5].join.on[0]`}},
		{"unknown join dataset", "- join: {dataset: nope, on: [home]}", []string{`steps[0].join.dataset: dataset "nope" not found`}},
		{"bad cast value", "- cast: {status: integer}", []string{`steps[0].cast.status: value "good" is not a valid integer`}},
		{"no rows left", `- filter: "age > 1000"`, []string{"left no rows"}},
		{"not yaml", "- drop: [a\n", []string{"not valid YAML"}},
		{"not a list", "drop: [a]", []string{`unknown top-level key "drop"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := prep.Parse([]byte(tc.recipe))
			if err == nil {
				_, err = prep.Run(ctx, a.Catalog, "credit", r, "out")
			}
			if err == nil {
				t.Fatal("no error")
			}
			if fault.KindOf(err) != fault.KindInvalid {
				t.Errorf("kind = %v, want invalid (%v)", fault.KindOf(err), err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if diff := cmp.Diff(before, catalogtest.Take(t, a)); diff != "" {
				t.Errorf("a failed recipe changed the project:\n%s", diff)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that what it accepts has a
// stable hash through a JSON round trip.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"- drop: [a]", "steps:\n  - filter: \"a > 1\"", "- fill_missing: {columns: [a], strategy: constant, value: 3}",
		"- sample: {n: 3, seed: 2}", "- join: {dataset: x@2, on: [k], how: left}", "- clip: {columns: [a], lower: 0.1}",
		"- rename: {a: b, c: d}", "- dedupe:", "- sql: SELECT 1", "[]", "{}", "- - -", ": :",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := prep.Parse(data)
		if err != nil {
			if fault.KindOf(err) != fault.KindInvalid {
				t.Errorf("Parse error kind = %v, want invalid", fault.KindOf(err))
			}
			return
		}
		if len(r.Steps) == 0 {
			t.Error("Parse accepted a recipe with no steps")
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back prep.Recipe
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Hash() != r.Hash() {
			t.Errorf("hash changed through JSON: %s vs %s", back.Hash(), r.Hash())
		}
	})
}
