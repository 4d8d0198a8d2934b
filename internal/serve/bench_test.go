package serve

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mlcycle/mlcycle/predict"
)

// benchServer serves "churn": a 200-tree depth-6 binary gbdt trained on
// 20,000 rows, with capture off.
func benchServer(b *testing.B) *Server {
	s, err := New(Config{}, Deps{})
	if err != nil {
		b.Fatal(err)
	}
	s.Set(Endpoint{Name: "churn", Model: "churn", Version: 1, Pred: modelRows(b, predict.TaskBinary, 200, 20000), CapturePercent: 0})
	s.SetReady(true)
	return s
}

const benchRow = `{"x": 3.1, "n": 4, "city": "Oslo", "flag": true}`

// BenchmarkInvocationsSingleRow measures the handler alone (no network):
// one single-row JSON request per iteration, from GOMAXPROCS goroutines.
func BenchmarkInvocationsSingleRow(b *testing.B) {
	s := benchServer(b)
	h := s.Handler()
	body := []byte(benchRow)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("POST", "/endpoints/churn/invocations", nil)
		r.Header.Set("Content-Type", "application/json")
		rd := bytes.NewReader(body)
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			rd.Reset(body)
			r.Body = io.NopCloser(rd)
			r.ContentLength = int64(len(body))
			w.code = 0
			h.ServeHTTP(w, r)
			if w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkInvocationsSingleRowHTTP is the same request through a real
// HTTP server on loopback (client and server share the CPUs).
func BenchmarkInvocationsSingleRowHTTP(b *testing.B) {
	s := benchServer(b)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := srv.URL + "/endpoints/churn/invocations"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(url, "application/json", bytes.NewReader([]byte(benchRow)))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPredictSingleRow is the floor: FrameFromRecords and Predict
// on one decoded row, without HTTP or JSON.
func BenchmarkPredictSingleRow(b *testing.B) {
	s := benchServer(b)
	ep := s.endpoint("churn")
	rec := []map[string]any{{"x": 3.1, "n": 4.0, "city": "Oslo", "flag": true}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f, err := predict.FrameFromRecords(ep.schema, rec)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ep.Pred.Predict(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	w.code = code
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return len(b), nil
}
