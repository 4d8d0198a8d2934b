package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/batch"
)

func newBatchCmd(st *state) *cobra.Command {
	var o batch.Opts
	cmd := &cobra.Command{
		Use:   "batch MODEL --data DATASET --out NAME",
		Short: "Score a dataset with a model into a new dataset (batch transform)",
		Long: `Score every row of a dataset version with a model and record the predictions
as a new dataset version NAME, with lineage to the scored version.

MODEL is a registered model (churn, churn@2, churn@champion), a training run
(its number or name) or a model package file (.mlmodel). The output holds the input's ID columns (named id, *_id or key,
or the columns given with --id), prediction, proba_<class> per class
(classification), model and model_version, in the input's row order.

The work runs as a job in the project's database, in shards of --shard-rows
rows whose results are kept as they finish: an interrupted command (Ctrl-C,
a killed process) resumes from the last finished shard when run again with
the same model, dataset and output. Running it again after it finished
returns the same version and computes nothing.`,
		Example: `  mlcycle batch churn@champion --data churn_new --out churn_scored
  mlcycle batch 3 --data churn_new --out churn_scored
  mlcycle batch credit-gbdt --data credit@2 --out credit_scored --id customer
  mlcycle batch model.mlmodel --data customers --out scores --json`,
		Args: exactArgs(1, "MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Data == "" || o.Out == "" {
				return usagef("batch needs --data DATASET and --out NAME")
			}
			ctx := cmd.Context()
			a, err := st.open(ctx)
			if err != nil {
				return err
			}
			defer a.Close()
			o.Model = args[0]
			if _, err := os.Stat(st.abs(o.Model)); err == nil {
				o.Model = st.abs(o.Model)
			}
			svc := batch.New(batch.Deps{Catalog: a.Catalog, Blob: a.Blob, Resolve: batch.RegistryResolver(a.Registry, batch.RunResolver(a.Eval)), Log: a.Log}, batch.Config{})
			stop, err := svc.StartJobs(ctx, a.Store, a.Log)
			if err != nil {
				return err
			}
			defer func() {
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				_ = stop(sctx)
			}()
			pr := st.progress(st.progressLogger(cmd, a.Log), "scoring")
			o.Progress = func(done, total int64) { pr.step(done, total, "", "rows", done, "of", total) }
			start := time.Now()
			res, err := svc.Run(ctx, o)
			pr.done()
			if err != nil {
				if res != nil && ctx.Err() != nil {
					fmt.Fprintf(st.env.Stderr, "interrupted: %d of %d shards done; run the same command again to resume\n", res.Computed+res.Reused, res.Shards)
				}
				return err
			}
			secs := time.Since(start).Seconds()
			v := res.Version
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{
					"dataset": v.Dataset, "version": v.Number(), "rows": v.Rows, "existing": res.Existing,
					"input": fmt.Sprintf("%s@%d", res.Input.Dataset, res.Input.Number()),
					"model": res.Model.Name, "model_version": res.Model.Version, "model_ref": res.Model.Ref,
					"job": res.JobID, "shards": res.Shards, "computed": res.Computed, "reused": res.Reused,
					"columns": v.Schema().Names(), "duration_seconds": secs,
				})
			}
			printBatch(st.env.Stdout, res, secs)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Data, "data", "", "dataset to score, NAME[@VERSION] (required)")
	f.StringVar(&o.Out, "out", "", "name of the output dataset (required)")
	f.StringArrayVar(&o.IDs, "id", nil, "ID column copied to the output (repeatable; default: columns named id, *_id or key)")
	f.IntVar(&o.ShardRows, "shard-rows", batch.DefaultShardRows, "rows per shard, the unit of progress and of resuming")
	st.jsonFlag(cmd)
	return cmd
}

func printBatch(w io.Writer, res *batch.Result, secs float64) {
	v := res.Version
	if res.Existing {
		fmt.Fprintf(w, "%s@%d already holds %s's predictions for %s@%d (%d rows); nothing to do\n",
			v.Dataset, v.Number(), res.Model.Name, res.Input.Dataset, res.Input.Number(), v.Rows)
		return
	}
	fmt.Fprintf(w, "%s@%d: %d rows scored by %s (version %d) from %s@%d in %.1f s\n",
		v.Dataset, v.Number(), v.Rows, res.Model.Name, res.Model.Version, res.Input.Dataset, res.Input.Number(), secs)
	fmt.Fprintf(w, "  job %d: %d shard(s)", res.JobID, res.Shards)
	if res.Reused > 0 {
		fmt.Fprintf(w, ", %d resumed from an interrupted run", res.Reused)
	}
	fmt.Fprintln(w)
}
