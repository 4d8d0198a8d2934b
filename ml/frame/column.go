package frame

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Column is one named column of a frame. The concrete types are
// [*FloatColumn], [*CategoricalColumn], [*BoolColumn], [*TimeColumn] and
// [*StringColumn]; switch on them to reach the values. Columns are immutable
// once built and safe for concurrent reads.
type Column interface {
	// Name returns the column's name, unique within a frame.
	Name() string
	// Kind returns how the column stores its values.
	Kind() Kind
	// Logical returns the catalog's logical type, one of the Logical constants.
	Logical() string
	// Field returns the name, kind and logical type together.
	Field() Field
	// Len returns the number of rows.
	Len() int
	// IsMissing reports whether row i has no value.
	IsMissing(i int) bool
	// NullCount returns the number of missing rows.
	NullCount() int
	// Mask returns the missing-value mask, nil when no row is missing.
	Mask() Mask

	// take returns a new column of the listed rows, which are in range.
	take(rows []int) Column
}

// base holds what every column has besides its values.
type base struct {
	name    string
	logical string
	n       int
	mask    Mask
	nulls   int
}

func newBase(name string, k Kind, logical string, n int, mask Mask) (base, error) {
	if name == "" {
		return base{}, fmt.Errorf("frame: new %s column: empty name: %w", k, ErrInvalid)
	}
	nulls, err := mask.check(name, n)
	if err != nil {
		return base{}, err
	}
	if nulls == 0 {
		mask = nil
	}
	return base{name: name, logical: logical, n: n, mask: mask, nulls: nulls}, nil
}

// Name returns the column's name.
func (b *base) Name() string { return b.name }

// Logical returns the catalog's logical type.
func (b *base) Logical() string { return b.logical }

// Len returns the number of rows.
func (b *base) Len() int { return b.n }

// IsMissing reports whether row i has no value.
func (b *base) IsMissing(i int) bool { return b.mask.IsSet(i) }

// NullCount returns the number of missing rows.
func (b *base) NullCount() int { return b.nulls }

// Mask returns the missing-value mask, nil when no row is missing. It is
// shared with the column: do not modify it.
func (b *base) Mask() Mask { return b.mask }

func (b *base) field(k Kind) Field { return Field{Name: b.name, Kind: k, Logical: b.logical} }

func (b *base) taken(rows []int) base {
	m := b.mask.take(rows)
	return base{name: b.name, logical: b.logical, n: len(rows), mask: m, nulls: m.Count()}
}

func takeSlice[T any](s []T, rows []int) []T {
	out := make([]T, len(rows))
	for j, i := range rows {
		out[j] = s[i]
	}
	return out
}

// FloatColumn holds float64 values: measurements, and integers loaded as
// floats (logical type "integer"). Missing rows are NaN.
type FloatColumn struct {
	base
	values []float64
}

// NewFloat returns a Float column with logical type "float". It takes
// ownership of values and mask: every NaN in values is marked in the mask
// (allocating one if mask is nil) and every row marked in mask is set to
// NaN.
func NewFloat(name string, values []float64, mask Mask) (*FloatColumn, error) {
	c := new(FloatColumn)
	if err := c.Init(name, LogicalFloat, values, mask); err != nil {
		return nil, err
	}
	return c, nil
}

// FloatColumns returns n zero float columns in one allocation, each to be
// set once with Init before any other use: a frame of many float columns
// (a serving request's) then costs one allocation instead of one per
// column.
func FloatColumns(n int) []FloatColumn { return make([]FloatColumn, n) }

// Init sets a zero column (from FloatColumns) as NewFloat(name, values,
// mask) does, with logical type "float" or "integer". Columns are
// immutable: Init on a column already set is an error.
func (c *FloatColumn) Init(name, logical string, values []float64, mask Mask) error {
	if c.name != "" {
		return fmt.Errorf("frame: init column %q: already set as %q: %w", name, c.name, ErrInvalid)
	}
	if err := checkLogical(name, Float, logical); err != nil {
		return err
	}
	b, err := newBase(name, Float, logical, len(values), mask)
	if err != nil {
		return err
	}
	nan := math.NaN()
	b.mask.each(func(i int) { values[i] = nan })
	for i, v := range values {
		if v != v && !b.mask.IsSet(i) {
			if b.mask == nil {
				b.mask = NewMask(len(values))
			}
			b.mask.Set(i)
			b.nulls++
		}
	}
	c.base, c.values = b, values
	return nil
}

// Kind returns Float.
func (c *FloatColumn) Kind() Kind { return Float }

// Field returns the column's name, kind and logical type.
func (c *FloatColumn) Field() Field { return c.field(Float) }

// Values returns the values, NaN at missing rows. The slice is shared with
// the column: do not modify it.
func (c *FloatColumn) Values() []float64 { return c.values }

// WithLogical returns a copy of the column, sharing its values, with logical
// type "integer" or "float". When the column already has that logical type it
// returns c itself: columns are immutable, and serving relabels every column
// of every request.
func (c *FloatColumn) WithLogical(logical string) (*FloatColumn, error) {
	if logical == c.logical {
		return c, nil // c.logical is valid for the kind
	}
	if err := checkLogical(c.name, Float, logical); err != nil {
		return nil, err
	}
	out := *c
	out.logical = logical
	return &out, nil
}

func (c *FloatColumn) take(rows []int) Column {
	return &FloatColumn{base: c.taken(rows), values: takeSlice(c.values, rows)}
}

// CategoricalColumn holds one code per row indexing into a dictionary of
// categories sorted in ascending byte order. Missing rows have code 0, which
// means nothing there (the dictionary may even be empty).
type CategoricalColumn struct {
	base
	codes []uint32
	dict  []string
}

// NewCategorical returns a Categorical column with logical type
// "categorical". dict must be sorted in ascending order without duplicates,
// and every row that is not missing must have a code below len(dict). It
// takes ownership of codes, dict and mask, and sets the code of missing rows
// to 0.
func NewCategorical(name string, codes []uint32, dict []string, mask Mask) (*CategoricalColumn, error) {
	b, err := newBase(name, Categorical, LogicalCategorical, len(codes), mask)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(dict); i++ {
		if dict[i-1] >= dict[i] {
			return nil, fmt.Errorf("frame: column %q: dictionary is not sorted and unique at %d (%q, %q): %w", name, i, dict[i-1], dict[i], ErrInvalid)
		}
	}
	b.mask.each(func(i int) { codes[i] = 0 })
	size := uint64(len(dict))
	for i, c := range codes {
		if uint64(c) >= size && !b.mask.IsSet(i) {
			return nil, fmt.Errorf("frame: column %q: row %d has code %d, want below dictionary size %d: %w", name, i, c, size, ErrInvalid)
		}
	}
	return &CategoricalColumn{base: b, codes: codes, dict: dict}, nil
}

// NewCategoricalFromStrings returns a Categorical column holding values. The
// dictionary is the sorted set of values at rows that are not missing. It
// does not keep values; it takes ownership of mask.
func NewCategoricalFromStrings(name string, values []string, mask Mask) (*CategoricalColumn, error) {
	if _, err := mask.check(name, len(values)); err != nil {
		return nil, err
	}
	seen := make(map[string]uint32)
	for i, v := range values {
		if !mask.IsSet(i) {
			seen[v] = 0
		}
	}
	dict := make([]string, 0, len(seen))
	for v := range seen {
		dict = append(dict, v)
	}
	sort.Strings(dict)
	for code, v := range dict {
		seen[v] = uint32(code)
	}
	codes := make([]uint32, len(values))
	for i, v := range values {
		if !mask.IsSet(i) {
			codes[i] = seen[v]
		}
	}
	return NewCategorical(name, codes, dict, mask)
}

// Kind returns Categorical.
func (c *CategoricalColumn) Kind() Kind { return Categorical }

// Field returns the column's name, kind and logical type.
func (c *CategoricalColumn) Field() Field { return c.field(Categorical) }

// Codes returns the codes, 0 at missing rows. The slice is shared with the
// column: do not modify it.
func (c *CategoricalColumn) Codes() []uint32 { return c.codes }

// Dict returns the sorted dictionary. The slice is shared with the column:
// do not modify it.
func (c *CategoricalColumn) Dict() []string { return c.dict }

// Value returns the category of row i, or "" if the row is missing.
func (c *CategoricalColumn) Value(i int) string {
	if c.mask.IsSet(i) {
		return ""
	}
	return c.dict[c.codes[i]]
}

// Code returns the code of category, and false if the dictionary does not
// hold it.
func (c *CategoricalColumn) Code(category string) (uint32, bool) {
	i, ok := slices.BinarySearch(c.dict, category)
	return uint32(i), ok
}

func (c *CategoricalColumn) take(rows []int) Column {
	return &CategoricalColumn{base: c.taken(rows), codes: takeSlice(c.codes, rows), dict: c.dict}
}

// BoolColumn holds booleans. Missing rows are false.
type BoolColumn struct {
	base
	values []bool
}

// NewBool returns a Bool column with logical type "boolean". It takes
// ownership of values and mask, and sets missing rows to false.
func NewBool(name string, values []bool, mask Mask) (*BoolColumn, error) {
	b, err := newBase(name, Bool, LogicalBoolean, len(values), mask)
	if err != nil {
		return nil, err
	}
	b.mask.each(func(i int) { values[i] = false })
	return &BoolColumn{base: b, values: values}, nil
}

// Kind returns Bool.
func (c *BoolColumn) Kind() Kind { return Bool }

// Field returns the column's name, kind and logical type.
func (c *BoolColumn) Field() Field { return c.field(Bool) }

// Values returns the values, false at missing rows. The slice is shared with
// the column: do not modify it.
func (c *BoolColumn) Values() []bool { return c.values }

func (c *BoolColumn) take(rows []int) Column {
	return &BoolColumn{base: c.taken(rows), values: takeSlice(c.values, rows)}
}

// TimeColumn holds instants as nanoseconds since the Unix epoch, UTC, which
// covers the years 1678 to 2261. Dates (logical type "date") are midnight
// UTC of the day. Missing rows are 0.
type TimeColumn struct {
	base
	values []int64
}

// NewTime returns a Time column with logical type "timestamp" holding
// nanoseconds since the Unix epoch. It takes ownership of values and mask,
// and sets missing rows to 0.
func NewTime(name string, values []int64, mask Mask) (*TimeColumn, error) {
	b, err := newBase(name, Time, LogicalTimestamp, len(values), mask)
	if err != nil {
		return nil, err
	}
	b.mask.each(func(i int) { values[i] = 0 })
	return &TimeColumn{base: b, values: values}, nil
}

// Kind returns Time.
func (c *TimeColumn) Kind() Kind { return Time }

// Field returns the column's name, kind and logical type.
func (c *TimeColumn) Field() Field { return c.field(Time) }

// Values returns nanoseconds since the Unix epoch, 0 at missing rows. The
// slice is shared with the column: do not modify it.
func (c *TimeColumn) Values() []int64 { return c.values }

// At returns row i as a UTC time, and the zero time.Time if the row is
// missing.
func (c *TimeColumn) At(i int) time.Time {
	if c.mask.IsSet(i) {
		return time.Time{}
	}
	return time.Unix(0, c.values[i]).UTC()
}

// WithLogical returns a copy of the column, sharing its values, with logical
// type "date" or "timestamp". When the column already has that logical type it
// returns c itself: columns are immutable, and serving relabels every column
// of every request.
func (c *TimeColumn) WithLogical(logical string) (*TimeColumn, error) {
	if logical == c.logical {
		return c, nil // c.logical is valid for the kind
	}
	if err := checkLogical(c.name, Time, logical); err != nil {
		return nil, err
	}
	out := *c
	out.logical = logical
	return &out, nil
}

func (c *TimeColumn) take(rows []int) Column {
	return &TimeColumn{base: c.taken(rows), values: takeSlice(c.values, rows)}
}

// StringColumn holds free text (logical type "text"). Missing rows are "".
type StringColumn struct {
	base
	values []string
}

// NewString returns a String column with logical type "text". It takes
// ownership of values and mask, and sets missing rows to "".
func NewString(name string, values []string, mask Mask) (*StringColumn, error) {
	b, err := newBase(name, String, LogicalText, len(values), mask)
	if err != nil {
		return nil, err
	}
	b.mask.each(func(i int) { values[i] = "" })
	return &StringColumn{base: b, values: values}, nil
}

// Kind returns String.
func (c *StringColumn) Kind() Kind { return String }

// Field returns the column's name, kind and logical type.
func (c *StringColumn) Field() Field { return c.field(String) }

// Values returns the values, "" at missing rows. The slice is shared with
// the column: do not modify it.
func (c *StringColumn) Values() []string { return c.values }

func (c *StringColumn) take(rows []int) Column {
	return &StringColumn{base: c.taken(rows), values: takeSlice(c.values, rows)}
}
