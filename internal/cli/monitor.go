package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/report"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/drift"
	"github.com/mlcycle/mlcycle/predict"
)

func newMonitorCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Baselines and monitor runs: data quality and drift of captured traffic",
		Long: `Every training run stores a baseline of its training rows: statistics and
suggested constraints of each input column and of the model's prediction
(docs/format/statistics.md, constraints.md; edit the constraints to tune
checks). A monitor run compares an endpoint's captured traffic in a time window
with the baseline of the model version it serves: data-quality violations and
drift per feature (KS, PSI, Wasserstein, Jensen-Shannon, chi-square,
L-infinity; docs/drift.md).`,
		Args: exactArgs(0),
	}
	cmd.AddCommand(newMonitorBaselineCmd(st), newMonitorRunCmd(st), newMonitorScheduleCmd(st), newMonitorSchedulesCmd(st))
	return cmd
}

func newMonitorBaselineCmd(st *state) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "baseline MODEL --data NAME[@VERSION]",
		Short: "Compute a model's baseline on a dataset version (replaces the stored one)",
		Long: `Compute the baseline of MODEL — a registered version (churn@3, churn@champion)
or a training run (number or name) — on a dataset version and store it with the
model's training run, replacing the one training stored.`,
		Example: "  mlcycle monitor baseline churn@champion --data churn_clean_train",
		Args:    exactArgs(1, "MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			var m *predict.Model
			var runID int64
			if res, rerr := a.Registry.Resolve(ctx, args[0]); rerr == nil {
				m, runID = res.Model, res.Version.RunID
			} else {
				mm, run, err := a.Eval.Resolve(ctx, args[0])
				if err != nil {
					return fmt.Errorf("model %q: not a registered version (%v), nor a training run: %w", args[0], rerr, err)
				}
				if run == nil {
					return fault.Invalid("model %q: a model file has no training run to keep a baseline with", args[0])
				}
				m, runID = mm, run.ID
			}
			v, f, err := a.Catalog.Load(ctx, data, nil)
			if err != nil {
				return err
			}
			stop := st.spinner("baseline of " + args[0])
			stats, cons, err := baseline.Compute(ctx, m, f)
			if err == nil {
				err = baseline.Save(ctx, a.Blob, runID, stats, cons)
			}
			stop()
			if err != nil {
				return err
			}
			sk, ck := baseline.Keys(runID)
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{"run": runID, "data": fmt.Sprintf("%s@%d", v.Dataset, v.Version.Version),
					"rows": stats.Rows, "features": len(stats.Features), "statistics": sk, "constraints": ck})
			}
			fmt.Fprintf(st.env.Stdout, "baseline of %s on %s@%d: %d rows, %d features (prediction included)\n  %s/%s\n  %s/%s\n",
				args[0], v.Dataset, v.Version.Version, stats.Rows, len(stats.Features), a.Blob.URL(), sk, a.Blob.URL(), ck)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "dataset NAME[@VERSION]")
	_ = cmd.MarkFlagRequired("data")
	st.jsonFlag(cmd)
	return cmd
}

func newMonitorRunCmd(st *state) *cobra.Command {
	var (
		o     monitor.RunOptions
		since string
		out   string
	)
	cmd := &cobra.Command{
		Use:   "run ENDPOINT [--window 1h] [--since TIME] [--out FILE]",
		Short: "Compare an endpoint's captured traffic with its model's baseline",
		Long: `Read the endpoint's captured records in the window (default: the last hour,
or --window from --since), add the model's predictions, and compare every input
column and the prediction with the baseline of the model version the endpoint
serves: data-quality violations (missing or extra columns, types, completeness,
ranges, unseen categories) and drift per feature, with "insufficient data" below
the constraints' minimum sample size. The run is recorded (kind monitor) with
its result as artifact. An HTML report of the run (--out, default
monitor_ENDPOINT_RUN.html) shows the verdicts, scores, violations, baseline and
current distributions, quality, and the scores of up to 20 earlier runs of the
endpoint over time.`,
		Example: "  mlcycle monitor run churn\n  mlcycle monitor run churn --since 2026-05-06T10:00:00Z --window 30m --json\n  mlcycle monitor run churn --out churn-monitor.html",
		Args:    exactArgs(1, "ENDPOINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Endpoint = args[0]
			if since != "" {
				t, err := time.Parse(time.RFC3339, since)
				if err != nil {
					return usagef("--since %q: want an RFC 3339 time such as 2026-05-06T10:00:00Z", since)
				}
				o.Since = t
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			r, err := a.Monitor.Run(ctx, o)
			if err != nil {
				return err
			}
			// The history: up to 20 earlier succeeded runs of the endpoint,
			// oldest first. A stored result that cannot be read is left
			// out with a warning rather than failing a recorded run.
			const maxHistory = 20
			runs, err := a.Store.ListRuns(ctx, store.RunFilter{Name: "monitor-" + r.Endpoint, Kind: store.RunMonitor, Limit: maxHistory + 1})
			if err != nil {
				return err
			}
			var history []*monitor.Result
			for _, run := range runs {
				if run.ID == r.Run || run.Status != store.RunSucceeded || run.ArtifactKey == "" || len(history) == maxHistory {
					continue
				}
				rc, err := a.Blob.NewReader(ctx, run.ArtifactKey)
				if err == nil {
					var h monitor.Result
					err = json.NewDecoder(rc).Decode(&h)
					rc.Close()
					if err == nil {
						history = append(history, &h)
						continue
					}
				}
				fmt.Fprintf(st.env.Stderr, "warning: monitor run %d left out of the report: %v\n", run.ID, err)
			}
			slices.Reverse(history)
			if out == "" {
				out = fmt.Sprintf("monitor_%s_%d.html", strings.NewReplacer("/", "_", "\\", "_").Replace(r.Endpoint), r.Run)
			}
			path := st.abs(out)
			if err := writeAtomic(path, func(w io.Writer) error { return report.Monitor(w, r, history, report.Opts{}) }); err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, r)
			}
			printMonitor(st, r)
			fmt.Fprintf(st.env.Stdout, "\nReport: %s\n", path)
			return nil
		},
	}
	cmd.Flags().DurationVar(&o.Window, "window", time.Hour, "length of the time window")
	cmd.Flags().StringVar(&since, "since", "", "start of the window, RFC 3339 (default: the window ends now)")
	cmd.Flags().StringVar(&out, "out", "", "HTML report path (default: monitor_ENDPOINT_RUN.html)")
	st.jsonFlag(cmd)
	return cmd
}

func printMonitor(st *state, r *monitor.Result) {
	w := st.env.Stdout
	fmt.Fprintf(w, "monitor run %d: endpoint %s (%s@%d), %s to %s: %d captured rows\n", r.Run, r.Endpoint, r.Model, r.Served,
		r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.Records)
	c := r.Report.Counts
	fmt.Fprintf(w, "  %d features: %d drift, %d ok, %d insufficient data, %d skipped; %d violations\n\n", c.Features, c.Drift, c.OK, c.InsufficientData, c.Skipped, c.Violations)
	tw := table(w)
	fmt.Fprintln(tw, "FEATURE\tVERDICT\tSCORES\tREASON")
	for _, f := range r.Report.Features {
		var scores []string
		for _, s := range f.Scores {
			v := fmt.Sprintf("%s %.4g", s.Method, float64(s.Value))
			if drift.IsPValueMethod(s.Method) {
				v = fmt.Sprintf("%s p=%.3g", s.Method, float64(s.PValue))
			}
			if s.Drift {
				v += "!"
			}
			scores = append(scores, v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, strings.ToUpper(f.Verdict), strings.Join(scores, ", "), f.Reason)
	}
	tw.Flush()
	if len(r.Report.Violations) > 0 {
		fmt.Fprintln(w, "\nViolations:")
		for _, v := range r.Report.Violations {
			fmt.Fprintf(w, "  %s %s: %s\n", v.Feature, v.Kind, v.Reason)
		}
	}
}

func newMonitorScheduleCmd(st *state) *cobra.Command {
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "schedule ENDPOINT --every 15m",
		Short: "Run monitor runs of an endpoint on a schedule inside mlcycle server",
		Long: `Store a schedule: a running mlcycle server starts a monitor run of the endpoint
whenever its last one started at least --every ago, over the window of that
length that ends then, and exports the results as Prometheus gauges
(mlcycle_monitor_*). --every 0 removes the schedule.`,
		Example: "  mlcycle monitor schedule churn --every 15m\n  mlcycle monitor schedule churn --every 0",
		Args:    exactArgs(1, "ENDPOINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("every") {
				return usagef("monitor schedule needs --every (0 removes the schedule)")
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Store.Endpoint(cmd.Context(), args[0]); err != nil {
				return err
			}
			if err := a.Store.SetSchedule(cmd.Context(), args[0], every, time.Now()); err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{"endpoint": args[0], "every_seconds": every.Seconds()})
			}
			if every == 0 {
				fmt.Fprintf(st.env.Stdout, "monitor schedule of %s removed\n", args[0])
			} else {
				fmt.Fprintf(st.env.Stdout, "%s is monitored every %v by mlcycle server\n", args[0], every)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&every, "every", 0, "interval between monitor runs (at least 1s; 0 removes the schedule)")
	st.jsonFlag(cmd)
	return cmd
}

func newMonitorSchedulesCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "List monitor schedules",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			scs, err := a.Store.MonitorSchedules(cmd.Context())
			if err != nil {
				return err
			}
			if st.json {
				out := []map[string]any{}
				for _, sc := range scs {
					out = append(out, map[string]any{"endpoint": sc.Endpoint, "every_seconds": sc.Every.Seconds(), "updated_at": sc.UpdatedAt})
				}
				return writeJSON(st.env.Stdout, out)
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "ENDPOINT\tEVERY\tSET")
			for _, sc := range scs {
				fmt.Fprintf(tw, "%s\t%v\t%s\n", sc.Endpoint, sc.Every, sc.UpdatedAt.Local().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	st.jsonFlag(cmd)
	return cmd
}
