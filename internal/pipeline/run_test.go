package pipeline

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/demo"
)

// TestRunRecipeChange checks the cache's file identities: editing the
// recipe file (not the pipeline) re-runs prep and the split of its new
// output, while ingest stays cached.
func TestRunRecipeChange(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	csv, recipe, err := demo.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse([]byte(`name: data
steps:
  - id: in
    ingest: {source: ` + filepath.Base(filepath.Dir(csv)) + `/mlc_churn.csv, name: churn}
  - id: clean
    prep: {input: "${steps.in.ref}", recipe: data/clean.yaml, output: churn_clean}
  - id: split
    split: {input: "${steps.clean.ref}", test: 0.25, seed: 3}
`))
	if err != nil {
		t.Fatal(err)
	}
	run := func() map[string]string {
		t.Helper()
		res, err := Run(ctx, a, p, Opts{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, s := range res.Steps {
			got[s.ID] = s.Status + " " + s.Summary
		}
		return got
	}
	first := run()
	want := map[string]string{
		"in":    fmt.Sprintf("ran churn@1: 5000 rows × 20 columns, sha256 %.12s", fmt.Sprintf("%x", sha256.Sum256(demo.ChurnCSV))),
		"clean": "ran churn_clean@1: 5000 rows × 22 columns",
		"split": "ran churn_clean_train@1: 3750 rows, churn_clean_test@1: 1250 rows",
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(recipe, append(demo.CleanRecipe, []byte("  - filter: \"churn = 'yes'\"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	second := run()
	if !strings.HasPrefix(second["in"], "cached ") || !strings.HasPrefix(second["clean"], "ran churn_clean@2: ") ||
		!strings.HasPrefix(second["split"], "ran churn_clean_train@2: ") {
		t.Errorf("after a recipe edit: %v, want ingest cached, prep and split ran on new versions", second)
	}
}

func TestRunUnknownOutput(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	dir := t.TempDir()
	if _, _, err := demo.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	p, err := Parse([]byte(`name: bad-ref
steps:
  - id: in
    ingest: {source: data/mlc_churn.csv, name: churn}
  - id: s
    split: {input: "${steps.in.table}", test: 0.2}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), a, p, Opts{Dir: dir})
	want := `step "s": ${steps.in.table}: step "in" has no output "table" (it has content_hash, dataset, ref, rows, version)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run error = %v, want it to contain %q", err, want)
	}
	if res.Status != "failed" || len(res.Steps) != 2 || res.Steps[1].Status != StatusFailed {
		t.Errorf("result = %+v, want a failed run whose step s failed", res)
	}
}
