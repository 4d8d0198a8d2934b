package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMonitorCommands runs monitor baseline and monitor run from the
// command line (traffic and drift are tested in internal/monitor).
func TestMonitorCommands(t *testing.T) {
	t.Parallel()
	proj := creditProject(t, "goal:\n  target: status\n  positive: bad\n")
	mustRun(t, proj, nil, "train", "credit_train", "--name", "m")
	mustRun(t, proj, nil, "model", "register", "m", "--name", "credit")
	mustRun(t, proj, nil, "deploy", "credit@1", "--endpoint", "credit", "--force", "--reason", "test")

	out := mustRun(t, proj, nil, "monitor", "baseline", "credit@1", "--data", "credit_holdout", "--json")
	var b struct {
		Run      int64 `json:"run"`
		Rows     int   `json:"rows"`
		Features int   `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.Run != 1 || b.Rows != 637 || b.Features != 14 {
		t.Errorf("monitor baseline --json: %v %+v\n%s", err, b, out)
	}
	out = mustRun(t, proj, nil, "monitor", "run", "credit", "--window", "30m")
	for _, w := range []string{"monitor run 2: endpoint credit (credit@1)", ": 0 captured rows", "INSUFFICIENT_DATA", "__prediction__"} {
		if !strings.Contains(out, w) {
			t.Errorf("monitor run output lacks %q:\n%s", w, out)
		}
	}
	// The HTML report goes to monitor_ENDPOINT_RUN.html in the project.
	report := filepath.Join(proj, "monitor_credit_2.html")
	if html, err := os.ReadFile(report); err != nil || !strings.Contains(out, "Report: "+report) ||
		!strings.Contains(string(html), "<title>credit · monitoring report</title>") || strings.Contains(string(html), `id="history"`) {
		t.Errorf("monitor run report %s: %v (output: %s)", report, err, out)
	}
	mustRun(t, proj, nil, "alarm", "create", "credit-drift", "--endpoint", "credit", "--metric", "drifted", "--op", ">", "--threshold", "0")
	out = mustRun(t, proj, nil, "monitor", "run", "credit", "--json", "--out", "m.html")
	if !strings.Contains(out, `"state": "OK"`) {
		t.Errorf("monitor run with an alarm:\n%s", out)
	}
	// The second run's report has the first as history: 2 runs over time.
	if html, err := os.ReadFile(filepath.Join(proj, "m.html")); err != nil || !strings.Contains(string(html), `href="#history">Over time <span class="n">2</span>`) ||
		!strings.Contains(string(html), `data-state="OK"`) {
		t.Errorf("monitor run --out m.html: %v", err)
	}
	if out := mustRun(t, proj, nil, "alarm", "list"); !strings.Contains(out, "credit-drift") || !strings.Contains(out, "OK") || !strings.Contains(out, "drifted > 0, 1 of 1") {
		t.Errorf("alarm list:\n%s", out)
	}
	if out := mustRun(t, proj, nil, "alarm", "history", "credit-drift"); !strings.Contains(out, "OK") || !strings.Contains(out, "in 0 of the last 1") {
		t.Errorf("alarm history:\n%s", out)
	}
	if code, out, errs := run(t, proj, nil, "alarm", "create", "x", "--endpoint", "credit", "--metric", "speed", "--m", "3"); code != 1 || !strings.Contains(out+errs, `metric "speed"`) || !strings.Contains(out+errs, "m=3 of n=1") {
		t.Errorf("alarm create with a bad spec: %d %s%s", code, out, errs)
	}
	mustRun(t, proj, nil, "alarm", "delete", "credit-drift")
	mustRun(t, proj, nil, "monitor", "schedule", "credit", "--every", "15m")
	if out := mustRun(t, proj, nil, "monitor", "schedules"); !strings.Contains(out, "credit") || !strings.Contains(out, "15m0s") {
		t.Errorf("monitor schedules:\n%s", out)
	}
	mustRun(t, proj, nil, "monitor", "schedule", "credit", "--every", "0")
	if out := mustRun(t, proj, nil, "monitor", "schedules", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("monitor schedules after removal: %s", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"monitor", "schedule", "nope", "--every", "1m"}, 1, `endpoint "nope"`},
		{[]string{"monitor", "schedule", "credit"}, 2, "needs --every"},
		{[]string{"monitor", "schedule", "credit", "--every", "10ms"}, 1, "at least 1s"},
		{[]string{"monitor", "run", "nope"}, 1, `endpoint "nope"`},
		{[]string{"monitor", "run", "credit", "--since", "yesterday"}, 2, "RFC 3339"},
		{[]string{"monitor", "baseline", "credit@9", "--data", "credit_holdout"}, 1, "credit@9"},
		{[]string{"monitor", "baseline", "credit@1"}, 2, "data"},
	} {
		code, out, errs := run(t, proj, nil, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("mlcycle %s: exit %d (want %d), output lacks %q:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errs)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServerFeedbackCommands runs mlcycle server, sends predictions over
// HTTP, records their ground truth with mlcycle feedback and scores them
// with mlcycle monitor run.
func TestServerFeedbackCommands(t *testing.T) {
	t.Parallel()
	proj := creditProject(t, "goal:\n  target: status\n  positive: bad\n")
	mustRun(t, proj, nil, "train", "credit_train", "--name", "m")
	mustRun(t, proj, nil, "model", "register", "m", "--name", "credit")
	mustRun(t, proj, nil, "model", "approve", "credit@1")
	mustRun(t, proj, nil, "deploy", "credit@1", "--endpoint", "credit")

	ctx, cancel := context.WithCancel(context.Background())
	var serr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"server", "--addr", "127.0.0.1:0", "--poll", "100ms"}, Env{Stdin: strings.NewReader(""),
			Stdout: io.Discard, Stderr: &serr, Dir: proj, Getenv: func(string) string { return "" }})
	}()
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, after, ok := strings.Cut(serr.String(), "listening on "); ok {
			base = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s", serr.String())
	}
	rows := `{"instances": [{"seniority": 9, "home": "rent", "income": 129, "amount": 800, "price": 846},
		{"seniority": 1, "home": "owner", "income": 40, "amount": 2000, "price": 2100}]}`
	resp, err := http.Post(base+"/endpoints/credit/invocations", "application/json", strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Predictions []struct {
			InferenceID string `json:"inference_id"`
		} `json:"predictions"`
	}
	json.NewDecoder(resp.Body).Decode(&pr)
	resp.Body.Close()
	if len(pr.Predictions) != 2 {
		t.Fatalf("predictions: %+v", pr)
	}
	cancel() // drains and flushes capture
	if code := <-done; code != 0 {
		t.Fatalf("server exit %d: %s", code, serr.String())
	}
	labels := filepath.Join(proj, "labels.csv")
	os.WriteFile(labels, []byte("inference_id,label\n"+pr.Predictions[0].InferenceID+",good\n"+pr.Predictions[1].InferenceID+",bad\n"+
		"0190d9a0-0000-7000-8000-000000000000,good\n"+pr.Predictions[1].InferenceID+",good\n"), 0o644)
	out := mustRun(t, proj, nil, "feedback", "credit", "--file", labels)
	for _, w := range []string{"2 labels recorded for credit; 1 duplicates, 1 unknown inference ids, 0 invalid", "unknown: 0190d9a0"} {
		if !strings.Contains(out, w) {
			t.Errorf("feedback output lacks %q:\n%s", w, out)
		}
	}
	os.WriteFile(labels, []byte("id,truth\nx,y\n"), 0o644)
	if code, out, errs := run(t, proj, nil, "feedback", "credit", "--file", labels); code != 1 || !strings.Contains(out+errs, "inference_id and label") {
		t.Errorf("feedback with a bad header: %d %s%s", code, out, errs)
	}
	out = mustRun(t, proj, nil, "monitor", "run", "credit", "--json")
	var mr struct {
		Records int `json:"records"`
		Quality struct {
			Labels  int                `json:"labels"`
			Metrics map[string]float64 `json:"metrics"`
		} `json:"quality"`
	}
	if err := json.Unmarshal([]byte(out), &mr); err != nil || mr.Records != 2 || mr.Quality.Labels != 2 || len(mr.Quality.Metrics) == 0 {
		t.Errorf("monitor run after feedback: %v %+v\n%s", err, mr, out)
	}
}
