package probe

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// replayTemplates maps each replay page to the real-platform template
// whose capture block it serves.
var replayTemplates = map[string]string{
	"douyin": "douyin-web", "tiktok": "tiktok-foryou", "xiaohongshu": "xiaohongshu-explore",
	"bilibili": "bilibili-home", "youtube": "youtube-home", "youtube-shorts": "youtube-shorts", "weibo": "weibo-hot",
}

// replayAdapter is the template NAME with its capture block as written and
// the replay page's DOM in place of the live site's: the page to open,
// the card selector and fields, and a window scroll.
func replayAdapter(t *testing.T, replay string) *Adapter {
	t.Helper()
	src, err := TemplateSource(replayTemplates[replay])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(src, &m); err != nil {
		t.Fatal(err)
	}
	if m["capture"] == nil {
		t.Fatalf("template %s has no capture block", replayTemplates[replay])
	}
	for _, k := range []string{"embedded", "wait_for", "dismiss", "blocked", "actions", "login", "settings", "drafted"} {
		delete(m, k)
	}
	m["feed_url"] = "/replay/" + replay
	m["item"] = ".rp-card"
	m["fields"] = map[string]any{
		"id": map[string]any{"attr": "data-rp-id"}, "title": map[string]any{"selector": ".rp-title"},
		"author":    map[string]any{"selector": ".rp-author"},
		"sponsored": map[string]any{"selector": ".rp-ad"}, "synthetic": map[string]any{"selector": ".rp-ai"},
	}
	m["scroll"] = map[string]any{"strategy": "window", "wait": "2s", "nudge": "1s", "max_idle": 2}
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAdapter("replay:"+replay, out)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReplayCapture runs each real-platform template's capture block on
// simfeed's replay page of that platform, with the page's classes as they
// are and scrambled: every field, the ad and AI flags and the served order
// come from the traffic either way; with the classes intact, the displayed
// items follow the served order and the first screen comes first.
func TestReplayCapture(t *testing.T) {
	b := needBrowser(t)
	for _, scrambled := range []bool{false, true} {
		srv, base := startSimfeed(t, func(c *simfeed.Config) { c.ScrambleClasses = scrambled })
		for _, name := range simfeed.ReplayNames {
			t.Run(fmt.Sprintf("%s/scrambled=%v", name, scrambled), func(t *testing.T) {
				truth := srv.ReplayTruth(name)
				sink := newMemSink()
				ev := &memEvidence{}
				_, err := b.RunSession(context.Background(), SessionConfig{
					SessionID: 1, Persona: mustPersona(t, "  - {name: reader, seed: 4}\n"), Adapter: replayAdapter(t, name),
					BaseURL: base, Items: len(truth), Timeout: time.Minute, Evidence: ev,
				}, sink)
				if err != nil {
					t.Fatal(err)
				}
				imps := sink.impressions(1)
				if len(imps) != len(truth) {
					t.Fatalf("stored %d impressions, replay served %d", len(imps), len(truth))
				}
				served := make([]simfeed.Served, len(truth))
				for i, it := range truth {
					served[i] = simfeed.Served{Item: it.ID, Rank: i + 1}
				}
				checkCaptured(t, imps, served, !scrambled)
				sort.Slice(imps, func(i, j int) bool { return imps[i].ServedRank < imps[j].ServedRank })
				baseURL, _ := url.Parse(base)
				ads, ai, missing := 0, 0, 0
				for i, im := range imps {
					want := truth[i]
					wantURL := ""
					if want.URL != "" {
						wantURL = baseURL.ResolveReference(&url.URL{Path: want.URL}).String()
					}
					if im.Title != want.Title || im.Author != want.Author || im.Topic != want.Topic || im.URL != wantURL ||
						im.Sponsored != want.Sponsored || im.Synthetic != want.Synthetic {
						t.Errorf("served %d %s: got title %q author %q topic %q url %q ad %v ai %v;\nwant title %q author %q topic %q url %q ad %v ai %v",
							i+1, im.ID, im.Title, im.Author, im.Topic, im.URL, im.Sponsored, im.Synthetic,
							want.Title, want.Author, want.Topic, wantURL, want.Sponsored, want.Synthetic)
					}
					if scrambled && im.Source != feed.SourceNetwork {
						t.Errorf("item %s has source %q with scrambled classes, want network", im.ID, im.Source)
					}
					if want.Sponsored {
						ads++
					}
					if want.Synthetic {
						ai++
					}
					if want.Title == "" || want.Author == "" {
						missing++
					}
				}
				if ads == 0 || missing == 0 {
					t.Errorf("replay %s planted %d ads and %d items with missing fields, want some of each", name, ads, missing)
				}
				var bodies int
				for _, e := range ev.evs {
					if e.Kind == feed.EvidenceResponse {
						bodies++
						if !strings.HasPrefix(e.Reason, "GET ") && !strings.HasPrefix(e.Reason, "POST ") {
							t.Errorf("response evidence reason %q does not start with the method", e.Reason)
						}
					}
				}
				if bodies < 2 {
					t.Errorf("%d response bodies reached the evidence sink, want both pages", bodies)
				}
			})
		}
	}
}
