// Package store defines the metadata store: the contract that every catalog
// driver implements, and the records it keeps.
//
// Two drivers implement it and pass the same conformance suite
// (storetest.Run): internal/store/sqlite (modernc.org/sqlite, the embedded
// default) and internal/store/postgres (pgx). Both run numbered migrations on
// Open, kept as .sql files per driver.
//
// Concurrency: a Store is safe for concurrent use by many goroutines, and
// several processes may share one database (the CLI beside a running server):
// writes are transactions, and version numbers are assigned inside them.
//
// Ownership: the store keeps metadata only. The bytes of a dataset version
// live in the artifact store (internal/blob) under Version.ArtifactKey; the
// caller writes the object before CreateVersions and deletes it if
// CreateVersions fails, so a failed step leaves neither a row nor a file.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// ErrNotFound is returned (wrapped, marked fault.KindNotFound) when a dataset
// or version does not exist.
var ErrNotFound = errors.New("not found")

// ErrDuplicate is returned (wrapped, marked fault.KindConflict) by
// CreateVersions when a dataset already has a version with the same
// InputKey: the same input was already recorded, typically by a concurrent
// caller. The caller looks the existing version up with VersionByInput.
var ErrDuplicate = errors.New("duplicate version input")

// NotFoundf returns an error wrapping ErrNotFound marked KindNotFound.
func NotFoundf(what string) error {
	return fault.Mark(fault.KindNotFound, &wrapped{msg: what + ": not found", err: ErrNotFound})
}

// Duplicatef returns an error wrapping ErrDuplicate marked KindConflict.
func Duplicatef(what string) error {
	return fault.Mark(fault.KindConflict, &wrapped{msg: what + ": already recorded", err: ErrDuplicate})
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// Version kinds: how a dataset version was made.
const (
	KindIngest = "ingest" // read from a file or object
	KindPrep   = "prep"   // a prep recipe over parent versions
	KindSplit  = "split"  // one part of a train/valid/test split
)

// Dataset is a named, versioned table in the catalog.
type Dataset struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	// Latest is the highest version number; Versions counts versions
	// (equal to Latest, since versions are never deleted).
	Latest int
	// LatestRows and LatestBytes describe the latest version.
	LatestRows  int64
	LatestBytes int64
}

// Parent is a lineage edge from a version to one of its inputs.
type Parent struct {
	VersionID int64  // the parent version's ID
	Dataset   string // the parent's dataset name (filled on read)
	Version   int    // the parent's version number (filled on read)
	// Role says how the parent was used: "input" (prep input, split
	// source) or "join" (a dataset joined in a recipe).
	Role string
}

// Version is one immutable version of a dataset.
type Version struct {
	ID      int64
	Dataset string
	Version int // 1, 2, ... per dataset
	Kind    string
	// ContentHash is a sha256 (hex) of the version's data: for an ingested
	// version, of the source file's bytes (so it matches `sha256sum FILE`);
	// for a derived version (prep, split), of the stored Parquet object.
	ContentHash string
	// InputKey (sha256 hex) identifies how the version was made: the source
	// bytes' hash and the ingest options, or the parents and the recipe.
	// It is unique per dataset: the same input never makes two versions.
	InputKey string
	// Schema is the version's schema as JSON (catalog.Schema); the store
	// keeps it opaque.
	Schema []byte
	Rows   int64
	Bytes  int64 // size of the stored Parquet object
	// Source describes where the data came from: a path or URL for ingest,
	// a description for derived versions.
	Source string
	// Options holds the options that made the version as JSON (ingest
	// options, recipe, split parameters); opaque to the store.
	Options     []byte
	ArtifactKey string
	CreatedAt   time.Time
	Parents     []Parent
}

// NewVersion is what CreateVersions needs to record a version. The store
// assigns ID and Version.
type NewVersion struct {
	Dataset     string
	Kind        string
	ContentHash string
	InputKey    string
	Schema      []byte
	Rows        int64
	Bytes       int64
	Source      string
	Options     []byte
	ArtifactKey string
	CreatedAt   time.Time
	// Parents are lineage edges; only VersionID and Role are read.
	Parents []Parent
}

// Catalog is the dataset part of the metadata store.
type Catalog interface {
	// CreateVersions records each new version, creating its dataset when
	// it does not exist yet, in one transaction: either all are recorded
	// or none is. Each gets the next version number of its dataset. If a
	// dataset already has a version with the same InputKey, nothing is
	// recorded and the error wraps ErrDuplicate. A parent VersionID that
	// does not exist fails the whole call with ErrNotFound.
	CreateVersions(ctx context.Context, vs []NewVersion) ([]Version, error)
	// Version returns version v of dataset name; v == 0 means the latest.
	Version(ctx context.Context, name string, v int) (Version, error)
	// VersionByID returns the version with the given ID.
	VersionByID(ctx context.Context, id int64) (Version, error)
	// VersionByInput returns the version of dataset name made from
	// inputKey, or an error wrapping ErrNotFound.
	VersionByInput(ctx context.Context, name, inputKey string) (Version, error)
	// Versions lists the versions of dataset name, oldest first.
	Versions(ctx context.Context, name string) ([]Version, error)
	// Datasets lists all datasets by name.
	Datasets(ctx context.Context) ([]Dataset, error)
	// Children lists the versions that have version id as a parent,
	// ordered by ID.
	Children(ctx context.Context, id int64) ([]Version, error)
}

// Run kinds and statuses.
const (
	RunTrain = "train" // a training run: fits transforms and a model
	RunEval  = "eval"  // an evaluation of a model on a dataset version
	// RunMonitor compares an endpoint's captured traffic with its model's
	// baseline.
	RunMonitor = "monitor"
	// RunRetrain retrains an endpoint's model on new labels and decides
	// whether the challenger replaces the champion.
	RunRetrain = "retrain"
	// RunPipeline is one run of a declarative pipeline; its metrics hold
	// the step records (internal/pipeline).
	RunPipeline = "pipeline"

	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// RunInput is a dataset version that a run read.
type RunInput struct {
	VersionID int64  // the version's ID
	Dataset   string // filled on read
	Version   int    // filled on read
	// Role says how the run used it: "train", "valid" or "data" (eval).
	Role string
}

// Run is one training or evaluation run. JSON fields are opaque to the
// store.
type Run struct {
	ID     int64
	Name   string
	Kind   string // RunTrain, RunEval or RunMonitor
	Status string // RunRunning, RunSucceeded, RunFailed or RunCancelled
	// Parent is the run this one derives from (the training run an
	// evaluation evaluated); 0 for none.
	Parent int64
	Target string
	Algo   string
	// Params holds the algorithm's parameters as JSON.
	Params []byte
	// Options holds everything else that made the run as JSON (feature
	// spec, seed, validation split, cross-validation folds, budget).
	Options []byte
	// Metrics holds the final metrics as JSON; Curve the per-iteration
	// learning curve as JSON. Both are nil while the run runs.
	Metrics []byte
	Curve   []byte
	// ArtifactKey is where the run's main artifact (the model package of
	// a training run, the report of an evaluation) lives in the artifact
	// store; empty until the run succeeds.
	ArtifactKey string
	// Error says why a run failed or was cancelled.
	Error        string
	StartedAt    time.Time
	FinishedAt   time.Time // zero while running
	PeakMemBytes int64
	Inputs       []RunInput
}

// NewRun is what CreateRun needs; the run starts as RunRunning.
type NewRun struct {
	Name      string
	Kind      string
	Parent    int64
	Target    string
	Algo      string
	Params    []byte
	Options   []byte
	StartedAt time.Time
	// Inputs: only VersionID and Role are read.
	Inputs []RunInput
}

// RunEnd is how a run finished.
type RunEnd struct {
	Status       string // RunSucceeded, RunFailed or RunCancelled
	Metrics      []byte
	Curve        []byte
	ArtifactKey  string
	Error        string
	FinishedAt   time.Time
	PeakMemBytes int64
}

// RunFilter selects runs; zero fields select all.
type RunFilter struct {
	Name  string
	Kind  string
	Limit int // the newest Limit runs; 0 for all
}

// Runs is the run-tracking part of the metadata store.
type Runs interface {
	// CreateRun records a new running run. An input VersionID that does
	// not exist fails with ErrNotFound.
	CreateRun(ctx context.Context, r NewRun) (Run, error)
	// FinishRun records how run id ended. A run ends once: finishing a
	// run that is not running is a fault.KindConflict error.
	FinishRun(ctx context.Context, id int64, end RunEnd) (Run, error)
	// Run returns run id.
	Run(ctx context.Context, id int64) (Run, error)
	// ListRuns lists runs newest first.
	ListRuns(ctx context.Context, f RunFilter) ([]Run, error)
}

// Label is the ground truth of one served prediction.
type Label struct {
	InferenceID string
	// Value is the label as text: the class label, or the value of a
	// regression target in shortest float form.
	Value string
	// PredictedAt is when the prediction was made (from the inference id
	// and capture); ReceivedAt when the label arrived.
	PredictedAt time.Time
	ReceivedAt  time.Time
}

// Feedback is the ground-truth part of the metadata store.
type Feedback interface {
	// AddLabels records labels of endpoint's predictions in one
	// transaction. A label whose inference id already has one is not
	// recorded again: its id is returned in duplicates.
	AddLabels(ctx context.Context, endpoint string, labels []Label) (added int, duplicates []string, err error)
	// Labels returns endpoint's labels of predictions made in [from, to),
	// ordered by prediction time.
	Labels(ctx context.Context, endpoint string, from, to time.Time) ([]Label, error)
}

// Schedule says how often the server runs a monitor run of an endpoint.
type Schedule struct {
	Endpoint  string
	Every     time.Duration
	UpdatedAt time.Time
}

// RetrainPolicy says when the server retrains an endpoint's model: every
// Every, or once MinLabels new labels arrived since the last retraining
// (zero turns a trigger off).
type RetrainPolicy struct {
	Endpoint  string
	MinLabels int
	Every     time.Duration
	UpdatedAt time.Time
}

// Schedules is the schedule part of the metadata store: monitor schedules
// and retraining policies.
type Schedules interface {
	// SetRetrainPolicy creates or replaces endpoint's policy; both
	// triggers zero removes it.
	SetRetrainPolicy(ctx context.Context, p RetrainPolicy) error
	// RetrainPolicies lists the policies by endpoint.
	RetrainPolicies(ctx context.Context) ([]RetrainPolicy, error)
	// CountLabels counts endpoint's labels received at or after since.
	CountLabels(ctx context.Context, endpoint string, since time.Time) (int, error)
	// SetSchedule creates or replaces endpoint's schedule; every 0
	// removes it.
	SetSchedule(ctx context.Context, endpoint string, every time.Duration, at time.Time) error
	// MonitorSchedules lists the schedules by endpoint.
	MonitorSchedules(ctx context.Context) ([]Schedule, error)
}

// Alarm states.
const (
	AlarmOK               = "OK"
	AlarmAlarm            = "ALARM"
	AlarmInsufficientData = "INSUFFICIENT_DATA"
)

// Alarm is a stored alarm: its definition (Spec, JSON, opaque to the
// store) and current state.
type Alarm struct {
	Name      string
	Endpoint  string
	Spec      []byte
	State     string
	UpdatedAt time.Time
}

// AlarmEvent is one state change of an alarm.
type AlarmEvent struct {
	Alarm  string
	State  string
	Reason string
	At     time.Time
}

// Alarms is the alarm part of the metadata store.
type Alarms interface {
	// PutAlarm creates or replaces an alarm's definition; a new alarm
	// starts in AlarmInsufficientData.
	PutAlarm(ctx context.Context, name, endpoint string, spec []byte, at time.Time) (Alarm, error)
	// DeleteAlarm removes an alarm and its history.
	DeleteAlarm(ctx context.Context, name string) error
	// ListAlarms lists alarms by name; endpoint "" lists all.
	ListAlarms(ctx context.Context, endpoint string) ([]Alarm, error)
	// SetAlarmState records a state change (an event) when state differs
	// from the current one, and reports whether it changed.
	SetAlarmState(ctx context.Context, name, state, reason string, at time.Time) (changed bool, err error)
	// AlarmHistory lists an alarm's state changes, oldest first.
	AlarmHistory(ctx context.Context, name string) ([]AlarmEvent, error)
}

// Store is a metadata store. Close releases its connections.
type Store interface {
	Catalog
	Runs
	Feedback
	Schedules
	Alarms
	Registry
	// Driver names the driver: "sqlite" or "postgres".
	Driver() string
	Close() error
}
