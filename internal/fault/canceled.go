package fault

import "context"

var errCanceled = context.Canceled

// Canceled wraps a context error as KindCanceled; other errors pass through.
func Canceled(err error) error {
	if err == context.Canceled || err == context.DeadlineExceeded {
		return &Error{Kind: KindCanceled, Err: err}
	}
	return err
}
