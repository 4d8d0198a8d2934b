package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// trainRuns records n succeeded training runs and returns their IDs.
func trainRuns(t *testing.T, s store.Store, n int) []int64 {
	t.Helper()
	ctx := t.Context()
	v := create(t, s, newVersion("credit", "k-"+t.Name(), 0))[0]
	ids := make([]int64, n)
	for i := range ids {
		r, err := s.CreateRun(ctx, store.NewRun{Name: "credit-gbdt", Kind: store.RunTrain, Target: "status", Algo: "gbdt",
			StartedAt: created, Inputs: []store.RunInput{{VersionID: v.ID, Role: "train"}}})
		if err != nil {
			t.Fatalf("CreateRun: %v", err)
		}
		if _, err := s.FinishRun(ctx, r.ID, store.RunEnd{Status: store.RunSucceeded, ArtifactKey: fmt.Sprintf("runs/%d/model.mlmodel", r.ID),
			FinishedAt: created.Add(time.Minute)}); err != nil {
			t.Fatalf("FinishRun: %v", err)
		}
		ids[i] = r.ID
	}
	return ids
}

// change returns a Change at created + minutes.
func change(actor, reason string, minutes int) store.Change {
	return store.Change{Actor: actor, Reason: reason, At: created.Add(time.Duration(minutes) * time.Minute)}
}

func register(t *testing.T, s store.Store, model string, run int64, minutes int) store.ModelVersion {
	t.Helper()
	mv, err := s.RegisterModelVersion(t.Context(), store.NewModelVersion{
		Model: model, RunID: run, ArtifactKey: fmt.Sprintf("runs/%d/model.mlmodel", run), Task: "binary",
		Metrics: []byte(`{"valid": {"roc_auc": 0.8}}`), Change: change("ann", "", minutes),
	})
	if err != nil {
		t.Fatalf("RegisterModelVersion(%s, run %d): %v", model, run, err)
	}
	return mv
}

// kinds returns the kind and version of each event, as "kind vN".
func kinds(es []store.ModelEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%s v%d", e.Kind, e.Version)
	}
	return out
}

// sameTime reports whether a store kept t as want, to the microsecond.
func sameTime(t, want time.Time) bool { return t.Sub(want).Abs() < time.Microsecond }

func wantKind(t *testing.T, what string, err error, k fault.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, k)
		return
	}
	if got := fault.KindOf(err); got != k {
		t.Errorf("%s: error %v has kind %v, want %v", what, err, got, k)
	}
}

func testRegistry(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	runs := trainRuns(t, s, 3)

	v1 := register(t, s, "churn", runs[0], 1)
	want1 := store.ModelVersion{ID: v1.ID, Model: "churn", Version: 1, RunID: runs[0],
		ArtifactKey: fmt.Sprintf("runs/%d/model.mlmodel", runs[0]), Task: "binary", Status: store.StatusPending,
		Metrics: []byte(`{"valid": {"roc_auc": 0.8}}`), CreatedAt: created.Add(time.Minute), StatusAt: created.Add(time.Minute)}
	if diff := cmp.Diff(want1, v1, asRecorded); diff != "" {
		t.Errorf("RegisterModelVersion returned (-want +got):\n%s", diff)
	}
	v2 := register(t, s, "churn", runs[1], 2)
	if v2.Version != 2 {
		t.Errorf("second version = %d, want 2", v2.Version)
	}
	other := register(t, s, "fraud", runs[1], 3)
	if other.Version != 1 {
		t.Errorf("first version of another model = %d, want 1", other.Version)
	}
	_, err := s.RegisterModelVersion(ctx, store.NewModelVersion{Model: "churn", RunID: runs[0], ArtifactKey: "x", Change: change("ann", "", 4)})
	wantKind(t, "registering a run twice", err, fault.KindConflict)
	if !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("registering a run twice: %v, want ErrDuplicate", err)
	}

	got, err := s.ModelVersion(ctx, "churn", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want1, got, asRecorded); diff != "" {
		t.Errorf("ModelVersion(churn, 1) (-want +got):\n%s", diff)
	}
	if latest, err := s.ModelVersion(ctx, "churn", 0); err != nil || latest.Version != 2 {
		t.Errorf("ModelVersion(churn, latest) = v%d, %v; want v2", latest.Version, err)
	}

	// Statuses: pending → approved; a second change needs force.
	ap, err := s.SetModelStatus(ctx, "churn", 1, store.StatusApproved, false, change("bob", "holdout auc 0.81", 10))
	if err != nil {
		t.Fatal(err)
	}
	if ap.Status != store.StatusApproved || !sameTime(ap.StatusAt, created.Add(10*time.Minute)) {
		t.Errorf("approved version = %+v", ap)
	}
	_, err = s.SetModelStatus(ctx, "churn", 1, store.StatusRejected, false, change("bob", "", 11))
	wantKind(t, "rejecting an approved version without force", err, fault.KindConflict)
	if rj, err := s.SetModelStatus(ctx, "churn", 2, store.StatusRejected, false, change("bob", "drift", 12)); err != nil || rj.Status != store.StatusRejected {
		t.Errorf("reject v2 = %+v, %v", rj, err)
	}
	if fj, err := s.SetModelStatus(ctx, "churn", 2, store.StatusApproved, true, change("cat", "override", 13)); err != nil || fj.Status != store.StatusApproved {
		t.Errorf("forced approve of v2 = %+v, %v", fj, err)
	}
	_, err = s.SetModelStatus(ctx, "churn", 1, "pending", true, change("bob", "", 14))
	wantKind(t, "status pending", err, fault.KindInvalid)
	_, err = s.SetModelStatus(ctx, "churn", 9, store.StatusApproved, false, change("bob", "", 14))
	wantKind(t, "status of a missing version", err, fault.KindNotFound)
	_, err = s.SetModelStatus(ctx, "nope", 1, store.StatusApproved, false, change("bob", "", 14))
	wantKind(t, "status of a missing model", err, fault.KindNotFound)

	// Aliases: set, move, no-op, remove.
	if a, err := s.SetAlias(ctx, "churn", "champion", 1, change("bob", "", 20)); err != nil || !slices.Equal(a.Aliases, []string{"champion"}) {
		t.Errorf("SetAlias(champion → 1) = %+v, %v", a, err)
	}
	if _, err := s.SetAlias(ctx, "churn", "challenger", 2, change("bob", "", 21)); err != nil {
		t.Fatal(err)
	}
	if a, err := s.SetAlias(ctx, "churn", "champion", 2, change("bob", "promote", 22)); err != nil || !slices.Equal(a.Aliases, []string{"challenger", "champion"}) {
		t.Errorf("SetAlias(champion → 2) = %+v, %v", a, err)
	}
	if _, err := s.SetAlias(ctx, "churn", "champion", 2, change("bob", "", 23)); err != nil {
		t.Errorf("SetAlias to the same version: %v", err)
	}
	if byAlias, err := s.ModelVersionByAlias(ctx, "churn", "champion"); err != nil || byAlias.Version != 2 {
		t.Errorf("ModelVersionByAlias(churn, champion) = v%d, %v; want v2", byAlias.Version, err)
	}
	_, err = s.ModelVersionByAlias(ctx, "churn", "nope")
	wantKind(t, "missing alias", err, fault.KindNotFound)
	_, err = s.SetAlias(ctx, "churn", "3", 1, change("bob", "", 24))
	wantKind(t, "numeric alias", err, fault.KindInvalid)
	_, err = s.SetAlias(ctx, "churn", "x", 7, change("bob", "", 24))
	wantKind(t, "alias to a missing version", err, fault.KindNotFound)
	if rm, err := s.RemoveAlias(ctx, "churn", "challenger", change("bob", "done", 25)); err != nil || rm.Version != 2 || len(rm.Aliases) != 1 {
		t.Errorf("RemoveAlias(challenger) = %+v, %v", rm, err)
	}
	_, err = s.RemoveAlias(ctx, "churn", "challenger", change("bob", "", 26))
	wantKind(t, "removing a missing alias", err, fault.KindNotFound)

	ms, err := s.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantModels := []store.Model{
		{Name: "churn", CreatedAt: created.Add(time.Minute), Latest: 2, Aliases: []store.Alias{{Name: "champion", Version: 2}}},
		{Name: "fraud", CreatedAt: created.Add(3 * time.Minute), Latest: 1},
	}
	if diff := cmp.Diff(wantModels, ms, asRecorded, cmpopts.IgnoreFields(store.Model{}, "ID")); diff != "" {
		t.Errorf("Models (-want +got):\n%s", diff)
	}
	if m, err := s.Model(ctx, "fraud"); err != nil || m.Latest != 1 {
		t.Errorf("Model(fraud) = %+v, %v", m, err)
	}
	_, err = s.Model(ctx, "nope")
	wantKind(t, "Model(nope)", err, fault.KindNotFound)
	vs, err := s.ModelVersions(ctx, "churn")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != 1 || len(vs[0].Aliases) != 0 || !slices.Equal(vs[1].Aliases, []string{"champion"}) || vs[1].Status != store.StatusApproved {
		t.Errorf("ModelVersions(churn) = %+v", vs)
	}
	_, err = s.ModelVersions(ctx, "nope")
	wantKind(t, "ModelVersions(nope)", err, fault.KindNotFound)
	_, err = s.ModelVersion(ctx, "churn", 3)
	wantKind(t, "ModelVersion(churn, 3)", err, fault.KindNotFound)

	// The history, complete and in order; Until cuts it.
	es, err := s.ModelEvents(ctx, store.EventFilter{Model: "churn"})
	if err != nil {
		t.Fatal(err)
	}
	wantKinds := []string{"register v1", "register v2", "approve v1", "reject v2", "approve v2", "alias v1", "alias v2", "alias v2", "unalias v2"}
	if diff := cmp.Diff(wantKinds, kinds(es)); diff != "" {
		t.Errorf("ModelEvents(churn) kinds (-want +got):\n%s", diff)
	}
	if e := es[4]; e.Actor != "cat" || e.Reason != "override" || !sameTime(e.At, created.Add(13*time.Minute)) || !jsonEqual(e.Detail, []byte(`{"from": "rejected", "forced": true}`)) {
		t.Errorf("forced approve event = %+v (detail %s)", e, e.Detail)
	}
	if e := es[7]; !jsonEqual(e.Detail, []byte(`{"alias": "champion", "from": 1}`)) || e.Reason != "promote" {
		t.Errorf("alias move event = %+v (detail %s)", e, e.Detail)
	}
	if e := es[0]; !jsonEqual(e.Detail, []byte(fmt.Sprintf(`{"run_id": %d, "artifact_key": "runs/%d/model.mlmodel"}`, runs[0], runs[0]))) || e.Actor != "ann" {
		t.Errorf("register event = %+v (detail %s)", e, e.Detail)
	}
	until, err := s.ModelEvents(ctx, store.EventFilter{Model: "churn", Until: created.Add(12 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantKinds[:4], kinds(until)); diff != "" {
		t.Errorf("ModelEvents(churn, until 12 min) (-want +got):\n%s", diff)
	}
	v2only, err := s.ModelEvents(ctx, store.EventFilter{Model: "churn", Version: 2})
	if err != nil || len(v2only) != 6 {
		t.Errorf("ModelEvents(churn v2) = %v, %v; want 6 events", kinds(v2only), err)
	}
	all, err := s.ModelEvents(ctx, store.EventFilter{})
	if err != nil || len(all) != len(es)+1 {
		t.Errorf("ModelEvents(all) = %d events, %v; want %d", len(all), err, len(es)+1)
	}

	// Invalid input lists its problems.
	_, err = s.RegisterModelVersion(ctx, store.NewModelVersion{Metrics: []byte("{")})
	wantKind(t, "empty registration", err, fault.KindInvalid)
	_, err = s.RegisterModelVersion(ctx, store.NewModelVersion{Model: "x", RunID: 999999, ArtifactKey: "k", Change: change("a", "", 1)})
	wantKind(t, "registration of a missing run", err, fault.KindNotFound)
}

func testEndpoints(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	runs := trainRuns(t, s, 2)
	register(t, s, "churn", runs[0], 1)
	register(t, s, "churn", runs[1], 2)
	if _, err := s.SetModelStatus(ctx, "churn", 1, store.StatusApproved, false, change("bob", "ok", 3)); err != nil {
		t.Fatal(err)
	}

	_, err := s.PutEndpoint(ctx, store.NewEndpoint{Name: "churn-ep", Model: "churn", Version: 2, Change: change("ann", "", 4)})
	wantKind(t, "deploying a pending version", err, fault.KindConflict)
	if !errors.Is(err, store.ErrNotApproved) {
		t.Errorf("deploying a pending version: %v, want ErrNotApproved", err)
	}
	_, err = s.PutEndpoint(ctx, store.NewEndpoint{Name: "churn-ep", Model: "churn", Version: 5, Change: change("ann", "", 4)})
	wantKind(t, "deploying a missing version", err, fault.KindNotFound)
	_, err = s.PutEndpoint(ctx, store.NewEndpoint{Name: "", Model: "churn", Version: 1, Config: []byte("{"), Change: change("ann", "", 4)})
	wantKind(t, "invalid endpoint", err, fault.KindInvalid)

	cfg := []byte(`{"capture_percent": 50}`)
	e1, err := s.PutEndpoint(ctx, store.NewEndpoint{Name: "churn-ep", Model: "churn", Version: 1, Config: cfg, Change: change("ann", "first", 5)})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Endpoint{ID: e1.ID, Name: "churn-ep", Model: "churn", Version: 1, Config: cfg, Generation: 1,
		CreatedAt: created.Add(5 * time.Minute), UpdatedAt: created.Add(5 * time.Minute)}
	if diff := cmp.Diff(want, e1, asRecorded); diff != "" {
		t.Errorf("PutEndpoint (create) (-want +got):\n%s", diff)
	}
	if got, err := s.Endpoint(ctx, "churn-ep"); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(want, got, asRecorded); diff != "" {
		t.Errorf("Endpoint after create (-want +got):\n%s", diff)
	}
	e2, err := s.PutEndpoint(ctx, store.NewEndpoint{Name: "churn-ep", Model: "churn", Version: 2, Force: true, Change: change("ann", "try v2", 10)})
	if err != nil {
		t.Fatal(err)
	}
	want.Version, want.Config, want.Generation, want.UpdatedAt = 2, nil, 2, created.Add(10*time.Minute)
	if diff := cmp.Diff(want, e2, asRecorded); diff != "" {
		t.Errorf("PutEndpoint (update) (-want +got):\n%s", diff)
	}
	if _, err := s.PutEndpoint(ctx, store.NewEndpoint{Name: "other", Model: "churn", Version: 1, Change: change("ann", "", 11)}); err != nil {
		t.Fatal(err)
	}
	eps, err := s.Endpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 2 || eps[0].Name != "churn-ep" || eps[0].Generation != 2 || eps[1].Name != "other" || eps[1].Generation != 1 {
		t.Errorf("Endpoints = %+v", eps)
	}

	del, err := s.DeleteEndpoint(ctx, "churn-ep", change("ann", "retire", 20))
	if err != nil {
		t.Fatal(err)
	}
	if del.Generation != 3 || del.Version != 2 {
		t.Errorf("DeleteEndpoint = %+v, want generation 3, version 2", del)
	}
	_, err = s.Endpoint(ctx, "churn-ep")
	wantKind(t, "Endpoint after delete", err, fault.KindNotFound)
	_, err = s.DeleteEndpoint(ctx, "churn-ep", change("ann", "", 21))
	wantKind(t, "deleting a deleted endpoint", err, fault.KindNotFound)
	if eps, err := s.Endpoints(ctx); err != nil || len(eps) != 1 || eps[0].Name != "other" {
		t.Errorf("Endpoints after delete = %+v, %v", eps, err)
	}
	// Created again: the generation keeps increasing.
	e4, err := s.PutEndpoint(ctx, store.NewEndpoint{Name: "churn-ep", Model: "churn", Version: 1, Change: change("ann", "back", 30)})
	if err != nil {
		t.Fatal(err)
	}
	if e4.Generation != 4 || !sameTime(e4.CreatedAt, created.Add(30*time.Minute)) {
		t.Errorf("endpoint created again = %+v, want generation 4 created at +30 min", e4)
	}

	// The history of the endpoint, and what it served when.
	es, err := s.ModelEvents(ctx, store.EventFilter{Endpoint: "churn-ep"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"deploy v1", "deploy v2", "undeploy v2", "deploy v1"}, kinds(es)); diff != "" {
		t.Errorf("endpoint events (-want +got):\n%s", diff)
	}
	var d map[string]any
	if err := json.Unmarshal(es[1].Detail, &d); err != nil || d["endpoint"] != "churn-ep" || d["generation"] != 2.0 || d["from_version"] != 1.0 || d["forced"] != true {
		t.Errorf("deploy event detail = %s (%v)", es[1].Detail, err)
	}
	served := []struct {
		at      int // minutes
		version int // 0: none
	}{{4, 0}, {5, 1}, {9, 1}, {10, 2}, {19, 2}, {20, 0}, {25, 0}, {30, 1}, {60, 1}}
	for _, c := range served {
		at := created.Add(time.Duration(c.at) * time.Minute)
		got, err := s.ServedAt(ctx, "churn-ep", at)
		if c.version == 0 {
			wantKind(t, fmt.Sprintf("ServedAt(+%d min)", c.at), err, fault.KindNotFound)
			continue
		}
		if err != nil || got.Version != c.version || got.Model != "churn" || got.Endpoint != "churn-ep" {
			t.Errorf("ServedAt(+%d min) = %+v, %v; want churn v%d", c.at, got, err, c.version)
		}
	}
	if got, err := s.ServedAt(ctx, "churn-ep", created.Add(15*time.Minute)); err != nil || got.Generation != 2 || !sameTime(got.Since, created.Add(10*time.Minute)) {
		t.Errorf("ServedAt(+15 min) = %+v, %v; want generation 2 since +10 min", got, err)
	}
	_, err = s.ServedAt(ctx, "never", created.Add(time.Hour))
	wantKind(t, "ServedAt of an unknown endpoint", err, fault.KindNotFound)

	// Reopened, everything is still there.
	s2 := open(t)
	if got, err := s2.Endpoint(ctx, "churn-ep"); err != nil || got.Generation != 4 || got.Version != 1 {
		t.Errorf("Endpoint after reopen = %+v, %v", got, err)
	}
}

// testConcurrentRegister registers many runs under one model at once: the
// versions are numbered 1..n without gaps or duplicates, and each has one
// register event; concurrent deploys of one endpoint take distinct
// generations.
func testConcurrentRegister(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	const n = 12
	runs := trainRuns(t, s, n)
	var wg sync.WaitGroup
	got := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			mv, err := s.RegisterModelVersion(ctx, store.NewModelVersion{Model: "churn", RunID: runs[i], ArtifactKey: "k", Change: change("ann", "", i)})
			got[i], errs[i] = mv.Version, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("registration %d: %v", i, err)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(seq(1, n), got); diff != "" {
		t.Errorf("concurrent version numbers (-want +got):\n%s", diff)
	}
	es, err := s.ModelEvents(ctx, store.EventFilter{Model: "churn"})
	if err != nil || len(es) != n {
		t.Errorf("register events = %d, %v; want %d", len(es), err, n)
	}

	gens := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			e, err := s.PutEndpoint(ctx, store.NewEndpoint{Name: "ep", Model: "churn", Version: i%3 + 1, Force: true, Change: change("ann", "", 100+i)})
			gens[i], errs[i] = e.Generation, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("deploy %d: %v", i, err)
		}
	}
	slices.Sort(gens)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, gens); diff != "" {
		t.Errorf("concurrent endpoint generations (-want +got):\n%s", diff)
	}

	// Deploys and deletes at once: every change that succeeds takes the
	// next generation, and the history lists them in order.
	for i := range n {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = s.DeleteEndpoint(ctx, "ep", change("bob", "", 200+i))
				if fault.KindOf(err) == fault.KindNotFound {
					err = nil
				}
			} else {
				_, err = s.PutEndpoint(ctx, store.NewEndpoint{Name: "ep", Model: "churn", Version: 1, Force: true, Change: change("bob", "", 200+i)})
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("deploy or delete %d: %v", i, err)
		}
	}
	es, err = s.ModelEvents(ctx, store.EventFilter{Endpoint: "ep"})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(es, func(a, b store.ModelEvent) int { return int(a.ID - b.ID) })
	for i, e := range es {
		var d struct {
			Generation int64 `json:"generation"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil || d.Generation != int64(i+1) {
			t.Errorf("endpoint event %d (%s): generation %d, %v; want %d", i, e.Kind, d.Generation, err, i+1)
		}
	}
	if len(es) < n+n/2 {
		t.Errorf("%d endpoint events, want at least %d", len(es), n+n/2)
	}
}
