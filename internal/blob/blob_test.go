package blob

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcycle/mlcycle/internal/fault"
)

func openFile(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "artifacts")
	s, err := Open(context.Background(), Config{URL: "file://" + root, StagingDir: filepath.Join(dir, "tmp")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, root
}

// runContract runs the behaviour every bucket must have.
func runContract(t *testing.T, s *Store) {
	ctx := context.Background()
	t.Run("put-read-delete", func(t *testing.T) {
		if err := s.Put(ctx, "a/b/one.txt", strings.NewReader("hello")); err != nil {
			t.Fatal(err)
		}
		r, err := s.NewReader(ctx, "a/b/one.txt")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if string(got) != "hello" {
			t.Errorf("read = %q, want %q", got, "hello")
		}
		if n, err := s.Size(ctx, "a/b/one.txt"); err != nil || n != 5 {
			t.Errorf("Size = %d, %v, want 5", n, err)
		}
		p, err := s.LocalPath(ctx, "a/b/one.txt")
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != "hello" {
			t.Errorf("LocalPath content = %q", b)
		}
		if err := s.Delete(ctx, "a/b/one.txt"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Exists(ctx, "a/b/one.txt"); ok {
			t.Error("object exists after Delete")
		}
		if err := s.Delete(ctx, "a/b/one.txt"); err != nil {
			t.Errorf("second Delete = %v, want nil", err)
		}
	})
	t.Run("not-found", func(t *testing.T) {
		_, err := s.NewReader(ctx, "missing/key")
		if fault.KindOf(err) != fault.KindNotFound {
			t.Errorf("NewReader(missing) kind = %v, want not_found (%v)", fault.KindOf(err), err)
		}
		_, err = s.LocalPath(ctx, "missing/key")
		if fault.KindOf(err) != fault.KindNotFound {
			t.Errorf("LocalPath(missing) kind = %v, want not_found (%v)", fault.KindOf(err), err)
		}
	})
	t.Run("failed-write-leaves-nothing", func(t *testing.T) {
		err := s.Put(ctx, "x/broken.bin", io.MultiReader(strings.NewReader("partial"), errReader{}))
		if err == nil {
			t.Fatal("Put with failing reader = nil error")
		}
		if ok, _ := s.Exists(ctx, "x/broken.bin"); ok {
			t.Error("a failed Put left an object")
		}
		keys, _ := s.List(ctx, "x/")
		if len(keys) != 0 {
			t.Errorf("List after failed Put = %v, want none", keys)
		}
	})
	t.Run("bad-keys", func(t *testing.T) {
		for _, k := range []string{"", "/abs", "../up", "a/../../b", "a//b"} {
			if err := s.Put(ctx, k, strings.NewReader("x")); fault.KindOf(err) != fault.KindInvalid {
				t.Errorf("Put(%q) kind = %v, want invalid", k, fault.KindOf(err))
			}
		}
	})
	t.Run("putfile", func(t *testing.T) {
		src := s.TempFile(".bin")
		payload := bytes.Repeat([]byte("0123456789"), 1000)
		if err := os.WriteFile(src, payload, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.PutFile(ctx, "files/p.bin", src); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(src); !os.IsNotExist(err) {
			t.Errorf("PutFile left its source behind: %v", err)
		}
		p, err := s.LocalPath(ctx, "files/p.bin")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, payload) {
			t.Errorf("PutFile content differs: %d bytes, want %d", len(got), len(payload))
		}
		keys, _ := s.List(ctx, "files/")
		if diff := cmp.Diff([]string{"files/p.bin"}, keys); diff != "" {
			t.Errorf("List (-want +got):\n%s", diff)
		}
		s.Delete(ctx, "files/p.bin")
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestFileStore(t *testing.T) {
	s, root := openFile(t)
	runContract(t, s)
	// Nothing but empty space is left once every object is deleted: no
	// metadata sidecars, no temp files, no empty directories.
	var left []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if p != root {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("files left under the bucket: %v", left)
	}
}

// TestAtomicWrite checks that a reader never sees a half-written object: while
// a write is in progress the key does not exist.
func TestAtomicWrite(t *testing.T) {
	s, _ := openFile(t)
	ctx := context.Background()
	pr, pw := io.Pipe()
	done := make(chan error)
	go func() { done <- s.Put(ctx, "big/obj", pr) }()
	pw.Write(bytes.Repeat([]byte("x"), 1<<16))
	if ok, _ := s.Exists(ctx, "big/obj"); ok {
		t.Error("object visible before its write completed")
	}
	if keys, _ := s.List(ctx, "big/"); len(keys) != 0 {
		t.Errorf("List during write = %v, want none", keys)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Size(ctx, "big/obj"); n != 1<<16 {
		t.Errorf("Size = %d, want %d", n, 1<<16)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(context.Background(), Config{URL: "ftp://x/y"})
	if fault.KindOf(err) != fault.KindInvalid || !strings.Contains(err.Error(), "ftp") {
		t.Errorf("Open(ftp) = %v, want an invalid error naming the scheme", err)
	}
}

// TestS3Store runs the same contract against an S3-compatible server when
// MLCYCLE_TEST_S3_URL names a bucket (credentials from the usual AWS_*
// variables).
func TestS3Store(t *testing.T) {
	u := os.Getenv("MLCYCLE_TEST_S3_URL")
	if u == "" {
		t.Skip("MLCYCLE_TEST_S3_URL not set: no S3-compatible server to test against")
	}
	dir := t.TempDir()
	s, err := Open(context.Background(), Config{URL: u, StagingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runContract(t, s)
}

// TestOpenS3URL checks that s3:// URLs are accepted: opening does no I/O.
func TestOpenS3URL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	s, err := Open(context.Background(), Config{URL: "s3://my-bucket?region=us-east-1&endpoint=http://127.0.0.1:1&use_path_style=true", StagingDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open(s3://...) = %v", err)
	}
	defer s.Close()
	if s.root != "" {
		t.Errorf("an s3 store has a local root %q", s.root)
	}
}
