//go:build !amd64

package gbdt

// prefetchRow does nothing on this architecture.
func prefetchRow(first, last *uint8, gh *gradPair) {}
