// Package cli is the mlcycle command line: cobra commands, one file per
// lifecycle verb. Commands use only the injected Env (arguments, standard
// streams, environment, working directory), so each runs inside a unit
// test exactly as from a shell.
//
// Conventions: every command has --help; every command that prints data has
// --json (one JSON document on stdout, nothing else there); logs go to
// stderr through log/slog; exit codes are 0 (ok), 1 (failure) and 2 (usage:
// unknown command or flag, wrong arguments). Errors print as
// "mlcycle: <message>" on stderr, or as {"error": ..., "kind": ...} on
// stdout with --json.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Version is the program version, set at build time with
// -ldflags "-X github.com/mlcycle/mlcycle/internal/cli.Version=...".
var Version = "0.1.0-dev"

// Env is everything a command may touch outside the process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
	// Dir is the working directory.
	Dir string
}

// OSEnv returns the process's real environment.
func OSEnv() Env {
	wd, _ := os.Getwd()
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Dir: wd}
}

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// globals are the flags shared by every command.
type globals struct {
	project   string
	store     string
	logLevel  string
	logFormat string
}

// state is one invocation's context.
type state struct {
	env  Env
	g    globals
	json bool // the running command's --json
	// quiet suppresses the error report of a command that already
	// printed its outcome (eval --gate --json), keeping the exit code.
	quiet bool
}

// Run executes the command line args (without the program name) and
// returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	st := &state{env: env}
	root := newRoot(st)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ue usageError
	isUsage := errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") ||
		strings.HasPrefix(err.Error(), "unknown flag") || strings.HasPrefix(err.Error(), "unknown shorthand flag") ||
		strings.HasPrefix(err.Error(), "required flag")
	if st.quiet {
		return ExitFailure
	}
	if st.json && !isUsage {
		writeJSON(env.Stdout, map[string]string{"error": err.Error(), "kind": fault.KindOf(err).String()})
	} else {
		fmt.Fprintf(env.Stderr, "mlcycle: %v\n", err)
		if isUsage {
			fmt.Fprintln(env.Stderr, "Run 'mlcycle --help' or 'mlcycle COMMAND --help' for usage.")
		}
	}
	if isUsage {
		return ExitUsage
	}
	return ExitFailure
}

func newRoot(st *state) *cobra.Command {
	root := &cobra.Command{
		Use:   "mlcycle",
		Short: "The whole machine-learning lifecycle in one program",
		Long: `mlcycle takes a table of data and a business goal through the machine-learning
lifecycle: catalog and prep, exploration, training, evaluation, deployment,
monitoring and retraining. It runs embedded (SQLite + files in the project
folder) or on PostgreSQL and S3-compatible storage.

Start with:
  mlcycle init my-project && cd my-project
  mlcycle data add data.csv --name mydata`,
		Version:           Version,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&st.g.project, "project", "", "project directory (default: $MLCYCLE_PROJECT, else the nearest directory holding mlcycle.yaml)")
	pf.StringVar(&st.g.store, "store", "", "metadata store URL, e.g. postgres://user@host/db (default: $MLCYCLE_STORE, else the project's SQLite catalog)")
	pf.StringVar(&st.g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	pf.StringVar(&st.g.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(newInitCmd(st), newDataCmd(st), newEDACmd(st), newFrameCmd(st), newTrainCmd(st), newEvalCmd(st), newRunsCmd(st), newDemoCmd(st), newBatchCmd(st), newModelCmd(st), newDeployCmd(st), newEndpointsCmd(st), newServerCmd(st), newMonitorCmd(st), newFeedbackCmd(st), newAlarmCmd(st), newRetrainCmd(st), newPipelineCmd(st))
	return root
}

// group makes a command that only holds subcommands.
func group(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
}

// args checks the positional argument count.
func exactArgs(n int, names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s) (%s), got %d", cmd.CommandPath(), n, strings.Join(names, ", "), len(args))
		}
		return nil
	}
}

func (st *state) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(st.g.logLevel)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", st.g.logLevel)
	}
	return st.loggerAt(lvl)
}

// progressLogger is the logger of progress lines on long work when stderr
// is not a terminal: at info level unless --log-level was given.
func (st *state) progressLogger(cmd *cobra.Command, def *slog.Logger) *slog.Logger {
	if cmd.Flags().Changed("log-level") {
		return def
	}
	if l, err := st.loggerAt(slog.LevelInfo); err == nil {
		return l
	}
	return def
}

func (st *state) loggerAt(lvl slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: lvl}
	switch st.g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(st.env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(st.env.Stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", st.g.logFormat)
}

// open finds the project and opens its drivers.
func (st *state) open(ctx context.Context) (*app.App, error) {
	log, err := st.logger()
	if err != nil {
		return nil, err
	}
	explicit := st.g.project
	if explicit == "" {
		explicit = st.env.Getenv("MLCYCLE_PROJECT")
	}
	dir, err := config.Find(st.env.Dir, explicit)
	if err != nil {
		return nil, err
	}
	o := config.Overrides{Store: st.env.Getenv("MLCYCLE_STORE"), Artifacts: st.env.Getenv("MLCYCLE_ARTIFACTS")}
	if st.g.store != "" {
		o.Store = st.g.store
	}
	cfg, err := config.Load(dir, o)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, app.Deps{Log: log, Version: Version})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonFlag adds --json to cmd, recording it in st.
func (st *state) jsonFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&st.json, "json", false, "print the result as JSON")
}

// abs resolves a user-given path against the working directory.
func (st *state) abs(p string) string {
	if p == "" || strings.Contains(p, "://") || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(st.env.Dir, p)
}
