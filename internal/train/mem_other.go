//go:build !unix

package train

import "runtime"

// peakMemory returns the Go heap's peak as far as the runtime tells: the
// memory obtained from the system.
func peakMemory() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys)
}
