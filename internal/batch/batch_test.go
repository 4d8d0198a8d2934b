package batch_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/batch"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/jobs"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

const rows = 230

// writeCSV writes a deterministic table: an id, a customer_id, a
// categorical, two floats with some missing values, and a yes/no target
// that depends on them.
func writeCSV(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,customer_id,region,x1,x2,y\n")
	for i := range rows {
		region := []string{"north", "south", "east"}[i%3]
		x1 := math.Sin(float64(i)*0.37) * 10
		x2 := float64((i*7919)%101) / 10
		y := "no"
		if x1+x2/2 > 3 || region == "east" && x2 > 6 {
			y = "yes"
		}
		x2s := fmt.Sprintf("%.3f", x2)
		if i%17 == 0 {
			x2s = ""
		}
		fmt.Fprintf(&b, "%d,C%04d,%s,%.4f,%s,%s\n", 1000+i, i*3, region, x1, x2s, y)
	}
	p := filepath.Join(dir, "cust.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type env struct {
	a   *app.App
	svc *batch.Service
	run *train.Result
}

// setup makes a project with the "cust" dataset and a trained gbdt model,
// and a batch service with a started jobs client.
func setup(t *testing.T) *env {
	t.Helper()
	return setupWith(t, catalogtest.New(t), nil)
}

func setupWith(t *testing.T, a *app.App, clk clock.Clock) *env {
	t.Helper()
	ctx := t.Context()
	if _, err := a.Catalog.Add(ctx, writeCSV(t, t.TempDir()), catalog.AddOpts{Name: "cust"}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Train.Train(ctx, train.Options{
		Data: "cust", Target: "y", Positive: "yes",
		Recipe: train.Recipe{Algo: "gbdt", Params: map[string]string{"n_estimators": "15", "max_depth": "3"}, Seed: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := batch.New(batch.Deps{Catalog: a.Catalog, Blob: a.Blob, Resolve: batch.RegistryResolver(a.Registry, batch.RunResolver(a.Eval)), Clock: clk}, batch.Config{})
	stop, err := svc.StartJobs(ctx, a.Store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := stop(sctx); err != nil {
			t.Errorf("stop jobs client: %v", err)
		}
	})
	return &env{a: a, svc: svc, run: res}
}

func (e *env) model(t *testing.T) *predict.Model {
	t.Helper()
	m, _, err := e.a.Eval.Resolve(t.Context(), fmt.Sprint(e.run.Run.ID))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// objects returns the artifact keys under batch/.
func (e *env) objects(t *testing.T) []string {
	t.Helper()
	keys, err := e.a.Blob.List(t.Context(), "batch/")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// check compares the output version with predict.Model.Predict on the
// same rows, in process.
func (e *env) check(t *testing.T, res *batch.Result, ids []string) {
	t.Helper()
	ctx := t.Context()
	if res.Version.Rows != rows || res.Version.Kind != batch.Kind {
		t.Errorf("output version: rows %d kind %q, want %d %q", res.Version.Rows, res.Version.Kind, rows, batch.Kind)
	}
	lin, err := e.a.Catalog.Lineage(ctx, fmt.Sprintf("%s@%d", res.Version.Dataset, res.Version.Number()))
	if err != nil {
		t.Fatal(err)
	}
	if len(lin.Parents) != 1 || lin.Parents[0].Role != "input" || lin.Parents[0].Dataset != "cust" || lin.Parents[0].Version != res.Input.Number() {
		t.Errorf("lineage parents = %+v, want cust@%d with role input", lin.Parents, res.Input.Number())
	}
	_, in, err := e.a.Catalog.Load(ctx, "cust", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, out, err := e.a.Catalog.Load(ctx, fmt.Sprintf("%s@%d", res.Version.Dataset, res.Version.Number()), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(ids), "prediction", "proba_no", "proba_yes", "model", "model_version")
	if got := out.Names(); !slices.Equal(got, want) {
		t.Fatalf("output columns = %v, want %v", got, want)
	}
	m := e.model(t)
	pr, err := m.Predict(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	pred := must(frame.ColumnAs[*frame.CategoricalColumn](out, "prediction"))
	pNo := must(frame.ColumnAs[*frame.FloatColumn](out, "proba_no")).Values()
	pYes := must(frame.ColumnAs[*frame.FloatColumn](out, "proba_yes")).Values()
	name := must(frame.ColumnAs[*frame.CategoricalColumn](out, "model"))
	ver := must(frame.ColumnAs[*frame.FloatColumn](out, "model_version")).Values()
	bad := 0
	for i := range rows {
		p := pr.Proba(i)
		if pred.Value(i) != pr.Label(i) || pNo[i] != p[0] || pYes[i] != p[1] {
			if bad++; bad <= 5 {
				t.Errorf("row %d: prediction %q (%v, %v), want %q (%v, %v)", i, pred.Value(i), pNo[i], pYes[i], pr.Label(i), p[0], p[1])
			}
		}
		if name.Value(i) != e.run.Run.Name || ver[i] != float64(e.run.Run.ID) {
			t.Fatalf("row %d: model %q version %v, want %q %d", i, name.Value(i), ver[i], e.run.Run.Name, e.run.Run.ID)
		}
	}
	for _, id := range ids {
		a, _ := in.Column(id)
		b, _ := out.Column(id)
		for i := range rows {
			if cellString(a, i) != cellString(b, i) {
				t.Fatalf("ID column %s row %d = %s, want %s", id, i, cellString(b, i), cellString(a, i))
			}
		}
	}
	if left := e.objects(t); len(left) > 0 {
		t.Errorf("objects left under batch/: %v", left)
	}
}

func cellString(c frame.Column, i int) string {
	switch c := c.(type) {
	case *frame.FloatColumn:
		return fmt.Sprint(c.Values()[i])
	case *frame.CategoricalColumn:
		return c.Value(i)
	case *frame.StringColumn:
		return c.Values()[i]
	}
	return fmt.Sprintf("%T", c)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestBatch scores the dataset in several shards and compares the output
// with in-process prediction; a second run returns the same version.
func TestBatch(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	var last, total int64
	res, err := e.svc.Run(ctx, batch.Opts{
		Model: fmt.Sprint(e.run.Run.ID), Data: "cust", Out: "scored", ShardRows: 50,
		Progress: func(d, n int64) { last, total = d, n },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Shards != 5 || res.Computed != 5 || res.Reused != 0 || res.Existing {
		t.Errorf("shards %d computed %d reused %d existing %v, want 5 5 0 false", res.Shards, res.Computed, res.Reused, res.Existing)
	}
	if last != rows || total != rows {
		t.Errorf("last progress %d of %d, want %d of %d", last, total, rows, rows)
	}
	e.check(t, res, []string{"id", "customer_id"})

	again, err := e.svc.Run(ctx, batch.Opts{Model: e.run.Run.Name, Data: "cust@1", Out: "scored", ShardRows: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Existing || again.Version.ID != res.Version.ID {
		t.Errorf("second run: existing %v version %d, want the first run's version %d", again.Existing, again.Version.ID, res.Version.ID)
	}
}

// TestBatchRegistry scores with a registered model named by its alias:
// the output names the registry's model and version.
func TestBatchRegistry(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	if _, err := e.a.Registry.Register(ctx, fmt.Sprint(e.run.Run.ID), "churn", "test", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Registry.Alias(ctx, "churn@1", "champion", "test", ""); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Run(ctx, batch.Opts{Model: "churn@champion", Data: "cust", Out: "scored", IDs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Model; m.Ref != "churn@1" || m.Name != "churn" || m.Version != 1 || m.ArtifactKey != e.run.ModelKey {
		t.Errorf("resolved model = %+v, want churn@1 with key %s", m, e.run.ModelKey)
	}
	_, out, err := e.a.Catalog.Load(ctx, "scored", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Names(); !slices.Equal(got, []string{"prediction", "proba_no", "proba_yes", "model", "model_version"}) {
		t.Errorf("columns = %v (IDs: [] means none)", got)
	}
	if c := must(frame.ColumnAs[*frame.CategoricalColumn](out, "model")); c.Value(0) != "churn" {
		t.Errorf("model = %q, want churn", c.Value(0))
	}
	if _, err := e.svc.Run(ctx, batch.Opts{Model: "churn@7", Data: "cust", Out: "o"}); fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("churn@7: %v, want not found", err)
	}
}

// TestBatchIDsAndFile names the ID column and passes the model as a file.
func TestBatchIDsAndFile(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	p := filepath.Join(t.TempDir(), "m.mlmodel")
	rc, err := e.a.Blob.NewReader(ctx, e.run.ModelKey)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Run(ctx, batch.Opts{Model: p, Data: "cust", Out: "scored_file", IDs: []string{"customer_id"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Shards != 1 || res.Model.Version != 0 || res.Model.Ref != p {
		t.Errorf("shards %d model %+v", res.Shards, res.Model)
	}
	_, out, err := e.a.Catalog.Load(ctx, "scored_file", []string{"customer_id", "model", "model_version"})
	if err != nil {
		t.Fatal(err)
	}
	if c := must(frame.ColumnAs[*frame.CategoricalColumn](out, "customer_id")); c.Value(2) != "C0006" {
		t.Errorf("customer_id[2] = %q, want C0006", c.Value(2))
	}
	if v := must(frame.ColumnAs[*frame.FloatColumn](out, "model_version")).Values()[0]; v != 0 {
		t.Errorf("model_version = %v, want 0 for a file", v)
	}
}

// TestBatchResume interrupts a job once two shards are done and runs it
// again: the second run computes only the shards the first did not. (Two
// shards run at once, so the first run may finish a third.)
func TestBatchResume(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	o := batch.Opts{Model: fmt.Sprint(e.run.Run.ID), Data: "cust", Out: "scored", ShardRows: 40}
	o.Progress = func(done, total int64) {
		if done >= 80 {
			cancel()
		}
	}
	res, err := e.svc.Run(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	if res == nil || res.Computed < 2 || res.Computed > 3 {
		t.Fatalf("interrupted run: %+v, want 2 or 3 shards computed", res)
	}
	first := res.Computed
	var shardObjs []string
	for _, k := range e.objects(t) {
		if strings.HasSuffix(k, ".parquet") {
			shardObjs = append(shardObjs, k)
		}
	}
	if len(shardObjs) != first {
		t.Fatalf("shard objects after the interruption = %v, want %d", shardObjs, first)
	}
	snap := catalogtest.Take(t, e.a)
	if slices.Contains(snap.Datasets, "scored") {
		t.Fatalf("an interrupted run recorded a version: %v", snap.Datasets)
	}

	o.Progress = nil
	res, err = e.svc.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Shards != 6 || res.Reused != first || res.Computed != 6-first {
		t.Errorf("resumed run: shards %d reused %d computed %d, want 6 %d %d", res.Shards, res.Reused, res.Computed, first, 6-first)
	}
	e.check(t, res, []string{"id", "customer_id"})
}

// TestBatchTakeover simulates a process killed mid-job: its job stays
// "running" with a lease that stops being refreshed. A re-run once the
// lease has expired takes the job over and finishes it from the shards
// already done.
func TestBatchTakeover(t *testing.T) {
	clk := clock.NewFake(time.Now())
	e := setupWith(t, catalogtest.New(t), clk)
	ctx, cancel := context.WithCancel(t.Context())
	o := batch.Opts{Model: fmt.Sprint(e.run.Run.ID), Data: "cust", Out: "scored", ShardRows: 40}
	o.Progress = func(done, total int64) {
		if done >= 120 {
			cancel()
		}
	}
	res, err := e.svc.Run(ctx, o)
	if !errors.Is(err, context.Canceled) || res.Computed < 3 {
		t.Fatalf("interrupted run: %+v, %v", res, err)
	}
	first := res.Computed
	// What a SIGKILL leaves: the job running, attempted a while ago.
	cfg, err := jobs.FromStore(e.a.Store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.DB.ExecContext(t.Context(), "UPDATE river_job SET state = 'running', finalized_at = NULL, attempted_at = ? WHERE id = ?",
		time.Now().UTC().Add(-time.Minute).Format("2006-01-02 15:04:05.000"), res.JobID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // the lease, written at the fake now, expires
	o.Progress = nil
	again, err := e.svc.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if again.JobID != res.JobID || again.Reused != first || again.Computed != 6-first {
		t.Errorf("taken-over run: job %d reused %d computed %d, want job %d, %d, %d", again.JobID, again.Reused, again.Computed, res.JobID, first, 6-first)
	}
	e.check(t, again, []string{"id", "customer_id"})
}

// TestBatchPostgres runs the job and a resume with the metadata store (and
// so River) on PostgreSQL, when MLCYCLE_TEST_POSTGRES_URL is set.
func TestBatchPostgres(t *testing.T) {
	url := os.Getenv("MLCYCLE_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("MLCYCLE_TEST_POSTGRES_URL not set: no PostgreSQL to test against")
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "batch_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	cfg, err := config.Init(filepath.Join(t.TempDir(), "proj"), "test")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = config.Load(cfg.Dir, config.Overrides{Store: url + sep + "search_path=" + schema}); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(t.Context(), cfg, app.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := setupWith(t, a, nil)

	ctx, cancel := context.WithCancel(t.Context())
	o := batch.Opts{Model: fmt.Sprint(e.run.Run.ID), Data: "cust", Out: "scored", ShardRows: 40}
	o.Progress = func(done, total int64) {
		if done >= 40 {
			cancel()
		}
	}
	res, err := e.svc.Run(ctx, o)
	if !errors.Is(err, context.Canceled) || res.Computed < 1 {
		t.Fatalf("interrupted run: %+v, %v; want a shard computed and context.Canceled", res, err)
	}
	first := res.Computed
	o.Progress = nil
	res, err = e.svc.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused != first || res.Computed != 6-first {
		t.Errorf("resumed run: reused %d computed %d, want %d %d", res.Reused, res.Computed, first, 6-first)
	}
	e.check(t, res, []string{"id", "customer_id"})
	var jobs int
	if err := db.QueryRow("SELECT count(*) FROM " + schema + ".river_job WHERE kind = 'batch_transform'").Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 2 {
		t.Errorf("PostgreSQL holds %d batch jobs, want 2 (interrupted, resumed)", jobs)
	}
}

// TestBatchErrors checks that bad requests fail before any work, and leave
// no version and no object.
func TestBatchErrors(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	// A dataset without the model's x1 column.
	src := filepath.Join(t.TempDir(), "nox1.csv")
	if err := os.WriteFile(src, []byte("id,region,x2\n1,north,2.5\n2,east,7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Catalog.Add(ctx, src, catalog.AddOpts{Name: "nox1"}); err != nil {
		t.Fatal(err)
	}
	before := catalogtest.Take(t, e.a)
	run := fmt.Sprint(e.run.Run.ID)
	cases := []struct {
		name string
		o    batch.Opts
		kind fault.Kind
		msg  string
	}{
		{"unknown dataset", batch.Opts{Model: run, Data: "nope", Out: "o"}, fault.KindNotFound, `dataset "nope" not found`},
		{"unknown version", batch.Opts{Model: run, Data: "cust@9", Out: "o"}, fault.KindNotFound, "has no version 9"},
		{"unknown model", batch.Opts{Model: "no-such-run", Data: "cust", Out: "o"}, fault.KindNotFound, "no run is numbered or named"},
		{"missing column", batch.Opts{Model: run, Data: "nox1", Out: "o"}, fault.KindInvalid, "lacks the model's column(s) x1"},
		{"bad out name", batch.Opts{Model: run, Data: "cust", Out: "a-b"}, fault.KindInvalid, "not a safe identifier"},
		{"unknown id", batch.Opts{Model: run, Data: "cust", Out: "o", IDs: []string{"nope"}}, fault.KindInvalid, `ID column "nope" is not in cust@1`},
		{"id clash", batch.Opts{Model: run, Data: "cust", Out: "o", IDs: []string{"id", "id"}}, fault.KindInvalid, `ID column "id" is given twice`},
		{"bad shard size", batch.Opts{Model: run, Data: "cust", Out: "o", ShardRows: -1}, fault.KindInvalid, "shard size -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.Run(ctx, c.o)
			if err == nil || fault.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Run(%+v) = %v (kind %v), want kind %v containing %q", c.o, err, fault.KindOf(err), c.kind, c.msg)
			}
		})
	}
	after := catalogtest.Take(t, e.a)
	if !slices.Equal(before.Datasets, after.Datasets) || before.Versions != after.Versions || !slices.Equal(before.Objects, after.Objects) {
		t.Errorf("failed runs changed the project:\nbefore %+v\nafter  %+v", before, after)
	}
}
