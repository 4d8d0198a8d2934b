// Package jobs runs the platform's background jobs on River
// (github.com/riverqueue/river), in the project's own metadata database:
// riversqlite on the embedded SQLite file, riverdatabasesql on PostgreSQL.
// Jobs therefore live in the same database as the catalog and runs, survive
// a restart of the process, and need no other service.
//
// A Client is opened by whichever process works jobs: `mlcycle batch` opens
// one for the length of the command, `mlcycle server` for its lifetime.
// Open runs River's migrations first (they are idempotent and take the
// database's write lock, so two processes opening at once is safe), then
// builds a River client with the workers the caller registered. Phases own
// their workers (internal/batch registers the batch transform worker); this
// package knows none of them, so it sits below the phases.
//
// Decisions:
//
//   - The metadata store's *sql.DB is shared, not a second pool: on SQLite
//     that pool already sets busy_timeout and WAL and begins every
//     transaction with BEGIN IMMEDIATE, which is what riversqlite's "database
//     is locked" advice is about; a second pool would contend for the same
//     write lock anyway.
//   - FetchCooldown is 1 ms and FetchPollInterval 50 ms (River's defaults,
//     100 ms and 1 s, cap a client at about 20 jobs/s and add up to a second
//     of latency before a freshly inserted job starts; see
//     shared/docs/DEPENDENCY-NOTES.md).
//   - mlcycle server's client polls once a second without River's
//     notifier (Config.ForServer): it works only the retraining jobs it
//     inserts, which run for seconds to minutes, and an idle server should
//     not spend a few percent of a core polling SQLite.
//   - One queue, "default", with MaxWorkers 2: jobs here are CPU-heavy and
//     parallel inside (prediction uses every core), so more concurrent jobs
//     would only compete for the same cores.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// Drivers the jobs client runs on, as the metadata store names them.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Config configures a Client. DB and Driver are required.
type Config struct {
	// DB is the open metadata database the jobs are stored in. The Client
	// does not close it.
	DB *sql.DB
	// Driver is DriverSQLite or DriverPostgres.
	Driver string
	// Workers are the job workers this client works (river.AddWorker).
	// Nil: the client only inserts and reads jobs.
	Workers *river.Workers
	// Logger receives River's own log lines. Default: discard.
	Logger *slog.Logger
	// MaxWorkers is how many jobs the client works at once. Default 2.
	MaxWorkers int
	// FetchCooldown is the least time between two fetches of new jobs.
	// Default 1ms.
	FetchCooldown time.Duration
	// FetchPollInterval is how often the client polls for new jobs.
	// Default 50ms.
	FetchPollInterval time.Duration
	// PollOnly turns off River's notifier (on SQLite an emulation of
	// LISTEN that polls a table several times a second): jobs, including
	// the client's own inserts, then start within FetchPollInterval.
	PollOnly bool
	// RescueStuckJobsAfter is how long a job may stay running before
	// River's rescuer makes it available again (its process presumably
	// died). Default 24h: long jobs take care of their own crashed runs
	// (see internal/batch's lease), and the rescuer must not start a
	// second copy of a job that is merely long.
	RescueStuckJobsAfter time.Duration
}

// ForServer returns c tuned for mlcycle server's client, which works only
// retraining jobs — seconds to minutes long — that it inserts itself:
// polling once a second (River's default) without River's notifier is
// soon enough, where the 50 ms polling and the notifier of batch clients
// kept an idle server at 2.6 % of a core (0.5 % after).
func (c Config) ForServer() Config {
	c.FetchPollInterval, c.PollOnly = time.Second, true
	return c
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxWorkers == 0 {
		c.MaxWorkers = 2
	}
	if c.FetchCooldown == 0 {
		c.FetchCooldown = time.Millisecond
	}
	if c.FetchPollInterval == 0 {
		c.FetchPollInterval = 50 * time.Millisecond
	}
	if c.RescueStuckJobsAfter == 0 {
		c.RescueStuckJobsAfter = 24 * time.Hour
	}
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var probs []string
	if c.DB == nil {
		probs = append(probs, "DB is nil; pass the metadata store's database")
	}
	if c.Driver != DriverSQLite && c.Driver != DriverPostgres {
		probs = append(probs, fmt.Sprintf("Driver is %q; want %q or %q", c.Driver, DriverSQLite, DriverPostgres))
	}
	if c.MaxWorkers < 0 {
		probs = append(probs, fmt.Sprintf("MaxWorkers is %d; want 1 or more, or 0 for the default 2", c.MaxWorkers))
	}
	if c.FetchCooldown < 0 || c.FetchPollInterval < 0 || c.RescueStuckJobsAfter < 0 {
		probs = append(probs, "FetchCooldown, FetchPollInterval and RescueStuckJobsAfter must not be negative")
	}
	if len(probs) > 0 {
		return fault.Invalid("jobs: config: %s", strings.Join(probs, "; "))
	}
	return nil
}

// Client is an open River client on the metadata database. Start it to
// work jobs; Stop it before closing the database.
type Client struct {
	*river.Client[*sql.Tx]
	driver riverdriver.Driver[*sql.Tx]
	log    *slog.Logger
}

// DBer is what a metadata store offers to share its database: the sqlstore
// implementation (both drivers) has these methods.
type DBer interface {
	DB() *sql.DB
	Driver() string
}

// FromStore returns a Config for the database of a metadata store, which
// must implement DBer.
func FromStore(st any) (Config, error) {
	d, ok := st.(DBer)
	if !ok {
		return Config{}, fault.Invalid("jobs: the metadata store (%T) does not expose its database", st)
	}
	return Config{DB: d.DB(), Driver: d.Driver()}, nil
}

// Open runs River's migrations on cfg.DB and returns a client that is not
// started yet.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var driver riverdriver.Driver[*sql.Tx]
	switch cfg.Driver {
	case DriverSQLite:
		driver = riversqlite.New(cfg.DB)
	default:
		driver = riverdatabasesql.New(cfg.DB)
	}
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("jobs: migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fault.Mark(fault.KindUnavailable, fmt.Errorf("jobs: migrate the job tables: %w", err))
	}
	rc := &river.Config{
		Logger:               cfg.Logger,
		FetchCooldown:        cfg.FetchCooldown,
		FetchPollInterval:    cfg.FetchPollInterval,
		PollOnly:             cfg.PollOnly,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		Workers:              cfg.Workers,
	}
	if cfg.Workers != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	}
	c, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: client: %w", err)
	}
	return &Client{Client: c, driver: driver, log: cfg.Logger}, nil
}

// Takeover makes a job that is stuck in the running state, because the
// process working it died, available again so that a live client works
// it. It does nothing to a job in any other state, and the caller must
// know the job is not being worked (internal/batch checks a lease the
// worker refreshes). River's own rescuer does the same after
// RescueStuckJobsAfter; this is the fast path for a user re-running a
// killed command.
func (c *Client) Takeover(ctx context.Context, id int64, reason string) error {
	now := time.Now().UTC()
	attemptErr, err := jsonAttemptError(now, reason)
	if err != nil {
		return err
	}
	_, err = c.driver.GetExecutor().JobRescueMany(ctx, &riverdriver.JobRescueManyParams{
		ID:           []int64{id},
		Error:        [][]byte{attemptErr},
		FinalizedAt:  []*time.Time{nil},
		ScheduledAt:  []time.Time{now},
		State:        []string{string(rivertype.JobStateAvailable)},
		StuckHorizon: now.Add(time.Second),
	})
	if err != nil {
		return fmt.Errorf("jobs: take over job %d: %w", id, err)
	}
	row, err := c.JobGet(ctx, id)
	if err != nil {
		return fmt.Errorf("jobs: take over job %d: %w", id, err)
	}
	if row.State == rivertype.JobStateRunning {
		return fmt.Errorf("jobs: take over job %d: it is still running (attempted at %v)", id, row.AttemptedAt)
	}
	c.log.InfoContext(ctx, "job taken over", "job", id, "reason", reason)
	return nil
}

// Wait polls job id until it leaves the available, pending, scheduled,
// retryable and running states, and returns its final row. It returns
// early with ctx's error.
func (c *Client) Wait(ctx context.Context, id int64, every time.Duration) (*rivertype.JobRow, error) {
	if every <= 0 {
		every = 20 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		row, err := c.JobGet(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("jobs: job %d: %w", id, err)
		}
		switch row.State {
		case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
			return row, nil
		}
		select {
		case <-ctx.Done():
			return row, ctx.Err()
		case <-t.C:
		}
	}
}

// LastError returns the message of a job's last attempt error, or "".
func LastError(row *rivertype.JobRow) string {
	if row == nil || len(row.Errors) == 0 {
		return ""
	}
	return row.Errors[len(row.Errors)-1].Error
}

func jsonAttemptError(at time.Time, msg string) ([]byte, error) {
	return json.Marshal(rivertype.AttemptError{At: at, Error: msg})
}
