// Package monitor runs monitor runs (`mlcycle monitor run`): it reads an
// endpoint's captured traffic (docs/format/capture.md) in a time window,
// adds the model's predictions as baseline.PredictionColumn, compares both
// with the baseline of the model version the endpoint serves
// (internal/baseline, ml/drift.Compare: data-quality violations and drift
// per feature), records the run (kind monitor) and stores the result.
package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/ml/drift"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/metrics"
	"github.com/mlcycle/mlcycle/predict"
)

// ResultFormat names a monitor run's JSON document; ResultVersion is its
// version.
const (
	ResultFormat  = "mlcycle.monitor"
	ResultVersion = 1
)

// Service runs monitor runs over captured traffic.
type Service struct {
	Store    store.Store
	Blob     *blob.Store
	Registry *registry.Service
	Clock    clock.Clock  // default clock.Real
	Log      *slog.Logger // default: discard
	// HTTP sends alarm notices; default a client with a 5 s timeout.
	HTTP *http.Client
	// Enqueue starts a retraining job of an endpoint (alarms with
	// Retrain); nil where no job queue runs.
	Enqueue func(ctx context.Context, endpoint, trigger string) (bool, error)
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// RunOptions select the captured records a monitor run reads.
type RunOptions struct {
	Endpoint string
	// Window is the length of the time window; default 1 h.
	Window time.Duration
	// Since starts the window; zero means the window ends now.
	Since time.Time
}

// Result is what a monitor run found.
type Result struct {
	Format   string    `json:"format"`
	Version  int       `json:"version"`
	Run      int64     `json:"run,omitempty"`
	Endpoint string    `json:"endpoint"`
	Model    string    `json:"model"`
	Served   int       `json:"model_version"`
	TrainRun int64     `json:"training_run"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Records counts the captured rows in the window; ByVersion per model
	// version that scored them.
	Records   int            `json:"records"`
	ByVersion map[string]int `json:"by_version"`
	// Drifted lists the features (and baseline.PredictionColumn) whose verdict is
	// drift.
	Drifted []string     `json:"drifted"`
	Report  drift.Report `json:"report"`
	// Quality is the model's quality on the window's labelled rows
	// (ground truth from feedback), beside its training-time values.
	Quality Quality `json:"quality"`
	// Alarms are the endpoint's alarms after this run.
	Alarms []AlarmStatus `json:"alarms,omitempty"`
}

// Quality compares the metrics of labelled captured predictions with the
// training run's.
type Quality struct {
	// Labels counts the window's captured rows that have ground truth.
	Labels int `json:"labels"`
	// Metrics are scikit-learn-named metrics on those rows (none without
	// labels); Training the model's validation metrics at training time
	// (its training metrics when it had no validation set).
	Metrics  map[string]float64 `json:"metrics"`
	Training map[string]float64 `json:"training"`
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Run compares the endpoint's captured traffic in the window with the
// baseline of the model version it serves, records the run (kind monitor)
// and stores the result as its artifact.
func (s *Service) Run(ctx context.Context, o RunOptions) (*Result, error) {
	if o.Window == 0 {
		o.Window = time.Hour
	}
	if o.Window < 0 {
		return nil, fault.Invalid("monitor: negative window %v", o.Window)
	}
	ep, err := s.Store.Endpoint(ctx, o.Endpoint)
	if err != nil {
		return nil, err
	}
	res, err := s.Registry.ForEndpoint(ctx, ep)
	if err != nil {
		return nil, err
	}
	st, cons, err := baseline.Load(ctx, s.Blob, res.Version.RunID)
	if err != nil {
		return nil, err
	}
	to := s.now()
	if !o.Since.IsZero() {
		to = o.Since.Add(o.Window)
	}
	from := to.Add(-o.Window)
	r := &Result{Format: ResultFormat, Version: ResultVersion, Endpoint: ep.Name, Model: ep.Model, Served: ep.Version,
		TrainRun: res.Version.RunID, From: from.UTC(), To: to.UTC(), ByVersion: map[string]int{}, Drifted: []string{}}
	recs, err := s.captured(ctx, ep.Name, from, to)
	if err != nil {
		return nil, err
	}
	r.Records = len(recs)
	for _, c := range recs {
		r.ByVersion[fmt.Sprint(c.Version)]++
	}
	f, err := currentFrame(res.Model, recs)
	if err != nil {
		return nil, err
	}
	if r.Report, err = drift.Compare(ctx, st, cons, f); err != nil {
		return nil, err
	}
	for _, fr := range r.Report.Features {
		if fr.Verdict == drift.VerdictDrift {
			r.Drifted = append(r.Drifted, fr.Name)
		}
	}
	if r.Quality, err = s.quality(ctx, res.Model, ep.Name, recs, from, to); err != nil {
		return nil, err
	}
	if err := s.record(ctx, r); err != nil {
		return nil, err
	}
	if r.Alarms, err = s.evaluateAlarms(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// record stores the result and records the monitor run.
func (s *Service) record(ctx context.Context, r *Result) error {
	start := s.now()
	opts, _ := json.Marshal(map[string]any{"endpoint": r.Endpoint, "from": r.From, "to": r.To})
	run, err := s.Store.CreateRun(ctx, store.NewRun{Name: "monitor-" + r.Endpoint, Kind: store.RunMonitor,
		Target: r.Model, Options: opts, StartedAt: start})
	if err != nil {
		return err
	}
	r.Run = run.ID
	key := fmt.Sprintf("monitor/%s/%d.json", url.PathEscape(r.Endpoint), run.ID)
	end := store.RunEnd{Status: store.RunSucceeded, FinishedAt: s.now(), ArtifactKey: key}
	b, err := json.Marshal(r)
	if err == nil {
		err = s.Blob.Put(ctx, key, bytes.NewReader(b))
	}
	if err == nil {
		end.Metrics, _ = json.Marshal(map[string]any{"records": r.Records, "drifted": r.Drifted, "counts": r.Report.Counts})
	} else {
		end.Status, end.Error, end.ArtifactKey = store.RunFailed, err.Error(), ""
	}
	if _, ferr := s.Store.FinishRun(context.WithoutCancel(ctx), run.ID, end); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// captureRecord is the part of a capture record (docs/format/capture.md)
// a monitor run reads.
type captureRecord struct {
	V         int            `json:"v"`
	ID        string         `json:"inference_id"`
	Timestamp time.Time      `json:"timestamp"`
	Version   int            `json:"version"`
	Input     map[string]any `json:"input"`
	Output    struct {
		Prediction    any                `json:"prediction"`
		Score         *float64           `json:"score"`
		Probabilities map[string]float64 `json:"probabilities"`
	} `json:"output"`
}

// captured reads the endpoint's records with from <= timestamp < to.
func (s *Service) captured(ctx context.Context, endpoint string, from, to time.Time) ([]captureRecord, error) {
	var out []captureRecord
	for h := from.UTC().Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		key := captureKey(endpoint, h)
		err := eachLine(ctx, s.Blob, key, func(line int, b []byte) error {
			var c captureRecord
			if json.Unmarshal(b, &c) != nil {
				return nil // a last line being written is incomplete: skip it
			}
			if c.V > 1 {
				return fault.Invalid("monitor: %s line %d: capture record version %d; this mlcycle reads version 1", key, line, c.V)
			}
			if !c.Timestamp.Before(from) && c.Timestamp.Before(to) {
				out = append(out, c)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// currentFrame builds the frame of the captured inputs and predictions,
// typed by the model's schema.
func currentFrame(m *predict.Model, recs []captureRecord) (*frame.Frame, error) {
	inputs := make([]map[string]any, len(recs))
	for i, c := range recs {
		inputs[i] = c.Input
	}
	var cols []frame.Column
	if len(recs) > 0 {
		f, err := predict.FrameFromRecords(m.Schema(), inputs)
		if err != nil {
			return nil, fmt.Errorf("monitor: captured inputs: %w", err)
		}
		cols = f.Columns()
	}
	var pc frame.Column
	var err error
	switch m.Task() {
	case predict.TaskMulticlass:
		labels := make([]string, len(recs))
		for i, c := range recs {
			labels[i] = fmt.Sprint(c.Output.Prediction)
		}
		pc, err = frame.NewCategoricalFromStrings(baseline.PredictionColumn, labels, nil)
	default:
		v := make([]float64, len(recs))
		for i, c := range recs {
			switch {
			case m.Task() == predict.TaskBinary && c.Output.Score != nil:
				v[i] = *c.Output.Score
			default:
				x, ok := c.Output.Prediction.(float64)
				if !ok {
					x = math.NaN()
				}
				v[i] = x
			}
		}
		pc, err = frame.NewFloat(baseline.PredictionColumn, v, nil)
	}
	if err != nil {
		return nil, err
	}
	return frame.New(append(cols, pc)...)
}

// quality joins the window's labels to its captured predictions and scores
// them.
func (s *Service) quality(ctx context.Context, m *predict.Model, endpoint string, recs []captureRecord, from, to time.Time) (Quality, error) {
	q := Quality{Metrics: map[string]float64{}, Training: map[string]float64{}}
	pm := m.Package().Metrics
	if v, ok := pm["valid"]; ok {
		q.Training = v
	} else if v, ok := pm["train"]; ok {
		q.Training = v
	}
	labels, err := s.Store.Labels(ctx, endpoint, from, to)
	if err != nil || len(labels) == 0 {
		return q, err
	}
	byID := make(map[string]string, len(labels))
	for _, l := range labels {
		byID[l.InferenceID] = l.Value
	}
	classes := m.Classes()
	var y, scores, values []float64
	var yc []int
	var probs [][]float64
	for _, c := range recs {
		lv, ok := byID[c.ID]
		if !ok {
			continue
		}
		switch m.Task() {
		case predict.TaskRegression:
			t, err1 := strconv.ParseFloat(lv, 64)
			p, ok := c.Output.Prediction.(float64)
			if err1 != nil || !ok {
				continue
			}
			y, values = append(y, t), append(values, p)
		default:
			k := slices.Index(classes, lv)
			if k < 0 || c.Output.Probabilities == nil {
				continue
			}
			row := make([]float64, len(classes))
			for j, cl := range classes {
				row[j] = c.Output.Probabilities[cl]
			}
			yc, probs = append(yc, k), append(probs, row)
			scores = append(scores, row[len(row)-1])
		}
	}
	var rep any
	switch {
	case m.Task() == predict.TaskRegression && len(y) > 0:
		q.Labels = len(y)
		rep, err = metrics.Regression(y, values)
	case m.Task() == predict.TaskBinary && len(yc) > 0:
		q.Labels = len(yc)
		thr := m.Package().Threshold
		if thr == 0 {
			thr = 0.5
		}
		rep, err = metrics.Binary(yc, scores, thr)
	case len(yc) > 0:
		q.Labels = len(yc)
		rep, err = metrics.Multiclass(yc, probs)
	default:
		return q, nil
	}
	if err != nil {
		return q, fmt.Errorf("monitor: quality: %w", err)
	}
	q.Metrics, err = train.Flatten(rep)
	return q, err
}
