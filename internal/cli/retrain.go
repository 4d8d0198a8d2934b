package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/retrain"
)

func newRetrainCmd(st *state) *cobra.Command {
	var o retrain.Options
	cmd := &cobra.Command{
		Use:   "retrain ENDPOINT",
		Short: "Retrain an endpoint's model on its labelled traffic and promote it only if it is better",
		Long: `Build a new training dataset version from the champion's training data and the
endpoint's labelled captured rows (mlcycle feedback), retrain with the champion's
recipe (feature spec, algorithm, parameters), evaluate challenger and champion on
the newest labelled rows (kept out of training), and promote the challenger —
approve, move the alias, switch the endpoint — only when it passes the goal's gate
and beats the champion on the goal's primary metric; otherwise reject it with the
reason. Everything is recorded: the datasets' lineage, the runs, the registry
history.`,
		Example: "  mlcycle retrain churn\n  mlcycle retrain churn --recent-frac 0.2 --json",
		Args:    exactArgs(1, "ENDPOINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			o.Endpoint, o.Goal, o.Actor = args[0], a.Config.Goal, registry.Actor(st.env.Getenv)
			stop := st.spinner("retraining " + args[0])
			out, err := a.Retrain.Retrain(cmd.Context(), o)
			stop()
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, out)
			}
			w := st.env.Stdout
			fmt.Fprintf(w, "retrain run %d of %s: champion %s, challenger %s trained on %s (+%d labelled rows)\n", out.Run, out.Endpoint, out.Champion, out.Challenger, out.Data, out.Labeled)
			fmt.Fprintf(w, "  on the newest %d labelled rows (%s): %s champion %.4f, challenger %.4f; gate %s\n", out.Recent, out.RecentData, out.Metric, out.ChampionValue, out.ChallengerValue, map[bool]string{true: "passed", false: "failed"}[out.GatePassed])
			if out.Promoted {
				fmt.Fprintf(w, "  promoted: %s is now %s and serves %s\n", out.Challenger, o.Alias, out.Endpoint)
			} else {
				fmt.Fprintf(w, "  not promoted: %s\n", out.Reason)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Alias, "alias", "champion", "alias the promoted challenger takes")
	cmd.Flags().Float64Var(&o.RecentFrac, "recent-frac", 0.3, "share of the newest labelled rows kept out of training for the comparison")
	st.jsonFlag(cmd)
	return cmd
}
