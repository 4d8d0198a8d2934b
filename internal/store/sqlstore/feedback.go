package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// ConstraintFeedback is UNIQUE (endpoint, inference_id) on feedback.
const ConstraintFeedback = "feedback_endpoint_inference_key"

// AddLabels records labels; see store.Feedback.
func (s *Store) AddLabels(ctx context.Context, endpoint string, labels []store.Label) (int, []string, error) {
	if endpoint == "" {
		return 0, nil, fault.Invalid("store: add labels: no endpoint")
	}
	seen := map[string]bool{}
	for i, l := range labels {
		if l.InferenceID == "" || l.PredictedAt.IsZero() || l.ReceivedAt.IsZero() {
			return 0, nil, fault.Invalid("store: add labels of %q: label %d lacks its inference id or times", endpoint, i)
		}
		if seen[l.InferenceID] {
			return 0, nil, fault.Invalid("store: add labels of %q: inference id %s is given twice", endpoint, l.InferenceID)
		}
		seen[l.InferenceID] = true
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("store: add labels: %w", err)
	}
	defer tx.Rollback()
	var dups []string
	added := 0
	for _, l := range labels {
		var one int
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM feedback WHERE endpoint = ? AND inference_id = ?`), endpoint, l.InferenceID).Scan(&one)
		if err == nil {
			dups = append(dups, l.InferenceID)
			continue
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO feedback (endpoint, inference_id, label, predicted_at, received_at) VALUES (?, ?, ?, ?, ?)`),
			endpoint, l.InferenceID, l.Value, s.d.timeValue(l.PredictedAt), s.d.timeValue(l.ReceivedAt)); err != nil {
			if c, ok := s.d.UniqueViolation(err); ok && c == ConstraintFeedback {
				return 0, nil, fault.Mark(fault.KindConflict, fmt.Errorf("store: add labels: a concurrent writer labelled %s: %w", l.InferenceID, err))
			}
			return 0, nil, fmt.Errorf("store: add labels: %w", err)
		}
		added++
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, fmt.Errorf("store: add labels: %w", err)
	}
	return added, dups, nil
}

// Labels returns labels of predictions in [from, to); see store.Feedback.
func (s *Store) Labels(ctx context.Context, endpoint string, from, to time.Time) ([]store.Label, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT inference_id, label, predicted_at, received_at FROM feedback
WHERE endpoint = ? AND predicted_at >= ? AND predicted_at < ? ORDER BY predicted_at, id`),
		endpoint, s.d.timeValue(from), s.d.timeValue(to))
	if err != nil {
		return nil, fmt.Errorf("store: labels of %q: %w", endpoint, err)
	}
	out, err := collect(rows, func(sc scanner) (l store.Label, err error) {
		err = sc.Scan(&l.InferenceID, &l.Value, timeScanner{&l.PredictedAt}, timeScanner{&l.ReceivedAt})
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: labels of %q: %w", endpoint, err)
	}
	return out, nil
}
