package pipeline

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/fault"
)

func TestParseExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../examples/churn-pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range p.Steps {
		kinds = append(kinds, s.Kind())
	}
	if diff := cmp.Diff(Kinds, kinds); diff != "" {
		t.Errorf("example's step kinds (-want +got):\n%s", diff)
	}
	if got, want := p.Steps[1].Prep.RecipeText, "../internal/demo/clean.yaml"; got != want || p.Steps[1].Prep.Inline {
		t.Errorf("prep recipe = %q (inline %v), want the path %q", got, p.Steps[1].Prep.Inline, want)
	}
}

func TestParseInlineRecipe(t *testing.T) {
	t.Parallel()
	p, err := Parse([]byte(`name: p
steps:
  - id: in
    ingest: {source: a.csv, name: a}
  - id: clean
    prep:
      input: a
      output: b
      recipe:
        - drop: [x]
        - filter: "y > 0"
`))
	if err != nil {
		t.Fatal(err)
	}
	pr := p.Steps[1].Prep
	if !pr.Inline || !strings.Contains(pr.RecipeText, `filter: "y > 0"`) {
		t.Errorf("inline recipe = %q (inline %v)", pr.RecipeText, pr.Inline)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, yaml string
		want       []string // every one must appear in the error
	}{
		{"empty", ``, []string{"empty"}},
		{"not yaml", "name: [", []string{"not valid YAML"}},
		{"unknown field", "name: p\nsteps:\n  - id: a\n    ingest: {source: a.csv, name: a, colour: red}\n", []string{"line 4: field colour not found"}},
		{"unknown top-level field", "name: p\nstep: []\n", []string{"field step not found", "steps: missing"}},
		{"no name, no steps", "steps: []\n", []string{"name: missing", "steps: missing"}},
		{"no kind", "name: p\nsteps:\n  - id: a\n", []string{"steps[0]: want exactly one of ingest, prep"}},
		{"two kinds", "name: p\nsteps:\n  - id: a\n    ingest: {source: a.csv, name: a}\n    eda: {input: a, out: r.html}\n", []string{"steps[0]: want exactly one"}},
		{"duplicate id and bad id", "name: p\nsteps:\n  - id: a\n    ingest: {source: a.csv, name: a}\n  - id: a\n    ingest: {source: b.csv, name: b}\n  - id: 3x\n    frame: {input: a}\n",
			[]string{`steps[1].id: "a" is used by an earlier step`, `steps[2].id: "3x"`}},
		{"missing fields", "name: p\nsteps:\n  - id: s\n    split: {test: 1.5}\n  - id: t\n    train: {algo: svm, valid_frac: 2}\n",
			[]string{"steps[0].split.input: missing", "steps[0].split.test: 1.5", "steps[1].train.data: missing", `steps[1].train.algo: "svm"`, "steps[1].train.valid_frac: 2"}},
		{"forward reference", "name: p\nsteps:\n  - id: s\n    split: {input: \"${steps.later.ref}\", test: 0.2}\n  - id: later\n    ingest: {source: a.csv, name: a}\n",
			[]string{`steps[0].split: ${steps.later.ref} refers to step "later", which is not an earlier step`}},
		{"eval of a non-train step", "name: p\nsteps:\n  - id: in\n    ingest: {source: a.csv, name: a}\n  - id: e\n    eval: {model: in, data: a, out: r.html}\n",
			[]string{`steps[1].eval.model: step "in" is a ingest step, not a train step`}},
		{"bad inline recipe", "name: p\nsteps:\n  - id: c\n    prep: {input: a, output: b, recipe: [{explode: {}}]}\n", []string{"steps[0].prep.recipe: recipe: "}},
		{"schedules and alarm", "name: p\nsteps:\n  - id: m\n    monitor_schedule: {endpoint: e, every: soon}\n  - id: r\n    retrain_policy: {endpoint: e}\n  - id: a\n    alarm: {name: x, endpoint: e, metric: drifted, op: '!=', threshold: 0}\n",
			[]string{`steps[0].monitor_schedule.every: "soon"`, "steps[1].retrain_policy: set labels, every or both", "steps[2].alarm: "}},
		{"alias without approval", "name: p\nsteps:\n  - id: r\n    register: {run: \"3\", name: m, alias: champion}\n", []string{"steps[0].register.alias: an alias needs approve: true"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(c.yaml))
			if err == nil {
				t.Fatalf("Parse(%q) = nil error, want %q", c.yaml, c.want)
			}
			if fault.KindOf(err) != fault.KindInvalid {
				t.Errorf("Parse: kind %v, want invalid", fault.KindOf(err))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
