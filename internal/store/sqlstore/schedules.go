package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// SetSchedule creates, replaces or (every 0) removes a monitor schedule.
func (s *Store) SetSchedule(ctx context.Context, endpoint string, every time.Duration, at time.Time) error {
	if endpoint == "" || every < 0 || every > 0 && every < time.Second {
		return fault.Invalid("store: schedule of %q every %v: want an endpoint and at least 1s (0 removes it)", endpoint, every)
	}
	var err error
	if every == 0 {
		_, err = s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM monitor_schedules WHERE endpoint = ?`), endpoint)
	} else {
		_, err = s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO monitor_schedules (endpoint, every_seconds, updated_at) VALUES (?, ?, ?)
ON CONFLICT (endpoint) DO UPDATE SET every_seconds = excluded.every_seconds, updated_at = excluded.updated_at`),
			endpoint, int64(every/time.Second), s.d.timeValue(at))
	}
	if err != nil {
		return fmt.Errorf("store: schedule of %q: %w", endpoint, err)
	}
	return nil
}

// MonitorSchedules lists the schedules by endpoint.
func (s *Store) MonitorSchedules(ctx context.Context) ([]store.Schedule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT endpoint, every_seconds, updated_at FROM monitor_schedules ORDER BY endpoint`)
	if err != nil {
		return nil, fmt.Errorf("store: list schedules: %w", err)
	}
	out, err := collect(rows, func(r scanner) (sc store.Schedule, err error) {
		var secs int64
		err = r.Scan(&sc.Endpoint, &secs, timeScanner{&sc.UpdatedAt})
		sc.Every = time.Duration(secs) * time.Second
		return sc, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list schedules: %w", err)
	}
	return out, nil
}

// SetRetrainPolicy creates, replaces or (both triggers zero) removes a
// retraining policy.
func (s *Store) SetRetrainPolicy(ctx context.Context, p store.RetrainPolicy) error {
	if p.Endpoint == "" || p.MinLabels < 0 || p.Every < 0 || p.Every > 0 && p.Every < time.Minute {
		return fault.Invalid("store: retrain policy of %q (every %v, %d labels): want an endpoint, every at least 1m or 0, labels >= 0", p.Endpoint, p.Every, p.MinLabels)
	}
	var err error
	if p.MinLabels == 0 && p.Every == 0 {
		_, err = s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM retrain_policies WHERE endpoint = ?`), p.Endpoint)
	} else {
		_, err = s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO retrain_policies (endpoint, min_labels, every_seconds, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (endpoint) DO UPDATE SET min_labels = excluded.min_labels, every_seconds = excluded.every_seconds, updated_at = excluded.updated_at`),
			p.Endpoint, p.MinLabels, int64(p.Every/time.Second), s.d.timeValue(p.UpdatedAt))
	}
	if err != nil {
		return fmt.Errorf("store: retrain policy of %q: %w", p.Endpoint, err)
	}
	return nil
}

// RetrainPolicies lists the policies by endpoint.
func (s *Store) RetrainPolicies(ctx context.Context) ([]store.RetrainPolicy, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT endpoint, min_labels, every_seconds, updated_at FROM retrain_policies ORDER BY endpoint`)
	if err != nil {
		return nil, fmt.Errorf("store: list retrain policies: %w", err)
	}
	out, err := collect(rows, func(r scanner) (p store.RetrainPolicy, err error) {
		var secs int64
		err = r.Scan(&p.Endpoint, &p.MinLabels, &secs, timeScanner{&p.UpdatedAt})
		p.Every = time.Duration(secs) * time.Second
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list retrain policies: %w", err)
	}
	return out, nil
}

// CountLabels counts endpoint's labels received at or after since.
func (s *Store) CountLabels(ctx context.Context, endpoint string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM feedback WHERE endpoint = ? AND received_at >= ?`), endpoint, s.d.timeValue(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count labels of %q: %w", endpoint, err)
	}
	return n, nil
}
