package retrain

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/mlcycle/mlcycle/internal/config"
)

// Args are the arguments of a retraining job on River.
type Args struct {
	// Endpoint alone makes a job unique: one retraining per endpoint
	// waits or runs at a time, whatever triggered it.
	Endpoint string `json:"endpoint" river:"unique"`
	// Trigger says what started it: "alarm <name>", "schedule", "labels"
	// or "manual".
	Trigger string `json:"trigger"`
}

// Kind names the job kind.
func (Args) Kind() string { return "retrain" }

// worker works retraining jobs with the project's goal.
type worker struct {
	river.WorkerDefaults[Args]
	s    *Service
	goal *config.Goal
}

// Timeout turns River's job timeout off: training takes what it takes
// (the goal's train_seconds bounds the training itself).
func (w *worker) Timeout(*river.Job[Args]) time.Duration { return -1 }

// Work retrains the job's endpoint.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	out, err := w.s.Retrain(ctx, Options{Endpoint: job.Args.Endpoint, Goal: w.goal, Actor: "retrain job (" + job.Args.Trigger + ")"})
	if err != nil {
		return err
	}
	w.s.log().InfoContext(ctx, "retrained", "endpoint", out.Endpoint, "trigger", job.Args.Trigger, "challenger", out.Challenger,
		"promoted", out.Promoted, "reason", out.Reason)
	return nil
}

// Register adds the retraining worker, with the project's goal, to a jobs
// client's workers.
func (s *Service) Register(workers *river.Workers, goal *config.Goal) {
	river.AddWorker(workers, &worker{s: s, goal: goal})
}

// Inserter is what enqueueing needs from a jobs client.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Enqueue inserts a retraining job for the endpoint unless one is already
// waiting or running (then it reports false).
func Enqueue(ctx context.Context, c Inserter, endpoint, trigger string) (bool, error) {
	res, err := c.Insert(ctx, Args{Endpoint: endpoint, Trigger: trigger}, &river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		}},
	})
	if err != nil {
		return false, fmt.Errorf("retrain: enqueue %s: %w", endpoint, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}
