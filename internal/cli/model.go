package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
)

func newModelCmd(st *state) *cobra.Command {
	cmd := group("model", "Register, approve, alias and inspect model versions")
	cmd.Long = `The model registry names the model packages of training runs: each
registration is the next version of a named model (churn@1, churn@2, ...),
pending approval until someone approves or rejects it. Aliases such as
champion name one version each. Every change is recorded with who made it
(` + "$MLCYCLE_USER" + `, else the OS user), why and when.

A MODEL reference is NAME (the latest version), NAME@VERSION or NAME@ALIAS.`
	cmd.AddCommand(newModelRegisterCmd(st), newModelListCmd(st), newModelShowCmd(st),
		newModelStatusCmd(st, store.StatusApproved), newModelStatusCmd(st, store.StatusRejected),
		newModelAliasCmd(st), newModelHistoryCmd(st))
	return cmd
}

func newModelRegisterCmd(st *state) *cobra.Command {
	var name, reason string
	cmd := &cobra.Command{
		Use:   "register RUN --name NAME",
		Short: "Register a training run's model as the next version of a model",
		Long: `Register the model package of a succeeded training run (RUN: its number, or a
run name for the newest run of that name) as the next version of model NAME.
The version starts pending: approve it before deploying it.`,
		Example: "  mlcycle model register 3 --name churn\n  mlcycle model register credit-gbdt --name churn --reason 'weekly retrain' --json",
		Args:    exactArgs(1, "RUN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usagef("%s needs --name: the model's name", cmd.CommandPath())
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			mv, err := a.Registry.Register(cmd.Context(), args[0], name, registry.Actor(st.env.Getenv), reason)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toModelVersionJSON(mv))
			}
			fmt.Fprintf(st.env.Stdout, "registered %s@%d from run %d (%s, pending approval)\n", mv.Model, mv.Version, mv.RunID, mv.Task)
			fmt.Fprintf(st.env.Stdout, "next: mlcycle model approve %s@%d --reason '...'\n", mv.Model, mv.Version)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the model's name (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why it is registered (recorded in the history)")
	st.jsonFlag(cmd)
	return cmd
}

func newModelListCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List models with their latest version and aliases",
		Example: "  mlcycle model list\n  mlcycle model list --json",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			ms, err := a.Store.Models(ctx)
			if err != nil {
				return err
			}
			out := make([]modelJSON, len(ms))
			for i, m := range ms {
				latest, err := a.Store.ModelVersion(ctx, m.Name, 0)
				if err != nil {
					return err
				}
				out[i] = modelJSON{Name: m.Name, Versions: m.Latest, Latest: toModelVersionJSON(latest), Aliases: map[string]int{}, CreatedAt: m.CreatedAt}
				for _, al := range m.Aliases {
					out[i].Aliases[al.Name] = al.Version
				}
			}
			if st.json {
				return writeJSON(st.env.Stdout, out)
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "MODEL\tVERSIONS\tLATEST\tSTATUS\tALIASES\tREGISTERED")
			for i, m := range ms {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", m.Name, m.Latest, out[i].Latest.Version, out[i].Latest.Status,
					aliasesText(m.Aliases), out[i].Latest.CreatedAt.Local().Format("2006-01-02 15:04:05"))
			}
			return tw.Flush()
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newModelShowCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show MODEL",
		Short: "Show a model version: status, aliases, metrics, schema, lineage, history",
		Long: `Show a model version (MODEL: NAME for the latest, NAME@VERSION or NAME@ALIAS):
its approval status, aliases, the endpoints serving it, its training metrics,
its input schema, its lineage back to the dataset versions it was trained on,
and its history. For a bare NAME, all versions are listed too.`,
		Example: "  mlcycle model show churn\n  mlcycle model show churn@champion --json",
		Args:    exactArgs(1, "MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			d, err := a.Registry.Describe(ctx, args[0])
			if err != nil {
				return err
			}
			var versions []store.ModelVersion
			if !strings.Contains(args[0], "@") {
				if versions, err = a.Store.ModelVersions(ctx, d.Version.Model); err != nil {
					return err
				}
			}
			out := toDescriptionJSON(d, versions)
			if st.json {
				return writeJSON(st.env.Stdout, out)
			}
			printDescription(st.env.Stdout, out)
			return nil
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newModelStatusCmd(st *state, status string) *cobra.Command {
	verb := map[string]string{store.StatusApproved: "approve", store.StatusRejected: "reject"}[status]
	var reason string
	var force bool
	cmd := &cobra.Command{
		Use:   verb + " MODEL --reason REASON",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a pending model version",
		Long: `Set a pending model version's status to ` + status + `. Only pending versions
change status; --force (with --reason) changes an approved or rejected one.
A rejection needs a --reason.`,
		Example: fmt.Sprintf("  mlcycle model %s churn@3 --reason 'holdout ROC AUC 0.82 ≥ 0.80'", verb),
		Args:    exactArgs(1, "MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			mv, err := a.Registry.SetStatus(cmd.Context(), args[0], status, registry.Actor(st.env.Getenv), reason, force)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toModelVersionJSON(mv))
			}
			fmt.Fprintf(st.env.Stdout, "%s@%d is %s\n", mv.Model, mv.Version, mv.Status)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the history)")
	cmd.Flags().BoolVar(&force, "force", false, "change a version that is not pending (needs --reason)")
	st.jsonFlag(cmd)
	return cmd
}

func newModelAliasCmd(st *state) *cobra.Command {
	var remove bool
	var reason string
	cmd := &cobra.Command{
		Use:   "alias MODEL ALIAS",
		Short: "Point an alias (champion, challenger) at a model version, or remove it",
		Long: `Point ALIAS at the version MODEL names, creating the alias or moving it from
another version: afterwards NAME@ALIAS names that version. With --remove,
MODEL is the model's name and the alias is removed.`,
		Example: "  mlcycle model alias churn@3 champion\n  mlcycle model alias churn challenger --remove",
		Args:    exactArgs(2, "MODEL", "ALIAS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			actor := registry.Actor(st.env.Getenv)
			var mv store.ModelVersion
			if remove {
				ref, err := registry.ParseRef(args[0])
				if err != nil {
					return err
				}
				mv, err = a.Registry.Unalias(cmd.Context(), ref.Model, args[1], actor, reason)
				if err != nil {
					return err
				}
			} else if mv, err = a.Registry.Alias(cmd.Context(), args[0], args[1], actor, reason); err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toModelVersionJSON(mv))
			}
			if remove {
				fmt.Fprintf(st.env.Stdout, "removed alias %s@%s (was version %d)\n", mv.Model, args[1], mv.Version)
			} else {
				fmt.Fprintf(st.env.Stdout, "%s@%s → %s@%d\n", mv.Model, args[1], mv.Model, mv.Version)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "remove the alias")
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the history)")
	st.jsonFlag(cmd)
	return cmd
}

func newModelHistoryCmd(st *state) *cobra.Command {
	var until string
	cmd := &cobra.Command{
		Use:   "history [MODEL]",
		Short: "Show the registry's history: registrations, approvals, aliases, deploys",
		Long: `Show the append-only history of a model (all models without MODEL), oldest
first: what changed, when, by whom and why. --until shows it as it stood at a
time.`,
		Example: "  mlcycle model history churn\n  mlcycle model history churn --until 2026-03-01T12:00:00Z --json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("%s takes at most one argument (MODEL), got %d", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var f store.EventFilter
			if len(args) == 1 {
				ref, err := registry.ParseRef(args[0])
				if err != nil {
					return err
				}
				f.Model, f.Version = ref.Model, ref.Version
			}
			if until != "" {
				t, err := parseTime(until)
				if err != nil {
					return usagef("--until: %v", err)
				}
				f.Until = t
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			es, err := a.Registry.History(cmd.Context(), f)
			if err != nil {
				return err
			}
			out := make([]eventJSON, len(es))
			for i, e := range es {
				out[i] = toEventJSON(e)
			}
			if st.json {
				return writeJSON(st.env.Stdout, out)
			}
			printEvents(st.env.Stdout, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&until, "until", "", "only events at or before this time (RFC 3339, or YYYY-MM-DD)")
	st.jsonFlag(cmd)
	return cmd
}

// parseTime reads a time given on the command line: RFC 3339, or a date
// (midnight UTC), or a date and time without zone (UTC).
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-03-01T12:00:00Z) or a date (2026-03-01)", s)
}

// modelVersionJSON is a model version as the model commands print it.
type modelVersionJSON struct {
	Ref         string                        `json:"ref"`
	Model       string                        `json:"model"`
	Version     int                           `json:"version"`
	Status      string                        `json:"status"`
	Aliases     []string                      `json:"aliases"`
	Task        string                        `json:"task"`
	Run         int64                         `json:"run"`
	ArtifactKey string                        `json:"artifact_key"`
	Metrics     map[string]map[string]float64 `json:"metrics,omitempty"`
	CreatedAt   time.Time                     `json:"created_at"`
	StatusAt    time.Time                     `json:"status_at"`
}

func toModelVersionJSON(mv store.ModelVersion) modelVersionJSON {
	out := modelVersionJSON{Ref: fmt.Sprintf("%s@%d", mv.Model, mv.Version), Model: mv.Model, Version: mv.Version, Status: mv.Status,
		Aliases: mv.Aliases, Task: mv.Task, Run: mv.RunID, ArtifactKey: mv.ArtifactKey, CreatedAt: mv.CreatedAt, StatusAt: mv.StatusAt}
	if out.Aliases == nil {
		out.Aliases = []string{}
	}
	if len(mv.Metrics) > 0 {
		_ = json.Unmarshal(mv.Metrics, &out.Metrics)
	}
	return out
}

// modelJSON is a model as `model list` prints it.
type modelJSON struct {
	Name      string           `json:"name"`
	Versions  int              `json:"versions"`
	Latest    modelVersionJSON `json:"latest"`
	Aliases   map[string]int   `json:"aliases"`
	CreatedAt time.Time        `json:"created_at"`
}

// eventJSON is a history entry.
type eventJSON struct {
	Model    string          `json:"model"`
	Version  int             `json:"version"`
	Kind     string          `json:"kind"`
	Endpoint string          `json:"endpoint,omitempty"`
	Actor    string          `json:"actor"`
	Reason   string          `json:"reason,omitempty"`
	At       time.Time       `json:"at"`
	Detail   json.RawMessage `json:"detail,omitempty"`
}

func toEventJSON(e store.ModelEvent) eventJSON {
	return eventJSON{Model: e.Model, Version: e.Version, Kind: e.Kind, Endpoint: e.Endpoint, Actor: e.Actor,
		Reason: e.Reason, At: e.At, Detail: json.RawMessage(e.Detail)}
}

// fieldJSON is one input column of a model's schema.
type fieldJSON struct {
	Name       string `json:"name"`
	Logical    string `json:"logical"`
	Required   bool   `json:"required"`
	Categories int    `json:"categories,omitempty"`
}

// datasetJSON is a dataset version in a model's lineage.
type datasetJSON struct {
	Ref         string   `json:"ref"`
	Kind        string   `json:"kind"`
	Rows        int64    `json:"rows"`
	ContentHash string   `json:"content_hash"`
	Source      string   `json:"source,omitempty"`
	Parents     []string `json:"parents,omitempty"`
}

// descriptionJSON is what `model show` prints.
type descriptionJSON struct {
	modelVersionJSON
	Target    string             `json:"target"`
	Algo      string             `json:"algo"`
	Classes   []string           `json:"classes,omitempty"`
	Schema    []fieldJSON        `json:"schema"`
	RunName   string             `json:"run_name"`
	Trained   []string           `json:"trained_on"`
	Lineage   []datasetJSON      `json:"lineage"`
	Endpoints []string           `json:"endpoints"`
	History   []eventJSON        `json:"history"`
	Versions  []modelVersionJSON `json:"versions,omitempty"`
	Mlcycle   string             `json:"mlcycle,omitempty"`
}

func toDescriptionJSON(d *registry.Description, versions []store.ModelVersion) descriptionJSON {
	p := d.Package
	out := descriptionJSON{modelVersionJSON: toModelVersionJSON(d.Version), Target: p.Target, Algo: p.Algo, Classes: p.Classes,
		RunName: d.Run.Name, Trained: []string{}, Lineage: []datasetJSON{}, Endpoints: []string{}, History: []eventJSON{},
		Mlcycle: p.Lineage.Mlcycle}
	for _, f := range p.Schema {
		out.Schema = append(out.Schema, fieldJSON{Name: f.Name, Logical: f.Logical, Required: f.Required, Categories: len(f.Categories)})
	}
	for _, in := range d.Run.Inputs {
		out.Trained = append(out.Trained, fmt.Sprintf("%s@%d (%s)", in.Dataset, in.Version, in.Role))
	}
	for _, v := range d.Datasets {
		dj := datasetJSON{Ref: fmt.Sprintf("%s@%d", v.Dataset, v.Version), Kind: v.Kind, Rows: v.Rows, ContentHash: v.ContentHash, Source: v.Source}
		for _, pa := range v.Parents {
			dj.Parents = append(dj.Parents, fmt.Sprintf("%s@%d (%s)", pa.Dataset, pa.Version, pa.Role))
		}
		out.Lineage = append(out.Lineage, dj)
	}
	for _, e := range d.Endpoints {
		out.Endpoints = append(out.Endpoints, e.Name)
	}
	for _, e := range d.History {
		out.History = append(out.History, toEventJSON(e))
	}
	for _, v := range versions {
		out.Versions = append(out.Versions, toModelVersionJSON(v))
	}
	return out
}

func printDescription(w io.Writer, d descriptionJSON) {
	fmt.Fprintf(w, "model %s (%s)\n", d.Ref, d.Status)
	fmt.Fprintf(w, "  aliases:    %s\n", dashIfEmpty(strings.Join(d.Aliases, ", ")))
	fmt.Fprintf(w, "  endpoints:  %s\n", dashIfEmpty(strings.Join(d.Endpoints, ", ")))
	fmt.Fprintf(w, "  task:       %s, target %s, algorithm %s", d.Task, d.Target, d.Algo)
	if len(d.Classes) > 0 {
		fmt.Fprintf(w, ", classes %s", strings.Join(d.Classes, "/"))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  run:        %d (%s)\n", d.Run, d.RunName)
	fmt.Fprintf(w, "  package:    %s\n", d.ArtifactKey)
	fmt.Fprintf(w, "  registered: %s\n", d.CreatedAt.Local().Format(time.RFC3339))
	var cols []string
	for _, f := range d.Schema {
		c := f.Name + " " + f.Logical
		if !f.Required {
			c += "?"
		}
		cols = append(cols, c)
	}
	fmt.Fprintf(w, "  schema:     %d columns: %s\n", len(d.Schema), strings.Join(cols, ", "))
	fmt.Fprintf(w, "  trained on: %s\n", dashIfEmpty(strings.Join(d.Trained, ", ")))
	if len(d.Lineage) > 0 {
		fmt.Fprintln(w, "\nlineage:")
		for _, l := range d.Lineage {
			from := l.Source
			if len(l.Parents) > 0 {
				from = "from " + strings.Join(l.Parents, ", ")
			}
			fmt.Fprintf(w, "  %s  %s, %d rows, sha256 %.12s, %s\n", l.Ref, l.Kind, l.Rows, l.ContentHash, from)
		}
	}
	if len(d.Metrics) > 0 {
		fmt.Fprintln(w)
		ms := map[string]train.Metrics{}
		for sp, m := range d.Metrics {
			ms[sp] = m
		}
		printMetricTable(w, ms)
	}
	if len(d.Versions) > 0 {
		fmt.Fprintln(w, "\nversions:")
		tw := table(w)
		fmt.Fprintln(tw, "  VERSION\tSTATUS\tALIASES\tRUN\tREGISTERED")
		for _, v := range d.Versions {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\n", v.Version, v.Status, dashIfEmpty(strings.Join(v.Aliases, ", ")), v.Run, v.CreatedAt.Local().Format("2006-01-02 15:04:05"))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nhistory:")
	printEvents(w, d.History)
}

func printEvents(w io.Writer, es []eventJSON) {
	if len(es) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	tw := table(w)
	fmt.Fprintln(tw, "  TIME\tMODEL\tEVENT\tBY\tWHY")
	for _, e := range es {
		fmt.Fprintf(tw, "  %s\t%s@%d\t%s\t%s\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Model, e.Version,
			eventText(e), e.Actor, dashIfEmpty(e.Reason))
	}
	tw.Flush()
}

// eventText describes an event in a few words.
func eventText(e eventJSON) string {
	var d struct {
		Alias       string `json:"alias"`
		From        any    `json:"from"`
		Forced      bool   `json:"forced"`
		Generation  int64  `json:"generation"`
		FromModel   string `json:"from_model"`
		FromVersion int    `json:"from_version"`
	}
	_ = json.Unmarshal(e.Detail, &d)
	s := e.Kind
	switch e.Kind {
	case store.EventAlias:
		s = "alias " + d.Alias
		if d.From != nil {
			s += fmt.Sprintf(" (moved from %v)", d.From)
		}
	case store.EventUnalias:
		s = "unalias " + d.Alias
	case store.EventApprove, store.EventReject:
		if d.From != nil && d.From != store.StatusPending {
			s += fmt.Sprintf(" (was %v)", d.From)
		}
	case store.EventDeploy:
		s = fmt.Sprintf("deploy to %s (generation %d", e.Endpoint, d.Generation)
		if d.FromModel != "" {
			s += fmt.Sprintf(", replacing %s@%d", d.FromModel, d.FromVersion)
		}
		s += ")"
	case store.EventUndeploy:
		s = "undeploy from " + e.Endpoint
	}
	if d.Forced {
		s += " [forced]"
	}
	return s
}

func aliasesText(as []store.Alias) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("%s→%d", a.Name, a.Version))
	}
	return dashIfEmpty(strings.Join(parts, ", "))
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
