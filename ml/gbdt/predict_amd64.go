package gbdt

import "unsafe"

// walkNum10 walks groups*10 rows of a quantised block through one padded
// numeric tree of depth d ≥ 1 and adds each row's leaf value to mg[i*k]
// (predict_amd64.s). The caller checks the bounds as walkNum does.
//
//go:noescape
func walkNum10(nodes *qnode, ls *float32, qb *uint8, groups, d int, mg *float64, k int)

// walkNumFast walks the first rows of the block with walkNum10, ten at a
// time, and returns how many it walked.
func walkNumFast(nodes []qnode, ls []float32, qb []uint8, rows, d int, mg []float64, k int) int {
	g := rows / 10
	if g == 0 {
		return 0
	}
	walkNum10(unsafe.SliceData(nodes), unsafe.SliceData(ls), unsafe.SliceData(qb), g, d, unsafe.SliceData(mg), k)
	return g * 10
}

// quantize8 quantises groups*8 values against keys[:n] into lo and, when
// hi is not nil, hi (predict_amd64.s); see quantizeFast.
//
//go:noescape
func quantize8(keys *[256]uint64, n int, vals *float64, lo, hi *uint8, groups int)

// quantizeFast writes the first values' lo column (count of thresholds at
// most v, 0 for NaN) and, when hi is not nil, hi column (255 for NaN) with
// quantize8, eight at a time, and returns how many it wrote.
func quantizeFast(lo, hi []uint8, vals []float64, keys *[256]uint64, n int) int {
	g := len(vals) / 8
	if g == 0 || n < 1 || len(lo) < g*8 || hi != nil && len(hi) < g*8 {
		return 0
	}
	var hp *uint8
	if hi != nil {
		hp = unsafe.SliceData(hi)
	}
	quantize8(keys, n, unsafe.SliceData(vals), unsafe.SliceData(lo), hp, g)
	return g * 8
}

// walkCat8 is walkNum10 for a tree with categorical splits, eight rows at a time (predict_amd64.s). The caller checks the bounds as walkCat does.
//
//go:noescape
func walkCat8(nodes *qcnode, sets *[4]uint64, ls *float32, qb *uint8, groups, d int, mg *float64, k int)

// walkCatFast walks the first rows of the block with walkCat8, eight at a
// time, and returns how many it walked.
func walkCatFast(nodes []qcnode, sets [][4]uint64, ls []float32, qb []uint8, rows, d int, mg []float64, k int) int {
	g := rows / 8
	if g == 0 {
		return 0
	}
	walkCat8(unsafe.SliceData(nodes), unsafe.SliceData(sets), unsafe.SliceData(ls), unsafe.SliceData(qb), g, d, unsafe.SliceData(mg), k)
	return g * 8
}
