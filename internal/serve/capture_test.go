package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/predict"
)

func openBlob(t *testing.T) *blob.Store {
	t.Helper()
	dir := t.TempDir()
	b, err := blob.Open(context.Background(), blob.Config{URL: "file://" + filepath.Join(dir, "artifacts"), StagingDir: filepath.Join(dir, "tmp")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// captured is one capture record as docs/format/capture.md describes it.
type captured struct {
	V           int            `json:"v"`
	InferenceID string         `json:"inference_id"`
	Timestamp   time.Time      `json:"timestamp"`
	Endpoint    string         `json:"endpoint"`
	Model       string         `json:"model"`
	Version     int            `json:"version"`
	Protocol    string         `json:"protocol"`
	Input       map[string]any `json:"input"`
	Output      struct {
		Prediction    any                `json:"prediction"`
		Score         *float64           `json:"score"`
		Probabilities map[string]float64 `json:"probabilities"`
	} `json:"output"`
}

func readCapture(t *testing.T, b *blob.Store, key string) []captured {
	t.Helper()
	r, err := b.NewReader(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []captured
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var c captured
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("%s: line %q: %v", key, sc.Text(), err)
		}
		out = append(out, c)
	}
	return out
}

func TestCapture(t *testing.T) {
	t.Parallel()
	b := openBlob(t)
	clk := clock.NewFake(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	m := model(t, predict.TaskBinary, 20)
	recs := []map[string]any{{"x": 0.5, "n": 3.0, "city": "Bergen"}, {"n": 1.0, "flag": true}}

	// Two servers one after the other: the second appends to the hour
	// object the first wrote.
	var ids []string
	for round := range 2 {
		s := newServer(t, Config{}, Deps{Blob: b, Clock: clk})
		s.Set(Endpoint{Name: "off", Model: "churn", Version: 1, Pred: m, CapturePercent: 0})
		code, body, _ := do(t, s.Handler(), "POST", "/endpoints/churn/invocations", "", mustJSON(map[string]any{"instances": recs}))
		if code != 200 {
			t.Fatalf("status %d: %s", code, body)
		}
		ids = append(ids, checkRows(t, body, m, "churn", 1, recs)...)
		if code, body, _ := do(t, s.Handler(), "POST", "/v2/models/off/infer", "", `{"inputs": [{"name": "n", "shape": [1], "datatype": "INT64", "data": [1]}]}`); code != 200 {
			t.Fatalf("status %d: %s", code, body)
		}
		if round == 1 {
			clk.Advance(time.Hour)
			if code, body, _ := do(t, s.Handler(), "POST", "/endpoints/churn/invocations", "text/csv", "n,city\n7,Oslo\n"); code != 200 {
				t.Fatalf("status %d: %s", code, body)
			}
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := scrape(t, s); !strings.Contains(got, fmt.Sprintf(`mlcycle_serve_capture_records_written_total{endpoint="churn"} %d`, 2+round)) {
			t.Errorf("round %d: written counter:\n%s", round, got)
		}
	}
	keys, err := b.List(context.Background(), "capture/")
	if err != nil {
		t.Fatal(err)
	}
	if w := []string{"capture/churn/2026/03/04/05.jsonl", "capture/churn/2026/03/04/06.jsonl"}; fmt.Sprint(keys) != fmt.Sprint(w) {
		t.Fatalf("capture objects %v, want %v (nothing for the endpoint with 0 %%)", keys, w)
	}
	got := readCapture(t, b, keys[0])
	if len(got) != 4 {
		t.Fatalf("%d records in %s, want 4", len(got), keys[0])
	}
	ref := want(t, m, recs)
	for i, c := range got {
		r := i % 2
		if c.V != 1 || c.InferenceID != ids[i] || !c.Timestamp.Equal(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)) ||
			c.Endpoint != "churn" || c.Model != "churn" || c.Version != 1 || c.Protocol != "invocations" {
			t.Errorf("record %d: %+v", i, c)
		}
		if mustJSON(c.Input) != mustJSON(recs[r]) {
			t.Errorf("record %d: input %v, want %v", i, c.Input, recs[r])
		}
		if c.Output.Prediction != ref.Label(r) || *c.Output.Score != ref.Score(r) || c.Output.Probabilities["yes"] != ref.Proba(r)[1] || c.Output.Probabilities["no"] != ref.Proba(r)[0] {
			t.Errorf("record %d: output %+v, want %s %v", i, c.Output, ref.Label(r), ref.Proba(r))
		}
	}
	late := readCapture(t, b, keys[1])
	if len(late) != 1 || late[0].Input["city"] != "Oslo" || late[0].Input["n"] != "7" || !late[0].Timestamp.Equal(time.Date(2026, 3, 4, 6, 6, 7, 0, time.UTC)) {
		t.Errorf("records of the next hour: %+v", late)
	}
}

// TestCaptureDrops fills a tiny buffer that no writer drains: the records
// beyond it are dropped and counted, and the requests still succeed.
func TestCaptureDrops(t *testing.T) {
	t.Parallel()
	b := openBlob(t)
	s := newServer(t, Config{CaptureBuffer: 2}, Deps{Blob: b})
	// Stop the writer, then give the server a fresh, idle one.
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.capture = newCaptureWriter(b, 2, s.m, s.log)
	code, body, _ := do(t, s.Handler(), "POST", "/endpoints/churn/invocations", "", `[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}]`)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	if got := scrape(t, s); !strings.Contains(got, `mlcycle_serve_capture_records_dropped_total{endpoint="churn"} 3`) {
		t.Errorf("dropped counter:\n%s", got)
	}
	// The writer now starts and flushes the two queued records on Close;
	// records after Close are dropped.
	go s.capture.run()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	do(t, s.Handler(), "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
	got := scrape(t, s)
	for _, line := range []string{
		`mlcycle_serve_capture_records_dropped_total{endpoint="churn"} 4`,
		`mlcycle_serve_capture_records_written_total{endpoint="churn"} 2`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

// TestCaptureFlushSchedule checks that the writer rewrites an object once
// a second at most while records keep coming, and that the object then
// holds every record.
func TestCaptureFlushSchedule(t *testing.T) {
	t.Parallel()
	for _, spoolOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("spool_only=%v", spoolOnly), func(t *testing.T) { testCaptureFlushSchedule(t, spoolOnly) })
	}
}

// testCaptureFlushSchedule runs TestCaptureFlushSchedule with appends in
// place (a file:// bucket) or, with spoolOnly, through the local spool and
// whole-object publications that remote buckets use.
func testCaptureFlushSchedule(t *testing.T, spoolOnly bool) {
	b := openBlob(t)
	clk := clock.NewFake(time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC))
	s := newServer(t, Config{}, Deps{Blob: b, Clock: clk})
	s.capture.spoolOnly = spoolOnly
	h := s.Handler()
	for range 5 {
		do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
	}
	key := "capture/churn/2026/03/04/05.jsonl"
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, _ := b.Exists(context.Background(), key)
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no capture object 5 s after the requests (want one within about 1 s)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(readCapture(t, b, key)); n != 5 {
		t.Errorf("%d records flushed, want 5", n)
	}
	do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": 2}`)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(readCapture(t, b, key)); n != 6 {
		t.Errorf("%d records after Close, want 6", n)
	}
}

// TestCaptureSampling captures about half of the rows at 50 %.
func TestCaptureSampling(t *testing.T) {
	t.Parallel()
	b := openBlob(t)
	clk := clock.NewFake(time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC))
	s := newServer(t, Config{}, Deps{Blob: b, Clock: clk})
	s.Set(Endpoint{Name: "half", Model: "churn", Version: 1, Pred: model(t, predict.TaskBinary, 20), CapturePercent: 50})
	row := `{"n": 1}`
	body := "[" + strings.TrimSuffix(strings.Repeat(row+",", 2000), ",") + "]"
	if code, out, _ := do(t, s.Handler(), "POST", "/endpoints/half/invocations", "", body); code != 200 {
		t.Fatalf("status %d: %s", code, out)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Binomial(2000, 0.5): the bounds are 9 standard deviations away.
	n := len(readCapture(t, b, "capture/half/2026/03/04/05.jsonl"))
	if n < 800 || n > 1200 {
		t.Errorf("%d of 2000 rows captured at 50 %%", n)
	}
}
