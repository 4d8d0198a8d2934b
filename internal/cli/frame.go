package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlcycle/mlcycle/internal/framing"
	"github.com/spf13/cobra"
)

func newFrameCmd(st *state) *cobra.Command {
	var o framing.Opts
	cmd := &cobra.Command{
		Use:   "frame NAME[@VERSION] --target COL",
		Short: `Frame the problem and answer "is ML appropriate?" with honest baselines`,
		Long: `Frame a learning problem on a dataset version: infer the task (binary,
multiclass, regression) and check it against the goal; check the data can
support learning (rows per class, constant and ID-like columns, leakage
suspects, missing target values); score baselines with k-fold
cross-validation (majority class, class prior, mean, median, and a one-rule
model); and compare the best baseline with each goal criterion: either a
baseline already meets the goal (ML is not needed) or the verdict says the
gap ML has to close. The goal comes from mlcycle.yaml (docs/goal.md).`,
		Example: "  mlcycle frame churn --target churn\n  mlcycle frame churn --json",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			o.Goal = a.Config.Goal
			stop := st.spinner("framing " + args[0])
			r, err := framing.Run(cmd.Context(), a.Catalog, args[0], o)
			stop()
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, r)
			}
			printFraming(st, r)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "target column (default: goal.target)")
	f.StringVar(&o.Task, "task", "", "task: binary, multiclass or regression (default: goal.task, else inferred)")
	f.StringVar(&o.Positive, "positive", "", "positive class of a binary task (default: goal.positive, else the minority class)")
	f.IntVar(&o.Folds, "folds", 5, "cross-validation folds")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the folds")
	st.jsonFlag(cmd)
	return cmd
}

func printFraming(st *state, r *framing.Report) {
	w := st.env.Stdout
	how := "from the goal or --task"
	if r.TaskInferred {
		how = "inferred"
	}
	fmt.Fprintf(w, "%s@%d, target %s: %s task (%s), %d rows", r.Dataset, r.Version, r.Target, r.Task, how, r.Rows)
	if r.Positive != "" {
		fmt.Fprintf(w, ", positive class %q", r.Positive)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\nChecks:")
	for _, c := range r.Checks {
		fmt.Fprintf(w, "  %-5s %-18s %s\n", strings.ToUpper(c.Status), c.Name, c.Message)
	}
	if len(r.Baselines) > 0 {
		names := map[string]bool{}
		for _, b := range r.Baselines {
			for n := range b.Scores {
				names[n] = true
			}
		}
		var metrics []string
		for n := range names {
			metrics = append(metrics, n)
		}
		sort.Strings(metrics)
		fmt.Fprintf(w, "\nBaselines (%d-fold cross-validation, mean ± std):\n", r.Folds)
		tw := table(w)
		fmt.Fprintln(tw, "  METRIC\t"+strings.Join(baselineNames(r), "\t"))
		for _, m := range metrics {
			cells := []string{"  " + m}
			for _, b := range r.Baselines {
				s, ok := b.Scores[m]
				if !ok {
					cells = append(cells, "")
					continue
				}
				cells = append(cells, fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
	}
	if len(r.Criteria) > 0 {
		fmt.Fprintln(w, "\nGoal criteria:")
		for _, c := range r.Criteria {
			mark := "not met"
			if c.Met {
				mark = "met"
			}
			fmt.Fprintf(w, "  %-28s best baseline %s = %.4f: %s", c.Criterion, c.Baseline, c.Value, mark)
			if !c.Met {
				fmt.Fprintf(w, " (gap %.4f)", c.Gap)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "\nVerdict: %s — %s\n", r.Verdict, r.Message)
}

func baselineNames(r *framing.Report) []string {
	out := make([]string, len(r.Baselines))
	for i, b := range r.Baselines {
		out[i] = strings.ToUpper(b.Name)
		if b.Feature != "" {
			out[i] += " (" + b.Feature + ")"
		}
	}
	return out
}
