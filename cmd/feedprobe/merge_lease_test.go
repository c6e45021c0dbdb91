package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/storage"
)

// TestMergeHonoursLease checks that merge refuses, naming the holder, to
// write a campaign another process is writing in the output database, and
// merges once it is free.
func TestMergeHonoursLease(t *testing.T) {
	ctx := context.Background()
	shard := mustDataDB(t, "one", "two")
	out := filepath.Join(t.TempDir(), "out.db")
	db, err := storage.Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := db.AcquireLease(ctx, "c", storage.LeaseOptions{Holder: "elsewhere pid 7 (run)"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, "merge", out, shard)
	if !errors.Is(err, storage.ErrLeaseHeld) || !strings.Contains(err.Error(), "elsewhere pid 7 (run)") {
		t.Fatalf("merge into a held campaign = %v, want a refusal naming the holder", err)
	}
	if camps, err := db.Campaigns(ctx); err != nil || len(camps) != 0 {
		t.Errorf("after the refusal out.db has campaigns %v (%v), want none", camps, err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runCLI(t, "merge", out, shard)
	if err != nil || !strings.Contains(stdout, "merged campaign") {
		t.Fatalf("merge = %q, %v\n%s", stdout, err, stderr)
	}
	// Its own leases are released.
	if _, err := db.AcquireLease(ctx, "c", storage.LeaseOptions{}); err != nil {
		t.Errorf("lease after merge = %v, want free", err)
	}
}
