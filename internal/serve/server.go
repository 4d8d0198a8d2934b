package serve

import (
	"context"
	"errors"
	"fmt"
	"github.com/google/uuid"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/predict"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Endpoint is one served model: a name (the URL path segment) bound to a
// registered model version.
type Endpoint struct {
	// Name is the endpoint name, the URL path segment. Required.
	Name string
	// Model is the registered model name.
	Model string
	// Version is the registered model version.
	Version int
	// Pred is the loaded model. Required.
	Pred *predict.Model
	// CapturePercent is the share of predicted rows captured (0 to 100).
	// A negative value means the default, 100.
	CapturePercent float64
	// LoadSeconds is how long loading the model took; Set publishes it as
	// the mlcycle_serve_model_load_seconds gauge.
	LoadSeconds float64
}

// Config holds the server's limits. The zero value is usable: every field
// has a default, filled in by WithDefaults.
type Config struct {
	// MaxBodyBytes bounds a request body; a larger one gets 413.
	// Default 6 MiB.
	MaxBodyBytes int64
	// MaxRows bounds the rows of one request; more get 413 (the request
	// is too large, like a body over MaxBodyBytes). Default 10,000.
	MaxRows int
	// Timeout bounds a prediction request from its arrival, including the
	// wait for a concurrency slot. Default 10 s.
	Timeout time.Duration
	// MaxInFlight bounds the prediction requests decoded and scored at
	// once; the others wait for a slot until their timeout, then get 503
	// with Retry-After. Prediction is CPU-bound, so more than a few per
	// core only adds latency. Default 4 × GOMAXPROCS.
	MaxInFlight int
	// CaptureBuffer is the number of captured records queued for the
	// capture writer; when it is full, records are dropped and counted.
	// Default 10,000.
	CaptureBuffer int
}

// Defaults.
const (
	DefaultMaxBodyBytes  = 6 << 20
	DefaultMaxRows       = 10_000
	DefaultTimeout       = 10 * time.Second
	DefaultCaptureBuffer = 10_000
)

// WithDefaults returns a copy of c with every zero field set to its
// default.
func (c Config) WithDefaults() Config {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxRows == 0 {
		c.MaxRows = DefaultMaxRows
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 4 * runtime.GOMAXPROCS(0)
	}
	if c.CaptureBuffer == 0 {
		c.CaptureBuffer = DefaultCaptureBuffer
	}
	return c
}

// Validate reports every field that is out of range.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("serve: MaxBodyBytes %d is negative: use a positive size or 0 for the default", c.MaxBodyBytes))
	}
	if c.MaxRows < 0 {
		errs = append(errs, fmt.Errorf("serve: MaxRows %d is negative: use a positive count or 0 for the default", c.MaxRows))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("serve: Timeout %v is negative: use a positive duration or 0 for the default", c.Timeout))
	}
	if c.MaxInFlight < 0 {
		errs = append(errs, fmt.Errorf("serve: MaxInFlight %d is negative: use a positive count or 0 for the default", c.MaxInFlight))
	}
	if c.CaptureBuffer < 0 {
		errs = append(errs, fmt.Errorf("serve: CaptureBuffer %d is negative: use a positive count or 0 for the default", c.CaptureBuffer))
	}
	return errors.Join(errs...)
}

// Deps are the server's collaborators.
type Deps struct {
	// Blob is the artifact store that receives captured records; nil
	// turns data capture off.
	Blob *blob.Store
	// Clock stamps captured records. Default clock.Real.
	Clock clock.Clock
	// Log receives errors and panics. Default: discard.
	Log *slog.Logger
	// Registry receives the server's metrics and must also be a
	// prometheus.Gatherer (a *prometheus.Registry) for GET /metrics. nil:
	// a new registry with the Go and process collectors.
	Registry prometheus.Registerer
}

// Server serves predictions of a set of endpoints over HTTP. It is safe for
// concurrent use.
type Server struct {
	cfg    Config
	clock  clock.Clock
	log    *slog.Logger
	gather prometheus.Gatherer
	m      *metrics
	sem    chan struct{}
	ready  atomic.Bool

	mu  sync.Mutex                       // serialises Set and Remove
	eps atomic.Pointer[map[string]*live] // immutable snapshot

	capture *captureWriter // nil when capture is off
	handler http.Handler

	// hookPredict, when set (tests only), runs before every prediction.
	hookPredict func(ctx context.Context, ep *live)
}

// live is an endpoint as served: the Endpoint plus what the request path
// needs precomputed. It is immutable.
type live struct {
	Endpoint
	schema   []predict.Field
	byName   map[string]int
	classes  []string
	labelsJS [][]byte // classes as JSON strings
	modelJS  []byte   // the model name as a JSON string
	head     []byte   // `{"model":...,"version":N,"predictions":[`
	newRows  func(n int) *predict.Rows
	// The endpoint's metrics of successful requests, per protocol
	// (invocations, v1, v2), looked up once instead of per request.
	ok      [3]prometheus.Counter
	latency [3]prometheus.Observer
	rows    prometheus.Counter
}

// protoIndex numbers the prediction protocols for live's metrics.
func protoIndex(proto string) int {
	switch proto {
	case protoV1:
		return 1
	case protoV2:
		return 2
	}
	return 0
}

// randPool turns on google/uuid's pool of random bytes once: inference ids
// then cost no system call each (they identify rows for joins; they are
// not secrets).
var randPool sync.Once

// New returns a server with no endpoints, not ready (SetReady).
func New(cfg Config, d Deps) (*Server, error) {
	randPool.Do(uuid.EnableRandPool)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	s := &Server{cfg: cfg, clock: d.Clock, log: d.Log, sem: make(chan struct{}, cfg.MaxInFlight)}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "serve")
	reg := d.Registry
	if reg == nil {
		r := prometheus.NewRegistry()
		r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = r
	}
	g, ok := reg.(prometheus.Gatherer)
	if !ok {
		return nil, fmt.Errorf("serve: Deps.Registry %T is not a prometheus.Gatherer: pass a *prometheus.Registry", reg)
	}
	s.gather = g
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.m = m
	empty := map[string]*live{}
	s.eps.Store(&empty)
	if d.Blob != nil {
		s.capture = newCaptureWriter(d.Blob, cfg.CaptureBuffer, s.m, s.log)
		go s.capture.run()
	}
	s.handler = s.routes()
	return s, nil
}

// Set creates the endpoint ep.Name or switches it to ep, atomically: a
// request sees the old or the new endpoint, never a mix, and none fails
// because of the switch. An endpoint without a name or model is ignored
// (and logged).
func (s *Server) Set(ep Endpoint) {
	if ep.Name == "" || ep.Pred == nil {
		s.log.Error("set endpoint: no name or no model", "endpoint", ep.Name)
		return
	}
	if ep.CapturePercent < 0 {
		ep.CapturePercent = 100
	}
	ep.CapturePercent = min(ep.CapturePercent, 100)
	l := &live{Endpoint: ep, schema: ep.Pred.Schema(), classes: ep.Pred.Classes(), newRows: ep.Pred.NewRows}
	l.byName = make(map[string]int, len(l.schema))
	for i, f := range l.schema {
		l.byName[f.Name] = i
	}
	for _, c := range l.classes {
		l.labelsJS = append(l.labelsJS, appendString(nil, c))
	}
	for i, proto := range []string{protoInvocations, protoV1, protoV2} {
		l.ok[i] = s.m.requests.WithLabelValues(ep.Name, proto, "200")
		l.latency[i] = s.m.latency.WithLabelValues(ep.Name, proto)
	}
	l.rows = s.m.rows.WithLabelValues(ep.Name)
	l.modelJS = appendString(nil, ep.Model)
	l.head = fmt.Appendf(nil, `{"model":%s,"version":%d,"predictions":[`, l.modelJS, ep.Version)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.eps.Load()
	next := maps.Clone(old)
	next[ep.Name] = l
	s.eps.Store(&next)
	if prev, ok := old[ep.Name]; ok {
		s.m.info.DeleteLabelValues(prev.Name, prev.Model, fmt.Sprint(prev.Version))
	}
	s.m.info.WithLabelValues(ep.Name, ep.Model, fmt.Sprint(ep.Version)).Set(1)
	s.m.load.WithLabelValues(ep.Name).Set(ep.LoadSeconds)
}

// Remove stops serving the endpoint name; requests already running finish
// with the model they started with.
func (s *Server) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.eps.Load()
	prev, ok := old[name]
	if !ok {
		return
	}
	next := maps.Clone(old)
	delete(next, name)
	s.eps.Store(&next)
	s.m.info.DeleteLabelValues(prev.Name, prev.Model, fmt.Sprint(prev.Version))
	s.m.load.DeleteLabelValues(name)
}

// Endpoints returns the served endpoints sorted by name.
func (s *Server) Endpoints() []Endpoint {
	snap := *s.eps.Load()
	out := make([]Endpoint, 0, len(snap))
	for _, l := range snap {
		out = append(out, l.Endpoint)
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

func (s *Server) endpoint(name string) *live { return (*s.eps.Load())[name] }

// SetReady sets the readiness reported by GET /v2/health/ready and
// GET /ping.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Handler returns the HTTP handler of every route (docs/serve.md).
func (s *Server) Handler() http.Handler { return s.handler }

// Close flushes the captured records to the artifact store and stops the
// capture writer. Records captured after Close are dropped (and counted).
// It returns ctx's error if ctx ends first.
// FlushCapture writes every captured record queued so far to the artifact
// store and returns when they are there: a reader (ground truth joined by
// inference id) then sees every prediction answered before the call.
func (s *Server) FlushCapture(ctx context.Context) error {
	if s.capture == nil {
		return nil
	}
	return s.capture.sync(ctx)
}

func (s *Server) Close(ctx context.Context) error {
	if s.capture == nil {
		return nil
	}
	return s.capture.close(ctx)
}
