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
	defer rows.Close()
	out := []store.Schedule{}
	for rows.Next() {
		var sc store.Schedule
		var secs int64
		if err := rows.Scan(&sc.Endpoint, &secs, timeScanner{&sc.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("store: list schedules: %w", err)
		}
		sc.Every = time.Duration(secs) * time.Second
		out = append(out, sc)
	}
	return out, rows.Err()
}
