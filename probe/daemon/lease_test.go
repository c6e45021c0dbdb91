package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// TestSlotHonoursLease checks that a scheduled slot of a campaign another
// process is writing waits (errBusy naming the holder) and leaves that
// process's running session alone, and runs once the lease is free.
func TestSlotHonoursLease(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "later.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(reloadCampaign, "0 9 * * *")), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "lease.db")
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	d := New(Config{DB: db, Metrics: probe.NewMetrics(prometheus.NewRegistry(), "test"),
		Logger: slog.New(slog.NewTextHandler(&logBuffer{}, nil)), Dir: dir, MaxSessions: 1})
	v, err := d.loadFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// Another process runs the campaign's first session.
	l, err := other.AcquireLease(ctx, "later", storage.LeaseOptions{Holder: "elsewhere pid 42 (run)"})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, v.campaignID)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.StartSession(ctx, ss[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	err = d.runSlot(ctx, ctx, v, storage.Slot{Round: 1}, d.logger)
	if !errors.Is(err, errBusy) || !errors.Is(err, storage.ErrLeaseHeld) || !strings.Contains(err.Error(), "elsewhere pid 42 (run)") {
		t.Fatalf("runSlot with the lease held = %v, want errBusy naming the holder", err)
	}
	s, err := db.Session(ctx, ss[0].ID)
	if err != nil || s.Status != storage.StatusRunning {
		t.Errorf("the other process's session is %s (%v), want still running", s.Status, err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	// Free: the slot takes the lease and recovers the session (its base
	// URL is unreachable, so it runs nothing; only the lease matters).
	l2, err := d.holdLeaseForTest(ctx, "later")
	if err != nil {
		t.Fatalf("lease after release: %v", err)
	}
	l2()
}

// holdLeaseForTest takes and releases the campaign's lease as a slot does.
func (d *Daemon) holdLeaseForTest(ctx context.Context, campaign string) (func(), error) {
	_, release, err := d.holdLease(ctx, ctx, campaign, "serve")
	return release, err
}
