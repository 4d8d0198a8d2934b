// Command mlcycle is the whole machine-learning lifecycle in one program.
// See `mlcycle --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mlcycle/mlcycle/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
