// Package config finds an mlcycle project and reads its configuration.
//
// A project is a directory holding mlcycle.yaml and the .mlcycle/ folder
// (the SQLite catalog, the artifact directory and scratch space). Commands
// find it like git finds a repository: from the working directory upwards,
// unless --project DIR or MLCYCLE_PROJECT names it.
//
// Settings are layered, later layers winning: defaults < mlcycle.yaml <
// environment (MLCYCLE_STORE, MLCYCLE_ARTIFACTS) < flags (--store). The
// defaults keep everything inside the project: SQLite at
// .mlcycle/catalog.db and artifacts under .mlcycle/artifacts.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mlcycle/mlcycle/internal/fault"
	"gopkg.in/yaml.v3"
)

// FileName is the project file's name.
const FileName = "mlcycle.yaml"

// StateDir is the project's state directory, relative to the project root.
const StateDir = ".mlcycle"

// Config is a project's configuration.
type Config struct {
	// Dir is the project's root directory (absolute).
	Dir string `yaml:"-"`
	// Name is the project's name. Required.
	Name string `yaml:"name"`
	// Store is the metadata store URL: a postgres:// URL, or empty for the
	// embedded SQLite catalog at .mlcycle/catalog.db.
	Store string `yaml:"store,omitempty"`
	// Artifacts is the artifact store URL: s3://bucket?..., file:///dir,
	// or empty for .mlcycle/artifacts.
	Artifacts string `yaml:"artifacts,omitempty"`
	// GoalNode is the goal section as parsed YAML; Goal is its decoded,
	// validated form (nil when the section is absent).
	GoalNode yaml.Node `yaml:"goal,omitempty"`
	Goal     *Goal     `yaml:"-"`
}

// SQLitePath is the embedded catalog's path.
func (c *Config) SQLitePath() string { return filepath.Join(c.Dir, StateDir, "catalog.db") }

// StoreURL returns the metadata store URL in force: Store, or the
// embedded SQLite file.
func (c *Config) StoreURL() string {
	if c.Store != "" {
		return c.Store
	}
	return "sqlite://" + c.SQLitePath()
}

// ArtifactsURL returns the artifact store URL in force.
func (c *Config) ArtifactsURL() string {
	if c.Artifacts != "" {
		return c.Artifacts
	}
	return "file://" + filepath.Join(c.Dir, StateDir, "artifacts")
}

// ScratchDir is the project's directory for temporary files; it is on the
// same file system as the default artifact directory, so staged files are
// moved into place by rename.
func (c *Config) ScratchDir() string { return filepath.Join(c.Dir, StateDir, "tmp") }

// Overrides are settings from the environment and flags.
type Overrides struct {
	Store     string // --store or MLCYCLE_STORE
	Artifacts string // MLCYCLE_ARTIFACTS
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// Load reads dir/mlcycle.yaml, applies the overrides and validates.
func Load(dir string, o Overrides) (*Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := filepath.Join(abs, FileName)
	data, err := os.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fault.NotFound("config: %s not found", p)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fault.Invalid("config: %s: %s", p, yamlMessage(err))
	}
	c.Dir = abs
	if o.Store != "" {
		c.Store = o.Store
	}
	if o.Artifacts != "" {
		c.Artifacts = o.Artifacts
	}
	var probs []string
	if err := c.Validate(); err != nil {
		probs = append(probs, err.Error())
	}
	g, err := ParseGoal(&c.GoalNode)
	if err != nil {
		probs = append(probs, err.Error())
	}
	c.Goal = g
	if len(probs) > 0 {
		return nil, fault.Invalid("config: %s: %s", p, strings.Join(probs, "; "))
	}
	return c, nil
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Validate reports every problem, each with its field path.
func (c *Config) Validate() error {
	var probs []string
	if c.Name == "" {
		probs = append(probs, "name: required")
	} else if !nameRE.MatchString(c.Name) {
		probs = append(probs, fmt.Sprintf("name: %q must start with a letter or digit and hold only letters, digits, '_', '.', '-'", c.Name))
	}
	if c.Store != "" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") && !strings.HasPrefix(c.Store, "sqlite://") {
		probs = append(probs, fmt.Sprintf("store: %q is not a postgres:// or sqlite:// URL", c.Store))
	}
	if c.Artifacts != "" && !strings.HasPrefix(c.Artifacts, "s3://") && !strings.HasPrefix(c.Artifacts, "file://") {
		probs = append(probs, fmt.Sprintf("artifacts: %q is not an s3:// or file:// URL", c.Artifacts))
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

// Find returns the project directory: explicit if not empty, else the
// nearest directory at or above start holding mlcycle.yaml.
func Find(start, explicit string) (string, error) {
	if explicit != "" {
		abs, err := filepath.Abs(explicit)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(abs, FileName)); err != nil {
			return "", fault.NotFound("project: %s has no %s (run `mlcycle init` there)", abs, FileName)
		}
		return abs, nil
	}
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fault.NotFound("project: no %s in %s or any parent directory (run `mlcycle init NAME`, or pass --project DIR)", FileName, start)
		}
		dir = parent
	}
}

// Init creates a project in dir (created if missing) named name: it writes
// mlcycle.yaml and the .mlcycle/ folder. It fails if dir already holds a
// project.
func Init(dir, name string) (*Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if !nameRE.MatchString(name) {
		return nil, fault.Invalid("init: project name %q must start with a letter or digit and hold only letters, digits, '_', '.', '-'", name)
	}
	p := filepath.Join(abs, FileName)
	if _, err := os.Stat(p); err == nil {
		return nil, fault.Conflict("init: %s already exists", p)
	}
	for _, d := range []string{abs, filepath.Join(abs, StateDir, "artifacts"), filepath.Join(abs, StateDir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	gi := filepath.Join(abs, StateDir, ".gitignore")
	if err := os.WriteFile(gi, []byte("# mlcycle state: catalog, artifacts, scratch space\n*\n"), 0o644); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if err := os.WriteFile(p, []byte(fmt.Sprintf(template, name)), 0o644); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	return Load(abs, Overrides{})
}

const template = `# mlcycle project file. Docs: docs/config.md in the mlcycle repository.
name: %s

# Metadata store: the embedded SQLite catalog in .mlcycle/catalog.db unless
# set here, by MLCYCLE_STORE or by --store.
# store: postgres://user@127.0.0.1:5432/mlcycle?sslmode=disable

# Artifact store: .mlcycle/artifacts unless set here or by MLCYCLE_ARTIFACTS.
# artifacts: s3://my-bucket?region=eu-west-1

# The business goal that the "goal met?" gate checks. Example:
# goal:
#   kpi: retained_revenue
#   task: binary
#   target: churn
#   positive: "yes"
#   criteria:
#     - metric: roc_auc
#       min: 0.85
#     - metric: recall
#       min: 0.6
#     - business: roi
#       min: 2.0
#   value:
#     tp: 120
#     fp: -15
#     fn: -120
#     tn: 0
#   budget:
#     train_seconds: 600
#     p99_latency_ms: 20
`
