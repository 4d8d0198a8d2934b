// Package frame is the columnar in-memory table that training, tuning and
// evaluation code works on.
//
// A [Frame] is an ordered list of named columns of equal length. Each column
// holds one plain Go slice of values, a missing-value [Mask] and a [Field]
// describing it:
//
//	Kind         values                 missing rows hold
//	Float        []float64              NaN
//	Categorical  []uint32 codes + dict  code 0
//	Bool         []bool                 false
//	Time         []int64 (unix ns, UTC) 0
//	String       []string               ""
//
// The kind says how values are stored; the logical type (Field.Logical) is
// the catalog's type for the column and says what the values mean. Integers
// are stored as Float columns with logical type "integer", dates as Time
// columns with logical type "date":
//
//	Logical        Kind
//	"integer"      Float
//	"float"        Float
//	"boolean"      Bool
//	"categorical"  Categorical
//	"text"         String
//	"date"         Time
//	"timestamp"    Time
//
// # Building a frame
//
// Constructors take ownership of the slices they are given (no copy is made)
// and return errors, never panic, on bad input:
//
//	age, err := frame.NewFloat("age", []float64{31, math.NaN(), 45}, nil)
//	city, err := frame.NewCategoricalFromStrings("city",
//		[]string{"Oslo", "", "Bergen"}, frame.MaskOf([]bool{false, true, false}))
//	f, err := frame.New(age, city)
//
// A float NaN always counts as missing: NewFloat marks every NaN in the mask,
// and sets the value of every row already marked to NaN, so that for a
// [FloatColumn] IsMissing(i) == math.IsNaN(Values()[i]) holds on every row.
// Algorithms can therefore test for NaN in their inner loops instead of
// consulting the mask.
//
// # Missing values
//
// A [Mask] is a bitmap, one bit per row, 64 rows per word; a set bit marks a
// missing row. A nil mask means that no row is missing, and constructors
// normalise a mask without set bits to nil, so
//
//	if c.Mask() == nil { /* fast path: no missing values */ }
//
// is a valid test. The value stored at a missing row is fixed (see the table
// above) so that frames compare equal when their visible content does.
//
// # Categorical columns
//
// A [CategoricalColumn] stores one uint32 code per row indexing into its
// dictionary. The dictionary is sorted in ascending byte order and has no
// duplicates, so the code of a category is the same whichever file, row order
// or row subset it was loaded from, as long as the set of categories is the
// same. A dictionary may list categories that no row uses (for instance after
// [Frame.Take]).
//
// # Reading a frame
//
// Look columns up by name and switch on their concrete type, or ask for the
// type you expect:
//
//	y, err := frame.ColumnAs[*frame.FloatColumn](f, "target")
//	for i, v := range y.Values() { ... }
//
// Slices returned by accessors are shared with the frame: treat them as
// read-only. [Frame.Select] shares columns with the source frame;
// [Frame.Take] copies the selected rows. [Frame.ColumnAt] reads a column by
// position, for callers that know the order and want to skip the lookup.
//
// # Small frames
//
// A serving request is a frame of one to a few rows, so per-frame overhead
// counts more than per-row work there. The name index of a frame is one
// allocation (an open-addressing table of positions, see nameIndex), not a Go
// map; a [Layout] lets code that builds many frames of the same columns
// share one index; and WithLogical returns the column itself when its
// logical type already matches.
package frame
