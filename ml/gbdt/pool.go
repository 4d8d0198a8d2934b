package gbdt

import (
	"sync"
	"sync/atomic"
)

// workers runs tasks on a fixed number of goroutines. Tasks write to
// disjoint outputs, so which goroutine runs a task never changes a result.
type workers struct{ n int }

// run calls fn(i) for every i in [0, tasks) and returns when all are done.
func (w *workers) run(tasks int, fn func(i int)) {
	if tasks <= 1 || w.n <= 1 {
		for i := range tasks {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(w.n, tasks) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= tasks {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
