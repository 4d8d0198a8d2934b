package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// PutAlarm creates or replaces an alarm; see store.Alarms.
func (s *Store) PutAlarm(ctx context.Context, name, endpoint string, spec []byte, at time.Time) (store.Alarm, error) {
	if name == "" || endpoint == "" || !json.Valid(spec) {
		return store.Alarm{}, fault.Invalid("store: alarm %q on %q: want a name, an endpoint and a JSON spec", name, endpoint)
	}
	_, err := s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO alarms (name, endpoint, spec_json, state, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET endpoint = excluded.endpoint, spec_json = excluded.spec_json, updated_at = excluded.updated_at`),
		name, endpoint, string(spec), store.AlarmInsufficientData, s.d.timeValue(at))
	if err != nil {
		return store.Alarm{}, fmt.Errorf("store: put alarm %q: %w", name, err)
	}
	return s.alarm(ctx, name)
}

func (s *Store) alarm(ctx context.Context, name string) (store.Alarm, error) {
	var a store.Alarm
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT name, endpoint, spec_json, state, updated_at FROM alarms WHERE name = ?`), name).
		Scan(&a.Name, &a.Endpoint, &a.Spec, &a.State, timeScanner{&a.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.NotFoundf(fmt.Sprintf("store: alarm %q", name))
	}
	return a, err
}

// DeleteAlarm removes an alarm and its history.
func (s *Store) DeleteAlarm(ctx context.Context, name string) error {
	if _, err := s.alarm(ctx, name); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM alarm_events WHERE alarm = ?`, `DELETE FROM alarms WHERE name = ?`} {
		if _, err := tx.ExecContext(ctx, s.d.rebind(q), name); err != nil {
			return fmt.Errorf("store: delete alarm %q: %w", name, err)
		}
	}
	return tx.Commit()
}

// ListAlarms lists alarms by name.
func (s *Store) ListAlarms(ctx context.Context, endpoint string) ([]store.Alarm, error) {
	q := `SELECT name, endpoint, spec_json, state, updated_at FROM alarms`
	var args []any
	if endpoint != "" {
		q += ` WHERE endpoint = ?`
		args = append(args, endpoint)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q+` ORDER BY name`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list alarms: %w", err)
	}
	out, err := collect(rows, func(sc scanner) (a store.Alarm, err error) {
		err = sc.Scan(&a.Name, &a.Endpoint, &a.Spec, &a.State, timeScanner{&a.UpdatedAt})
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list alarms: %w", err)
	}
	return out, nil
}

// SetAlarmState records a state change; see store.Alarms.
func (s *Store) SetAlarmState(ctx context.Context, name, state, reason string, at time.Time) (bool, error) {
	switch state {
	case store.AlarmOK, store.AlarmAlarm, store.AlarmInsufficientData:
	default:
		return false, fault.Invalid("store: alarm %q: unknown state %q", name, state)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var cur string
	q := `SELECT state FROM alarms WHERE name = ?`
	if s.d.ForUpdate != "" {
		q += " " + s.d.ForUpdate
	}
	err = tx.QueryRowContext(ctx, s.d.rebind(q), name).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return false, store.NotFoundf(fmt.Sprintf("store: alarm %q", name))
	}
	if err != nil {
		return false, err
	}
	if cur == state {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE alarms SET state = ?, updated_at = ? WHERE name = ?`), state, s.d.timeValue(at), name); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO alarm_events (alarm, state, reason, at) VALUES (?, ?, ?, ?)`), name, state, reason, s.d.timeValue(at)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// AlarmHistory lists an alarm's state changes, oldest first.
func (s *Store) AlarmHistory(ctx context.Context, name string) ([]store.AlarmEvent, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT alarm, state, reason, at FROM alarm_events WHERE alarm = ? ORDER BY id`), name)
	if err != nil {
		return nil, fmt.Errorf("store: alarm history: %w", err)
	}
	out, err := collect(rows, func(sc scanner) (e store.AlarmEvent, err error) {
		err = sc.Scan(&e.Alarm, &e.State, &e.Reason, timeScanner{&e.At})
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: alarm history: %w", err)
	}
	return out, nil
}
