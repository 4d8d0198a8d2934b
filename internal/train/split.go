package train

import (
	"math/rand/v2"
	"sort"
)

// foldsOf assigns the rows of y to k folds: stratified by class
// (round-robin over each class's shuffled rows) when k classes > 0,
// shuffled otherwise. Each fold's rows are sorted.
func foldsOf(y []float64, classes, k int, seed uint64) [][]int {
	r := rand.New(rand.NewPCG(seed, 0x747261696e2d6376))
	out := make([][]int, k)
	if classes == 0 {
		perm := r.Perm(len(y))
		for j, i := range perm {
			out[j%k] = append(out[j%k], i)
		}
	} else {
		by := make([][]int, classes)
		for i, v := range y {
			by[int(v)] = append(by[int(v)], i)
		}
		next := 0
		for _, rows := range by {
			r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			for _, i := range rows {
				out[next%k] = append(out[next%k], i)
				next++
			}
		}
	}
	for _, f := range out {
		sort.Ints(f)
	}
	return out
}

// Holdout splits the rows of y into a training and a validation part, the
// latter holding about frac of the rows (of each class when classes > 0),
// seeded.
func Holdout(y []float64, classes int, frac float64, seed uint64) (train, valid []int) {
	r := rand.New(rand.NewPCG(seed, 0x747261696e2d686f))
	pick := func(rows []int) {
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		nv := int(float64(len(rows))*frac + 0.5)
		if nv >= len(rows) {
			nv = len(rows) - 1
		}
		valid = append(valid, rows[:nv]...)
		train = append(train, rows[nv:]...)
	}
	if classes == 0 {
		rows := make([]int, len(y))
		for i := range rows {
			rows[i] = i
		}
		pick(rows)
	} else {
		by := make([][]int, classes)
		for i, v := range y {
			by[int(v)] = append(by[int(v)], i)
		}
		for _, rows := range by {
			if len(rows) > 0 {
				pick(rows)
			}
		}
	}
	sort.Ints(train)
	sort.Ints(valid)
	return train, valid
}

// complement returns 0..n-1 without the sorted rows of skip.
func complement(n int, skip []int) []int {
	out := make([]int, 0, n-len(skip))
	j := 0
	for i := range n {
		if j < len(skip) && skip[j] == i {
			j++
			continue
		}
		out = append(out, i)
	}
	return out
}
