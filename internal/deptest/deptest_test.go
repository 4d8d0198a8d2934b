package deptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// pkg is the part of `go list -json` output the rules read. Imports and
// Deps cover the non-test files only.
type pkg struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	Module     *struct{ Path string }
	GoFiles    []string
	CgoFiles   []string
	Imports    []string
	Deps       []string
}

// module is the module's packages and everything they depend on.
type module struct {
	path string          // module path
	root string          // directory holding go.mod
	pkgs map[string]*pkg // by import path: the module's packages and their deps
	own  []*pkg          // the module's packages (./...), sorted by import path
}

// rel returns the module package's directory relative to the module root
// ("internal/app"), or "" when importPath is not in the module.
func (m *module) rel(importPath string) string {
	r, ok := strings.CutPrefix(importPath, m.path+"/")
	if !ok {
		return ""
	}
	return r
}

// under reports whether importPath is the module package dir or one below it.
func (m *module) under(importPath, dir string) bool {
	r := m.rel(importPath)
	return r == dir || strings.HasPrefix(r, dir+"/")
}

// chain returns the shortest import chain from one package to another,
// following the Imports of the listed packages, as "a -> b -> c".
func (m *module) chain(from, to string) string {
	prev := map[string]string{from: ""}
	for queue := []string{from}; len(queue) > 0; queue = queue[1:] {
		cur := queue[0]
		if cur == to {
			var out []string
			for p := cur; p != ""; p = prev[p] {
				out = append(out, p)
			}
			slices.Reverse(out)
			return strings.Join(out, " -> ")
		}
		if p := m.pkgs[cur]; p != nil {
			for _, imp := range p.Imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = cur
					queue = append(queue, imp)
				}
			}
		}
	}
	return from + " -> ... -> " + to
}

// goRun runs the go command in dir with extra environment variables and
// returns its standard output; the error carries its standard error.
func goRun(dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// listed holds the result of `go list -deps -json ./...`, run once per test
// binary: it takes about a second.
var listed struct {
	once sync.Once
	m    *module
	err  error
}

// theModule returns the listed module, or skips the test when the go
// command is not available.
func theModule(t *testing.T) *module {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("the rules are read with the go command, which is not on PATH: %v", err)
	}
	listed.once.Do(func() { listed.m, listed.err = listModule() })
	if listed.err != nil {
		t.Fatal(listed.err)
	}
	return listed.m
}

func listModule() (*module, error) {
	gomod, err := goRun(".", nil, "env", "GOMOD")
	if err != nil {
		return nil, err
	}
	m := &module{root: filepath.Dir(strings.TrimSpace(string(gomod))), pkgs: map[string]*pkg{}}
	path, err := goRun(m.root, nil, "list", "-m")
	if err != nil {
		return nil, err
	}
	m.path = strings.TrimSpace(string(path))
	out, err := goRun(m.root, nil, "list", "-deps", "-json", "./...")
	if err != nil {
		return nil, err
	}
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		p := new(pkg)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decode go list output: %v", err)
		}
		m.pkgs[p.ImportPath] = p
		if p.Module != nil && p.Module.Path == m.path {
			m.own = append(m.own, p)
		}
	}
	slices.SortFunc(m.own, func(a, b *pkg) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	if len(m.own) == 0 {
		return nil, fmt.Errorf("go list ./... in %s found no packages of module %s", m.root, m.path)
	}
	return m, nil
}

// drivers are the packages only the composition root may import.
var drivers = []string{"internal/store/sqlite", "internal/store/postgres"}

// isTestHelper reports whether a module package is a test double or
// conformance suite (<pkg>test, STYLE.md section 3), which may use drivers.
func isTestHelper(m *module, p *pkg) bool {
	return strings.HasSuffix(filepath.Base(m.rel(p.ImportPath)), "test")
}

// A rule returns one message per violation it finds in m.
type rule struct {
	name  string
	check func(m *module) []string
}

// rules are the import rules of STYLE.md section 2, read from the non-test
// files of every package in the module.
var rules = []rule{
	{"ml imports only std, ml and gonum", func(m *module) (bad []string) {
		for _, p := range m.own {
			if !m.under(p.ImportPath, "ml") {
				continue
			}
			for _, imp := range p.Imports {
				dep := m.pkgs[imp]
				switch {
				case dep != nil && dep.Standard:
				case m.under(imp, "ml"):
				case imp == "gonum.org/v1/gonum" || strings.HasPrefix(imp, "gonum.org/v1/gonum/"):
				default:
					bad = append(bad, fmt.Sprintf("%s imports %s; ml packages may import only the standard library, other ml packages and gonum.org/v1/gonum", p.ImportPath, imp))
				}
			}
		}
		return bad
	}},
	{"ml and predict do not depend on internal", func(m *module) (bad []string) {
		for _, p := range m.own {
			if !m.under(p.ImportPath, "ml") && !m.under(p.ImportPath, "predict") {
				continue
			}
			for _, dep := range p.Deps {
				if m.under(dep, "internal") {
					bad = append(bad, fmt.Sprintf("%s depends on %s (%s); ml and predict are public and may not use internal packages", p.ImportPath, dep, m.chain(p.ImportPath, dep)))
				}
			}
		}
		return bad
	}},
	{"only app imports store drivers", func(m *module) (bad []string) {
		for _, p := range m.own {
			if m.rel(p.ImportPath) == "internal/app" || isTestHelper(m, p) {
				continue
			}
			for _, imp := range p.Imports {
				if slices.Contains(drivers, m.rel(imp)) {
					bad = append(bad, fmt.Sprintf("%s imports the driver %s; only internal/app (and <pkg>test helpers) may import drivers", p.ImportPath, imp))
				}
			}
		}
		return bad
	}},
	{"only dataengine imports duckdb", func(m *module) (bad []string) {
		for _, p := range m.own {
			if !m.under(p.ImportPath, "internal") || m.rel(p.ImportPath) == "internal/dataengine" {
				continue
			}
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/duckdb/") {
					bad = append(bad, fmt.Sprintf("%s imports %s; only internal/dataengine may use DuckDB directly", p.ImportPath, imp))
				}
			}
		}
		return bad
	}},
}

func TestDependencies(t *testing.T) {
	t.Parallel()
	m := theModule(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			for _, msg := range r.check(m) {
				t.Error(msg)
			}
		})
	}
	t.Run("ml, predict and frameio build without cgo", func(t *testing.T) {
		t.Parallel()
		patterns := []string{"./internal/frameio"}
		for _, dir := range []string{"ml", "predict"} {
			if slices.ContainsFunc(m.own, func(p *pkg) bool { return m.under(p.ImportPath, dir) }) {
				patterns = append(patterns, "./"+dir+"/...")
			}
		}
		args := append([]string{"build", "-o", os.DevNull}, patterns...)
		if _, err := goRun(m.root, []string{"CGO_ENABLED=0"}, args...); err != nil {
			t.Errorf("%s must build with CGO_ENABLED=0 (edge bundles and pure-Go users link them): %v", strings.Join(patterns, " "), err)
		}
	})
}

// TestRulesCatch runs the rules on a made-up module that breaks each of
// them once and obeys them otherwise.
func TestRulesCatch(t *testing.T) {
	t.Parallel()
	const mod = "example.com/m"
	m := &module{path: mod, pkgs: map[string]*pkg{}}
	add := func(path string, standard bool, imports ...string) {
		p := &pkg{ImportPath: path, Standard: standard, Imports: imports}
		m.pkgs[path] = p
		if strings.HasPrefix(path, mod+"/") {
			p.Module = &struct{ Path string }{mod}
			m.own = append(m.own, p)
		}
	}
	add("fmt", true)
	add("gonum.org/v1/gonum/mat", false)
	add("github.com/duckdb/duckdb-go/v2", false)
	add(mod+"/internal/fault", false, "fmt")
	add(mod+"/internal/store/sqlite", false, mod+"/internal/fault")
	add(mod+"/internal/app", false, mod+"/internal/store/sqlite")
	add(mod+"/internal/store/storetest", false, mod+"/internal/store/sqlite")
	add(mod+"/internal/cli", false, mod+"/internal/store/sqlite", "github.com/duckdb/duckdb-go/v2")
	add(mod+"/internal/dataengine", false, "github.com/duckdb/duckdb-go/v2")
	add(mod+"/ml/frame", false, "fmt", "gonum.org/v1/gonum/mat")
	add(mod+"/ml/gbdt", false, mod+"/ml/frame", "github.com/duckdb/duckdb-go/v2")
	add(mod+"/predict", false, mod+"/ml/leak")
	add(mod+"/ml/leak", false, mod+"/internal/fault")
	m.pkgs[mod+"/predict"].Deps = []string{"fmt", mod + "/internal/fault", mod + "/ml/leak"}

	want := map[string][]string{
		"ml imports only std, ml and gonum": {
			"example.com/m/ml/gbdt imports github.com/duckdb/duckdb-go/v2",
			"example.com/m/ml/leak imports example.com/m/internal/fault",
		},
		"ml and predict do not depend on internal": {
			"example.com/m/predict depends on example.com/m/internal/fault (example.com/m/predict -> example.com/m/ml/leak -> example.com/m/internal/fault)",
		},
		"only app imports store drivers": {
			"example.com/m/internal/cli imports the driver example.com/m/internal/store/sqlite",
		},
		"only dataengine imports duckdb": {
			"example.com/m/internal/cli imports github.com/duckdb/duckdb-go/v2",
		},
	}
	for _, r := range rules {
		got := r.check(m)
		if len(got) != len(want[r.name]) {
			t.Errorf("rule %q found %d violations, want %d: %q", r.name, len(got), len(want[r.name]), got)
			continue
		}
		for i, w := range want[r.name] {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("rule %q violation %d = %q, want it to start with %q", r.name, i, got[i], w)
			}
		}
	}
}
