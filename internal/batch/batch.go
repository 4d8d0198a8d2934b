// Package batch is batch transform: it scores every row of a dataset
// version with a model and records the predictions as a new catalog
// version, as a job on River (internal/jobs).
//
// # How a run goes
//
// Run checks everything it can before any work starts (the dataset exists,
// the model resolves, the data has every column of the model's schema —
// even those the transforms could impute: a column absent from a whole
// dataset means the wrong dataset, not a missing value — the ID
// columns exist and don't clash with output columns), then returns the
// existing version when the same model has already scored the same input
// into the same dataset (the catalog's input key). Otherwise it inserts a
// job, unique by its key (model artifact, input version, output name, ID
// columns, shard size), and waits for it, reporting progress.
//
// The worker loads the model's columns of the input into a frame, cuts it
// into shards of Opts.ShardRows rows, and for each shard not yet done
// predicts through predict.Model.Predict (the one prediction path; gbdt's
// batch prediction already uses every core) and writes the shard's
// predictions as a Parquet object batch/<key>/shard-NNNNN.parquet in the
// artifact store. When every shard is there, DuckDB joins the input's ID
// columns with the shards by position into one Parquet file, which is
// recorded through catalog.Record (kind "batch", lineage role "input" to the
// scored version), and the shard objects are deleted.
//
// # Resuming
//
// Shard objects are the durable progress: a job that stops part-way (the
// command was interrupted, the process killed) leaves the shards it
// finished, and a re-run of the same command finds them by the key and
// computes only the others. River's job row follows: an interrupted
// attempt ends the job (MaxAttempts is 1, so nothing retries behind the
// user's back) and the re-run inserts a new one with the same key. A
// process killed outright leaves its job "running"; the worker refreshes a
// lease object (batch/<key>/lease) every LeaseEvery, and a re-run that
// finds the job running with a lease older than LeaseTimeout takes the job
// over (jobs.Client.Takeover) instead of waiting for River's rescuer.
//
// A job that fails for any other reason (bad data, a model that changed
// under the same reference) deletes its shards: a failure leaves neither a
// version nor objects behind.
//
// # Output
//
// The output version holds, in order: the input's ID columns (named id,
// *_id or key, or given with Opts.IDs), prediction (the class label, or the
// value for regression), proba_<class> per class (classification), model
// (the model's name) and model_version. Row order is the input's.
package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/jobs"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/predict"
)

// Kind is the catalog kind of a batch transform's output versions.
const Kind = "batch"

// DefaultShardRows is the default shard size.
const DefaultShardRows = 100_000

// Resolved is a model reference resolved to a loaded model.
type Resolved struct {
	// Ref is the canonical reference that resolves to this same model
	// again ("churn@2", a run ID, an absolute file path): the job stores
	// it, and the worker resolves it.
	Ref string
	// Name and Version name the model in the output (registry name and
	// version; for a training run, its name and ID; for a file, the
	// package's name and 0).
	Name    string
	Version int
	// ArtifactKey identifies the model's bytes (artifact key, or a file's
	// path and sha256): part of the job's identity.
	ArtifactKey string
	Model       *predict.Model
}

// Resolver resolves a model reference. RegistryResolver resolves
// registered models ("churn@2", "churn@champion") and falls back to
// RunResolver, which resolves training runs and model files.
type Resolver func(ctx context.Context, ref string) (Resolved, error)

// Deps are the service's collaborators.
type Deps struct {
	Catalog *catalog.Service
	Blob    *blob.Store
	Resolve Resolver
	Clock   clock.Clock  // default clock.Real
	Log     *slog.Logger // default: discard
}

// Config tunes the service. The zero value is ready to use.
type Config struct {
	// LeaseEvery is how often a running job refreshes its lease. Default 5s.
	LeaseEvery time.Duration
	// LeaseTimeout is how old a running job's lease must be for a re-run
	// to take the job over. Default 30s.
	LeaseTimeout time.Duration
	// PollEvery is how often Run reads the job's state while waiting.
	// Default 20ms.
	PollEvery time.Duration
	// Parallel is how many shards a job predicts at once. Default 2.
	Parallel int
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.LeaseEvery == 0 {
		c.LeaseEvery = 5 * time.Second
	}
	if c.LeaseTimeout == 0 {
		c.LeaseTimeout = 30 * time.Second
	}
	if c.PollEvery == 0 {
		c.PollEvery = 20 * time.Millisecond
	}
	if c.Parallel <= 0 {
		c.Parallel = 2
	}
	return c
}

// Service runs batch transforms. Register its worker with a jobs client
// (Register), then set the client with SetJobs before calling Run.
type Service struct {
	cat     *catalog.Service
	blob    *blob.Store
	resolve Resolver
	clock   clock.Clock
	log     *slog.Logger
	cfg     Config

	jobs *jobs.Client

	mu      sync.Mutex
	watches map[string]*watch // by job key: progress and errors for an in-process Run
}

// watch connects an in-process Run with the worker executing its job.
type watch struct {
	progress func(done, total int64)
	// run is the waiting Run's context (kept, against the rule, because
	// the worker must stop when the command waiting for it is
	// interrupted).
	run      context.Context
	started  bool
	err      error
	computed int
	reused   int
}

// New returns a batch transform service.
func New(d Deps, cfg Config) *Service {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		cat: d.Catalog, blob: d.Blob, resolve: d.Resolve, clock: d.Clock,
		log: d.Log.With("component", "batch"), cfg: cfg.WithDefaults(),
		watches: map[string]*watch{},
	}
}

// Register adds the batch transform worker to workers.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, &worker{s: s})
}

// SetJobs sets the jobs client Run inserts into.
func (s *Service) SetJobs(c *jobs.Client) { s.jobs = c }

// Opts are the options of one batch transform.
type Opts struct {
	// Model is the model reference, resolved by the Resolver.
	Model string
	// Data is the input dataset reference ("name", "name@3").
	Data string
	// Out is the output dataset's name.
	Out string
	// IDs are the ID columns copied to the output. Nil: the input's
	// columns named id, *_id or key (any case).
	IDs []string
	// ShardRows is the shard size. Default DefaultShardRows.
	ShardRows int
	// Progress, if set, is called as shards finish with the rows done
	// and the total (also for shards found done by a resumed job).
	Progress func(done, total int64)
}

// Result is the outcome of Run.
type Result struct {
	Version  catalog.Version
	Input    catalog.Version
	Model    Resolved
	Existing bool  // the output existed already; nothing was computed
	JobID    int64 // 0 when Existing
	Shards   int   // shards of the input
	Computed int   // shards predicted by this run (when the job ran in this process)
	Reused   int   // shards found done by an earlier, interrupted run
}

// Args are the batch transform job's arguments.
type Args struct {
	// Key identifies the job: equal keys are the same work.
	Key string `json:"key" river:"unique"`
	// InputKey is the output version's catalog input key.
	InputKey     string   `json:"input_key"`
	Model        string   `json:"model"`
	ModelKey     string   `json:"model_key"`
	ModelName    string   `json:"model_name"`
	ModelVersion int      `json:"model_version"`
	DatasetID    int64    `json:"dataset_id"`
	Out          string   `json:"out"`
	IDs          []string `json:"ids"`
	ShardRows    int      `json:"shard_rows"`
}

// Kind returns the River job kind.
func (Args) Kind() string { return "batch_transform" }

// plan is a checked batch transform, before the job.
type plan struct {
	args  Args
	model Resolved
	in    catalog.Version
}

// Run scores Data with Model into a new version of Out through a job, and
// waits for it. Interrupted (ctx cancelled), it returns the partial Result
// (shards computed and reused so far) with ctx's error, and leaves the
// finished shards for a re-run to reuse.
func (s *Service) Run(ctx context.Context, o Opts) (*Result, error) {
	if s.jobs == nil {
		return nil, errors.New("batch: no jobs client (SetJobs)")
	}
	p, err := s.plan(ctx, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Input: p.in, Model: p.model, Shards: shards(p.in.Rows, p.args.ShardRows)}
	if v, ok, err := s.cat.Lookup(ctx, o.Out, p.args.InputKey); err != nil {
		return nil, err
	} else if ok {
		res.Version, res.Existing = v, true
		return res, nil
	}
	w := &watch{progress: o.Progress, run: ctx}
	s.mu.Lock()
	if _, busy := s.watches[p.args.Key]; busy {
		s.mu.Unlock()
		return nil, fault.Mark(fault.KindConflict, fmt.Errorf("batch: the same transform is already running in this process"))
	}
	s.watches[p.args.Key] = w
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watches, p.args.Key)
		s.mu.Unlock()
	}()

	ins, err := s.jobs.Insert(ctx, p.args, &river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("batch: insert job: %w", err)
	}
	job := ins.Job
	res.JobID = job.ID
	if ins.UniqueSkippedAsDuplicate {
		if err := s.revive(ctx, job, p.args.Key); err != nil {
			return nil, err
		}
	}
	s.log.InfoContext(ctx, "batch job", "job", job.ID, "model", p.model.Ref, "data", fmt.Sprintf("%s@%d", p.in.Dataset, p.in.Number()), "out", o.Out, "resumed", ins.UniqueSkippedAsDuplicate)
	row, err := s.jobs.Wait(ctx, job.ID, s.cfg.PollEvery)
	if err != nil {
		s.mu.Lock()
		started := w.started
		s.mu.Unlock()
		if ctx.Err() != nil && started {
			// The worker in this process stops at the interruption; wait
			// for its job to end so that a re-run starts a new one.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			_, _ = s.jobs.Wait(wctx, job.ID, s.cfg.PollEvery)
			cancel()
			s.mu.Lock()
			res.Computed, res.Reused = w.computed, w.reused
			s.mu.Unlock()
		}
		return res, err
	}
	s.mu.Lock()
	werr, computed, reused := w.err, w.computed, w.reused
	s.mu.Unlock()
	res.Computed, res.Reused = computed, reused
	if row.State != rivertype.JobStateCompleted {
		if werr != nil {
			return nil, werr
		}
		return nil, fmt.Errorf("batch: job %d %s: %s", job.ID, row.State, jobs.LastError(row))
	}
	v, ok, err := s.cat.Lookup(ctx, o.Out, p.args.InputKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("batch: job %d completed but %s has no version of its input key", job.ID, o.Out)
	}
	res.Version = v
	return res, nil
}

// revive makes an existing job with the same key run: a retryable or
// scheduled one now, a running one whose lease has expired (its process
// died) by taking it over. A running job with a live lease is left alone:
// Run then waits for it.
func (s *Service) revive(ctx context.Context, job *rivertype.JobRow, key string) error {
	switch job.State {
	case rivertype.JobStateRetryable, rivertype.JobStateScheduled:
		_, err := s.jobs.JobRetry(ctx, job.ID)
		return err
	case rivertype.JobStateRunning:
		at, ok, err := s.readLease(ctx, key)
		if err != nil {
			return err
		}
		if !ok && job.AttemptedAt != nil {
			at = *job.AttemptedAt
		}
		if age := s.clock.Now().Sub(at); age > s.cfg.LeaseTimeout {
			return s.jobs.Takeover(ctx, job.ID, fmt.Sprintf("lease expired %s ago: the process working it stopped", age.Round(time.Second)))
		}
	}
	return nil
}

// plan resolves and checks a transform.
func (s *Service) plan(ctx context.Context, o Opts) (*plan, error) {
	if o.Model == "" || o.Data == "" || o.Out == "" {
		return nil, fault.Invalid("batch: a model, a dataset and an output name are required")
	}
	if err := catalog.CheckName(o.Out); err != nil {
		return nil, err
	}
	if o.ShardRows < 0 {
		return nil, fault.Invalid("batch: shard size %d: want a positive number of rows", o.ShardRows)
	}
	if o.ShardRows == 0 {
		o.ShardRows = DefaultShardRows
	}
	in, err := s.cat.Get(ctx, o.Data)
	if err != nil {
		return nil, err
	}
	if in.Rows == 0 {
		return nil, fault.Invalid("batch: %s@%d has no rows", in.Dataset, in.Number())
	}
	m, err := s.resolve(ctx, o.Model)
	if err != nil {
		return nil, err
	}
	sch := in.Schema()
	var missing []string
	for _, f := range m.Model.Schema() {
		if sch.Index(f.Name) < 0 {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fault.Invalid("batch: %s@%d lacks the model's column(s) %s (it has: %s)",
			in.Dataset, in.Number(), strings.Join(missing, ", "), strings.Join(sch.Names(), ", "))
	}
	ids := o.IDs
	if ids == nil {
		ids = DefaultIDs(sch.Names())
	}
	var probs []string
	out := outputNames(m.Model)
	for i, id := range ids {
		switch {
		case sch.Index(id) < 0:
			probs = append(probs, fmt.Sprintf("ID column %q is not in %s@%d", id, in.Dataset, in.Number()))
		case slices.Contains(out, id):
			probs = append(probs, fmt.Sprintf("ID column %q has the name of an output column", id))
		case slices.Contains(ids[:i], id):
			probs = append(probs, fmt.Sprintf("ID column %q is given twice", id))
		}
	}
	if len(probs) > 0 {
		return nil, fault.Invalid("batch: %s", strings.Join(probs, "; "))
	}
	inputKey := catalog.InputKey(Kind, m.ArtifactKey, m.Name, m.Version, in.ID, ids)
	args := Args{
		InputKey: inputKey, Model: m.Ref, ModelKey: m.ArtifactKey, ModelName: m.Name, ModelVersion: m.Version,
		DatasetID: in.ID, Out: o.Out, IDs: append([]string{}, ids...), ShardRows: o.ShardRows,
	}
	args.Key = catalog.InputKey("batch-job", inputKey, o.Out, o.ShardRows)[:32]
	return &plan{args: args, model: m, in: in}, nil
}

// DefaultIDs returns the ID-like columns among names: id, key, or ending
// in _id (any case).
func DefaultIDs(names []string) []string {
	var out []string
	for _, n := range names {
		l := strings.ToLower(n)
		if l == "id" || l == "key" || strings.HasSuffix(l, "_id") {
			out = append(out, n)
		}
	}
	return out
}

// outputNames returns the prediction columns a model's output has, after
// the ID columns.
func outputNames(m *predict.Model) []string {
	out := []string{"prediction"}
	for _, c := range m.Classes() {
		out = append(out, "proba_"+c)
	}
	return append(out, "model", "model_version")
}

// outputSchema returns the output version's schema.
func outputSchema(in catalog.Version, ids []string, m *predict.Model) dataengine.Schema {
	var cols []dataengine.Column
	for _, id := range ids {
		cols = append(cols, in.Columns[in.Schema().Index(id)])
	}
	if m.Task() == predict.TaskRegression {
		cols = append(cols, dataengine.Column{Name: "prediction", Type: dataengine.TypeFloat})
	} else {
		cols = append(cols, dataengine.Column{Name: "prediction", Type: dataengine.TypeCategorical})
		for _, c := range m.Classes() {
			cols = append(cols, dataengine.Column{Name: "proba_" + c, Type: dataengine.TypeFloat})
		}
	}
	cols = append(cols,
		dataengine.Column{Name: "model", Type: dataengine.TypeCategorical},
		dataengine.Column{Name: "model_version", Type: dataengine.TypeInteger})
	return dataengine.Schema{Columns: cols}
}

// shards returns the number of shards of rows rows.
func shards(rows int64, size int) int {
	return int((rows + int64(size) - 1) / int64(size))
}

// parents is the output's lineage.
func parents(in catalog.Version) []store.Parent {
	return []store.Parent{{VersionID: in.ID, Role: "input"}}
}

// StartJobs opens a jobs client on the metadata store's database (st must
// expose it, see jobs.FromStore) with the batch worker registered, starts
// it and makes it the service's client. The returned stop function cancels
// running jobs (they keep their finished shards) and waits for the client
// to stop; call it before closing the store.
func (s *Service) StartJobs(ctx context.Context, st any, log *slog.Logger) (stop func(context.Context) error, err error) {
	cfg, err := jobs.FromStore(st)
	if err != nil {
		return nil, err
	}
	cfg.Workers = river.NewWorkers()
	s.Register(cfg.Workers)
	if log != nil {
		cfg.Logger = log.With("component", "river")
	}
	c, err := jobs.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The client lives until stop, not until ctx ends: an interrupted
	// command still waits for its job to end cleanly.
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("batch: start the jobs client: %w", err)
	}
	s.SetJobs(c)
	return c.StopAndCancel, nil
}
