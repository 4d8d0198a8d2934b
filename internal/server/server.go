// Package server runs `mlcycle server`: the HTTP server of the real-time
// endpoints (internal/serve) kept in step with the endpoints recorded in
// the metadata store.
//
// Endpoints live in the store (`mlcycle deploy` writes them, from the CLI
// or any process sharing the project). The server polls the store every
// Config.Poll (default 1 s) and compares each endpoint's generation with
// the one it serves; a new generation is loaded (registry.ForEndpoint)
// while the old model keeps serving, then swapped in atomically
// (serve.Server.Set): no request fails or sees a mix. An endpoint that
// disappears from the store is removed. A model that fails to load is
// logged and retried at the next poll; the endpoint keeps serving what it
// served. On shutdown the HTTP server drains in-flight requests
// (Config.ShutdownTimeout) and the capture buffers are flushed.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/serve"
	"github.com/mlcycle/mlcycle/internal/store"
)

// Config configures a server.
type Config struct {
	// Poll is how often the store's endpoints are checked; default 1 s.
	Poll time.Duration
	// ShutdownTimeout bounds the drain of in-flight requests; default 15 s.
	ShutdownTimeout time.Duration
	Serve           serve.Config
	// Retrain enqueues a retraining job of an endpoint (retraining
	// policies); nil turns the policies off.
	Retrain func(ctx context.Context, endpoint, trigger string) (bool, error)
}

// Server is a running prediction server.
type Server struct {
	cfg      Config
	reg      *registry.Service
	mon      *monitor.Service
	store    store.Store
	srv      *serve.Server
	log      *slog.Logger
	clock    clock.Clock
	mu       sync.Mutex
	gens     map[string]int64
	synced   chan struct{}
	syncOnce sync.Once
	// Scheduled monitor runs: their gauges, the endpoints with a run in
	// flight, and the runs to wait for on shutdown.
	mm         *monitorMetrics
	monitoring map[string]bool
	wg         sync.WaitGroup
}

// New builds a server on the project's registry, store and monitor (ground
// truth: POST /endpoints/{name}/feedback; nil leaves that route out); d
// supplies the artifact store (capture), clock, logger and Prometheus
// registry.
func New(cfg Config, reg *registry.Service, st store.Store, mon *monitor.Service, d serve.Deps) (*Server, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Registry == nil {
		r := prometheus.NewRegistry()
		r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		d.Registry = r
	}
	srv, err := serve.New(cfg.Serve, d)
	if err != nil {
		return nil, err
	}
	mm, err := newMonitorMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, reg: reg, mon: mon, store: st, srv: srv, log: d.Log.With("component", "server"), clock: d.Clock,
		gens: map[string]int64{}, synced: make(chan struct{}), mm: mm, monitoring: map[string]bool{}}, nil
}

// Handler returns the HTTP handler: every protocol, /metrics, /ping, and
// POST /endpoints/{name}/feedback.
func (s *Server) Handler() http.Handler {
	if s.mon == nil {
		return s.srv.Handler()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /endpoints/{name}/feedback", s.feedback)
	mux.Handle("/", s.srv.Handler())
	return mux
}

// feedback records ground truth: {"inference_id": ..., "label": ...}, an
// array of such objects, or {"labels": [...]}.
func (s *Server) feedback(w http.ResponseWriter, r *http.Request) {
	limit := s.cfg.Serve.WithDefaults().MaxBodyBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", limit))
		return
	}
	var labels []monitor.LabelIn
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		err = json.Unmarshal(trimmed, &labels)
	default:
		var obj struct {
			Labels []monitor.LabelIn `json:"labels"`
			monitor.LabelIn
		}
		if err = json.Unmarshal(trimmed, &obj); err == nil {
			if obj.Labels != nil {
				labels = obj.Labels
			} else {
				labels = []monitor.LabelIn{obj.LabelIn}
			}
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed feedback JSON: "+err.Error())
		return
	}
	// Predictions answered just before are still in the capture queue:
	// write them out so that their inference ids are found.
	if err := s.srv.FlushCapture(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "feedback: "+err.Error())
		return
	}
	res, err := s.mon.AddFeedback(r.Context(), r.PathValue("name"), labels)
	switch {
	case fault.Is(err, fault.KindNotFound):
		writeError(w, http.StatusNotFound, err.Error())
		return
	case fault.Is(err, fault.KindInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "feedback", "err", err)
		writeError(w, http.StatusInternalServerError, "feedback: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// FlushCapture writes the captured records queued so far to the artifact
// store (see serve.Server.FlushCapture).
func (s *Server) FlushCapture(ctx context.Context) error { return s.srv.FlushCapture(ctx) }

// Serving returns the endpoints being served.
func (s *Server) Serving() []serve.Endpoint { return s.srv.Endpoints() }

// Synced is closed after the first sync with the store, when the server
// becomes ready.
func (s *Server) Synced() <-chan struct{} { return s.synced }

// Sync loads what changed in the store's endpoints since the last sync.
// It returns the first load error; the other endpoints are synced anyway.
func (s *Server) Sync(ctx context.Context) error {
	eps, err := s.store.Endpoints(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	seen := map[string]bool{}
	for _, ep := range eps {
		seen[ep.Name] = true
		if s.gens[ep.Name] == ep.Generation {
			continue
		}
		t0 := time.Now()
		res, err := s.reg.ForEndpoint(ctx, ep)
		if err == nil {
			var cfg registry.EndpointConfig
			if cfg, err = registry.ParseEndpointConfig(ep.Config); err == nil {
				s.srv.Set(serve.Endpoint{Name: ep.Name, Model: ep.Model, Version: ep.Version, Pred: res.Model,
					CapturePercent: cfg.CapturePercent, LoadSeconds: time.Since(t0).Seconds()})
				s.gens[ep.Name] = ep.Generation
				s.log.InfoContext(ctx, "endpoint loaded", "endpoint", ep.Name, "model", ep.Model, "version", ep.Version,
					"generation", ep.Generation, "seconds", time.Since(t0).Seconds())
				continue
			}
		}
		s.log.ErrorContext(ctx, "endpoint not loaded; it keeps serving its previous model", "endpoint", ep.Name,
			"model", ep.Model, "version", ep.Version, "err", err)
		if first == nil {
			first = fmt.Errorf("endpoint %q: %w", ep.Name, err)
		}
	}
	for name := range s.gens {
		if !seen[name] {
			s.srv.Remove(name)
			delete(s.gens, name)
			s.log.InfoContext(ctx, "endpoint removed", "endpoint", name)
		}
	}
	s.syncOnce.Do(func() {
		s.srv.SetReady(true)
		close(s.synced)
	})
	return first
}

// Serve serves HTTP on l until ctx is done, syncing endpoints every poll,
// then drains in-flight requests and flushes capture. It returns nil after
// a clean shutdown.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	if err := s.Sync(ctx); err != nil {
		s.log.ErrorContext(ctx, "initial sync", "err", err)
	}
	hs := s.srv.FastServer(s.Handler())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	s.log.InfoContext(ctx, "serving", "addr", l.Addr().String())
	for {
		select {
		case err := <-errc:
			s.srv.Close(context.Background())
			return fmt.Errorf("server: %w", err)
		case <-tick.C:
			if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "sync", "err", err)
			}
			s.runSchedules(ctx)
			s.runPolicies(ctx)
		case <-ctx.Done():
			s.log.Info("shutting down: draining in-flight requests")
			sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
			defer cancel()
			err := hs.ShutdownWithContext(sctx)
			s.wg.Wait() // scheduled monitor runs end with ctx
			if cerr := s.srv.Close(sctx); err == nil {
				err = cerr
			}
			if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
				err = e
			}
			return err
		}
	}
}
