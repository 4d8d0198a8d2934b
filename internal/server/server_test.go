package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/cli"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/serve"
	"github.com/mlcycle/mlcycle/internal/server"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/metrics"
	"github.com/mlcycle/mlcycle/predict"
)

// trainVersion trains gbdt on credit_train and registers, approves it.
func trainVersion(t *testing.T, a *app.App, depth string) {
	t.Helper()
	ctx := t.Context()
	res, err := a.Train.Train(ctx, train.Options{Data: "credit", Target: "status", Positive: "bad", ValidFrac: 0.2,
		Recipe: train.Recipe{Algo: "gbdt", Params: map[string]string{"max_depth": depth}}})
	if err != nil {
		t.Fatal(err)
	}
	mv, err := a.Registry.Register(ctx, fmt.Sprint(res.Run.ID), "credit", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.Approve(ctx, fmt.Sprintf("credit@%d", mv.Version), "test", "e2e"); err != nil {
		t.Fatal(err)
	}
}

// holdout returns the holdout rows as JSON records (numbers as numbers,
// empty fields left out) and the CSV text without the target.
func holdout(t *testing.T, n int) ([]map[string]any, string, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(catalogtest.Testdata(), "eval", "credit_holdout.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	var recs []map[string]any
	var labels []string
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(head[1:])
	for _, r := range rows[1 : n+1] {
		rec := map[string]any{}
		for j, v := range r {
			if j == 0 || v == "" {
				continue
			}
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				rec[head[j]] = x
			} else {
				rec[head[j]] = v
			}
		}
		recs = append(recs, rec)
		labels = append(labels, r[0])
		w.Write(r[1:])
	}
	w.Flush()
	return recs, b.String(), labels
}

type response struct {
	Model       string `json:"model"`
	Version     int    `json:"version"`
	Predictions []struct {
		InferenceID   string             `json:"inference_id"`
		Prediction    string             `json:"prediction"`
		Score         float64            `json:"score"`
		Probabilities map[string]float64 `json:"probabilities"`
	} `json:"predictions"`
}

func post(t *testing.T, url, ctype, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestServerEndToEnd starts the real server on a loopback port, deploys a
// trained model through the registry and calls every protocol over HTTP;
// predictions equal predict's in-process ones. Then a new version is
// deployed from the command line under load, and parallel CLI commands
// share the project with the loaded server.
func TestServerEndToEnd(t *testing.T) {
	a := catalogtest.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := a.Catalog.Add(ctx, filepath.Join(catalogtest.Testdata(), "eval", "credit_train.csv"), catalog.AddOpts{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	trainVersion(t, a, "4")
	if _, err := a.Registry.Deploy(ctx, "credit@1", "credit", registry.DeployOpts{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Poll: 50 * time.Millisecond}, a.Registry, a.Store, a.Monitor, serve.Deps{Blob: a.Blob})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	base := "http://" + l.Addr().String()
	<-s.Synced()

	res, err := a.Registry.Resolve(ctx, "credit@1")
	if err != nil {
		t.Fatal(err)
	}
	recs, csvText, truth := holdout(t, 50)
	f, err := predict.FrameFromRecords(res.Model.Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := res.Model.Predict(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, code int, body []byte) {
		t.Helper()
		if code != 200 {
			t.Fatalf("%s: status %d: %s", what, code, body)
		}
		var r response
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("%s: %v: %s", what, err, body)
		}
		if r.Model != "credit" || r.Version != 1 || len(r.Predictions) != 50 {
			t.Fatalf("%s: model %s@%d, %d predictions", what, r.Model, r.Version, len(r.Predictions))
		}
		ids := map[string]bool{}
		for i, p := range r.Predictions {
			if p.Probabilities["bad"] != want.Proba(i)[1] || p.Probabilities["good"] != want.Proba(i)[0] || p.Prediction != want.Label(i) || p.Score != want.Score(i) {
				t.Fatalf("%s row %d: %+v, in-process %v %s", what, i, p, want.Proba(i), want.Label(i))
			}
			ids[p.InferenceID] = true
		}
		if len(ids) != 50 {
			t.Errorf("%s: %d distinct inference ids for 50 rows", what, len(ids))
		}
	}
	body, _ := json.Marshal(map[string]any{"instances": recs})
	code, b := post(t, base+"/endpoints/credit/invocations", "application/json", string(body))
	check("invocations JSON", code, b)

	// Ground truth for those 50 predictions, an unknown id, a duplicate
	// and a label that is no class.
	var first response
	if err := json.Unmarshal(b, &first); err != nil {
		t.Fatal(err)
	}
	var fb []map[string]any
	for i, p := range first.Predictions {
		fb = append(fb, map[string]any{"inference_id": p.InferenceID, "label": truth[i]})
	}
	fb = append(fb, map[string]any{"inference_id": "0190d9a0-0000-7000-8000-000000000000", "label": "good"},
		map[string]any{"inference_id": first.Predictions[0].InferenceID, "label": "good"},
		map[string]any{"inference_id": "not-an-id", "label": "good"})
	fbBody, _ := json.Marshal(map[string]any{"labels": fb})
	code, b = post(t, base+"/endpoints/credit/feedback", "application/json", string(fbBody))
	var fres struct {
		Accepted   int      `json:"accepted"`
		Duplicates []string `json:"duplicates"`
		Unknown    []string `json:"unknown"`
		Invalid    []struct{ InferenceID, Reason string }
	}
	if err := json.Unmarshal(b, &fres); code != 200 || err != nil || fres.Accepted != 50 || len(fres.Unknown) != 1 || len(fres.Duplicates) != 1 || len(fres.Invalid) != 1 {
		t.Fatalf("feedback: %d %v %+v %s", code, err, fres, b)
	}
	code, b = post(t, base+"/endpoints/credit/feedback", "application/json", string(fbBody))
	if err := json.Unmarshal(b, &fres); code != 200 || err != nil || fres.Accepted != 0 || len(fres.Duplicates) != 51 {
		t.Fatalf("feedback again: %d %v %+v", code, err, fres)
	}
	if code, b := post(t, base+"/endpoints/nope/feedback", "application/json", string(fbBody)); code != 404 {
		t.Errorf("feedback to an unknown endpoint: %d %s", code, b)
	}
	code, b = post(t, base+"/endpoints/credit/invocations", "text/csv", csvText)
	check("invocations CSV", code, b)
	code, b = post(t, base+"/v1/models/credit:predict", "application/json", string(body))
	check("KServe v1", code, b)

	// Open Inference Protocol v2: one tensor per column.
	var inputs []map[string]any
	for _, fld := range res.Model.Schema() {
		data := make([]any, len(recs))
		dt := "FP64"
		if fld.Logical == "categorical" || fld.Logical == "text" {
			dt = "BYTES"
		}
		for i, r := range recs {
			data[i] = r[fld.Name]
		}
		inputs = append(inputs, map[string]any{"name": fld.Name, "shape": []int{len(recs)}, "datatype": dt, "data": data})
	}
	v2body, _ := json.Marshal(map[string]any{"id": "r1", "inputs": inputs})
	code, b = post(t, base+"/v2/models/credit/infer", "application/json", string(v2body))
	var v2 struct {
		ModelName    string `json:"model_name"`
		ModelVersion string `json:"model_version"`
		ID           string `json:"id"`
		Outputs      []struct {
			Name string `json:"name"`
			Data []any  `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(b, &v2); code != 200 || err != nil || v2.ModelName != "credit" || v2.ModelVersion != "1" || v2.ID != "r1" {
		t.Fatalf("v2 infer: %d %v %s", code, err, b)
	}
	for _, o := range v2.Outputs {
		if o.Name == "probabilities" {
			for i := range 50 {
				if o.Data[2*i].(float64) != want.Proba(i)[0] || o.Data[2*i+1].(float64) != want.Proba(i)[1] {
					t.Fatalf("v2 row %d: %v %v, in-process %v", i, o.Data[2*i], o.Data[2*i+1], want.Proba(i))
				}
			}
		}
	}
	for _, path := range []string{"/ping", "/v2/health/live", "/v2/health/ready", "/v2/models/credit", "/v2/models/credit/ready", "/v1/models/credit"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", path, err, resp.Status)
		}
		resp.Body.Close()
	}
	if code, b := post(t, base+"/endpoints/nope/invocations", "application/json", string(body)); code != 404 {
		t.Errorf("unknown endpoint: %d %s", code, b)
	}

	// A second version deployed from the CLI while requests run: none
	// fails, each names the version whose predictions it carries, and the
	// server switches without a restart. Parallel CLI commands share the
	// project with the loaded server.
	trainVersion(t, a, "2")
	one, _ := json.Marshal(map[string]any{"instances": recs[:1]})
	var failed, v1n, v2n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post(base+"/endpoints/credit/invocations", "application/json", bytes.NewReader(one))
				if err != nil {
					failed.Add(1)
					continue
				}
				var r response
				err = json.NewDecoder(resp.Body).Decode(&r)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				if r.Version == 1 {
					v1n.Add(1)
				} else {
					v2n.Add(1)
				}
			}
		})
	}
	env := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Dir: a.Config.Dir, Getenv: func(string) string { return "" }})
		return code, out.String() + errb.String()
	}
	var cliWG sync.WaitGroup
	cliErrs := make(chan string, 16)
	for i := range 8 {
		cliWG.Go(func() {
			args := [][]string{{"runs", "list"}, {"model", "list"}, {"endpoints", "list"}, {"model", "show", "credit"}}[i%4]
			if code, out := env(args...); code != 0 {
				cliErrs <- fmt.Sprintf("%v: %d %s", args, code, out)
			}
		})
	}
	if code, out := env("deploy", "credit@2", "--endpoint", "credit"); code != 0 {
		t.Fatalf("deploy from the CLI: %d %s", code, out)
	}
	cliWG.Wait()
	close(cliErrs)
	for e := range cliErrs {
		t.Errorf("CLI beside the server: %s", e)
	}
	deadline := time.Now().Add(10 * time.Second)
	for v2n.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || v1n.Load() == 0 || v2n.Load() < 20 {
		t.Errorf("during the switch: %d failed, %d answered by v1, %d by v2", failed.Load(), v1n.Load(), v2n.Load())
	}
	t.Logf("during the switch: %d answered by v1, %d by v2", v1n.Load(), v2n.Load())
	eps := s.Serving()
	if len(eps) != 1 || eps[0].Version != 2 {
		t.Errorf("serving %+v after the deploy", eps)
	}

	// A monitor schedule: the server runs monitor runs and exports gauges.
	if err := a.Store.SetSchedule(ctx, "credit", time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	var gauges string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if gauges = string(b); strings.Contains(gauges, `mlcycle_monitor_last_run_timestamp_seconds{endpoint="credit"}`) {
			break
		}
	}
	t.Logf("monitor gauges:\n%s", grepLines(gauges, "mlcycle_monitor_"))
	for _, w := range []string{`mlcycle_monitor_records{endpoint="credit"}`, `mlcycle_monitor_drift_score{endpoint="credit",feature="income",method="psi"}`, `mlcycle_monitor_violations{endpoint="credit"}`} {
		if !strings.Contains(gauges, w) {
			t.Errorf("metrics lack %s after a scheduled monitor run", w)
		}
	}

	// Metrics name the endpoint; shutdown drains and flushes capture.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(mb), `mlcycle_serve_requests_total{code="200",endpoint="credit",protocol="invocations"}`) {
		t.Errorf("metrics lack the endpoint's request counter")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// The labelled predictions give the window's quality: ROC-AUC of the
	// 50 rows equals scikit-learn's definition on the in-process scores.
	mr, err := a.Monitor.Run(context.Background(), monitor.RunOptions{Endpoint: "credit", Since: time.Now().Add(-30 * time.Minute), Window: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	yt := make([]int, 50)
	sc := make([]float64, 50)
	for i := range 50 {
		if truth[i] == "bad" {
			yt[i] = 1
		}
		sc[i] = want.Score(i)
	}
	auc, err := metrics.ROCAUC(yt, sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mr.Quality.Labels != 50 || mr.Quality.Metrics["roc_auc"] != auc || mr.Quality.Training["roc_auc"] == 0 {
		t.Errorf("monitor quality: %d labels, roc_auc %v (want %v), training %v", mr.Quality.Labels, mr.Quality.Metrics["roc_auc"], auc, mr.Quality.Training["roc_auc"])
	}
	keys, err := a.Blob.List(context.Background(), "capture/credit/")
	if err != nil || len(keys) == 0 {
		t.Fatalf("captured objects: %v %v", keys, err)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
