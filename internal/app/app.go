// Package app is the composition root: it turns a project's configuration
// into open drivers (metadata store, artifact store, data engine) and the
// phase services built on them. Drivers are imported here and nowhere else.
//
// Start-up order is config → metadata store → artifact store → data engine
// → services; Close releases them in reverse, so nothing still in use is
// closed under a service.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/retrain"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/store/postgres"
	"github.com/mlcycle/mlcycle/internal/store/sqlite"
	"github.com/mlcycle/mlcycle/internal/train"
)

// App holds a project's open drivers and services.
type App struct {
	Config  *config.Config
	Store   store.Store
	Blob    *blob.Store
	Engine  *dataengine.Engine
	Catalog *catalog.Service
	Train   *train.Service
	Eval    *eval.Service
	Log     *slog.Logger
	// Registry is the model registry: versions, approvals, aliases, endpoints.
	Registry *registry.Service
	// Monitor runs monitor runs over captured traffic.
	Monitor *monitor.Service
	// Retrain retrains endpoints' models on their labelled traffic.
	Retrain *retrain.Service
}

// Deps are what Open needs from its caller.
type Deps struct {
	Log   *slog.Logger // default: discard
	Clock clock.Clock  // default: clock.Real
	// Version is the program's version, recorded in model lineage.
	Version string
}

// Open opens everything the project's configuration names.
func Open(ctx context.Context, cfg *config.Config, d Deps) (_ *App, err error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	a := &App{Config: cfg, Log: d.Log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.Store, err = OpenStore(ctx, cfg.StoreURL(), d.Log); err != nil {
		return nil, err
	}
	if a.Blob, err = blob.Open(ctx, blob.Config{URL: cfg.ArtifactsURL(), StagingDir: cfg.ScratchDir()}); err != nil {
		return nil, err
	}
	if a.Engine, err = dataengine.Open(dataengine.Config{TempDir: cfg.ScratchDir() + "/duckdb"}); err != nil {
		return nil, err
	}
	a.Catalog = catalog.New(catalog.Deps{Store: a.Store, Blob: a.Blob, Engine: a.Engine, Clock: d.Clock, Log: d.Log})
	a.Eval = &eval.Service{Catalog: a.Catalog, Store: a.Store, Blob: a.Blob, Clock: d.Clock, Log: d.Log}
	a.Train = &train.Service{Catalog: a.Catalog, Store: a.Store, Blob: a.Blob, Clock: d.Clock, Log: d.Log, Version: d.Version}
	a.Registry = &registry.Service{Store: a.Store, Blob: a.Blob, Clock: d.Clock, Log: d.Log}
	a.Retrain = &retrain.Service{Catalog: a.Catalog, Store: a.Store, Blob: a.Blob, Registry: a.Registry, Train: a.Train, Eval: a.Eval, Clock: d.Clock, Log: d.Log}
	a.Monitor = &monitor.Service{Store: a.Store, Blob: a.Blob, Registry: a.Registry, Clock: d.Clock, Log: d.Log}
	return a, nil
}

// Close releases the drivers in reverse order of opening.
func (a *App) Close() error {
	var first error
	if a.Engine != nil {
		first = a.Engine.Close()
	}
	if a.Blob != nil {
		if err := a.Blob.Close(); err != nil && first == nil {
			first = err
		}
	}
	if a.Store != nil {
		if err := a.Store.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// OpenStore opens the metadata store named by url: sqlite:///path/to.db or
// postgres://...
func OpenStore(ctx context.Context, url string, log *slog.Logger) (store.Store, error) {
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		s, err := sqlite.Open(ctx, strings.TrimPrefix(url, "sqlite://"), sqlite.Config{Logger: log})
		if err != nil {
			return nil, err
		}
		return s, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err := postgres.Open(ctx, url, postgres.Config{Logger: log})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fault.Invalid("store %q: want a postgres:// or sqlite:// URL", redact(url))
}

// redact hides a password in a URL for messages.
func redact(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "@"); j >= 0 {
			cred := u[i+3 : i+3+j]
			if k := strings.Index(cred, ":"); k >= 0 {
				return u[:i+3] + cred[:k] + ":***" + u[i+3+j:]
			}
		}
	}
	return fmt.Sprint(u)
}
