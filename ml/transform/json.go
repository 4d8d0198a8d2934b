package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Format and Version identify the JSON encoding of a Pipeline.
const (
	Format  = "mlcycle.transform"
	Version = 1
)

// ErrFormat marks errors about an encoded pipeline that cannot be loaded:
// another format, an unknown version, inconsistent content.
var ErrFormat = errors.New("bad transform pipeline encoding")

type pipelineJSON struct {
	Format       string      `json:"format"`
	Version      int         `json:"version"`
	Inputs       []Input     `json:"inputs"`
	Derived      []fderived  `json:"derived,omitempty"`
	Columns      []*fcol     `json:"columns"`
	Interactions [][2]string `json:"interactions,omitempty"`
	Outputs      []string    `json:"outputs"`
}

// MarshalJSON encodes the fitted pipeline as
// {"format":"mlcycle.transform","version":1,...}; see docs/transform.md.
func (p *Pipeline) MarshalJSON() ([]byte, error) {
	return json.Marshal(pipelineJSON{
		Format: Format, Version: Version,
		Inputs: p.inputs, Derived: p.derived, Columns: p.cols,
		Interactions: p.interactions, Outputs: p.outputs,
	})
}

// UnmarshalJSON decodes a pipeline written by MarshalJSON. It rejects other
// formats and versions, and content that Apply could not run.
func (p *Pipeline) UnmarshalJSON(b []byte) error {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if head.Format != Format {
		return fmt.Errorf("%w: format %q, want %q", ErrFormat, head.Format, Format)
	}
	if head.Version != Version {
		return fmt.Errorf("%w: version %d of %s is not supported (this build reads version %d)", ErrFormat, head.Version, Format, Version)
	}
	var j pipelineJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	q := Pipeline{inputs: j.Inputs, derived: j.Derived, cols: j.Columns, interactions: j.Interactions, outputs: j.Outputs}
	if err := q.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	*p = q
	return nil
}

// check verifies that a decoded pipeline is consistent enough for Apply,
// and fills the unexported fields.
func (p *Pipeline) check() error {
	inputs := map[string]bool{}
	for _, in := range p.inputs {
		if _, ok := kindOfLogical(in.Logical); !ok {
			return fmt.Errorf("input %q has unknown logical type %q", in.Name, in.Logical)
		}
		inputs[in.Name] = true
	}
	for i := range p.derived {
		d := &p.derived[i]
		e, err := parseExpr(d.Expr)
		if err != nil {
			return fmt.Errorf("derived %q: %w", d.Name, err)
		}
		d.e = e
	}
	var outs []string
	for _, c := range p.cols {
		if c == nil {
			return fmt.Errorf("null column")
		}
		k, ok := vkindOf(c.Kind)
		if !ok {
			return fmt.Errorf("column %q has unknown kind %q", c.Name, c.Kind)
		}
		if !c.Derived && !inputs[c.Name] {
			return fmt.Errorf("column %q is not an input", c.Name)
		}
		c.kind = k
		for _, s := range c.Steps {
			if err := s.check(); err != nil {
				return fmt.Errorf("column %q: %w", c.Name, err)
			}
		}
		if !slices.IsSorted(c.OutDict) {
			return fmt.Errorf("column %q: output dictionary not sorted", c.Name)
		}
		outs = append(outs, c.Outputs...)
	}
	for _, pair := range p.interactions {
		outs = append(outs, pair[0]+"__x__"+pair[1])
	}
	if !slices.Equal(outs, p.outputs) {
		return fmt.Errorf("outputs %q do not match the columns' outputs %q", p.outputs, outs)
	}
	p.plan = p.newPlan()
	return nil
}

func (s *fstep) check() error {
	if s == nil {
		return fmt.Errorf("null step")
	}
	switch s.Op {
	case "impute", "scale", "clip", "log", "boxcox", "yeojohnson", "bins", "onehot", "ordinal", "frequency":
	case "target":
		if len(s.Prior) != len(s.Enc) {
			return fmt.Errorf("target step has %d priors for %d encodings", len(s.Prior), len(s.Enc))
		}
	case "date_parts":
		for _, p := range s.Parts {
			if !contains(datePartNames, p) {
				return fmt.Errorf("unknown date part %q", p)
			}
		}
	case "text_hash":
		if s.Hash == nil || s.Hash.NFeatures < 1 || s.Hash.NFeatures > 1<<20 || len(s.IDF) != s.Hash.NFeatures ||
			s.Hash.NgramMin < 1 || s.Hash.NgramMax < s.Hash.NgramMin || s.Hash.NgramMax > 10 {
			return fmt.Errorf("text_hash step is inconsistent")
		}
	default:
		return fmt.Errorf("unknown step %q", s.Op)
	}
	return nil
}
