package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/registry"
)

// RunResolver resolves a training run (its ID or name, through
// eval.Service.Resolve) or a model package file, until the registry
// provides model names and versions. A run's model is named by the run's
// name and versioned by its ID; a file's by the package's name and 0.
func RunResolver(e *eval.Service) Resolver {
	return func(ctx context.Context, ref string) (Resolved, error) {
		m, run, err := e.Resolve(ctx, ref)
		if err != nil {
			return Resolved{}, err
		}
		if run != nil {
			return Resolved{Ref: strconv.FormatInt(run.ID, 10), Name: run.Name, Version: int(run.ID), ArtifactKey: run.ArtifactKey, Model: m}, nil
		}
		abs, err := filepath.Abs(ref)
		if err != nil {
			return Resolved{}, err
		}
		sum, err := catalog.HashFile(abs)
		if err != nil {
			return Resolved{}, err
		}
		name := m.Package().Name
		if name == "" {
			name = filepath.Base(abs)
		}
		return Resolved{Ref: abs, Name: name, ArtifactKey: "file:" + abs + "#sha256=" + sum, Model: m}, nil
	}
}

// RegistryResolver resolves registered models ("churn", "churn@2",
// "churn@champion") through the registry, and everything else through
// fallback (RunResolver): a path to an existing file, and a reference
// without "@" that names no registered model (a training run's number or
// name). A registered version is named and versioned as in the registry,
// and the job stores "name@version", so an alias moved while the job runs
// does not change what it scores with.
func RegistryResolver(reg *registry.Service, fallback Resolver) Resolver {
	return func(ctx context.Context, ref string) (Resolved, error) {
		if st, err := os.Stat(ref); err == nil && !st.IsDir() {
			return fallback(ctx, ref)
		}
		r, err := reg.Resolve(ctx, ref)
		if err != nil {
			if k := fault.KindOf(err); !strings.Contains(ref, "@") && (k == fault.KindNotFound || k == fault.KindInvalid) {
				return fallback(ctx, ref)
			}
			return Resolved{}, err
		}
		mv := r.Version
		return Resolved{Ref: fmt.Sprintf("%s@%d", mv.Model, mv.Version), Name: mv.Model, Version: mv.Version, ArtifactKey: mv.ArtifactKey, Model: r.Model}, nil
	}
}
