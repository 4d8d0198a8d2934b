package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/train"
)

// Step kinds, in the order the lifecycle uses them.
const (
	KindIngest          = "ingest"
	KindPrep            = "prep"
	KindSplit           = "split"
	KindEDA             = "eda"
	KindFrame           = "frame"
	KindTrain           = "train"
	KindEval            = "eval"
	KindRegister        = "register"
	KindDeploy          = "deploy"
	KindMonitorSchedule = "monitor_schedule"
	KindRetrainPolicy   = "retrain_policy"
	KindAlarm           = "alarm"
)

// Kinds lists every step kind.
var Kinds = []string{KindIngest, KindPrep, KindSplit, KindEDA, KindFrame, KindTrain, KindEval,
	KindRegister, KindDeploy, KindMonitorSchedule, KindRetrainPolicy, KindAlarm}

// Pipeline is a parsed, validated pipeline file.
type Pipeline struct {
	// Name identifies the pipeline: its runs are recorded under it and the
	// step cache is that of its last succeeded run.
	Name  string `yaml:"name" json:"name"`
	Steps []Step `yaml:"steps" json:"steps"`
}

// Step is one step: an ID and exactly one kind's parameters.
type Step struct {
	ID              string           `yaml:"id" json:"id"`
	Ingest          *Ingest          `yaml:"ingest,omitempty" json:"ingest,omitempty"`
	Prep            *Prep            `yaml:"prep,omitempty" json:"prep,omitempty"`
	Split           *Split           `yaml:"split,omitempty" json:"split,omitempty"`
	EDA             *EDA             `yaml:"eda,omitempty" json:"eda,omitempty"`
	Frame           *Frame           `yaml:"frame,omitempty" json:"frame,omitempty"`
	Train           *Train           `yaml:"train,omitempty" json:"train,omitempty"`
	Eval            *Eval            `yaml:"eval,omitempty" json:"eval,omitempty"`
	Register        *Register        `yaml:"register,omitempty" json:"register,omitempty"`
	Deploy          *Deploy          `yaml:"deploy,omitempty" json:"deploy,omitempty"`
	MonitorSchedule *MonitorSchedule `yaml:"monitor_schedule,omitempty" json:"monitor_schedule,omitempty"`
	RetrainPolicy   *RetrainPolicy   `yaml:"retrain_policy,omitempty" json:"retrain_policy,omitempty"`
	Alarm           *Alarm           `yaml:"alarm,omitempty" json:"alarm,omitempty"`
}

// Kind returns the step's kind, or "" when none or several are set.
func (s *Step) Kind() string {
	k, n := "", 0
	for _, c := range []struct {
		kind string
		set  bool
	}{
		{KindIngest, s.Ingest != nil}, {KindPrep, s.Prep != nil}, {KindSplit, s.Split != nil},
		{KindEDA, s.EDA != nil}, {KindFrame, s.Frame != nil}, {KindTrain, s.Train != nil},
		{KindEval, s.Eval != nil}, {KindRegister, s.Register != nil}, {KindDeploy, s.Deploy != nil},
		{KindMonitorSchedule, s.MonitorSchedule != nil}, {KindRetrainPolicy, s.RetrainPolicy != nil},
		{KindAlarm, s.Alarm != nil},
	} {
		if c.set {
			k, n = c.kind, n+1
		}
	}
	if n != 1 {
		return ""
	}
	return k
}

// params returns the kind's parameters.
func (s *Step) params() any {
	switch s.Kind() {
	case KindIngest:
		return s.Ingest
	case KindPrep:
		return s.Prep
	case KindSplit:
		return s.Split
	case KindEDA:
		return s.EDA
	case KindFrame:
		return s.Frame
	case KindTrain:
		return s.Train
	case KindEval:
		return s.Eval
	case KindRegister:
		return s.Register
	case KindDeploy:
		return s.Deploy
	case KindMonitorSchedule:
		return s.MonitorSchedule
	case KindRetrainPolicy:
		return s.RetrainPolicy
	case KindAlarm:
		return s.Alarm
	}
	return nil
}

// Ingest adds a file to the catalog (mlcycle data add).
type Ingest struct {
	// Source is a path (relative to the pipeline file) or a file:// or
	// s3:// URL.
	Source string `yaml:"source" json:"source"`
	Name   string `yaml:"name" json:"name"`
	// Types forces the logical type of some columns.
	Types map[string]string `yaml:"types,omitempty" json:"types,omitempty"`
}

// Prep applies a prep recipe (docs/prep.md).
type Prep struct {
	Input string `yaml:"input" json:"input"`
	// Recipe is a recipe file path (relative to the pipeline file) or an
	// inline list of recipe steps.
	Recipe yaml.Node `yaml:"recipe" json:"-"`
	Output string    `yaml:"output" json:"output"`
	// RecipeText is the inline recipe as YAML, or the path; filled by Parse.
	RecipeText string `yaml:"-" json:"recipe"`
	// Inline says RecipeText is a recipe rather than a path.
	Inline bool `yaml:"-" json:"inline,omitempty"`
}

// Split makes train/valid/test parts (mlcycle data split).
type Split struct {
	Input    string  `yaml:"input" json:"input"`
	Test     float64 `yaml:"test" json:"test"`
	Valid    float64 `yaml:"valid,omitempty" json:"valid,omitempty"`
	Stratify string  `yaml:"stratify,omitempty" json:"stratify,omitempty"`
	Seed     uint64  `yaml:"seed" json:"seed"`
}

// EDA profiles a dataset and writes the HTML report.
type EDA struct {
	Input  string `yaml:"input" json:"input"`
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// Out is the HTML report path (relative: in the project folder).
	Out string `yaml:"out" json:"out"`
}

// Frame answers "is ML appropriate for the goal?" (mlcycle frame).
type Frame struct {
	Input  string `yaml:"input" json:"input"`
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	Seed   uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
}

// Train trains a model (mlcycle train).
type Train struct {
	Data   string `yaml:"data" json:"data"`
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	Algo   string `yaml:"algo,omitempty" json:"algo,omitempty"`
	// Params are the algorithm's parameters by name (docs/train.md).
	Params map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
	// Features is a feature spec file, relative to the pipeline file.
	Features string `yaml:"features,omitempty" json:"features,omitempty"`
	// Valid is a validation dataset; ValidFrac (default 0.2 without Valid)
	// the share of training rows held out otherwise.
	Valid     string   `yaml:"valid,omitempty" json:"valid,omitempty"`
	ValidFrac *float64 `yaml:"valid_frac,omitempty" json:"valid_frac,omitempty"`
	CV        int      `yaml:"cv,omitempty" json:"cv,omitempty"`
	Seed      uint64   `yaml:"seed,omitempty" json:"seed,omitempty"`
	Name      string   `yaml:"name,omitempty" json:"name,omitempty"`
}

// Eval evaluates a model against the goal (mlcycle eval).
type Eval struct {
	// Model is the id of an earlier train step, or a run number or name.
	Model string `yaml:"model" json:"model"`
	Data  string `yaml:"data" json:"data"`
	// Gate stops the pipeline when a goal criterion fails.
	Gate bool `yaml:"gate,omitempty" json:"gate,omitempty"`
	// Out is the HTML report path (relative: in the project folder).
	Out  string `yaml:"out" json:"out"`
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
}

// Register registers a training run as a model version.
type Register struct {
	// Run is the id of an earlier train step, or a run number or name.
	Run     string `yaml:"run" json:"run"`
	Name    string `yaml:"name" json:"name"`
	Approve bool   `yaml:"approve,omitempty" json:"approve,omitempty"`
	Alias   string `yaml:"alias,omitempty" json:"alias,omitempty"`
}

// Deploy points an endpoint at a model version.
type Deploy struct {
	Model          string   `yaml:"model" json:"model"`
	Endpoint       string   `yaml:"endpoint" json:"endpoint"`
	CapturePercent *float64 `yaml:"capture_percent,omitempty" json:"capture_percent,omitempty"`
}

// MonitorSchedule stores an endpoint's monitor schedule.
type MonitorSchedule struct {
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	Every    string `yaml:"every" json:"every"`
}

// RetrainPolicy stores an endpoint's retraining policy.
type RetrainPolicy struct {
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	Labels   int    `yaml:"labels,omitempty" json:"labels,omitempty"`
	Every    string `yaml:"every,omitempty" json:"every,omitempty"`
}

// Alarm creates or replaces an alarm on an endpoint's monitor runs.
type Alarm struct {
	Name      string  `yaml:"name" json:"name"`
	Endpoint  string  `yaml:"endpoint" json:"endpoint"`
	Metric    string  `yaml:"metric" json:"metric"`
	Op        string  `yaml:"op" json:"op"`
	Threshold float64 `yaml:"threshold" json:"threshold"`
	M         int     `yaml:"m,omitempty" json:"m,omitempty"`
	N         int     `yaml:"n,omitempty" json:"n,omitempty"`
	Webhook   string  `yaml:"webhook,omitempty" json:"webhook,omitempty"`
	Retrain   bool    `yaml:"retrain,omitempty" json:"retrain,omitempty"`
}

// Problems lists every problem of a pipeline file, each with its path.
type Problems []string

func (p Problems) Error() string {
	if len(p) == 1 {
		return "pipeline: " + p[0]
	}
	return fmt.Sprintf("pipeline: %d problems:\n  %s", len(p), strings.Join(p, "\n  "))
}

// refRE matches a reference to an earlier step's output.
var refRE = regexp.MustCompile(`\$\{steps\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\}`)

var idRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// Parse reads and validates a pipeline. Unknown fields, missing or wrong
// parameters and references to unknown or later steps are all reported,
// each with its path; the error is fault.KindInvalid.
func Parse(data []byte) (*Pipeline, error) {
	var p Pipeline
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var probs Problems
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fault.Mark(fault.KindInvalid, Problems{"empty: a pipeline needs a name and steps"})
		}
		// A type error (an unknown field, a wrong type) leaves the rest
		// decoded: report it with every other problem.
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, fault.Mark(fault.KindInvalid, Problems{"not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
		}
		probs = append(probs, te.Errors...)
	}
	if probs = append(probs, p.validate()...); len(probs) > 0 {
		return nil, fault.Mark(fault.KindInvalid, probs)
	}
	return &p, nil
}

func (p *Pipeline) validate() Problems {
	var probs Problems
	add := func(path, format string, args ...any) {
		probs = append(probs, path+": "+fmt.Sprintf(format, args...))
	}
	if p.Name == "" {
		add("name", "missing: name the pipeline (its runs are recorded under the name)")
	} else if err := registry.CheckName("pipeline", p.Name); err != nil {
		add("name", "%v", err)
	}
	if len(p.Steps) == 0 {
		add("steps", "missing: a pipeline needs at least one step")
	}
	kinds := map[string]string{} // id → kind of the steps before
	for i := range p.Steps {
		s := &p.Steps[i]
		path := fmt.Sprintf("steps[%d]", i)
		if s.ID == "" {
			add(path+".id", "missing")
		} else if !idRE.MatchString(s.ID) {
			add(path+".id", "%q: use a letter followed by letters, digits, '_' or '-'", s.ID)
		} else if _, dup := kinds[s.ID]; dup {
			add(path+".id", "%q is used by an earlier step", s.ID)
		}
		k := s.Kind()
		if k == "" {
			add(path, "want exactly one of %s", strings.Join(Kinds, ", "))
			kinds[s.ID] = ""
			continue
		}
		path += "." + k
		// References must name earlier steps.
		for _, f := range stringFields(s) {
			for _, m := range refRE.FindAllStringSubmatch(f, -1) {
				if _, ok := kinds[m[1]]; !ok {
					add(path, "%s refers to step %q, which is not an earlier step", m[0], m[1])
				}
			}
		}
		stepRef := func(field, v string) {
			if kk, ok := kinds[v]; ok && kk != KindTrain {
				add(path+"."+field, "step %q is a %s step, not a train step", v, kk)
			}
		}
		req := func(field, v string) {
			if v == "" {
				add(path+"."+field, "missing")
			}
		}
		switch k {
		case KindIngest:
			req("source", s.Ingest.Source)
			req("name", s.Ingest.Name)
		case KindPrep:
			req("input", s.Prep.Input)
			req("output", s.Prep.Output)
			switch s.Prep.Recipe.Kind {
			case yaml.ScalarNode:
				s.Prep.RecipeText = s.Prep.Recipe.Value
				req("recipe", s.Prep.RecipeText)
			case yaml.SequenceNode, yaml.MappingNode:
				b, err := yaml.Marshal(&s.Prep.Recipe)
				if err == nil {
					_, err = prep.Parse(b)
				}
				if err != nil {
					add(path+".recipe", "%v", err)
				}
				s.Prep.RecipeText, s.Prep.Inline = string(b), true
			default:
				add(path+".recipe", "missing: a recipe file path or a list of recipe steps")
			}
		case KindSplit:
			req("input", s.Split.Input)
			if !(s.Split.Test > 0 && s.Split.Test < 1) {
				add(path+".test", "%v: want a fraction between 0 and 1", s.Split.Test)
			}
			if s.Split.Valid < 0 || s.Split.Test+s.Split.Valid >= 1 {
				add(path+".valid", "%v: test + valid must leave rows for training", s.Split.Valid)
			}
		case KindEDA:
			req("input", s.EDA.Input)
			req("out", s.EDA.Out)
		case KindFrame:
			req("input", s.Frame.Input)
		case KindTrain:
			t := s.Train
			req("data", t.Data)
			if t.Algo != "" && !contains(train.Algos, t.Algo) {
				add(path+".algo", "%q: want one of %s", t.Algo, strings.Join(train.Algos, ", "))
			}
			if _, err := train.ParseParams(paramSpecs(t.Params)...); err != nil {
				add(path+".params", "%v", err)
			}
			if t.ValidFrac != nil && (*t.ValidFrac < 0 || *t.ValidFrac >= 1) {
				add(path+".valid_frac", "%v: want a fraction in [0, 1)", *t.ValidFrac)
			}
			if t.ValidFrac != nil && *t.ValidFrac > 0 && t.Valid != "" {
				add(path+".valid_frac", "give valid or valid_frac, not both")
			}
			if t.CV < 0 {
				add(path+".cv", "%d: want 0 or at least 2 folds", t.CV)
			}
		case KindEval:
			req("model", s.Eval.Model)
			req("data", s.Eval.Data)
			req("out", s.Eval.Out)
			stepRef("model", s.Eval.Model)
		case KindRegister:
			req("run", s.Register.Run)
			req("name", s.Register.Name)
			stepRef("run", s.Register.Run)
			if s.Register.Alias != "" && !s.Register.Approve {
				add(path+".alias", "an alias needs approve: true (only approved versions are deployed)")
			}
		case KindDeploy:
			req("model", s.Deploy.Model)
			req("endpoint", s.Deploy.Endpoint)
			if c := s.Deploy.CapturePercent; c != nil && (*c < 0 || *c > 100) {
				add(path+".capture_percent", "%v: want 0 to 100", *c)
			}
		case KindMonitorSchedule:
			req("endpoint", s.MonitorSchedule.Endpoint)
			if d, err := time.ParseDuration(s.MonitorSchedule.Every); err != nil || d < time.Second {
				add(path+".every", "%q: want a duration of at least 1s, such as 15m", s.MonitorSchedule.Every)
			}
		case KindRetrainPolicy:
			r := s.RetrainPolicy
			req("endpoint", r.Endpoint)
			if r.Labels < 0 {
				add(path+".labels", "%d: want 0 (off) or more", r.Labels)
			}
			if r.Every != "" {
				if d, err := time.ParseDuration(r.Every); err != nil || d < time.Minute {
					add(path+".every", "%q: want a duration of at least 1m, such as 24h", r.Every)
				}
			}
			if r.Labels == 0 && r.Every == "" {
				add(path, "set labels, every or both")
			}
		case KindAlarm:
			a := s.Alarm
			req("name", a.Name)
			req("endpoint", a.Endpoint)
			if err := a.spec().Validate(); err != nil {
				add(path, "%v", err)
			}
		}
		kinds[s.ID] = k
	}
	return probs
}

// spec returns the alarm's monitor spec, M and N defaulting to 1.
func (a *Alarm) spec() monitor.AlarmSpec {
	s := monitor.AlarmSpec{Metric: a.Metric, Op: a.Op, Threshold: a.Threshold, M: a.M, N: a.N, Webhook: a.Webhook, Retrain: a.Retrain}
	if s.M == 0 {
		s.M = 1
	}
	if s.N == 0 {
		s.N = max(1, s.M)
	}
	return s
}

// paramSpecs turns params into sorted "k=v" specs for train.ParseParams.
func paramSpecs(m map[string]any) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%v", k, v))
	}
	sortStrings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
