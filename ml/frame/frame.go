package frame

import (
	"errors"
	"fmt"
	"slices"
)

// Frame is an ordered set of named columns of equal length. A Frame is
// immutable and safe for concurrent reads; Select and Take return new frames.
type Frame struct {
	cols  []Column
	index nameIndex
	n     int
}

// New returns a frame of the given columns, in order. It reports every
// problem it finds: nil columns, duplicate names and columns whose length
// differs from the first column's. A frame without columns has no rows.
func New(cols ...Column) (*Frame, error) {
	cols = slices.Clone(cols)
	f := &Frame{cols: cols, index: newNameIndex(len(cols))}
	var errs []error
	first := ""
	indexed := 0
	for i, c := range cols {
		if c == nil {
			errs = append(errs, fmt.Errorf("frame: column %d is nil: %w", i, ErrInvalid))
			continue
		}
		name := c.Name()
		if j, dup := f.index.insert(cols, name, i); dup {
			errs = append(errs, fmt.Errorf("frame: columns %d and %d are both named %q: %w", j, i, name, ErrInvalid))
			continue
		}
		indexed++
		if indexed == 1 {
			f.n, first = c.Len(), name
		} else if c.Len() != f.n {
			errs = append(errs, fmt.Errorf("frame: column %q has %d rows, want %d like column %q: %w", name, c.Len(), f.n, first, ErrInvalid))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// Len returns the number of rows.
func (f *Frame) Len() int { return f.n }

// NumColumns returns the number of columns.
func (f *Frame) NumColumns() int { return len(f.cols) }

// Columns returns the columns in order. The returned slice is a copy; the
// columns are shared.
func (f *Frame) Columns() []Column { return append([]Column(nil), f.cols...) }

// Column returns the column with the given name.
func (f *Frame) Column(name string) (Column, bool) {
	i, ok := f.index.find(f.cols, name)
	if !ok {
		return nil, false
	}
	return f.cols[i], true
}

// ColumnAt returns the i-th column, for i in [0, NumColumns()). With
// [Frame.Column] it lets a caller that expects columns in a known order check
// the expected position before looking the name up.
func (f *Frame) ColumnAt(i int) Column { return f.cols[i] }

// Names returns the column names in order.
func (f *Frame) Names() []string {
	names := make([]string, len(f.cols))
	for i, c := range f.cols {
		names[i] = c.Name()
	}
	return names
}

// Schema returns the fields of the columns in order.
func (f *Frame) Schema() Schema {
	s := make(Schema, len(f.cols))
	for i, c := range f.cols {
		s[i] = c.Field()
	}
	return s
}

// Select returns a frame of the named columns in the given order, sharing
// them with f. It reports every unknown or repeated name. Selecting no
// columns gives a frame without columns, which has no rows.
func (f *Frame) Select(names ...string) (*Frame, error) {
	cols := make([]Column, 0, len(names))
	seen := make([]bool, len(f.cols)) // by position: names are unique
	var errs []error
	for _, name := range names {
		i, ok := f.index.find(f.cols, name)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("frame: select %q: %w", name, ErrUnknownColumn))
		case seen[i]:
			errs = append(errs, fmt.Errorf("frame: select %q twice: %w", name, ErrInvalid))
		default:
			seen[i] = true
			cols = append(cols, f.cols[i])
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	n := f.n
	if len(cols) == 0 {
		n = 0
	}
	return &Frame{cols: cols, index: indexOf(cols), n: n}, nil
}

// Take returns a frame of the listed rows, in the listed order, with every
// column copied. Rows may repeat (as in bootstrap samples). Every index must
// be in [0, Len()).
func (f *Frame) Take(rows []int) (*Frame, error) {
	for j, i := range rows {
		if i < 0 || i >= f.n {
			return nil, fmt.Errorf("frame: take: row %d (at %d) is outside [0, %d): %w", i, j, f.n, ErrInvalid)
		}
	}
	cols := make([]Column, len(f.cols))
	for k, c := range f.cols {
		cols[k] = c.take(rows)
	}
	n := len(rows)
	if len(cols) == 0 {
		n = 0
	}
	return &Frame{cols: cols, index: f.index, n: n}, nil
}

// ColumnAs returns the column with the given name as the concrete type C,
// for example *FloatColumn. It fails when the frame has no such column or
// the column has another type.
func ColumnAs[C Column](f *Frame, name string) (C, error) {
	var zero C
	c, ok := f.Column(name)
	if !ok {
		return zero, fmt.Errorf("frame: column %q: %w", name, ErrUnknownColumn)
	}
	typed, ok := c.(C)
	if !ok {
		return zero, fmt.Errorf("frame: column %q is %s, not %T: %w", name, c.Kind(), zero, ErrInvalid)
	}
	return typed, nil
}
