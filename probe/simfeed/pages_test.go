package simfeed

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestPagesLayout walks the multi-page layout over HTTP: the feed, the same
// visit again, an item page (an open), a form-POST like answered by a
// redirect to the liked page (no second open), and bad input.
func TestPagesLayout(t *testing.T) {
	_, ts := newTestServer(t, nil)
	p := newPlayer(t, ts.URL, "")
	feed := string(p.mustStatus(http.StatusOK, "GET", "/pages", ""))
	ids := regexp.MustCompile(`class="sf-page-item" data-item-id="([^"]+)"`).FindAllStringSubmatch(feed, -1)
	if len(ids) != 10 {
		t.Fatalf("feed page shows %d items, want a batch of 10", len(ids))
	}
	again := string(p.mustStatus(http.StatusOK, "GET", "/pages?visit=1", ""))
	if again2 := regexp.MustCompile(`class="sf-page-item" data-item-id="([^"]+)"`).FindAllStringSubmatch(again, -1); len(again2) != 10 || again2[0][1] != ids[0][1] {
		t.Errorf("/pages?visit=1 shows %d items, first %v; want visit 1's again", len(again2), again2)
	}
	if strings.Contains(feed, `target="_blank"`) {
		t.Errorf("/pages opens items in a new tab")
	}
	if nt := string(p.mustStatus(http.StatusOK, "GET", "/pages?newtab=1", "")); !strings.Contains(nt, `target="_blank"`) {
		t.Errorf("/pages?newtab=1 has no target=_blank link")
	}
	id := ids[0][1]
	item := string(p.mustStatus(http.StatusOK, "GET", "/pages/item/"+id+"?visit=1", ""))
	if !strings.Contains(item, `class="sf-like-status">Not liked`) || !strings.Contains(item, `action="/pages/like"`) {
		t.Fatalf("item page has no like form or status:\n%s", item)
	}
	p.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := p.do("POST", "/pages/like", "item="+id+"&visit=1", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/pages/item/"+id+"?liked=1&visit=1" {
		t.Fatalf("POST /pages/like = %d to %q, want 303 to the liked page", resp.StatusCode, resp.Header.Get("Location"))
	}
	liked := string(p.mustStatus(http.StatusOK, "GET", "/pages/item/"+id+"?liked=1&visit=1", ""))
	if !strings.Contains(liked, `class="sf-like-status">Liked`) || strings.Contains(liked, `action="/pages/like"`) {
		t.Errorf("liked page does not show the item as liked")
	}
	if u := p.truth(); u.Opens != 1 || u.Likes != 1 || len(u.Visits) != 2 {
		t.Errorf("truth: %d opens, %d likes, %d visits; want 1, 1, 2 (/pages and /pages?newtab=1)", u.Opens, u.Likes, len(u.Visits))
	}
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/pages?visit=9", ""},
		{"GET", "/pages/item/nope", ""},
		{"POST", "/pages/like", "item=../x"},
	} {
		resp, _ := p.do(tc.method, tc.path, tc.body, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode < 400 {
			t.Errorf("%s %s %q = %d, want an error", tc.method, tc.path, tc.body, resp.StatusCode)
		}
	}
}
