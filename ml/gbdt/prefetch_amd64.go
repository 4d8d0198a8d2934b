package gbdt

// prefetchRow asks the CPU to load the cache lines of a row's bins (its
// first and last byte) and of its gradient pair, as XGBoost's histogram
// kernel does 10 rows ahead. It has no other effect.
//
//go:noescape
func prefetchRow(first, last *uint8, gh *gradPair)
