package probe

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestHostileText serves titles with markup, script, SQL, bidi overrides,
// control characters and a megabyte of text: the probe stores each as the
// page shows it (white space collapsed, as everywhere), and nothing in them
// runs.
func TestHostileText(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Hostile = true; c.Exploration = 0 })
	sink := newMemSink()
	if _, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, "  - name: x\n    behaviour: {open: {base: 1, match: 0}, dwell: {median: 100ms, min: 50ms, max: 200ms}, max_opens: 8}\n"),
		Adapter: simfeedAdapter(t), BaseURL: base, Items: 20, Timeout: time.Minute,
	}, sink); err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, it := range srv.Catalogue() {
		titles[it.ID] = it.Title
	}
	hostile := map[string]bool{}
	for _, h := range simfeed.HostileTitles {
		hostile[h] = true
	}
	seen := 0
	for _, imp := range sink.imps[1] {
		want := titles[imp.ID]
		if !hostile[want] {
			continue
		}
		seen++
		if imp.Title != collapseSpace(want) {
			t.Errorf("item %s: stored title %.60q (%d bytes), want %.60q (%d bytes)", imp.ID, imp.Title, len(imp.Title), collapseSpace(want), len(want))
		}
		if imp.Author != "<b onmouseover=alert(1)>mallory</b>" {
			t.Errorf("item %s: stored author %q", imp.ID, imp.Author)
		}
	}
	if seen < len(simfeed.HostileTitles)-1 {
		t.Errorf("only %d of %d hostile items were served and stored", seen, len(simfeed.HostileTitles))
	}

	// Nothing ran in the platform's page either (the probe opened items).
	tab, cancel, err := b.newTab(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	ctx, cancelT := context.WithTimeout(tab, 30*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__pwned === 1`))
	if err != nil || pwned {
		t.Errorf("hostile title ran script in the page: %v, %v", pwned, err)
	}
}
