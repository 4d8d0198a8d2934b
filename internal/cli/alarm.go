package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/monitor"
)

func newAlarmCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alarm",
		Short: "Alarms on monitor runs: thresholds, M of N, webhooks, state history",
		Long: `An alarm watches one value of an endpoint's monitor runs — drifted (features
whose verdict is drift), violations, records, quality:<metric> or
score:<feature>:<method> — against a threshold. It is ALARM when at least M of
the last N monitor runs breach, OK when fewer do, INSUFFICIENT_DATA while fewer
than M of them have a value. Every state change is kept in its history and,
with --webhook, POSTed as JSON (retried with backoff). Alarms are evaluated
after every monitor run, scheduled or not (docs/monitor.md).`,
		Args: exactArgs(0),
	}
	cmd.AddCommand(newAlarmCreateCmd(st), newAlarmListCmd(st), newAlarmHistoryCmd(st), newAlarmDeleteCmd(st))
	return cmd
}

func newAlarmCreateCmd(st *state) *cobra.Command {
	var (
		endpoint string
		spec     monitor.AlarmSpec
	)
	cmd := &cobra.Command{
		Use:     "create NAME --endpoint E --metric M --op OP --threshold X [--m 1 --n 1] [--webhook URL]",
		Short:   "Create or replace an alarm",
		Example: "  mlcycle alarm create churn-drift --endpoint churn --metric drifted --op '>' --threshold 0 --m 2 --n 3\n  mlcycle alarm create churn-auc --endpoint churn --metric quality:roc_auc --op '<' --threshold 0.85 --webhook http://hooks.local/ml",
		Args:    exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if endpoint == "" {
				return usagef("alarm create needs --endpoint")
			}
			if err := spec.Validate(); err != nil {
				return err
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Store.Endpoint(cmd.Context(), endpoint); err != nil {
				return err
			}
			b, _ := json.Marshal(spec)
			al, err := a.Store.PutAlarm(cmd.Context(), args[0], endpoint, b, time.Now())
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{"name": al.Name, "endpoint": al.Endpoint, "state": al.State, "spec": spec})
			}
			fmt.Fprintf(st.env.Stdout, "alarm %s on %s: %s %s %g in %d of the last %d monitor runs (state %s)\n", al.Name, endpoint, spec.Metric, spec.Op, spec.Threshold, spec.M, spec.N, al.State)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&endpoint, "endpoint", "", "endpoint whose monitor runs the alarm watches")
	f.StringVar(&spec.Metric, "metric", "drifted", "drifted, violations, records, quality:<metric> or score:<feature>:<method>")
	f.StringVar(&spec.Op, "op", ">", "comparison that breaches: >, >=, < or <=")
	f.Float64Var(&spec.Threshold, "threshold", 0, "threshold")
	f.IntVar(&spec.M, "m", 1, "breaching runs needed")
	f.IntVar(&spec.N, "n", 1, "of the last N monitor runs")
	f.StringVar(&spec.Webhook, "webhook", "", "URL that receives a JSON POST on every state change")
	f.BoolVar(&spec.Retrain, "retrain", false, "start a retraining job of the endpoint when the alarm goes to ALARM (in mlcycle server)")
	st.jsonFlag(cmd)
	return cmd
}

func newAlarmListCmd(st *state) *cobra.Command {
	var endpoint string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List alarms and their states",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			as, err := a.Store.ListAlarms(cmd.Context(), endpoint)
			if err != nil {
				return err
			}
			type row struct {
				Name      string            `json:"name"`
				Endpoint  string            `json:"endpoint"`
				State     string            `json:"state"`
				Spec      monitor.AlarmSpec `json:"spec"`
				UpdatedAt time.Time         `json:"updated_at"`
			}
			rows := []row{}
			for _, al := range as {
				r := row{Name: al.Name, Endpoint: al.Endpoint, State: al.State, UpdatedAt: al.UpdatedAt}
				_ = json.Unmarshal(al.Spec, &r.Spec)
				rows = append(rows, r)
			}
			if st.json {
				return writeJSON(st.env.Stdout, rows)
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "ALARM\tENDPOINT\tSTATE\tCONDITION\tSINCE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s %g, %d of %d\t%s\n", r.Name, r.Endpoint, r.State, r.Spec.Metric, r.Spec.Op, r.Spec.Threshold, r.Spec.M, r.Spec.N, r.UpdatedAt.Local().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "only this endpoint's alarms")
	st.jsonFlag(cmd)
	return cmd
}

func newAlarmHistoryCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history NAME",
		Short: "An alarm's state changes, oldest first",
		Args:  exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			h, err := a.Store.AlarmHistory(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, h)
			}
			for _, e := range h {
				fmt.Fprintf(st.env.Stdout, "%s  %-17s %s\n", e.At.Local().Format(time.RFC3339), e.State, e.Reason)
			}
			return nil
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newAlarmDeleteCmd(st *state) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an alarm and its history",
		Args:  exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Store.DeleteAlarm(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(st.env.Stdout, "alarm %s deleted\n", args[0])
			return nil
		},
	}
}
