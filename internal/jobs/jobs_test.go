package jobs_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/jobs"
)

type noteArgs struct {
	N int `json:"n"`
}

func (noteArgs) Kind() string { return "note" }

type noteWorker struct {
	river.WorkerDefaults[noteArgs]
	sum *atomic.Int64
}

func (w *noteWorker) Work(_ context.Context, j *river.Job[noteArgs]) error {
	w.sum.Add(int64(j.Args.N))
	return nil
}

// TestOpenWorkTakeover opens two clients on one SQLite project (the
// migrations run twice), works jobs, and takes over a job left running by
// a dead process.
func TestOpenWorkTakeover(t *testing.T) {
	a := catalogtest.New(t)
	ctx := t.Context()
	cfg, err := jobs.FromStore(a.Store)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Driver != jobs.DriverSQLite {
		t.Fatalf("driver = %q, want sqlite", cfg.Driver)
	}
	// An inserting client without workers.
	ins, err := jobs.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum atomic.Int64
	cfg.Workers = river.NewWorkers()
	river.AddWorker(cfg.Workers, &noteWorker{sum: &sum})
	c, err := jobs.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}

	// A job "running" since an hour ago, as a killed process leaves it.
	stuck, err := ins.Insert(ctx, noteArgs{N: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.DB.ExecContext(ctx, "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = ? WHERE id = ?",
		time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000"), stuck.Job.ID); err != nil { // riversqlite stores times in this format
		t.Fatal(err)
	}

	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Stop(sctx)
	})
	start := time.Now()
	var ids []int64
	for i := 1; i <= 20; i++ {
		r, err := ins.Insert(ctx, noteArgs{N: i}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Job.ID)
	}
	for _, id := range ids {
		row, err := c.Wait(ctx, id, 5*time.Millisecond)
		if err != nil || row.State != rivertype.JobStateCompleted {
			t.Fatalf("job %d: %v, %v", id, row, err)
		}
	}
	if got := sum.Load(); got != 210 {
		t.Errorf("sum of worked jobs = %d, want 210", got)
	}
	// With FetchCooldown 1ms, 20 short jobs take well under River's
	// default pace of ~20 jobs/s.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("20 jobs took %v", d)
	}
	if row, _ := c.JobGet(ctx, stuck.Job.ID); row.State != rivertype.JobStateRunning {
		t.Fatalf("stuck job state = %s, want running", row.State)
	}
	if err := c.Takeover(ctx, stuck.Job.ID, "test: its process died"); err != nil {
		t.Fatal(err)
	}
	row, err := c.Wait(ctx, stuck.Job.ID, 5*time.Millisecond)
	if err != nil || row.State != rivertype.JobStateCompleted {
		t.Fatalf("taken-over job: %v, %v", row, err)
	}
	if sum.Load() != 310 || jobs.LastError(row) != "test: its process died" {
		t.Errorf("after takeover: sum %d, last error %q", sum.Load(), jobs.LastError(row))
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := jobs.Config{Driver: "mysql", MaxWorkers: -1}.Validate()
	if fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("Validate = %v, want an invalid error", err)
	}
	for _, w := range []string{"DB is nil", `Driver is "mysql"`, "MaxWorkers is -1"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Validate error %q lacks %q", err, w)
		}
	}
	if _, err := jobs.FromStore(struct{}{}); fault.KindOf(err) != fault.KindInvalid {
		t.Errorf("FromStore(struct{}{}) = %v, want an invalid error", err)
	}
}
