package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/report"
	"github.com/mlcycle/mlcycle/internal/train"
)

// gateFailed makes `eval --gate` exit non-zero after printing the gate.
type gateFailed struct{}

func (gateFailed) Error() string { return "the goal is not met (see the gate above)" }

func newEvalCmd(st *state) *cobra.Command {
	var (
		o       eval.Options
		out     string
		predOut string
	)
	cmd := &cobra.Command{
		Use:   "eval RUN|MODEL --data NAME[@VERSION]",
		Short: `Evaluate a model on a dataset and check "are the business goals met?"`,
		Long: `Evaluate a model — a training run (its number or name) or a model package
file — on a dataset version that holds the target column. Predictions go
through the same code that serves the model.

Prints every metric of the task (named as scikit-learn's functions), writes an
HTML report (curves, confusion matrix, importance, learning curve, value
curve) and, with --predictions-out, the per-row predictions as CSV. With a
value matrix in the goal it computes the business value, the threshold that
maximises it and the value at 0.5. Permutation importance shuffles each
input column --repeats times.

--gate checks each goal criterion (and the training-time and latency
budgets), prints PASS or FAIL with the measured value, diagnoses failures from
evidence (learning curve over 25/50/75/100 % of the training data, train vs
evaluation gap) and exits with status 1 when any criterion fails.`,
		Example: `  mlcycle eval churn-gbdt --data churn-test
  mlcycle eval 3 --data churn-test --gate --out churn-eval.html
  mlcycle eval model.mlmodel --data churn-test --predictions-out preds.csv --json`,
		Args: exactArgs(1, "RUN|MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			o.Model = args[0]
			if !strings.Contains(o.Model, "://") && filepath.Ext(o.Model) == ".mlmodel" {
				o.Model = st.abs(o.Model)
			}
			o.Goal = a.Config.Goal
			o.Record = true
			stop := st.spinner("evaluating " + args[0])
			rep, preds, err := a.Eval.Evaluate(cmd.Context(), o)
			stop()
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("%s_eval.html", strings.NewReplacer("/", "_", "@", "_v").Replace(reportStem(rep)))
			}
			path := st.abs(out)
			if err := writeAtomic(path, func(w io.Writer) error { return report.Eval(w, rep, report.Opts{}) }); err != nil {
				return err
			}
			if predOut != "" {
				if err := writeAtomic(st.abs(predOut), preds.WriteCSV); err != nil {
					return err
				}
			}
			if st.json {
				if err := writeJSON(st.env.Stdout, rep); err != nil {
					return err
				}
			} else {
				printEval(st.env.Stdout, rep)
				fmt.Fprintf(st.env.Stdout, "\nReport: %s\n", path)
				if predOut != "" {
					fmt.Fprintf(st.env.Stdout, "Predictions: %s\n", st.abs(predOut))
				}
			}
			if rep.Gate != nil && !rep.Gate.Passed {
				if st.json {
					// The JSON document already says so; keep stdout one document.
					st.quiet = true
				}
				return gateFailed{}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Data, "data", "", "evaluation dataset NAME[@VERSION] (must hold the target)")
	f.BoolVar(&o.Gate, "gate", false, "check the goal's criteria; exit 1 when one fails")
	f.Float64Var(&o.Threshold, "threshold", 0, "binary decision threshold (default: the model's, 0.5)")
	f.StringVar(&out, "out", "", "HTML report path (default: RUN_eval.html)")
	f.StringVar(&predOut, "predictions-out", "", "write per-row predictions to this CSV file")
	f.IntVar(&o.Repeats, "repeats", 5, "permutation importance: shuffles per column")
	f.IntVar(&o.MaxRows, "importance-rows", 10000, "permutation importance: rows used at most (a seeded sample)")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the permutations and samples")
	st.jsonFlag(cmd)
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

func reportStem(r *eval.Report) string {
	if r.Model.Name != "" {
		return r.Model.Name
	}
	return fmt.Sprintf("%s_v%d", r.Data.Dataset, r.Data.Version)
}

func printEval(w io.Writer, r *eval.Report) {
	fmt.Fprintf(w, "%s (%s, %s) on %s@%d: %d rows", r.Model.Ref, r.Model.Algo, r.Task, r.Data.Dataset, r.Data.Version, r.Data.Rows)
	if r.Data.Skipped > 0 {
		fmt.Fprintf(w, " (%d without a target left out)", r.Data.Skipped)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	printMetricTable(w, map[string]train.Metrics{"value": r.Metrics})
	if b := r.Business; b != nil {
		fmt.Fprintf(w, "\nBusiness value (goal.value; threshold %.3g): %.4g per prediction, %.4g in total", b.Threshold, b.ExpectedValue, b.TotalValue)
		if b.ROI != nil {
			fmt.Fprintf(w, ", ROI %.3g", *b.ROI)
		}
		fmt.Fprintf(w, "\n  best threshold %.4g: %.4g per prediction (at 0.5: %.4g; acting on nobody: %.4g)\n", b.BestThreshold, b.BestValue, b.ValueAtHalf, b.NoActionValue)
	}
	if len(r.Importance) > 0 {
		fmt.Fprintf(w, "\nPermutation importance (drop of %s):\n", r.ImportanceMetric)
		tw := table(w)
		for i, im := range r.Importance {
			if i == 10 {
				break
			}
			fmt.Fprintf(tw, "  %s\t%.4f ± %.4f\n", im.Feature, im.Mean, im.Std)
		}
		tw.Flush()
	}
	if g := r.Gate; g != nil {
		fmt.Fprintln(w, "\nGoal:")
		for _, l := range g.Lines {
			mark := "FAIL"
			if l.Pass {
				mark = "PASS"
			}
			val := l.Note
			if l.Value != nil {
				val = fmt.Sprintf("%.4g", *l.Value)
			}
			fmt.Fprintf(w, "  %s  %-36s %s\n", mark, l.Criterion, val)
		}
		if g.Passed {
			fmt.Fprintln(w, "\nThe goal is met.")
			return
		}
		fmt.Fprintln(w, "\nThe goal is not met. Diagnosis:")
		for _, c := range g.Causes {
			fmt.Fprintf(w, "  [%s → phase %s]\n    %s\n", c.Kind, c.Phase, c.Message)
		}
	}
}
