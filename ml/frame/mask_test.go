package frame

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMaskOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		missing []bool
		want    Mask
		count   int
	}{
		{name: "nil", missing: nil, want: nil},
		{name: "none missing", missing: []bool{false, false, false}, want: nil},
		{name: "first and last", missing: []bool{true, false, false, true}, want: Mask{0b1001}, count: 2},
		{name: "second word", missing: append(make([]bool, 64), false, true), want: Mask{0, 0b10}, count: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := MaskOf(tt.missing)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MaskOf(%v) mismatch (-want +got):\n%s", tt.missing, diff)
			}
			if got.Count() != tt.count {
				t.Errorf("MaskOf(%v).Count() = %d, want %d", tt.missing, got.Count(), tt.count)
			}
			if back := got.Bools(len(tt.missing)); len(tt.missing) > 0 && !cmp.Equal(back, tt.missing) {
				t.Errorf("MaskOf(%v).Bools() = %v, want the input back", tt.missing, back)
			}
		})
	}
}

func TestMaskIsSet(t *testing.T) {
	t.Parallel()
	m := NewMask(130)
	for _, i := range []int{0, 63, 64, 129} {
		m.Set(i)
	}
	tests := []struct {
		row  int
		want bool
	}{
		{-1, false}, {0, true}, {1, false}, {63, true}, {64, true}, {65, false},
		{128, false}, {129, true}, {130, false}, {1000, false},
	}
	for _, tt := range tests {
		if got := m.IsSet(tt.row); got != tt.want {
			t.Errorf("IsSet(%d) = %v, want %v", tt.row, got, tt.want)
		}
	}
	if got := Mask(nil).IsSet(0); got {
		t.Errorf("Mask(nil).IsSet(0) = true, want false")
	}
	if got, want := m.Count(), 4; got != want {
		t.Errorf("Count() = %d, want %d", got, want)
	}
}

func TestMaskCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mask    Mask
		rows    int
		want    int
		wantErr bool
	}{
		{name: "nil", mask: nil, rows: 10},
		{name: "exact", mask: Mask{0b101}, rows: 3, want: 2},
		{name: "full word", mask: Mask{1 << 63}, rows: 64, want: 1},
		{name: "too short", mask: Mask{1}, rows: 65, wantErr: true},
		{name: "too long", mask: Mask{1, 0}, rows: 64, wantErr: true},
		{name: "bit past the end", mask: Mask{0b1000}, rows: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.mask.check("c", tt.rows)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("check(%v, %d) error = %v, want ErrInvalid", tt.mask, tt.rows, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("check(%v, %d) = %d, %v, want %d, nil", tt.mask, tt.rows, got, err, tt.want)
			}
		})
	}
}
