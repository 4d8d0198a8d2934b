package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/mlcycle/mlcycle/predict"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Protocols, as the "protocol" label of the metrics and captured records.
const (
	protoInvocations = "invocations"
	protoV1          = "v1"
	protoV2          = "v2"
	protoHealth      = "health"
)

// statusClientGone is the status recorded (never sent) when the client
// went away before the response: nginx's 499.
const statusClientGone = 499

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Methods are checked in the handlers rather than in the patterns so
	// that a wrong method gets a JSON 405 like every other error.
	mux.HandleFunc("/endpoints/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		s.servePredict(w, r, protoInvocations, r.PathValue("name"))
	})
	mux.HandleFunc("/v1/models/{nameaction}", s.serveV1)
	mux.HandleFunc("/v2/models/{name}/infer", func(w http.ResponseWriter, r *http.Request) {
		s.servePredict(w, r, protoV2, r.PathValue("name"))
	})
	mux.HandleFunc("/v2/models/{name}", s.health(func(r *http.Request) (int, any) {
		ep := s.endpoint(r.PathValue("name"))
		if ep == nil {
			return http.StatusNotFound, unknownEndpoint(r.PathValue("name"))
		}
		return http.StatusOK, v2Metadata(ep)
	}))
	mux.HandleFunc("/v2/models/{name}/ready", s.health(func(r *http.Request) (int, any) {
		name := r.PathValue("name")
		if s.endpoint(name) == nil {
			return http.StatusNotFound, unknownEndpoint(name)
		}
		return http.StatusOK, map[string]any{"name": name, "ready": true}
	}))
	mux.HandleFunc("/v2/health/live", s.health(func(*http.Request) (int, any) {
		return http.StatusOK, map[string]any{"live": true}
	}))
	mux.HandleFunc("/v2/health/ready", s.health(s.readiness))
	mux.HandleFunc("/ping", s.health(s.readiness))
	mux.HandleFunc("/v2", s.health(func(*http.Request) (int, any) {
		return http.StatusOK, map[string]any{"name": "mlcycle", "version": "1", "extensions": []string{}}
	}))
	metricsH := promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, methodNotAllowed(r, "GET"))
			return
		}
		metricsH.ServeHTTP(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: http.StatusNotFound, row: -1, msg: fmt.Sprintf("no route %s %s (see docs/serve.md)", r.Method, r.URL.Path)})
	})
	return mux
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics", "err", fmt.Sprint(v...)) }

func unknownEndpoint(name string) *apiError {
	return &apiError{status: http.StatusNotFound, field: "name", row: -1, msg: fmt.Sprintf("no endpoint %q", name)}
}

func methodNotAllowed(r *http.Request, allow string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, row: -1, msg: fmt.Sprintf("method %s not allowed here; use %s", r.Method, allow)}
}

func (s *Server) readiness(*http.Request) (int, any) {
	if !s.ready.Load() {
		return http.StatusServiceUnavailable, map[string]any{"ready": false}
	}
	return http.StatusOK, map[string]any{"ready": true}
}

// health adapts a GET handler that returns a status and a JSON body (an
// *apiError for errors), counting it in the metrics.
func (s *Server) health(h func(r *http.Request) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusOK
		defer func() { s.m.requests.WithLabelValues("", protoHealth, strconv.Itoa(status)).Inc() }()
		defer s.recoverPanic(w, &status)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			status = writeError(w, methodNotAllowed(r, "GET"))
			return
		}
		var body any
		status, body = h(r)
		if e, ok := body.(*apiError); ok {
			writeError(w, e)
			return
		}
		writeJSON(w, status, body)
	}
}

// serveV1 serves KServe v1: POST /v1/models/NAME:predict and
// GET /v1/models/NAME (the model's status).
func (s *Server) serveV1(w http.ResponseWriter, r *http.Request) {
	na := r.PathValue("nameaction")
	name, action, ok := strings.Cut(na, ":")
	if !ok {
		s.health(func(r *http.Request) (int, any) {
			if s.endpoint(na) == nil {
				return http.StatusNotFound, unknownEndpoint(na)
			}
			return http.StatusOK, map[string]any{"name": na, "ready": true}
		})(w, r)
		return
	}
	if action != "predict" {
		writeError(w, &apiError{status: http.StatusNotFound, row: -1, msg: fmt.Sprintf("unknown action %q: use /v1/models/%s:predict", action, name)})
		return
	}
	s.servePredict(w, r, protoV1, name)
}

// servePredict serves one prediction request and records its metrics.
func (s *Server) servePredict(w http.ResponseWriter, r *http.Request, proto, name string) {
	start := time.Now()
	ep := s.endpoint(name)
	label := ""
	if ep != nil {
		label = name
	}
	status := s.predictRequest(w, r, proto, ep, name)
	s.m.requests.WithLabelValues(label, proto, strconv.Itoa(status)).Inc()
	if ep != nil {
		s.m.latency.WithLabelValues(label, proto).Observe(time.Since(start).Seconds())
	}
}

// bufPool holds request body buffers, respPool response buffers.
var (
	bufPool  = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	respPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
)

func (s *Server) predictRequest(w http.ResponseWriter, r *http.Request, proto string, ep *live, name string) (status int) {
	defer s.recoverPanic(w, &status)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return writeError(w, methodNotAllowed(r, "POST"))
	}
	if ep == nil {
		return writeError(w, unknownEndpoint(name))
	}
	csv, aerr := contentType(r, proto)
	if aerr != nil {
		return writeError(w, aerr)
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return writeError(w, bodyTooLarge(s.cfg.MaxBodyBytes))
	}
	s.m.inFlight.Inc()
	defer s.m.inFlight.Dec()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	select {
	case s.sem <- struct{}{}:
	default:
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			if r.Context().Err() != nil {
				return statusClientGone
			}
			w.Header().Set("Retry-After", "1")
			return writeError(w, &apiError{status: http.StatusServiceUnavailable, row: -1,
				msg: fmt.Sprintf("server busy: %d requests in flight, none finished within %v; retry later", s.cfg.MaxInFlight, s.cfg.Timeout)})
		}
	}
	defer func() { <-s.sem }()

	body := bufPool.Get().(*bytes.Buffer)
	body.Reset()
	defer func() {
		if body.Cap() <= 1<<20 { // keep small buffers only
			bufPool.Put(body)
		}
	}()
	if _, err := body.ReadFrom(io.LimitReader(r.Body, s.cfg.MaxBodyBytes+1)); err != nil {
		if r.Context().Err() != nil {
			return statusClientGone
		}
		return writeError(w, badRequest("", -1, "read request body: %v", err))
	}
	if int64(body.Len()) > s.cfg.MaxBodyBytes {
		return writeError(w, bodyTooLarge(s.cfg.MaxBodyBytes))
	}

	capture := s.capture != nil && ep.CapturePercent > 0
	fr, inputs, reqID, aerr := decodeRequest(ep, proto, csv, body.Bytes(), s.cfg.MaxRows, capture)
	if aerr != nil {
		return writeError(w, aerr)
	}
	if s.hookPredict != nil {
		s.hookPredict(ctx, ep)
	}
	res, err := ep.Pred.Predict(ctx, fr)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // the model does not check ctx on small batches
	}
	if err != nil {
		switch {
		case r.Context().Err() != nil:
			return statusClientGone
		case ctx.Err() != nil:
			return writeError(w, &apiError{status: http.StatusGatewayTimeout, row: -1, msg: fmt.Sprintf("prediction did not finish within %v", s.cfg.Timeout)})
		case errors.Is(err, predict.ErrInput):
			if f := missingColumn(ep, fr); f != "" {
				return writeError(w, badRequest(f, -1, "missing required column %q: the model cannot fill it in, send it with every row", f))
			}
			return writeError(w, badRequest("", -1, "%v", err))
		}
		return s.internalError(w, err)
	}
	n := res.Len()
	ids := make([][16]byte, n)
	for i := range ids {
		id, err := uuid.NewV7()
		if err != nil {
			return s.internalError(w, err)
		}
		ids[i] = id
	}
	bp := respPool.Get().(*[]byte)
	b := (*bp)[:0]
	if proto == protoV2 {
		b = appendV2(b, ep, res, ids, reqID)
	} else {
		b = appendRows(b, ep, res, ids)
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	if cap(b) <= 1<<20 { // keep small buffers only
		*bp = b
		respPool.Put(bp)
	}
	s.m.rows.WithLabelValues(ep.Name).Add(float64(n))
	if capture {
		ts := s.clock.Now()
		for i := range n {
			if ep.CapturePercent >= 100 || rand.Float64()*100 < ep.CapturePercent {
				s.capture.add(capRecord{ep: ep, id: ids[i], ts: ts, proto: proto, input: inputs[i], res: res, i: i})
			}
		}
	}
	return http.StatusOK
}

var jsonContentType = []string{"application/json"}

func bodyTooLarge(limit int64) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, row: -1, msg: fmt.Sprintf("request body is larger than %d bytes; split it into smaller requests", limit)}
}

// contentType checks the request's content type: JSON for every protocol
// (assumed when absent), CSV too for invocations.
func contentType(r *http.Request, proto string) (csv bool, _ *apiError) {
	ct := r.Header.Get("Content-Type")
	if ct == "" || ct == "application/json" {
		return false, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			return false, nil
		case mt == "text/csv" && proto == protoInvocations:
			return true, nil
		}
	}
	want := "application/json"
	if proto == protoInvocations {
		want += " or text/csv"
	}
	return false, &apiError{status: http.StatusUnsupportedMediaType, row: -1, field: "Content-Type",
		msg: fmt.Sprintf("content type %q is not supported; send %s", ct, want)}
}

// recoverPanic turns a panic of the handler into a 500 carrying an error
// id that is logged with the stack.
func (s *Server) recoverPanic(w http.ResponseWriter, status *int) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	id := uuid.NewString()
	s.log.Error("panic serving a request", "error_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	*status = writeError(w, &apiError{status: http.StatusInternalServerError, row: -1, msg: "internal error (error id " + id + ")"})
}

// internalError logs err under a new error id and answers 500 with the id.
func (s *Server) internalError(w http.ResponseWriter, err error) int {
	id := uuid.NewString()
	s.log.Error("prediction failed", "error_id", id, "err", err)
	return writeError(w, &apiError{status: http.StatusInternalServerError, row: -1, msg: "internal error (error id " + id + ")"})
}

// writeError writes e as {"error": ..., "field": ..., "row": ...} and
// returns its status.
func writeError(w http.ResponseWriter, e *apiError) int {
	b := []byte(`{"error":`)
	b = appendString(b, e.msg)
	if e.field != "" {
		b = append(b, `,"field":`...)
		b = appendString(b, e.field)
	}
	if e.row >= 0 {
		b = append(b, `,"row":`...)
		b = strconv.AppendInt(b, int64(e.row), 10)
	}
	b = append(b, "}\n"...)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
	return e.status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := jsonMarshal(v)
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, row: -1, msg: "encode response: " + err.Error()})
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// v2Metadata is the Open Inference Protocol v2 model metadata.
func v2Metadata(ep *live) map[string]any {
	type tensor struct {
		Name       string         `json:"name"`
		Datatype   string         `json:"datatype"`
		Shape      []int          `json:"shape"`
		Parameters map[string]any `json:"parameters,omitempty"`
	}
	var ins []tensor
	for _, f := range ep.schema {
		p := map[string]any{"logical": f.Logical, "required": f.Required}
		if len(f.Categories) > 0 {
			p["categories"] = f.Categories
		}
		ins = append(ins, tensor{Name: f.Name, Datatype: v2Datatype(f.Logical), Shape: []int{-1}, Parameters: p})
	}
	outs := []tensor{{Name: "prediction", Datatype: "BYTES", Shape: []int{-1}}}
	if ep.classes == nil {
		outs[0].Datatype = "FP64"
	} else {
		outs = append(outs, tensor{Name: "probabilities", Datatype: "FP64", Shape: []int{-1, len(ep.classes)},
			Parameters: map[string]any{"classes": ep.classes}})
	}
	outs = append(outs, tensor{Name: "inference_id", Datatype: "BYTES", Shape: []int{-1}})
	return map[string]any{
		"name":       ep.Name,
		"versions":   []string{strconv.Itoa(ep.Version)},
		"platform":   "mlcycle",
		"inputs":     ins,
		"outputs":    outs,
		"parameters": map[string]any{"model": ep.Model, "version": ep.Version, "task": ep.Pred.Task()},
	}
}

// v2Datatype maps a logical column type to its v2 tensor datatype.
func v2Datatype(logical string) string {
	switch logical {
	case "integer":
		return "INT64"
	case "float":
		return "FP64"
	case "boolean":
		return "BOOL"
	}
	return "BYTES"
}
