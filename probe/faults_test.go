package probe

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestPlatformFaults runs sessions against simfeed's fault modes: a session
// either completes correctly or fails with a clear error within its
// deadline; it never hangs and never reports a broken page as done.
func TestPlatformFaults(t *testing.T) {
	b := needBrowser(t)
	p := mustPersona(t, "  - name: x\n    behaviour: {open: {base: 0, match: 0}, scroll_pause: 10ms}\n")
	tests := []struct {
		name    string
		faults  simfeed.Faults
		timeout time.Duration
		// wantErr nil: the session must complete with every item equal to
		// what simfeed served.
		wantErr  func(error) bool
		maxSecs  float64
		describe string
	}{
		{name: "http 500 on a third of api calls", faults: simfeed.Faults{ErrorRate: 0.3}, timeout: time.Minute, maxSecs: 60},
		{name: "stalls", faults: simfeed.Faults{StallRate: 0.3, Stall: 2 * time.Second}, timeout: time.Minute, maxSecs: 60},
		// The cut page never loads its script, so the feed cannot grow: the
		// session fails with what it saw stored, not "done" with too few.
		{name: "truncated html", faults: simfeed.Faults{Truncate: true}, timeout: time.Minute, maxSecs: 30,
			wantErr: func(err error) bool { return err != nil && !errors.Is(err, ErrNoItems) }, describe: "feed ended"},
		{name: "layout change", faults: simfeed.Faults{Layout: "v2"}, timeout: time.Minute, maxSecs: 30,
			wantErr: func(err error) bool { return errors.Is(err, ErrNoItems) }, describe: "ErrNoItems"},
		{name: "captcha", faults: simfeed.Faults{Captcha: true}, timeout: time.Minute, maxSecs: 20,
			wantErr: func(err error) bool { return errors.Is(err, ErrBlocked) }, describe: "ErrBlocked"},
		{name: "redirect loop", faults: simfeed.Faults{RedirectLoop: true}, timeout: time.Minute, maxSecs: 20,
			wantErr: func(err error) bool { return err != nil }, describe: "an error"},
		{name: "hung tab", faults: simfeed.Faults{Hang: true}, timeout: 6 * time.Second, maxSecs: 6 + 2*afterTimeout.Seconds() + 2,
			wantErr: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, describe: "the deadline"},
		{name: "endless page", faults: simfeed.Faults{EndlessPage: true}, timeout: 6 * time.Second, maxSecs: 6 + stepTimeout.Seconds(),
			wantErr: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, describe: "the deadline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Faults = tc.faults })
			sink := newMemSink()
			start := time.Now()
			res, err := b.RunSession(context.Background(), SessionConfig{
				SessionID: 1, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 30, Timeout: tc.timeout,
			}, sink)
			if d := time.Since(start).Seconds(); d > tc.maxSecs {
				t.Errorf("session took %.1fs, want at most %.0fs", d, tc.maxSecs)
			}
			if tc.wantErr != nil {
				if !tc.wantErr(err) {
					t.Fatalf("err = %v, want %s", err, tc.describe)
				}
				checkServed(t, srv, sink.imps[1])
				return
			}
			if err != nil {
				t.Fatalf("session failed: %v", err)
			}
			if res.Items != 30 {
				t.Fatalf("%d items, want 30", res.Items)
			}
			checkServed(t, srv, sink.imps[1])
		})
	}
}

// checkServed asserts that what a session stored is what simfeed served to
// its (only) user, in order.
func checkServed(t *testing.T, srv *simfeed.Server, imps []feed.Impression) {
	t.Helper()
	users := srv.Truth().Users
	if len(users) == 0 || len(users[0].Visits) == 0 {
		if len(imps) > 0 {
			t.Fatalf("stored %d items but simfeed served none", len(imps))
		}
		return
	}
	served := users[0].Visits[0].Served
	for i, imp := range imps {
		if i >= len(served) || imp.ID != served[i].Item {
			t.Fatalf("rank %d: stored %s, simfeed did not serve it there", i+1, imp.ID)
		}
	}
}
