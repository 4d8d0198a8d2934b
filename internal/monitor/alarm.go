package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/drift"
)

// AlarmSpec defines an alarm on monitor runs of one endpoint: the value of
// Metric in each run is compared with Threshold, and the alarm is in
// ALARM when at least M of the last N runs breach, OK when fewer do, and
// INSUFFICIENT_DATA while fewer than M of the last N runs have a value.
type AlarmSpec struct {
	// Metric is "drifted" (features whose verdict is drift, prediction
	// included), "violations", "records", "quality:<metric>" (a metric of
	// the labelled predictions, e.g. quality:roc_auc) or
	// "score:<feature>:<method>" (a drift score; the p-value for ks and
	// chi_square).
	Metric    string  `json:"metric"`
	Op        string  `json:"op"` // >, >=, <, <=
	Threshold float64 `json:"threshold"`
	M         int     `json:"m"`
	N         int     `json:"n"`
	// Webhook, if set, receives a POST of an AlarmNotice on every state
	// change, retried with backoff.
	Webhook string `json:"webhook,omitempty"`
	// Retrain starts a retraining job of the endpoint when the alarm goes
	// to ALARM (Service.Enqueue must be set: mlcycle server sets it).
	Retrain bool `json:"retrain,omitempty"`
}

// Validate lists every problem of the spec.
func (a AlarmSpec) Validate() error {
	var problems []string
	switch {
	case a.Metric == "drifted", a.Metric == "violations", a.Metric == "records":
	case strings.HasPrefix(a.Metric, "quality:") && len(a.Metric) > len("quality:"):
	case strings.HasPrefix(a.Metric, "score:") && strings.Count(a.Metric, ":") == 2:
	default:
		problems = append(problems, fmt.Sprintf("metric %q: want drifted, violations, records, quality:<metric> or score:<feature>:<method>", a.Metric))
	}
	if !slices.Contains([]string{">", ">=", "<", "<="}, a.Op) {
		problems = append(problems, fmt.Sprintf("op %q: want >, >=, < or <=", a.Op))
	}
	if a.N < 1 || a.M < 1 || a.M > a.N {
		problems = append(problems, fmt.Sprintf("m=%d of n=%d: want 1 <= m <= n", a.M, a.N))
	}
	if a.Webhook != "" && !strings.HasPrefix(a.Webhook, "http://") && !strings.HasPrefix(a.Webhook, "https://") {
		problems = append(problems, fmt.Sprintf("webhook %q: want an http:// or https:// URL", a.Webhook))
	}
	if len(problems) > 0 {
		return fault.Invalid("alarm: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (a AlarmSpec) breaches(v float64) bool {
	switch a.Op {
	case ">":
		return v > a.Threshold
	case ">=":
		return v >= a.Threshold
	case "<":
		return v < a.Threshold
	}
	return v <= a.Threshold
}

// valueOf extracts an alarm metric from a monitor result.
func valueOf(r *Result, metric string) (float64, bool) {
	switch {
	case metric == "drifted":
		return float64(len(r.Drifted)), true
	case metric == "violations":
		return float64(r.Report.Counts.Violations), true
	case metric == "records":
		return float64(r.Records), true
	case strings.HasPrefix(metric, "quality:"):
		v, ok := r.Quality.Metrics[strings.TrimPrefix(metric, "quality:")]
		return v, ok
	case strings.HasPrefix(metric, "score:"):
		parts := strings.SplitN(metric, ":", 3)
		for _, f := range r.Report.Features {
			if f.Name != parts[1] {
				continue
			}
			for _, sc := range f.Scores {
				if sc.Method == parts[2] {
					v := float64(sc.Value)
					if drift.IsPValueMethod(sc.Method) {
						v = float64(sc.PValue)
					}
					return v, v == v
				}
			}
		}
	}
	return 0, false
}

// AlarmStatus is an alarm's state after a monitor run.
type AlarmStatus struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	Changed bool   `json:"changed"`
	Reason  string `json:"reason"`
}

// AlarmNotice is the JSON a webhook receives on a state change.
type AlarmNotice struct {
	Alarm      string    `json:"alarm"`
	Endpoint   string    `json:"endpoint"`
	State      string    `json:"state"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
	Spec       AlarmSpec `json:"spec"`
	MonitorRun int64     `json:"monitor_run"`
}

// evaluateAlarms updates the endpoint's alarms from its last monitor runs
// (the newest is r) and notifies webhooks of state changes.
func (s *Service) evaluateAlarms(ctx context.Context, r *Result) ([]AlarmStatus, error) {
	alarms, err := s.Store.ListAlarms(ctx, r.Endpoint)
	if err != nil || len(alarms) == 0 {
		return nil, err
	}
	maxN := 0
	specs := make([]AlarmSpec, len(alarms))
	for i, a := range alarms {
		if err := json.Unmarshal(a.Spec, &specs[i]); err != nil {
			return nil, fmt.Errorf("alarm %q: %w", a.Name, err)
		}
		maxN = max(maxN, specs[i].N)
	}
	results, err := s.lastResults(ctx, r, maxN)
	if err != nil {
		return nil, err
	}
	var out []AlarmStatus
	now := s.now()
	for i, a := range alarms {
		sp := specs[i]
		var vals []float64
		breach := 0
		for _, res := range results[:min(sp.N, len(results))] {
			if v, ok := valueOf(res, sp.Metric); ok {
				vals = append(vals, v)
				if sp.breaches(v) {
					breach++
				}
			}
		}
		state := store.AlarmOK
		switch {
		case len(vals) < sp.M:
			state = store.AlarmInsufficientData
		case breach >= sp.M:
			state = store.AlarmAlarm
		}
		reason := fmt.Sprintf("%s %s %g in %d of the last %d monitor runs with a value (%d runs looked at; values %v)", sp.Metric, sp.Op, sp.Threshold, breach, len(vals), min(sp.N, len(results)), vals)
		changed, err := s.Store.SetAlarmState(ctx, a.Name, state, reason, now)
		if err != nil {
			return nil, err
		}
		out = append(out, AlarmStatus{Name: a.Name, State: state, Changed: changed, Reason: reason})
		if changed && sp.Webhook != "" {
			s.notify(ctx, sp.Webhook, AlarmNotice{Alarm: a.Name, Endpoint: r.Endpoint, State: state, Reason: reason, At: now, Spec: sp, MonitorRun: r.Run})
		}
		if changed && state == store.AlarmAlarm && sp.Retrain {
			if s.Enqueue == nil {
				s.logger().WarnContext(ctx, "alarm asks for retraining, but no job queue runs here (mlcycle server runs one)", "alarm", a.Name)
			} else if _, err := s.Enqueue(ctx, r.Endpoint, "alarm "+a.Name); err != nil {
				s.logger().ErrorContext(ctx, "enqueue retraining", "alarm", a.Name, "err", err)
			}
		}
	}
	return out, nil
}

// lastResults returns up to n monitor results of r's endpoint, newest
// (r) first.
func (s *Service) lastResults(ctx context.Context, r *Result, n int) ([]*Result, error) {
	out := []*Result{r}
	if n <= 1 {
		return out, nil
	}
	runs, err := s.Store.ListRuns(ctx, store.RunFilter{Name: "monitor-" + r.Endpoint, Kind: store.RunMonitor, Limit: n})
	if err != nil {
		return nil, err
	}
	for _, run := range runs {
		if run.ID == r.Run || run.Status != store.RunSucceeded || run.ArtifactKey == "" || len(out) == n {
			continue
		}
		rc, err := s.Blob.NewReader(ctx, run.ArtifactKey)
		if err != nil {
			return nil, err
		}
		var res Result
		err = json.NewDecoder(rc).Decode(&res)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("monitor run %d: %w", run.ID, err)
		}
		out = append(out, &res)
	}
	return out, nil
}

// notify POSTs the notice to url, retrying failures (network errors and
// 5xx) three times with exponential backoff; the outcome is logged.
func (s *Service) notify(ctx context.Context, url string, n AlarmNotice) {
	body, _ := json.Marshal(n)
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			s.logger().ErrorContext(ctx, "alarm webhook", "alarm", n.Alarm, "err", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				if resp.StatusCode >= 300 {
					s.logger().WarnContext(ctx, "alarm webhook refused the notice", "alarm", n.Alarm, "status", resp.StatusCode)
				}
				return
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if attempt == 4 || ctx.Err() != nil {
			s.logger().ErrorContext(ctx, "alarm webhook failed", "alarm", n.Alarm, "url", url, "attempts", attempt, "err", err)
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
}
