// Package monitor runs monitor runs (`mlcycle monitor run`): it reads an
// endpoint's captured traffic (docs/format/capture.md) in a time window,
// adds the model's predictions as baseline.PredictionColumn, compares both
// with the baseline of the model version the endpoint serves
// (internal/baseline, ml/drift.Compare: data-quality violations and drift
// per feature), records the run (kind monitor) and stores the result.
package monitor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"time"

	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/drift"
	"github.com/mlcycle/mlcycle/ml/frame"
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
	return r, s.record(ctx, r)
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
	Timestamp time.Time      `json:"timestamp"`
	Version   int            `json:"version"`
	Input     map[string]any `json:"input"`
	Output    struct {
		Prediction any      `json:"prediction"`
		Score      *float64 `json:"score"`
	} `json:"output"`
}

// captured reads the endpoint's records with from <= timestamp < to.
func (s *Service) captured(ctx context.Context, endpoint string, from, to time.Time) ([]captureRecord, error) {
	var out []captureRecord
	for h := from.UTC().Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		key := fmt.Sprintf("capture/%s/%04d/%02d/%02d/%02d.jsonl", url.PathEscape(endpoint), h.Year(), h.Month(), h.Day(), h.Hour())
		rc, err := s.Blob.NewReader(ctx, key)
		if fault.Is(err, fault.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(rc)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		line := 0
		for sc.Scan() {
			line++
			var c captureRecord
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				// A last line being written is incomplete: skip it.
				continue
			}
			if c.V > 1 {
				rc.Close()
				return nil, fault.Invalid("monitor: %s line %d: capture record version %d; this mlcycle reads version 1", key, line, c.V)
			}
			if !c.Timestamp.Before(from) && c.Timestamp.Before(to) {
				out = append(out, c)
			}
		}
		rc.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("monitor: read %s: %w", key, err)
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
