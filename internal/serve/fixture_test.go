package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
	"github.com/mlcycle/mlcycle/ml/transform"
	"github.com/mlcycle/mlcycle/predict"
)

// models caches the trained fixtures by (task, trees).
var models sync.Map

// model trains (once per task and tree count) a gbdt on x (float, some
// missing), n (integer, required: standard-scaled without imputation),
// city (categorical) and flag (boolean) and returns it loaded from its
// encoded package, as the server would.
func model(t testing.TB, task string, trees int) *predict.Model {
	t.Helper()
	return modelRows(t, task, trees, 400)
}

// modelRows is model trained on the given number of rows; the target has
// label noise, so that larger sets grow deep trees.
func modelRows(t testing.TB, task string, trees, rows int) *predict.Model {
	t.Helper()
	key := fmt.Sprintf("%s/%d/%d", task, trees, rows)
	if m, ok := models.Load(key); ok {
		return m.(*predict.Model)
	}
	ctx := context.Background()
	x := make([]float64, rows)
	nn := make([]float64, rows)
	city := make([]string, rows)
	flag := make([]bool, rows)
	y := make([]float64, rows)
	miss := make([]bool, rows)
	cities := []string{"Oslo", "Bergen", "Tromsø", "Bodø"}
	for i := range rows {
		x[i] = float64(i%50)/10 + float64(i%97)/1000
		nn[i] = float64(i % 7)
		city[i] = cities[i%4]
		flag[i] = i%3 == 0
		miss[i] = i%10 == 0
		switch task {
		case predict.TaskRegression:
			y[i] = x[i]*2 + nn[i]
			if city[i] == "Bergen" {
				y[i] += 3
			}
		case predict.TaskMulticlass:
			y[i] = float64((i%50/17 + i%7/3) % 3)
		default:
			if x[i] > 2.5 || city[i] == "Bergen" || flag[i] && nn[i] > 3 {
				y[i] = 1
			}
			if i*7919%13 == 0 {
				y[i] = 1 - y[i]
			}
		}
	}
	cx, _ := frame.NewFloat("x", x, frame.MaskOf(miss))
	cn, _ := frame.NewFloat("n", nn, nil)
	cn, _ = cn.WithLogical(frame.LogicalInteger)
	cc, _ := frame.NewCategoricalFromStrings("city", city, nil)
	cb, _ := frame.NewBool("flag", flag, nil)
	f, err := frame.New(cx, cn, cc, cb)
	if err != nil {
		t.Fatal(err)
	}
	schema := []transform.Field{{Name: "x", Logical: "float"}, {Name: "n", Logical: "integer"}, {Name: "city", Logical: "categorical"}, {Name: "flag", Logical: "boolean"}}
	spec := transform.DefaultSpec(schema, true)
	spec.Columns["n"] = []transform.Step{{Scale: "standard"}}
	pipe, ft, err := transform.Fit(ctx, spec, f, nil, transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := gbdt.Params{NEstimators: trees, MaxDepth: 6}
	pkg := &predict.Package{Format: predict.Format, Version: predict.FormatVersion, Task: task, Target: "y", Algo: predict.AlgoGBDT}
	switch task {
	case predict.TaskBinary:
		p.Objective = gbdt.BinaryLogistic
		pkg.Classes, pkg.Threshold = []string{"no", "yes"}, 0.5
	case predict.TaskMulticlass:
		p.Objective, p.NumClass = gbdt.MultiSoftprob, 3
		pkg.Classes = []string{"low", "mid", "high"}
	default:
		p.Objective = gbdt.RegSquaredError
	}
	res, err := gbdt.Fit(ctx, gbdt.Data{X: ft, Y: y}, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	pkg.Transforms, _ = pipe.MarshalJSON()
	pkg.Model, _ = res.Model.MarshalJSON()
	pkg.Features = pipe.Outputs()
	for _, in := range pipe.Inputs() {
		pkg.Schema = append(pkg.Schema, predict.Field{Name: in.Name, Logical: in.Logical, Categories: in.Categories, Required: in.Required})
	}
	b, err := pkg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	m, err := predict.Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	models.Store(key, m)
	return m
}

// newServer returns a ready server with the endpoint "churn" (binary,
// model churn v1), "price" (regression) and "tier" (multiclass).
func newServer(t testing.TB, cfg Config, d Deps) *Server {
	t.Helper()
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	s.Set(Endpoint{Name: "churn", Model: "churn", Version: 1, Pred: model(t, predict.TaskBinary, 20), CapturePercent: -1, LoadSeconds: 0.25})
	s.Set(Endpoint{Name: "price", Model: "price", Version: 4, Pred: model(t, predict.TaskRegression, 20), CapturePercent: -1})
	s.Set(Endpoint{Name: "tier", Model: "tier", Version: 2, Pred: model(t, predict.TaskMulticlass, 10), CapturePercent: -1})
	s.SetReady(true)
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// do sends one request to h and returns the status and the body.
func do(t testing.TB, h http.Handler, method, path, ctype, body string) (int, []byte, http.Header) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	out, _ := io.ReadAll(w.Result().Body)
	return w.Code, out, w.Result().Header
}

// transport sends requests to a server one way: its net/http Handler
// called in process, or its fasthttp server over loopback HTTP.
type transport struct {
	name string
	h    http.Handler
	url  string
}

// transports returns both of s's transports: the protocol tests run on
// each, so that Handler and FastServer answer alike.
func transports(t testing.TB, s *Server) []transport {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := s.FastServer(s.Handler())
	go fs.Serve(l)
	t.Cleanup(func() { fs.Shutdown() })
	return []transport{{name: "net/http", h: s.Handler()}, {name: "fasthttp", url: "http://" + l.Addr().String()}}
}

// do sends one request and returns the status, the body and the headers.
func (tr transport) do(t testing.TB, method, path, ctype, body string) (int, []byte, http.Header) {
	t.Helper()
	if tr.h != nil {
		return do(t, tr.h, method, path, ctype, body)
	}
	r, err := http.NewRequest(method, tr.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the response: %v", method, path, err)
	}
	return resp.StatusCode, out, resp.Header
}

// rowsResponse is the body of an invocations or KServe v1 response.
type rowsResponse struct {
	Model       string `json:"model"`
	Version     int    `json:"version"`
	Predictions []struct {
		InferenceID   string             `json:"inference_id"`
		Prediction    any                `json:"prediction"`
		Score         *float64           `json:"score"`
		Probabilities map[string]float64 `json:"probabilities"`
	} `json:"predictions"`
}

// errorResponse is the JSON error body.
type errorResponse struct {
	Error string `json:"error"`
	Field string `json:"field"`
	Row   *int   `json:"row"`
}

func decodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("response %s: %v", b, err)
	}
}

// want predicts recs in process, the reference every response is compared
// with.
func want(t testing.TB, m *predict.Model, recs []map[string]any) *predict.Result {
	t.Helper()
	f, err := predict.FrameFromRecords(m.Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Predict(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
