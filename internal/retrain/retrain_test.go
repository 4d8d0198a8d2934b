package retrain_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/jobs"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/retrain"
	"github.com/mlcycle/mlcycle/internal/serve"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
)

// rows reads rows [from, to) of a testdata/eval CSV as records and labels.
func rows(t *testing.T, file string, from, to int) ([]map[string]any, []string) {
	f, err := os.Open(filepath.Join(catalogtest.Testdata(), "eval", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	var labels []string
	for _, r := range all[1+from : 1+min(to, len(all)-1)] {
		rec := map[string]any{}
		for j, v := range r[1:] {
			if v == "" {
				continue
			}
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				rec[all[0][j+1]] = x
			} else {
				rec[all[0][j+1]] = v
			}
		}
		recs = append(recs, rec)
		labels = append(labels, r[0])
	}
	return recs, labels
}

// TestRetrain deploys a champion trained on 300 rows, serves 1,400 more
// with their ground truth, and retrains: the challenger learns from the
// labelled rows, passes the gate, beats the champion on the newest rows
// and replaces it; with a goal it cannot meet, the next challenger is
// rejected with the reason.
// served deploys a champion trained on 300 rows and serves 1,400 more
// rows with their ground truth.
func served(t *testing.T) *app.App {
	a := catalogtest.New(t)
	ctx := t.Context()
	if _, err := a.Catalog.Add(ctx, filepath.Join(catalogtest.Testdata(), "eval", "credit_train.csv"), catalog.AddOpts{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	r, _ := prep.Parse([]byte("- sample: {n: 300, seed: 1}"))
	if _, err := prep.Run(ctx, a.Catalog, "credit", r, "credit_small"); err != nil {
		t.Fatal(err)
	}
	res, err := a.Train.Train(ctx, train.Options{Data: "credit_small", Target: "status", Positive: "bad", ValidFrac: 0.2, Recipe: train.Recipe{Algo: "gbdt", Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.Register(ctx, fmt.Sprint(res.Run.ID), "credit", "t", ""); err != nil {
		t.Fatal(err)
	}
	a.Registry.Approve(ctx, "credit@1", "t", "")
	a.Registry.Alias(ctx, "credit@1", "champion", "t", "")
	if _, err := a.Registry.Deploy(ctx, "credit@champion", "credit", registry.DeployOpts{Actor: "t"}); err != nil {
		t.Fatal(err)
	}
	ep, _ := a.Store.Endpoint(ctx, "credit")
	champ, err := a.Registry.ForEndpoint(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serve.New(serve.Config{}, serve.Deps{Blob: a.Blob})
	if err != nil {
		t.Fatal(err)
	}
	srv.Set(serve.Endpoint{Name: "credit", Model: "credit", Version: 1, Pred: champ.Model, CapturePercent: 100})
	recs, truth := rows(t, "credit_train.csv", 2000, 3400)
	var labels []monitor.LabelIn
	for i := 0; i < len(recs); i += 100 {
		body, _ := json.Marshal(map[string]any{"instances": recs[i:min(i+100, len(recs))]})
		req := httptest.NewRequest("POST", "/endpoints/credit/invocations", strings.NewReader(string(body)))
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		var pr struct {
			Predictions []struct {
				ID string `json:"inference_id"`
			} `json:"predictions"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &pr); err != nil || w.Code != 200 {
			t.Fatalf("invocations: %d %s", w.Code, w.Body)
		}
		for j, p := range pr.Predictions {
			labels = append(labels, monitor.LabelIn{InferenceID: p.ID, Label: truth[i+j]})
		}
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	fb, err := a.Monitor.AddFeedback(ctx, "credit", labels)
	if err != nil || fb.Accepted != len(recs) {
		t.Fatalf("feedback: %+v %v", fb, err)
	}
	return a
}

func TestRetrain(t *testing.T) {
	a := served(t)
	ctx := t.Context()
	min := func(v float64) *float64 { return &v }
	goal := &config.Goal{Criteria: []config.Criterion{{Metric: "roc_auc", Min: min(0.6)}}}
	out, err := a.Retrain.Retrain(ctx, retrain.Options{Endpoint: "credit", Goal: goal, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("retrain: %+v", out)
	if out.Labeled != 980 || out.Recent != 420 || out.Champion != "credit@1" || out.Challenger != "credit@2" || !out.GatePassed {
		t.Errorf("outcome %+v", out)
	}
	if !out.Promoted || out.ChallengerValue <= out.ChampionValue {
		t.Fatalf("a challenger trained on 4x the rows was not promoted: %+v", out)
	}
	ep, _ := a.Store.Endpoint(ctx, "credit")
	mv, err := a.Registry.Lookup(ctx, "credit@champion")
	if ep.Version != 2 || err != nil || mv.Version != 2 || mv.Status != store.StatusApproved {
		t.Errorf("after promotion: endpoint serves v%d, champion %+v %v", ep.Version, mv, err)
	}
	// Lineage: the new training version has the champion's training data
	// and the labelled rows as parents.
	v, err := a.Catalog.Get(ctx, out.Data)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, p := range v.Parents {
		roles[p.Role] = fmt.Sprintf("%s@%d", p.Dataset, p.Version)
	}
	if roles["input"] != "credit_small@1" || roles["union"] != "credit_labeled@1" || v.Rows != 300+980 {
		t.Errorf("training data %s: %d rows, parents %v", out.Data, v.Rows, roles)
	}

	// A goal nobody meets: the next challenger is rejected, the champion stays.
	strict := &config.Goal{Criteria: []config.Criterion{{Metric: "roc_auc", Min: min(0.999)}}}
	out, err = a.Retrain.Retrain(ctx, retrain.Options{Endpoint: "credit", Goal: strict, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Promoted || out.GatePassed || !strings.Contains(out.Reason, "does not pass the goal's gate") || !strings.Contains(out.Reason, "roc_auc >= 0.999") {
		t.Errorf("strict goal outcome %+v", out)
	}
	ch, err := a.Registry.Lookup(ctx, out.Challenger)
	if err != nil || ch.Status != store.StatusRejected {
		t.Errorf("rejected challenger %s: %+v %v", out.Challenger, ch, err)
	}
	if ep, _ := a.Store.Endpoint(ctx, "credit"); ep.Version != 2 {
		t.Errorf("the endpoint moved to v%d after a failed retraining", ep.Version)
	}
	rs, err := a.Store.ListRuns(ctx, store.RunFilter{Kind: store.RunRetrain})
	if err != nil || len(rs) != 2 || rs[0].Status != store.RunSucceeded {
		t.Errorf("retrain runs: %+v %v", rs, err)
	}
}

// TestRetrainJob runs a retraining as a River job on a client configured
// as mlcycle server's, enqueued after the client started, as when a
// policy or an alarm calls for one; a second request while one waits or
// runs is not queued again.
func TestRetrainJob(t *testing.T) {
	a := served(t)
	ctx := t.Context()
	cfg, err := jobs.FromStore(a.Store)
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.ForServer()
	cfg.Workers = river.NewWorkers()
	min := func(v float64) *float64 { return &v }
	a.Retrain.Register(cfg.Workers, &config.Goal{Criteria: []config.Criterion{{Metric: "roc_auc", Min: min(0.6)}}})
	c, err := jobs.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.StopAndCancel(context.Background())
	added, err := retrain.Enqueue(ctx, c, "credit", "labels (1400 new)")
	if err != nil || !added {
		t.Fatalf("Enqueue = %v, %v", added, err)
	}
	if again, err := retrain.Enqueue(ctx, c, "credit", "schedule"); err != nil || again {
		t.Errorf("second Enqueue while the first waits = %v, %v; want not added", again, err)
	}
	var rs []store.Run
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		rs, err = a.Store.ListRuns(ctx, store.RunFilter{Kind: store.RunRetrain})
		if err == nil && len(rs) == 1 && rs[0].Status != store.RunRunning {
			break
		}
	}
	if len(rs) != 1 || rs[0].Status != store.RunSucceeded {
		t.Fatalf("retrain runs: %+v", rs)
	}
	var out retrain.Outcome
	if err := json.Unmarshal(rs[0].Metrics, &out); err != nil || !out.Promoted {
		t.Errorf("job outcome: %+v %v", out, err)
	}
	hist, err := a.Registry.History(ctx, store.EventFilter{Model: "credit"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range hist {
		if strings.Contains(e.Actor, "retrain job (labels (1400 new))") {
			found = true
		}
	}
	if !found {
		t.Errorf("the registry history does not name the job's trigger: %+v", hist)
	}
}
