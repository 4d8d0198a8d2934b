package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/demo"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/spf13/cobra"
)

func newDemoCmd(st *state) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the lifecycle demo on the bundled churn dataset",
		Long: `Run the lifecycle demo in a project folder of its own (created if missing,
reused if it holds a project): ingest the bundled churn dataset, prepare it
with a recipe, split it stratified by the target, profile the training part
and trace the test part's lineage. Each step prints what it made.`,
		Example: "  mlcycle demo --dir /tmp/churn-demo",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			d := st.abs(dir)
			log, err := st.logger()
			if err != nil {
				return err
			}
			cfg, err := config.Load(d, config.Overrides{Store: st.g.store})
			if fault.KindOf(err) == fault.KindNotFound {
				c, ierr := config.Init(d, "churn-demo")
				if ierr != nil {
					return ierr
				}
				if ierr := appendGoal(filepath.Join(c.Dir, config.FileName)); ierr != nil {
					return ierr
				}
				cfg, err = config.Load(d, config.Overrides{Store: st.g.store})
			}
			if err != nil {
				return err
			}
			a, err := app.Open(cmd.Context(), cfg, app.Deps{Log: log})
			if err != nil {
				return err
			}
			defer a.Close()
			w := st.env.Stdout
			if st.json {
				w = nil
			} else {
				fmt.Fprintf(w, "mlcycle demo in %s\n", cfg.Dir)
			}
			rep, err := demo.Run(cmd.Context(), a, w)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, rep)
			}
			fmt.Fprintf(st.env.Stdout, "\nDone. Explore it with:\n  cd %s\n  mlcycle data lineage churn_clean_train_retrain\n  mlcycle runs list\n  mlcycle model show churn\n  mlcycle endpoints show churn\n  mlcycle alarm history churn-drift\n  mlcycle monitor run churn --json\n  mlcycle server        # then: curl localhost:8080/v2/models/churn\n  open %s\n", cfg.Dir, rep.EvalReport)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "mlcycle-demo", "project folder for the demo")
	st.jsonFlag(cmd)
	return cmd
}

// appendGoal adds the demo's goal to a fresh project's mlcycle.yaml.
func appendGoal(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(demo.GoalYAML); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
