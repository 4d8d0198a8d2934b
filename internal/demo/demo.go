// Package demo runs the lifecycle demo on the bundled churn dataset
// (mlc_churn.csv, from the R package modeldata 1.1.0, MIT licence): the
// program's "main job", grown by each phase the platform gains.
//
// Today it runs: ingest → prep recipe → stratified split → profile →
// lineage, in a project folder of its own.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/split"
)

// ChurnCSV is the bundled dataset: 5,000 rows, 20 columns, target churn.
//
//go:embed mlc_churn.csv
var ChurnCSV []byte

// CleanRecipe is the demo's prep recipe.
//
//go:embed clean.yaml
var CleanRecipe []byte

// Step is one completed step of the demo.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Result  string  `json:"result"`
}

// Report is what the demo did.
type Report struct {
	Project string `json:"project"`
	Steps   []Step `json:"steps"`
	// Lineage of the test split, back to the ingested file.
	Lineage *catalog.Node `json:"lineage"`
}

// WriteFiles writes the dataset and the recipe into dir/data.
func WriteFiles(dir string) (csvPath, recipePath string, err error) {
	d := filepath.Join(dir, "data")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", "", err
	}
	csvPath, recipePath = filepath.Join(d, "mlc_churn.csv"), filepath.Join(d, "clean.yaml")
	if err := os.WriteFile(csvPath, ChurnCSV, 0o644); err != nil {
		return "", "", err
	}
	return csvPath, recipePath, os.WriteFile(recipePath, CleanRecipe, 0o644)
}

// Run runs the demo in the project a is open on, printing progress to w
// (nil for none).
func Run(ctx context.Context, a *app.App, w io.Writer) (*Report, error) {
	if w == nil {
		w = io.Discard
	}
	rep := &Report{Project: a.Config.Dir}
	csvPath, recipePath, err := WriteFiles(a.Config.Dir)
	if err != nil {
		return nil, err
	}
	step := func(name string, fn func() (string, error)) error {
		fmt.Fprintf(w, "==> %s\n", name)
		start := time.Now()
		res, err := fn()
		if err != nil {
			return fmt.Errorf("demo: %s: %w", name, err)
		}
		s := Step{Name: name, Seconds: time.Since(start).Seconds(), Result: res}
		rep.Steps = append(rep.Steps, s)
		fmt.Fprintf(w, "    %s (%.2fs)\n", res, s.Seconds)
		return nil
	}
	cat := a.Catalog
	if err := step("ingest data/mlc_churn.csv as churn", func() (string, error) {
		r, err := cat.Add(ctx, csvPath, catalog.AddOpts{Name: "churn"})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("churn@%d: %d rows × %d columns, sha256 %s", r.Number(), r.Rows, len(r.Columns), r.ContentHash[:12]), nil
	}); err != nil {
		return nil, err
	}
	if err := step("prep with data/clean.yaml into churn_clean", func() (string, error) {
		data, err := os.ReadFile(recipePath)
		if err != nil {
			return "", err
		}
		r, err := prep.Parse(data)
		if err != nil {
			return "", err
		}
		res, err := prep.Run(ctx, cat, "churn", r, "churn_clean")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("churn_clean@%d: %d rows × %d columns", res.Number(), res.Rows, len(res.Columns)), nil
	}); err != nil {
		return nil, err
	}
	if err := step("split churn_clean 80/20, stratified by churn, seed 7", func() (string, error) {
		res, err := split.Run(ctx, cat, "churn_clean", split.Opts{Test: 0.2, Stratify: "churn", Seed: 7})
		if err != nil {
			return "", err
		}
		out := ""
		for i, p := range res.Parts {
			if i > 0 {
				out += ", "
			}
			out += fmt.Sprintf("%s@%d: %d rows", p.Dataset, p.Number(), p.Rows)
		}
		return out, nil
	}); err != nil {
		return nil, err
	}
	if err := step("profile churn_clean_train", func() (string, error) {
		_, prof, err := cat.Profile(ctx, "churn_clean_train")
		if err != nil {
			return "", err
		}
		for _, p := range prof {
			if p.Name == "churn" {
				return fmt.Sprintf("%d columns profiled; churn: %d distinct, most frequent %q (%d rows)", len(prof), p.Distinct, p.Top, p.TopCount), nil
			}
		}
		return fmt.Sprintf("%d columns profiled", len(prof)), nil
	}); err != nil {
		return nil, err
	}
	if err := step("lineage of churn_clean_test", func() (string, error) {
		n, err := cat.Lineage(ctx, "churn_clean_test")
		if err != nil {
			return "", err
		}
		rep.Lineage = n
		chain := fmt.Sprintf("%s@%d", n.Dataset, n.Version)
		for p := n; len(p.Parents) > 0; p = p.Parents[0] {
			chain += fmt.Sprintf(" ← %s@%d", p.Parents[0].Dataset, p.Parents[0].Version)
		}
		return chain + " ← " + filepath.Base(rootSource(n)), nil
	}); err != nil {
		return nil, err
	}
	return rep, nil
}

func rootSource(n *catalog.Node) string {
	for len(n.Parents) > 0 {
		n = n.Parents[0]
	}
	return n.Source
}
