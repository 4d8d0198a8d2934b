package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
)

func newDeployCmd(st *state) *cobra.Command {
	var endpoint, reason string
	var force bool
	var capture float64
	cmd := &cobra.Command{
		Use:   "deploy MODEL [--endpoint NAME]",
		Short: "Create or update a real-time endpoint serving a model version",
		Long: `Point endpoint NAME (default: the model's name) at the model version MODEL
names (NAME, NAME@VERSION or NAME@ALIAS), creating the endpoint if needed.
The change is recorded in the metadata store, so a running 'mlcycle server'
switches to the new version without a restart, and 'mlcycle endpoints show'
can tell later which version served when.

Only approved versions are deployed; --force (with --reason) deploys a
pending or rejected one. --capture-percent sets the share of requests whose
inputs and outputs are captured (default 100 for a new endpoint; an update
without the flag keeps the endpoint's setting).`,
		Example: "  mlcycle deploy churn@champion --endpoint churn\n  mlcycle deploy churn@4 --endpoint churn --force --reason 'canary' --capture-percent 10",
		Args:    exactArgs(1, "MODEL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := registry.ParseRef(args[0])
			if err != nil {
				return err
			}
			if endpoint == "" {
				endpoint = ref.Model
			}
			o := registry.DeployOpts{Force: force, Actor: registry.Actor(st.env.Getenv), Reason: reason}
			if cmd.Flags().Changed("capture-percent") {
				o.Config = &registry.EndpointConfig{CapturePercent: capture}
				if err := o.Config.Validate(); err != nil {
					return usagef("--capture-percent: %v", err)
				}
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ep, err := a.Registry.Deploy(cmd.Context(), args[0], endpoint, o)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toEndpointJSON(ep))
			}
			fmt.Fprintf(st.env.Stdout, "endpoint %s → %s@%d (generation %d)\n", ep.Name, ep.Model, ep.Version, ep.Generation)
			return nil
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the endpoint's name (default: the model's name)")
	cmd.Flags().BoolVar(&force, "force", false, "deploy a version that is not approved (needs --reason)")
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the history)")
	cmd.Flags().Float64Var(&capture, "capture-percent", 100, "share of requests captured, 0 to 100")
	st.jsonFlag(cmd)
	return cmd
}

func newEndpointsCmd(st *state) *cobra.Command {
	cmd := group("endpoints", "List, show and delete real-time endpoints")
	cmd.Long = `Endpoints are created and updated by 'mlcycle deploy' and served by
'mlcycle server'. Each change increments the endpoint's generation and is
recorded in the registry's history.`
	cmd.AddCommand(newEndpointsListCmd(st), newEndpointsShowCmd(st), newEndpointsDeleteCmd(st))
	return cmd
}

func newEndpointsListCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List endpoints and the versions they serve",
		Example: "  mlcycle endpoints list\n  mlcycle endpoints list --json",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			eps, err := a.Store.Endpoints(cmd.Context())
			if err != nil {
				return err
			}
			out := make([]endpointJSON, len(eps))
			for i, e := range eps {
				out[i] = toEndpointJSON(e)
			}
			if st.json {
				return writeJSON(st.env.Stdout, out)
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "ENDPOINT\tMODEL\tGENERATION\tCAPTURE\tUPDATED")
			for _, e := range out {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%g%%\t%s\n", e.Name, e.Ref, e.Generation, e.Config.CapturePercent, e.UpdatedAt.Local().Format("2006-01-02 15:04:05"))
			}
			return tw.Flush()
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newEndpointsShowCmd(st *state) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show an endpoint and which versions it served, when",
		Long: `Show an endpoint: the version it serves, its settings, and every version it
served with the times (from the registry's history). With --at TIME it
answers which version the endpoint served at that time, even if it has been
deleted since.`,
		Example: "  mlcycle endpoints show churn\n  mlcycle endpoints show churn --at 2026-03-01T12:00:00Z --json",
		Args:    exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var when time.Time
			if at != "" {
				t, err := parseTime(at)
				if err != nil {
					return usagef("--at: %v", err)
				}
				when = t
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			if at != "" {
				sv, err := a.Registry.ServedAt(ctx, args[0], when)
				if err != nil {
					return err
				}
				out := servedJSON{Endpoint: sv.Endpoint, At: when, Ref: fmt.Sprintf("%s@%d", sv.Model, sv.Version),
					Model: sv.Model, Version: sv.Version, Generation: sv.Generation, Since: sv.Since}
				if st.json {
					return writeJSON(st.env.Stdout, out)
				}
				fmt.Fprintf(st.env.Stdout, "at %s endpoint %s served %s (since %s, generation %d)\n",
					when.Format(time.RFC3339), out.Endpoint, out.Ref, out.Since.Format(time.RFC3339), out.Generation)
				return nil
			}
			es, err := a.Registry.History(ctx, store.EventFilter{Endpoint: args[0]})
			if err != nil {
				return err
			}
			var out endpointShowJSON
			ep, err := a.Store.Endpoint(ctx, args[0])
			switch {
			case err == nil:
				e := toEndpointJSON(ep)
				out.Endpoint = &e
			case fault.KindOf(err) == fault.KindNotFound && len(es) > 0:
				out.Deleted = true
			default:
				return err
			}
			out.Served = servedPeriods(es)
			if st.json {
				return writeJSON(st.env.Stdout, out)
			}
			printEndpoint(st.env.Stdout, args[0], out)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "say which version it served at this time (RFC 3339, or YYYY-MM-DD)")
	st.jsonFlag(cmd)
	return cmd
}

func newEndpointsDeleteCmd(st *state) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete an endpoint (its history stays)",
		Example: "  mlcycle endpoints delete churn --reason 'replaced by churn-v2'",
		Args:    exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ep, err := a.Registry.Undeploy(cmd.Context(), args[0], registry.Actor(st.env.Getenv), reason)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toEndpointJSON(ep))
			}
			fmt.Fprintf(st.env.Stdout, "deleted endpoint %s (was serving %s@%d)\n", ep.Name, ep.Model, ep.Version)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the history)")
	st.jsonFlag(cmd)
	return cmd
}

// endpointJSON is an endpoint as the commands print it.
type endpointJSON struct {
	Name       string                  `json:"name"`
	Ref        string                  `json:"ref"`
	Model      string                  `json:"model"`
	Version    int                     `json:"version"`
	Config     registry.EndpointConfig `json:"config"`
	Generation int64                   `json:"generation"`
	CreatedAt  time.Time               `json:"created_at"`
	UpdatedAt  time.Time               `json:"updated_at"`
}

func toEndpointJSON(e store.Endpoint) endpointJSON {
	c, err := registry.ParseEndpointConfig(e.Config)
	if err != nil {
		c = registry.DefaultEndpointConfig()
	}
	return endpointJSON{Name: e.Name, Ref: fmt.Sprintf("%s@%d", e.Model, e.Version), Model: e.Model, Version: e.Version,
		Config: c, Generation: e.Generation, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// servedJSON answers `endpoints show --at`.
type servedJSON struct {
	Endpoint   string    `json:"endpoint"`
	At         time.Time `json:"at"`
	Ref        string    `json:"ref"`
	Model      string    `json:"model"`
	Version    int       `json:"version"`
	Generation int64     `json:"generation"`
	Since      time.Time `json:"since"`
}

// periodJSON is a span of time during which an endpoint served a version.
type periodJSON struct {
	Ref    string     `json:"ref"`
	From   time.Time  `json:"from"`
	Until  *time.Time `json:"until,omitempty"` // nil: still serving
	Actor  string     `json:"actor"`
	Reason string     `json:"reason,omitempty"`
	Forced bool       `json:"forced,omitempty"`
}

// endpointShowJSON is what `endpoints show` prints: the endpoint (absent
// once deleted) and what it served.
type endpointShowJSON struct {
	Endpoint *endpointJSON `json:"endpoint,omitempty"`
	Deleted  bool          `json:"deleted,omitempty"`
	Served   []periodJSON  `json:"served"`
}

// servedPeriods turns an endpoint's deploy and undeploy events (oldest
// first) into the periods during which it served each version.
func servedPeriods(es []store.ModelEvent) []periodJSON {
	out := []periodJSON{}
	for _, e := range es {
		if n := len(out); n > 0 && out[n-1].Until == nil {
			t := e.At
			out[n-1].Until = &t
		}
		if e.Kind != store.EventDeploy {
			continue
		}
		var d struct {
			Forced bool `json:"forced"`
		}
		_ = json.Unmarshal(e.Detail, &d)
		out = append(out, periodJSON{Ref: fmt.Sprintf("%s@%d", e.Model, e.Version), From: e.At, Actor: e.Actor, Reason: e.Reason, Forced: d.Forced})
	}
	return out
}

func printEndpoint(w io.Writer, name string, out endpointShowJSON) {
	if e := out.Endpoint; e != nil {
		fmt.Fprintf(w, "endpoint %s → %s (generation %d)\n", e.Name, e.Ref, e.Generation)
		fmt.Fprintf(w, "  capture:  %g%% of requests\n", e.Config.CapturePercent)
		fmt.Fprintf(w, "  created:  %s, updated %s\n", e.CreatedAt.Local().Format(time.RFC3339), e.UpdatedAt.Local().Format(time.RFC3339))
	} else {
		fmt.Fprintf(w, "endpoint %s (deleted)\n", name)
	}
	fmt.Fprintln(w, "\nserved:")
	tw := table(w)
	fmt.Fprintln(tw, "  MODEL\tFROM\tUNTIL\tBY\tWHY")
	for _, p := range out.Served {
		until := "now"
		if p.Until != nil {
			until = p.Until.Local().Format("2006-01-02 15:04:05")
		}
		ref := p.Ref
		if p.Forced {
			ref += " [forced]"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", ref, p.From.Local().Format("2006-01-02 15:04:05"), until, p.Actor, dashIfEmpty(p.Reason))
	}
	tw.Flush()
}
