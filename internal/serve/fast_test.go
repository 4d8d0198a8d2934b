package serve

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/predict"
)

func TestPredictRoute(t *testing.T) {
	for _, c := range []struct {
		path, proto, name string
	}{
		{"/endpoints/churn/invocations", protoInvocations, "churn"},
		{"/v1/models/churn:predict", protoV1, "churn"},
		{"/v2/models/churn/infer", protoV2, "churn"},
		// Everything else is left to the net/http routes.
		{"/endpoints//invocations", "", ""},
		{"/endpoints/a/b/invocations", "", ""},
		{"/endpoints/ch%75rn/invocations", "", ""},
		{"/endpoints/./churn/invocations", "", ""},
		{"/endpoints/churn/invocations/", "", ""},
		{"/v1/models/churn:explain", "", ""},
		{"/v1/models/a:b:predict", "", ""},
		{"/v1/models/:predict", "", ""},
		{"/v1/models/churn", "", ""},
		{"/v2/models/churn", "", ""},
		{"/ping", "", ""},
	} {
		proto, name, ok := predictRoute([]byte(c.path))
		if proto != c.proto || name != c.name || ok != (c.proto != "") {
			t.Errorf("predictRoute(%s) = %q %q %v, want %q %q", c.path, proto, name, ok, c.proto, c.name)
		}
	}
}

// TestFastServerPaths sends the requests whose paths fastHandler leaves to
// net/http (escaped, with a query) and checks they are served as the plain
// path is.
func TestFastServerPaths(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	m := model(t, predict.TaskBinary, 20)
	fast := transports(t, s)[1]
	for _, p := range []string{"/endpoints/ch%75rn/invocations", "/endpoints/churn/invocations?trace=1", "/v1/models/ch%75rn:predict"} {
		code, body, _ := fast.do(t, "POST", p, "application/json", mustJSON(testRecs[0]))
		if code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", p, code, body)
		}
		checkRows(t, body, m, "churn", 1, testRecs[:1])
	}
}

// TestFastServerRefusals checks what FastServer answers before a request
// reaches the routes: JSON errors with the right status, counted under
// protocol "http" when the route is unknown.
func TestFastServerRefusals(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{MaxBodyBytes: 1000}, Deps{})
	fast := transports(t, s)[1]
	big := mustJSON(map[string]any{"instances": slices.Repeat([]map[string]any{testRecs[0]}, 40)})
	post := func(chunked bool, headers map[string]string) (int, []byte) {
		t.Helper()
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(strings.NewReader(big)) // no length: sent chunked
		}
		r, err := http.NewRequest("POST", fast.url+"/endpoints/churn/invocations", body)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		return resp.StatusCode, b
	}
	for _, chunked := range []bool{false, true} {
		if code, b := post(chunked, nil); code != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "larger than 1000 bytes") {
			t.Errorf("body over the limit (chunked %v): %d %s", chunked, code, b)
		}
	}
	if code, b := post(false, map[string]string{"X-Big": strings.Repeat("a", 20<<10)}); code != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(string(b), "headers are larger") {
		t.Errorf("big headers: %d %s", code, b)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(fast.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GARBAGE\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "malformed HTTP request") {
		t.Errorf("malformed request: %d %s", resp.StatusCode, b)
	}
	_, m, _ := do(t, s.Handler(), "GET", "/metrics", "", "")
	for _, line := range []string{
		`mlcycle_serve_requests_total{code="413",endpoint="churn",protocol="invocations"} 1`,
		`mlcycle_serve_requests_total{code="413",endpoint="",protocol="http"} 1`,
		`mlcycle_serve_requests_total{code="431",endpoint="",protocol="http"} 1`,
		`mlcycle_serve_requests_total{code="400",endpoint="",protocol="http"} 1`,
	} {
		if !strings.Contains(string(m), line) {
			t.Errorf("metrics lack %s", line)
		}
	}
}
