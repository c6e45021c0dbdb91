package probe

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// TestReextractRankRules re-extracts one session's evidence with the
// simfeed capture adapter: the document's embedded JSON and a feed response
// are served first, in stored order (an id served twice keeps its first
// place), then the items only in a page snapshot; the on-screen order and
// time come from the original impressions; a body that is not JSON is a
// problem, not a failure; the limit caps new items.
func TestReextractRankRules(t *testing.T) {
	a := captureAdapter(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	doc := `<html><body><script id="fp-state" type="application/json">{"items":[
		{"id":"a","title":"A","topic":"news","labels":[{"kind":"sponsored"}]},
		{"id":"b","title":"B","topic":"sport"}]}</script></body></html>`
	pages := []StoredPage{
		{Kind: feed.EvidenceResponse, Method: "GET", URL: "http://127.0.0.1:1/", At: t0, Body: []byte(doc)},
		{Kind: feed.EvidenceResponse, Method: "GET", URL: "http://127.0.0.1:1/api/feed?visit=1&page=2", At: t0.Add(time.Second),
			Body: []byte(`{"items":[{"id":"c","title":"C","labels":[{"kind":"synthetic"}]},{"id":"a","title":"A again"}]}`)},
		{Kind: feed.EvidenceResponse, Method: "GET", URL: "http://127.0.0.1:1/api/feed?visit=1&page=3", At: t0, Body: []byte(`<html>oops`)},
		{Kind: "html", At: t0.Add(2 * time.Second), Body: []byte(`<html><body>
			<article class="fp-item" data-item-id="b"><span class="fp-title">B</span><span class="fp-author">Bea</span></article>
			<article class="fp-item" data-item-id="d"><span class="fp-title">D</span><span class="fp-topic">music</span></article>
			</body></html>`)},
	}
	shown := t0.Add(500 * time.Millisecond)
	prior := []feed.Impression{
		{Item: feed.Item{ID: "b"}, Rank: 1, Surface: "feed", SeenAt: t0.Add(-time.Minute), DisplayedAt: &shown, DisplayedRank: 1},
	}
	base, _ := url.Parse("http://127.0.0.1:1/")
	res := a.Reextract(pages, prior, base, 0)
	var got []string
	for _, im := range res.Impressions {
		got = append(got, strings.Join([]string{im.ID, im.Source, strconv.Itoa(im.Rank), strconv.Itoa(im.ServedRank), strconv.Itoa(im.DisplayedRank), im.Author, im.Topic}, ":"))
	}
	want := "a:network:1:1:0::news b:both:2:2:1:Bea:sport c:network:3:3:0:: d:dom:4:0:0::music"
	if strings.Join(got, " ") != want {
		t.Errorf("Reextract = %s\nwant        %s", strings.Join(got, " "), want)
	}
	byID := map[string]feed.RawImpression{}
	for _, im := range res.Impressions {
		byID[im.ID] = im
	}
	if !byID["a"].Sponsored || byID["a"].Title != "A" || !byID["c"].Synthetic || byID["d"].Raw != nil || !strings.Contains(string(byID["c"].Raw), `"id":"c"`) {
		t.Errorf("fields: %+v", byID)
	}
	if !byID["b"].SeenAt.Equal(t0.Add(-time.Minute)) || byID["b"].DisplayedAt == nil || !byID["c"].SeenAt.Equal(t0.Add(time.Second)) {
		t.Errorf("times: b seen %v displayed %v, c seen %v", byID["b"].SeenAt, byID["b"].DisplayedAt, byID["c"].SeenAt)
	}
	if res.Bodies != 4 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "body 3") {
		t.Errorf("bodies %d, problems %q; want 4 and one naming body 3", res.Bodies, res.Problems)
	}
	if capped := a.Reextract(pages, prior, base, 2); len(capped.Impressions) != 2 {
		t.Errorf("Reextract with limit 2 = %d impressions", len(capped.Impressions))
	}
	if m, u, err := ParseResponseReason("POST https://x.test/api?q=a b"); err != nil || m != "POST" || u != "https://x.test/api?q=a b" {
		t.Errorf("ParseResponseReason = %q, %q, %v", m, u, err)
	}
	if _, _, err := ParseResponseReason("end"); err == nil {
		t.Error("ParseResponseReason(\"end\") succeeded")
	}
}
