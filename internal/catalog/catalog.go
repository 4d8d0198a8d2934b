// Package catalog is the data catalog service: it ingests files into
// immutable, versioned datasets, and reads, previews, profiles, traces and
// exports them. Prep recipes and splits (packages prep and split) record
// their outputs through it.
//
// A dataset version is a Parquet object in the artifact store (key
// datasets/<name>/<random>.parquet) plus a row in the metadata store. Every
// write follows one order — stage the Parquet file in scratch space, move it
// into the artifact store, record the row in one transaction, and delete the
// object if recording fails — so a failed step leaves neither a row nor a
// file behind. (A crash between the move and the record can leave an
// unreferenced object; it is never read.)
//
// Identity: each version has an input key, a sha256 over how it was made
// (the source bytes' hash and the ingest options, or the parents and the
// recipe). Making the same thing twice returns the existing version and
// stores nothing new.
package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// Deps are the catalog's collaborators.
type Deps struct {
	Store  store.Store
	Blob   *blob.Store
	Engine *dataengine.Engine
	Clock  clock.Clock  // default clock.Real
	Log    *slog.Logger // default: discard
}

// Service is the data catalog. It is safe for concurrent use.
type Service struct {
	store  store.Store
	blob   *blob.Store
	engine *dataengine.Engine
	clock  clock.Clock
	log    *slog.Logger
}

// New returns a catalog service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: d.Store, blob: d.Blob, engine: d.Engine, clock: d.Clock, log: d.Log.With("component", "catalog")}
}

// Engine returns the data engine, for phases that run SQL over versions.
func (s *Service) Engine() *dataengine.Engine { return s.engine }

// Version is a dataset version with its schema decoded.
type Version struct {
	store.Version
	Columns []dataengine.Column
}

// Schema returns the version's schema.
func (v Version) Schema() dataengine.Schema { return dataengine.Schema{Columns: v.Columns} }

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// MaxNameLen is the longest dataset name; it leaves room for the _train /
// _valid suffixes of splits.
const MaxNameLen = 58

// CheckName reports whether name is a safe dataset identifier: a letter or
// underscore, then letters, digits and underscores, at most MaxNameLen.
func CheckName(name string) error {
	if !nameRE.MatchString(name) || len(name) > MaxNameLen {
		return fault.Invalid("dataset name %q is not a safe identifier: use a letter or '_' followed by letters, digits or '_' (at most %d characters)", name, MaxNameLen)
	}
	return nil
}

// ParseRef splits "name", "name@3" or "name@latest" into name and version
// (0 = latest).
func ParseRef(ref string) (string, int, error) {
	name, v, hasV := strings.Cut(ref, "@")
	if err := CheckName(name); err != nil {
		return "", 0, err
	}
	if !hasV || v == "latest" {
		return name, 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	if err != nil || n < 1 {
		return "", 0, fault.Invalid("dataset reference %q: version must be a positive number or \"latest\"", ref)
	}
	return name, n, nil
}

// Get returns the version named by ref ("name", "name@3", "name@latest").
func (s *Service) Get(ctx context.Context, ref string) (Version, error) {
	name, v, err := ParseRef(ref)
	if err != nil {
		return Version{}, err
	}
	sv, err := s.store.Version(ctx, name, v)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			if v == 0 {
				return Version{}, fault.NotFound("dataset %q not found (see `mlcycle data list`)", name)
			}
			return Version{}, fault.NotFound("dataset %q has no version %d", name, v)
		}
		return Version{}, err
	}
	return decode(sv)
}

func decode(sv store.Version) (Version, error) {
	var sch dataengine.Schema
	if err := json.Unmarshal(sv.Schema, &sch); err != nil {
		return Version{}, fmt.Errorf("catalog: %s@%d: bad schema record: %w", sv.Dataset, sv.Version, err)
	}
	return Version{Version: sv, Columns: sch.Columns}, nil
}

// ByID returns a version by its store ID.
func (s *Service) ByID(ctx context.Context, id int64) (Version, error) {
	sv, err := s.store.VersionByID(ctx, id)
	if err != nil {
		return Version{}, err
	}
	return decode(sv)
}

// List returns all datasets.
func (s *Service) List(ctx context.Context) ([]store.Dataset, error) { return s.store.Datasets(ctx) }

// Versions lists a dataset's versions, oldest first.
func (s *Service) Versions(ctx context.Context, name string) ([]Version, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	vs, err := s.store.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fault.NotFound("dataset %q not found", name)
	}
	out := make([]Version, len(vs))
	for i, v := range vs {
		if out[i], err = decode(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Path returns a local Parquet file holding version v's data.
func (s *Service) Path(ctx context.Context, v Version) (string, error) {
	return s.blob.LocalPath(ctx, v.ArtifactKey)
}

// Staged is a Parquet file in scratch space waiting to be recorded as a
// version.
type Staged struct {
	Path     string // local Parquet file; consumed by Record
	Dataset  string
	Kind     string
	InputKey string
	// ContentHash is filled by Record from the file when empty.
	ContentHash string
	Schema      dataengine.Schema
	Rows        int64
	Source      string
	Options     any // marshalled to JSON
	Parents     []store.Parent
}

// StagingPath returns a fresh path in scratch space for a staged file.
func (s *Service) StagingPath() string { return s.blob.TempFile(".parquet") }

// Record moves staged files into the artifact store and records them as
// versions in one transaction. On any error nothing is recorded, no object
// is left behind, and the staged files are removed. If another caller
// recorded the same input first, its versions are returned with
// existing == true.
func (s *Service) Record(ctx context.Context, staged []Staged) (out []Version, existing bool, err error) {
	var keys []string
	defer func() {
		for _, st := range staged {
			os.Remove(st.Path) // no-op for moved files
		}
		if err != nil {
			for _, k := range keys {
				if derr := s.blob.Delete(context.WithoutCancel(ctx), k); derr != nil {
					s.log.Warn("could not remove object of a failed step", "key", k, "err", derr)
				}
			}
		}
	}()
	nvs := make([]store.NewVersion, len(staged))
	now := s.clock.Now()
	for i, st := range staged {
		if err := CheckName(st.Dataset); err != nil {
			return nil, false, err
		}
		fi, err := os.Stat(st.Path)
		if err != nil {
			return nil, false, fmt.Errorf("catalog: staged file: %w", err)
		}
		hash := st.ContentHash
		if hash == "" {
			if hash, err = HashFile(st.Path); err != nil {
				return nil, false, err
			}
		}
		schema, err := json.Marshal(st.Schema)
		if err != nil {
			return nil, false, err
		}
		opts, err := json.Marshal(st.Options)
		if err != nil {
			return nil, false, err
		}
		key := fmt.Sprintf("datasets/%s/%s.parquet", st.Dataset, randomID())
		if err := s.blob.PutFile(ctx, key, st.Path); err != nil {
			return nil, false, err
		}
		keys = append(keys, key)
		nvs[i] = store.NewVersion{
			Dataset: st.Dataset, Kind: st.Kind, ContentHash: hash, InputKey: st.InputKey,
			Schema: schema, Rows: st.Rows, Bytes: fi.Size(), Source: st.Source, Options: opts,
			ArtifactKey: key, CreatedAt: now, Parents: st.Parents,
		}
	}
	svs, err := s.store.CreateVersions(ctx, nvs)
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			// A concurrent caller made the same versions first.
			var prior []Version
			for _, st := range staged {
				sv, lerr := s.store.VersionByInput(ctx, st.Dataset, st.InputKey)
				if lerr != nil {
					return nil, false, err
				}
				v, derr := decode(sv)
				if derr != nil {
					return nil, false, derr
				}
				prior = append(prior, v)
			}
			for _, k := range keys {
				s.blob.Delete(context.WithoutCancel(ctx), k)
			}
			keys = nil
			return prior, true, nil
		}
		return nil, false, err
	}
	for _, sv := range svs {
		v, err := decode(sv)
		if err != nil {
			return nil, false, err
		}
		out = append(out, v)
		s.log.InfoContext(ctx, "recorded version", "dataset", v.Dataset, "version", v.Number(), "rows", v.Rows, "kind", v.Kind)
	}
	return out, false, nil
}

// Lookup returns the version of dataset made from inputKey, if any.
func (s *Service) Lookup(ctx context.Context, dataset, inputKey string) (Version, bool, error) {
	sv, err := s.store.VersionByInput(ctx, dataset, inputKey)
	if errors.Is(err, store.ErrNotFound) {
		return Version{}, false, nil
	}
	if err != nil {
		return Version{}, false, err
	}
	v, err := decode(sv)
	return v, err == nil, err
}

// InputKey hashes the parts that define how a version is made.
func InputKey(kind string, parts ...any) string {
	h := sha256.New()
	io.WriteString(h, "mlcycle/input/v1\x00"+kind)
	for _, p := range parts {
		b, _ := json.Marshal(p)
		h.Write([]byte{0})
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HashFile returns the sha256 (hex) of a file's bytes.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func randomID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Number returns the version number (1, 2, ...) within its dataset.
func (v Version) Number() int { return v.Version.Version }
