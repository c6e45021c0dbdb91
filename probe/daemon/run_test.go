package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/probe/simfeed/simfeedtest"
	"github.com/feedprobe/feedprobe/storage"
)

// needBrowser skips a browser test under -short or without Chromium, but
// fails it when CI=true.
func needBrowser(t *testing.T) {
	t.Helper()
	_, err := probe.FindChrome()
	simfeedtest.RequireBrowser(t, err)
}

// resumeCampaign is a campaign of two personas, two sessions of 20 items.
const resumeCampaign = `campaign: e2e
platform: simfeed
base_url: %s
sessions: 2
items_per_session: 20
session_timeout: 90s
concurrency: 2
personas:
  - name: sports-fan
    role: test
    seed: 7
    interests: {sports: 1.0}
    behaviour:
      dwell: {median: 400ms, sigma: 0.3, min: 200ms, max: 1s}
      open: {base: 0.0, match: 1.0}
      like: {base: 0.0, match: 0.5}
      max_opens: 8
  - name: control
    role: control
    seed: 8
    behaviour:
      open: {base: 0.0, match: 0.0}
`

// TestResumeAfterInterrupt cancels a campaign after its first finished
// session and runs it again: the session that was cut short is marked
// interrupted and redone, finished ones are not repeated.
func TestResumeAfterInterrupt(t *testing.T) {
	needBrowser(t)
	_, base := simfeedtest.Start(t, simfeed.DefaultConfig())
	c, err := personas.ParseCampaign("resume.yaml", []byte(fmt.Sprintf(resumeCampaign, base)), ".")
	if err != nil {
		t.Fatal(err)
	}
	c.Concurrency = 2
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "resume.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	logger := slog.New(slog.DiscardHandler)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Cut the campaign off in the middle of its first sessions.
	_, err = Run(rctx, db, c, RunOptions{
		Browser: probe.BrowserOptions{ClosedNetwork: true},
		Logger:  logger,
		Store:   &cancellingStore{DB: db, after: 25, cancel: cancel},
	})
	if err == nil {
		t.Fatal("interrupted run returned no error")
	}
	camp, err := db.CampaignByName(ctx, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	before, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	doneBefore, running := 0, 0
	for _, s := range before {
		switch s.Status {
		case storage.StatusDone:
			doneBefore++
		case storage.StatusRunning:
			running++
		}
	}
	if running == 0 {
		t.Fatalf("after the interrupt: %d done, %d running; want a session left running (%+v)", doneBefore, running, before)
	}

	sum, err := Run(ctx, db, c, RunOptions{Browser: probe.BrowserOptions{ClosedNetwork: true}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != running {
		t.Errorf("resumed %d sessions, want the %d left running", sum.Resumed, running)
	}
	if want := 4 - doneBefore; sum.Planned != want || sum.Done != want {
		t.Errorf("second run planned %d and did %d sessions, want %d of each", sum.Planned, sum.Done, want)
	}
	after, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, interrupted := map[[2]int64]int{}, 0
	for _, s := range after {
		switch s.Status {
		case storage.StatusDone:
			done[[2]int64{s.PersonaID, int64(s.Seq)}]++
		case storage.StatusInterrupted:
			interrupted++
		default:
			t.Errorf("session %d (persona %d seq %d attempt %d) left %s", s.ID, s.PersonaID, s.Seq, s.Attempt, s.Status)
		}
	}
	if len(done) != 4 || interrupted != running {
		t.Errorf("after resuming: %d distinct done sessions, %d interrupted; want 4 and %d", len(done), interrupted, running)
	}
	for k, n := range done {
		if n != 1 {
			t.Errorf("persona %d seq %d done %d times", k[0], k[1], n)
		}
	}
}

// cancellingStore cancels the campaign once it has stored more than after
// impressions, as a crash or Ctrl-C in the middle of a session would.
type cancellingStore struct {
	*storage.DB
	mu     sync.Mutex
	n      int
	after  int
	cancel context.CancelFunc
}

func (s *cancellingStore) SaveImpressions(ctx context.Context, id int64, imps []feed.Impression) error {
	if err := s.DB.SaveImpressions(ctx, id, imps); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n += len(imps)
	if s.n > s.after {
		s.cancel()
	}
	return nil
}

// TestMarkInterrupted checks what a run stopped by a signal reports: the
// sessions left running are marked interrupted, their impressions kept and
// counted, and finished ones are left alone.
func TestMarkInterrupted(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "cut.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := personas.ParseCampaign("cut.yaml", []byte(fmt.Sprintf(resumeCampaign, "http://127.0.0.1:1")), ".")
	if err != nil {
		t.Fatal(err)
	}
	plans, camp, _, err := PlanCampaign(ctx, db, c)
	if err != nil {
		t.Fatal(err)
	}
	imps := func(n int) []feed.Impression {
		out := make([]feed.Impression, n)
		for i := range out {
			out[i] = feed.Impression{Item: feed.Item{ID: fmt.Sprintf("it-%d", i)}, Rank: i + 1, Surface: "feed", SeenAt: time.Now()}
		}
		return out
	}
	// The first persona's first session finished, both personas' next
	// ones cut short with 3 and 4 impressions.
	done := plans[0].Jobs[0].SessionID
	cut := []int64{plans[0].Jobs[1].SessionID, plans[1].Jobs[0].SessionID}
	for i, id := range append([]int64{done}, cut...) {
		if err := db.StartSession(ctx, id, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveImpressions(ctx, id, imps(2+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishSession(ctx, done, storage.StatusDone, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	n, kept, err := MarkInterrupted(ctx, db, camp.ID)
	if err != nil || n != 2 || kept != 7 {
		t.Fatalf("MarkInterrupted = %d sessions, %d impressions, %v; want 2 and 7", n, kept, err)
	}
	ss, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Status == storage.StatusRunning {
			t.Errorf("session %d still running", s.ID)
		}
		if s.ID == done && s.Status != storage.StatusDone {
			t.Errorf("finished session %d is now %s", s.ID, s.Status)
		}
	}
}
