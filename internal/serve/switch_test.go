package serve

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/predict"
)

// TestAtomicSwitch sends requests while Set swaps the endpoint between two
// model versions: every request succeeds, and every response's
// probabilities are those of the version it names.
func TestAtomicSwitch(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	models := map[int]*predict.Model{1: model(t, predict.TaskBinary, 20), 2: model(t, predict.TaskBinary, 5)}
	rec := []map[string]any{{"x": 3.1, "n": 4.0, "city": "Oslo", "flag": true}}
	wantP := map[int]float64{}
	for v, m := range models {
		wantP[v] = want(t, m, rec).Probs[1]
	}
	if wantP[1] == wantP[2] {
		t.Fatalf("fixture: both versions predict %v", wantP[1])
	}
	h := s.Handler()
	body := mustJSON(rec[0])
	var stop atomic.Bool
	var swaps sync.WaitGroup
	swaps.Add(1)
	go func() {
		defer swaps.Done()
		for i := 0; !stop.Load(); i++ {
			v := 1 + i%2
			s.Set(Endpoint{Name: "churn", Model: "churn", Version: v, Pred: models[v], CapturePercent: -1})
		}
	}()
	var wg sync.WaitGroup
	var seen [3]atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// At least 300 requests each, and on until both versions have
			// answered (the swapper may be scheduled late on a busy machine).
			start := time.Now()
			for i := 0; i < 300 || (seen[1].Load() == 0 || seen[2].Load() == 0) && time.Since(start) < 20*time.Second; i++ {
				code, b, _ := do(t, h, "POST", "/endpoints/churn/invocations", "application/json", body)
				if code != http.StatusOK {
					t.Errorf("status %d during a switch: %s", code, b)
					return
				}
				var r rowsResponse
				decodeJSON(t, b, &r)
				if r.Version != 1 && r.Version != 2 {
					t.Errorf("version %d", r.Version)
					return
				}
				seen[r.Version].Add(1)
				if p := r.Predictions[0].Probabilities["yes"]; p != wantP[r.Version] {
					t.Errorf("version %d answered P(yes) = %v, want %v (a mix of versions)", r.Version, p, wantP[r.Version])
					return
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	swaps.Wait()
	if seen[1].Load() == 0 || seen[2].Load() == 0 {
		t.Errorf("responses by version: v1 %d, v2 %d; want both", seen[1].Load(), seen[2].Load())
	}
}
