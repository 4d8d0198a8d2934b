package frame

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNewFloat(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name       string
		values     []float64
		mask       Mask
		wantValues []float64
		wantMiss   []bool
	}{
		{
			name:       "no missing",
			values:     []float64{1.5, -2, 0},
			wantValues: []float64{1.5, -2, 0},
			wantMiss:   []bool{false, false, false},
		},
		{
			name:       "NaN becomes missing",
			values:     []float64{1.5, nan, 3},
			wantValues: []float64{1.5, nan, 3},
			wantMiss:   []bool{false, true, false},
		},
		{
			name:       "masked row becomes NaN",
			values:     []float64{1.5, 99, 3},
			mask:       MaskOf([]bool{false, true, false}),
			wantValues: []float64{1.5, nan, 3},
			wantMiss:   []bool{false, true, false},
		},
		{
			name:       "both",
			values:     []float64{nan, 99, 3, 4},
			mask:       MaskOf([]bool{false, true, false, false}),
			wantValues: []float64{nan, nan, 3, 4},
			wantMiss:   []bool{true, true, false, false},
		},
		{
			name:       "empty mask normalised to nil",
			values:     []float64{7},
			mask:       NewMask(1),
			wantValues: []float64{7},
			wantMiss:   []bool{false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewFloat("x", tt.values, tt.mask)
			if err != nil {
				t.Fatalf("NewFloat() error = %v", err)
			}
			if diff := cmp.Diff(tt.wantValues, c.Values(), cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("NewFloat().Values() mismatch (-want +got):\n%s", diff)
			}
			nulls := 0
			for i, want := range tt.wantMiss {
				if got := c.IsMissing(i); got != want {
					t.Errorf("NewFloat().IsMissing(%d) = %v, want %v", i, got, want)
				}
				if want {
					nulls++
				}
			}
			if c.NullCount() != nulls {
				t.Errorf("NewFloat().NullCount() = %d, want %d", c.NullCount(), nulls)
			}
			if (c.Mask() == nil) != (nulls == 0) {
				t.Errorf("NewFloat().Mask() = %v, want nil exactly when no row is missing", c.Mask())
			}
			want := Field{Name: "x", Kind: Float, Logical: LogicalFloat}
			if diff := cmp.Diff(want, c.Field()); diff != "" {
				t.Errorf("NewFloat().Field() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConstructorErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		new  func() error
	}{
		{"float empty name", func() error { _, err := NewFloat("", []float64{1}, nil); return err }},
		{"float mask too short", func() error { _, err := NewFloat("x", make([]float64, 65), Mask{1}); return err }},
		{"float mask past end", func() error { _, err := NewFloat("x", make([]float64, 2), Mask{0b100}); return err }},
		{"bool mask too long", func() error { _, err := NewBool("b", []bool{true}, Mask{1, 0}); return err }},
		{"time empty name", func() error { _, err := NewTime("", nil, nil); return err }},
		{"string mask past end", func() error { _, err := NewString("s", []string{"a"}, Mask{0b10}); return err }},
		{"categorical unsorted dict", func() error {
			_, err := NewCategorical("c", []uint32{0, 1}, []string{"b", "a"}, nil)
			return err
		}},
		{"categorical duplicate dict", func() error {
			_, err := NewCategorical("c", []uint32{0, 1}, []string{"a", "a"}, nil)
			return err
		}},
		{"categorical code out of range", func() error {
			_, err := NewCategorical("c", []uint32{0, 2}, []string{"a", "b"}, nil)
			return err
		}},
		{"categorical from strings bad mask", func() error {
			_, err := NewCategoricalFromStrings("c", []string{"a"}, Mask{0, 0})
			return err
		}},
		{"float logical text", func() error {
			c, _ := NewFloat("x", []float64{1}, nil)
			_, err := c.WithLogical(LogicalText)
			return err
		}},
		{"float logical unknown", func() error {
			c, _ := NewFloat("x", []float64{1}, nil)
			_, err := c.WithLogical("int")
			return err
		}},
		{"time logical integer", func() error {
			c, _ := NewTime("t", []int64{1}, nil)
			_, err := c.WithLogical(LogicalInteger)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.new(); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: error = %v, want ErrInvalid", tt.name, err)
			}
		})
	}
}

func TestCategorical(t *testing.T) {
	t.Parallel()
	values := []string{"red", "green", "", "blue", "green", "red"}
	c, err := NewCategoricalFromStrings("color", values, MaskOf([]bool{false, false, true, false, false, false}))
	if err != nil {
		t.Fatalf("NewCategoricalFromStrings() error = %v", err)
	}
	if diff := cmp.Diff([]string{"blue", "green", "red"}, c.Dict()); diff != "" {
		t.Errorf("Dict() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint32{2, 1, 0, 0, 1, 2}, c.Codes()); diff != "" {
		t.Errorf("Codes() mismatch (-want +got):\n%s", diff)
	}
	for i, want := range []string{"red", "green", "", "blue", "green", "red"} {
		if got := c.Value(i); got != want {
			t.Errorf("Value(%d) = %q, want %q", i, got, want)
		}
	}
	codeTests := []struct {
		category string
		want     uint32
		ok       bool
	}{
		{"blue", 0, true}, {"red", 2, true}, {"purple", 0, false},
	}
	for _, tt := range codeTests {
		got, ok := c.Code(tt.category)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Code(%q) = %d, %v, want %d, %v", tt.category, got, ok, tt.want, tt.ok)
		}
	}
	if got, want := c.NullCount(), 1; got != want {
		t.Errorf("NullCount() = %d, want %d", got, want)
	}

	// Codes of missing rows are ignored and reset to 0, even past the
	// dictionary.
	c2, err := NewCategorical("c", []uint32{7, 0}, []string{"only"}, MaskOf([]bool{true, false}))
	if err != nil {
		t.Fatalf("NewCategorical(missing row with code 7) error = %v", err)
	}
	if diff := cmp.Diff([]uint32{0, 0}, c2.Codes()); diff != "" {
		t.Errorf("NewCategorical(missing row with code 7).Codes() mismatch (-want +got):\n%s", diff)
	}

	// All rows missing: empty dictionary.
	c3, err := NewCategoricalFromStrings("c", []string{"x", "y"}, MaskOf([]bool{true, true}))
	if err != nil {
		t.Fatalf("NewCategoricalFromStrings(all missing) error = %v", err)
	}
	if len(c3.Dict()) != 0 || c3.NullCount() != 2 {
		t.Errorf("NewCategoricalFromStrings(all missing) = dict %v, %d nulls, want empty dict, 2 nulls", c3.Dict(), c3.NullCount())
	}
}

func TestMissingRowsNormalised(t *testing.T) {
	t.Parallel()
	mask := func() Mask { return MaskOf([]bool{false, true, false}) }
	b, err := NewBool("b", []bool{true, true, true}, mask())
	if err != nil {
		t.Fatalf("NewBool() error = %v", err)
	}
	if diff := cmp.Diff([]bool{true, false, true}, b.Values()); diff != "" {
		t.Errorf("NewBool().Values() mismatch (-want +got):\n%s", diff)
	}
	ts, err := NewTime("t", []int64{1, 2, 3}, mask())
	if err != nil {
		t.Fatalf("NewTime() error = %v", err)
	}
	if diff := cmp.Diff([]int64{1, 0, 3}, ts.Values()); diff != "" {
		t.Errorf("NewTime().Values() mismatch (-want +got):\n%s", diff)
	}
	s, err := NewString("s", []string{"a", "b", "c"}, mask())
	if err != nil {
		t.Fatalf("NewString() error = %v", err)
	}
	if diff := cmp.Diff([]string{"a", "", "c"}, s.Values()); diff != "" {
		t.Errorf("NewString().Values() mismatch (-want +got):\n%s", diff)
	}
}

func TestTimeColumn(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	instant := time.Date(2024, 1, 1, 5, 30, 0, 123, time.UTC)
	c, err := NewTime("when", []int64{day.UnixNano(), 0, instant.UnixNano()}, MaskOf([]bool{false, true, false}))
	if err != nil {
		t.Fatalf("NewTime() error = %v", err)
	}
	tests := []struct {
		row  int
		want time.Time
	}{
		{0, day}, {1, time.Time{}}, {2, instant},
	}
	for _, tt := range tests {
		got := c.At(tt.row)
		if !got.Equal(tt.want) {
			t.Errorf("At(%d) = %v, want %v", tt.row, got, tt.want)
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("At(%d).Location() = %v, want UTC", tt.row, got.Location())
		}
	}
	d, err := c.WithLogical(LogicalDate)
	if err != nil {
		t.Fatalf("WithLogical(date) error = %v", err)
	}
	if d.Logical() != LogicalDate || c.Logical() != LogicalTimestamp {
		t.Errorf("WithLogical(date): logical = %q, original %q, want %q, %q", d.Logical(), c.Logical(), LogicalDate, LogicalTimestamp)
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		logical string
		want    Kind
		ok      bool
	}{
		{LogicalInteger, Float, true},
		{LogicalFloat, Float, true},
		{LogicalBoolean, Bool, true},
		{LogicalCategorical, Categorical, true},
		{LogicalText, String, true},
		{LogicalDate, Time, true},
		{LogicalTimestamp, Time, true},
		{"varchar", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.logical, func(t *testing.T) {
			t.Parallel()
			got, ok := KindOf(tt.logical)
			if got != tt.want || ok != tt.ok {
				t.Errorf("KindOf(%q) = %v, %v, want %v, %v", tt.logical, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestKindText(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{Float, Categorical, Bool, Time, String} {
		b, err := json.Marshal(Field{Name: "c", Kind: k, Logical: "x"})
		if err != nil {
			t.Fatalf("json.Marshal(kind %v) error = %v", k, err)
		}
		var back Field
		if err := json.Unmarshal(b, &back); err != nil || back.Kind != k {
			t.Errorf("json round trip of kind %v = %v, %v (from %s), want %v", k, back.Kind, err, b, k)
		}
	}
	if _, err := Kind(0).MarshalText(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Kind(0).MarshalText() error = %v, want ErrInvalid", err)
	}
	var k Kind
	if err := k.UnmarshalText([]byte("double")); !errors.Is(err, ErrInvalid) {
		t.Errorf("UnmarshalText(double) error = %v, want ErrInvalid", err)
	}
	if got, want := Kind(9).String(), "Kind(9)"; got != want {
		t.Errorf("Kind(9).String() = %q, want %q", got, want)
	}
}

func TestNumeric(t *testing.T) {
	t.Parallel()
	f, _ := NewFloat("f", []float64{1.5, math.NaN()}, nil)
	b, _ := NewBool("b", []bool{true, false, false}, MaskOf([]bool{false, false, true}))
	c, _ := NewCategoricalFromStrings("c", []string{"y", "x", ""}, MaskOf([]bool{false, false, true}))
	s, _ := NewString("s", []string{"a"}, nil)
	for _, tc := range []struct {
		col  Column
		want []float64
	}{
		{f, []float64{1.5, math.NaN()}},
		{b, []float64{1, 0, math.NaN()}},
		{c, []float64{1, 0, math.NaN()}}, // sorted dictionary: x=0, y=1
	} {
		got, ok := Numeric(tc.col)
		if !ok || len(got) != len(tc.want) {
			t.Fatalf("Numeric(%s) = %v, %v", tc.col.Name(), got, ok)
		}
		for i := range got {
			if got[i] != tc.want[i] && !(math.IsNaN(got[i]) && math.IsNaN(tc.want[i])) {
				t.Errorf("Numeric(%s)[%d] = %v, want %v", tc.col.Name(), i, got[i], tc.want[i])
			}
		}
	}
	if _, ok := Numeric(s); ok {
		t.Error("Numeric(String column) ok = true, want false")
	}
}
