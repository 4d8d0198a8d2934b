package serve

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/predict"
)

func TestBadRequests(t *testing.T) {
	t.Parallel()
	m := model(t, predict.TaskBinary, 20)
	for _, f := range m.Schema() {
		if f.Required != (f.Name == "n") {
			t.Fatalf("fixture: column %s required = %v; the tests expect only n to be required", f.Name, f.Required)
		}
	}
	s := newServer(t, Config{MaxBodyBytes: 2000, MaxRows: 3}, Deps{})
	h := s.Handler()
	trs := transports(t, s)
	const inv = "/endpoints/churn/invocations"
	const js = "application/json"
	row := func(n int) *int { return &n }
	big := `{"instances": [{"city": "` + strings.Repeat("a", 2000) + `"}]}`
	for _, c := range []struct {
		name                      string
		method, path, ctype, body string
		code                      int
		field                     string
		row                       *int
		msg                       string // a substring of the error
	}{
		{"malformed JSON", "POST", inv, js, `{"x": 1,, }`, 400, "", nil, "malformed JSON at byte 9"},
		{"truncated JSON", "POST", inv, js, `{"instances": [{"x": 1}`, 400, "", nil, "malformed JSON at byte 23"},
		{"empty body", "POST", inv, js, ``, 400, "", nil, "malformed JSON at byte 0"},
		{"trailing garbage", "POST", inv, js, `{"x": 1} x`, 400, "", nil, "malformed JSON"},
		{"wrong type", "POST", inv, js, `{"instances": [{"x": 1, "n": 2}, {"x": "ten", "n": 2}]}`, 400, "x", row(1), `field "x": "ten" is not a number`},
		{"wrong type boolean", "POST", inv, js, `{"n": 1, "flag": "maybe"}`, 400, "flag", row(0), `"maybe" is not a boolean`},
		{"object for a category", "POST", inv, js, `{"n": 1, "city": {"a": 1}}`, 400, "city", row(0), "is not a string"},
		{"unknown column", "POST", inv, js, `{"instances": [{"n": 1, "colour": "red"}]}`, 400, "colour", row(0), `unknown field "colour"`},
		{"missing required column", "POST", inv, js, `{"x": 1, "city": "Oslo"}`, 400, "n", nil, `missing required column "n"`},
		{"no known column", "POST", inv, js, `{}`, 400, "", nil, "no record has any of the model's fields"},
		{"instance not an object", "POST", inv, js, `{"instances": [{"n": 1}, 5]}`, 400, "", row(1), "instance 1 must be a JSON object or an array, not a number"},
		{"array of the wrong length", "POST", inv, js, `[[1, 2]]`, 400, "", row(0), "instance 0 has 2 values, the model reads 4"},
		{"instances not an array", "POST", inv, js, `{"instances": {"n": 1}}`, 400, "instances", nil, "must be an array"},
		{"no instances", "POST", inv, js, `{"instances": []}`, 400, "instances", nil, "no instances"},
		{"key beside instances", "POST", inv, js, `{"instances": [{"n": 1}], "extra": 1}`, 400, "extra", nil, "unknown key"},
		{"a string body", "POST", inv, js, `"hello"`, 400, "", nil, "must be a JSON object"},
		{"body over the limit", "POST", inv, js, big, 413, "", nil, "larger than 2000 bytes"},
		{"too many rows", "POST", inv, js, `[{"n":1},{"n":1},{"n":1},{"n":1}]`, 413, "instances", nil, "more than 3 rows"},
		{"too many CSV rows", "POST", inv, "text/csv", "n\n1\n2\n3\n4\n", 413, "", nil, "more than 3 rows"},
		{"CSV wrong field count", "POST", inv, "text/csv", "n,city\n1,Oslo\n2\n", 400, "", row(1), "CSV row 1 has 1 fields, want 2"},
		{"CSV bad quote", "POST", inv, "text/csv", "n,city\n1,\"Os\"lo\n", 400, "", row(0), "malformed CSV at line 2"},
		{"CSV wrong type", "POST", inv, "text/csv", "n,x\n1,2\n3,abc\n", 400, "x", row(1), `"abc" is not a number`},
		{"CSV header only", "POST", inv, "text/csv", "n,x\n", 400, "", nil, "no CSV rows"},
		{"CSV not allowed on v1", "POST", "/v1/models/churn:predict", "text/csv", "1,2,3,4\n", 415, "Content-Type", nil, "send application/json"},
		{"wrong content type", "POST", inv, "application/x-www-form-urlencoded", "n=1", 415, "Content-Type", nil, `"application/x-www-form-urlencoded" is not supported`},
		{"unknown endpoint", "POST", "/endpoints/nope/invocations", js, `{"n": 1}`, 404, "name", nil, `no endpoint "nope"`},
		{"unknown endpoint v1", "POST", "/v1/models/nope:predict", js, `{"n": 1}`, 404, "name", nil, `no endpoint "nope"`},
		{"unknown endpoint v2", "POST", "/v2/models/nope/infer", js, `{}`, 404, "name", nil, `no endpoint "nope"`},
		{"unknown v1 action", "POST", "/v1/models/churn:explain", js, `{}`, 404, "", nil, `unknown action "explain"`},
		{"no route", "GET", "/nowhere", "", "", 404, "", nil, "no route GET /nowhere"},
		{"wrong method", "GET", inv, "", "", 405, "", nil, "method GET not allowed here; use POST"},
		{"wrong method v2", "PUT", "/v2/models/churn/infer", js, "{}", 405, "", nil, "use POST"},
		{"wrong method metadata", "DELETE", "/v2/models/churn", "", "", 405, "", nil, "use GET"},
		{"wrong method metrics", "POST", "/metrics", "", "", 405, "", nil, "use GET"},
		{"v2 malformed", "POST", "/v2/models/churn/infer", js, `{"inputs": [}`, 400, "", nil, "malformed JSON at byte 13"},
		{"v2 wrong JSON type", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": "3"}]}`, 400, "inputs.shape", nil, "at byte"},
		{"v2 no inputs", "POST", "/v2/models/churn/infer", js, `{"inputs": []}`, 400, "inputs", nil, "no inputs"},
		{"v2 unknown input", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "colour", "shape": [1], "datatype": "BYTES", "data": ["red"]}]}`, 400, "colour", nil, `unknown input "colour"`},
		{"v2 duplicate input", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "n", "shape": [1], "datatype": "INT64", "data": [1]}]}`, 400, "n", nil, "appears twice"},
		{"v2 bad shape", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [1, 2], "datatype": "INT64", "data": [1, 2]}]}`, 400, "n", nil, "want [n] or [n, 1]"},
		{"v2 data and shape disagree", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [2], "datatype": "INT64", "data": [1]}]}`, 400, "n", nil, "shape says 2 values, data holds 1"},
		{"v2 row counts differ", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]}`, 400, "x", nil, "has 2 rows, the first input 1"},
		{"v2 unknown datatype", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [1], "datatype": "COMPLEX", "data": [1]}]}`, 400, "n", nil, `unknown datatype "COMPLEX"`},
		{"v2 value of the wrong datatype", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [2], "datatype": "INT64", "data": [1, 2.5]}]}`, 400, "n", row(1), "2.5 is not a whole number"},
		{"v2 string for FP64", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": ["a"]}]}`, 400, "x", row(0), `"a" is not a number`},
		{"v2 missing required input", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]}`, 400, "n", nil, `missing required column "n"`},
		{"v2 too many rows", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [4], "datatype": "INT64", "data": [1, 2, 3, 4]}]}`, 413, "n", nil, "more than 3 rows"},
		{"v2 bad category value", "POST", "/v2/models/churn/infer", js, `{"inputs": [{"name": "n", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "flag", "shape": [1], "datatype": "BYTES", "data": ["maybe"]}]}`, 400, "flag", row(0), "not a boolean"},
	} {
		for _, tr := range trs {
			t.Run(tr.name+"/"+c.name, func(t *testing.T) {
				code, body, hdr := tr.do(t, c.method, c.path, c.ctype, c.body)
				if code != c.code {
					t.Fatalf("status %d, want %d: %s", code, c.code, body)
				}
				if hdr.Get("Content-Type") != "application/json" {
					t.Errorf("content type %q", hdr.Get("Content-Type"))
				}
				var e errorResponse
				decodeJSON(t, body, &e)
				if e.Field != c.field || !strings.Contains(e.Error, c.msg) {
					t.Errorf("error %q field %q, want field %q and %q", e.Error, e.Field, c.field, c.msg)
				}
				if (e.Row == nil) != (c.row == nil) || e.Row != nil && *e.Row != *c.row {
					t.Errorf("row %v, want %v (%s)", e.Row, c.row, body)
				}
				if c.code == 405 && hdr.Get("Allow") == "" && strings.Contains(c.msg, "POST") {
					t.Errorf("405 without Allow header")
				}
			})
		}
	}
	// A missing optional column is imputed, not refused.
	if code, body, _ := do(t, h, "POST", inv, js, `{"n": 2}`); code != 200 {
		t.Errorf("optional columns left out: %d %s", code, body)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{Timeout: 50 * time.Millisecond}, Deps{})
	s.hookPredict = func(ctx context.Context, _ *live) { <-ctx.Done() }
	code, body, _ := do(t, s.Handler(), "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
	var e errorResponse
	decodeJSON(t, body, &e)
	if code != http.StatusGatewayTimeout || !strings.Contains(e.Error, "did not finish within 50ms") {
		t.Errorf("status %d %s, want 504", code, body)
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{Timeout: 100 * time.Millisecond, MaxInFlight: 1}, Deps{})
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.hookPredict = func(ctx context.Context, _ *live) {
		once.Do(func() {
			close(entered)
			<-release
		})
	}
	h := s.Handler()
	done := make(chan int)
	go func() {
		code, _, _ := do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
		done <- code
	}()
	<-entered
	code, body, hdr := do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "1" || !strings.Contains(string(body), "server busy") {
		t.Errorf("second request while the only slot is taken: %d %s (Retry-After %q), want 503", code, body, hdr.Get("Retry-After"))
	}
	close(release)
	if code := <-done; code != http.StatusGatewayTimeout && code != http.StatusOK {
		t.Errorf("first request: %d", code)
	}
	// The slot is free again.
	if code, body, _ := do(t, h, "POST", "/endpoints/churn/invocations", "", `{"n": 1}`); code != 200 {
		t.Errorf("after release: %d %s", code, body)
	}
}

func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	s.hookPredict = func(context.Context, *live) { panic("boom") }
	code, body, _ := do(t, s.Handler(), "POST", "/endpoints/churn/invocations", "", `{"n": 1}`)
	var e errorResponse
	decodeJSON(t, body, &e)
	if code != 500 || !strings.Contains(e.Error, "internal error (error id ") {
		t.Errorf("panic: %d %s, want 500 with an error id", code, body)
	}
	if got := scrape(t, s); !strings.Contains(got, `mlcycle_serve_requests_total{code="500",endpoint="churn",protocol="invocations"} 1`) {
		t.Errorf("the 500 is not counted:\n%s", got)
	}
}

func TestClientGone(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	ctx, cancel := context.WithCancel(context.Background())
	s.hookPredict = func(context.Context, *live) { cancel() }
	r, _ := http.NewRequestWithContext(ctx, "POST", "/endpoints/churn/invocations", strings.NewReader(`{"n": 1}`))
	w := newRecorder()
	s.Handler().ServeHTTP(w, r)
	if got := scrape(t, s); !strings.Contains(got, `mlcycle_serve_requests_total{code="499",endpoint="churn",protocol="invocations"} 1`) {
		t.Errorf("a request whose client left is not counted as 499:\n%s", got)
	}
}
