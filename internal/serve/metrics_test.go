package serve

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// scrape returns the server's /metrics text.
func scrape(t testing.TB, s *Server) string {
	t.Helper()
	code, body, _ := do(t, s.Handler(), "GET", "/metrics", "", "")
	if code != 200 {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	return string(body)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	h := s.Handler()
	do(t, h, "POST", "/endpoints/churn/invocations", "", `[{"n": 1}, {"n": 2}]`)
	do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
	do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": "x"}`)
	do(t, h, "POST", "/v2/models/price/infer", "", `{"inputs": [{"name": "n", "shape": [1], "datatype": "INT64", "data": [1]}]}`)
	do(t, h, "POST", "/endpoints/nope/invocations", "", `{"n": 1}`)
	do(t, h, "GET", "/v2/health/live", "", "")
	got := scrape(t, s)
	for _, line := range []string{
		`mlcycle_serve_requests_total{code="200",endpoint="churn",protocol="invocations"} 2`,
		`mlcycle_serve_requests_total{code="400",endpoint="churn",protocol="invocations"} 1`,
		`mlcycle_serve_requests_total{code="200",endpoint="price",protocol="v2"} 1`,
		`mlcycle_serve_requests_total{code="404",endpoint="",protocol="invocations"} 1`,
		`mlcycle_serve_requests_total{code="200",endpoint="",protocol="health"} 1`,
		`mlcycle_serve_rows_predicted_total{endpoint="churn"} 3`,
		`mlcycle_serve_rows_predicted_total{endpoint="price"} 1`,
		`mlcycle_serve_request_duration_seconds_count{endpoint="churn",protocol="invocations"} 3`,
		`mlcycle_serve_model_load_seconds{endpoint="churn"} 0.25`,
		`mlcycle_serve_endpoint_info{endpoint="churn",model="churn",version="1"} 1`,
		`mlcycle_serve_in_flight_requests 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	// Switching the version replaces the info series.
	s.Set(Endpoint{Name: "churn", Model: "churn", Version: 2, Pred: s.endpoint("churn").Pred, LoadSeconds: 0.5})
	got = scrape(t, s)
	if strings.Contains(got, `version="1"`) || !strings.Contains(got, `mlcycle_serve_endpoint_info{endpoint="churn",model="churn",version="2"} 1`) ||
		!strings.Contains(got, `mlcycle_serve_model_load_seconds{endpoint="churn"} 0.5`) {
		t.Errorf("after switching to v2:\n%s", got)
	}

	// promtool, from Debian's prometheus package, checks the exposition.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not on PATH (apt-get install prometheus): exposition not checked by promtool")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(got)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	s, err := New(Config{}, Deps{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}, Deps{Registry: reg}); err == nil || !strings.Contains(err.Error(), "one server per registry") {
		t.Errorf("second server on one registry: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	if !names["mlcycle_serve_in_flight_requests"] || names["go_goroutines"] {
		t.Errorf("a given registry gets the server's metrics only: %v", names)
	}
	if code, _, _ := do(t, s.Handler(), "GET", "/metrics", "", ""); code != http.StatusOK {
		t.Errorf("/metrics = %d", code)
	}
	if _, err := New(Config{}, Deps{Registry: registererOnly{reg}}); err == nil {
		t.Error("a Registerer that is not a Gatherer was accepted")
	}
}

type registererOnly struct{ prometheus.Registerer }
