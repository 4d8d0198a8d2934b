package catalog

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// AddOpts are the options of Add.
type AddOpts struct {
	// Name of the dataset; default: the file name without extensions,
	// made into a safe identifier.
	Name string
	dataengine.IngestOpts
}

// AddResult is the outcome of Add.
type AddResult struct {
	Version
	// Existing is true when the same bytes with the same options were
	// already ingested: the existing version is returned and nothing new is
	// stored.
	Existing bool
}

// Add ingests the file at src — a local path, or a file:// or s3:// URL —
// as a new version of dataset opts.Name.
func (s *Service) Add(ctx context.Context, src string, opts AddOpts) (AddResult, error) {
	local, cleanup, err := s.fetchSource(ctx, src)
	if err != nil {
		return AddResult{}, err
	}
	defer cleanup()
	if opts.Name == "" {
		opts.Name = DefaultName(src)
	}
	if err := CheckName(opts.Name); err != nil {
		return AddResult{}, err
	}
	if opts.Format == "" {
		f, err := dataengine.DetectFormat(src)
		if err != nil {
			return AddResult{}, err
		}
		opts.Format = f
	}
	if _, err := os.Stat(local); err != nil {
		if os.IsNotExist(err) {
			return AddResult{}, fault.NotFound("%s: no such file", src)
		}
		return AddResult{}, fault.Invalid("%s: %v", src, err)
	}

	// Hash the source while DuckDB reads it; once the hash is known, a
	// duplicate ingest is found and the conversion is stopped.
	type hashed struct {
		hash string
		dup  *Version
		err  error
	}
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	hc := make(chan hashed, 1)
	go func() {
		h, err := HashFile(local)
		if err != nil {
			hc <- hashed{err: err}
			return
		}
		v, ok, err := s.Lookup(ctx, opts.Name, InputKey(store.KindIngest, h, opts.IngestOpts))
		r := hashed{hash: h, err: err}
		if ok {
			r.dup = &v
			cancel()
		}
		hc <- r
	}()
	staged := s.StagingPath()
	res, ierr := s.engine.Ingest(ictx, local, staged, opts.IngestOpts)
	h := <-hc
	if h.err != nil {
		os.Remove(staged)
		return AddResult{}, fmt.Errorf("catalog: hash %s: %w", src, h.err)
	}
	if h.dup != nil {
		os.Remove(staged)
		return AddResult{Version: *h.dup, Existing: true}, nil
	}
	if ierr != nil {
		if fault.KindOf(ierr) == fault.KindInternal {
			ierr = fmt.Errorf("ingest %s: %w", src, ierr)
		}
		return AddResult{}, ierr
	}
	source := src
	if !strings.Contains(src, "://") {
		if abs, err := filepath.Abs(src); err == nil {
			source = abs
		}
	}
	vs, existing, err := s.Record(ctx, []Staged{{
		Path: staged, Dataset: opts.Name, Kind: store.KindIngest,
		InputKey:    InputKey(store.KindIngest, h.hash, opts.IngestOpts),
		ContentHash: h.hash, Schema: res.Schema, Rows: res.Rows, Source: source,
		Options: opts.IngestOpts,
	}})
	if err != nil {
		return AddResult{}, err
	}
	return AddResult{Version: vs[0], Existing: existing}, nil
}

// DefaultName derives a dataset name from a file name: "mlc_churn.csv.gz"
// → "mlc_churn"; characters that are not letters, digits or '_' become '_'.
func DefaultName(src string) string {
	base := path.Base(strings.ReplaceAll(src, "\\", "/"))
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	b := []byte(base)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	name := string(b)
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "_" + name
	}
	if len(name) > MaxNameLen {
		name = name[:MaxNameLen]
	}
	return name
}

// fetchSource returns a local path for src, downloading object-store URLs
// into scratch space.
func (s *Service) fetchSource(ctx context.Context, src string) (string, func(), error) {
	noop := func() {}
	if !strings.Contains(src, "://") {
		return src, noop, nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return "", noop, fault.Invalid("source %q: %v", src, err)
	}
	switch u.Scheme {
	case "file":
		return filepath.FromSlash(u.Path), noop, nil
	case "s3":
		key := strings.TrimPrefix(u.Path, "/")
		bucketURL := *u
		bucketURL.Path = ""
		b, err := blob.Open(ctx, blob.Config{URL: bucketURL.String(), StagingDir: s.blob.StagingDir()})
		if err != nil {
			return "", noop, err
		}
		defer b.Close()
		r, err := b.NewReader(ctx, key)
		if err != nil {
			return "", noop, err
		}
		defer r.Close()
		// Keep the source's file name, so the format is detected from it.
		dir, err := os.MkdirTemp(s.blob.StagingDir(), "fetch-")
		if err != nil {
			return "", noop, err
		}
		cleanup := func() { os.RemoveAll(dir) }
		p := filepath.Join(dir, path.Base(key))
		f, err := os.Create(p)
		if err != nil {
			cleanup()
			return "", noop, err
		}
		if _, err := f.ReadFrom(r); err != nil {
			f.Close()
			cleanup()
			return "", noop, fmt.Errorf("download %s: %w", src, err)
		}
		if err := f.Close(); err != nil {
			cleanup()
			return "", noop, err
		}
		return p, cleanup, nil
	}
	return "", noop, fault.Invalid("source %q: unsupported scheme %q (use a path, file:// or s3://)", src, u.Scheme)
}
