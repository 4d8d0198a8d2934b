package serve

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus metrics. The endpoint label is the
// endpoint name, or "" for requests to an unknown endpoint (so that random
// URLs cannot grow the label set).
type metrics struct {
	requests *prometheus.CounterVec   // endpoint, protocol, code
	latency  *prometheus.HistogramVec // endpoint, protocol
	rows     *prometheus.CounterVec   // endpoint
	load     *prometheus.GaugeVec     // endpoint
	info     *prometheus.GaugeVec     // endpoint, model, version
	written  *prometheus.CounterVec   // endpoint
	dropped  *prometheus.CounterVec   // endpoint
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcycle_serve_requests_total",
			Help: "Prediction and health requests by endpoint, protocol and HTTP status code.",
		}, []string{"endpoint", "protocol", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mlcycle_serve_request_duration_seconds",
			Help:    "Time from the arrival of a prediction request to its response, by endpoint and protocol.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"endpoint", "protocol"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcycle_serve_rows_predicted_total",
			Help: "Rows scored, by endpoint.",
		}, []string{"endpoint"}),
		load: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlcycle_serve_model_load_seconds",
			Help: "Time it took to load the model an endpoint serves.",
		}, []string{"endpoint"}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlcycle_serve_endpoint_info",
			Help: "The model version each endpoint serves (always 1).",
		}, []string{"endpoint", "model", "version"}),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcycle_serve_capture_records_written_total",
			Help: "Captured records written to the artifact store, by endpoint.",
		}, []string{"endpoint"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcycle_serve_capture_records_dropped_total",
			Help: "Captured records dropped (full buffer, failed writes, or after Close), by endpoint.",
		}, []string{"endpoint"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mlcycle_serve_in_flight_requests",
			Help: "Prediction requests being served now, including those waiting for a slot.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.rows, m.load, m.info, m.written, m.dropped, m.inFlight} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("serve: register metrics: %w (one server per registry)", err)
			}
			return nil, fmt.Errorf("serve: register metrics: %w", err)
		}
	}
	return m, nil
}
