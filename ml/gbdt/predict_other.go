//go:build !amd64

package gbdt

// walkNumFast walks no rows on this architecture: walkNum's Go loop walks
// them all.
func walkNumFast(nodes []qnode, ls []float32, qb []uint8, rows, d int, mg []float64, k int) int {
	return 0
}

// quantizeFast writes no values on this architecture.
func quantizeFast(lo, hi []uint8, vals []float64, keys *[256]uint64, n int) int {
	return 0
}

// walkCatFast walks no rows on this architecture.
func walkCatFast(nodes []qcnode, sets [][4]uint64, ls []float32, qb []uint8, rows, d int, mg []float64, k int) int {
	return 0
}
