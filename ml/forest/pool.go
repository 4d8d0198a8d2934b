package forest

import (
	"sync"
	"sync/atomic"
)

// workers runs tasks on a fixed number of goroutines. Tasks write to
// disjoint outputs, so which goroutine runs a task never changes a result.
type workers struct{ n int }

// run calls fn(i) for every i in [0, tasks) and returns when all are
// done.
func (p *workers) run(tasks int, fn func(i int)) {
	p.runW(tasks, func(_, i int) { fn(i) })
}

// runW is run with the worker index passed to fn, for per-worker buffers.
func (p *workers) runW(tasks int, fn func(w, i int)) {
	if tasks <= 1 || p.n <= 1 {
		for i := range tasks {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(p.n, tasks) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= tasks {
					return
				}
				fn(w, i)
			}
		})
	}
	wg.Wait()
}
