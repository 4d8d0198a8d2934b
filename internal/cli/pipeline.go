package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/pipeline"
	"github.com/mlcycle/mlcycle/internal/registry"
)

func newPipelineCmd(st *state) *cobra.Command {
	cmd := group("pipeline", "Run the lifecycle as one declarative pipeline, skipping unchanged steps")
	cmd.Long = `A pipeline file (docs/pipeline.md) declares the lifecycle's steps in order —
ingest, prep, split, eda, frame, train, eval (with the goal's gate), register,
deploy, monitor_schedule, retrain_policy, alarm — each with an id and its
parameters; ${steps.<id>.<field>} uses an earlier step's output. A step whose
inputs (parameters, dataset versions, runs, files) have not changed since the
pipeline's last succeeded run is skipped as "cached". Every run is recorded
(mlcycle runs list --kind pipeline).`
	cmd.AddCommand(newPipelineRunCmd(st), newPipelineValidateCmd(st))
	return cmd
}

func readPipeline(st *state, path string) (*pipeline.Pipeline, string, error) {
	path = st.abs(path)
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, "", fault.NotFound("%s: no such file", path)
		}
		return nil, "", err
	}
	p, err := pipeline.Parse(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return p, filepath.Dir(path), nil
}

func newPipelineRunCmd(st *state) *cobra.Command {
	var noCache bool
	cmd := &cobra.Command{
		Use:   "run PIPELINE.yaml",
		Short: "Run a pipeline: each step runs, or is cached when its inputs are unchanged",
		Long: `Run the pipeline's steps in order in the current project. Relative input paths
in the file (sources, recipes, feature specs) are resolved against the file's
folder, report paths against the project's. Each step prints whether it ran or
was cached, its key numbers and its report's path. A failed gate in an eval step
with gate: true stops the pipeline (exit 1) and names the failed criteria.
--no-cache runs every step (when the project changed behind the pipeline's back,
e.g. an endpoint was removed).`,
		Example: "  mlcycle pipeline run examples/churn-pipeline.yaml\n  mlcycle pipeline run pipeline.yaml --json",
		Args:    exactArgs(1, "PIPELINE.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, dir, err := readPipeline(st, args[0])
			if err != nil {
				return err
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			w := st.env.Stdout
			o := pipeline.Opts{Dir: dir, OutDir: a.Config.Dir, Actor: registry.Actor(st.env.Getenv), NoCache: noCache}
			if !st.json {
				fmt.Fprintf(w, "pipeline %s: %d steps\n", p.Name, len(p.Steps))
				o.StepDone = func(r pipeline.StepRecord) {
					fmt.Fprintf(w, "%-7s %s (%s)", r.Status, r.ID, r.Kind)
					if r.Status == pipeline.StatusRan {
						fmt.Fprintf(w, " %.2fs", r.Seconds)
					}
					if r.Summary != "" {
						fmt.Fprintf(w, ": %s", r.Summary)
					}
					fmt.Fprintln(w)
				}
			}
			res, err := pipeline.Run(cmd.Context(), a, p, o)
			if st.json && res != nil {
				if jerr := writeJSON(w, res); jerr != nil {
					return jerr
				}
				if err != nil {
					// The document says which step failed; keep stdout one document.
					st.quiet = true
					return err
				}
				return nil
			}
			if res != nil {
				ran, cached := 0, 0
				for _, s := range res.Steps {
					switch s.Status {
					case pipeline.StatusRan:
						ran++
					case pipeline.StatusCached:
						cached++
					}
				}
				fmt.Fprintf(w, "pipeline run %d: %s; %d ran, %d cached", res.Run, res.Status, ran, cached)
				if n := len(p.Steps) - len(res.Steps); n > 0 {
					fmt.Fprintf(w, ", %d not run", n)
				}
				fmt.Fprintln(w)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "run every step, even those whose inputs are unchanged")
	st.jsonFlag(cmd)
	return cmd
}

func newPipelineValidateCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "validate PIPELINE.yaml",
		Short:   "Check a pipeline file: every problem with its path",
		Example: "  mlcycle pipeline validate examples/churn-pipeline.yaml",
		Args:    exactArgs(1, "PIPELINE.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, _, err := readPipeline(st, args[0])
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, p)
			}
			fmt.Fprintf(st.env.Stdout, "pipeline %s: %d steps, valid\n", p.Name, len(p.Steps))
			for _, s := range p.Steps {
				fmt.Fprintf(st.env.Stdout, "  %s (%s)\n", s.ID, s.Kind())
			}
			return nil
		},
	}
	st.jsonFlag(cmd)
	return cmd
}
