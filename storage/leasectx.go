package storage

import "context"

// Bind returns a context derived from ctx that is cancelled, with the
// lease's error (wrapping ErrLeaseLost) as its cause, when the lease is
// lost; cancel it when done with it.
func (l *Lease) Bind(ctx context.Context) (context.Context, context.CancelCauseFunc) {
	bound, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-l.Lost():
			cancel(l.Err())
		case <-bound.Done():
		}
	}()
	return bound, cancel
}
