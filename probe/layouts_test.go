package probe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// layoutAdapter returns a copy of a built-in adapter that a test may change.
func layoutAdapter(t *testing.T, name string) *Adapter {
	t.Helper()
	a, err := BuiltinAdapter(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const layoutPersona = "  - name: q\n    behaviour: {open: {base: 0, match: 0}}\n"

// checkLayoutServed compares stored impressions with the items simfeed served in
// the user's only visit, rank by rank.
func checkLayoutServed(t *testing.T, srv *simfeed.Server, imps []feed.Impression, surface string) {
	t.Helper()
	truth := srv.Truth()
	if len(truth.Users) != 1 || len(truth.Users[0].Visits) != 1 {
		t.Fatalf("simfeed saw %d users; want one user with one visit", len(truth.Users))
	}
	served := truth.Users[0].Visits[0].Served
	for r, imp := range imps {
		if r >= len(served) || imp.ID != served[r].Item || imp.Rank != r+1 || imp.Surface != surface {
			t.Fatalf("rank %d: stored %s (rank %d, surface %s); served %v", r+1, imp.ID, imp.Rank, imp.Surface, served[min(r, len(served)-1)])
		}
	}
}

// TestLayoutShorts drives the one-at-a-time video feed with the key
// strategy: the page keeps three items in the DOM, the session captures 25
// in the order served.
func TestLayoutShorts(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, layoutPersona), Adapter: layoutAdapter(t, "simfeed-shorts"), BaseURL: base,
		Items: 25, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 25 || len(sink.imps[1]) != 25 {
		t.Fatalf("session got %d items, sink %d; want 25", res.Items, len(sink.imps[1]))
	}
	// Two items are on the first screen; each key press brings one.
	if res.Scrolls < 23 {
		t.Errorf("%d key presses for 25 items, want at least 23", res.Scrolls)
	}
	checkLayoutServed(t, srv, sink.imps[1], "shorts")
}

// TestLayoutHot reads the hot-search list from the page's embedded JSON:
// exactly simfeed's list, the ad at its rank, and no error although the
// session asked for more items than the list holds.
func TestLayoutHot(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, layoutPersona), Adapter: layoutAdapter(t, "simfeed-hot"), BaseURL: base,
		Items: 50, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	want := srv.Hot()
	imps := sink.imps[1]
	if res.Items != len(want) || len(imps) != len(want) {
		t.Fatalf("got %d items, want the list's %d", len(imps), len(want))
	}
	sponsored := map[string]bool{}
	for _, it := range srv.Catalogue() {
		sponsored[it.ID] = it.Sponsored
	}
	for i, imp := range imps {
		if imp.ID != want[i] || imp.Rank != i+1 || imp.Surface != "hot" || imp.Title == "" {
			t.Errorf("rank %d: %+v, want item %s on surface hot", i+1, imp, want[i])
		}
		if imp.Sponsored != sponsored[imp.ID] {
			t.Errorf("rank %d: sponsored %v, catalogue says %v", i+1, imp.Sponsored, sponsored[imp.ID])
		}
	}
	if !imps[2].Sponsored {
		t.Errorf("rank 3 is not the sponsored entry")
	}
}

// TestLayoutGridNetworkIdle reads a first-screen grid that the page fetches
// after load through a slow API: waiting for network idle finds it, reading
// at once (a short wait and no network wait) finds nothing.
func TestLayoutGridNetworkIdle(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Latency = 600 * time.Millisecond })
	ad := layoutAdapter(t, "simfeed-grid")
	ad.Scroll.Wait = 50 * time.Millisecond
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, layoutPersona), Adapter: ad, BaseURL: base, Items: 40, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 10 {
		t.Fatalf("grid gave %d items, want its 10 tiles", res.Items)
	}
	checkLayoutServed(t, srv, sink.imps[1], "grid")
	cat := map[string]simfeed.Item{}
	for _, it := range srv.Catalogue() {
		cat[it.ID] = it
	}
	for _, imp := range sink.imps[1] {
		c := cat[imp.ID]
		if imp.Sponsored != c.Sponsored || imp.Synthetic != (c.Synthetic && c.SyntheticLabelled) || imp.Author != c.Author || imp.Topic != c.Topic {
			t.Errorf("item %s: %+v; catalogue %+v (fields from data attributes and data-meta JSON)", imp.ID, imp.Item, c)
		}
		if (c.Price > 0) != (imp.PriceText != "") {
			t.Errorf("item %s: price %q, catalogue price %v", imp.ID, imp.PriceText, c.Price)
		}
	}

	hasty := *ad
	hasty.WaitFor.NetworkIdle = 0
	_, err = b.RunSession(context.Background(), SessionConfig{
		SessionID: 2, Persona: mustPersona(t, layoutPersona), Adapter: &hasty, BaseURL: base, Items: 10, Timeout: time.Minute,
	}, newMemSink())
	if !errors.Is(err, ErrNoItems) {
		t.Errorf("without waiting for the network: err = %v, want ErrNoItems", err)
	}
}

// TestLayoutBoxed scrolls a feed whose scroll bar belongs to an element.
func TestLayoutBoxed(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, layoutPersona), Adapter: layoutAdapter(t, "simfeed-boxed"), BaseURL: base,
		Items: 35, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 35 || res.Scrolls < 3 {
		t.Fatalf("%d items in %d scrolls, want 35 in at least 3", res.Items, res.Scrolls)
	}
	checkLayoutServed(t, srv, sink.imps[1], "feed")
}

// TestLayoutMoreConsent clicks "load more" behind a consent dialog: with
// the dismiss selector the session gets past it once; without it the
// dialog swallows the clicks and the feed ends after the first page.
func TestLayoutMoreConsent(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, layoutPersona), Adapter: layoutAdapter(t, "simfeed-more"), BaseURL: base,
		Items: 25, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 25 || res.Dismissed != 1 || res.Scrolls < 2 {
		t.Fatalf("%d items, %d dismissals, %d clicks; want 25, 1, at least 2", res.Items, res.Dismissed, res.Scrolls)
	}
	checkLayoutServed(t, srv, sink.imps[1], "feed")

	blind := layoutAdapter(t, "simfeed-more")
	blind.Dismiss = nil
	blind.Scroll.Wait, blind.Scroll.MaxIdle = 400*time.Millisecond, 2
	res, err = b.RunSession(context.Background(), SessionConfig{
		SessionID: 2, Persona: mustPersona(t, layoutPersona), Adapter: blind, BaseURL: base, Items: 25, Timeout: time.Minute,
	}, newMemSink())
	if err == nil || errors.Is(err, ErrNoItems) || res.Items != 10 {
		t.Errorf("without dismiss: %d items, err %v; want the first page (10) and a feed-ended error", res.Items, err)
	}
}

// TestLayoutLoginWall: a persona without a login is blocked; after a
// scripted login through Browser.Login its identity gets past the wall.
func TestLayoutLoginWall(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	ad := layoutAdapter(t, "simfeed-wall")
	_, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, layoutPersona), Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute,
	}, newMemSink())
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("no login: err = %v, want ErrBlocked", err)
	}
	ident, err := b.Login(context.Background(), LoginConfig{
		URL: base + "/login?next=/wall",
		Ready: func(tab context.Context) error {
			ctx, cancel := context.WithTimeout(tab, 20*time.Second)
			defer cancel()
			// What a person would do in the window.
			return chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("sf-login-name"), "puppet_1"),
				chromedp.Click(chromedp.ID("sf-login-submit")),
				chromedp.WaitVisible(chromedp.CSS("article.fp-item")))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := IdentityCookie(ident, simfeed.LoginCookie); v != "puppet_1" {
		t.Fatalf("identity after login has %s=%q, want puppet_1", simfeed.LoginCookie, v)
	}
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 2, Persona: mustPersona(t, layoutPersona), Adapter: ad, BaseURL: base, Items: 15, Timeout: time.Minute, Identity: ident,
	}, sink)
	if err != nil || res.Items != 15 {
		t.Fatalf("after login: %d items, err %v; want 15 and no error", res.Items, err)
	}
	// The login's own visit to the feed is the same simfeed user.
	uid, _ := IdentityCookie(ident, simfeed.CookieName)
	for _, u := range srv.Truth().Users {
		if u.ID == uid && len(u.Visits) != 2 {
			t.Errorf("logged-in user %s has %d visits, want 2 (the login's and the session's)", uid, len(u.Visits))
		}
	}
}

// TestCheckAdapter runs an adapter check on the video feed: items are
// captured across key presses while the page holds at most three.
func TestCheckAdapter(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	rep, err := b.CheckAdapter(context.Background(), CheckConfig{Adapter: layoutAdapter(t, "simfeed-shorts"), URL: base + "/shorts", Steps: 6})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err != nil || rep.Steps != 6 || len(rep.Items) != 8 {
		t.Fatalf("check: %d items in %d steps, err %v; want 8 in 6", len(rep.Items), rep.Steps, rep.Err)
	}
	if !strings.HasPrefix(string(rep.Screenshot), "\x89PNG") || !strings.Contains(string(rep.HTML), "sf-short") {
		t.Errorf("check saved no screenshot or no page HTML")
	}
	for _, s := range rep.Selectors {
		if s.Name == "item" && (s.Count < 1 || s.Count > 3) {
			t.Errorf("page holds %d items at the end, want 1 to 3", s.Count)
		}
	}
	for _, f := range rep.Fields {
		switch f.Name {
		case "id", "title", "author", "url", "topic":
			if f.Of != rep.Elements || f.NonEmpty != f.Of {
				t.Errorf("field %s: %d of %d non-empty, want all", f.Name, f.NonEmpty, f.Of)
			}
		}
	}

	broken := layoutAdapter(t, "simfeed-shorts")
	broken.Item = "section.sf-renamed"
	broken, err = ParseAdapter("broken.yaml", []byte("name: b\nitem: section.sf-renamed\nfields: {id: {attr: data-item-id}}\nscroll: {strategy: key, wait: 200ms, max_idle: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err = b.CheckAdapter(context.Background(), CheckConfig{Adapter: broken, URL: base + "/shorts"})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.Err, ErrNoItems) || len(rep.Items) != 0 {
		t.Errorf("check with a renamed item selector: %d items, err %v; want ErrNoItems", len(rep.Items), rep.Err)
	}
}

// engagingPersona opens every item it sees (up to three) and likes it.
const engagingPersona = `  - name: e
    seed: 3
    behaviour:
      dwell: {median: 150ms, sigma: 0.2, min: 100ms, max: 300ms}
      open: {base: 1.0, match: 1.0}
      like: {base: 1.0, match: 1.0}
      scroll_pause: 50ms
      max_opens: 3
`

// TestLayoutsEngage opens and likes items on the layouts that show the main
// feed's cards (in a scrolling box; behind "load more" and a consent
// dialog) and checks that every open, like and dwell reached simfeed.
func TestLayoutsEngage(t *testing.T) {
	b := needBrowser(t)
	for _, name := range []string{"simfeed-boxed", "simfeed-more"} {
		t.Run(name, func(t *testing.T) {
			srv, base := startSimfeed(t, nil)
			res, err := b.RunSession(context.Background(), SessionConfig{
				SessionID: 1, Persona: mustPersona(t, engagingPersona), Adapter: layoutAdapter(t, name), BaseURL: base,
				Items: 25, Timeout: time.Minute,
			}, newMemSink())
			if err != nil {
				t.Fatal(err)
			}
			truth := srv.Truth()
			if len(truth.Users) != 1 {
				t.Fatalf("simfeed saw %d users, want 1", len(truth.Users))
			}
			u := truth.Users[0]
			if res.Opens != 3 || res.Likes != 3 || u.Opens != res.Opens || u.Likes != res.Likes || u.DwellMS <= 0 {
				t.Errorf("probe opened %d and liked %d; simfeed counted %d opens, %d likes, %d ms dwell; want 3, 3, the same, above 0",
					res.Opens, res.Likes, u.Opens, u.Likes, u.DwellMS)
			}
		})
	}
}
