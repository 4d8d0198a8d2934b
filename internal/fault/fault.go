// Package fault classifies errors into a few kinds that the adapters map to
// exit codes (cli) and HTTP statuses (httpapi), so that no caller ever matches
// error strings.
//
// A phase marks an error with a kind where it is created:
//
//	return fault.Invalid("data add: name %q is not a safe identifier", name)
//
// and an adapter asks for the kind with KindOf. Wrapping with %w keeps the
// kind: KindOf walks the chain and returns the outermost kind found.
package fault

import (
	"errors"
	"fmt"
)

// Kind is the class of an error.
type Kind int

const (
	// KindInternal is an unexpected failure: a bug or a broken environment.
	KindInternal Kind = iota
	// KindInvalid is bad input from the user: a malformed file, a wrong
	// type, an unknown column, a bad flag value.
	KindInvalid
	// KindNotFound means a named thing (dataset, version, file) does not exist.
	KindNotFound
	// KindConflict means the request clashes with existing state (a
	// duplicate, a concurrent change).
	KindConflict
	// KindUnavailable means a dependency (database, object store) could not
	// be reached; retrying later may help.
	KindUnavailable
	// KindCanceled means the work was stopped by the user (Ctrl-C) or a
	// deadline.
	KindCanceled
)

// String returns the kind's name as used in JSON error envelopes.
func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindUnavailable:
		return "unavailable"
	case KindCanceled:
		return "canceled"
	default:
		return "internal"
	}
}

// Error is an error marked with a Kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Mark returns err marked with kind k, or nil if err is nil.
func Mark(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}

// Invalid returns a formatted KindInvalid error.
func Invalid(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Err: fmt.Errorf(format, args...)}
}

// NotFound returns a formatted KindNotFound error.
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Err: fmt.Errorf(format, args...)}
}

// Conflict returns a formatted KindConflict error.
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the kind of the outermost marked error in err's chain.
// Context cancellation counts as KindCanceled; anything unmarked is
// KindInternal.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	if errors.Is(err, errCanceled) {
		return KindCanceled
	}
	return KindInternal
}

// Is reports whether err is marked with kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }
