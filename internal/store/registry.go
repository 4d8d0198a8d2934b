package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotApproved is returned (wrapped, marked fault.KindConflict) by
// PutEndpoint when the version to deploy is not approved and the call is
// not forced.
var ErrNotApproved = errors.New("model version not approved")

// Model version statuses. A version is registered pending; a reviewer
// approves or rejects it. Only pending versions change status unless the
// change is forced.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// Model event kinds: what a history entry records.
const (
	EventRegister = "register" // a version was registered
	EventApprove  = "approve"  // its status became approved
	EventReject   = "reject"   // its status became rejected
	EventAlias    = "alias"    // an alias was set on it (or moved to it)
	EventUnalias  = "unalias"  // an alias was removed from it
	EventDeploy   = "deploy"   // an endpoint now serves it
	EventUndeploy = "undeploy" // an endpoint that served it was deleted
)

// Model is a registered model: a name with numbered versions.
type Model struct {
	ID        int64
	Name      string
	CreatedAt time.Time // when version 1 was registered
	// Latest is the highest version number (versions are never deleted,
	// so it is also the number of versions).
	Latest int
	// Aliases are the model's aliases, by name.
	Aliases []Alias
}

// Alias is a name for one version of a model ("champion").
type Alias struct {
	Name    string
	Version int
}

// ModelVersion is one registered version of a model.
type ModelVersion struct {
	ID      int64
	Model   string
	Version int // 1, 2, ... per model
	// RunID is the training run that made the model package.
	RunID int64
	// ArtifactKey is where the model package lives in the artifact store.
	ArtifactKey string
	// Task is the package's task (binary, multiclass, regression).
	Task   string
	Status string // StatusPending, StatusApproved or StatusRejected
	// Metrics holds the package's training-time metrics as JSON; opaque
	// to the store.
	Metrics   []byte
	CreatedAt time.Time
	// StatusAt is when Status last changed (CreatedAt while pending).
	StatusAt time.Time
	// Aliases names the aliases that point at this version, sorted.
	Aliases []string
}

// Change says who makes a change, why and when; every write of the
// registry records it in the history.
type Change struct {
	Actor  string
	Reason string
	At     time.Time
}

// NewModelVersion is what RegisterModelVersion needs. The store assigns
// the ID and the version number; the status starts pending.
type NewModelVersion struct {
	Model       string
	RunID       int64
	ArtifactKey string
	Task        string
	Metrics     []byte
	Change      Change // At is the version's CreatedAt
}

// ModelEvent is one entry of the append-only history of the registry.
type ModelEvent struct {
	ID      int64
	Model   string
	Version int
	Kind    string // one of the Event constants
	// Endpoint names the endpoint of a deploy or undeploy event; empty
	// for other kinds.
	Endpoint string
	Actor    string
	Reason   string
	At       time.Time
	// Detail holds what else the event knows as a JSON object: for
	// register {"run_id", "artifact_key"}; for approve and reject
	// {"from", "forced"}; for alias and unalias {"alias", "from"}; for
	// deploy and undeploy {"endpoint", "generation", "from_model",
	// "from_version", "config"}.
	Detail []byte
}

// EventFilter selects history entries; zero fields select all.
type EventFilter struct {
	Model    string
	Version  int
	Endpoint string
	// Until keeps the events at or before this time; zero for all.
	Until time.Time
}

// Endpoint is a named real-time endpoint serving one model version.
type Endpoint struct {
	ID      int64
	Name    string
	Model   string
	Version int
	// Config holds the endpoint's settings (capture sampling percentage,
	// ...) as JSON; opaque to the store.
	Config []byte
	// Generation increases by one on every change of the endpoint
	// (deploy, update, delete), and keeps increasing when an endpoint of
	// a deleted one's name is created again, so a server that polls
	// Endpoints sees every change by comparing generations.
	Generation int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NewEndpoint is what PutEndpoint needs.
type NewEndpoint struct {
	Name    string
	Model   string
	Version int
	Config  []byte
	// Force deploys a version that is not approved.
	Force  bool
	Change Change
}

// Served says which model version an endpoint served at a time.
type Served struct {
	Endpoint   string
	Model      string
	Version    int
	Generation int64
	// Since is when the endpoint started serving it (the deploy event).
	Since time.Time
}

// Registry is the model registry part of the metadata store: models and
// their versions, approval statuses, aliases, endpoints, and the
// append-only history of every change. Every method that changes state
// records its history event in the same transaction. Names are compared
// exactly (case-sensitive).
type Registry interface {
	// RegisterModelVersion records the next version of model nv.Model
	// (creating the model at its first version), pending, with a
	// register event, in one transaction. Concurrent registrations of one
	// model get distinct consecutive numbers. A run that does not exist is
	// ErrNotFound; a run already registered under the same model is
	// ErrDuplicate (fault.KindConflict).
	RegisterModelVersion(ctx context.Context, nv NewModelVersion) (ModelVersion, error)
	// ModelVersion returns version v of model name; v == 0 means the
	// latest.
	ModelVersion(ctx context.Context, name string, v int) (ModelVersion, error)
	// ModelVersionByAlias returns the version that alias of model name
	// points at.
	ModelVersionByAlias(ctx context.Context, name, alias string) (ModelVersion, error)
	// ModelVersions lists the versions of model name, oldest first.
	ModelVersions(ctx context.Context, name string) ([]ModelVersion, error)
	// Model returns model name with its latest version and aliases.
	Model(ctx context.Context, name string) (Model, error)
	// Models lists all models by name.
	Models(ctx context.Context) ([]Model, error)
	// SetModelStatus sets the status of version v of model name to
	// StatusApproved or StatusRejected (anything else is
	// fault.KindInvalid) and records an approve or reject event. Without
	// force only a pending version changes status; otherwise the error is
	// fault.KindConflict.
	SetModelStatus(ctx context.Context, name string, v int, status string, force bool, ch Change) (ModelVersion, error)
	// SetAlias points alias of model name at version v, creating it or
	// moving it from another version, and records an alias event. An
	// alias that is empty or all digits is fault.KindInvalid. Setting an
	// alias to the version it already points at changes nothing and
	// records nothing.
	SetAlias(ctx context.Context, name, alias string, v int, ch Change) (ModelVersion, error)
	// RemoveAlias removes alias of model name and records an unalias
	// event on the version it pointed at, which it returns.
	RemoveAlias(ctx context.Context, name, alias string, ch Change) (ModelVersion, error)
	// ModelEvents lists history entries oldest first (by time, then by
	// order of recording).
	ModelEvents(ctx context.Context, f EventFilter) ([]ModelEvent, error)
	// PutEndpoint creates endpoint e.Name or points it at another
	// version or config, increments its generation and records a deploy
	// event, in one transaction. The version must exist (ErrNotFound) and
	// be approved unless e.Force (else ErrNotApproved,
	// fault.KindConflict).
	PutEndpoint(ctx context.Context, e NewEndpoint) (Endpoint, error)
	// Endpoint returns endpoint name.
	Endpoint(ctx context.Context, name string) (Endpoint, error)
	// Endpoints lists the endpoints by name.
	Endpoints(ctx context.Context) ([]Endpoint, error)
	// DeleteEndpoint deletes endpoint name and records an undeploy event
	// for the version it served; it returns the endpoint as it was, with
	// the generation of the deletion.
	DeleteEndpoint(ctx context.Context, name string, ch Change) (Endpoint, error)
	// ServedAt says which version endpoint name served at t, from the
	// deploy and undeploy events: the latest of them at or before t. An
	// endpoint that did not exist at t is ErrNotFound.
	ServedAt(ctx context.Context, name string, t time.Time) (Served, error)
}
