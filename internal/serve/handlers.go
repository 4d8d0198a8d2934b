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
	protoHTTP        = "http" // refused before routing (FastServer)
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
			writeError(w, methodNotAllowed(r.Method, "GET"))
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

func methodNotAllowed(method, allow string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, row: -1, msg: fmt.Sprintf("method %s not allowed here; use %s", method, allow)}
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
		defer s.recoverPanic(httpReply{w}, &status)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			status = writeError(w, methodNotAllowed(r.Method, "GET"))
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

// servePredict serves one prediction request of net/http.
func (s *Server) servePredict(w http.ResponseWriter, r *http.Request, proto, name string) {
	c := call{proto: proto, name: name, method: r.Method, ctype: r.Header.Get("Content-Type"), length: r.ContentLength, r: r.Body}
	s.predict(r.Context(), &c, httpReply{w})
}

// call is one prediction request as a transport hands it over.
type call struct {
	proto, name string
	method      string
	ctype       string    // the Content-Type header
	length      int64     // the declared body length, -1 when unknown
	body        []byte    // the whole body, when the transport has read it
	r           io.Reader // else the body, read here up to the limit
}

// reply is how the prediction core answers, whatever the transport.
type reply interface {
	// header sets a response header; send writes the status and a JSON body.
	header(key, value string)
	send(status int, body []byte)
}

// httpReply answers through net/http.
type httpReply struct{ w http.ResponseWriter }

func (h httpReply) header(k, v string) { h.w.Header()[k] = []string{v} }

func (h httpReply) send(status int, b []byte) {
	hd := h.w.Header()
	hd["Content-Type"] = jsonContentType
	hd["Content-Length"] = []string{strconv.Itoa(len(b))}
	h.w.WriteHeader(status)
	_, _ = h.w.Write(b)
}

// predict serves one prediction request and records its metrics. ctx is
// the client's: when it ends the client has left.
func (s *Server) predict(ctx context.Context, c *call, out reply) {
	start := time.Now()
	ep := s.endpoint(c.name)
	status := s.predictRequest(ctx, c, out, ep)
	if ep == nil { // unknown endpoints count under endpoint=""
		s.m.requests.WithLabelValues("", c.proto, strconv.Itoa(status)).Inc()
		return
	}
	i := protoIndex(c.proto)
	if status == http.StatusOK {
		ep.ok[i].Inc()
	} else {
		s.m.requests.WithLabelValues(ep.Name, c.proto, strconv.Itoa(status)).Inc()
	}
	ep.latency[i].Observe(time.Since(start).Seconds())
}

// bufPool holds request body buffers, respPool response buffers.
var (
	bufPool  = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	respPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
)

func (s *Server) predictRequest(client context.Context, c *call, out reply, ep *live) (status int) {
	defer s.recoverPanic(out, &status)
	if c.method != http.MethodPost {
		out.header("Allow", "POST")
		return sendError(out, methodNotAllowed(c.method, "POST"))
	}
	if ep == nil {
		return sendError(out, unknownEndpoint(c.name))
	}
	csv, aerr := contentType(c.ctype, c.proto)
	if aerr != nil {
		return sendError(out, aerr)
	}
	if c.length > s.cfg.MaxBodyBytes || int64(len(c.body)) > s.cfg.MaxBodyBytes {
		return sendError(out, bodyTooLarge(s.cfg.MaxBodyBytes))
	}
	s.m.inFlight.Inc()
	defer s.m.inFlight.Dec()
	ctx, cancel := context.WithTimeout(client, s.cfg.Timeout)
	defer cancel()
	select {
	case s.sem <- struct{}{}:
	default:
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			if client.Err() != nil {
				return statusClientGone
			}
			out.header("Retry-After", "1")
			return sendError(out, &apiError{status: http.StatusServiceUnavailable, row: -1,
				msg: fmt.Sprintf("server busy: %d requests in flight, none finished within %v; retry later", s.cfg.MaxInFlight, s.cfg.Timeout)})
		}
	}
	defer func() { <-s.sem }()

	body := c.body
	if c.r != nil {
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer func() {
			if buf.Cap() <= 1<<20 { // keep small buffers only
				bufPool.Put(buf)
			}
		}()
		if _, err := buf.ReadFrom(io.LimitReader(c.r, s.cfg.MaxBodyBytes+1)); err != nil {
			if client.Err() != nil {
				return statusClientGone
			}
			return sendError(out, badRequest("", -1, "read request body: %v", err))
		}
		if int64(buf.Len()) > s.cfg.MaxBodyBytes {
			return sendError(out, bodyTooLarge(s.cfg.MaxBodyBytes))
		}
		body = buf.Bytes()
	}

	capture := s.capture != nil && ep.CapturePercent > 0
	fr, inputs, reqID, aerr := decodeRequest(ep, c.proto, csv, body, s.cfg.MaxRows, capture)
	if aerr != nil {
		return sendError(out, aerr)
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
		case client.Err() != nil:
			return statusClientGone
		case ctx.Err() != nil:
			return sendError(out, &apiError{status: http.StatusGatewayTimeout, row: -1, msg: fmt.Sprintf("prediction did not finish within %v", s.cfg.Timeout)})
		case errors.Is(err, predict.ErrInput):
			if f := missingColumn(ep, fr); f != "" {
				return sendError(out, badRequest(f, -1, "missing required column %q: the model cannot fill it in, send it with every row", f))
			}
			return sendError(out, badRequest("", -1, "%v", err))
		}
		return s.internalError(out, err)
	}
	n := res.Len()
	ids := make([][16]byte, n)
	for i := range ids {
		id, err := uuid.NewV7()
		if err != nil {
			return s.internalError(out, err)
		}
		ids[i] = id
	}
	bp := respPool.Get().(*[]byte)
	b := (*bp)[:0]
	if c.proto == protoV2 {
		b = appendV2(b, ep, res, ids, reqID)
	} else {
		b = appendRows(b, ep, res, ids)
	}
	out.send(http.StatusOK, b)
	if cap(b) <= 1<<20 { // keep small buffers only
		*bp = b
		respPool.Put(bp)
	}
	ep.rows.Add(float64(n))
	if capture {
		ts := s.clock.Now()
		for i := range n {
			if ep.CapturePercent >= 100 || rand.Float64()*100 < ep.CapturePercent {
				s.capture.add(capRecord{ep: ep, id: ids[i], ts: ts, proto: c.proto, input: inputs[i], res: res, i: i})
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
func contentType(ct, proto string) (csv bool, _ *apiError) {
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
func (s *Server) recoverPanic(out reply, status *int) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	id := uuid.NewString()
	s.log.Error("panic serving a request", "error_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	*status = sendError(out, &apiError{status: http.StatusInternalServerError, row: -1, msg: "internal error (error id " + id + ")"})
}

// internalError logs err under a new error id and answers 500 with the id.
func (s *Server) internalError(out reply, err error) int {
	id := uuid.NewString()
	s.log.Error("prediction failed", "error_id", id, "err", err)
	return sendError(out, &apiError{status: http.StatusInternalServerError, row: -1, msg: "internal error (error id " + id + ")"})
}

// errorBody encodes e as {"error": ..., "field": ..., "row": ...}.
func errorBody(e *apiError) []byte {
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
	return append(b, "}\n"...)
}

// sendError answers e and returns its status.
func sendError(out reply, e *apiError) int {
	out.header("X-Content-Type-Options", "nosniff")
	out.send(e.status, errorBody(e))
	return e.status
}

// writeError answers e through net/http and returns its status.
func writeError(w http.ResponseWriter, e *apiError) int { return sendError(httpReply{w}, e) }

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
