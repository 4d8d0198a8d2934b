package cli

import (
	"fmt"
	"path/filepath"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/spf13/cobra"
)

func newInitCmd(st *state) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Create a project: mlcycle.yaml and the .mlcycle/ catalog and artifact store",
		Long: `Create a project in DIR (created if missing): mlcycle.yaml, holding the project's
name and a commented example of the goal section, and .mlcycle/, holding the
SQLite catalog, the artifact store and scratch space.

Commands find the project like git does, from the working directory upwards,
or take --project DIR / $MLCYCLE_PROJECT.`,
		Example: "  mlcycle init churn-project && cd churn-project",
		Args:    exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := st.abs(args[0])
			if name == "" {
				name = filepath.Base(filepath.Clean(dir))
			}
			cfg, err := config.Init(dir, name)
			if err != nil {
				return err
			}
			// Create the catalog now, so the first command finds it migrated.
			log, err := st.logger()
			if err != nil {
				return err
			}
			s, err := app.OpenStore(cmd.Context(), cfg.StoreURL(), log)
			if err != nil {
				return err
			}
			s.Close()
			if st.json {
				return writeJSON(st.env.Stdout, map[string]string{"project": cfg.Name, "dir": cfg.Dir, "config": filepath.Join(cfg.Dir, config.FileName)})
			}
			fmt.Fprintf(st.env.Stdout, "Created project %q in %s\n", cfg.Name, cfg.Dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "project name (default: the directory's name)")
	st.jsonFlag(cmd)
	return cmd
}
