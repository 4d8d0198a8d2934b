package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// Names of the registry's unique constraints that Dialect.UniqueViolation
// reports.
const (
	// ConstraintModelVersion is UNIQUE (model_id, version) on
	// model_versions.
	ConstraintModelVersion = "model_versions_model_version_key"
	// ConstraintModelRun is UNIQUE (model_id, run_id) on model_versions.
	ConstraintModelRun = "model_versions_model_run_key"
)

// inTx runs fn in a transaction and commits it, running the whole
// transaction again (up to Config.MaxAttempts times, with backoff) when it
// loses a race with a concurrent writer: a violation of
// ConstraintModelVersion, a deadlock or a serialization failure. what
// names the operation in errors.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if err == nil {
			return nil
		}
		if !s.retryable(err) {
			var fe *fault.Error
			if errors.As(err, &fe) {
				return err // made by fn, with its context
			}
			return fmt.Errorf("store: %s: %w", what, err)
		}
		if attempt >= s.cfg.MaxAttempts {
			return fault.Mark(fault.KindConflict, fmt.Errorf(
				"store: %s: still conflicting with concurrent writers after %d attempts: %w", what, attempt, err))
		}
		s.log.DebugContext(ctx, "retrying transaction", "op", what, "attempt", attempt, "err", err)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) retryable(err error) bool {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return false
	}
	var re *retryError
	if errors.As(err, &re) {
		return true
	}
	if c, ok := s.d.UniqueViolation(err); ok && c == ConstraintModelVersion {
		return true
	}
	return s.d.Retryable != nil && s.d.Retryable(err)
}

// modelID returns the ID of model name, locking its row (on dialects with
// ForUpdate) until the transaction ends. A missing model is ErrNotFound.
func (s *Store) modelID(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	q := `SELECT id FROM models WHERE name = ?`
	if s.d.ForUpdate != "" {
		q += " " + s.d.ForUpdate
	}
	var id int64
	err := tx.QueryRowContext(ctx, s.d.rebind(q), name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.NotFoundf(fmt.Sprintf("store: model %q", name))
	}
	return id, err
}

// event records a history entry in tx.
func (s *Store) event(ctx context.Context, tx *sql.Tx, modelID int64, version int, kind, endpoint string, ch store.Change, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.d.rebind(`INSERT INTO model_events (model_id, version, kind, endpoint, actor, reason, at, detail_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), modelID, version, kind, endpoint, ch.Actor, ch.Reason, s.d.timeValue(ch.At), string(b))
	return err
}

func checkChange(ch store.Change, probs *[]string) {
	if ch.At.IsZero() {
		*probs = append(*probs, "change time is zero")
	}
}

// RegisterModelVersion records the next version of a model; see
// store.Registry.
func (s *Store) RegisterModelVersion(ctx context.Context, nv store.NewModelVersion) (store.ModelVersion, error) {
	var probs []string
	if nv.Model == "" {
		probs = append(probs, "model name is empty")
	}
	if nv.RunID <= 0 {
		probs = append(probs, fmt.Sprintf("run id is %d; want a run", nv.RunID))
	}
	if nv.ArtifactKey == "" {
		probs = append(probs, "artifact key is empty")
	}
	validJSON("metrics", nv.Metrics, &probs)
	checkChange(nv.Change, &probs)
	if len(probs) > 0 {
		return store.ModelVersion{}, fault.Invalid("store: register model %q: %s", nv.Model, strings.Join(probs, "; "))
	}
	at := storedTime(nv.Change.At)
	var mv store.ModelVersion
	err := s.inTx(ctx, fmt.Sprintf("register model %q", nv.Model), func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM runs WHERE id = ?`), nv.RunID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: register model %q: run %d", nv.Model, nv.RunID))
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO models (name, created_at) VALUES (?, ?)
ON CONFLICT (name) DO NOTHING`), nv.Model, s.d.timeValue(at)); err != nil {
			return err
		}
		id, err := s.modelID(ctx, tx, nv.Model)
		if err != nil {
			return err
		}
		var prev int
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT version FROM model_versions WHERE model_id = ? AND run_id = ?`), id, nv.RunID).Scan(&prev)
		if err == nil {
			return store.Duplicatef(fmt.Sprintf("store: register model %q: run %d is version %d", nv.Model, nv.RunID, prev))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		mv = store.ModelVersion{Model: nv.Model, RunID: nv.RunID, ArtifactKey: nv.ArtifactKey, Task: nv.Task,
			Status: store.StatusPending, CreatedAt: at, StatusAt: at}
		if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE model_id = ?`), id).Scan(&mv.Version); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO model_versions (model_id, version, run_id, artifact_key, task, status, metrics_json, created_at, status_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id, metrics_json`), id, mv.Version, mv.RunID, mv.ArtifactKey, mv.Task, mv.Status, jsonValue(nv.Metrics),
			s.d.timeValue(at), s.d.timeValue(at)).Scan(&mv.ID, &mv.Metrics)
		if err != nil {
			if c, ok := s.d.UniqueViolation(err); ok && c == ConstraintModelRun {
				return store.Duplicatef(fmt.Sprintf("store: register model %q: run %d", nv.Model, nv.RunID))
			}
			return err
		}
		mv.Metrics = nilIfEmpty(mv.Metrics)
		return s.event(ctx, tx, id, mv.Version, store.EventRegister, "", nv.Change,
			map[string]any{"run_id": nv.RunID, "artifact_key": nv.ArtifactKey})
	})
	if err != nil {
		return store.ModelVersion{}, err
	}
	return mv, nil
}

// modelVersionColumns selects a model version as mv joined with its model
// as m.
const modelVersionColumns = `SELECT mv.id, m.name, mv.version, mv.run_id, mv.artifact_key, mv.task, mv.status,
	mv.metrics_json, mv.created_at, mv.status_at
FROM model_versions mv JOIN models m ON m.id = mv.model_id`

func scanModelVersion(sc scanner) (store.ModelVersion, error) {
	var mv store.ModelVersion
	err := sc.Scan(&mv.ID, &mv.Model, &mv.Version, &mv.RunID, &mv.ArtifactKey, &mv.Task, &mv.Status,
		&mv.Metrics, timeScanner{&mv.CreatedAt}, timeScanner{&mv.StatusAt})
	mv.Metrics = nilIfEmpty(mv.Metrics)
	return mv, err
}

// querier is *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// modelVersion reads version v (0: latest) of model name through db,
// with its aliases.
func (s *Store) modelVersion(ctx context.Context, db querier, name string, v int) (store.ModelVersion, error) {
	if v < 0 {
		return store.ModelVersion{}, fault.Invalid("store: model %q version %d: versions start at 1 (0 means the latest)", name, v)
	}
	var row *sql.Row
	if v == 0 {
		row = db.QueryRowContext(ctx, s.d.rebind(modelVersionColumns+` WHERE m.name = ? ORDER BY mv.version DESC LIMIT 1`), name)
	} else {
		row = db.QueryRowContext(ctx, s.d.rebind(modelVersionColumns+` WHERE m.name = ? AND mv.version = ?`), name, v)
	}
	mv, err := scanModelVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		if v == 0 {
			return store.ModelVersion{}, store.NotFoundf(fmt.Sprintf("store: model %q", name))
		}
		return store.ModelVersion{}, s.modelNotFound(ctx, db, name, fmt.Sprintf("store: model %q version %d", name, v))
	}
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("store: read model %q version %d: %w", name, v, err)
	}
	as, err := s.aliases(ctx, db, name)
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("store: read aliases of model %q: %w", name, err)
	}
	mv.Aliases = aliasesOf(as[name], mv.Version)
	return mv, nil
}

// modelNotFound returns a not-found error for what, or for the model if
// it does not exist.
func (s *Store) modelNotFound(ctx context.Context, db querier, name, what string) error {
	var one int
	err := db.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM models WHERE name = ?`), name).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.NotFoundf(fmt.Sprintf("store: model %q", name))
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	}
	return store.NotFoundf(what)
}

// aliases returns the aliases of model name (all models if name is
// empty), by model, sorted by alias.
func (s *Store) aliases(ctx context.Context, db querier, name string) (map[string][]store.Alias, error) {
	query := `SELECT m.name, a.alias, a.version FROM model_aliases a JOIN models m ON m.id = a.model_id`
	var args []any
	if name != "" {
		query += ` WHERE m.name = ?`
		args = append(args, name)
	}
	rows, err := db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]store.Alias{}
	for rows.Next() {
		var m string
		var a store.Alias
		if err := rows.Scan(&m, &a.Name, &a.Version); err != nil {
			return nil, err
		}
		out[m] = append(out[m], a)
	}
	for _, as := range out {
		slices.SortFunc(as, func(a, b store.Alias) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, rows.Err()
}

func aliasesOf(as []store.Alias, v int) []string {
	var out []string
	for _, a := range as {
		if a.Version == v {
			out = append(out, a.Name)
		}
	}
	return out
}

// ModelVersion returns version v of model name; v == 0 means the latest.
func (s *Store) ModelVersion(ctx context.Context, name string, v int) (store.ModelVersion, error) {
	return s.modelVersion(ctx, s.db, name, v)
}

// ModelVersionByAlias returns the version that alias of model name points
// at.
func (s *Store) ModelVersionByAlias(ctx context.Context, name, alias string) (store.ModelVersion, error) {
	var v int
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT a.version FROM model_aliases a JOIN models m ON m.id = a.model_id
WHERE m.name = ? AND a.alias = ?`), name, alias).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ModelVersion{}, s.modelNotFound(ctx, s.db, name, fmt.Sprintf("store: model %q alias %q", name, alias))
	}
	if err != nil {
		return store.ModelVersion{}, fmt.Errorf("store: read model %q alias %q: %w", name, alias, err)
	}
	return s.modelVersion(ctx, s.db, name, v)
}

// ModelVersions lists the versions of model name, oldest first. An unknown
// model is an error wrapping store.ErrNotFound.
func (s *Store) ModelVersions(ctx context.Context, name string) ([]store.ModelVersion, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(modelVersionColumns+` WHERE m.name = ? ORDER BY mv.version`), name)
	if err != nil {
		return nil, fmt.Errorf("store: list versions of model %q: %w", name, err)
	}
	mvs, err := collect(rows, scanModelVersion)
	if err != nil {
		return nil, fmt.Errorf("store: list versions of model %q: %w", name, err)
	}
	if len(mvs) == 0 {
		return nil, store.NotFoundf(fmt.Sprintf("store: model %q", name))
	}
	as, err := s.aliases(ctx, s.db, name)
	if err != nil {
		return nil, fmt.Errorf("store: read aliases of model %q: %w", name, err)
	}
	for i := range mvs {
		mvs[i].Aliases = aliasesOf(as[name], mvs[i].Version)
	}
	return mvs, nil
}

// Model returns model name with its latest version and aliases.
func (s *Store) Model(ctx context.Context, name string) (store.Model, error) {
	ms, err := s.models(ctx, name)
	if err != nil {
		return store.Model{}, err
	}
	if len(ms) == 0 {
		return store.Model{}, store.NotFoundf(fmt.Sprintf("store: model %q", name))
	}
	return ms[0], nil
}

// Models lists all models, ordered by name (byte order), with their
// latest version number and aliases.
func (s *Store) Models(ctx context.Context) ([]store.Model, error) {
	return s.models(ctx, "")
}

func (s *Store) models(ctx context.Context, name string) ([]store.Model, error) {
	query := `SELECT m.id, m.name, m.created_at, COALESCE((SELECT MAX(mv.version) FROM model_versions mv WHERE mv.model_id = m.id), 0)
FROM models m`
	var args []any
	if name != "" {
		query += ` WHERE m.name = ?`
		args = append(args, name)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list models: %w", err)
	}
	ms, err := collect(rows, func(sc scanner) (m store.Model, err error) {
		err = sc.Scan(&m.ID, &m.Name, timeScanner{&m.CreatedAt}, &m.Latest)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list models: %w", err)
	}
	as, err := s.aliases(ctx, s.db, name)
	if err != nil {
		return nil, fmt.Errorf("store: list models: aliases: %w", err)
	}
	for i := range ms {
		ms[i].Aliases = as[ms[i].Name]
	}
	slices.SortFunc(ms, func(a, b store.Model) int { return strings.Compare(a.Name, b.Name) })
	return ms, nil
}

// SetModelStatus approves or rejects a version; see store.Registry.
func (s *Store) SetModelStatus(ctx context.Context, name string, v int, status string, force bool, ch store.Change) (store.ModelVersion, error) {
	var probs []string
	kind := ""
	switch status {
	case store.StatusApproved:
		kind = store.EventApprove
	case store.StatusRejected:
		kind = store.EventReject
	default:
		probs = append(probs, fmt.Sprintf("status %q is not %q or %q", status, store.StatusApproved, store.StatusRejected))
	}
	if v <= 0 {
		probs = append(probs, fmt.Sprintf("version %d; want 1 or more", v))
	}
	checkChange(ch, &probs)
	if len(probs) > 0 {
		return store.ModelVersion{}, fault.Invalid("store: set status of model %q version %d: %s", name, v, strings.Join(probs, "; "))
	}
	at := storedTime(ch.At)
	var mv store.ModelVersion
	err := s.inTx(ctx, fmt.Sprintf("set status of model %q version %d", name, v), func(tx *sql.Tx) error {
		id, err := s.modelID(ctx, tx, name)
		if err != nil {
			return err
		}
		var cur string
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT status FROM model_versions WHERE model_id = ? AND version = ?`), id, v).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: model %q version %d", name, v))
		}
		if err != nil {
			return err
		}
		if cur != store.StatusPending && !force {
			return fault.Conflict("store: set status of model %q version %d: it is already %s; only a pending version changes status unless forced", name, v, cur)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE model_versions SET status = ?, status_at = ? WHERE model_id = ? AND version = ?`),
			status, s.d.timeValue(at), id, v); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, v, kind, "", ch, map[string]any{"from": cur, "forced": force}); err != nil {
			return err
		}
		mv, err = s.modelVersion(ctx, tx, name, v)
		return err
	})
	if err != nil {
		return store.ModelVersion{}, err
	}
	return mv, nil
}

// validAlias reports what is wrong with an alias name, or "".
func validAlias(alias string) string {
	if alias == "" {
		return "alias is empty"
	}
	if strings.Trim(alias, "0123456789") == "" {
		return fmt.Sprintf("alias %q is a number; an alias needs a letter", alias)
	}
	return ""
}

// SetAlias points an alias at a version; see store.Registry.
func (s *Store) SetAlias(ctx context.Context, name, alias string, v int, ch store.Change) (store.ModelVersion, error) {
	var probs []string
	if p := validAlias(alias); p != "" {
		probs = append(probs, p)
	}
	if v <= 0 {
		probs = append(probs, fmt.Sprintf("version %d; want 1 or more", v))
	}
	checkChange(ch, &probs)
	if len(probs) > 0 {
		return store.ModelVersion{}, fault.Invalid("store: set alias %q of model %q: %s", alias, name, strings.Join(probs, "; "))
	}
	var mv store.ModelVersion
	err := s.inTx(ctx, fmt.Sprintf("set alias %q of model %q", alias, name), func(tx *sql.Tx) error {
		id, err := s.modelID(ctx, tx, name)
		if err != nil {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM model_versions WHERE model_id = ? AND version = ?`), id, v).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: set alias %q: model %q version %d", alias, name, v))
		}
		if err != nil {
			return err
		}
		var from int
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?`), id, alias).Scan(&from)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO model_aliases (model_id, alias, version, updated_at) VALUES (?, ?, ?, ?)`),
				id, alias, v, s.d.timeValue(ch.At)); err != nil {
				return err
			}
		case err != nil:
			return err
		case from == v:
			mv, err = s.modelVersion(ctx, tx, name, v)
			return err
		default:
			if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE model_aliases SET version = ?, updated_at = ? WHERE model_id = ? AND alias = ?`),
				v, s.d.timeValue(ch.At), id, alias); err != nil {
				return err
			}
		}
		detail := map[string]any{"alias": alias}
		if from != 0 {
			detail["from"] = from
		}
		if err := s.event(ctx, tx, id, v, store.EventAlias, "", ch, detail); err != nil {
			return err
		}
		mv, err = s.modelVersion(ctx, tx, name, v)
		return err
	})
	if err != nil {
		return store.ModelVersion{}, err
	}
	return mv, nil
}

// RemoveAlias removes an alias; see store.Registry.
func (s *Store) RemoveAlias(ctx context.Context, name, alias string, ch store.Change) (store.ModelVersion, error) {
	var probs []string
	if alias == "" {
		probs = append(probs, "alias is empty")
	}
	checkChange(ch, &probs)
	if len(probs) > 0 {
		return store.ModelVersion{}, fault.Invalid("store: remove alias %q of model %q: %s", alias, name, strings.Join(probs, "; "))
	}
	var mv store.ModelVersion
	err := s.inTx(ctx, fmt.Sprintf("remove alias %q of model %q", alias, name), func(tx *sql.Tx) error {
		id, err := s.modelID(ctx, tx, name)
		if err != nil {
			return err
		}
		var v int
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?`), id, alias).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: model %q alias %q", name, alias))
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM model_aliases WHERE model_id = ? AND alias = ?`), id, alias); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, v, store.EventUnalias, "", ch, map[string]any{"alias": alias}); err != nil {
			return err
		}
		mv, err = s.modelVersion(ctx, tx, name, v)
		return err
	})
	if err != nil {
		return store.ModelVersion{}, err
	}
	return mv, nil
}

// eventColumns selects a history entry as e with its model as m.
const eventColumns = `SELECT e.id, m.name, e.version, e.kind, e.endpoint, e.actor, e.reason, e.at, e.detail_json
FROM model_events e JOIN models m ON m.id = e.model_id`

func scanEvent(sc scanner) (store.ModelEvent, error) {
	var e store.ModelEvent
	err := sc.Scan(&e.ID, &e.Model, &e.Version, &e.Kind, &e.Endpoint, &e.Actor, &e.Reason, timeScanner{&e.At}, &e.Detail)
	e.Detail = nilIfEmpty(e.Detail)
	return e, err
}

// ModelEvents lists history entries oldest first; see store.Registry.
func (s *Store) ModelEvents(ctx context.Context, f store.EventFilter) ([]store.ModelEvent, error) {
	var where []string
	var args []any
	if f.Model != "" {
		where, args = append(where, "m.name = ?"), append(args, f.Model)
	}
	if f.Version != 0 {
		where, args = append(where, "e.version = ?"), append(args, f.Version)
	}
	if f.Endpoint != "" {
		where, args = append(where, "e.endpoint = ?"), append(args, f.Endpoint)
	}
	if !f.Until.IsZero() {
		where, args = append(where, "e.at <= ?"), append(args, s.d.timeValue(f.Until))
	}
	query := eventColumns
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY e.at, e.id"
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list model events: %w", err)
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("store: list model events: %w", err)
	}
	return es, nil
}

// PutEndpoint creates or updates an endpoint; see store.Registry. The row
// is created (as a deleted placeholder) if missing, then locked, so that
// concurrent puts of one endpoint take generations one after the other
// and each deploy event names the version it replaced.
func (s *Store) PutEndpoint(ctx context.Context, ne store.NewEndpoint) (store.Endpoint, error) {
	var probs []string
	if ne.Name == "" {
		probs = append(probs, "endpoint name is empty")
	}
	if ne.Model == "" {
		probs = append(probs, "model name is empty")
	}
	if ne.Version <= 0 {
		probs = append(probs, fmt.Sprintf("version %d; want 1 or more", ne.Version))
	}
	validJSON("config", ne.Config, &probs)
	checkChange(ne.Change, &probs)
	if len(probs) > 0 {
		return store.Endpoint{}, fault.Invalid("store: put endpoint %q: %s", ne.Name, strings.Join(probs, "; "))
	}
	at := storedTime(ne.Change.At)
	var ep store.Endpoint
	err := s.inTx(ctx, fmt.Sprintf("put endpoint %q", ne.Name), func(tx *sql.Tx) error {
		modelID, err := s.modelID(ctx, tx, ne.Model)
		if err != nil {
			return err
		}
		var status string
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT status FROM model_versions WHERE model_id = ? AND version = ?`), modelID, ne.Version).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: put endpoint %q: model %q version %d", ne.Name, ne.Model, ne.Version))
		}
		if err != nil {
			return err
		}
		if status != store.StatusApproved && !ne.Force {
			return fault.Mark(fault.KindConflict, &notApproved{fmt.Sprintf("store: put endpoint %q: model %q version %d is %s, not approved", ne.Name, ne.Model, ne.Version, status)})
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO endpoints (name, model_id, version, config_json, generation, created_at, updated_at, deleted_at)
VALUES (?, ?, ?, NULL, 0, ?, ?, ?) ON CONFLICT (name) DO NOTHING`),
			ne.Name, modelID, ne.Version, s.d.timeValue(at), s.d.timeValue(at), s.d.timeValue(at)); err != nil {
			return err
		}
		q := `SELECT e.id, m.name, e.version, e.generation, e.created_at, e.deleted_at
FROM endpoints e JOIN models m ON m.id = e.model_id WHERE e.name = ?`
		if s.d.ForUpdate != "" {
			q += " FOR UPDATE OF e"
		}
		var prevModel string
		var prevVersion int
		var deleted time.Time
		ep = store.Endpoint{Name: ne.Name, Model: ne.Model, Version: ne.Version, UpdatedAt: at}
		if err := tx.QueryRowContext(ctx, s.d.rebind(q), ne.Name).Scan(&ep.ID, &prevModel, &prevVersion, &ep.Generation,
			timeScanner{&ep.CreatedAt}, nullTimeScanner{&deleted}); err != nil {
			return err
		}
		live := deleted.IsZero()
		if !live {
			ep.CreatedAt = at
		}
		ep.Generation++
		if err := tx.QueryRowContext(ctx, s.d.rebind(`UPDATE endpoints SET model_id = ?, version = ?, config_json = ?, generation = ?,
	created_at = ?, updated_at = ?, deleted_at = NULL WHERE id = ?
RETURNING config_json`), modelID, ne.Version, jsonValue(ne.Config), ep.Generation,
			s.d.timeValue(ep.CreatedAt), s.d.timeValue(at), ep.ID).Scan(&ep.Config); err != nil {
			return err
		}
		ep.Config = nilIfEmpty(ep.Config)
		detail := map[string]any{"endpoint": ne.Name, "generation": ep.Generation}
		if live {
			detail["from_model"], detail["from_version"] = prevModel, prevVersion
		}
		if len(ep.Config) > 0 {
			detail["config"] = json.RawMessage(ep.Config)
		}
		if ne.Force && status != store.StatusApproved {
			detail["forced"] = true
		}
		return s.event(ctx, tx, modelID, ne.Version, store.EventDeploy, ne.Name, ne.Change, detail)
	})
	if err != nil {
		return store.Endpoint{}, err
	}
	return ep, nil
}

// notApproved wraps store.ErrNotApproved with a message.
type notApproved struct{ msg string }

func (e *notApproved) Error() string { return e.msg }
func (e *notApproved) Unwrap() error { return store.ErrNotApproved }

// endpointColumns selects a live endpoint as e with its model as m.
const endpointColumns = `SELECT e.id, e.name, m.name, e.version, e.config_json, e.generation, e.created_at, e.updated_at
FROM endpoints e JOIN models m ON m.id = e.model_id`

func scanEndpoint(sc scanner) (store.Endpoint, error) {
	var e store.Endpoint
	err := sc.Scan(&e.ID, &e.Name, &e.Model, &e.Version, &e.Config, &e.Generation, timeScanner{&e.CreatedAt}, timeScanner{&e.UpdatedAt})
	e.Config = nilIfEmpty(e.Config)
	return e, err
}

// Endpoint returns endpoint name.
func (s *Store) Endpoint(ctx context.Context, name string) (store.Endpoint, error) {
	e, err := scanEndpoint(s.db.QueryRowContext(ctx, s.d.rebind(endpointColumns+` WHERE e.name = ? AND e.deleted_at IS NULL`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Endpoint{}, store.NotFoundf(fmt.Sprintf("store: endpoint %q", name))
	}
	if err != nil {
		return store.Endpoint{}, fmt.Errorf("store: read endpoint %q: %w", name, err)
	}
	return e, nil
}

// Endpoints lists the endpoints, ordered by name (byte order).
func (s *Store) Endpoints(ctx context.Context) ([]store.Endpoint, error) {
	rows, err := s.db.QueryContext(ctx, endpointColumns+` WHERE e.deleted_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: list endpoints: %w", err)
	}
	es, err := collect(rows, scanEndpoint)
	if err != nil {
		return nil, fmt.Errorf("store: list endpoints: %w", err)
	}
	slices.SortFunc(es, func(a, b store.Endpoint) int { return strings.Compare(a.Name, b.Name) })
	return es, nil
}

// DeleteEndpoint deletes an endpoint; see store.Registry. The row stays,
// marked deleted, so that the name's generation keeps increasing.
func (s *Store) DeleteEndpoint(ctx context.Context, name string, ch store.Change) (store.Endpoint, error) {
	var probs []string
	checkChange(ch, &probs)
	if len(probs) > 0 {
		return store.Endpoint{}, fault.Invalid("store: delete endpoint %q: %s", name, strings.Join(probs, "; "))
	}
	at := storedTime(ch.At)
	var ep store.Endpoint
	err := s.inTx(ctx, fmt.Sprintf("delete endpoint %q", name), func(tx *sql.Tx) error {
		// Lock the model's row before the endpoint's, in the order
		// PutEndpoint takes them, so the two cannot deadlock.
		var modelID int64
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT model_id FROM endpoints WHERE name = ? AND deleted_at IS NULL`), name).Scan(&modelID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: endpoint %q", name))
		}
		if err != nil {
			return err
		}
		if s.d.ForUpdate != "" {
			var one int
			if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM models WHERE id = ? `+s.d.ForUpdate), modelID).Scan(&one); err != nil {
				return err
			}
		}
		q := endpointColumns + ` WHERE e.name = ? AND e.deleted_at IS NULL`
		if s.d.ForUpdate != "" {
			q += " FOR UPDATE OF e"
		}
		ep, err = scanEndpoint(tx.QueryRowContext(ctx, s.d.rebind(q), name))
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf(fmt.Sprintf("store: endpoint %q", name))
		}
		if err != nil {
			return err
		}
		var now int64
		if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT model_id FROM endpoints WHERE id = ?`), ep.ID).Scan(&now); err != nil {
			return err
		}
		if now != modelID {
			// A concurrent deploy moved the endpoint to another model
			// between the two reads: start again.
			return &retryError{err: fmt.Errorf("endpoint %q moved to another model meanwhile", name)}
		}
		ep.Generation++
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE endpoints SET generation = ?, updated_at = ?, deleted_at = ? WHERE id = ?`),
			ep.Generation, s.d.timeValue(at), s.d.timeValue(at), ep.ID); err != nil {
			return err
		}
		ep.UpdatedAt = at
		return s.event(ctx, tx, modelID, ep.Version, store.EventUndeploy, name, ch,
			map[string]any{"endpoint": name, "generation": ep.Generation})
	})
	if err != nil {
		return store.Endpoint{}, err
	}
	return ep, nil
}

// ServedAt says which version an endpoint served at t; see
// store.Registry.
func (s *Store) ServedAt(ctx context.Context, name string, t time.Time) (store.Served, error) {
	e, err := scanEvent(s.db.QueryRowContext(ctx, s.d.rebind(eventColumns+`
WHERE e.endpoint = ? AND e.at <= ? AND e.kind IN ('deploy', 'undeploy')
ORDER BY e.at DESC, e.id DESC LIMIT 1`), name, s.d.timeValue(t)))
	when := storedTime(t).Format(time.RFC3339Nano)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Served{}, store.NotFoundf(fmt.Sprintf("store: endpoint %q at %s (not created yet)", name, when))
	}
	if err != nil {
		return store.Served{}, fmt.Errorf("store: endpoint %q at %s: %w", name, when, err)
	}
	if e.Kind == store.EventUndeploy {
		return store.Served{}, store.NotFoundf(fmt.Sprintf("store: endpoint %q at %s (deleted at %s)", name, when, e.At.Format(time.RFC3339Nano)))
	}
	var d struct {
		Generation int64 `json:"generation"`
	}
	_ = json.Unmarshal(e.Detail, &d)
	return store.Served{Endpoint: name, Model: e.Model, Version: e.Version, Generation: d.Generation, Since: e.At}, nil
}
