package deptest

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPackageDocs checks that every package of the module has a package
// comment in one of its non-test files that starts "Package <name>" (or
// "Command <dir>" for a main package), as STYLE.md section 10 asks.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	m := theModule(t)
	for _, p := range m.own {
		files := append(append([]string(nil), p.GoFiles...), p.CgoFiles...)
		if len(files) == 0 {
			continue // only test files: nothing for go doc to show
		}
		lead := "Package " + p.Name
		if p.Name == "main" {
			lead = "Command " + filepath.Base(p.Dir)
		}
		var docs []string
		fset := token.NewFileSet()
		for _, name := range files {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Errorf("%s: %v", p.ImportPath, err)
				continue
			}
			if f.Doc != nil {
				docs = append(docs, f.Doc.Text())
			}
		}
		switch {
		case len(docs) == 0:
			t.Errorf("%s has no package comment; add one starting %q (in doc.go when it is long)", p.ImportPath, lead)
		case !slices.ContainsFunc(docs, func(d string) bool { return startsWith(d, lead) }):
			t.Errorf("%s: package comment starts %q, want %q", p.ImportPath, firstLine(docs[0]), lead+" ...")
		}
	}
}

// startsWith reports whether doc starts with the words of lead, followed
// by a space, a line break or nothing.
func startsWith(doc, lead string) bool {
	rest, ok := strings.CutPrefix(doc, lead)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\n')
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestStartsWith(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, lead string
		want      bool
	}{
		{"Package frame is a table.\n", "Package frame", true},
		{"Package frame\nis a table.\n", "Package frame", true},
		{"Package frameio loads files.\n", "Package frame", false},
		{"Frame is a table.\n", "Package frame", false},
		{"Command mlcycle runs it all.\n", "Command mlcycle", true},
		{"", "Package frame", false},
	}
	for _, tt := range tests {
		if got := startsWith(tt.doc, tt.lead); got != tt.want {
			t.Errorf("startsWith(%q, %q) = %t, want %t", tt.doc, tt.lead, got, tt.want)
		}
	}
}
