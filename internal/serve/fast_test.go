package serve

import (
	"net/http"
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
