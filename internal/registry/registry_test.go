package registry_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/predict"
)

// fixture is a project with credit_train and two training runs: a small
// gradient-boosted model and the class prior.
type fixture struct {
	a          *app.App
	clk        *clock.Fake
	reg        *registry.Service
	gbdt, base *train.Result
}

func project(t *testing.T) fixture {
	t.Helper()
	a := catalogtest.New(t)
	ctx := t.Context()
	src := filepath.Join(catalogtest.Testdata(), "eval", "credit_train.csv")
	if _, err := a.Catalog.Add(ctx, src, catalog.AddOpts{Name: "credit_train"}); err != nil {
		t.Fatal(err)
	}
	gbdt, err := a.Train.Train(ctx, train.Options{Data: "credit_train", Target: "status", Positive: "bad", ValidFrac: 0.25,
		Recipe: train.Recipe{Algo: "gbdt", Params: map[string]string{"max_depth": "3", "n_estimators": "30"}, Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	base, err := a.Train.Train(ctx, train.Options{Data: "credit_train", Target: "status", Positive: "bad", ValidFrac: 0.25,
		Name: "prior", Recipe: train.Recipe{Algo: "baseline"}})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return fixture{a: a, clk: clk, gbdt: gbdt, base: base, reg: &registry.Service{Store: a.Store, Blob: a.Blob, Clock: clk}}
}

func wantKind(t *testing.T, what string, err error, k fault.Kind, says ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, k)
		return
	}
	if got := fault.KindOf(err); got != k {
		t.Errorf("%s: error %q has kind %v, want %v", what, err, got, k)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q does not say %q", what, err, s)
		}
	}
}

// TestLifecycle registers, resolves, approves, aliases, deploys and asks
// what was served when.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	f := project(t)
	ctx := t.Context()
	r := f.reg
	gbdtRun := fmt.Sprint(f.gbdt.Run.ID)

	v1, err := r.Register(ctx, gbdtRun, "churn", "ann", "first model")
	if err != nil {
		t.Fatal(err)
	}
	var metrics map[string]map[string]float64
	if err := json.Unmarshal(v1.Metrics, &metrics); err != nil {
		t.Fatalf("metrics %s: %v", v1.Metrics, err)
	}
	if v1.Version != 1 || v1.Status != store.StatusPending || v1.Task != "binary" || v1.RunID != f.gbdt.Run.ID ||
		v1.ArtifactKey != f.gbdt.ModelKey || metrics["valid"]["roc_auc"] != f.gbdt.Summary.Metrics["valid"]["roc_auc"] {
		t.Errorf("Register = %+v", v1)
	}
	// By run name; the second version.
	v2, err := r.Register(ctx, "prior", "churn", "ann", "")
	if err != nil || v2.Version != 2 || v2.RunID != f.base.Run.ID {
		t.Fatalf("Register(prior) = %+v, %v", v2, err)
	}
	_, err = r.Register(ctx, gbdtRun, "churn", "ann", "")
	wantKind(t, "registering a run twice", err, fault.KindConflict, "already recorded")
	_, err = r.Register(ctx, "no-such-run", "churn", "ann", "")
	wantKind(t, "registering a missing run", err, fault.KindNotFound, "no-such-run")
	_, err = r.Register(ctx, gbdtRun, "bad name!", "ann", "")
	wantKind(t, "registering under a bad name", err, fault.KindInvalid, "bad name!")

	// Resolve loads the package: latest, by number.
	res, err := r.Resolve(ctx, "churn")
	if err != nil {
		t.Fatal(err)
	}
	if res.Version.Version != 2 || res.Model.Package().Algo != "baseline" {
		t.Errorf("Resolve(churn) = v%d %s, want v2 baseline", res.Version.Version, res.Model.Package().Algo)
	}
	res1, err := r.Resolve(ctx, "churn@1")
	if err != nil {
		t.Fatal(err)
	}
	if res1.Version.Version != 1 || res1.Model.Package().Lineage.RunID != f.gbdt.Run.ID || res1.Model.Task() != "binary" {
		t.Errorf("Resolve(churn@1) = %+v", res1.Version)
	}
	// The resolved model predicts exactly as the training run's package.
	recs := []map[string]any{
		{"seniority": 1, "home": "rent", "time": 60, "age": 25, "marital": "single", "records": "yes", "job": "partime",
			"expenses": 35, "income": 80, "assets": 0, "debt": 0, "amount": 1500, "price": 1600},
		{"seniority": 20, "home": "owner", "time": 36, "age": 50, "marital": "married", "records": "no", "job": "fixed",
			"expenses": 60, "income": 200, "assets": 5000, "debt": 0, "amount": 800, "price": 1400},
	}
	x, err := predict.FrameFromRecords(res1.Model.Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := res1.Model.Predict(ctx, x)
	if err != nil {
		t.Fatalf("Predict: %v", err)
	}
	direct, err := predict.New(f.gbdt.Package)
	if err != nil {
		t.Fatal(err)
	}
	want, err := direct.Predict(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if got.Score(i) != want.Score(i) || got.Label(i) != want.Label(i) {
			t.Errorf("row %d: resolved model predicts %v (%s), the training package %v (%s)", i, got.Score(i), got.Label(i), want.Score(i), want.Label(i))
		}
	}
	if got.Score(0) == got.Score(1) {
		t.Errorf("both rows score %v", got.Score(0))
	}

	// Only approved versions deploy.
	_, err = r.Deploy(ctx, "churn@1", "churn", registry.DeployOpts{Actor: "ann"})
	wantKind(t, "deploying a pending version", err, fault.KindConflict, "pending", "--force", "mlcycle model approve churn@1")
	_, err = r.Reject(ctx, "churn@2", "bob", "")
	wantKind(t, "rejecting without a reason", err, fault.KindInvalid, "--reason")
	if mv, err := r.Approve(ctx, "churn@1", "bob", "holdout ok"); err != nil || mv.Status != store.StatusApproved {
		t.Fatalf("Approve = %+v, %v", mv, err)
	}
	if mv, err := r.Reject(ctx, "churn@2", "bob", "worse than v1"); err != nil || mv.Status != store.StatusRejected {
		t.Fatalf("Reject = %+v, %v", mv, err)
	}
	_, err = r.Approve(ctx, "churn@2", "bob", "")
	wantKind(t, "approving a rejected version", err, fault.KindConflict, "already rejected", "--force")
	if mv, err := r.Alias(ctx, "churn@1", "champion", "bob", ""); err != nil || mv.Aliases[0] != "champion" {
		t.Fatalf("Alias = %+v, %v", mv, err)
	}
	_, err = r.Alias(ctx, "churn@1", "latest", "bob", "")
	wantKind(t, "alias latest", err, fault.KindInvalid, "reserved")

	t0 := f.clk.Now()
	ep, err := r.Deploy(ctx, "churn@champion", "churn", registry.DeployOpts{Actor: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Generation != 1 || ep.Version != 1 || ep.Model != "churn" {
		t.Errorf("Deploy = %+v", ep)
	}
	if c, err := registry.ParseEndpointConfig(ep.Config); err != nil || c.CapturePercent != 100 {
		t.Errorf("default config = %+v, %v (%s)", c, err, ep.Config)
	}
	f.clk.Advance(time.Hour)
	if ep, err = r.Deploy(ctx, "churn@1", "churn", registry.DeployOpts{Actor: "ann", Config: &registry.EndpointConfig{CapturePercent: 25}}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Hour)
	t2 := f.clk.Now()
	_, err = r.Deploy(ctx, "churn@2", "churn", registry.DeployOpts{Actor: "ann", Force: true})
	wantKind(t, "forcing without a reason", err, fault.KindInvalid, "--reason")
	if ep, err = r.Deploy(ctx, "churn@2", "churn", registry.DeployOpts{Actor: "ann", Force: true, Reason: "canary"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := registry.ParseEndpointConfig(ep.Config); ep.Generation != 3 || ep.Version != 2 || c.CapturePercent != 25 {
		t.Errorf("forced deploy = %+v (config %s), want generation 3, v2, capture kept at 25", ep, ep.Config)
	}
	if fe, err := r.ForEndpoint(ctx, ep); err != nil || fe.Version.Version != 2 || fe.Model.Package().Algo != "baseline" || fe.Ref.String() != "churn@2" {
		t.Errorf("ForEndpoint(generation 3) = %+v, %v", fe, err)
	}
	_, err = r.Deploy(ctx, "churn@1", "churn", registry.DeployOpts{Config: &registry.EndpointConfig{CapturePercent: 120}})
	wantKind(t, "capture 120", err, fault.KindInvalid, "capture percent")

	for _, c := range []struct {
		at      time.Time
		version int
	}{{t0.Add(-time.Second), 0}, {t0, 1}, {t0.Add(90 * time.Minute), 1}, {t2, 2}, {t2.Add(time.Hour), 2}} {
		sv, err := r.ServedAt(ctx, "churn", c.at)
		if c.version == 0 {
			wantKind(t, "ServedAt before the endpoint", err, fault.KindNotFound)
			continue
		}
		if err != nil || sv.Version != c.version {
			t.Errorf("ServedAt(%v) = %+v, %v; want v%d", c.at, sv, err, c.version)
		}
	}

	d, err := r.Describe(ctx, "churn@2")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range d.History {
		kinds = append(kinds, e.Kind+" "+e.Actor)
	}
	if diff := cmp.Diff([]string{"register ann", "reject bob", "deploy ann"}, kinds); diff != "" {
		t.Errorf("Describe history (-want +got):\n%s", diff)
	}
	if len(d.Datasets) != 1 || d.Datasets[0].Dataset != "credit_train" || d.Run.ID != f.base.Run.ID ||
		len(d.Endpoints) != 1 || d.Endpoints[0].Name != "churn" || d.Package.Algo != "baseline" {
		t.Errorf("Describe = datasets %+v, run %d, endpoints %+v", d.Datasets, d.Run.ID, d.Endpoints)
	}

	if _, err := r.Undeploy(ctx, "churn", "ann", "done"); err != nil {
		t.Fatal(err)
	}
	_, err = r.ServedAt(ctx, "churn", f.clk.Now())
	wantKind(t, "ServedAt after undeploy", err, fault.KindNotFound, "deleted")
}

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want registry.Ref
		err  string
	}{
		{in: "churn", want: registry.Ref{Model: "churn"}},
		{in: "churn@latest", want: registry.Ref{Model: "churn"}},
		{in: "churn@3", want: registry.Ref{Model: "churn", Version: 3}},
		{in: "churn@champion", want: registry.Ref{Model: "churn", Alias: "champion"}},
		{in: "churn-v2.1@a_b", want: registry.Ref{Model: "churn-v2.1", Alias: "a_b"}},
		{in: "churn@0", err: "versions start at 1"},
		{in: "churn@", err: "nothing after @"},
		{in: "@3", err: "model name"},
		{in: "churn@-1", err: "neither a version number nor an alias"},
		{in: "ch urn", err: "model name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := registry.ParseRef(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || fault.KindOf(err) != fault.KindInvalid {
					t.Errorf("ParseRef(%q) = %+v, %v; want an invalid-input error saying %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if back, _ := registry.ParseRef(got.String()); back != got {
				t.Errorf("ParseRef(%q).String() = %q does not parse back", tt.in, got.String())
			}
		})
	}
}

func TestActor(t *testing.T) {
	t.Parallel()
	if got := registry.Actor(func(k string) string { return map[string]string{"MLCYCLE_USER": "zoe"}[k] }); got != "zoe" {
		t.Errorf("Actor with MLCYCLE_USER=zoe = %q", got)
	}
	if got := registry.Actor(func(string) string { return "" }); got == "" {
		t.Error("Actor without MLCYCLE_USER is empty, want the OS user or unknown")
	}
}
