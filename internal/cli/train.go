package cli

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/train"
)

func newTrainCmd(st *state) *cobra.Command {
	var (
		o        train.Options
		params   []string
		features string
	)
	cmd := &cobra.Command{
		Use:   "train NAME[@VERSION] --target COL",
		Short: "Train a model and record the run",
		Long: `Train a model on a dataset version and record the run in the catalog.

The feature columns are every column but the target (ID-like columns are left
out of the default feature spec); --features gives a feature spec instead
(docs/transform.md). Transforms are fitted on the training rows only. The
result is a model package (docs/format/model.md): schema, fitted transforms,
model, class labels, metrics and lineage in one file.

Algorithms (--algo): gbdt (histogram gradient boosting, the default), linear
(logistic / softmax / ridge), forest (random forest) and baseline (the class
prior or the mean). --params sets the algorithm's parameters by their
XGBoost / scikit-learn names (docs/train.md lists them).

A validation set is --valid DATASET, or --valid-frac of the training rows
(stratified; 0.2 by default, 0 for none); gbdt stops early on it. --cv K adds
k-fold cross-validation (mean ± std per metric). The goal's
budget.train_seconds stops training at the budget.`,
		Example: `  mlcycle train churn --target churn
  mlcycle train churn@3 --target churn --algo linear --params c=0.5
  mlcycle train churn-train --valid churn-valid --params n_estimators=500,max_depth=4 --json`,
		Args: exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kv, err := train.ParseParams(params...)
			if err != nil {
				return usageError{err}
			}
			o.Recipe.Params = kv
			if features != "" {
				if o.Recipe.Features, err = train.ReadSpec(st.abs(features)); err != nil {
					return err
				}
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			o.Data = args[0]
			if g := a.Config.Goal; g != nil {
				if o.Target == "" {
					o.Target = g.Target
				}
				if o.Task == "" {
					o.Task = g.Task
				}
				if o.Positive == "" {
					o.Positive = g.Positive
				}
				o.Budget = time.Duration(g.Budget.TrainSeconds * float64(time.Second))
			}
			if !cmd.Flags().Changed("valid-frac") && o.Valid != "" {
				o.ValidFrac = 0
			}
			pr := st.progress(st.progressLogger(cmd, a.Log), "training")
			o.Hooks.Round = roundProgress(pr)
			o.Phase = pr.phase
			res, err := a.Train.Train(cmd.Context(), o)
			pr.done()
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{
					"run": res.Run.ID, "name": res.Run.Name, "status": res.Run.Status,
					"model": a.Blob.URL() + "/" + res.ModelKey, "model_key": res.ModelKey,
					"task": res.Package.Task, "algo": res.Package.Algo,
					"metrics": res.Summary.Metrics, "rows": res.Summary.Rows,
					"best_round": res.Summary.BestRound, "stopped": res.Summary.Stopped,
					"dropped": res.Summary.Dropped, "duration_seconds": res.Summary.DurationSeconds,
				})
			}
			printTrain(st.env.Stdout, res, a.Blob.URL())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "target column (default: goal.target)")
	f.StringVar(&o.Task, "task", "", "binary, multiclass or regression (default: goal.task, else inferred)")
	f.StringVar(&o.Positive, "positive", "", "positive class of a binary task (default: goal.positive, else the minority class)")
	f.StringVar(&o.Recipe.Algo, "algo", "gbdt", "algorithm: "+strings.Join(train.Algos, ", "))
	f.StringArrayVar(&params, "params", nil, "algorithm parameters as k=v,k=v (repeatable)")
	f.StringVar(&features, "features", "", "feature spec YAML file (default: inferred from the schema)")
	f.StringVar(&o.Valid, "valid", "", "validation dataset NAME[@VERSION]")
	f.Float64Var(&o.ValidFrac, "valid-frac", 0.2, "share of the training rows held out for validation when --valid is not given (0: none)")
	f.IntVar(&o.CV, "cv", 0, "k-fold cross-validation folds (0: none)")
	f.Uint64Var(&o.Recipe.Seed, "seed", 0, "random seed (splits, sampling, folds)")
	f.StringVar(&o.Name, "name", "", "run name (default: DATASET-ALGO)")
	st.jsonFlag(cmd)
	return cmd
}

// roundProgress adapts progress to boosting rounds: the validation metric
// in the bar's description and in the log line.
func roundProgress(p *progress) func(round, total int, metric string, tr, va float64) {
	return func(round, total int, metric string, tr, va float64) {
		desc := fmt.Sprintf("round %d/%d", round, total)
		attrs := []any{"round", round, "of", total}
		if !math.IsNaN(va) {
			desc += fmt.Sprintf("  valid %s %.5f", metric, va)
			attrs = append(attrs, "valid_"+metric, va)
		}
		p.step(int64(round), int64(total), desc, attrs...)
	}
}

func printTrain(w io.Writer, res *train.Result, blobURL string) {
	s := res.Summary
	fmt.Fprintf(w, "run %d (%s): %s, %s %s on %d rows", res.Run.ID, res.Run.Name, res.Run.Status, res.Package.Algo, res.Package.Task, s.Rows["train"])
	if n := s.Rows["valid"]; n > 0 {
		fmt.Fprintf(w, ", validated on %d", n)
	}
	fmt.Fprintf(w, " in %.1f s\n", s.DurationSeconds)
	if s.Rows["skipped"] > 0 {
		fmt.Fprintf(w, "  %d rows without a target value were left out\n", s.Rows["skipped"])
	}
	if len(s.Dropped) > 0 {
		fmt.Fprintf(w, "  ID-like columns left out: %s\n", strings.Join(s.Dropped, ", "))
	}
	if s.BestRound > 0 {
		fmt.Fprintf(w, "  best round %d\n", s.BestRound)
	}
	if s.Stopped != "" {
		fmt.Fprintf(w, "  stopped: %s\n", s.Stopped)
	}
	fmt.Fprintf(w, "  model: %s/%s\n\n", blobURL, res.ModelKey)
	printMetricTable(w, s.Metrics)
}

// printMetricTable prints metrics by split, one metric per line.
func printMetricTable(w io.Writer, ms map[string]train.Metrics) {
	var splits []string
	for _, sp := range []string{"train", "valid", "cv_mean", "cv_std"} {
		if _, ok := ms[sp]; ok {
			splits = append(splits, sp)
		}
	}
	names := map[string]bool{}
	for _, m := range ms {
		for n := range m {
			names[n] = true
		}
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	tw := table(w)
	fmt.Fprintln(tw, "METRIC\t"+strings.ToUpper(strings.Join(splits, "\t")))
	for _, n := range sorted {
		cells := []string{n}
		for _, sp := range splits {
			if v, ok := ms[sp][n]; ok {
				cells = append(cells, fmt.Sprintf("%.5g", v))
			} else {
				cells = append(cells, "-")
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}
