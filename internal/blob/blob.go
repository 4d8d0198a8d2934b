// Package blob is the artifact store: dataset versions (Parquet), model
// packages and reports live here, addressed by slash-separated keys. It is
// built on gocloud.dev/blob, so the same code runs on the local file system
// (file://, the embedded default under .mlcycle/artifacts) and on any
// S3-compatible store (s3://bucket?region=...&endpoint=...).
//
// Writes are atomic: a reader never sees half an object. gocloud's file
// driver writes to a temporary file and renames it on Close, and S3 objects
// appear only when their upload completes. PutFile adds a fast path for the
// file driver: a file staged under StagingDir (same file system as the
// bucket) is fsynced and renamed into place, so a 200 MB Parquet file is not
// copied a second time.
//
// Temporary files of the file driver (gocloud's "<key>.<hex>.tmp", our
// staging files) are never listed by List.
//
// Reading: DuckDB and the Parquet loader need local files. LocalPath returns
// the object's own path for file:// buckets, and for remote buckets a copy
// downloaded (atomically) into the cache directory; versions are immutable,
// so a cached copy never goes stale.
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mlcycle/mlcycle/internal/fault"
	gblob "gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
	"gocloud.dev/gcerrors"
)

// Config says where the artifact store is.
type Config struct {
	// URL of the bucket: file:///abs/dir or s3://bucket?region=...
	// Required.
	URL string
	// StagingDir is a local directory for temporary files. For file://
	// buckets it must be on the same file system as the bucket for
	// PutFile to rename instead of copy. Default: os.TempDir().
	StagingDir string
	// CacheDir holds local copies of remote objects for LocalPath.
	// Default: StagingDir/cache.
	CacheDir string
}

// Store is an open artifact store. It is safe for concurrent use.
type Store struct {
	bucket  *gblob.Bucket
	url     string
	root    string // local directory of a file:// bucket, "" otherwise
	staging string
	cache   string
}

// Open opens the bucket named by cfg.URL. file:// buckets are created when
// missing and written without gocloud's metadata sidecar files.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URL == "" {
		return nil, fault.Invalid("artifact store: no URL")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fault.Invalid("artifact store: parse URL %q: %v", cfg.URL, err)
	}
	s := &Store{url: cfg.URL, staging: cfg.StagingDir, cache: cfg.CacheDir}
	if s.staging == "" {
		s.staging = os.TempDir()
	}
	if s.cache == "" {
		s.cache = filepath.Join(s.staging, "cache")
	}
	open := cfg.URL
	switch u.Scheme {
	case "file":
		s.root = filepath.FromSlash(u.Path)
		if u.Host == "." {
			s.root = filepath.FromSlash(strings.TrimPrefix(u.Path, "/"))
		}
		if err := os.MkdirAll(s.root, 0o755); err != nil {
			return nil, fmt.Errorf("artifact store: create %s: %w", s.root, err)
		}
		q := u.Query()
		q.Set("no_tmp_dir", "1")
		q.Set("metadata", "skip")
		u.RawQuery = q.Encode()
		open = u.String()
	case "s3":
	default:
		return nil, fault.Invalid("artifact store: unsupported URL scheme %q in %q (use file:// or s3://)", u.Scheme, cfg.URL)
	}
	if err := os.MkdirAll(s.staging, 0o755); err != nil {
		return nil, fmt.Errorf("artifact store: create staging dir: %w", err)
	}
	b, err := gblob.OpenBucket(ctx, open)
	if err != nil {
		return nil, fault.Mark(fault.KindUnavailable, fmt.Errorf("artifact store: open %s: %w", cfg.URL, err))
	}
	s.bucket = b
	return s, nil
}

// URL returns the bucket URL the store was opened with.
func (s *Store) URL() string { return s.url }

// StagingDir returns the directory for files that will be handed to PutFile.
func (s *Store) StagingDir() string { return s.staging }

// TempFile returns the path of a new, unique, not yet existing file in the
// staging directory, ending in suffix. The caller creates it.
func (s *Store) TempFile(suffix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return filepath.Join(s.staging, "stage-"+hex.EncodeToString(b[:])+suffix)
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || path.Clean(key) != key || strings.HasPrefix(key, "..") {
		return fault.Invalid("artifact store: bad key %q", key)
	}
	return nil
}

// PutFile stores the local file at src under key, atomically, and removes
// src. For a file:// bucket on the same file system it renames src into
// place after an fsync; otherwise it streams src through a bucket writer.
func (s *Store) PutFile(ctx context.Context, key, src string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if s.root != "" {
		dst := filepath.Join(s.root, filepath.FromSlash(key))
		err := renameSynced(src, dst)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errCrossDevice) {
			return fmt.Errorf("artifact store: put %s: %w", key, err)
		}
	}
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("artifact store: put %s: %w", key, err)
	}
	defer f.Close()
	if err := s.Put(ctx, key, f); err != nil {
		return err
	}
	return os.Remove(src)
}

var errCrossDevice = errors.New("cross-device rename")

func renameSynced(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) && strings.Contains(le.Err.Error(), "cross-device") {
			return errCrossDevice
		}
		return err
	}
	return nil
}

// Put writes r under key atomically: on error or cancellation nothing is
// stored.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, nil)
	if err != nil {
		return fmt.Errorf("artifact store: put %s: %w", key, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel() // aborts the write: the object is not created
		_ = w.Close()
		s.pruneDirs(key)
		return fmt.Errorf("artifact store: put %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		s.pruneDirs(key)
		return fmt.Errorf("artifact store: put %s: %w", key, err)
	}
	return nil
}

// NewReader opens the object under key.
func (s *Store) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, s.wrap("read", key, err)
	}
	return r, nil
}

func (s *Store) wrap(op, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fault.NotFound("artifact store: %s %s: object not found", op, key)
	}
	return fmt.Errorf("artifact store: %s %s: %w", op, key, err)
}

// Exists reports whether key exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, s.wrap("stat", key, err)
	}
	return ok, nil
}

// Size returns the size in bytes of the object under key.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	a, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return 0, s.wrap("stat", key, err)
	}
	return a.Size, nil
}

// Delete removes key. Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("artifact store: delete %s: %w", key, err)
	}
	s.pruneDirs(key)
	return nil
}

// pruneDirs removes the directories above key that are left empty in a
// file:// bucket, so that a failed or undone step leaves the tree exactly
// as it was.
func (s *Store) pruneDirs(key string) {
	if s.root == "" {
		return
	}
	dir := filepath.Dir(filepath.Join(s.root, filepath.FromSlash(key)))
	for dir != s.root && strings.HasPrefix(dir, s.root) {
		if os.Remove(dir) != nil {
			break
		}
		dir = filepath.Dir(dir)
	}
}

// List returns the keys under prefix, sorted. Temporary files are skipped.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	it := s.bucket.List(&gblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("artifact store: list %q: %w", prefix, err)
		}
		if strings.HasSuffix(obj.Key, ".tmp") {
			continue
		}
		keys = append(keys, obj.Key)
	}
	return keys, nil
}

// LocalPath returns a local file holding the object under key: the object
// itself for file:// buckets, a cached download otherwise. The caller must
// not modify the file.
// AppendPath returns, for a file:// bucket, the local path of the object
// under key (creating its directory), so that one writer can append to the
// object in place; ok is false for other buckets, where objects can only be
// replaced whole. Appends are visible to readers at once: a reader may see
// the end of a write in progress, so appenders write whole records per
// call and readers ignore a last line without its newline.
func (s *Store) AppendPath(key string) (path string, ok bool, err error) {
	if err := checkKey(key); err != nil {
		return "", false, err
	}
	if s.root == "" {
		return "", false, nil
	}
	p := filepath.Join(s.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", false, err
	}
	return p, true, nil
}

func (s *Store) LocalPath(ctx context.Context, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if s.root != "" {
		p := filepath.Join(s.root, filepath.FromSlash(key))
		if _, err := os.Stat(p); err != nil {
			if os.IsNotExist(err) {
				return "", fault.NotFound("artifact store: read %s: object not found", key)
			}
			return "", err
		}
		return p, nil
	}
	p := filepath.Join(s.cache, filepath.FromSlash(key))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	r, err := s.NewReader(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	tmp, err := os.CreateTemp(filepath.Dir(p), ".download-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("artifact store: download %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return p, nil
}
