package probe

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestWaitSelector logs in through Login with WaitSelector as Ready: a
// selector simfeed's feed page has ends the wait and says it waited; one it
// lacks fails after the timeout, naming the selector.
func TestWaitSelector(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	for _, tc := range []struct {
		sel string
		ok  bool
	}{{"article", true}, {"#no-such-login-marker", false}} {
		var said strings.Builder
		_, err := b.Login(context.Background(), LoginConfig{URL: base + "/", Ready: func(tab context.Context) error {
			return WaitSelector(tab, &said, tc.sel, 3*time.Second)
		}})
		if !strings.Contains(said.String(), "waiting up to 3s for \""+tc.sel+"\"") {
			t.Errorf("WaitSelector(%q) said %q, want that it waits", tc.sel, said.String())
		}
		if tc.ok && err != nil {
			t.Errorf("WaitSelector(%q) = %v, want the login done", tc.sel, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "login not seen: \"#no-such-login-marker\" did not appear")) {
			t.Errorf("WaitSelector(%q) = %v, want the selector not seen", tc.sel, err)
		}
	}
}
