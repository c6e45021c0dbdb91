package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLeaseTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	la, err := a.AcquireLease(ctx, "c", LeaseOptions{Holder: "host-a pid 1 (run)"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.AcquireLease(ctx, "c", LeaseOptions{Holder: "host-b pid 2 (serve)"})
	var held *LeaseHeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrLeaseHeld) || held.Holder != "host-a pid 1 (run)" ||
		!strings.Contains(err.Error(), "host-a pid 1 (run)") || !strings.Contains(err.Error(), "last heartbeat") {
		t.Fatalf("second AcquireLease = %v, want a LeaseHeldError naming host-a and its heartbeat", err)
	}
	// Another campaign is free.
	if _, err := b.AcquireLease(ctx, "other", LeaseOptions{}); err != nil {
		t.Errorf("AcquireLease(other campaign) = %v", err)
	}
	// Waiting gives up with the context.
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := b.AcquireLease(wctx, "c", LeaseOptions{Wait: true, TTL: time.Second}); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("waiting AcquireLease = %v, want the deadline and the holder", err)
	}
	// Released while b waits: b gets it.
	got := make(chan error, 1)
	go func() {
		l, err := b.AcquireLease(ctx, "c", LeaseOptions{Wait: true, TTL: time.Second})
		if err == nil && l.TakenOver != "" {
			err = fmt.Errorf("TakenOver = %q after a release", l.TakenOver)
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("AcquireLease after release = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting AcquireLease did not get a released lease")
	}
}

func TestLeaseExpiryTakeover(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	la, err := a.AcquireLease(ctx, "c", LeaseOptions{Holder: "dead", TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b.now = func() time.Time { return time.Now().Add(2 * time.Second) } // past the expiry
	lb, err := b.AcquireLease(ctx, "c", LeaseOptions{Holder: "alive"})
	if err != nil {
		t.Fatalf("AcquireLease of an expired lease = %v", err)
	}
	if lb.TakenOver != "dead" {
		t.Errorf("TakenOver = %q, want dead", lb.TakenOver)
	}
	if err := la.Renew(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Renew by the old holder = %v, want ErrLeaseLost", err)
	}
	if err := la.Release(ctx); err != nil {
		t.Errorf("Release by the old holder = %v", err)
	}
	var holder string
	if err := b.r.QueryRow("SELECT holder FROM leases WHERE campaign = 'c'").Scan(&holder); err != nil || holder != "alive" {
		t.Errorf("after the old holder's release the lease is %q (%v), want still alive's", holder, err)
	}
}

func TestLeaseHeartbeat(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	la, err := a.AcquireLease(ctx, "c", LeaseOptions{Holder: "a", TTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	la.Keep()
	time.Sleep(time.Second) // three TTLs: only heartbeats keep it
	if _, err := b.AcquireLease(ctx, "c", LeaseOptions{}); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("AcquireLease while heartbeats run = %v, want ErrLeaseHeld", err)
	}
	// Taken over (as if a's heartbeats had stalled past the expiry): a's
	// heartbeat notices and closes Lost.
	b.now = func() time.Time { return time.Now().Add(time.Hour) }
	if _, err := b.AcquireLease(ctx, "c", LeaseOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-la.Lost():
		if !errors.Is(la.Err(), ErrLeaseLost) {
			t.Errorf("Err = %v, want ErrLeaseLost", la.Err())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Lost was not closed after a takeover")
	}
	if err := la.Release(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Release of a lost lease = %v, want ErrLeaseLost", err)
	}
}

// TestLeaseHelperProcess holds a lease for TestLeaseOtherProcess; it is not
// a test by itself.
func TestLeaseHelperProcess(t *testing.T) {
	path := os.Getenv("FEEDPROBE_LEASE_HELPER_DB")
	if path == "" {
		t.Skip("helper process only")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	l, err := db.AcquireLease(context.Background(), "c", LeaseOptions{Command: "helper", TTL: 600 * time.Millisecond})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	l.Keep()
	fmt.Println("held")
	time.Sleep(time.Minute) // killed by the test
	os.Exit(0)
}

func TestLeaseOtherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	db := mustOpenPath(t, path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeaseHelperProcess$")
	cmd.Env = append(os.Environ(), "FEEDPROBE_LEASE_HELPER_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	pid := fmt.Sprintf("pid %d (helper)", cmd.Process.Pid)
	time.Sleep(time.Second) // past the helper's first TTL: its heartbeat keeps the lease
	_, err = db.AcquireLease(ctx, "c", LeaseOptions{Command: "run"})
	if !errors.Is(err, ErrLeaseHeld) || !strings.Contains(err.Error(), pid) {
		t.Fatalf("AcquireLease while the helper holds it = %v, want ErrLeaseHeld naming %q", err, pid)
	}
	// The helper dies without releasing: its lease expires and is taken.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	l, err := db.AcquireLease(wctx, "c", LeaseOptions{Command: "run", Wait: true})
	if err != nil {
		t.Fatalf("AcquireLease after the holder died = %v", err)
	}
	if !strings.Contains(l.TakenOver, pid) {
		t.Errorf("TakenOver = %q, want the helper (%s)", l.TakenOver, pid)
	}
	t.Logf("took over %s after %v", l.TakenOver, time.Since(start).Round(time.Millisecond))
}

// TestLeaseDeadHolderTakeover checks that the lease of a process of this
// host that has ended (SIGKILLed, crashed) is taken over at once, not after
// its expiry, while a live one's is not.
func TestLeaseDeadHolderTakeover(t *testing.T) {
	ctx := context.Background()
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	live := fmt.Sprintf("%s pid %d (run)", host, os.Getppid())
	if _, err := a.AcquireLease(ctx, "live", LeaseOptions{Holder: live}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AcquireLease(ctx, "live", LeaseOptions{}); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("AcquireLease held by a live process of this host = %v, want ErrLeaseHeld", err)
	}
	gone := fmt.Sprintf("%s pid %d (run)", host, dead.Process.Pid)
	if _, err := a.AcquireLease(ctx, "gone", LeaseOptions{Holder: gone}); err != nil {
		t.Fatal(err)
	}
	l, err := b.AcquireLease(ctx, "gone", LeaseOptions{})
	if err != nil {
		t.Fatalf("AcquireLease held by an ended process = %v, want it taken over", err)
	}
	if l.TakenOver != gone {
		t.Errorf("TakenOver = %q, want %q", l.TakenOver, gone)
	}
}

// TestLeaseReleaseAtOnce releases leases right after HoldCampaign, before
// the heartbeat goroutine has run: Release must not hang.
func TestLeaseReleaseAtOnce(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			l, err := db.HoldCampaign(ctx, fmt.Sprintf("c%d", i), "run", false)
			if err != nil {
				t.Error(err)
				return
			}
			if err := l.Release(ctx); err != nil {
				t.Error(err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Release right after HoldCampaign hangs")
	}
}
