package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// retryError marks a transaction that lost a race with another writer and
// may run again.
type retryError struct{ err error }

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// CreateVersions records vs in one transaction; see store.Catalog. Input
// that cannot be recorded (an empty Dataset, Kind, InputKey or parent Role,
// a parent listed twice, Schema or Options that are not JSON) is a
// fault.KindInvalid error that lists every problem. The versions returned
// are exactly what later reads return: CreatedAt in UTC truncated to the
// microsecond, Schema and Options as stored, parents with their dataset and
// version filled.
func (s *Store) CreateVersions(ctx context.Context, vs []store.NewVersion) ([]store.Version, error) {
	if len(vs) == 0 {
		return []store.Version{}, nil
	}
	if err := validate(vs); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		out, err := s.createVersions(ctx, vs)
		var re *retryError
		if !errors.As(err, &re) {
			return out, err
		}
		if attempt >= s.cfg.MaxAttempts {
			return nil, fault.Mark(fault.KindConflict, fmt.Errorf(
				"store: create versions: still conflicting with concurrent writers after %d attempts: %w", attempt, re.err))
		}
		s.log.DebugContext(ctx, "retrying create versions", "attempt", attempt, "err", re.err)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return nil, fmt.Errorf("store: create versions: %w", err)
		}
	}
}

// backoff returns how long to wait before attempt+1: exponential from 2ms,
// capped at 100ms, with full jitter so that writers that collided once do
// not collide again in step. The jitter needs no reproducible source.
func backoff(attempt int) time.Duration {
	d := 2 * time.Millisecond << min(attempt-1, 6)
	d = min(d, 100*time.Millisecond)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// validate reports every problem with vs, by field path.
func validate(vs []store.NewVersion) error {
	var probs []string
	for i, v := range vs {
		at := fmt.Sprintf("vs[%d]", i)
		if v.Dataset == "" {
			probs = append(probs, at+".Dataset is empty")
		}
		if v.Kind == "" {
			probs = append(probs, at+".Kind is empty")
		}
		if v.InputKey == "" {
			probs = append(probs, at+".InputKey is empty")
		}
		if v.Rows < 0 {
			probs = append(probs, fmt.Sprintf("%s.Rows is %d; want 0 or more", at, v.Rows))
		}
		if v.Bytes < 0 {
			probs = append(probs, fmt.Sprintf("%s.Bytes is %d; want 0 or more", at, v.Bytes))
		}
		if len(v.Schema) > 0 && !json.Valid(v.Schema) {
			probs = append(probs, at+".Schema is not valid JSON")
		}
		if len(v.Options) > 0 && !json.Valid(v.Options) {
			probs = append(probs, at+".Options is not valid JSON")
		}
		type edge struct {
			id   int64
			role string
		}
		seen := map[edge]bool{}
		for j, p := range v.Parents {
			pat := fmt.Sprintf("%s.Parents[%d]", at, j)
			if p.VersionID <= 0 {
				probs = append(probs, fmt.Sprintf("%s.VersionID is %d; want a version ID", pat, p.VersionID))
			}
			if p.Role == "" {
				probs = append(probs, pat+".Role is empty")
			}
			e := edge{p.VersionID, p.Role}
			if seen[e] {
				probs = append(probs, fmt.Sprintf("%s repeats parent %d with role %q", pat, p.VersionID, p.Role))
			}
			seen[e] = true
		}
	}
	if len(probs) > 0 {
		return fault.Invalid("store: create versions: %s", strings.Join(probs, "; "))
	}
	return nil
}

// createVersions runs one attempt of CreateVersions. An error that may go
// away when the transaction runs again is a *retryError.
func (s *Store) createVersions(ctx context.Context, vs []store.NewVersion) ([]store.Version, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.txError("begin", err)
	}
	defer tx.Rollback() // a no-op after Commit

	// Parents first: a missing one fails the call before any row is
	// written or locked.
	parents := map[int64]store.Parent{}
	for _, v := range vs {
		for _, p := range v.Parents {
			if _, ok := parents[p.VersionID]; ok {
				continue
			}
			got := store.Parent{VersionID: p.VersionID}
			err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT d.name, v.version
FROM versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?`), p.VersionID).Scan(&got.Dataset, &got.Version)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, store.NotFoundf(fmt.Sprintf("store: create versions of %q: parent version id %d", v.Dataset, p.VersionID))
			}
			if err != nil {
				return nil, s.txError("read parent", err)
			}
			parents[p.VersionID] = got
		}
	}

	// Datasets, created if new and locked, in name order so that two
	// calls cannot lock the same rows in opposite orders.
	created := map[string]time.Time{}
	var names []string
	for _, v := range vs {
		if _, ok := created[v.Dataset]; !ok {
			created[v.Dataset] = v.CreatedAt
			names = append(names, v.Dataset)
		}
	}
	slices.Sort(names)
	datasetID := map[string]int64{}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO datasets (name, created_at) VALUES (?, ?)
ON CONFLICT (name) DO NOTHING`), name, s.d.timeValue(created[name])); err != nil {
			return nil, s.txError(fmt.Sprintf("create dataset %q", name), err)
		}
		var id int64
		q := `SELECT id FROM datasets WHERE name = ?`
		if s.d.ForUpdate != "" {
			q += " " + s.d.ForUpdate
		}
		if err := tx.QueryRowContext(ctx, s.d.rebind(q), name).Scan(&id); err != nil {
			return nil, s.txError(fmt.Sprintf("read dataset %q", name), err)
		}
		datasetID[name] = id
	}

	out := make([]store.Version, len(vs))
	for i, nv := range vs {
		dsID := datasetID[nv.Dataset]
		v := store.Version{
			Dataset:     nv.Dataset,
			Kind:        nv.Kind,
			ContentHash: nv.ContentHash,
			InputKey:    nv.InputKey,
			Rows:        nv.Rows,
			Bytes:       nv.Bytes,
			Source:      nv.Source,
			ArtifactKey: nv.ArtifactKey,
			CreatedAt:   storedTime(nv.CreatedAt),
		}
		if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE dataset_id = ?`), dsID).Scan(&v.Version); err != nil {
			return nil, s.txError(fmt.Sprintf("number version of %q", nv.Dataset), err)
		}
		err := tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO versions (dataset_id, version, kind, content_hash, input_key,
	schema_json, row_count, byte_size, source, options_json, artifact_key, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id, schema_json, options_json`),
			dsID, v.Version, v.Kind, v.ContentHash, v.InputKey,
			jsonValue(nv.Schema), v.Rows, v.Bytes, v.Source, jsonValue(nv.Options), v.ArtifactKey, s.d.timeValue(v.CreatedAt),
		).Scan(&v.ID, &v.Schema, &v.Options)
		if err != nil {
			if c, ok := s.d.UniqueViolation(err); ok && c == ConstraintInput {
				return nil, store.Duplicatef(fmt.Sprintf("store: create versions: dataset %q input %s", nv.Dataset, nv.InputKey))
			}
			return nil, s.txError(fmt.Sprintf("insert version %d of %q", v.Version, nv.Dataset), err)
		}
		v.Schema = nilIfEmpty(v.Schema)
		v.Options = nilIfEmpty(v.Options)
		for j, p := range nv.Parents {
			if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO lineage (child_id, parent_id, role, position) VALUES (?, ?, ?, ?)`),
				v.ID, p.VersionID, p.Role, j); err != nil {
				return nil, s.txError(fmt.Sprintf("record parent %d of %q version %d", p.VersionID, nv.Dataset, v.Version), err)
			}
			got := parents[p.VersionID]
			got.Role = p.Role
			v.Parents = append(v.Parents, got)
		}
		out[i] = v
	}
	if err := tx.Commit(); err != nil {
		return nil, s.txError("commit", err)
	}
	return out, nil
}

// txError wraps err from step of CreateVersions, as a *retryError if
// running the transaction again may succeed.
func (s *Store) txError(step string, err error) error {
	if c, ok := s.d.UniqueViolation(err); ok && c == ConstraintVersion {
		return &retryError{err: fmt.Errorf("%s: %w", step, err)}
	}
	if s.d.Retryable != nil && s.d.Retryable(err) {
		return &retryError{err: fmt.Errorf("%s: %w", step, err)}
	}
	return fmt.Errorf("store: create versions: %s: %w", step, err)
}

// jsonValue binds a JSON column: NULL when empty, else the text (a string,
// which both TEXT and JSONB columns accept).
func jsonValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
