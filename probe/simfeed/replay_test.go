package simfeed

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func fetchReplay(t *testing.T, method, u, body string) (string, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %s", method, u, res.Status, b)
	}
	return string(b), res.Header.Get("Content-Type")
}

// TestReplayAPIs asks every replay API for its pages: each page holds its
// share of ReplayTruth in the platform's list, and the page after the last
// is empty.
func TestReplayAPIs(t *testing.T) {
	s, ts := newTestServer(t, nil)
	lists := map[string]func(map[string]any) []any{
		"douyin":         func(m map[string]any) []any { l, _ := m["aweme_list"].([]any); return l },
		"tiktok":         func(m map[string]any) []any { l, _ := m["itemList"].([]any); return l },
		"xiaohongshu":    func(m map[string]any) []any { l, _ := m["data"].(map[string]any)["items"].([]any); return l },
		"bilibili":       func(m map[string]any) []any { l, _ := m["data"].(map[string]any)["item"].([]any); return l },
		"youtube-shorts": func(m map[string]any) []any { l, _ := m["entries"].([]any); return l },
		"youtube": func(m map[string]any) []any {
			a := m["onResponseReceivedActions"].([]any)[0].(map[string]any)["appendContinuationItemsAction"].(map[string]any)
			l, _ := a["continuationItems"].([]any)
			return l
		},
		"weibo": func(m map[string]any) []any { l, _ := m["data"].(map[string]any)["realtime"].([]any); return l },
	}
	for _, name := range ReplayNames {
		truth := s.ReplayTruth(name)
		if len(truth) != ReplayPages*ReplayBatch {
			t.Fatalf("ReplayTruth(%s) has %d items", name, len(truth))
		}
		api := replayAPI[name]
		for page, want := range []int{ReplayBatch, ReplayBatch, 0} {
			u, body := ts.URL+api.path+"?page="+string(rune('1'+page)), ""
			if api.method == "POST" {
				u, body = ts.URL+api.path, `{"page": `+string(rune('1'+page))+`}`
			}
			text, ct := fetchReplay(t, api.method, u, body)
			if !strings.Contains(ct, "json") {
				t.Errorf("%s: content type %q", name, ct)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(text), &m); err != nil {
				t.Fatal(err)
			}
			if name == "weibo" && page > 0 {
				continue // page 2 is the hot band, below
			}
			if got := len(lists[name](m)); got != want {
				t.Errorf("%s page %d: %d items, want %d", name, page+1, got, want)
			}
		}
		page, _ := fetchReplay(t, "GET", ts.URL+"/replay/"+name, "")
		if !strings.Contains(page, `/static/replay.js`) || !strings.Contains(page, `"name":"`+name+`"`) {
			t.Errorf("replay page %s does not load its script", name)
		}
	}
	band, _ := fetchReplay(t, "GET", ts.URL+"/ajax/statuses/hot_band", "")
	if !strings.Contains(band, `"band_list"`) || !strings.Contains(band, s.ReplayTruth("weibo")[ReplayBatch].Title) {
		t.Error("the weibo hot band does not serve the second page")
	}
	yt, _ := fetchReplay(t, "GET", ts.URL+"/replay/youtube", "")
	if !strings.Contains(yt, "var ytInitialData = ") || !strings.Contains(yt, s.ReplayTruth("youtube")[0].ID) {
		t.Error("the youtube replay does not embed its first page as ytInitialData")
	}
}

// TestScrambleClasses renames fp- and rp- in pages, styles and scripts alike,
// keeps the embedded state's id, and leaves JSON alone.
func TestScrambleClasses(t *testing.T) {
	s, ts := newTestServer(t, func(c *Config) { c.ScrambleClasses = true })
	prefix := s.scramblePrefix() + "-"
	for _, path := range []string{"/", "/static/app.js", "/static/style.css", "/replay/douyin", "/static/replay.js"} {
		body, _ := fetchReplay(t, "GET", ts.URL+path, "")
		body = strings.ReplaceAll(body, `"fp-state"`, "")
		if strings.Contains(body, "fp-item") || strings.Contains(body, "rp-card") || strings.Contains(body, `"fp-`) || strings.Contains(body, `.rp-`) {
			t.Errorf("%s still has an fp- or rp- name", path)
		}
		if !strings.Contains(body, prefix) {
			t.Errorf("%s has no %s name", path, prefix)
		}
	}
	feed, _ := fetchReplay(t, "GET", ts.URL+"/", "")
	if !strings.Contains(feed, `id="fp-state"`) {
		t.Error("the embedded state lost its id")
	}
	api, _ := fetchReplay(t, "GET", ts.URL+"/aweme/v1/web/tab/feed/?page=1", "")
	if strings.Contains(api, prefix) {
		t.Error("a JSON answer was scrambled")
	}
}
