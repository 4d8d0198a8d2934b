package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

func testFeedback(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	at := func(m int) time.Time { return created.Add(time.Duration(m) * time.Minute) }
	labels := []store.Label{
		{InferenceID: "a", Value: "yes", PredictedAt: at(1), ReceivedAt: at(60)},
		{InferenceID: "b", Value: "no", PredictedAt: at(2), ReceivedAt: at(60)},
		{InferenceID: "c", Value: "3.25", PredictedAt: at(90), ReceivedAt: at(120)},
	}
	added, dups, err := s.AddLabels(ctx, "churn", labels)
	if err != nil || added != 3 || len(dups) != 0 {
		t.Fatalf("AddLabels = %d, %v, %v; want 3 added", added, dups, err)
	}
	// Again, with one new label: the others are duplicates, not recorded twice.
	added, dups, err = s.AddLabels(ctx, "churn", append(slices.Clone(labels[:2]), store.Label{InferenceID: "d", Value: "yes", PredictedAt: at(3), ReceivedAt: at(61)}))
	if err != nil || added != 1 || !slices.Equal(dups, []string{"a", "b"}) {
		t.Fatalf("AddLabels again = %d, %v, %v; want 1 added, duplicates a, b", added, dups, err)
	}
	// Another endpoint's ids are separate.
	if added, _, err := s.AddLabels(ctx, "other", labels[:1]); err != nil || added != 1 {
		t.Fatalf("AddLabels(other) = %d, %v", added, err)
	}
	got, err := s.Labels(ctx, "churn", at(0), at(60))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range got {
		ids = append(ids, l.InferenceID)
	}
	if !slices.Equal(ids, []string{"a", "b", "d"}) || got[0].Value != "yes" || !got[0].PredictedAt.Equal(at(1).Truncate(time.Microsecond)) || !got[0].ReceivedAt.Equal(at(60).Truncate(time.Microsecond)) {
		t.Errorf("Labels(0..60) = %+v", got)
	}
	if got, _ := s.Labels(ctx, "churn", at(60), at(200)); len(got) != 1 || got[0].Value != "3.25" {
		t.Errorf("Labels(60..200) = %+v", got)
	}
	for _, bad := range [][]store.Label{
		{{InferenceID: "", Value: "x", PredictedAt: at(1), ReceivedAt: at(1)}},
		{{InferenceID: "e", Value: "x", PredictedAt: at(1), ReceivedAt: at(1)}, {InferenceID: "e", Value: "y", PredictedAt: at(1), ReceivedAt: at(1)}},
	} {
		if _, _, err := s.AddLabels(ctx, "churn", bad); !fault.Is(err, fault.KindInvalid) {
			t.Errorf("AddLabels(%+v) error = %v, want KindInvalid", bad, err)
		}
	}
	// Concurrent writers of the same ids: each id recorded once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			var ls []store.Label
			for i := range 10 {
				ls = append(ls, store.Label{InferenceID: fmt.Sprintf("x%d", i), Value: "1", PredictedAt: at(5), ReceivedAt: at(6)})
			}
			for {
				n, _, err := s.AddLabels(ctx, "conc", ls)
				if fault.Is(err, fault.KindConflict) {
					continue // a concurrent writer won an insert: retry
				}
				if err != nil {
					t.Errorf("concurrent AddLabels: %v", err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	if total != 10 {
		t.Errorf("concurrent writers added %d labels in all, want 10", total)
	}
}

func testSchedules(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	if err := s.SetSchedule(ctx, "churn", 15*time.Minute, created); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSchedule(ctx, "alpha", time.Hour, created); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSchedule(ctx, "churn", 5*time.Minute, created.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.MonitorSchedules(ctx)
	if err != nil || len(got) != 2 || got[0].Endpoint != "alpha" || got[1].Every != 5*time.Minute || !got[1].UpdatedAt.Equal(created.Add(time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("MonitorSchedules = %+v, %v", got, err)
	}
	if err := s.SetSchedule(ctx, "alpha", 0, created); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.MonitorSchedules(ctx); len(got) != 1 || got[0].Endpoint != "churn" {
		t.Errorf("after removing alpha: %+v", got)
	}
	for _, every := range []time.Duration{-time.Second, time.Millisecond} {
		if err := s.SetSchedule(ctx, "x", every, created); !fault.Is(err, fault.KindInvalid) {
			t.Errorf("SetSchedule(every %v) error = %v, want KindInvalid", every, err)
		}
	}
}

func testAlarms(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	a, err := s.PutAlarm(ctx, "drift", "churn", []byte(`{"metric": "drifted", "gt": 0}`), created)
	if err != nil || a.State != store.AlarmInsufficientData || a.Endpoint != "churn" {
		t.Fatalf("PutAlarm = %+v, %v", a, err)
	}
	if _, err := s.PutAlarm(ctx, "q", "other", []byte(`{}`), created); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAlarm(ctx, "bad", "churn", []byte(`{`), created); !fault.Is(err, fault.KindInvalid) {
		t.Errorf("PutAlarm(bad JSON) = %v", err)
	}
	for i, st := range []string{store.AlarmOK, store.AlarmOK, store.AlarmAlarm, store.AlarmOK} {
		changed, err := s.SetAlarmState(ctx, "drift", st, fmt.Sprintf("run %d", i), created.Add(time.Duration(i)*time.Minute))
		if err != nil || changed != (i != 1) {
			t.Fatalf("SetAlarmState %d %s = %v, %v", i, st, changed, err)
		}
	}
	h, err := s.AlarmHistory(ctx, "drift")
	if err != nil || len(h) != 3 || h[1].State != store.AlarmAlarm || h[1].Reason != "run 2" {
		t.Fatalf("AlarmHistory = %+v, %v", h, err)
	}
	if as, _ := s.ListAlarms(ctx, "churn"); len(as) != 1 || as[0].State != store.AlarmOK {
		t.Errorf("ListAlarms(churn) = %+v", as)
	}
	if _, err := s.SetAlarmState(ctx, "nope", store.AlarmOK, "", created); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetAlarmState(nope) = %v", err)
	}
	if _, err := s.SetAlarmState(ctx, "drift", "RED", "", created); !fault.Is(err, fault.KindInvalid) {
		t.Errorf("SetAlarmState(RED) = %v", err)
	}
	if err := s.DeleteAlarm(ctx, "drift"); err != nil {
		t.Fatal(err)
	}
	if as, _ := s.ListAlarms(ctx, ""); len(as) != 1 || as[0].Name != "q" {
		t.Errorf("after delete: %+v", as)
	}
}

func testRetrainPolicies(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	if err := s.SetRetrainPolicy(ctx, store.RetrainPolicy{Endpoint: "churn", MinLabels: 500, Every: 24 * time.Hour, UpdatedAt: created}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RetrainPolicies(ctx)
	if err != nil || len(got) != 1 || got[0].MinLabels != 500 || got[0].Every != 24*time.Hour {
		t.Fatalf("RetrainPolicies = %+v, %v", got, err)
	}
	if err := s.SetRetrainPolicy(ctx, store.RetrainPolicy{Endpoint: "churn", UpdatedAt: created}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RetrainPolicies(ctx); len(got) != 0 {
		t.Errorf("after removal: %+v", got)
	}
	if err := s.SetRetrainPolicy(ctx, store.RetrainPolicy{Endpoint: "x", Every: time.Second, UpdatedAt: created}); !fault.Is(err, fault.KindInvalid) {
		t.Errorf("every 1s: %v", err)
	}
	at := func(m int) time.Time { return created.Add(time.Duration(m) * time.Minute) }
	s.AddLabels(ctx, "churn", []store.Label{{InferenceID: "a", Value: "1", PredictedAt: at(0), ReceivedAt: at(10)}, {InferenceID: "b", Value: "1", PredictedAt: at(0), ReceivedAt: at(20)}})
	if n, err := s.CountLabels(ctx, "churn", at(15)); err != nil || n != 1 {
		t.Errorf("CountLabels(since 15) = %d, %v; want 1", n, err)
	}
}
