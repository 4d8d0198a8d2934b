package frame

import (
	"fmt"
	"hash/maphash"
)

// nameIndex finds a column's position by name. It is an open-addressing
// hash table of positions (slot = position+1, 0 = empty) that compares names
// against the frame's columns, so it is one allocation and no string copies:
// a Go map cost several allocations and most of frame.New on the small
// frames of a serving request. Its length is a power of two at least twice
// the number of columns, so probes stay short.
type nameIndex []int32

var nameSeed = maphash.MakeSeed()

func newNameIndex(ncols int) nameIndex {
	size := 8
	for size < 2*ncols {
		size <<= 1
	}
	return make(nameIndex, size)
}

// find returns the position of the column of cols named name.
func (x nameIndex) find(cols []Column, name string) (int, bool) {
	if len(x) == 0 {
		return 0, false
	}
	mask := uint64(len(x) - 1)
	for h := maphash.String(nameSeed, name) & mask; ; h = (h + 1) & mask {
		s := x[h]
		if s == 0 {
			return 0, false
		}
		if cols[s-1].Name() == name {
			return int(s - 1), true
		}
	}
}

// insert records that cols[i] is named name. If a column of that name is
// already recorded it returns its position and true, and records nothing.
func (x nameIndex) insert(cols []Column, name string, i int) (int, bool) {
	mask := uint64(len(x) - 1)
	for h := maphash.String(nameSeed, name) & mask; ; h = (h + 1) & mask {
		s := x[h]
		if s == 0 {
			x[h] = int32(i + 1)
			return 0, false
		}
		if cols[s-1].Name() == name {
			return int(s - 1), true
		}
	}
}

// indexOf returns the index of cols, whose names are unique and non-nil.
func indexOf(cols []Column) nameIndex {
	x := newNameIndex(len(cols))
	for i, c := range cols {
		x.insert(cols, c.Name(), i)
	}
	return x
}

// Layout is a fixed, ordered list of distinct column names. Frames built
// with [Layout.Frame] share its name index instead of building one each, so
// code that makes many frames of the same columns (a transform applied to
// one serving request after another) pays for the index once. A Layout is
// immutable and safe for concurrent use.
type Layout struct {
	names []string
	index nameIndex
}

// NewLayout returns the layout of the given names, in order. Names must be
// non-empty and distinct.
func NewLayout(names ...string) (*Layout, error) {
	l := &Layout{names: append([]string(nil), names...), index: newNameIndex(len(names))}
	for i, name := range l.names {
		if name == "" {
			return nil, fmt.Errorf("frame: layout: name %d is empty: %w", i, ErrInvalid)
		}
		if j, dup := l.find(name, i); dup {
			return nil, fmt.Errorf("frame: layout: names %d and %d are both %q: %w", j, i, name, ErrInvalid)
		}
	}
	return l, nil
}

// find inserts name at position i into the layout's index, reporting an
// earlier position with the same name.
func (l *Layout) find(name string, i int) (int, bool) {
	mask := uint64(len(l.index) - 1)
	for h := maphash.String(nameSeed, name) & mask; ; h = (h + 1) & mask {
		s := l.index[h]
		if s == 0 {
			l.index[h] = int32(i + 1)
			return 0, false
		}
		if l.names[s-1] == name {
			return int(s - 1), true
		}
	}
}

// Names returns the layout's names in order. The result is a copy.
func (l *Layout) Names() []string { return append([]string(nil), l.names...) }

// Frame returns a frame of cols, which must be non-nil, of equal length and
// named exactly as the layout, in its order; otherwise it returns an error
// and the caller may use [New] to learn every problem. Unlike New it takes
// ownership of the cols slice (no copy is made): do not modify it after.
func (l *Layout) Frame(cols []Column) (*Frame, error) {
	if len(cols) != len(l.names) {
		return nil, fmt.Errorf("frame: layout of %d columns given %d: %w", len(l.names), len(cols), ErrInvalid)
	}
	n := 0
	for i, c := range cols {
		if c == nil {
			return nil, fmt.Errorf("frame: column %d is nil: %w", i, ErrInvalid)
		}
		if name := c.Name(); name != l.names[i] {
			return nil, fmt.Errorf("frame: column %d is named %q, the layout says %q: %w", i, name, l.names[i], ErrInvalid)
		}
		if i == 0 {
			n = c.Len()
		} else if c.Len() != n {
			return nil, fmt.Errorf("frame: column %q has %d rows, want %d like column %q: %w", l.names[i], c.Len(), n, l.names[0], ErrInvalid)
		}
	}
	return &Frame{cols: cols, index: l.index, n: n}, nil
}
