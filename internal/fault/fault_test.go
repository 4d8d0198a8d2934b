package fault

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"plain", errors.New("x"), KindInternal},
		{"invalid", Invalid("bad %d", 1), KindInvalid},
		{"wrapped", fmt.Errorf("outer: %w", NotFound("nope")), KindNotFound},
		{"outermost wins", Mark(KindConflict, fmt.Errorf("x: %w", Invalid("y"))), KindConflict},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), KindCanceled},
		{"marked canceled", Canceled(context.DeadlineExceeded), KindCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if Mark(KindInvalid, nil) != nil {
		t.Error("Mark(nil) != nil")
	}
	if got := Invalid("a %s", "b").Error(); got != "a b" {
		t.Errorf("message = %q", got)
	}
	if KindNotFound.String() != "not_found" {
		t.Errorf("String = %s", KindNotFound.String())
	}
}
