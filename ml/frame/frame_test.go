package frame

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testFrame returns a frame of five rows, one column of each kind:
//
//	row  age  city    member  joined               note
//	0    31   Oslo    true    2024-01-01T00:00:00Z hello
//	1    NaN  -       -       -                    -
//	2    45   Bergen  false   2024-03-01T12:00:00Z world
//	3    27   Oslo    true    2024-02-01T00:00:00Z again
//	4    60   Tromsø  -       2023-12-31T23:59:59Z -
func testFrame(t *testing.T) *Frame {
	t.Helper()
	age, err := NewFloat("age", []float64{31, math.NaN(), 45, 27, 60}, nil)
	if err != nil {
		t.Fatal(err)
	}
	age, err = age.WithLogical(LogicalInteger)
	if err != nil {
		t.Fatal(err)
	}
	city, err := NewCategoricalFromStrings("city", []string{"Oslo", "", "Bergen", "Oslo", "Tromsø"}, MaskOf([]bool{false, true, false, false, false}))
	if err != nil {
		t.Fatal(err)
	}
	member, err := NewBool("member", []bool{true, false, false, true, false}, MaskOf([]bool{false, true, false, false, true}))
	if err != nil {
		t.Fatal(err)
	}
	joined, err := NewTime("joined", []int64{1704067200e9, 0, 1709294400e9, 1706745600e9, 1704067199e9}, MaskOf([]bool{false, true, false, false, false}))
	if err != nil {
		t.Fatal(err)
	}
	note, err := NewString("note", []string{"hello", "", "world", "again", ""}, MaskOf([]bool{false, true, false, false, true}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(age, city, member, joined, note)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFrameAccessors(t *testing.T) {
	t.Parallel()
	f := testFrame(t)
	if got, want := f.Len(), 5; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got, want := f.NumColumns(), 5; got != want {
		t.Errorf("NumColumns() = %d, want %d", got, want)
	}
	if diff := cmp.Diff([]string{"age", "city", "member", "joined", "note"}, f.Names()); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
	wantSchema := Schema{
		{Name: "age", Kind: Float, Logical: LogicalInteger},
		{Name: "city", Kind: Categorical, Logical: LogicalCategorical},
		{Name: "member", Kind: Bool, Logical: LogicalBoolean},
		{Name: "joined", Kind: Time, Logical: LogicalTimestamp},
		{Name: "note", Kind: String, Logical: LogicalText},
	}
	if diff := cmp.Diff(wantSchema, f.Schema()); diff != "" {
		t.Errorf("Schema() mismatch (-want +got):\n%s", diff)
	}
	if got, ok := f.Schema().Lookup("member"); !ok || got.Kind != Bool {
		t.Errorf("Schema().Lookup(member) = %v, %v, want a Bool field", got, ok)
	}
	nulls := map[string]int{"age": 1, "city": 1, "member": 2, "joined": 1, "note": 2}
	for _, c := range f.Columns() {
		if got := c.NullCount(); got != nulls[c.Name()] {
			t.Errorf("Column(%q).NullCount() = %d, want %d", c.Name(), got, nulls[c.Name()])
		}
	}
	if _, ok := f.Column("salary"); ok {
		t.Errorf("Column(salary) ok = true, want false")
	}
	// Columns returns a copy of the list.
	cols := f.Columns()
	cols[0] = nil
	if c, _ := f.Column("age"); c == nil || f.Columns()[0] == nil {
		t.Errorf("modifying Columns() changed the frame")
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	a, _ := NewFloat("a", []float64{1, 2}, nil)
	a2, _ := NewFloat("a", []float64{3, 4}, nil)
	b, _ := NewBool("b", []bool{true}, nil)
	c, _ := NewString("c", []string{"x", "y", "z"}, nil)
	tests := []struct {
		name  string
		cols  []Column
		wants []string // fragments every one of which the error must contain
	}{
		{name: "duplicate", cols: []Column{a, a2}, wants: []string{`both named "a"`}},
		{name: "length", cols: []Column{a, b}, wants: []string{`column "b" has 1 rows, want 2`}},
		{name: "nil column", cols: []Column{a, nil}, wants: []string{"column 1 is nil"}},
		{name: "nil first column", cols: []Column{nil, a, b}, wants: []string{"column 0 is nil", `column "b" has 1 rows, want 2 like column "a"`}},
		{
			name:  "every problem",
			cols:  []Column{a, b, a2, c},
			wants: []string{`column "b" has 1 rows`, `both named "a"`, `column "c" has 3 rows`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := New(tt.cols...)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("New() = %v, %v, want ErrInvalid", f, err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestNewCopiesColumnList(t *testing.T) {
	t.Parallel()
	a, _ := NewFloat("a", []float64{1}, nil)
	b, _ := NewBool("b", []bool{true}, nil)
	cols := []Column{a, b}
	f, err := New(cols...)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	cols[0] = b
	if diff := cmp.Diff([]string{"a", "b"}, f.Names()); diff != "" {
		t.Errorf("New(cols...).Names() after changing cols mismatch (-want +got):\n%s", diff)
	}
}

func TestEmptyFrame(t *testing.T) {
	t.Parallel()
	f, err := New()
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	if f.Len() != 0 || f.NumColumns() != 0 || len(f.Names()) != 0 {
		t.Errorf("New() = %d rows, %d columns, want 0, 0", f.Len(), f.NumColumns())
	}
	g, err := f.Take([]int{})
	if err != nil || g.Len() != 0 {
		t.Errorf("New().Take([]) = %v, %v, want an empty frame", g, err)
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	f := testFrame(t)
	tests := []struct {
		name    string
		names   []string
		want    []string
		wantErr error
	}{
		{name: "reorder", names: []string{"note", "age"}, want: []string{"note", "age"}},
		{name: "none", names: nil, want: []string{}},
		{name: "unknown", names: []string{"age", "salary"}, wantErr: ErrUnknownColumn},
		{name: "twice", names: []string{"age", "age"}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := f.Select(tt.names...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Select(%q) error = %v, want %v", tt.names, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Select(%q) error = %v", tt.names, err)
			}
			if diff := cmp.Diff(tt.want, g.Names()); diff != "" {
				t.Errorf("Select(%q).Names() mismatch (-want +got):\n%s", tt.names, diff)
			}
			wantLen := f.Len()
			if len(tt.names) == 0 {
				wantLen = 0 // no columns, no rows
			}
			if g.Len() != wantLen {
				t.Errorf("Select(%q).Len() = %d, want %d", tt.names, g.Len(), wantLen)
			}
			for _, name := range tt.names {
				got, _ := g.Column(name)
				want, _ := f.Column(name)
				if got != want {
					t.Errorf("Select(%q).Column(%q) is not the source column", tt.names, name)
				}
			}
		})
	}
	_, err := f.Select("x", "age", "y")
	if err == nil || !strings.Contains(err.Error(), `"x"`) || !strings.Contains(err.Error(), `"y"`) {
		t.Errorf("Select(x, age, y) error = %v, want one naming both x and y", err)
	}
}

func TestTake(t *testing.T) {
	t.Parallel()
	f := testFrame(t)
	nan := math.NaN()
	tests := []struct {
		name   string
		rows   []int
		age    []float64
		city   []string
		member []bool
		joined []int64
		note   []string
		miss   map[string][]bool
	}{
		{
			name:   "subset reordered",
			rows:   []int{4, 0, 2},
			age:    []float64{60, 31, 45},
			city:   []string{"Tromsø", "Oslo", "Bergen"},
			member: []bool{false, true, false},
			joined: []int64{1704067199e9, 1704067200e9, 1709294400e9},
			note:   []string{"", "hello", "world"},
			miss: map[string][]bool{
				"age": {false, false, false}, "member": {true, false, false}, "note": {true, false, false},
			},
		},
		{
			name:   "repeats with missing",
			rows:   []int{1, 1, 3},
			age:    []float64{nan, nan, 27},
			city:   []string{"", "", "Oslo"},
			member: []bool{false, false, true},
			joined: []int64{0, 0, 1706745600e9},
			note:   []string{"", "", "again"},
			miss: map[string][]bool{
				"age": {true, true, false}, "city": {true, true, false}, "member": {true, true, false},
				"joined": {true, true, false}, "note": {true, true, false},
			},
		},
		{name: "no rows", rows: []int{}, age: []float64{}, city: []string{}, member: []bool{}, joined: []int64{}, note: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := f.Take(tt.rows)
			if err != nil {
				t.Fatalf("Take(%v) error = %v", tt.rows, err)
			}
			if g.Len() != len(tt.rows) {
				t.Errorf("Take(%v).Len() = %d, want %d", tt.rows, g.Len(), len(tt.rows))
			}
			age, _ := ColumnAs[*FloatColumn](g, "age")
			if diff := cmp.Diff(tt.age, age.Values(), cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("Take(%v) age mismatch (-want +got):\n%s", tt.rows, diff)
			}
			city, _ := ColumnAs[*CategoricalColumn](g, "city")
			gotCity := make([]string, city.Len())
			for i := range gotCity {
				gotCity[i] = city.Value(i)
			}
			if diff := cmp.Diff(tt.city, gotCity); diff != "" {
				t.Errorf("Take(%v) city mismatch (-want +got):\n%s", tt.rows, diff)
			}
			if diff := cmp.Diff([]string{"Bergen", "Oslo", "Tromsø"}, city.Dict()); diff != "" {
				t.Errorf("Take(%v) city dictionary mismatch (-want +got):\n%s", tt.rows, diff)
			}
			member, _ := ColumnAs[*BoolColumn](g, "member")
			if diff := cmp.Diff(tt.member, member.Values()); diff != "" {
				t.Errorf("Take(%v) member mismatch (-want +got):\n%s", tt.rows, diff)
			}
			joined, _ := ColumnAs[*TimeColumn](g, "joined")
			if diff := cmp.Diff(tt.joined, joined.Values()); diff != "" {
				t.Errorf("Take(%v) joined mismatch (-want +got):\n%s", tt.rows, diff)
			}
			note, _ := ColumnAs[*StringColumn](g, "note")
			if diff := cmp.Diff(tt.note, note.Values()); diff != "" {
				t.Errorf("Take(%v) note mismatch (-want +got):\n%s", tt.rows, diff)
			}
			for _, c := range g.Columns() {
				want := tt.miss[c.Name()]
				if want == nil {
					want = make([]bool, len(tt.rows))
				}
				got := c.Mask().Bools(len(tt.rows))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Take(%v) column %q missing mismatch (-want +got):\n%s", tt.rows, c.Name(), diff)
				}
				n := 0
				for _, m := range want {
					if m {
						n++
					}
				}
				if c.NullCount() != n {
					t.Errorf("Take(%v) column %q NullCount() = %d, want %d", tt.rows, c.Name(), c.NullCount(), n)
				}
			}
			if diff := cmp.Diff(f.Schema(), g.Schema()); diff != "" {
				t.Errorf("Take(%v).Schema() mismatch (-want +got):\n%s", tt.rows, diff)
			}
		})
	}
	for _, rows := range [][]int{{0, 5}, {-1}} {
		if _, err := f.Take(rows); !errors.Is(err, ErrInvalid) {
			t.Errorf("Take(%v) error = %v, want ErrInvalid", rows, err)
		}
	}
}

func TestColumnAs(t *testing.T) {
	t.Parallel()
	f := testFrame(t)
	if c, err := ColumnAs[*FloatColumn](f, "age"); err != nil || c.Name() != "age" {
		t.Errorf("ColumnAs[*FloatColumn](age) = %v, %v, want the age column", c, err)
	}
	if _, err := ColumnAs[*FloatColumn](f, "city"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ColumnAs[*FloatColumn](city) error = %v, want ErrInvalid", err)
	}
	if _, err := ColumnAs[*FloatColumn](f, "salary"); !errors.Is(err, ErrUnknownColumn) {
		t.Errorf("ColumnAs[*FloatColumn](salary) error = %v, want ErrUnknownColumn", err)
	}
}
