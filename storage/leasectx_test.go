package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestLeaseBind checks that a bound context ends, with the loss as its
// cause, once the heartbeat finds the lease taken.
func TestLeaseBind(t *testing.T) {
	ctx := context.Background()
	db := mustOpenPath(t, filepath.Join(t.TempDir(), "feedprobe.db"))
	l, err := db.AcquireLease(ctx, "c", LeaseOptions{Holder: "me", TTL: 90 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l.Keep()
	defer l.Release(ctx)
	bound, cancel := l.Bind(ctx)
	defer cancel(nil)
	if _, err := db.w.ExecContext(ctx, "DELETE FROM leases"); err != nil { // taken away
		t.Fatal(err)
	}
	select {
	case <-bound.Done():
		if cause := context.Cause(bound); !errors.Is(cause, ErrLeaseLost) {
			t.Errorf("Cause = %v, want ErrLeaseLost", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("bound context still live 5 s after the lease was lost")
	}
}
