package monitor_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/serve"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
)

// rows reads the holdout as JSON records; shift multiplies income by 3
// and replaces home by an unseen category on every row.
func rows(t *testing.T, shift bool) []map[string]any {
	f, err := os.Open(filepath.Join(catalogtest.Testdata(), "eval", "credit_holdout.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range all[1:] {
		rec := map[string]any{}
		for j, v := range r {
			name := all[0][j]
			if j == 0 || v == "" {
				continue
			}
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				if shift && name == "income" {
					x *= 3
				}
				rec[name] = x
			} else {
				rec[name] = v
			}
		}
		if shift {
			rec["home"] = "boat"
		}
		out = append(out, rec)
	}
	return out
}

// TestMonitorRun sends the holdout through a served endpoint, then a
// shifted copy an hour later, and checks what monitor runs find in each
// window.
func TestMonitorRun(t *testing.T) {
	a := catalogtest.New(t)
	ctx := t.Context()
	if _, err := a.Catalog.Add(ctx, filepath.Join(catalogtest.Testdata(), "eval", "credit_train.csv"), catalog.AddOpts{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Train.Train(ctx, train.Options{Data: "credit", Target: "status", Positive: "bad", ValidFrac: 0.2, Recipe: train.Recipe{Algo: "gbdt"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.Register(ctx, fmt.Sprint(res.Run.ID), "credit", "t", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.Deploy(ctx, "credit@1", "credit", registry.DeployOpts{Force: true, Actor: "t", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	ep, err := a.Store.Endpoint(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := a.Registry.ForEndpoint(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0.Add(10 * time.Minute))
	srv, err := serve.New(serve.Config{}, serve.Deps{Blob: a.Blob, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	srv.Set(serve.Endpoint{Name: "credit", Model: "credit", Version: 1, Pred: resolved.Model, CapturePercent: 100})
	send := func(recs []map[string]any) {
		for i := 0; i < len(recs); i += 50 {
			body, _ := json.Marshal(map[string]any{"instances": recs[i:min(i+50, len(recs))]})
			req := httptest.NewRequest("POST", "/endpoints/credit/invocations", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("invocations: %d %s", w.Code, w.Body)
			}
		}
	}
	normal, shifted := rows(t, false), rows(t, true)
	send(normal)
	clk.Advance(2 * time.Hour)
	send(shifted)
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	m := &monitor.Service{Store: a.Store, Blob: a.Blob, Registry: a.Registry, Clock: clk}
	// An alarm on drifted features, 1 of the last 1 runs, with a webhook.
	var mu sync.Mutex
	var notices []monitor.AlarmNotice
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n monitor.AlarmNotice
		json.NewDecoder(r.Body).Decode(&n)
		mu.Lock()
		notices = append(notices, n)
		mu.Unlock()
	}))
	defer hook.Close()
	spec, _ := json.Marshal(monitor.AlarmSpec{Metric: "drifted", Op: ">", Threshold: 0, M: 1, N: 1, Webhook: hook.URL})
	if _, err := a.Store.PutAlarm(ctx, "credit-drift", "credit", spec, t0); err != nil {
		t.Fatal(err)
	}
	before, err := m.Run(ctx, monitor.RunOptions{Endpoint: "credit", Since: t0})
	if err != nil {
		t.Fatal(err)
	}
	if before.Records != len(normal) || before.ByVersion["1"] != len(normal) || before.Report.Counts.Drift > 1 || before.Report.Counts.Violations > 2 {
		t.Errorf("holdout window: %d records, drift in %v, %d violations", before.Records, before.Drifted, before.Report.Counts.Violations)
	}
	after, err := m.Run(ctx, monitor.RunOptions{Endpoint: "credit", Since: t0.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if after.Records != len(shifted) || !slices.Contains(after.Drifted, "income") || !slices.Contains(after.Drifted, "home") {
		t.Errorf("shifted window: %d records, drifted %v", after.Records, after.Drifted)
	}
	t.Logf("holdout window: %d records, drifted %v, %d violations; shifted: %d records, drifted %v, %d violations", before.Records, before.Drifted, before.Report.Counts.Violations, after.Records, after.Drifted, after.Report.Counts.Violations)
	kinds := map[string]bool{}
	for _, v := range after.Report.Violations {
		kinds[v.Feature+"/"+v.Kind] = true
	}
	if !kinds["home/outside_domain"] || !kinds["income/out_of_range"] {
		t.Errorf("shifted window violations: %v", kinds)
	}
	// The alarm went OK after the holdout window and ALARM after the
	// shifted one; the webhook heard both changes.
	if len(before.Alarms) != 1 || before.Alarms[0].State != store.AlarmOK || len(after.Alarms) != 1 || after.Alarms[0].State != store.AlarmAlarm || !after.Alarms[0].Changed {
		t.Errorf("alarm states: %+v then %+v", before.Alarms, after.Alarms)
	}
	mu.Lock()
	if len(notices) != 2 || notices[0].State != store.AlarmOK || notices[1].State != store.AlarmAlarm || notices[1].Endpoint != "credit" || notices[1].MonitorRun != after.Run {
		t.Errorf("webhook notices: %+v", notices)
	}
	mu.Unlock()
	hist, err := a.Store.AlarmHistory(ctx, "credit-drift")
	if err != nil || len(hist) != 2 {
		t.Errorf("alarm history: %+v %v", hist, err)
	}
	for _, bad := range []monitor.AlarmSpec{{Metric: "speed", Op: "!", M: 2, N: 1}, {Metric: "score:x", Op: ">", M: 1, N: 1, Webhook: "ftp://x"}} {
		err := bad.Validate()
		if err == nil || !strings.Contains(err.Error(), "metric") {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
	}

	// An empty window has no records: insufficient data, no drift.
	empty, err := m.Run(ctx, monitor.RunOptions{Endpoint: "credit", Since: t0.Add(-5 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if empty.Records != 0 || len(empty.Drifted) != 0 || empty.Report.Counts.InsufficientData == 0 {
		t.Errorf("empty window: %+v", empty.Report.Counts)
	}
	rs, err := a.Store.ListRuns(ctx, store.RunFilter{Kind: store.RunMonitor})
	if err != nil || len(rs) != 3 || rs[0].ArtifactKey == "" || rs[0].Status != store.RunSucceeded {
		t.Fatalf("monitor runs: %+v %v", rs, err)
	}
}
