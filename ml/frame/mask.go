package frame

import (
	"fmt"
	"math/bits"
)

// Mask marks missing rows: bit i%64 of word i/64 is set when row i is
// missing. A nil Mask marks no row. A Mask does not know its length; a column
// of n rows needs a Mask of MaskWords(n) words whose bits past row n-1 are
// clear.
type Mask []uint64

// MaskWords returns the number of words a Mask for n rows needs.
func MaskWords(n int) int { return (n + 63) / 64 }

// NewMask returns a Mask for n rows with no row marked.
func NewMask(n int) Mask { return make(Mask, MaskWords(n)) }

// MaskOf returns a Mask marking the rows where missing is true, or nil if no
// row is.
func MaskOf(missing []bool) Mask {
	var m Mask
	for i, b := range missing {
		if b {
			if m == nil {
				m = NewMask(len(missing))
			}
			m.Set(i)
		}
	}
	return m
}

// IsSet reports whether row i is marked. It is false for a nil Mask and for
// rows past its end.
func (m Mask) IsSet(i int) bool {
	w := i >> 6
	return w < len(m) && i >= 0 && m[w]&(1<<(uint(i)&63)) != 0
}

// Set marks row i. It panics if i is outside the mask, like an index
// expression.
func (m Mask) Set(i int) { m[i>>6] |= 1 << (uint(i) & 63) }

// Count returns the number of marked rows.
func (m Mask) Count() int {
	n := 0
	for _, w := range m {
		n += bits.OnesCount64(w)
	}
	return n
}

// Bools returns the mask as one bool per row for n rows.
func (m Mask) Bools(n int) []bool {
	out := make([]bool, n)
	m.each(func(i int) {
		if i < n {
			out[i] = true
		}
	})
	return out
}

// each calls fn with every marked row, in increasing order.
func (m Mask) each(fn func(i int)) {
	for w, word := range m {
		for word != 0 {
			fn(w<<6 + bits.TrailingZeros64(word))
			word &= word - 1
		}
	}
}

// check validates m for a column of n rows and returns its count of marked
// rows.
func (m Mask) check(name string, n int) (int, error) {
	if m == nil {
		return 0, nil
	}
	if len(m) != MaskWords(n) {
		return 0, fmt.Errorf("frame: column %q: mask has %d words, want %d for %d rows: %w", name, len(m), MaskWords(n), n, ErrInvalid)
	}
	if r := n & 63; r != 0 && m[len(m)-1]>>uint(r) != 0 {
		return 0, fmt.Errorf("frame: column %q: mask marks rows past the last row %d: %w", name, n-1, ErrInvalid)
	}
	return m.Count(), nil
}

// take returns the mask of the rows listed in rows, or nil if none of them
// is marked.
func (m Mask) take(rows []int) Mask {
	if m == nil {
		return nil
	}
	var out Mask
	for j, i := range rows {
		if m[i>>6]&(1<<(uint(i)&63)) != 0 {
			if out == nil {
				out = NewMask(len(rows))
			}
			out.Set(j)
		}
	}
	return out
}
