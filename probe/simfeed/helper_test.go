package simfeed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// newTestServer starts a simfeed server for the test with DefaultConfig
// changed by edit (which may be nil).
func newTestServer(tb testing.TB, edit func(*Config)) (*Server, *httptest.Server) {
	tb.Helper()
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg, nil)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts
}

// player is a simulated user that drives simfeed over HTTP the way the page
// JavaScript does, with its own cookie jar and device id.
type player struct {
	tb     testing.TB
	base   string
	hc     *http.Client
	device string
}

func newPlayer(tb testing.TB, base, device string) *player {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatalf("cookiejar: %v", err)
	}
	hc := &http.Client{Jar: jar}
	return &player{tb: tb, base: base, hc: hc, device: device}
}

// do sends a request and returns the response (body already read) and body.
func (p *player) do(method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	p.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		p.tb.Fatalf("new request %s %s: %v", method, path, err)
	}
	if p.device != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set(DeviceHeader, p.device)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		p.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.tb.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp, b
}

// mustStatus is do that fails the test unless the status is want.
func (p *player) mustStatus(want int, method, path, body string) []byte {
	p.tb.Helper()
	resp, b := p.do(method, path, body, nil)
	if resp.StatusCode != want {
		p.tb.Fatalf("%s %s = %d %q, want %d", method, path, resp.StatusCode, b, want)
	}
	return b
}

// uid returns the player's sf_uid cookie value, "" when it has none.
func (p *player) uid() string {
	u, _ := url.Parse(p.base)
	for _, c := range p.hc.Jar.Cookies(u) {
		if c.Name == CookieName {
			return c.Value
		}
	}
	return ""
}

var (
	visitRE   = regexp.MustCompile(`<main id="feed" class="fp-feed" data-visit="(\d+)">`)
	articleRE = regexp.MustCompile(`(?s)<article class="fp-item" data-item-id="(it-\d+)".*?</article>`)
	priceRE   = regexp.MustCompile(`<span class="fp-price" data-price="([0-9.]+)">`)
)

// shown is an item as the player saw it: ID and shown price (0 if none).
type shown struct {
	ID    string
	Price float64
}

// feed loads the feed page, starting a visit, and returns the visit id and
// the server-rendered first batch.
func (p *player) feed() (int, []shown) {
	p.tb.Helper()
	page := string(p.mustStatus(http.StatusOK, "GET", "/", ""))
	m := visitRE.FindStringSubmatch(page)
	if m == nil {
		p.tb.Fatalf("feed page has no #feed with data-visit:\n%s", page)
	}
	visit, _ := strconv.Atoi(m[1])
	var items []shown
	for _, a := range articleRE.FindAllStringSubmatch(page, -1) {
		it := shown{ID: a[1]}
		if pm := priceRE.FindStringSubmatch(a[0]); pm != nil {
			it.Price, _ = strconv.ParseFloat(pm[1], 64)
		}
		items = append(items, it)
	}
	return visit, items
}

// more fetches page n of a visit through the API.
func (p *player) more(visit, n int) []shown {
	p.tb.Helper()
	b := p.mustStatus(http.StatusOK, "GET", fmt.Sprintf("/api/feed?visit=%d&page=%d", visit, n), "")
	var fp feedPage
	if err := json.Unmarshal(b, &fp); err != nil {
		p.tb.Fatalf("decode feed page: %v\n%s", err, b)
	}
	if fp.Visit != visit || fp.Page != n {
		p.tb.Fatalf("feed page says visit %d page %d, want %d %d", fp.Visit, fp.Page, visit, n)
	}
	out := make([]shown, 0, len(fp.Items))
	for _, c := range fp.Items {
		out = append(out, shown{ID: c.ID, Price: c.Price})
	}
	return out
}

// scroll starts a visit and loads pages 2..pages; it returns everything
// served in order.
func (p *player) scroll(pages int) (int, []shown) {
	p.tb.Helper()
	visit, items := p.feed()
	for n := 2; n <= pages; n++ {
		items = append(items, p.more(visit, n)...)
	}
	return visit, items
}

// open opens an item as the dialog does and returns its detail.
func (p *player) open(id string) detail {
	p.tb.Helper()
	b := p.mustStatus(http.StatusOK, "GET", "/api/item/"+id, "")
	var d detail
	if err := json.Unmarshal(b, &d); err != nil {
		p.tb.Fatalf("decode detail: %v\n%s", err, b)
	}
	return d
}

func (p *player) dwell(id string, ms int) {
	p.tb.Helper()
	p.mustStatus(http.StatusNoContent, "POST", "/api/event", fmt.Sprintf(`{"type":"dwell","item":%q,"ms":%d}`, id, ms))
}

func (p *player) like(id string) {
	p.tb.Helper()
	p.mustStatus(http.StatusOK, "POST", "/api/like", fmt.Sprintf(`{"item":%q}`, id))
}

// settings submits the settings form and returns the page it lands on.
func (p *player) settings(personalized, minor bool) string {
	p.tb.Helper()
	form := url.Values{}
	if personalized {
		form.Set("personalized", "on")
	}
	if minor {
		form.Set("minor", "on")
	}
	resp, b := p.do("POST", "/settings", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/settings?saved=1" {
		p.tb.Fatalf("POST /settings landed on %s with %d, want /settings?saved=1 with 200", resp.Request.URL, resp.StatusCode)
	}
	return string(b)
}

// truth fetches the player's own ground truth.
func (p *player) truth() TruthUser {
	p.tb.Helper()
	b := p.mustStatus(http.StatusOK, "GET", "/truth?user="+url.QueryEscape(p.uid()), "")
	var tu TruthUser
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tu); err != nil {
		p.tb.Fatalf("decode truth: %v\n%s", err, b)
	}
	return tu
}

// train makes the player engage with topic only: over the given number of
// visits it opens every served item of that topic and dwells the full time.
func (p *player) train(s *Server, topic string, visits, pages int) {
	p.tb.Helper()
	topics := topicsByID(s)
	for range visits {
		_, items := p.scroll(pages)
		for _, it := range items {
			if topics[it.ID] == topic {
				p.open(it.ID)
				p.dwell(it.ID, s.cfg.DwellFullMS)
			}
		}
	}
}

func topicsByID(s *Server) map[string]string {
	m := map[string]string{}
	for _, it := range s.Catalogue() {
		m[it.ID] = it.Topic
	}
	return m
}

// share returns the share of items for which keep is true.
func share(items []shown, keep func(shown) bool) float64 {
	if len(items) == 0 {
		return 0
	}
	n := 0
	for _, it := range items {
		if keep(it) {
			n++
		}
	}
	return float64(n) / float64(len(items))
}
