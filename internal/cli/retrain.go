package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/retrain"
	"github.com/mlcycle/mlcycle/internal/store"
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
	cmd.AddCommand(newRetrainPolicyCmd(st))
	cmd.Flags().StringVar(&o.Alias, "alias", "champion", "alias the promoted challenger takes")
	cmd.Flags().Float64Var(&o.RecentFrac, "recent-frac", 0.3, "share of the newest labelled rows kept out of training for the comparison")
	st.jsonFlag(cmd)
	return cmd
}

func newRetrainPolicyCmd(st *state) *cobra.Command {
	var p store.RetrainPolicy
	cmd := &cobra.Command{
		Use:   "policy ENDPOINT [--labels N] [--every D]",
		Short: "Retrain an endpoint automatically inside mlcycle server",
		Long: `Store a retraining policy: a running mlcycle server enqueues a retraining job of
the endpoint every --every, or once --labels new labels arrived since the last
retraining; alarms created with --retrain enqueue one when they go to ALARM.
Zero turns a trigger off; both zero removes the policy.`,
		Example: "  mlcycle retrain policy churn --labels 500\n  mlcycle retrain policy churn --every 24h",
		Args:    exactArgs(1, "ENDPOINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Store.Endpoint(cmd.Context(), args[0]); err != nil {
				return err
			}
			p.Endpoint, p.UpdatedAt = args[0], time.Now()
			if err := a.Store.SetRetrainPolicy(cmd.Context(), p); err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{"endpoint": p.Endpoint, "labels": p.MinLabels, "every_seconds": p.Every.Seconds()})
			}
			fmt.Fprintf(st.env.Stdout, "retraining policy of %s: every %v, after %d new labels (0: off)\n", p.Endpoint, p.Every, p.MinLabels)
			return nil
		},
	}
	cmd.Flags().IntVar(&p.MinLabels, "labels", 0, "retrain once this many new labels arrived (0: off)")
	cmd.Flags().DurationVar(&p.Every, "every", 0, "retrain this often, at least 1m (0: off)")
	st.jsonFlag(cmd)
	return cmd
}
