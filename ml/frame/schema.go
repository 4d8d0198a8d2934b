package frame

import (
	"errors"
	"fmt"
)

// ErrInvalid marks errors about data that breaks the rules of a column or a
// frame: mismatched lengths, duplicate names, bad masks, codes outside the
// dictionary, row indices out of range.
var ErrInvalid = errors.New("invalid data")

// ErrUnknownColumn marks errors about a column name the frame does not have.
var ErrUnknownColumn = errors.New("unknown column")

// Kind says how a column stores its values.
type Kind uint8

// The column kinds. The zero Kind is not a valid kind.
const (
	// Float columns hold []float64; missing rows are NaN.
	Float Kind = iota + 1
	// Categorical columns hold []uint32 codes into a sorted []string dictionary.
	Categorical
	// Bool columns hold []bool.
	Bool
	// Time columns hold []int64 nanoseconds since the Unix epoch, UTC.
	Time
	// String columns hold []string of free text.
	String
)

var kindNames = [...]string{
	Float:       "float",
	Categorical: "categorical",
	Bool:        "bool",
	Time:        "time",
	String:      "string",
}

// String returns the kind's lower-case name, for example "float".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) {
	if int(k) >= len(kindNames) || kindNames[k] == "" {
		return nil, fmt.Errorf("frame: marshal kind %d: %w", uint8(k), ErrInvalid)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind name written by MarshalText.
func (k *Kind) UnmarshalText(text []byte) error {
	for i, name := range kindNames {
		if name != "" && name == string(text) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("frame: unmarshal kind %q: %w", text, ErrInvalid)
}

// The logical types of the catalog. Every column carries one; see the
// package documentation for the kind each maps to.
const (
	LogicalInteger     = "integer"
	LogicalFloat       = "float"
	LogicalBoolean     = "boolean"
	LogicalCategorical = "categorical"
	LogicalText        = "text"
	LogicalDate        = "date"
	LogicalTimestamp   = "timestamp"
)

// KindOf returns the kind that stores columns of the given logical type, and
// false if logical is not one of the Logical constants.
func KindOf(logical string) (Kind, bool) {
	switch logical {
	case LogicalInteger, LogicalFloat:
		return Float, true
	case LogicalBoolean:
		return Bool, true
	case LogicalCategorical:
		return Categorical, true
	case LogicalText:
		return String, true
	case LogicalDate, LogicalTimestamp:
		return Time, true
	}
	return 0, false
}

// checkLogical reports an error unless logical is stored with kind k.
func checkLogical(name string, k Kind, logical string) error {
	got, ok := KindOf(logical)
	switch {
	case !ok:
		return fmt.Errorf("frame: column %q: logical type %q is not one of integer, float, boolean, categorical, text, date, timestamp: %w", name, logical, ErrInvalid)
	case got != k:
		return fmt.Errorf("frame: column %q: logical type %q needs a %s column, not %s: %w", name, logical, got, k, ErrInvalid)
	}
	return nil
}

// Field describes one column.
type Field struct {
	Name    string `json:"name"`
	Kind    Kind   `json:"kind"`
	Logical string `json:"logical"`
}

// Schema is the ordered list of a frame's fields.
type Schema []Field

// Names returns the field names in order.
func (s Schema) Names() []string {
	names := make([]string, len(s))
	for i, f := range s {
		names[i] = f.Name
	}
	return names
}

// Lookup returns the field with the given name.
func (s Schema) Lookup(name string) (Field, bool) {
	for _, f := range s {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}
