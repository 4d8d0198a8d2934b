package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// runColumns selects a run as r.
const runColumns = `SELECT r.id, r.name, r.kind, r.status, COALESCE(r.parent_id, 0), r.target, r.algo,
	r.params_json, r.options_json, r.metrics_json, r.curve_json, r.artifact_key, r.error,
	r.started_at, r.finished_at, r.peak_mem_bytes
FROM runs r`

func scanRun(sc scanner) (store.Run, error) {
	var r store.Run
	err := sc.Scan(&r.ID, &r.Name, &r.Kind, &r.Status, &r.Parent, &r.Target, &r.Algo,
		&r.Params, &r.Options, &r.Metrics, &r.Curve, &r.ArtifactKey, &r.Error,
		timeScanner{&r.StartedAt}, nullTimeScanner{&r.FinishedAt}, &r.PeakMemBytes)
	r.Params = nilIfEmpty(r.Params)
	r.Options = nilIfEmpty(r.Options)
	r.Metrics = nilIfEmpty(r.Metrics)
	r.Curve = nilIfEmpty(r.Curve)
	return r, err
}

func validJSON(field string, b []byte, problems *[]string) {
	if len(b) > 0 && !json.Valid(b) {
		*problems = append(*problems, field+" is not valid JSON")
	}
}

// CreateRun records a new running run and its inputs in one transaction;
// see store.Runs.
func (s *Store) CreateRun(ctx context.Context, nr store.NewRun) (store.Run, error) {
	var problems []string
	if nr.Name == "" {
		problems = append(problems, "name is empty")
	}
	switch nr.Kind {
	case store.RunTrain, store.RunEval, store.RunMonitor, store.RunRetrain, store.RunPipeline:
	default:
		problems = append(problems, fmt.Sprintf("kind %q is not %q, %q, %q, %q or %q", nr.Kind, store.RunTrain, store.RunEval, store.RunMonitor, store.RunRetrain, store.RunPipeline))
	}
	validJSON("params", nr.Params, &problems)
	validJSON("options", nr.Options, &problems)
	seen := map[[2]any]bool{}
	for i, in := range nr.Inputs {
		if in.Role == "" {
			problems = append(problems, fmt.Sprintf("input %d has no role", i))
		}
		k := [2]any{in.VersionID, in.Role}
		if seen[k] {
			problems = append(problems, fmt.Sprintf("input %d (version id %d, role %q) is listed twice", i, in.VersionID, in.Role))
		}
		seen[k] = true
	}
	if len(problems) > 0 {
		return store.Run{}, fault.Invalid("store: create run %q: %s", nr.Name, strings.Join(problems, "; "))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Run{}, fmt.Errorf("store: create run %q: %w", nr.Name, err)
	}
	defer tx.Rollback()
	r := store.Run{
		Name: nr.Name, Kind: nr.Kind, Status: store.RunRunning, Parent: nr.Parent,
		Target: nr.Target, Algo: nr.Algo, StartedAt: storedTime(nr.StartedAt),
	}
	var parent any
	if nr.Parent != 0 {
		var one int
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM runs WHERE id = ?`), nr.Parent).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.Run{}, store.NotFoundf(fmt.Sprintf("store: create run %q: parent run %d", nr.Name, nr.Parent))
		}
		if err != nil {
			return store.Run{}, fmt.Errorf("store: create run %q: %w", nr.Name, err)
		}
		parent = nr.Parent
	}
	for _, in := range nr.Inputs {
		got := store.RunInput{VersionID: in.VersionID, Role: in.Role}
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT d.name, v.version
FROM versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?`), in.VersionID).Scan(&got.Dataset, &got.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return store.Run{}, store.NotFoundf(fmt.Sprintf("store: create run %q: input version id %d", nr.Name, in.VersionID))
		}
		if err != nil {
			return store.Run{}, fmt.Errorf("store: create run %q: read input: %w", nr.Name, err)
		}
		r.Inputs = append(r.Inputs, got)
	}
	err = tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO runs (name, kind, status, parent_id, target, algo,
	params_json, options_json, artifact_key, error, started_at, peak_mem_bytes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, 0)
RETURNING id, params_json, options_json`),
		r.Name, r.Kind, r.Status, parent, r.Target, r.Algo,
		jsonValue(nr.Params), jsonValue(nr.Options), s.d.timeValue(r.StartedAt),
	).Scan(&r.ID, &r.Params, &r.Options)
	if err != nil {
		return store.Run{}, fmt.Errorf("store: create run %q: %w", nr.Name, err)
	}
	r.Params, r.Options = nilIfEmpty(r.Params), nilIfEmpty(r.Options)
	for i, in := range r.Inputs {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO run_inputs (run_id, version_id, role, position) VALUES (?, ?, ?, ?)`),
			r.ID, in.VersionID, in.Role, i); err != nil {
			return store.Run{}, fmt.Errorf("store: create run %q: record input: %w", nr.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return store.Run{}, fmt.Errorf("store: create run %q: commit: %w", nr.Name, err)
	}
	return r, nil
}

// FinishRun records how run id ended; see store.Runs.
func (s *Store) FinishRun(ctx context.Context, id int64, end store.RunEnd) (store.Run, error) {
	var problems []string
	switch end.Status {
	case store.RunSucceeded, store.RunFailed, store.RunCancelled:
	default:
		problems = append(problems, fmt.Sprintf("status %q is not %q, %q or %q", end.Status, store.RunSucceeded, store.RunFailed, store.RunCancelled))
	}
	validJSON("metrics", end.Metrics, &problems)
	validJSON("curve", end.Curve, &problems)
	if end.FinishedAt.IsZero() {
		problems = append(problems, "finish time is zero")
	}
	if len(problems) > 0 {
		return store.Run{}, fault.Invalid("store: finish run %d: %s", id, strings.Join(problems, "; "))
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE runs SET status = ?, metrics_json = ?, curve_json = ?,
	artifact_key = ?, error = ?, finished_at = ?, peak_mem_bytes = ?
WHERE id = ? AND status = ?`),
		end.Status, jsonValue(end.Metrics), jsonValue(end.Curve), end.ArtifactKey, end.Error,
		s.d.timeValue(end.FinishedAt), end.PeakMemBytes, id, store.RunRunning)
	if err != nil {
		return store.Run{}, fmt.Errorf("store: finish run %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return store.Run{}, fmt.Errorf("store: finish run %d: %w", id, err)
	}
	r, err := s.Run(ctx, id)
	if err != nil {
		return store.Run{}, err
	}
	if n == 0 {
		return store.Run{}, fault.Mark(fault.KindConflict, fmt.Errorf("store: finish run %d: the run already ended (%s)", id, r.Status))
	}
	return r, nil
}

// Run returns run id.
func (s *Store) Run(ctx context.Context, id int64) (store.Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, s.d.rebind(runColumns+` WHERE r.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Run{}, store.NotFoundf(fmt.Sprintf("store: run %d", id))
	}
	if err != nil {
		return store.Run{}, fmt.Errorf("store: read run %d: %w", id, err)
	}
	ins, err := s.runInputs(ctx, `ri.run_id = ?`, id)
	if err != nil {
		return store.Run{}, fmt.Errorf("store: read inputs of run %d: %w", id, err)
	}
	r.Inputs = ins[id]
	return r, nil
}

// ListRuns lists runs newest first; see store.Runs.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	var where []string
	var args []any
	if f.Name != "" {
		where, args = append(where, "r.name = ?"), append(args, f.Name)
	}
	if f.Kind != "" {
		where, args = append(where, "r.kind = ?"), append(args, f.Kind)
	}
	q := runColumns
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	rs, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	if len(rs) == 0 {
		return rs, nil
	}
	ins, err := s.runInputs(ctx, `ri.run_id >= ?`, rs[len(rs)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("store: list runs: inputs: %w", err)
	}
	for i := range rs {
		rs[i].Inputs = ins[rs[i].ID]
	}
	return rs, nil
}

// runInputs returns the inputs selected by where (a condition on
// run_inputs ri with one argument) by run ID, in recorded order.
func (s *Store) runInputs(ctx context.Context, where string, arg any) (map[int64][]store.RunInput, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT ri.run_id, ri.version_id, d.name, v.version, ri.role
FROM run_inputs ri
JOIN versions v ON v.id = ri.version_id
JOIN datasets d ON d.id = v.dataset_id
WHERE `+where+`
ORDER BY ri.run_id, ri.position`), arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]store.RunInput{}
	for rows.Next() {
		var id int64
		var in store.RunInput
		if err := rows.Scan(&id, &in.VersionID, &in.Dataset, &in.Version, &in.Role); err != nil {
			return nil, err
		}
		out[id] = append(out[id], in)
	}
	return out, rows.Err()
}

// nullTimeScanner scans a nullable stored time; NULL leaves the zero time.
type nullTimeScanner struct{ t *time.Time }

func (ns nullTimeScanner) Scan(src any) error {
	if src == nil {
		*ns.t = time.Time{}
		return nil
	}
	return timeScanner(ns).Scan(src)
}
