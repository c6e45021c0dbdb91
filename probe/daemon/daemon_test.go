package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

const reloadCampaign = `campaign: later
platform: simfeed
base_url: http://127.0.0.1:1
sessions: 2
items_per_session: 5
schedule:
  cron: "%s"
  time_zone: Asia/Shanghai
  start: 2099-01-01
personas:
  - name: p1
    role: test
    seed: 1
`

// TestLoadAndReload checks campaign file errors at start and that a
// bad file on SIGHUP leaves the old version running, without a browser
// (the schedule starts in 2099, so no slot comes due).
func TestLoadAndReload(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "later.yaml")
	write := func(cron string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(fmt.Sprintf(reloadCampaign, cron)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs logBuffer
	started := time.Now()
	reg := prometheus.NewRegistry()
	d := New(Config{DB: db, Metrics: probe.NewMetrics(reg, "test"),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Dir: dir, MaxSessions: 1})

	write("0 25 * * *")
	if _, err := d.Load(ctx); err == nil || !strings.Contains(err.Error(), "later.yaml:7: schedule.cron") {
		t.Fatalf("Load error = %v, want later.yaml:7: schedule.cron", err)
	}
	gauge(t, reg, "feedprobe_config_last_reload_successful", 0)

	write("0 9 * * *")
	vs, errs := d.loadDir(ctx, dir)
	if len(errs) != 0 || len(vs) != 1 {
		t.Fatalf("loadDir = %d campaigns, %v", len(vs), errs)
	}
	stop, cancel := context.WithCancel(ctx)
	d.start(stop, stop, vs[0])
	defer func() { cancel(); d.wg.Wait() }()
	first := d.campaigns[path].current()
	if got := first.sched.Next(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), first.origin); !got.Equal(time.Date(2099, 1, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("first slot = %s, want 2099-01-01T01:00Z (09:00 Shanghai)", got)
	}

	write("0 25 * * *") // bad: the old version keeps running
	d.reload(stop, stop, dir)
	if d.campaigns[path].current() != first {
		t.Error("a bad file replaced the running version")
	}
	gauge(t, reg, "feedprobe_config_last_reload_successful", 0)
	if !strings.Contains(logs.String(), "its old version keeps running") {
		t.Errorf("logs = %q, want the rejection reported", logs.String())
	}

	write("30 9 * * *") // good: replaces it
	d.reload(stop, stop, dir)
	if cur := d.campaigns[path].current(); cur == first || cur.sched.Spec().Cron != "30 9 * * *" {
		t.Errorf("reload kept %q, want the new schedule", cur.sched.Spec().Cron)
	}
	gauge(t, reg, "feedprobe_config_last_reload_successful", 1)
	if ts, _ := metricValue(t, reg, "feedprobe_config_last_reload_success_timestamp_seconds"); ts < float64(started.Unix()) {
		t.Errorf("last successful reload at %v, want after the test started (%v)", ts, started.Unix())
	}

	os.Remove(path)
	d.reload(stop, stop, dir)
	if len(d.campaigns) != 0 {
		t.Errorf("campaigns after removing the file = %d, want 0", len(d.campaigns))
	}
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *logBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFairSem checks the global limit, the per-campaign limit and that a
// place goes to the campaign with the fewest sessions running.
func TestFairSem(t *testing.T) {
	ctx := context.Background()
	s := newFairSem(2, nil)
	relA1, _ := s.Acquire(ctx, "a", 5)
	relA2, _ := s.Acquire(ctx, "a", 5)
	got := make(chan string, 3)
	for _, k := range []string{"a", "a", "b"} {
		go func() {
			rel, err := s.Acquire(ctx, k, 5)
			if err != nil {
				t.Error(err)
				return
			}
			got <- k
			_ = rel
		}()
	}
	waitUntil := func(n int) {
		for range 200 {
			s.mu.Lock()
			w := len(s.waiters)
			s.mu.Unlock()
			if w == n {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("waiters never reached %d", n)
	}
	waitUntil(3)
	relA1()
	if k := <-got; k != "b" {
		t.Errorf("first freed place went to %s, want b (a already runs one)", k)
	}
	relA2()
	if k := <-got; k != "a" {
		t.Errorf("second freed place went to %s, want a", k)
	}

	// Per-campaign limit 1: a second session of c waits even with room.
	s2 := newFairSem(3, nil)
	rel, _ := s2.Acquire(ctx, "c", 1)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s2.Acquire(cctx, "c", 1); err == nil {
		t.Error("second session of a campaign with concurrency 1 got a place")
	}
	rel()
	if r, err := s2.Acquire(ctx, "c", 1); err != nil {
		t.Errorf("after release: %v", err)
	} else {
		r()
	}
}

// TestHealthRestoredAtStart: after a restart the last-session gauges come
// from the database, before any session of the new process.
func TestHealthRestoredAtStart(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: "c", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.EnsurePersona(ctx, storage.Persona{CampaignID: camp.ID, Name: "p", Role: "test", Spec: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PlanSessions(ctx, p.ID, 2); err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	done := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	if err := db.StartSession(ctx, ss[0].ID, done.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, ss[0].ID, storage.StatusDone, "", done); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	d := New(Config{DB: db, Metrics: probe.NewMetrics(reg, "test"), Logger: slog.New(slog.DiscardHandler), Dir: t.TempDir()})
	stop, cancel := context.WithCancel(ctx)
	d.Start(stop, stop)
	cancel()
	d.Wait()
	gauge(t, reg, `feedprobe_last_session_success{platform="simfeed"}`, 1)
	gauge(t, reg, `feedprobe_last_success_timestamp_seconds{platform="simfeed"}`, float64(done.Unix()))
	gauge(t, reg, `feedprobe_rectification_orders{state="open"}`, 0)
}
