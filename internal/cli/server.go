package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/jobs"
	"github.com/mlcycle/mlcycle/internal/retrain"
	"github.com/mlcycle/mlcycle/internal/serve"
	"github.com/mlcycle/mlcycle/internal/server"
)

func newServerCmd(st *state) *cobra.Command {
	var (
		addr, debugAddr string
		cfg             server.Config
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Serve the project's endpoints over HTTP (invocations, KServe v1, Open Inference Protocol v2, /metrics)",
		Long: `Serve every endpoint of the project (mlcycle deploy creates and switches them)
over HTTP until interrupted:

  POST /endpoints/NAME/invocations      JSON {"instances": [...]} or one object, or text/csv
  POST /v1/models/NAME:predict          KServe v1
  POST /v2/models/NAME/infer            Open Inference Protocol v2 (+ metadata and health routes)
  GET  /ping, /v2/health/live, /v2/health/ready
  GET  /metrics                         Prometheus

The server checks the store for endpoint changes every --poll: a deploy from
the CLI takes effect without a restart, switching models atomically. Inputs
and outputs are captured to the artifact store per the endpoint's capture
percentage. Monitor schedules (mlcycle monitor schedule) run here and export
Prometheus gauges; retraining jobs (mlcycle retrain policy, alarms with
--retrain) run on River in this process. Ctrl-C drains in-flight requests,
flushes capture and exits.
The Go garbage collector runs at GOGC=400 unless GOGC is set.
docs/serve.md documents the protocols.`,
		Example: "  mlcycle server\n  mlcycle server --addr 0.0.0.0:8080 --max-body-bytes 10000000",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if st.env.Getenv("GOGC") == "" {
				// Fewer collections for a steady request load: the heap of a
				// server is small, and latency matters more than its size.
				debug.SetGCPercent(400)
			}
			// Retraining jobs run on River in this process.
			jc, err := jobs.FromStore(a.Store)
			if err != nil {
				return err
			}
			jc = jc.ForServer()
			jc.Workers = river.NewWorkers()
			a.Retrain.Register(jc.Workers, a.Config.Goal)
			jc.Logger = a.Log.With("component", "river")
			client, err := jobs.Open(cmd.Context(), jc)
			if err != nil {
				return err
			}
			if err := client.Start(context.WithoutCancel(cmd.Context())); err != nil {
				return fmt.Errorf("server: start the job queue: %w", err)
			}
			defer client.StopAndCancel(context.Background())
			enqueue := func(ctx context.Context, endpoint, trigger string) (bool, error) {
				return retrain.Enqueue(ctx, client, endpoint, trigger)
			}
			cfg.Retrain, a.Monitor.Enqueue = enqueue, enqueue
			s, err := server.New(cfg, a.Registry, a.Store, a.Monitor, serve.Deps{Blob: a.Blob, Log: st.progressLogger(cmd, a.Log)})
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("server: %w", err)
			}
			fmt.Fprintf(st.env.Stderr, "mlcycle server listening on http://%s\n", l.Addr())
			if debugAddr != "" {
				dl, err := net.Listen("tcp", debugAddr)
				if err != nil {
					return fmt.Errorf("server: --debug-addr: %w", err)
				}
				defer dl.Close()
				mux := http.NewServeMux()
				mux.HandleFunc("/debug/pprof/", pprof.Index)
				mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
				mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
				go http.Serve(dl, mux)
				fmt.Fprintf(st.env.Stderr, "profiling on http://%s/debug/pprof/\n", dl.Addr())
			}
			return s.Serve(cmd.Context(), l)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address")
	f.StringVar(&debugAddr, "debug-addr", "", "also serve Go's pprof profiles on this address (e.g. 127.0.0.1:6060)")
	f.DurationVar(&cfg.Poll, "poll", 0, "how often to check the store for endpoint changes (default 1s)")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 0, "how long to drain in-flight requests on shutdown (default 15s)")
	f.Int64Var(&cfg.Serve.MaxBodyBytes, "max-body-bytes", 0, "largest request body; larger → 413 (default 6 MiB)")
	f.IntVar(&cfg.Serve.MaxRows, "max-rows", 0, "most rows per request (default 10000)")
	f.DurationVar(&cfg.Serve.Timeout, "timeout", 0, "per-request timeout (default 10s)")
	f.IntVar(&cfg.Serve.MaxInFlight, "max-in-flight", 0, "concurrent predictions at most (default 4 × cores)")
	f.IntVar(&cfg.Serve.CaptureBuffer, "capture-buffer", 0, "captured records buffered before drops (default 10000)")
	return cmd
}
