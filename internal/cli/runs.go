package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
)

func newRunsCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List, show and compare training and evaluation runs",
		Long: `Every training and evaluation run is recorded in the catalog: status,
parameters, metrics, learning curve, duration, peak memory, inputs and
artifacts. A RUN is its number, or a run name (the newest run of that name).`,
		Args: exactArgs(0),
	}
	cmd.AddCommand(newRunsListCmd(st), newRunsShowCmd(st), newRunsCompareCmd(st))
	return cmd
}

func newRunsListCmd(st *state) *cobra.Command {
	var f store.RunFilter
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List runs, newest first",
		Example: "  mlcycle runs list\n  mlcycle runs list --name churn-gbdt --limit 5 --json",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			rs, err := a.Store.ListRuns(cmd.Context(), f)
			if err != nil {
				return err
			}
			if st.json {
				out := make([]runJSON, len(rs))
				for i, r := range rs {
					out[i] = toRunJSON(r)
				}
				return writeJSON(st.env.Stdout, out)
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "RUN\tNAME\tKIND\tSTATUS\tALGO\tDATA\tSTARTED\tDURATION\tMAIN METRIC")
			for _, r := range rs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Kind, r.Status, r.Algo,
					inputsText(r.Inputs), r.StartedAt.Local().Format("2006-01-02 15:04:05"), durationText(r), mainMetric(r))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&f.Name, "name", "", "only runs of this name")
	cmd.Flags().StringVar(&f.Kind, "kind", "", "only runs of this kind: train, eval, monitor, retrain or pipeline")
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "at most this many runs (0: all)")
	st.jsonFlag(cmd)
	return cmd
}

func newRunsShowCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show RUN",
		Short:   "Show a run: parameters, inputs, metrics, learning curve",
		Example: "  mlcycle runs show 3\n  mlcycle runs show churn-gbdt --json",
		Args:    exactArgs(1, "RUN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			r, err := train.FindRun(cmd.Context(), a.Store, args[0], "")
			if err != nil {
				return err
			}
			rj := toRunJSON(r)
			if st.json {
				return writeJSON(st.env.Stdout, rj)
			}
			w := st.env.Stdout
			fmt.Fprintf(w, "run %d: %s (%s, %s)\n", r.ID, r.Name, r.Kind, r.Status)
			if r.Algo != "" {
				fmt.Fprintf(w, "  algorithm: %s, target %s\n", r.Algo, r.Target)
			}
			fmt.Fprintf(w, "  inputs:    %s\n", inputsText(r.Inputs))
			fmt.Fprintf(w, "  started:   %s, duration %s, peak memory %s\n", r.StartedAt.Local().Format(time.RFC3339), durationText(r), bytesText(r.PeakMemBytes))
			if r.Parent != 0 {
				fmt.Fprintf(w, "  parent:    run %d\n", r.Parent)
			}
			if r.ArtifactKey != "" {
				fmt.Fprintf(w, "  artifact:  %s/%s\n", a.Blob.URL(), r.ArtifactKey)
			}
			if r.Error != "" {
				fmt.Fprintf(w, "  error:     %s\n", r.Error)
			}
			if len(rj.Params) > 0 {
				fmt.Fprintf(w, "  params:    %s\n", paramsText(rj.Params))
			}
			if s := rj.Summary; s != nil {
				if s.BestRound > 0 {
					fmt.Fprintf(w, "  best round %d\n", s.BestRound)
				}
				if s.Stopped != "" {
					fmt.Fprintf(w, "  stopped:   %s\n", s.Stopped)
				}
				fmt.Fprintln(w)
				printMetricTable(w, s.Metrics)
			}
			if rj.Summary == nil && len(rj.Metrics) > 0 {
				var pretty bytes.Buffer
				if json.Indent(&pretty, rj.Metrics, "  ", "  ") == nil {
					fmt.Fprintf(w, "\n  outcome: %s\n", pretty.String())
				}
			}
			if c := rj.Curve; c != nil && len(c.Train) > 0 {
				fmt.Fprintf(w, "\nlearning curve (%s, %d rounds): %s\n", c.Metric, len(c.Train), curveText(c))
			}
			return nil
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newRunsCompareCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "compare RUN RUN...",
		Short:   "Compare runs' parameters and metrics side by side",
		Example: "  mlcycle runs compare 3 4 5\n  mlcycle runs compare churn-gbdt churn-linear --json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("%s takes two or more runs, got %d", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			var rs []runJSON
			for _, ref := range args {
				r, err := train.FindRun(cmd.Context(), a.Store, ref, "")
				if err != nil {
					return err
				}
				rs = append(rs, toRunJSON(r))
			}
			if st.json {
				return writeJSON(st.env.Stdout, rs)
			}
			tw := table(st.env.Stdout)
			head := []string{""}
			for _, r := range rs {
				head = append(head, fmt.Sprintf("RUN %d", r.ID))
			}
			fmt.Fprintln(tw, strings.Join(head, "\t"))
			row := func(label string, cell func(r runJSON) string) {
				cells := []string{label}
				for _, r := range rs {
					cells = append(cells, cell(r))
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t"))
			}
			row("name", func(r runJSON) string { return r.Name })
			row("status", func(r runJSON) string { return r.Status })
			row("algo", func(r runJSON) string { return r.Algo })
			row("data", func(r runJSON) string { return inputsText(r.inputs) })
			row("duration", func(r runJSON) string { return fmt.Sprintf("%.1f s", r.DurationSeconds) })
			keys := map[string]bool{}
			for _, r := range rs {
				for k := range r.Params {
					keys[k] = true
				}
			}
			for _, k := range sortedKeys(keys) {
				row("param "+k, func(r runJSON) string {
					if v, ok := r.Params[k]; ok {
						return v
					}
					return "-"
				})
			}
			metrics := map[string]bool{}
			for _, r := range rs {
				if r.Summary != nil {
					for sp, m := range r.Summary.Metrics {
						for n := range m {
							metrics[sp+" "+n] = true
						}
					}
				}
			}
			for _, k := range sortedKeys(metrics) {
				sp, n, _ := strings.Cut(k, " ")
				row(k, func(r runJSON) string {
					if r.Summary != nil {
						if v, ok := r.Summary.Metrics[sp][n]; ok {
							return fmt.Sprintf("%.5g", v)
						}
					}
					return "-"
				})
			}
			return tw.Flush()
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

// runJSON is a run as `runs show --json` prints it.
type runJSON struct {
	ID      int64             `json:"run"`
	Name    string            `json:"name"`
	Kind    string            `json:"kind"`
	Status  string            `json:"status"`
	Parent  int64             `json:"parent,omitempty"`
	Target  string            `json:"target,omitempty"`
	Algo    string            `json:"algo,omitempty"`
	Inputs  []string          `json:"inputs"`
	Params  map[string]string `json:"params,omitempty"`
	Options json.RawMessage   `json:"options,omitempty"`
	Summary *train.Summary    `json:"summary,omitempty"`
	// Metrics holds the outcome of runs other than training runs (eval,
	// monitor, retrain, pipeline) as they recorded it.
	Metrics         json.RawMessage `json:"metrics,omitempty"`
	Curve           *train.Curve    `json:"curve,omitempty"`
	ArtifactKey     string          `json:"artifact_key,omitempty"`
	Error           string          `json:"error,omitempty"`
	StartedAt       time.Time       `json:"started_at"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	DurationSeconds float64         `json:"duration_seconds"`
	PeakMemBytes    int64           `json:"peak_mem_bytes"`
	inputs          []store.RunInput
}

func toRunJSON(r store.Run) runJSON {
	out := runJSON{ID: r.ID, Name: r.Name, Kind: r.Kind, Status: r.Status, Parent: r.Parent, Target: r.Target,
		Algo: r.Algo, Options: r.Options, ArtifactKey: r.ArtifactKey, Error: r.Error, StartedAt: r.StartedAt,
		PeakMemBytes: r.PeakMemBytes, inputs: r.Inputs, Inputs: []string{}}
	for _, in := range r.Inputs {
		out.Inputs = append(out.Inputs, fmt.Sprintf("%s@%d (%s)", in.Dataset, in.Version, in.Role))
	}
	if len(r.Params) > 0 {
		_ = json.Unmarshal(r.Params, &out.Params)
	}
	if len(r.Metrics) > 0 && r.Kind == store.RunTrain {
		var s train.Summary
		if json.Unmarshal(r.Metrics, &s) == nil {
			out.Summary = &s
		}
	} else if len(r.Metrics) > 0 {
		out.Metrics = r.Metrics
	}
	if len(r.Curve) > 0 {
		var c train.Curve
		if json.Unmarshal(r.Curve, &c) == nil {
			out.Curve = &c
		}
	}
	if !r.FinishedAt.IsZero() {
		t := r.FinishedAt
		out.FinishedAt = &t
		out.DurationSeconds = t.Sub(r.StartedAt).Seconds()
	}
	return out
}

func inputsText(ins []store.RunInput) string {
	var parts []string
	for _, in := range ins {
		parts = append(parts, fmt.Sprintf("%s@%d", in.Dataset, in.Version))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func durationText(r store.Run) string {
	if r.FinishedAt.IsZero() {
		return "-"
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond).String()
}

// mainMetric returns the first metric a run's summary has on its best
// split: the validation set, else cross-validation, else training.
func mainMetric(r store.Run) string {
	rj := toRunJSON(r)
	if rj.Summary == nil {
		return "-"
	}
	for _, sp := range []string{"valid", "cv_mean", "train"} {
		m, ok := rj.Summary.Metrics[sp]
		if !ok {
			continue
		}
		for _, n := range []string{"roc_auc", "f1", "accuracy", "rmse", "r2"} {
			if v, ok := m[n]; ok {
				return fmt.Sprintf("%s %s %.4f", sp, n, v)
			}
		}
	}
	return "-"
}

func paramsText(p map[string]string) string {
	keys := sortedKeys(p)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + p[k]
	}
	return strings.Join(parts, ",")
}

func curveText(c *train.Curve) string {
	vals := c.Valid
	which := "valid"
	if len(vals) == 0 {
		vals, which = c.Train, "train"
	}
	n := len(vals)
	idx := []int{0, n / 4, n / 2, 3 * n / 4, n - 1}
	var parts []string
	last := -1
	for _, i := range idx {
		if i == last || i < 0 {
			continue
		}
		last = i
		parts = append(parts, fmt.Sprintf("round %d %.4f", i+1, vals[i]))
	}
	return which + ": " + strings.Join(parts, ", ")
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d B", n)
}
