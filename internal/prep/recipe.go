// Package prep runs prep recipes: declarative, ordered steps that turn one
// dataset version (plus any joined ones) into a new version with lineage.
//
// A recipe is YAML: a list of steps, or a mapping with a "steps" list. Each
// step is a mapping with one key, the step kind:
//
//   - select: [a, b, c]                 # keep these columns, in this order
//   - drop: [id]                        # remove columns
//   - rename: {old: new}                # rename columns
//   - cast: {age: float, zip: categorical}
//   - fill_missing: {columns: [income], strategy: median}   # constant|mean|median|mode
//   - fill_missing: {columns: [home], strategy: constant, value: unknown}
//   - drop_missing: [income]            # drop rows missing any of these (default: any column)
//   - dedupe: [customer_id]             # keep the first row per key (default: all columns)
//   - filter: "age >= 18 AND status IS NOT NULL"           # a SQL boolean expression
//   - clip: {columns: [income], lower: 0.01, upper: 0.99}  # clip to quantiles
//   - derive: {name: ratio, expr: "debt / nullif(income, 0)"}
//   - join: {dataset: regions@2, on: [state], how: left}   # inner|left|right|full
//   - union: {dataset: labeled@3}      # append its rows (its columns must be the input's)
//   - sql: "SELECT state, count(*) AS n FROM input GROUP BY state"
//   - sample: {n: 1000, seed: 7}        # or {frac: 0.1, seed: 7}
//
// Parse checks the structure and reports every problem with its step index
// and field ("steps[2].fill_missing.strategy: ..."). Run then checks each
// step against the columns that reach it (unknown columns, wrong types, SQL
// that does not bind), again reporting every problem, before any data is
// written.
//
// Execution is a chain of DuckDB views, one per step, over the input's
// Parquet file; only the final COPY reads the data. Row order is kept: an
// ordinal column (__mlc_row, the input's row number) flows through the
// chain, dedupe keeps the first row of each key, joins keep the left order,
// and the output is ordered by it. Filling and clipping statistics (mean,
// median, mode, quantiles) are computed over the data as it reaches the
// step. Sampling orders rows by DuckDB's hash of (row, seed): the same
// input, recipe and seed give the same sample with the pinned DuckDB.
//
// The recipe's hash (sha256 of its canonical JSON form, so comments and
// formatting do not count) and the parent versions define the output's
// identity: running the same recipe on the same input again returns the
// existing version.
package prep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"gopkg.in/yaml.v3"
)

// Step kinds.
const (
	KindSelect      = "select"
	KindDrop        = "drop"
	KindRename      = "rename"
	KindCast        = "cast"
	KindFillMissing = "fill_missing"
	KindDropMissing = "drop_missing"
	KindDedupe      = "dedupe"
	KindFilter      = "filter"
	KindClip        = "clip"
	KindDerive      = "derive"
	KindJoin        = "join"
	KindSQL         = "sql"
	KindSample      = "sample"
	KindUnion       = "union"
)

// Kinds lists the step kinds.
var Kinds = []string{KindSelect, KindDrop, KindRename, KindCast, KindFillMissing, KindDropMissing,
	KindDedupe, KindFilter, KindClip, KindDerive, KindJoin, KindSQL, KindSample, KindUnion}

// Fill strategies.
var Strategies = []string{"constant", "mean", "median", "mode"}

// Join types.
var JoinTypes = []string{"inner", "left", "right", "full"}

// Step is one step of a recipe. Exactly the fields of its Kind are set.
type Step struct {
	Kind string `json:"kind"`
	// Columns: select, drop, drop_missing, dedupe, fill_missing, clip.
	Columns []string `json:"columns,omitempty"`
	// Mapping: rename (old → new) and cast (column → logical type).
	Mapping map[string]string `json:"mapping,omitempty"`
	// Strategy and Value: fill_missing.
	Strategy string `json:"strategy,omitempty"`
	Value    any    `json:"value,omitempty"`
	// Expr: filter, derive; SQL: sql.
	Expr string `json:"expr,omitempty"`
	SQL  string `json:"sql,omitempty"`
	// Name: derive.
	Name string `json:"name,omitempty"`
	// Lower and Upper: clip quantiles in [0, 1].
	Lower *float64 `json:"lower,omitempty"`
	Upper *float64 `json:"upper,omitempty"`
	// Dataset, On, How, Suffix: join; Dataset: union.
	Dataset string   `json:"dataset,omitempty"`
	On      []string `json:"on,omitempty"`
	How     string   `json:"how,omitempty"`
	Suffix  string   `json:"suffix,omitempty"`
	// N, Frac and Seed: sample.
	N    int64    `json:"n,omitempty"`
	Frac *float64 `json:"frac,omitempty"`
	Seed int64    `json:"seed,omitempty"`
}

// Recipe is a parsed, structurally valid recipe.
type Recipe struct {
	Steps []Step `json:"steps"`
}

// Hash returns the sha256 (hex) of the recipe's canonical JSON form.
func (r *Recipe) Hash() string {
	b, _ := json.Marshal(r)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Problems is a list of validation problems, each prefixed with its path.
type Problems []string

func (p Problems) Error() string {
	if len(p) == 1 {
		return "recipe: " + p[0]
	}
	return fmt.Sprintf("recipe: %d problems:\n  %s", len(p), strings.Join(p, "\n  "))
}

// Parse reads a recipe. Every structural problem is reported, each with its
// path; the error is fault.KindInvalid.
func Parse(data []byte) (*Recipe, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fault.Mark(fault.KindInvalid, Problems{"not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fault.Mark(fault.KindInvalid, Problems{"empty: a recipe needs at least one step"})
	}
	doc := root.Content[0]
	list := doc
	if doc.Kind == yaml.MappingNode {
		list = nil
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value == "steps" {
				list = doc.Content[i+1]
			} else {
				return nil, fault.Mark(fault.KindInvalid, Problems{fmt.Sprintf("line %d: unknown top-level key %q (want \"steps\")", doc.Content[i].Line, doc.Content[i].Value)})
			}
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fault.Mark(fault.KindInvalid, Problems{"a recipe is a list of steps (or a mapping with a \"steps\" list)"})
	}
	if len(list.Content) == 0 {
		return nil, fault.Mark(fault.KindInvalid, Problems{"steps: empty: a recipe needs at least one step"})
	}
	var probs Problems
	r := &Recipe{}
	for i, n := range list.Content {
		path := fmt.Sprintf("steps[%d]", i)
		if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
			probs = append(probs, fmt.Sprintf("%s (line %d): a step is a mapping with exactly one key, the step kind (one of %s)", path, n.Line, strings.Join(Kinds, ", ")))
			continue
		}
		kind, body := n.Content[0].Value, n.Content[1]
		st, ps := parseStep(path+"."+kind, kind, body)
		probs = append(probs, ps...)
		if len(ps) == 0 {
			r.Steps = append(r.Steps, st)
		}
	}
	if len(probs) > 0 {
		return nil, fault.Mark(fault.KindInvalid, probs)
	}
	return r, nil
}

// fields decodes a mapping body into dst with unknown keys reported.
func fields(path string, body *yaml.Node, dst any) Problems {
	if body.Kind != yaml.MappingNode {
		return Problems{fmt.Sprintf("%s (line %d): want a mapping", path, body.Line)}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(body); err != nil {
		return Problems{fmt.Sprintf("%s: %v", path, err)}
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var out Problems
			for _, e := range te.Errors {
				out = append(out, fmt.Sprintf("%s (line %d): %s", path, body.Line, strings.TrimPrefix(e, "line ")))
			}
			return out
		}
		return Problems{fmt.Sprintf("%s (line %d): %s", path, body.Line, strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	return nil
}

// stringList decodes a sequence of non-empty strings.
func stringList(path string, n *yaml.Node) ([]string, Problems) {
	if n.Kind != yaml.SequenceNode {
		return nil, Problems{fmt.Sprintf("%s (line %d): want a list of column names", path, n.Line)}
	}
	var out []string
	var probs Problems
	seen := map[string]bool{}
	for i, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Value == "" {
			probs = append(probs, fmt.Sprintf("%s[%d] (line %d): want a column name", path, i, c.Line))
			continue
		}
		if seen[c.Value] {
			probs = append(probs, fmt.Sprintf("%s[%d]: column %q is listed twice", path, i, c.Value))
		}
		seen[c.Value] = true
		out = append(out, c.Value)
	}
	return out, probs
}

func stringMap(path string, n *yaml.Node) (map[string]string, Problems) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, Problems{fmt.Sprintf("%s (line %d): want a non-empty mapping", path, n.Line)}
	}
	out := map[string]string{}
	var probs Problems
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.Value == "" || k.Value == "" {
			probs = append(probs, fmt.Sprintf("%s.%s (line %d): want a non-empty name", path, k.Value, v.Line))
			continue
		}
		if _, dup := out[k.Value]; dup {
			probs = append(probs, fmt.Sprintf("%s.%s: listed twice", path, k.Value))
		}
		out[k.Value] = v.Value
	}
	return out, probs
}

func parseStep(path, kind string, body *yaml.Node) (Step, Problems) {
	st := Step{Kind: kind}
	var probs Problems
	switch kind {
	case KindSelect, KindDrop:
		st.Columns, probs = stringList(path, body)
		if len(probs) == 0 && len(st.Columns) == 0 {
			probs = append(probs, path+": the list is empty")
		}
	case KindDropMissing, KindDedupe:
		switch body.Kind {
		case yaml.SequenceNode:
			st.Columns, probs = stringList(path, body)
		case yaml.MappingNode:
			var f struct {
				Columns []string `yaml:"columns"`
			}
			probs = fields(path, body, &f)
			st.Columns = f.Columns
		case yaml.ScalarNode:
			if body.Value != "" && body.Value != "all" && body.Tag != "!!null" {
				probs = append(probs, fmt.Sprintf("%s (line %d): want a list of columns, {columns: [...]}, or nothing for all columns", path, body.Line))
			}
		}
	case KindRename:
		st.Mapping, probs = stringMap(path, body)
		if len(probs) == 0 {
			targets := map[string]string{}
			for _, k := range sortedKeys(st.Mapping) {
				v := st.Mapping[k]
				if prev, dup := targets[v]; dup {
					probs = append(probs, fmt.Sprintf("%s: %q and %q are both renamed to %q", path, prev, k, v))
				}
				targets[v] = k
			}
		}
	case KindCast:
		st.Mapping, probs = stringMap(path, body)
		for _, k := range sortedKeys(st.Mapping) {
			if !dataengine.IsType(st.Mapping[k]) {
				probs = append(probs, fmt.Sprintf("%s.%s: unknown type %q (known: %s)", path, k, st.Mapping[k], strings.Join(dataengine.Types, ", ")))
			}
		}
	case KindFillMissing:
		var f struct {
			Columns  []string `yaml:"columns"`
			Strategy string   `yaml:"strategy"`
			Value    any      `yaml:"value"`
		}
		probs = fields(path, body, &f)
		if len(probs) == 0 {
			st.Columns, st.Strategy, st.Value = f.Columns, f.Strategy, f.Value
			if len(f.Columns) == 0 {
				probs = append(probs, path+".columns: required (the columns to fill)")
			}
			switch f.Strategy {
			case "constant":
				if f.Value == nil {
					probs = append(probs, path+".value: required with strategy constant")
				}
				switch f.Value.(type) {
				case nil, string, int, int64, float64, bool:
				default:
					probs = append(probs, path+".value: want a number, string or boolean")
				}
			case "mean", "median", "mode":
				if f.Value != nil {
					probs = append(probs, fmt.Sprintf("%s.value: only used with strategy constant, not %s", path, f.Strategy))
				}
			case "":
				probs = append(probs, fmt.Sprintf("%s.strategy: required (one of %s)", path, strings.Join(Strategies, ", ")))
			default:
				probs = append(probs, fmt.Sprintf("%s.strategy: unknown strategy %q (known: %s)", path, f.Strategy, strings.Join(Strategies, ", ")))
			}
		}
	case KindFilter:
		if body.Kind != yaml.ScalarNode || strings.TrimSpace(body.Value) == "" {
			probs = append(probs, fmt.Sprintf("%s (line %d): want a SQL boolean expression", path, body.Line))
		}
		st.Expr = body.Value
	case KindSQL:
		if body.Kind != yaml.ScalarNode || strings.TrimSpace(body.Value) == "" {
			probs = append(probs, fmt.Sprintf("%s (line %d): want a SQL query over the relation \"input\"", path, body.Line))
		}
		st.SQL = strings.TrimRight(strings.TrimSpace(body.Value), ";")
	case KindClip:
		var f struct {
			Columns []string `yaml:"columns"`
			Lower   *float64 `yaml:"lower"`
			Upper   *float64 `yaml:"upper"`
		}
		probs = fields(path, body, &f)
		if len(probs) == 0 {
			st.Columns, st.Lower, st.Upper = f.Columns, f.Lower, f.Upper
			if len(f.Columns) == 0 {
				probs = append(probs, path+".columns: required")
			}
			if f.Lower == nil && f.Upper == nil {
				probs = append(probs, path+": set lower and/or upper (quantiles in [0, 1])")
			}
			for _, b := range []struct {
				name string
				v    *float64
			}{{"lower", f.Lower}, {"upper", f.Upper}} {
				if b.v != nil && (*b.v < 0 || *b.v > 1) {
					probs = append(probs, fmt.Sprintf("%s.%s: %v is not a quantile in [0, 1]", path, b.name, *b.v))
				}
			}
			if f.Lower != nil && f.Upper != nil && *f.Lower >= *f.Upper {
				probs = append(probs, fmt.Sprintf("%s: lower (%v) must be below upper (%v)", path, *f.Lower, *f.Upper))
			}
		}
	case KindDerive:
		var f struct {
			Name string `yaml:"name"`
			Expr string `yaml:"expr"`
		}
		probs = fields(path, body, &f)
		if len(probs) == 0 {
			st.Name, st.Expr = f.Name, f.Expr
			if f.Name == "" {
				probs = append(probs, path+".name: required (the new column's name)")
			}
			if strings.TrimSpace(f.Expr) == "" {
				probs = append(probs, path+".expr: required (a SQL expression)")
			}
		}
	case KindUnion:
		var f struct {
			Dataset string `yaml:"dataset"`
		}
		probs = fields(path, body, &f)
		if len(probs) == 0 {
			st.Dataset = f.Dataset
			if f.Dataset == "" {
				probs = append(probs, path+".dataset: required (a catalog dataset, name or name@version)")
			}
		}
	case KindJoin:
		var f struct {
			Dataset string   `yaml:"dataset"`
			On      []string `yaml:"on"`
			How     string   `yaml:"how"`
			Suffix  string   `yaml:"suffix"`
		}
		probs = fields(path, body, &f)
		if len(probs) == 0 {
			st.Dataset, st.On, st.How, st.Suffix = f.Dataset, f.On, f.How, f.Suffix
			if f.Dataset == "" {
				probs = append(probs, path+".dataset: required (a catalog dataset, name or name@version)")
			}
			if len(f.On) == 0 {
				probs = append(probs, path+".on: required (the key columns, present in both datasets)")
			}
			if st.How == "" {
				st.How = "inner"
			}
			if !contains(JoinTypes, st.How) {
				probs = append(probs, fmt.Sprintf("%s.how: unknown join type %q (known: %s)", path, st.How, strings.Join(JoinTypes, ", ")))
			}
			if st.Suffix == "" {
				st.Suffix = "_right"
			}
		}
	case KindSample:
		var f struct {
			N    *int64   `yaml:"n"`
			Frac *float64 `yaml:"frac"`
			Seed int64    `yaml:"seed"`
		}
		probs = fields(path, body, &f)
		if len(probs) == 0 {
			st.Frac, st.Seed = f.Frac, f.Seed
			switch {
			case f.N == nil && f.Frac == nil:
				probs = append(probs, path+": set n (a row count) or frac (a fraction)")
			case f.N != nil && f.Frac != nil:
				probs = append(probs, path+": set n or frac, not both")
			case f.N != nil && *f.N <= 0:
				probs = append(probs, fmt.Sprintf("%s.n: %d is not a positive row count", path, *f.N))
			case f.Frac != nil && (*f.Frac <= 0 || *f.Frac > 1):
				probs = append(probs, fmt.Sprintf("%s.frac: %v is not in (0, 1]", path, *f.Frac))
			}
			if f.N != nil {
				st.N = *f.N
			}
		}
	default:
		probs = append(probs, fmt.Sprintf("%s: unknown step kind %q (known: %s)", strings.TrimSuffix(path, "."+kind), kind, strings.Join(Kinds, ", ")))
	}
	return st, probs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
