package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/report"
	"github.com/mlcycle/mlcycle/internal/retrain"
	"github.com/mlcycle/mlcycle/internal/serve"
	"github.com/mlcycle/mlcycle/internal/server"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// Shift is the documented perturbation of the demo's second wave of
// traffic: the real rows of the training split with every day-time usage
// column (minutes, calls, charge) multiplied by 1.6 and every third
// customer on the international plan — customers who suddenly call much
// more by day. The first wave is the test split as it is.
const Shift = "total_day_minutes, total_day_calls, total_day_charge and total_charge × 1.6 (calls rounded); international_plan = yes on every third row"

// LoopReport is what the loop part of the demo did.
type LoopReport struct {
	Endpoint   string          `json:"endpoint"`
	URL        string          `json:"url"`
	Normal     *monitor.Result `json:"monitor_normal"`
	Shifted    *monitor.Result `json:"monitor_shifted"`
	Feedback   *monitor.FeedbackResult
	Retraining *retrain.Outcome `json:"retraining"`
	// MonitorReport is the path of the HTML report of the shifted run,
	// with the first run as its history.
	MonitorReport string `json:"monitor_report"`
}

// loop runs the lifecycle's second half: register, deploy, serve traffic,
// shift it, detect the drift, raise the alarm, receive labels, retrain,
// compare, promote.
func loop(ctx context.Context, a *app.App, rep *Report, step func(string, func() (string, error)) error) error {
	lr := &LoopReport{Endpoint: "churn"}
	rep.Loop = lr
	const actor = "mlcycle demo"
	if err := step("register the run as model churn, approve it, alias it champion", func() (string, error) {
		mv, err := a.Registry.Register(ctx, fmt.Sprint(rep.Run), "churn", actor, "the demo's first model")
		if err != nil {
			return "", err
		}
		ref := fmt.Sprintf("churn@%d", mv.Version)
		if _, err := a.Registry.Approve(ctx, ref, actor, "passes the goal's gate"); err != nil {
			return "", err
		}
		if _, err := a.Registry.Alias(ctx, ref, "champion", actor, "first champion"); err != nil {
			return "", err
		}
		return ref + " approved, alias champion", nil
	}); err != nil {
		return err
	}
	var srv *server.Server
	var stop func() error
	if err := step("deploy churn@champion to endpoint churn and start the server", func() (string, error) {
		e, err := a.Registry.Deploy(ctx, "churn@champion", "churn", registry.DeployOpts{Actor: actor, Reason: "demo"})
		if err != nil {
			return "", err
		}
		srv, err = server.New(server.Config{Poll: 100 * time.Millisecond}, a.Registry, a.Store, a.Monitor, serve.Deps{Blob: a.Blob, Log: a.Log})
		if err != nil {
			return "", err
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(sctx, l) }()
		<-srv.Synced()
		stop = func() error { cancel(); return <-done }
		lr.URL = "http://" + l.Addr().String()
		return fmt.Sprintf("endpoint churn → churn@%d, serving on %s", e.Version, lr.URL), nil
	}); err != nil {
		return err
	}
	defer func() {
		if stop != nil {
			stop()
		}
	}()

	_, test, err := a.Catalog.Load(ctx, "churn_clean_test", nil)
	if err != nil {
		return err
	}
	_, trainRows, err := a.Catalog.Load(ctx, "churn_clean_train", nil)
	if err != nil {
		return err
	}
	normal, normalLabels := records(test, "churn")
	shifted, shiftedLabels := records(trainRows, "churn")
	labels := append(normalLabels, shiftedLabels...)
	var ids []string
	var t0, t1, t2 time.Time
	send := func(rows []map[string]any) (string, error) {
		for i := 0; i < len(rows); i += 25 {
			body, _ := json.Marshal(map[string]any{"instances": rows[i:min(i+25, len(rows))]})
			resp, err := http.Post(lr.URL+"/endpoints/churn/invocations", "application/json", bytes.NewReader(body))
			if err != nil {
				return "", err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return "", fmt.Errorf("invocations: %s: %s", resp.Status, b)
			}
			var pr struct {
				Predictions []struct {
					ID string `json:"inference_id"`
				} `json:"predictions"`
			}
			if err := json.Unmarshal(b, &pr); err != nil {
				return "", err
			}
			for _, p := range pr.Predictions {
				ids = append(ids, p.ID)
			}
		}
		return fmt.Sprintf("%d rows scored over HTTP, %d requests", len(rows), (len(rows)+24)/25), nil
	}
	if err := step("send traffic: the rows of the test split", func() (string, error) {
		t0 = time.Now()
		return send(normal)
	}); err != nil {
		return err
	}
	if err := step("monitor the endpoint over that traffic", func() (string, error) {
		t1 = time.Now()
		if err := srv.FlushCapture(ctx); err != nil {
			return "", err
		}
		r, err := a.Monitor.Run(ctx, monitor.RunOptions{Endpoint: "churn", Since: t0, Window: t1.Sub(t0)})
		if err != nil {
			return "", err
		}
		lr.Normal = r
		return monitorLine(r), nil
	}); err != nil {
		return err
	}
	if err := step("create an alarm: any drifted feature in 1 of the last 1 monitor runs", func() (string, error) {
		spec, _ := json.Marshal(monitor.AlarmSpec{Metric: "drifted", Op: ">", Threshold: 0, M: 1, N: 1})
		al, err := a.Store.PutAlarm(ctx, "churn-drift", "churn", spec, time.Now())
		if err != nil {
			return "", err
		}
		return "alarm churn-drift: " + al.State, nil
	}); err != nil {
		return err
	}
	if err := step("send shifted traffic: the rows of the training split with "+Shift, func() (string, error) {
		return send(shift(shifted))
	}); err != nil {
		return err
	}
	if err := step("monitor the shifted traffic: drift, violations, the alarm", func() (string, error) {
		t2 = time.Now()
		if err := srv.FlushCapture(ctx); err != nil {
			return "", err
		}
		r, err := a.Monitor.Run(ctx, monitor.RunOptions{Endpoint: "churn", Since: t1, Window: t2.Sub(t1)})
		if err != nil {
			return "", err
		}
		lr.Shifted = r
		line := monitorLine(r)
		for _, al := range r.Alarms {
			line += fmt.Sprintf("; alarm %s → %s", al.Name, al.State)
		}
		lr.MonitorReport = filepath.Join(a.Config.Dir, "monitor_churn.html")
		f, err := os.Create(lr.MonitorReport)
		if err != nil {
			return "", err
		}
		if err := report.Monitor(f, r, []*monitor.Result{lr.Normal}, report.Opts{}); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		return line + "; report " + lr.MonitorReport, nil
	}); err != nil {
		return err
	}
	if err := step("receive the ground truth of every prediction", func() (string, error) {
		var in []monitor.LabelIn
		for i, id := range ids {
			in = append(in, monitor.LabelIn{InferenceID: id, Label: labels[i]})
		}
		res, err := a.Monitor.AddFeedback(ctx, "churn", in)
		if err != nil {
			return "", err
		}
		lr.Feedback = res
		return fmt.Sprintf("%d labels recorded, %d duplicates, %d unknown", res.Accepted, len(res.Duplicates), len(res.Unknown)), nil
	}); err != nil {
		return err
	}
	return step("retrain on training data + labelled traffic, compare on the newest labels, promote if better", func() (string, error) {
		out, err := a.Retrain.Retrain(ctx, retrain.Options{Endpoint: "churn", Goal: a.Config.Goal, Actor: actor})
		if err != nil {
			return "", err
		}
		lr.Retraining = out
		verdict := "kept the champion"
		if out.Promoted {
			verdict = "promoted " + out.Challenger + " to champion and switched the endpoint"
		}
		return fmt.Sprintf("challenger %s on %s: %s %.4f vs champion %.4f on the newest %d labels; %s (%s)", out.Challenger, out.Data,
			out.Metric, out.ChallengerValue, out.ChampionValue, out.Recent, verdict, out.Reason), nil
	})
}

func monitorLine(r *monitor.Result) string {
	c := r.Report.Counts
	s := fmt.Sprintf("monitor run %d: %d rows, %d drifted features", r.Run, r.Records, c.Drift)
	if len(r.Drifted) > 0 {
		shown := r.Drifted
		if len(shown) > 5 {
			shown = shown[:5]
		}
		s += " (" + strings.Join(shown, ", ") + ")"
	}
	return s + fmt.Sprintf(", %d violations", c.Violations)
}

// records turns a frame into JSON-ready rows without the target, and the
// target's labels.
func records(f *frame.Frame, target string) ([]map[string]any, []string) {
	n := f.Len()
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{}
	}
	var labels []string
	for _, c := range f.Columns() {
		for i := range n {
			if c.IsMissing(i) {
				continue
			}
			var v any
			switch col := c.(type) {
			case *frame.FloatColumn:
				v = col.Values()[i]
			case *frame.CategoricalColumn:
				v = col.Value(i)
			case *frame.BoolColumn:
				v = col.Values()[i]
			case *frame.StringColumn:
				v = col.Values()[i]
			default:
				continue
			}
			if c.Name() == target {
				labels = append(labels, fmt.Sprint(v))
				continue
			}
			recs[i][c.Name()] = v
		}
	}
	return recs, labels
}

// shift applies Shift to copies of rows.
func shift(rows []map[string]any) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		c := make(map[string]any, len(r))
		for k, v := range r {
			c[k] = v
		}
		for _, k := range []string{"total_day_minutes", "total_day_charge", "total_charge"} {
			if x, ok := c[k].(float64); ok {
				c[k] = math.Round(x*1.6*100) / 100
			}
		}
		if x, ok := c["total_day_calls"].(float64); ok {
			c["total_day_calls"] = math.Round(x * 1.6)
		}
		if i%3 == 0 {
			c["international_plan"] = "yes"
		}
		out[i] = c
	}
	return out
}
