package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

func testRuns(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	vs := create(t, s, newVersion("churn", "k1", 0), newVersion("churn-valid", "k2", 1))

	nr := store.NewRun{
		Name: "churn-gbdt", Kind: store.RunTrain, Target: "churn", Algo: "gbdt",
		Params:    []byte(`{"n_estimators": 100, "learning_rate": 0.1}`),
		Options:   []byte(`{"seed": 7, "cv": 0}`),
		StartedAt: created,
		Inputs:    []store.RunInput{{VersionID: vs[0].ID, Role: "train"}, {VersionID: vs[1].ID, Role: "valid"}},
	}
	r, err := s.CreateRun(ctx, nr)
	if err != nil {
		t.Fatalf("CreateRun: %v", err)
	}
	wantRun := store.Run{
		ID: r.ID, Name: nr.Name, Kind: nr.Kind, Status: store.RunRunning, Target: "churn", Algo: "gbdt",
		Params: nr.Params, Options: nr.Options, StartedAt: created,
		Inputs: []store.RunInput{
			{VersionID: vs[0].ID, Dataset: "churn", Version: 1, Role: "train"},
			{VersionID: vs[1].ID, Dataset: "churn-valid", Version: 1, Role: "valid"},
		},
	}
	if diff := cmp.Diff(wantRun, r, asRecorded); diff != "" {
		t.Errorf("CreateRun returned (-want +got):\n%s", diff)
	}
	got, err := s.Run(ctx, r.ID)
	if err != nil {
		t.Fatalf("Run(%d): %v", r.ID, err)
	}
	if diff := cmp.Diff(wantRun, got, asRecorded); diff != "" {
		t.Errorf("Run(%d) after create (-want +got):\n%s", r.ID, diff)
	}

	end := store.RunEnd{
		Status: store.RunSucceeded, Metrics: []byte(`{"valid": {"roc_auc": 0.91}}`),
		Curve: []byte(`[{"round": 1, "valid": 0.8}]`), ArtifactKey: "runs/1/model.mlcm",
		FinishedAt: created.Add(90 * time.Second), PeakMemBytes: 123456789,
	}
	fin, err := s.FinishRun(ctx, r.ID, end)
	if err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	wantRun.Status, wantRun.Metrics, wantRun.Curve = end.Status, end.Metrics, end.Curve
	wantRun.ArtifactKey, wantRun.FinishedAt, wantRun.PeakMemBytes = end.ArtifactKey, end.FinishedAt, end.PeakMemBytes
	if diff := cmp.Diff(wantRun, fin, asRecorded); diff != "" {
		t.Errorf("FinishRun returned (-want +got):\n%s", diff)
	}

	// An evaluation run of the training run, and a second training run.
	ev, err := s.CreateRun(ctx, store.NewRun{Name: "churn-gbdt-eval", Kind: store.RunEval, Parent: r.ID,
		Target: "churn", StartedAt: created.Add(time.Hour), Inputs: []store.RunInput{{VersionID: vs[1].ID, Role: "data"}}})
	if err != nil {
		t.Fatalf("CreateRun(eval): %v", err)
	}
	if ev.Parent != r.ID || ev.Params != nil || ev.Options != nil {
		t.Errorf("eval run = %+v, want parent %d and nil JSON", ev, r.ID)
	}
	r2, err := s.CreateRun(ctx, store.NewRun{Name: "churn-gbdt", Kind: store.RunTrain, Target: "churn", Algo: "linear", StartedAt: created.Add(2 * time.Hour)})
	if err != nil {
		t.Fatalf("CreateRun(second): %v", err)
	}
	ids := func(rs []store.Run) []int64 {
		out := []int64{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		f    store.RunFilter
		want []int64
	}{
		{store.RunFilter{}, []int64{r2.ID, ev.ID, r.ID}},
		{store.RunFilter{Name: "churn-gbdt"}, []int64{r2.ID, r.ID}},
		{store.RunFilter{Kind: store.RunEval}, []int64{ev.ID}},
		{store.RunFilter{Limit: 2}, []int64{r2.ID, ev.ID}},
		{store.RunFilter{Name: "nope"}, []int64{}},
	} {
		rs, err := s.ListRuns(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListRuns(%+v): %v", tc.f, err)
		}
		if diff := cmp.Diff(tc.want, ids(rs)); diff != "" {
			t.Errorf("ListRuns(%+v) ids (-want +got):\n%s", tc.f, diff)
		}
	}
	rs, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRun, rs[2], asRecorded); diff != "" {
		t.Errorf("ListRuns: first run (-want +got):\n%s", diff)
	}
	if len(rs[1].Inputs) != 1 || rs[1].Inputs[0].Dataset != "churn-valid" || rs[1].Inputs[0].Role != "data" {
		t.Errorf("ListRuns: eval run inputs = %+v", rs[1].Inputs)
	}
}

func testRunErrors(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	v := create(t, s, newVersion("d", "k", 0))[0]

	_, err := s.CreateRun(ctx, store.NewRun{Kind: "fit", Params: []byte("{"), StartedAt: created,
		Inputs: []store.RunInput{{VersionID: v.ID}, {VersionID: v.ID}}})
	if !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("CreateRun(invalid) error = %v, want KindInvalid", err)
	}
	for _, part := range []string{"name is empty", `kind "fit"`, "params is not valid JSON", "input 0 has no role", "listed twice"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("CreateRun(invalid) error %q does not say %q", err, part)
		}
	}
	_, err = s.CreateRun(ctx, store.NewRun{Name: "x", Kind: store.RunTrain, StartedAt: created,
		Inputs: []store.RunInput{{VersionID: v.ID + 1000, Role: "train"}}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateRun(unknown input) error = %v, want ErrNotFound", err)
	}
	_, err = s.CreateRun(ctx, store.NewRun{Name: "x", Kind: store.RunEval, Parent: 999999, StartedAt: created})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateRun(unknown parent) error = %v, want ErrNotFound", err)
	}
	if rs, err := s.ListRuns(ctx, store.RunFilter{}); err != nil || len(rs) != 0 {
		t.Errorf("after failed creates ListRuns = %d runs, %v; want none", len(rs), err)
	}
	if _, err := s.Run(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Run(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.FinishRun(ctx, 424242, store.RunEnd{Status: store.RunFailed, FinishedAt: created}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishRun(unknown) error = %v, want ErrNotFound", err)
	}

	r, err := s.CreateRun(ctx, store.NewRun{Name: "x", Kind: store.RunTrain, StartedAt: created})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.FinishRun(ctx, r.ID, store.RunEnd{Status: "done", Metrics: []byte("nan")})
	if !fault.Is(err, fault.KindInvalid) || !strings.Contains(err.Error(), `status "done"`) || !strings.Contains(err.Error(), "metrics is not valid JSON") || !strings.Contains(err.Error(), "finish time is zero") {
		t.Errorf("FinishRun(invalid) error = %v", err)
	}
	if _, err := s.FinishRun(ctx, r.ID, store.RunEnd{Status: store.RunCancelled, Error: "interrupted", FinishedAt: created}); err != nil {
		t.Fatal(err)
	}
	_, err = s.FinishRun(ctx, r.ID, store.RunEnd{Status: store.RunSucceeded, FinishedAt: created})
	if !fault.Is(err, fault.KindConflict) || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("FinishRun twice error = %v, want KindConflict naming the status", err)
	}
	got, err := s.Run(ctx, r.ID)
	if err != nil || got.Status != store.RunCancelled || got.Error != "interrupted" {
		t.Errorf("Run after second finish = %+v, %v; want cancelled, interrupted", got, err)
	}
}

// testConcurrentRuns creates and finishes runs from many goroutines: every
// call succeeds and every run gets its own ID.
func testConcurrentRuns(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.CreateRun(ctx, store.NewRun{Name: fmt.Sprintf("r%d", i%3), Kind: store.RunTrain, StartedAt: created})
			if err == nil {
				_, err = s.FinishRun(ctx, r.ID, store.RunEnd{Status: store.RunSucceeded, FinishedAt: created.Add(time.Second)})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent run: %v", err)
		}
	}
	rs, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil || len(rs) != n {
		t.Fatalf("ListRuns = %d runs, %v; want %d", len(rs), err, n)
	}
	seen := map[int64]bool{}
	for _, r := range rs {
		if seen[r.ID] || r.Status != store.RunSucceeded {
			t.Errorf("run %+v: duplicate ID or not succeeded", r)
		}
		seen[r.ID] = true
	}
}
