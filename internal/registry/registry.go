package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os/user"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/predict"
)

// Service registers, approves, aliases and deploys model versions. Its
// fields are set by the caller (internal/app); it is safe for concurrent
// use.
type Service struct {
	Store store.Store
	Blob  *blob.Store
	Clock clock.Clock  // default clock.Real
	Log   *slog.Logger // default: discard
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log.With("component", "registry")
}

func (s *Service) change(actor, reason string) store.Change {
	return store.Change{Actor: actor, Reason: reason, At: s.now()}
}

// Actor names who makes a change: $MLCYCLE_USER, else the operating
// system's user name, else "unknown". getenv reads the environment (the
// CLI passes its injected one).
func Actor(getenv func(string) string) string {
	if getenv != nil {
		if u := strings.TrimSpace(getenv("MLCYCLE_USER")); u != "" {
			return u
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// namePattern is what model and endpoint names look like: they appear in
// URLs (/endpoints/{name}) and in references (name@alias).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// aliasPattern is what aliases look like: a letter first, so that an alias
// is never read as a version number.
var aliasPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)

// Latest is the reserved alias that names a model's latest version.
const Latest = "latest"

// CheckName reports (fault.KindInvalid) whether name is not a valid
// model or endpoint name; what says which ("model", "endpoint").
func CheckName(what, name string) error {
	if !namePattern.MatchString(name) {
		return fault.Invalid("%s name %q: want letters, digits, '_', '.' or '-' (up to 128, starting with a letter or digit)", what, name)
	}
	return nil
}

// CheckAlias reports (fault.KindInvalid) whether alias is not a valid
// alias.
func CheckAlias(alias string) error {
	if alias == Latest {
		return fault.Invalid("alias %q is reserved: it always names the latest version", alias)
	}
	if !aliasPattern.MatchString(alias) {
		return fault.Invalid("alias %q: want a letter, then letters, digits, '_', '.' or '-' (up to 64)", alias)
	}
	return nil
}

// Ref names a model version: the latest (Version 0, Alias ""), a number,
// or an alias.
type Ref struct {
	Model   string
	Version int    // 0 unless the reference gave a number
	Alias   string // "" unless the reference gave an alias
}

// ParseRef parses "model", "model@3", "model@latest" or "model@alias".
func ParseRef(s string) (Ref, error) {
	name, sel, hasSel := strings.Cut(s, "@")
	if err := CheckName("model", name); err != nil {
		return Ref{}, fault.Invalid("model reference %q: %w", s, err)
	}
	r := Ref{Model: name}
	switch {
	case !hasSel || sel == Latest:
	case sel == "":
		return Ref{}, fault.Invalid("model reference %q: nothing after @; want NAME, NAME@VERSION or NAME@ALIAS", s)
	case strings.Trim(sel, "0123456789") == "":
		v, err := strconv.Atoi(sel)
		if err != nil || v < 1 {
			return Ref{}, fault.Invalid("model reference %q: version %q; versions start at 1", s, sel)
		}
		r.Version = v
	default:
		if !aliasPattern.MatchString(sel) {
			return Ref{}, fault.Invalid("model reference %q: %q is neither a version number nor an alias", s, sel)
		}
		r.Alias = sel
	}
	return r, nil
}

// String formats r as ParseRef reads it.
func (r Ref) String() string {
	switch {
	case r.Alias != "":
		return r.Model + "@" + r.Alias
	case r.Version > 0:
		return r.Model + "@" + strconv.Itoa(r.Version)
	}
	return r.Model
}

// Register registers the model package of training run runRef (its number
// or name: the newest training run of that name) as the next version of
// model name, pending approval. The run must have succeeded and its
// package must load; its task and training metrics are copied into the
// version.
func (s *Service) Register(ctx context.Context, runRef, name, actor, reason string) (store.ModelVersion, error) {
	if err := CheckName("model", name); err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: register run %s: %w", runRef, err)
	}
	run, err := train.FindRun(ctx, s.Store, runRef, store.RunTrain)
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: register run %s as %q: %w", runRef, name, err)
	}
	what := fmt.Sprintf("registry: register run %d (%s) as %q", run.ID, run.Name, name)
	if run.Kind != store.RunTrain {
		return store.ModelVersion{}, fault.Invalid("%s: it is an %s run; only training runs make models", what, run.Kind)
	}
	if run.Status != store.RunSucceeded || run.ArtifactKey == "" {
		return store.ModelVersion{}, fault.Invalid("%s: the run %s; only a succeeded training run has a model to register", what, run.Status)
	}
	m, err := s.load(ctx, run.ArtifactKey)
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("%s: %w", what, err)
	}
	p := m.Package()
	if p.Lineage.RunID != 0 && p.Lineage.RunID != run.ID {
		return store.ModelVersion{}, fault.Invalid("%s: the package at %s was made by run %d", what, run.ArtifactKey, p.Lineage.RunID)
	}
	var metrics []byte
	if len(p.Metrics) > 0 {
		if metrics, err = json.Marshal(p.Metrics); err != nil {
			return store.ModelVersion{}, fmt.Errorf("%s: %w", what, err)
		}
	}
	mv, err := s.Store.RegisterModelVersion(ctx, store.NewModelVersion{
		Model: name, RunID: run.ID, ArtifactKey: run.ArtifactKey, Task: p.Task, Metrics: metrics,
		Change: s.change(actor, reason),
	})
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("%s: %w", what, err)
	}
	s.log().InfoContext(ctx, "registered model version", "model", name, "version", mv.Version, "run", run.ID, "actor", actor)
	return mv, nil
}

// load reads and checks the model package at key.
func (s *Service) load(ctx context.Context, key string) (*predict.Model, error) {
	rc, err := s.Blob.NewReader(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read model package %s: %w", key, err)
	}
	defer rc.Close()
	m, err := predict.Load(rc)
	if err != nil {
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("model package %s: %w", key, err))
	}
	return m, nil
}

// Lookup returns the version ref names, without loading its package.
func (s *Service) Lookup(ctx context.Context, ref string) (store.ModelVersion, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: %w", err)
	}
	return s.lookup(ctx, r)
}

func (s *Service) lookup(ctx context.Context, r Ref) (store.ModelVersion, error) {
	var mv store.ModelVersion
	var err error
	if r.Alias != "" {
		mv, err = s.Store.ModelVersionByAlias(ctx, r.Model, r.Alias)
	} else {
		mv, err = s.Store.ModelVersion(ctx, r.Model, r.Version)
	}
	if err != nil {
		if fault.KindOf(err) == fault.KindNotFound {
			return store.ModelVersion{}, fmt.Errorf("registry: model %s: %w (see mlcycle model list)", r, err)
		}
		return store.ModelVersion{}, fmt.Errorf("registry: model %s: %w", r, err)
	}
	return mv, nil
}

// Resolved is a model version with its loaded package.
type Resolved struct {
	Ref     Ref
	Version store.ModelVersion // Version.ArtifactKey locates the package
	Model   *predict.Model
}

// Resolve returns the version ref names ("churn", "churn@3",
// "churn@champion") with its model package loaded.
func (s *Service) Resolve(ctx context.Context, ref string) (*Resolved, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	mv, err := s.lookup(ctx, r)
	if err != nil {
		return nil, err
	}
	m, err := s.Load(ctx, mv)
	if err != nil {
		return nil, err
	}
	return &Resolved{Ref: r, Version: mv, Model: m}, nil
}

// ForEndpoint returns the version that endpoint ep serves, with its
// package loaded: what a server loads when it sees a new generation of
// the endpoint.
func (s *Service) ForEndpoint(ctx context.Context, ep store.Endpoint) (*Resolved, error) {
	mv, err := s.Store.ModelVersion(ctx, ep.Model, ep.Version)
	if err != nil {
		return nil, fmt.Errorf("registry: endpoint %q: %w", ep.Name, err)
	}
	m, err := s.Load(ctx, mv)
	if err != nil {
		return nil, fmt.Errorf("registry: endpoint %q: %w", ep.Name, err)
	}
	return &Resolved{Ref: Ref{Model: mv.Model, Version: mv.Version}, Version: mv, Model: m}, nil
}

// Load loads the model package of version mv.
func (s *Service) Load(ctx context.Context, mv store.ModelVersion) (*predict.Model, error) {
	m, err := s.load(ctx, mv.ArtifactKey)
	if err != nil {
		return nil, fmt.Errorf("registry: model %s@%d: %w", mv.Model, mv.Version, err)
	}
	return m, nil
}

// Approve approves the pending version ref names. reason may be empty.
func (s *Service) Approve(ctx context.Context, ref, actor, reason string) (store.ModelVersion, error) {
	return s.SetStatus(ctx, ref, store.StatusApproved, actor, reason, false)
}

// Reject rejects the pending version ref names; reason is required.
func (s *Service) Reject(ctx context.Context, ref, actor, reason string) (store.ModelVersion, error) {
	return s.SetStatus(ctx, ref, store.StatusRejected, actor, reason, false)
}

// SetStatus sets the status of the version ref names to
// store.StatusApproved or store.StatusRejected. Without force only a
// pending version changes status (else fault.KindConflict, naming the
// current status and --force). A rejection and a forced change need a
// reason.
func (s *Service) SetStatus(ctx context.Context, ref, status, actor, reason string, force bool) (store.ModelVersion, error) {
	verb := map[string]string{store.StatusApproved: "approve", store.StatusRejected: "reject"}[status]
	if verb == "" {
		return store.ModelVersion{}, fault.Invalid("registry: status %q: want %s or %s", status, store.StatusApproved, store.StatusRejected)
	}
	if strings.TrimSpace(reason) == "" && (status == store.StatusRejected || force) {
		what := "a rejection"
		if force {
			what = "a forced status change"
		}
		return store.ModelVersion{}, fault.Invalid("registry: %s %s: %s needs a reason (--reason)", verb, ref, what)
	}
	mv, err := s.Lookup(ctx, ref)
	if err != nil {
		return store.ModelVersion{}, err
	}
	at := fmt.Sprintf("%s@%d", mv.Model, mv.Version)
	if mv.Status != store.StatusPending && !force {
		return store.ModelVersion{}, fault.Conflict("registry: %s %s: it is already %s; only a pending version is approved or rejected (pass --force with a --reason to change it)", verb, at, mv.Status)
	}
	out, err := s.Store.SetModelStatus(ctx, mv.Model, mv.Version, status, force, s.change(actor, reason))
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: %s %s: %w", verb, at, err)
	}
	s.log().InfoContext(ctx, "model version status", "model", mv.Model, "version", mv.Version, "status", status, "actor", actor)
	return out, nil
}

// Alias points alias at the version ref names, creating the alias or
// moving it from another version.
func (s *Service) Alias(ctx context.Context, ref, alias, actor, reason string) (store.ModelVersion, error) {
	if err := CheckAlias(alias); err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: %w", err)
	}
	mv, err := s.Lookup(ctx, ref)
	if err != nil {
		return store.ModelVersion{}, err
	}
	out, err := s.Store.SetAlias(ctx, mv.Model, alias, mv.Version, s.change(actor, reason))
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: alias %s@%d as %q: %w", mv.Model, mv.Version, alias, err)
	}
	return out, nil
}

// Unalias removes alias from model and returns the version it named.
func (s *Service) Unalias(ctx context.Context, model, alias, actor, reason string) (store.ModelVersion, error) {
	out, err := s.Store.RemoveAlias(ctx, model, alias, s.change(actor, reason))
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("registry: remove alias %q of model %q: %w", alias, model, err)
	}
	return out, nil
}

// History returns the registry's history entries that f selects, oldest
// first.
func (s *Service) History(ctx context.Context, f store.EventFilter) ([]store.ModelEvent, error) {
	es, err := s.Store.ModelEvents(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("registry: history: %w", err)
	}
	return es, nil
}

// EndpointConfig holds an endpoint's settings, stored as JSON with the
// endpoint.
type EndpointConfig struct {
	// CapturePercent is the share of requests whose inputs and outputs
	// are captured, 0 to 100. Default 100.
	CapturePercent float64 `json:"capture_percent"`
}

// DefaultEndpointConfig returns the settings of a new endpoint.
func DefaultEndpointConfig() EndpointConfig { return EndpointConfig{CapturePercent: 100} }

// Validate reports what is wrong with c.
func (c EndpointConfig) Validate() error {
	if c.CapturePercent < 0 || c.CapturePercent > 100 || c.CapturePercent != c.CapturePercent {
		return fault.Invalid("capture percent %v: want 0 to 100", c.CapturePercent)
	}
	return nil
}

// ParseEndpointConfig reads an endpoint's stored config; empty means the
// defaults, and fields absent from the JSON keep their defaults.
func ParseEndpointConfig(b []byte) (EndpointConfig, error) {
	c := DefaultEndpointConfig()
	if len(b) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return EndpointConfig{}, fault.Invalid("endpoint config: %w", err)
	}
	return c, nil
}

// DeployOpts are the options of Deploy.
type DeployOpts struct {
	// Force deploys a version that is not approved; Reason is then
	// required.
	Force bool
	// Config sets the endpoint's settings; nil keeps the endpoint's
	// current ones (DefaultEndpointConfig for a new endpoint).
	Config *EndpointConfig
	Actor  string
	Reason string
}

// Deploy points endpoint at the version ref names, creating the endpoint
// if needed. Only approved versions are deployed unless o.Force. A running
// server picks the change up by the endpoint's generation.
func (s *Service) Deploy(ctx context.Context, ref, endpoint string, o DeployOpts) (store.Endpoint, error) {
	if err := CheckName("endpoint", endpoint); err != nil {
		return store.Endpoint{}, fmt.Errorf("registry: deploy %s: %w", ref, err)
	}
	mv, err := s.Lookup(ctx, ref)
	if err != nil {
		return store.Endpoint{}, err
	}
	at := fmt.Sprintf("%s@%d", mv.Model, mv.Version)
	what := fmt.Sprintf("registry: deploy %s to endpoint %q", at, endpoint)
	if mv.Status != store.StatusApproved && !o.Force {
		return store.Endpoint{}, fault.Conflict("%s: the version is %s; only approved versions are deployed (approve it with: mlcycle model approve %s, or pass --force with a --reason)", what, mv.Status, at)
	}
	if o.Force && mv.Status != store.StatusApproved && strings.TrimSpace(o.Reason) == "" {
		return store.Endpoint{}, fault.Invalid("%s: deploying a %s version with --force needs a reason (--reason)", what, mv.Status)
	}
	var cfg EndpointConfig
	switch {
	case o.Config != nil:
		cfg = *o.Config
	default:
		cfg = DefaultEndpointConfig()
		cur, err := s.Store.Endpoint(ctx, endpoint)
		switch {
		case err == nil:
			if cfg, err = ParseEndpointConfig(cur.Config); err != nil {
				return store.Endpoint{}, fmt.Errorf("%s: current %w", what, err)
			}
		case fault.KindOf(err) != fault.KindNotFound:
			return store.Endpoint{}, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return store.Endpoint{}, fmt.Errorf("%s: %w", what, err)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return store.Endpoint{}, fmt.Errorf("%s: %w", what, err)
	}
	ep, err := s.Store.PutEndpoint(ctx, store.NewEndpoint{Name: endpoint, Model: mv.Model, Version: mv.Version,
		Config: b, Force: o.Force, Change: s.change(o.Actor, o.Reason)})
	if err != nil {
		if errors.Is(err, store.ErrNotApproved) {
			return store.Endpoint{}, fmt.Errorf("%s: its status changed meanwhile (pass --force to deploy anyway): %w", what, err)
		}
		return store.Endpoint{}, fmt.Errorf("%s: %w", what, err)
	}
	s.log().InfoContext(ctx, "deployed", "endpoint", endpoint, "model", mv.Model, "version", mv.Version, "generation", ep.Generation, "actor", o.Actor)
	return ep, nil
}

// Undeploy deletes endpoint.
func (s *Service) Undeploy(ctx context.Context, endpoint, actor, reason string) (store.Endpoint, error) {
	ep, err := s.Store.DeleteEndpoint(ctx, endpoint, s.change(actor, reason))
	if err != nil {
		return store.Endpoint{}, fmt.Errorf("registry: delete endpoint %q: %w", endpoint, err)
	}
	return ep, nil
}

// ServedAt says which version endpoint served at t (fault.KindNotFound
// when the endpoint did not exist then).
func (s *Service) ServedAt(ctx context.Context, endpoint string, t time.Time) (store.Served, error) {
	sv, err := s.Store.ServedAt(ctx, endpoint, t)
	if err != nil {
		return store.Served{}, fmt.Errorf("registry: %w", err)
	}
	return sv, nil
}

// Description is everything `model show` tells about a version.
type Description struct {
	Version store.ModelVersion
	// Package is the version's model package (schema, classes,
	// metrics, lineage).
	Package *predict.Package
	// Run is the training run that made it.
	Run store.Run
	// Datasets are the dataset versions the run read and, transitively,
	// the versions they were made from, nearest first.
	Datasets []store.Version
	// History is the version's history, oldest first.
	History []store.ModelEvent
	// Endpoints lists the endpoints serving the version now.
	Endpoints []store.Endpoint
}

// Describe gathers what is known about the version ref names.
func (s *Service) Describe(ctx context.Context, ref string) (*Description, error) {
	res, err := s.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	mv := res.Version
	d := &Description{Version: mv, Package: res.Model.Package()}
	what := fmt.Sprintf("registry: describe %s@%d", mv.Model, mv.Version)
	if d.Run, err = s.Store.Run(ctx, mv.RunID); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	seen := map[int64]bool{}
	queue := make([]int64, 0, len(d.Run.Inputs))
	for _, in := range d.Run.Inputs {
		queue = append(queue, in.VersionID)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		v, err := s.Store.VersionByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("%s: lineage: %w", what, err)
		}
		d.Datasets = append(d.Datasets, v)
		for _, p := range v.Parents {
			queue = append(queue, p.VersionID)
		}
	}
	if d.History, err = s.Store.ModelEvents(ctx, store.EventFilter{Model: mv.Model, Version: mv.Version}); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	eps, err := s.Store.Endpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	d.Endpoints = slices.DeleteFunc(eps, func(e store.Endpoint) bool { return e.Model != mv.Model || e.Version != mv.Version })
	return d, nil
}
