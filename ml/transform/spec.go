package transform

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// ErrInvalidSpec marks errors about a feature spec that breaks the rules:
// unknown operations, several operations in one step, unknown columns,
// steps that do not fit the kind of value they receive.
var ErrInvalidSpec = errors.New("invalid feature spec")

// ErrInput marks errors about serving or training data that the pipeline
// cannot transform: a required column that is absent, a column of the wrong
// kind, a training frame without rows.
var ErrInput = errors.New("invalid transform input")

// Spec is the feature spec: which input columns are used and the chain of
// steps each one goes through. The zero Spec passes every column through
// unchanged (dates get all date parts and text gets hashed, since neither
// can reach a model as it is).
type Spec struct {
	// Drop lists input columns that are not used.
	Drop []string `yaml:"drop,omitempty" json:"drop,omitempty"`
	// Defaults gives the steps of the columns not listed in Columns, by kind.
	// nil means they pass through unchanged.
	Defaults *Defaults `yaml:"defaults,omitempty" json:"defaults,omitempty"`
	// Columns gives the step chain of each listed column; an empty chain
	// passes the column through unchanged.
	Columns map[string][]Step `yaml:"columns,omitempty" json:"columns,omitempty"`
	// Derived lists new numeric columns computed from raw numeric inputs by
	// arithmetic expressions, before the per-column steps. A derived column
	// then gets the numeric default steps unless Columns lists it.
	Derived []Derived `yaml:"derived,omitempty" json:"derived,omitempty"`
	// Interactions lists pairs of numeric output columns whose product is
	// added as the output column "<a>__x__<b>".
	Interactions [][2]string `yaml:"interactions,omitempty" json:"interactions,omitempty"`
}

// Defaults gives the step chains of columns that Spec.Columns does not list,
// by the kind of the column. A nil chain passes the column through.
type Defaults struct {
	// Numeric applies to integer and float columns, and to derived columns.
	Numeric []Step `yaml:"numeric,omitempty" json:"numeric,omitempty"`
	// Categorical applies to categorical columns.
	Categorical []Step `yaml:"categorical,omitempty" json:"categorical,omitempty"`
	// Boolean applies to boolean columns.
	Boolean []Step `yaml:"boolean,omitempty" json:"boolean,omitempty"`
	// Date applies to date and timestamp columns; nil means all date parts.
	Date []Step `yaml:"date,omitempty" json:"date,omitempty"`
	// Text applies to text columns; nil means text_hash with its defaults.
	Text []Step `yaml:"text,omitempty" json:"text,omitempty"`
}

// Derived is one derived column: Name = Expr.
type Derived struct {
	// Name is the new column's name; it must not be an input column's.
	Name string `yaml:"name" json:"name"`
	// Expr is the arithmetic expression, for example "income / (household + 1)".
	Expr string `yaml:"expr" json:"expr"`
}

// Step is one operation of a column's chain. Exactly one operation field is
// set (Fill and Indicator qualify Impute). See docs/transform.md.
type Step struct {
	// Impute replaces missing values: "mean", "median", "mode" or "constant".
	Impute string `yaml:"impute,omitempty" json:"impute,omitempty"`
	// Fill is the constant of Impute "constant": a number for numeric values,
	// a string for categorical ones. Default 0, or "missing" for categoricals.
	Fill any `yaml:"fill,omitempty" json:"fill,omitempty"`
	// Indicator adds the 0/1 column "<col>__missing" when the training column
	// has missing values (as scikit-learn's features="missing-only").
	Indicator bool `yaml:"indicator,omitempty" json:"indicator,omitempty"`

	// Scale is "standard", "minmax" or "robust".
	Scale string `yaml:"scale,omitempty" json:"scale,omitempty"`
	// Clip limits values to fixed bounds or to fitted quantiles.
	Clip *Clip `yaml:"clip,omitempty" json:"clip,omitempty"`
	// Log applies ln(1+x); values at or below -1 become missing.
	Log bool `yaml:"log,omitempty" json:"log,omitempty"`
	// BoxCox applies the Box-Cox transform with a fitted lambda; values at or
	// below 0 become missing.
	BoxCox bool `yaml:"boxcox,omitempty" json:"boxcox,omitempty"`
	// YeoJohnson applies the Yeo-Johnson transform with a fitted lambda.
	YeoJohnson bool `yaml:"yeojohnson,omitempty" json:"yeojohnson,omitempty"`
	// Bins replaces values by their quantile bin index.
	Bins *Bins `yaml:"bins,omitempty" json:"bins,omitempty"`

	// OneHot expands a categorical into one 0/1 column per kept category.
	OneHot *OneHot `yaml:"onehot,omitempty" json:"onehot,omitempty"`
	// Ordinal replaces a category by its index in the sorted training categories.
	Ordinal bool `yaml:"ordinal,omitempty" json:"ordinal,omitempty"`
	// Frequency replaces a category by its share of the training rows.
	Frequency bool `yaml:"frequency,omitempty" json:"frequency,omitempty"`
	// Target replaces a category by the smoothed mean target of its rows.
	Target *TargetEncoding `yaml:"target,omitempty" json:"target,omitempty"`

	// DateParts expands a date or timestamp into the named parts: year,
	// month, day, dow, hour, weekend, days_since.
	DateParts []string `yaml:"date_parts,omitempty" json:"date_parts,omitempty"`
	// TextHash turns text into hashed TF-IDF columns.
	TextHash *TextHash `yaml:"text_hash,omitempty" json:"text_hash,omitempty"`
}

// Clip bounds values. Min and Max are fixed bounds; LowerQ and UpperQ are
// quantiles in [0, 1] fitted on the training values. A bound left nil is
// not applied; fixed bounds and quantiles of the same side exclude each other.
type Clip struct {
	Min    *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max    *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	LowerQ *float64 `yaml:"lower_q,omitempty" json:"lower_q,omitempty"`
	UpperQ *float64 `yaml:"upper_q,omitempty" json:"upper_q,omitempty"`
}

// Bins sets quantile binning.
type Bins struct {
	// N is the number of bins, at least 2. Default 5.
	N int `yaml:"n,omitempty" json:"n,omitempty"`
}

// OneHot sets one-hot encoding.
type OneHot struct {
	// MaxCategories bounds the number of output columns including "other".
	// When the training column has MaxCategories categories or more, the
	// MaxCategories-1 most frequent are kept (as scikit-learn does). Default 20; at least 2.
	MaxCategories int `yaml:"max_categories,omitempty" json:"max_categories,omitempty"`
}

// TargetEncoding sets target encoding.
type TargetEncoding struct {
	// Folds is the number of out-of-fold folds for the training frame.
	// Default Options.Folds, else 5; at least 2.
	Folds int `yaml:"folds,omitempty" json:"folds,omitempty"`
	// Smoothing is m in (sum_y + m*prior)/(n + m). Default 10; at least 0.
	Smoothing *float64 `yaml:"smoothing,omitempty" json:"smoothing,omitempty"`
}

// TextHash sets text hashing (n-grams → hashed TF-IDF).
type TextHash struct {
	// NFeatures is the number of hash columns. Default 1024.
	NFeatures int `yaml:"n_features,omitempty" json:"n_features,omitempty"`
	// NgramMin and NgramMax bound the word n-gram lengths. Default 1 and 1.
	NgramMin int `yaml:"ngram_min,omitempty" json:"ngram_min,omitempty"`
	NgramMax int `yaml:"ngram_max,omitempty" json:"ngram_max,omitempty"`
}

// Field is one input column of a schema: its name and logical type, one of
// the frame.Logical constants.
type Field struct {
	Name    string `json:"name"`
	Logical string `json:"logical"`
}

// datePartNames are the date parts in their output order.
var datePartNames = []string{"year", "month", "day", "dow", "hour", "weekend", "days_since"}

// ops returns the names of the operations set in s.
func (s Step) ops() []string {
	var ops []string
	add := func(set bool, name string) {
		if set {
			ops = append(ops, name)
		}
	}
	add(s.Impute != "", "impute")
	add(s.Scale != "", "scale")
	add(s.Clip != nil, "clip")
	add(s.Log, "log")
	add(s.BoxCox, "boxcox")
	add(s.YeoJohnson, "yeojohnson")
	add(s.Bins != nil, "bins")
	add(s.OneHot != nil, "onehot")
	add(s.Ordinal, "ordinal")
	add(s.Frequency, "frequency")
	add(s.Target != nil, "target")
	add(s.DateParts != nil, "date_parts")
	add(s.TextHash != nil, "text_hash")
	return ops
}

// DefaultSpec infers a spec from the schema. With forTrees (gbdt, forest)
// numeric, boolean and categorical columns pass through unchanged, dates
// become date parts and text is hashed. Otherwise (linear models) numeric
// columns are median-imputed with a missing indicator (added only when the
// training column has missing values) and standard-scaled, categoricals are
// one-hot encoded (20 columns at most, "other" included), booleans become 0/1
// with mode imputation, dates become date parts that are then imputed and
// scaled, and text is hashed. Every schema column is listed in Columns.
func DefaultSpec(schema []Field, forTrees bool) Spec {
	d := defaultsFor(forTrees)
	s := Spec{Defaults: d, Columns: make(map[string][]Step, len(schema))}
	for _, f := range schema {
		var chain []Step
		switch f.Logical {
		case frame.LogicalInteger, frame.LogicalFloat:
			chain = d.Numeric
		case frame.LogicalCategorical:
			chain = d.Categorical
		case frame.LogicalBoolean:
			chain = d.Boolean
		case frame.LogicalDate:
			chain = cloneSteps(d.Date)
			chain[0].DateParts = []string{"year", "month", "day", "dow", "weekend", "days_since"}
		case frame.LogicalTimestamp:
			chain = d.Date
		case frame.LogicalText:
			chain = d.Text
		default:
			continue
		}
		s.Columns[f.Name] = cloneSteps(chain)
	}
	return s
}

func defaultsFor(forTrees bool) *Defaults {
	dates := Step{DateParts: []string{"year", "month", "day", "dow", "hour", "weekend", "days_since"}}
	text := Step{TextHash: &TextHash{NFeatures: 1024, NgramMin: 1, NgramMax: 1}}
	if forTrees {
		return &Defaults{
			Numeric: []Step{}, Categorical: []Step{}, Boolean: []Step{},
			Date: []Step{dates}, Text: []Step{text},
		}
	}
	return &Defaults{
		Numeric:     []Step{{Impute: "median", Indicator: true}, {Scale: "standard"}},
		Categorical: []Step{{OneHot: &OneHot{MaxCategories: 20}}},
		Boolean:     []Step{{Impute: "mode"}},
		Date:        []Step{dates, {Impute: "median"}, {Scale: "standard"}},
		Text:        []Step{text},
	}
}

func cloneSteps(s []Step) []Step {
	out := make([]Step, len(s))
	copy(out, s)
	for i := range out {
		if out[i].DateParts != nil {
			out[i].DateParts = append([]string(nil), out[i].DateParts...)
		}
	}
	return out
}

// vkind is the kind of value flowing through a chain.
type vkind int

const (
	vNumeric vkind = iota + 1
	vCategorical
	vBoolean
	vDate
	vText
)

func (k vkind) String() string {
	switch k {
	case vNumeric:
		return "numeric"
	case vCategorical:
		return "categorical"
	case vBoolean:
		return "boolean"
	case vDate:
		return "date"
	case vText:
		return "text"
	}
	return "unknown"
}

func kindOfLogical(logical string) (vkind, bool) {
	switch logical {
	case frame.LogicalInteger, frame.LogicalFloat:
		return vNumeric, true
	case frame.LogicalCategorical:
		return vCategorical, true
	case frame.LogicalBoolean:
		return vBoolean, true
	case frame.LogicalDate, frame.LogicalTimestamp:
		return vDate, true
	case frame.LogicalText:
		return vText, true
	}
	return 0, false
}

// chainFor returns the chain of a column of kind k named name, and the path
// that names it in error messages.
func (s Spec) chainFor(name string, k vkind) ([]Step, string) {
	if c, ok := s.Columns[name]; ok {
		return c, "columns." + name
	}
	var c []Step
	var path string
	if s.Defaults != nil {
		switch k {
		case vNumeric:
			c, path = s.Defaults.Numeric, "defaults.numeric"
		case vCategorical:
			c, path = s.Defaults.Categorical, "defaults.categorical"
		case vBoolean:
			c, path = s.Defaults.Boolean, "defaults.boolean"
		case vDate:
			c, path = s.Defaults.Date, "defaults.date"
		case vText:
			c, path = s.Defaults.Text, "defaults.text"
		}
	}
	if c == nil {
		switch k {
		case vDate:
			return []Step{{DateParts: datePartNames}}, "defaults.date"
		case vText:
			return []Step{{TextHash: &TextHash{}}}, "defaults.text"
		}
	}
	return c, path
}

// Validate checks the spec against the schema of the training data and
// reports every problem at once, each with its path, for example
// `columns.age[1]: unknown scale "zscore" (want standard, minmax or robust)`.
// The error wraps ErrInvalidSpec.
func (s Spec) Validate(schema []Field) error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	kinds := make(map[string]vkind, len(schema))
	for _, f := range schema {
		k, ok := kindOfLogical(f.Logical)
		if !ok {
			add("schema: column %q has unknown logical type %q", f.Name, f.Logical)
			continue
		}
		kinds[f.Name] = k
	}
	dropped := make(map[string]bool)
	for i, d := range s.Drop {
		if _, ok := kinds[d]; !ok {
			add("drop[%d]: unknown column %q", i, d)
		}
		dropped[d] = true
	}
	derived := make(map[string]bool)
	for i, d := range s.Derived {
		path := fmt.Sprintf("derived[%d]", i)
		switch {
		case d.Name == "":
			add("%s: name is empty", path)
		case kinds[d.Name] != 0:
			add("%s: name %q is already an input column", path, d.Name)
		case derived[d.Name]:
			add("%s: name %q is repeated", path, d.Name)
		}
		derived[d.Name] = true
		e, err := parseExpr(d.Expr)
		if err != nil {
			add("%s.expr: %v", path, err)
			continue
		}
		for _, v := range e.vars() {
			k, ok := kinds[v]
			switch {
			case !ok:
				add("%s.expr: unknown column %q", path, v)
			case k != vNumeric && k != vBoolean:
				add("%s.expr: column %q is %s, not numeric", path, v, k)
			}
		}
	}
	names := make([]string, 0, len(s.Columns))
	for n := range s.Columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		k, ok := kinds[n]
		switch {
		case derived[n]:
			k = vNumeric
		case !ok:
			add("columns.%s: unknown column %q", n, n)
			continue
		case dropped[n]:
			add("columns.%s: column is also listed in drop", n)
			continue
		}
		checkChain(s.Columns[n], k, "columns."+n, add)
	}
	if d := s.Defaults; d != nil {
		checkChain(d.Numeric, vNumeric, "defaults.numeric", add)
		checkChain(d.Categorical, vCategorical, "defaults.categorical", add)
		checkChain(d.Boolean, vBoolean, "defaults.boolean", add)
		if d.Date != nil {
			checkChain(d.Date, vDate, "defaults.date", add)
		}
		if d.Text != nil {
			checkChain(d.Text, vText, "defaults.text", add)
		}
	}
	for i, p := range s.Interactions {
		for j, n := range p {
			if n == "" {
				add("interactions[%d][%d]: column name is empty", i, j)
			}
		}
		if p[0] != "" && p[0] == p[1] {
			add("interactions[%d]: %q with itself (use a derived column for squares)", i, p[0])
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(errs, "; "))
}

// checkChain checks a chain fed with a value of kind k and reports problems
// through add.
func checkChain(chain []Step, k vkind, path string, add func(string, ...any)) {
	for i, st := range chain {
		p := fmt.Sprintf("%s[%d]", path, i)
		ops := st.ops()
		if len(ops) == 0 {
			if st.Fill != nil || st.Indicator {
				add("%s: fill and indicator need impute", p)
			} else {
				add("%s: step sets no operation", p)
			}
			continue
		}
		if len(ops) > 1 {
			add("%s: step sets %s; want exactly one operation per step", p, strings.Join(ops, " and "))
			continue
		}
		if (st.Fill != nil || st.Indicator) && ops[0] != "impute" {
			add("%s: fill and indicator belong to impute, not %s", p, ops[0])
		}
		next, err := checkStep(st, ops[0], k)
		if err != "" {
			add("%s: %s", p, err)
			return
		}
		k = next
	}
	switch k {
	case vDate:
		add("%s: a date column needs a date_parts step", path)
	case vText:
		add("%s: a text column needs a text_hash step or a categorical encoding", path)
	}
}

// checkStep checks one operation applied to a value of kind k and returns
// the kind it produces, or a message.
func checkStep(st Step, op string, k vkind) (vkind, string) {
	numericIn := func() (vkind, string) {
		if k == vNumeric || k == vBoolean {
			return vNumeric, ""
		}
		return 0, fmt.Sprintf("%s needs a numeric value, got %s", op, k)
	}
	categoricalIn := func() (vkind, string) {
		if k == vCategorical || k == vText {
			return vNumeric, ""
		}
		return 0, fmt.Sprintf("%s needs a categorical value, got %s", op, k)
	}
	switch op {
	case "impute":
		switch st.Impute {
		case "mean", "median":
			return numericIn()
		case "mode", "constant":
		default:
			return 0, fmt.Sprintf("unknown impute %q (want mean, median, mode or constant)", st.Impute)
		}
		switch k {
		case vNumeric, vBoolean:
			if st.Fill != nil {
				if _, ok := toFloat(st.Fill); !ok {
					return 0, fmt.Sprintf("fill %v is not a number", st.Fill)
				}
			}
			return vNumeric, ""
		case vCategorical, vText:
			if st.Fill != nil {
				if _, ok := st.Fill.(string); !ok {
					return 0, fmt.Sprintf("fill %v is not a string", st.Fill)
				}
			}
			return vCategorical, ""
		}
		return 0, fmt.Sprintf("impute needs a numeric or categorical value, got %s", k)
	case "scale":
		switch st.Scale {
		case "standard", "minmax", "robust":
		default:
			return 0, fmt.Sprintf("unknown scale %q (want standard, minmax or robust)", st.Scale)
		}
		return numericIn()
	case "clip":
		c := st.Clip
		if c.Min == nil && c.Max == nil && c.LowerQ == nil && c.UpperQ == nil {
			return 0, "clip sets no bound (want min, max, lower_q or upper_q)"
		}
		if c.Min != nil && c.LowerQ != nil || c.Max != nil && c.UpperQ != nil {
			return 0, "clip sets a fixed bound and a quantile on the same side"
		}
		for _, q := range []*float64{c.LowerQ, c.UpperQ} {
			if q != nil && !(*q >= 0 && *q <= 1) {
				return 0, fmt.Sprintf("clip quantile %v outside [0, 1]", *q)
			}
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			return 0, fmt.Sprintf("clip min %v above max %v", *c.Min, *c.Max)
		}
		if c.LowerQ != nil && c.UpperQ != nil && *c.LowerQ > *c.UpperQ {
			return 0, fmt.Sprintf("clip lower_q %v above upper_q %v", *c.LowerQ, *c.UpperQ)
		}
		return numericIn()
	case "log", "boxcox", "yeojohnson":
		return numericIn()
	case "bins":
		if st.Bins.N != 0 && st.Bins.N < 2 {
			return 0, fmt.Sprintf("bins n %d below 2", st.Bins.N)
		}
		return numericIn()
	case "onehot":
		if m := st.OneHot.MaxCategories; m != 0 && m < 2 {
			return 0, fmt.Sprintf("onehot max_categories %d below 2", m)
		}
		return categoricalIn()
	case "ordinal", "frequency":
		return categoricalIn()
	case "target":
		if f := st.Target.Folds; f != 0 && f < 2 {
			return 0, fmt.Sprintf("target folds %d below 2", f)
		}
		if m := st.Target.Smoothing; m != nil && !(*m >= 0 && !math.IsInf(*m, 1)) {
			return 0, fmt.Sprintf("target smoothing %v is not a finite number >= 0", *m)
		}
		return categoricalIn()
	case "date_parts":
		if k != vDate {
			return 0, fmt.Sprintf("date_parts needs a date value, got %s", k)
		}
		if len(st.DateParts) == 0 {
			return 0, "date_parts lists no part (want year, month, day, dow, hour, weekend or days_since)"
		}
		seen := map[string]bool{}
		for _, p := range st.DateParts {
			if !contains(datePartNames, p) {
				return 0, fmt.Sprintf("unknown date part %q (want year, month, day, dow, hour, weekend or days_since)", p)
			}
			if seen[p] {
				return 0, fmt.Sprintf("date part %q repeated", p)
			}
			seen[p] = true
		}
		return vNumeric, ""
	case "text_hash":
		if k != vText {
			return 0, fmt.Sprintf("text_hash needs a text value, got %s", k)
		}
		h := st.TextHash.withDefaults()
		if h.NFeatures < 1 || h.NFeatures > 1<<20 {
			return 0, fmt.Sprintf("text_hash n_features %d outside [1, 1048576]", h.NFeatures)
		}
		if h.NgramMin < 1 || h.NgramMax < h.NgramMin || h.NgramMax > 10 {
			return 0, fmt.Sprintf("text_hash ngram range [%d, %d] invalid (want 1 <= ngram_min <= ngram_max <= 10)", h.NgramMin, h.NgramMax)
		}
		return vNumeric, ""
	}
	return 0, "unknown operation " + op
}

func (h TextHash) withDefaults() TextHash {
	if h.NFeatures == 0 {
		h.NFeatures = 1024
	}
	if h.NgramMin == 0 {
		h.NgramMin = 1
	}
	if h.NgramMax == 0 {
		h.NgramMax = h.NgramMin
	}
	return h
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// toFloat converts a decoded YAML or JSON number to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint:
		return float64(x), true
	}
	return 0, false
}
