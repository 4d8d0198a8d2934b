package batch

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// worker is the River worker of batch transform jobs.
type worker struct {
	river.WorkerDefaults[Args]
	s *Service
}

// Timeout turns River's job timeout off: a batch job takes as long as its
// data; interruption is by cancellation.
func (w *worker) Timeout(*river.Job[Args]) time.Duration { return -1 }

// Work executes one batch transform job.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interrupted := func() error { return nil }
	w.s.mu.Lock()
	if wt := w.s.watches[job.Args.Key]; wt != nil {
		// The command waiting for this job runs in this process: stop
		// when it is interrupted (checked between shards, and watched
		// during one).
		wt.started = true
		interrupted = wt.run.Err
		defer context.AfterFunc(wt.run, cancel)()
	}
	w.s.mu.Unlock()
	st, err := w.s.execute(ctx, job.Args, job.ID, interrupted)
	w.s.mu.Lock()
	if wt := w.s.watches[job.Args.Key]; wt != nil {
		wt.err, wt.computed, wt.reused = err, st.computed, st.reused
	}
	w.s.mu.Unlock()
	if err != nil && ctx.Err() == nil && fault.KindOf(err) == fault.KindInvalid {
		return river.JobCancel(err) // bad input: no retry would help
	}
	return err
}

// prefix returns the artifact key prefix of a job's shard objects.
func prefix(key string) string { return "batch/" + key + "/" }

// shardKey returns the artifact key of shard i.
func shardKey(key string, i int) string { return fmt.Sprintf("%sshard-%05d.parquet", prefix(key), i) }

type stats struct{ computed, reused int }

// execute runs a job: predict the shards not done, merge, record, clean up.
func (s *Service) execute(ctx context.Context, a Args, jobID int64, interrupted func() error) (st stats, err error) {
	log := s.log.With("job", jobID, "key", a.Key)
	stopLease := s.holdLease(ctx, a.Key, jobID)
	defer func() {
		stopLease()
		if err != nil && (ctx.Err() != nil || interrupted() != nil) {
			log.InfoContext(ctx, "batch job interrupted: finished shards kept for a re-run", "computed", st.computed, "reused", st.reused)
			return
		}
		// Done or failed: nothing of the job stays behind.
		s.removePrefix(context.WithoutCancel(ctx), a.Key)
	}()
	m, err := s.resolve(ctx, a.Model)
	if err != nil {
		return st, err
	}
	if m.ArtifactKey != a.ModelKey {
		return st, fault.Invalid("batch: model %q now resolves to %s, the job was made for %s: run the command again", a.Model, m.ArtifactKey, a.ModelKey)
	}
	in, err := s.cat.ByID(ctx, a.DatasetID)
	if err != nil {
		return st, err
	}
	ref := fmt.Sprintf("%s@%d", in.Dataset, in.Number())
	var cols []string
	sch := in.Schema()
	for _, f := range m.Model.Schema() {
		if sch.Index(f.Name) >= 0 {
			cols = append(cols, f.Name)
		}
	}
	t0 := time.Now()
	_, f, err := s.cat.Load(ctx, ref, cols)
	if err != nil {
		return st, err
	}
	log.DebugContext(ctx, "input loaded", "rows", f.Len(), "columns", len(cols), "took", time.Since(t0))
	n := f.Len()
	total := shards(int64(n), a.ShardRows)
	done, err := s.doneShards(ctx, a.Key)
	if err != nil {
		return st, err
	}
	var rowsDone int64
	for i := range total {
		if done[i] {
			st.reused++
			rowsDone += int64(min(n, (i+1)*a.ShardRows) - i*a.ShardRows)
		}
	}
	s.report(a.Key, rowsDone, int64(n))
	var todo []int
	for i := range total {
		if !done[i] {
			todo = append(todo, i)
		}
	}
	// Shards run on Config.Parallel goroutines: prediction is parallel
	// inside, but its transform step and the shard write are not, and a
	// second shard fills those gaps.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for range min(s.cfg.Parallel, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w shardWriter
			rows := make([]int, 0, a.ShardRows)
			for i := range next {
				if err := cmp.Or(wctx.Err(), interrupted()); err != nil {
					fail(err)
					return
				}
				lo, hi := i*a.ShardRows, min(n, (i+1)*a.ShardRows)
				t0 := time.Now()
				if err := s.shard(wctx, &w, rows, f, m, a.Key, i, lo, hi, ref); err != nil {
					fail(err)
					return
				}
				log.DebugContext(ctx, "shard done", "shard", i, "rows", hi-lo, "took", time.Since(t0))
				mu.Lock()
				st.computed++
				rowsDone += int64(hi - lo)
				s.report(a.Key, rowsDone, int64(n)) // under mu: progress is called in order
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range todo {
		if err := cmp.Or(wctx.Err(), interrupted()); err != nil {
			fail(err)
			break
		}
		select {
		case next <- i:
		case <-wctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := cmp.Or(firstErr, ctx.Err()); err != nil {
		return st, err
	}
	t0 = time.Now()
	staged, err := s.merge(ctx, a, in, m, total)
	if err != nil {
		return st, err
	}
	t1 := time.Now()
	vs, existing, err := s.cat.Record(ctx, []catalog.Staged{staged})
	if err != nil {
		return st, err
	}
	log.DebugContext(ctx, "output recorded", "merge", t1.Sub(t0), "record", time.Since(t1))
	log.InfoContext(ctx, "batch job done", "dataset", vs[0].Dataset, "version", vs[0].Number(), "rows", vs[0].Rows, "existing", existing, "computed", st.computed, "reused", st.reused)
	return st, nil
}

// shard predicts rows [lo, hi) of f and stores them as shard i.
func (s *Service) shard(ctx context.Context, w *shardWriter, rows []int, f *frame.Frame, m Resolved, key string, i, lo, hi int, ref string) error {
	part := f
	if lo != 0 || hi != f.Len() {
		rows = rows[:0]
		for r := lo; r < hi; r++ {
			rows = append(rows, r)
		}
		var err error
		if part, err = f.Take(rows); err != nil {
			return err
		}
	}
	pr, err := m.Model.Predict(ctx, part)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fault.Mark(fault.KindInvalid, fmt.Errorf("batch: shard %d (rows %d to %d of %s): %w", i, lo, hi-1, ref, err))
	}
	tmp := s.blob.TempFile(".parquet")
	if err := w.write(tmp, pr, len(m.Model.Classes())); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("batch: write shard %d: %w", i, err)
	}
	if err := s.blob.PutFile(ctx, shardKey(key, i), tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// report passes progress to an in-process Run.
func (s *Service) report(key string, done, total int64) {
	s.mu.Lock()
	w := s.watches[key]
	s.mu.Unlock()
	if w != nil && w.progress != nil {
		w.progress(done, total)
	}
}

// doneShards lists the shards already in the artifact store.
func (s *Service) doneShards(ctx context.Context, key string) (map[int]bool, error) {
	keys, err := s.blob.List(ctx, prefix(key))
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	for _, k := range keys {
		var i int
		if _, err := fmt.Sscanf(path.Base(k), "shard-%05d.parquet", &i); err == nil && strings.HasSuffix(k, ".parquet") {
			done[i] = true
		}
	}
	return done, nil
}

// removePrefix deletes a job's objects.
func (s *Service) removePrefix(ctx context.Context, key string) {
	keys, err := s.blob.List(ctx, prefix(key))
	if err != nil {
		s.log.WarnContext(ctx, "could not list a batch job's objects", "key", key, "err", err)
		return
	}
	for _, k := range keys {
		if err := s.blob.Delete(ctx, k); err != nil {
			s.log.WarnContext(ctx, "could not remove a batch job's object", "object", k, "err", err)
		}
	}
}

// lease is the content of a job's lease object.
type lease struct {
	Job int64     `json:"job"`
	At  time.Time `json:"at"`
}

// holdLease writes the job's lease now and every LeaseEvery until the
// returned function is called.
func (s *Service) holdLease(ctx context.Context, key string, job int64) func() {
	write := func() {
		b, _ := json.Marshal(lease{Job: job, At: s.clock.Now().UTC()})
		if err := s.blob.Put(context.WithoutCancel(ctx), prefix(key)+"lease", bytes.NewReader(b)); err != nil {
			s.log.WarnContext(ctx, "could not refresh a batch job's lease", "key", key, "err", err)
		}
	}
	write()
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(s.cfg.LeaseEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				write()
			}
		}
	}()
	return func() { close(stop); <-finished }
}

// readLease returns when a job's lease was last refreshed.
func (s *Service) readLease(ctx context.Context, key string) (time.Time, bool, error) {
	k := prefix(key) + "lease"
	ok, err := s.blob.Exists(ctx, k)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	r, err := s.blob.NewReader(ctx, k)
	if err != nil {
		return time.Time{}, false, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return time.Time{}, false, err
	}
	var l lease
	if err := json.Unmarshal(b, &l); err != nil {
		return time.Time{}, false, nil // a torn lease is no lease
	}
	return l.At, true, nil
}
