package frame

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func floatCols(t *testing.T, n int, names ...string) []Column {
	t.Helper()
	cols := make([]Column, len(names))
	for i, name := range names {
		c, err := NewFloat(name, make([]float64, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		cols[i] = c
	}
	return cols
}

// TestNameIndex checks lookups by name against a map on frames of 0 to 300
// columns, with names that collide in length and prefix.
func TestNameIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ncol := range []int{0, 1, 2, 3, 7, 8, 9, 28, 64, 65, 300} {
		names := make([]string, ncol)
		want := map[string]int{}
		for i := range names {
			names[i] = fmt.Sprintf("c%d_%s", r.IntN(1000), strings.Repeat("x", r.IntN(3)))
			for _, dup := want[names[i]]; dup; _, dup = want[names[i]] {
				names[i] += "y"
			}
			want[names[i]] = i
		}
		f, err := New(floatCols(t, 2, names...)...)
		if err != nil {
			t.Fatal(err)
		}
		for name, i := range want {
			c, ok := f.Column(name)
			if !ok || c != f.ColumnAt(i) || c.Name() != name {
				t.Fatalf("%d columns: Column(%q) = %v, %v; want column %d", ncol, name, c, ok, i)
			}
		}
		for _, name := range []string{"", "c", "nope", "c1000_"} {
			if _, ok := f.Column(name); ok {
				t.Fatalf("%d columns: Column(%q) found", ncol, name)
			}
		}
		// Select and Take keep lookups right.
		rev := slices.Clone(names)
		slices.Reverse(rev)
		s, err := f.Select(rev...)
		if err != nil {
			t.Fatal(err)
		}
		rows := []int{1}
		if ncol == 0 {
			rows = nil // a frame without columns has no rows
		}
		tk, err := s.Take(rows)
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range rev {
			for _, g := range []*Frame{s, tk} {
				if c, ok := g.Column(name); !ok || c.Name() != name || c != g.ColumnAt(i) {
					t.Fatalf("%d columns: after select and take, Column(%q) = %v, %v", ncol, name, c, ok)
				}
			}
		}
	}
}

func TestNewDuplicatesAndNils(t *testing.T) {
	cols := floatCols(t, 1, "a", "b", "a", "c", "b")
	cols = append(cols, nil)
	_, err := New(cols...)
	for _, want := range []string{`columns 0 and 2 are both named "a"`, `columns 1 and 4 are both named "b"`, "column 5 is nil"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v, want %q", err, want)
		}
	}
	f, err := New(floatCols(t, 1, "a", "b")...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Select("a", "a"); err == nil || !strings.Contains(err.Error(), `select "a" twice`) {
		t.Errorf("Select twice: %v", err)
	}
}

func TestLayout(t *testing.T) {
	if _, err := NewLayout("a", "b", "a"); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate names: %v", err)
	}
	if _, err := NewLayout("a", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	names := []string{"x", "y", "z", "x2"}
	l, err := NewLayout(names...)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Names(), names) {
		t.Errorf("Names = %q", l.Names())
	}
	cols := floatCols(t, 3, names...)
	f, err := l.Frame(slices.Clone(cols))
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cols...)
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != g.Len() || !slices.Equal(f.Schema(), g.Schema()) {
		t.Errorf("layout frame %v, %d rows; New %v, %d rows", f.Schema(), f.Len(), g.Schema(), g.Len())
	}
	for i, name := range names {
		c, ok := f.Column(name)
		if !ok || c != cols[i] {
			t.Errorf("Column(%q) = %v, %v", name, c, ok)
		}
	}
	if _, ok := f.Column("w"); ok {
		t.Errorf("Column(w) found")
	}
	bad := map[string][]Column{
		"too few":    cols[:3],
		"nil":        {cols[0], nil, cols[2], cols[3]},
		"order":      {cols[1], cols[0], cols[2], cols[3]},
		"other name": append(slices.Clone(cols[:3]), floatCols(t, 3, "w")...),
		"length":     append(slices.Clone(cols[:3]), floatCols(t, 2, "x2")...),
	}
	for name, cs := range bad {
		if _, err := l.Frame(cs); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	empty, err := NewLayout()
	if err != nil {
		t.Fatal(err)
	}
	if f, err := empty.Frame(nil); err != nil || f.Len() != 0 || f.NumColumns() != 0 {
		t.Errorf("empty layout: %v, %v", f, err)
	}
}

func TestWithLogicalSame(t *testing.T) {
	c, err := NewFloat("a", []float64{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.WithLogical(LogicalFloat); err != nil || d != c {
		t.Errorf("WithLogical(float) on a float column = %p, %v; want the column itself", d, err)
	}
	d, err := c.WithLogical(LogicalInteger)
	if err != nil || d == c || d.Logical() != LogicalInteger || c.Logical() != LogicalFloat {
		t.Errorf("WithLogical(integer) = %v, %v", d, err)
	}
	if _, err := c.WithLogical(LogicalDate); err == nil {
		t.Errorf("WithLogical(date) on a float column succeeded")
	}
	tc, err := NewTime("t", []int64{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := tc.WithLogical(LogicalTimestamp); err != nil || d != tc {
		t.Errorf("WithLogical(timestamp) on a timestamp column = %p, %v; want the column itself", d, err)
	}
}

func TestFloatColumnsInit(t *testing.T) {
	cols := FloatColumns(2)
	if err := cols[0].Init("x", LogicalFloat, []float64{1, math.NaN(), 3}, nil); err != nil {
		t.Fatal(err)
	}
	if err := cols[1].Init("n", LogicalInteger, []float64{4, 5, 6}, MaskOf([]bool{false, false, true})); err != nil {
		t.Fatal(err)
	}
	want, _ := NewFloat("x", []float64{1, math.NaN(), 3}, nil)
	if cols[0].Field() != want.Field() || cols[0].NullCount() != 1 || !cols[0].IsMissing(1) || cols[0].Values()[2] != 3 {
		t.Errorf("Init: %v with %d missing, want %v like NewFloat", cols[0].Field(), cols[0].NullCount(), want.Field())
	}
	if cols[1].Logical() != LogicalInteger || !cols[1].IsMissing(2) || !math.IsNaN(cols[1].Values()[2]) {
		t.Errorf("integer column: %v, missing %v, values %v", cols[1].Field(), cols[1].IsMissing(2), cols[1].Values())
	}
	if err := cols[0].Init("y", LogicalFloat, []float64{1, 2, 3}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("second Init: %v, want ErrInvalid", err)
	}
	var c FloatColumn
	if err := c.Init("z", LogicalText, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Init as text: %v, want ErrInvalid", err)
	}
	f, err := New(&cols[0], &cols[1])
	if err != nil || f.Len() != 3 {
		t.Fatalf("frame of FloatColumns: %v", err)
	}
}
