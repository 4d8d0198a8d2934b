package server

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/drift"
)

// monitorMetrics are the gauges of scheduled monitor runs, on the server's
// Prometheus registry.
type monitorMetrics struct {
	score      *prometheus.GaugeVec
	drifted    *prometheus.GaugeVec
	violations *prometheus.GaugeVec
	records    *prometheus.GaugeVec
	quality    *prometheus.GaugeVec
	lastRun    *prometheus.GaugeVec
}

func newMonitorMetrics(reg prometheus.Registerer) (*monitorMetrics, error) {
	g := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &monitorMetrics{
		score:      g("mlcycle_monitor_drift_score", "Drift score of a feature (p-value for ks and chi_square) in the last monitor run.", "endpoint", "feature", "method"),
		drifted:    g("mlcycle_monitor_features_drifted", "Features (prediction included) whose verdict was drift in the last monitor run.", "endpoint"),
		violations: g("mlcycle_monitor_violations", "Data-quality violations in the last monitor run.", "endpoint"),
		records:    g("mlcycle_monitor_records", "Captured rows in the last monitor run's window.", "endpoint"),
		quality:    g("mlcycle_monitor_quality", "Metric of the labelled predictions in the last monitor run's window.", "endpoint", "metric"),
		lastRun:    g("mlcycle_monitor_last_run_timestamp_seconds", "When the last monitor run of the endpoint finished.", "endpoint"),
	}
	for _, c := range []prometheus.Collector{m.score, m.drifted, m.violations, m.records, m.quality, m.lastRun} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *monitorMetrics) observe(r *monitor.Result, at time.Time) {
	ep := r.Endpoint
	m.score.DeletePartialMatch(prometheus.Labels{"endpoint": ep})
	for _, f := range r.Report.Features {
		for _, sc := range f.Scores {
			v := float64(sc.Value)
			if drift.IsPValueMethod(sc.Method) {
				v = float64(sc.PValue)
			}
			if v == v { // NaN scores (no data) are left out
				m.score.WithLabelValues(ep, f.Name, sc.Method).Set(v)
			}
		}
	}
	m.drifted.WithLabelValues(ep).Set(float64(len(r.Drifted)))
	m.violations.WithLabelValues(ep).Set(float64(r.Report.Counts.Violations))
	m.records.WithLabelValues(ep).Set(float64(r.Records))
	m.quality.DeletePartialMatch(prometheus.Labels{"endpoint": ep})
	for k, v := range r.Quality.Metrics {
		m.quality.WithLabelValues(ep, k).Set(v)
	}
	m.lastRun.WithLabelValues(ep).Set(float64(at.Unix()))
}

// runSchedules starts the monitor runs that are due: an endpoint's last
// monitor run started at least its schedule's interval ago. Each endpoint
// has at most one run in flight; a run covers the interval that ends now.
func (s *Server) runSchedules(ctx context.Context) {
	if s.mon == nil || s.mm == nil {
		return
	}
	scheds, err := s.store.MonitorSchedules(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "monitor schedules", "err", err)
		return
	}
	now := s.clock.Now()
	for _, sc := range scheds {
		s.mu.Lock()
		busy := s.monitoring[sc.Endpoint]
		s.mu.Unlock()
		if busy {
			continue
		}
		rs, err := s.store.ListRuns(ctx, store.RunFilter{Name: "monitor-" + sc.Endpoint, Kind: store.RunMonitor, Limit: 1})
		if err != nil {
			s.log.WarnContext(ctx, "monitor schedules", "endpoint", sc.Endpoint, "err", err)
			continue
		}
		if len(rs) > 0 && now.Sub(rs[0].StartedAt) < sc.Every {
			continue
		}
		s.mu.Lock()
		s.monitoring[sc.Endpoint] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.monitoring, sc.Endpoint)
				s.mu.Unlock()
			}()
			r, err := s.mon.Run(ctx, monitor.RunOptions{Endpoint: sc.Endpoint, Window: sc.Every, Since: now.Add(-sc.Every)})
			if err != nil {
				if ctx.Err() == nil {
					s.log.ErrorContext(ctx, "scheduled monitor run", "endpoint", sc.Endpoint, "err", err)
				}
				return
			}
			s.mm.observe(r, s.clock.Now())
			s.log.InfoContext(ctx, "monitor run", "endpoint", sc.Endpoint, "run", r.Run, "records", r.Records,
				"drifted", r.Drifted, "violations", r.Report.Counts.Violations)
		})
	}
}

// runPolicies enqueues the retraining jobs that retraining policies call
// for: an endpoint whose last retraining (or, before any, its policy) is at
// least Every old, or that received MinLabels labels since then.
func (s *Server) runPolicies(ctx context.Context) {
	if s.cfg.Retrain == nil {
		return
	}
	ps, err := s.store.RetrainPolicies(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "retrain policies", "err", err)
		return
	}
	now := s.clock.Now()
	for _, p := range ps {
		since := p.UpdatedAt
		rs, err := s.store.ListRuns(ctx, store.RunFilter{Name: "retrain-" + p.Endpoint, Kind: store.RunRetrain, Limit: 1})
		if err != nil {
			s.log.WarnContext(ctx, "retrain policies", "endpoint", p.Endpoint, "err", err)
			continue
		}
		if len(rs) > 0 && rs[0].StartedAt.After(since) {
			since = rs[0].StartedAt
		}
		trigger := ""
		if p.Every > 0 && now.Sub(since) >= p.Every {
			trigger = "schedule"
		} else if p.MinLabels > 0 {
			n, err := s.store.CountLabels(ctx, p.Endpoint, since)
			if err != nil {
				s.log.WarnContext(ctx, "retrain policies", "endpoint", p.Endpoint, "err", err)
				continue
			}
			if n >= p.MinLabels {
				trigger = fmt.Sprintf("labels (%d new)", n)
			}
		}
		if trigger == "" {
			continue
		}
		added, err := s.cfg.Retrain(ctx, p.Endpoint, trigger)
		if err != nil {
			s.log.ErrorContext(ctx, "enqueue retraining", "endpoint", p.Endpoint, "err", err)
		} else if added {
			s.log.InfoContext(ctx, "retraining enqueued", "endpoint", p.Endpoint, "trigger", trigger)
		}
	}
}
