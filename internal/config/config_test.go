package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/fault"
)

func TestInitLoadFind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	c, err := Init(dir, "churn-project")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "churn-project" || c.Dir != dir {
		t.Errorf("Init = %+v", c)
	}
	for _, p := range []string{FileName, ".mlcycle/artifacts", ".mlcycle/tmp", ".mlcycle/.gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("Init did not create %s: %v", p, err)
		}
	}
	if got, want := c.StoreURL(), "sqlite://"+filepath.Join(dir, ".mlcycle", "catalog.db"); got != want {
		t.Errorf("StoreURL = %s, want %s", got, want)
	}
	if got, want := c.ArtifactsURL(), "file://"+filepath.Join(dir, ".mlcycle", "artifacts"); got != want {
		t.Errorf("ArtifactsURL = %s, want %s", got, want)
	}
	if _, err := Init(dir, "again"); fault.KindOf(err) != fault.KindConflict {
		t.Errorf("second Init = %v, want a conflict", err)
	}
	deep := filepath.Join(dir, "a", "b")
	os.MkdirAll(deep, 0o755)
	if got, err := Find(deep, ""); err != nil || got != dir {
		t.Errorf("Find(deep) = %q, %v, want %q", got, err, dir)
	}
	if _, err := Find(root, ""); fault.KindOf(err) != fault.KindNotFound || !strings.Contains(err.Error(), "mlcycle init") {
		t.Errorf("Find outside a project = %v, want not found with a hint", err)
	}
	if got, err := Find(root, dir); err != nil || got != dir {
		t.Errorf("Find(explicit) = %q, %v", got, err)
	}
	if _, err := Find(root, root); fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("Find(explicit non-project) = %v, want not found", err)
	}
	// Overrides win over the file.
	c2, err := Load(dir, Overrides{Store: "postgres://u@h/db", Artifacts: "s3://b?region=x"})
	if err != nil {
		t.Fatal(err)
	}
	if c2.StoreURL() != "postgres://u@h/db" || c2.ArtifactsURL() != "s3://b?region=x" {
		t.Errorf("overrides not applied: %s %s", c2.StoreURL(), c2.ArtifactsURL())
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		wants      []string
	}{
		{"unknown key", "name: x\nnmae: y\n", []string{"field nmae not found"}},
		{"no name", "store: postgres://h/db\n", []string{"name: required"}},
		{"bad values", "name: 'bad name'\nstore: mysql://x\nartifacts: gs://b\n", []string{`name: "bad name"`, `store: "mysql://x"`, `artifacts: "gs://b"`}},
		{"not yaml", "name: [\n", []string{FileName}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, FileName), []byte(tc.body), 0o644)
			_, err := Load(dir, Overrides{})
			if fault.KindOf(err) != fault.KindInvalid {
				t.Fatalf("Load = %v, want an invalid error", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := Init(t.TempDir(), "no spaces allowed"); fault.KindOf(err) != fault.KindInvalid {
		t.Errorf("Init with a bad name = %v, want invalid", err)
	}
}
