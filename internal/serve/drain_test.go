package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown runs the handler in an http.Server and shuts it
// down while a prediction is in flight: the request finishes with 200, the
// in-flight gauge shows it meanwhile, and Close then flushes capture.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{Blob: openBlob(t)})
	entered, release := make(chan struct{}), make(chan struct{})
	s.hookPredict = func(context.Context, *live) {
		close(entered)
		<-release
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler()}
	go srv.Serve(ln)
	type result struct {
		code int
		body string
		err  error
	}
	done := make(chan result)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/endpoints/churn/invocations", "application/json", strings.NewReader(`{"n": 1}`))
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-entered
	if got := scrape(t, s); !strings.Contains(got, "mlcycle_serve_in_flight_requests 1") {
		t.Errorf("in-flight gauge during a request:\n%s", got)
	}
	shut := make(chan error)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	time.Sleep(50 * time.Millisecond) // Shutdown has closed the listener and waits
	close(release)
	r := <-done
	if r.err != nil || r.code != 200 || !strings.Contains(r.body, `"prediction"`) {
		t.Errorf("request in flight during Shutdown: %d %q %v", r.code, r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := scrape(t, s); !strings.Contains(got, `mlcycle_serve_capture_records_written_total{endpoint="churn"} 1`) {
		t.Errorf("capture after shutdown:\n%s", got)
	}
}
