package probe

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestWatchListPlaysMedia runs a persona with a watch list on simfeed's
// video items: for a time, to the end, by URL, and a page without media.
// Each entry is a watch action in order; the media time the persona
// recorded and the time simfeed's truth says was played agree within
// 10 %.
func TestWatchListPlaysMedia(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) {
		c.VideoShare, c.VideoSeconds = 0.3, 6
	})
	var videos []simfeed.Item
	plain := ""
	for _, it := range srv.Catalogue() {
		switch {
		case it.VideoSeconds > 0 && len(videos) < 3:
			videos = append(videos, it)
		case it.VideoSeconds == 0 && plain == "":
			plain = it.ID
		}
	}
	if len(videos) < 3 || plain == "" {
		t.Fatalf("catalogue has %d videos and plain item %q", len(videos), plain)
	}
	p := mustPersona(t, fmt.Sprintf(`  - name: watcher
    behaviour:
      open: {base: 0, match: 0}
      dwell: {median: 500ms, sigma: 0.1, min: 400ms, max: 600ms}
    watch:
      - {item: %s, time: 2s}
      - {item: %s, time: end}
      - {url: /item/%s, time: 1500ms}
      - {item: %s, time: 500ms}
`, videos[0].ID, videos[1].ID, videos[2].ID, plain))
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base,
		Items: 5, Timeout: time.Minute, Logger: testLog,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	var watched []feed.Action
	for _, a := range sink.acts[1] {
		if a.Kind == feed.ActionWatch {
			watched = append(watched, a)
		}
	}
	if res.Watched != 4 || len(watched) != 4 {
		t.Fatalf("watched %d entries, %d watch actions: %+v; want 4", res.Watched, len(watched), watched)
	}
	want := []struct {
		id      string
		seconds float64
	}{{videos[0].ID, 2}, {videos[1].ID, float64(videos[1].VideoSeconds)}, {videos[2].ID, 1.5}, {plain, 0.5}}
	truth := srv.Truth()
	if len(truth.Users) != 1 {
		t.Fatalf("simfeed saw %d users, want 1", len(truth.Users))
	}
	played := truth.Users[0].PlayedMS
	for i, w := range want {
		a := watched[i]
		if a.ItemID != w.id || math.Abs(a.Value-w.seconds) > 0.1*w.seconds+0.25 {
			t.Errorf("watch %d: %s for %.2fs, want %s for about %.2fs", i, a.ItemID, a.Value, w.id, w.seconds)
		}
		if i == 3 {
			if !strings.HasPrefix(a.Detail, "no media: ") || played[w.id] != 0 {
				t.Errorf("watch of the plain item: detail %q, truth played %d ms; want no media and nothing played", a.Detail, played[w.id])
			}
			continue
		}
		got := float64(played[w.id]) / 1000
		t.Logf("%s: persona %.3fs, truth %.3fs", w.id, a.Value, got)
		if math.Abs(got-a.Value) > 0.1*a.Value {
			t.Errorf("truth played %s for %.3fs, the persona recorded %.3fs: want within 10 %%", w.id, got, a.Value)
		}
	}
	if !watched[1].At.Before(watched[2].At) {
		t.Error("watch actions are not in the list's order")
	}
}

// TestOpenedItemPlaysForDwell opens video items from simfeed's multi-page
// feed: the persona plays each for its dwell, and the watch actions'
// media time matches simfeed's truth within 10 %.
func TestOpenedItemPlaysForDwell(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) {
		c.VideoShare, c.VideoSeconds = 1, 20
	})
	ad, err := BuiltinAdapter("simfeed-pages")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPersona(t, `  - name: viewer
    behaviour:
      open: {base: 1, match: 0}
      like: {base: 0, match: 0}
      dwell: {median: 1500ms, sigma: 0.1, min: 1s, max: 2s}
      max_opens: 2
`)
	sink := newMemSink()
	if _, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute, Logger: testLog,
	}, sink); err != nil {
		t.Fatal(err)
	}
	played := srv.Truth().Users[0].PlayedMS
	n := 0
	for _, a := range sink.acts[1] {
		if a.Kind != feed.ActionWatch {
			continue
		}
		n++
		got := float64(played[a.ItemID]) / 1000
		if a.Value <= 0.2 || a.Value > 2.2 || math.Abs(got-a.Value) > 0.1*a.Value {
			t.Errorf("%s: persona played %.3fs, truth %.3fs; want some of the dwell (at most 2s, loading takes the rest), within 10 %%", a.ItemID, a.Value, got)
		}
	}
	if n != 2 {
		t.Errorf("%d watch actions, want one per open (2)", n)
	}
}

// TestSearchList types a persona's queries into simfeed's search box: the
// results are stored as search impressions in simfeed's order, the
// queries as search actions, and the top results matching the persona's
// interests are opened, as simfeed's truth confirms.
func TestSearchList(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	cat := srv.Catalogue()
	// A query: the first word of an item's title, and that item's topic
	// as the persona's interest.
	word := strings.ToLower(strings.Fields(cat[0].Title)[0])
	p := mustPersona(t, fmt.Sprintf(`  - name: seeker
    interests: {%s: 1}
    behaviour:
      open: {base: 0, match: 0}
      dwell: {median: 300ms, sigma: 0.1, min: 200ms, max: 400ms}
    search:
      - {query: %q, open: 2}
      - {query: zzqqxx-nothing}
`, cat[0].Topic, word))
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 5, Timeout: time.Minute, Logger: testLog,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	u := srv.Truth().Users[0]
	if res.Searches != 2 || len(u.Searches) != 2 || u.Searches[0].Query != word || len(u.Searches[1].Served) != 0 {
		t.Fatalf("searches: %d made, truth %+v; want 2, the first for %q and the second without results", res.Searches, u.Searches, word)
	}
	var results []string
	for _, im := range sink.imps[1] {
		if im.Surface == SurfaceSearch {
			results = append(results, im.ID)
		}
	}
	var served []string
	for _, sv := range u.Searches[0].Served {
		served = append(served, sv.Item)
	}
	if strings.Join(results, " ") != strings.Join(served, " ") || len(served) == 0 {
		t.Errorf("stored search results %v, simfeed served %v", results, served)
	}
	topic := map[string]string{}
	for _, it := range cat {
		topic[it.ID] = it.Topic
	}
	var searched, opened []string
	for _, a := range sink.acts[1] {
		switch {
		case a.Kind == feed.ActionSearch:
			searched = append(searched, a.Detail)
		case a.Kind == feed.ActionOpen && strings.HasPrefix(a.Detail, "search: "):
			opened = append(opened, a.ItemID)
			if topic[a.ItemID] != cat[0].Topic {
				t.Errorf("opened result %s of topic %s, want only %s", a.ItemID, topic[a.ItemID], cat[0].Topic)
			}
		}
	}
	var want []string
	for _, id := range served {
		if topic[id] == cat[0].Topic && len(want) < 2 {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		t.Fatalf("no result of topic %s among %v: the test needs one", cat[0].Topic, served)
	}
	if strings.Join(searched, "|") != word+"|zzqqxx-nothing" || strings.Join(opened, " ") != strings.Join(want, " ") {
		t.Errorf("search actions %q, opened %v; want both queries and the top matching results %v", searched, opened, want)
	}
	if u.Opens < len(want) {
		t.Errorf("simfeed counted %d opens, want at least %d", u.Opens, len(want))
	}
}

// TestUpNextBesideOpenedItems opens items on simfeed's multi-page feed and
// records each item page's up-next list: impressions of the surface
// up_next beside the opened item, in simfeed's order, as its truth says.
func TestUpNextBesideOpenedItems(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	ad, err := BuiltinAdapter("simfeed-pages")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPersona(t, `  - name: follower
    behaviour:
      open: {base: 1, match: 0}
      like: {base: 0, match: 0}
      dwell: {median: 200ms, sigma: 0.1, min: 100ms, max: 300ms}
      max_opens: 2
`)
	sink := newMemSink()
	if _, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute, Logger: testLog,
	}, sink); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	var order []string
	for _, im := range sink.imps[1] {
		if im.Surface != SurfaceUpNext {
			continue
		}
		if im.BesideItemID == "" {
			t.Errorf("up-next impression %s has no item beside it", im.ID)
		}
		if len(got[im.BesideItemID]) == 0 {
			order = append(order, im.BesideItemID)
		}
		got[im.BesideItemID] = append(got[im.BesideItemID], im.ID)
	}
	truth := srv.Truth().Users[0].UpNext
	if len(truth) != 2 || len(order) != 2 {
		t.Fatalf("up-next lists: simfeed served %d, the persona stored %d; want 2 (one per open)", len(truth), len(order))
	}
	for i, l := range truth {
		var want []string
		for _, sv := range l.Served {
			want = append(want, sv.Item)
		}
		if order[i] != l.Beside || strings.Join(got[l.Beside], " ") != strings.Join(want, " ") || len(want) != 5 {
			t.Errorf("up-next beside %s: stored %v, simfeed served %v beside %s", order[i], got[order[i]], want, l.Beside)
		}
	}
}

// TestFollowAndNotInterestedByProbability opens every item: the persona
// follows the authors of the items it likes (four topics) and presses "not
// interested" on the others, as its behaviour's probabilities say (1 and
// 0 here), and simfeed's truth has the same follows and presses.
func TestFollowAndNotInterestedByProbability(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	p := mustPersona(t, `  - name: picky
    interests: {music: 1, news: 1, sports: 1, gaming: 1}
    behaviour:
      open: {base: 1, match: 0}
      like: {base: 0, match: 0}
      follow: {base: 0, match: 1}
      not_interested: {base: 0, mismatch: 1}
      dwell: {median: 150ms, sigma: 0.1, min: 100ms, max: 200ms}
      max_opens: 8
`)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 30, Timeout: time.Minute, Logger: testLog,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	topic := map[string]string{}
	for _, im := range sink.imps[1] {
		topic[im.ID] = im.Topic
	}
	liked := map[string]bool{"music": true, "news": true, "sports": true, "gaming": true}
	follows := map[string]bool{}
	var ni, music int
	opened := 0
	for _, a := range sink.acts[1] {
		switch a.Kind {
		case feed.ActionOpen:
			opened++
			if liked[topic[a.ItemID]] {
				music++
			}
		case feed.ActionFollow:
			if !liked[topic[a.ItemID]] || a.Unconfirmed {
				t.Errorf("followed the author of %s (%s), confirmed %v; want music items only, confirmed", a.ItemID, topic[a.ItemID], !a.Unconfirmed)
			}
			follows[a.Detail] = true
		case feed.ActionNotInterested:
			if liked[topic[a.ItemID]] {
				t.Errorf("not interested in %s, an item of its interests", a.ItemID)
			}
			ni++
		}
	}
	if opened != 8 || ni != opened-music || res.Follows != music {
		t.Errorf("opened %d (%d music): %d not interested, %d follows; want every other item marked and every music item followed", opened, music, ni, res.Follows)
	}
	if music == 0 || ni == 0 {
		t.Fatalf("opened %d music and %d other items: the test needs both", music, ni)
	}
	u := srv.Truth().Users[0]
	var want []string
	for a := range follows {
		want = append(want, a)
	}
	if len(u.Follows) != len(want) || u.NotInterested != ni {
		t.Errorf("truth: follows %v, %d not interested; the persona followed %v and pressed %d", u.Follows, u.NotInterested, want, ni)
	}
}
