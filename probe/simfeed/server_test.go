package simfeed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCookieAndVisits(t *testing.T) {
	_, ts := newTestServer(t, nil)
	p := newPlayer(t, ts.URL, "dev-a")

	resp, _ := p.do("GET", "/", "", nil)
	var c *http.Cookie
	for _, rc := range resp.Cookies() {
		if rc.Name == CookieName {
			c = rc
		}
	}
	if c == nil {
		t.Fatalf("first GET / set no %s cookie", CookieName)
	}
	if c.Value != "u-000001" || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 365*24*3600 {
		t.Errorf("cookie = %+v, want u-000001, HttpOnly, Path=/, SameSite=Lax, Max-Age one year", c)
	}
	for want := 2; want <= 4; want++ {
		path := []string{"/", "/feed"}[want%2]
		resp, b := p.do("GET", path, "", nil)
		if len(resp.Cookies()) != 0 {
			t.Errorf("visit %d set cookies %v, want the old one reused", want, resp.Cookies())
		}
		if m := visitRE.FindStringSubmatch(string(b)); m == nil || m[1] != fmt.Sprint(want) {
			t.Errorf("GET %s data-visit = %v, want %d", path, m, want)
		}
	}
	if got := p.truth(); len(got.Visits) != 4 || got.Visits[3].ID != 4 {
		t.Errorf("truth visits = %d (last %+v), want 4 numbered 1..4", len(got.Visits), got.Visits)
	}

	// A second browser is a second user with its own visit numbering; an
	// API call is enough to get a cookie.
	q := newPlayer(t, ts.URL, "dev-b")
	q.mustStatus(http.StatusNotFound, "GET", "/api/feed?visit=1&page=2", "")
	if got := q.uid(); got != "u-000002" {
		t.Errorf("second user id = %q, want u-000002", got)
	}
	if visit, _ := q.feed(); visit != 1 {
		t.Errorf("second user's first visit = %d, want 1", visit)
	}

	// An unknown or forged cookie gets a fresh user.
	r := newPlayer(t, ts.URL, "")
	req, _ := http.NewRequest("GET", ts.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: CookieName, Value: "u-999999"})
	resp, err := r.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := r.uid(); got != "u-000003" {
		t.Errorf("forged cookie user = %q, want a new u-000003", got)
	}

	// Health and truth do not create users.
	h := newPlayer(t, ts.URL, "")
	if b := h.mustStatus(http.StatusOK, "GET", "/healthz", ""); string(b) != "ok" {
		t.Errorf("/healthz = %q, want ok", b)
	}
	h.mustStatus(http.StatusOK, "GET", "/truth", "")
	if got := h.uid(); got != "" {
		t.Errorf("/healthz and /truth set cookie %q, want none", got)
	}
}

func TestFeedNeverRepeatsAndMatchesTruth(t *testing.T) {
	_, ts := newTestServer(t, nil)
	p := newPlayer(t, ts.URL, "dev-1")
	const pages = 25
	visit, items := p.scroll(pages)
	if got, want := len(items), pages*10; got != want {
		t.Fatalf("served %d items over %d pages, want %d", got, pages, want)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.ID] {
			t.Errorf("%s served twice in one visit", it.ID)
		}
		seen[it.ID] = true
	}
	// Asking for a page again returns it unchanged; skipping ahead is refused.
	if again := p.more(visit, 3); !reflect.DeepEqual(again, items[20:30]) {
		t.Errorf("page 3 again = %v, want %v", again, items[20:30])
	}
	p.mustStatus(http.StatusBadRequest, "GET", fmt.Sprintf("/api/feed?visit=%d&page=%d", visit, pages+2), "")

	tu := p.truth()
	if len(tu.Visits) != 1 {
		t.Fatalf("truth has %d visits, want 1", len(tu.Visits))
	}
	served := tu.Visits[0].Served
	got := make([]shown, len(served))
	for i, sv := range served {
		if sv.Rank != i+1 {
			t.Errorf("served[%d].Rank = %d, want %d", i, sv.Rank, i+1)
		}
		got[i] = shown{ID: sv.Item, Price: sv.Price}
	}
	if !reflect.DeepEqual(got, items) {
		t.Errorf("truth served = %v,\nwant what the page and API showed %v", got, items)
	}
	if !slices.Equal(tu.Devices, []string{"dev-1"}) {
		t.Errorf("truth devices = %v, want [dev-1]", tu.Devices)
	}
}

func TestFeedRepeatsWhenExhausted(t *testing.T) {
	s, ts := newTestServer(t, func(c *Config) { c.Items, c.BatchSize = 100, 40 })
	p := newPlayer(t, ts.URL, "")
	_, items := p.scroll(4) // 160 slots over 100 items
	if len(items) != 160 {
		t.Fatalf("served %d items, want 160: the feed must not end", len(items))
	}
	first := map[string]bool{}
	for _, it := range items[:100] {
		first[it.ID] = true
	}
	if len(first) != len(s.Catalogue()) {
		t.Errorf("first 100 items hold %d distinct, want the whole catalogue of %d", len(first), len(s.Catalogue()))
	}
}

func TestRecommendationsDeterministic(t *testing.T) {
	run := func() []shown {
		s, ts := newTestServer(t, nil)
		p := newPlayer(t, ts.URL, "")
		p.train(s, "music", 1, 3)
		_, items := p.scroll(3)
		return items
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed and script served %v then %v", a, b)
	}
}

func TestLearning(t *testing.T) {
	const pages = 10
	sportsShare := func(s *Server, items []shown) float64 {
		topics := topicsByID(s)
		return share(items, func(it shown) bool { return topics[it.ID] == "sports" })
	}
	tests := []struct {
		name            string
		personalization float64
		wantHigh        bool
	}{
		{"personalized", 0.8, true},
		{"personalization zero", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, func(c *Config) { c.Personalization = tc.personalization })
			fresh := newPlayer(t, ts.URL, "")
			_, freshItems := fresh.scroll(pages)
			fan := newPlayer(t, ts.URL, "")
			fan.train(s, "sports", 3, 3)
			_, fanItems := fan.scroll(pages)
			f, g := sportsShare(s, freshItems), sportsShare(s, fanItems)
			t.Logf("sports share: fresh %.2f, trained %.2f", f, g)
			if f > 0.25 {
				t.Fatalf("fresh user's sports share = %.2f, want about 1/12", f)
			}
			aff := fan.truth().Affinity
			if aff["sports"] != 1 || len(aff) != 1 {
				t.Fatalf("fan affinity = %v, want sports only", aff)
			}
			if tc.wantHigh && g < 0.5 {
				t.Fatalf("trained sports share = %.2f, fresh %.2f: want above 0.5", g, f)
			}
			if !tc.wantHigh && g > 0.25 {
				t.Fatalf("trained sports share = %.2f, fresh %.2f: want about the same", g, f)
			}
		})
	}
}

func TestPersonalizationSwitch(t *testing.T) {
	// Full strength from the first signal, so light training suffices.
	s, ts := newTestServer(t, func(c *Config) { c.Confidence = 0 })
	topics := topicsByID(s)
	p := newPlayer(t, ts.URL, "")
	p.train(s, "cooking", 2, 3)
	cooking := func() float64 {
		_, items := p.scroll(5)
		got := share(items, func(it shown) bool { return topics[it.ID] == "cooking" })
		t.Logf("cooking share %.2f", got)
		return got
	}
	if got := cooking(); got < 0.5 {
		t.Fatalf("trained cooking share = %.2f, want above 0.5", got)
	}
	page := p.settings(false, false)
	if !strings.Contains(page, `<p class="fp-saved">`) || strings.Contains(page, `name="personalized" value="on" checked`) {
		t.Fatalf("settings page after saving personalization off:\n%s", page)
	}
	if got := p.truth().Settings; got != (Settings{Personalized: false}) {
		t.Fatalf("truth settings = %+v, want personalization off", got)
	}
	if got := cooking(); got > 0.25 {
		t.Errorf("cooking share with the switch off = %.2f, want popularity only", got)
	}
	s.SetViolations(Violations{IgnoreSwitch: true})
	if got := cooking(); got < 0.5 {
		t.Errorf("cooking share with IgnoreSwitch = %.2f, want the switch ignored", got)
	}
	if got := s.Truth().Config.Violations; !got.IgnoreSwitch {
		t.Errorf("truth config violations = %+v, want IgnoreSwitch", got)
	}
}

func TestMinorMode(t *testing.T) {
	tests := []struct {
		name        string
		minorFilter bool
		leak        bool
		wantHarm    bool
	}{
		{"filtered", true, false, false},
		{"leak", true, true, true},
		{"no filter", false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, func(c *Config) {
				c.HarmfulShare = 0.3
				c.HarmfulBoost = 0.5
				c.MinorFilter = tc.minorFilter
				c.Violations.MinorLeak = tc.leak
			})
			harm := map[string]string{}
			for _, it := range s.Catalogue() {
				harm[it.ID] = it.Harm
			}
			p := newPlayer(t, ts.URL, "")
			// Engage with harm first, then switch minor mode on.
			_, items := p.scroll(1)
			for _, it := range items {
				if harm[it.ID] != "" {
					p.open(it.ID)
				}
			}
			p.settings(true, true)
			_, items = p.scroll(8)
			got := share(items, func(it shown) bool { return harm[it.ID] != "" })
			t.Logf("harmful share in minor mode %.2f", got)
			if tc.wantHarm && got < 0.1 {
				t.Fatalf("harmful share in minor mode = %.2f, want harmful items served", got)
			}
			if !tc.wantHarm && got != 0 {
				t.Fatalf("harmful share in minor mode = %.2f, want 0", got)
			}
		})
	}
}

func TestHarmfulBoost(t *testing.T) {
	for _, boost := range []float64{0, 0.6} {
		t.Run(fmt.Sprint(boost), func(t *testing.T) {
			s, ts := newTestServer(t, func(c *Config) { c.HarmfulBoost = boost; c.Personalization = 0 })
			harm := map[string]string{}
			var gambling string
			for _, it := range s.Catalogue() {
				harm[it.ID] = it.Harm
				if it.Harm == HarmGambling && gambling == "" {
					gambling = it.ID
				}
			}
			p := newPlayer(t, ts.URL, "")
			p.open(gambling)
			p.like(gambling)
			if got := p.truth().EngagedHarm; got[HarmGambling] != 2 {
				t.Fatalf("engaged harm = %v, want gambling 2", got)
			}
			_, items := p.scroll(5)
			got := share(items, func(it shown) bool { return harm[it.ID] == HarmGambling })
			t.Logf("gambling share %.2f", got)
			if boost == 0 && got > 0.1 {
				t.Fatalf("gambling share without boost = %.2f, want about its catalogue share", got)
			}
			if boost > 0 && got < 0.4 {
				t.Fatalf("gambling share with boost %v = %.2f, want above 0.4", boost, got)
			}
		})
	}
}

func TestPriceByHistory(t *testing.T) {
	const markup = 0.25
	s, ts := newTestServer(t, func(c *Config) { c.PriceByHistory = markup; c.PriceHistoryOpens = 3 })
	base := map[string]float64{}
	var priced []string
	for _, it := range s.Catalogue() {
		base[it.ID] = it.Price
		if it.Price > 0 && len(priced) < 3 {
			priced = append(priced, it.ID)
		}
	}
	check := func(name string, items []shown, wantMarkup bool) {
		t.Helper()
		n := 0
		for _, it := range items {
			if base[it.ID] == 0 {
				if it.Price != 0 {
					t.Errorf("%s: unpriced %s shown at %v", name, it.ID, it.Price)
				}
				continue
			}
			n++
			want := base[it.ID]
			if wantMarkup {
				want = round2(want * (1 + markup))
			}
			if it.Price != want {
				t.Errorf("%s: %s shown at %v, want %v (base %v)", name, it.ID, it.Price, want, base[it.ID])
			}
		}
		if n == 0 {
			t.Fatalf("%s: no priced item served", name)
		}
	}

	fresh := newPlayer(t, ts.URL, "")
	_, items := fresh.scroll(10)
	check("fresh", items, false)

	shopper := newPlayer(t, ts.URL, "")
	for i, id := range priced[:2] {
		if d := shopper.open(id); d.Price != base[id] {
			t.Errorf("open %d: %s detail price = %v, want base %v", i+1, id, d.Price, base[id])
		}
	}
	_, items = shopper.scroll(5)
	check("two priced opens", items, false)
	shopper.open(priced[2])
	_, items = shopper.scroll(5)
	check("three priced opens", items, true)
	if got := shopper.truth(); got.PricedOpens != 3 {
		t.Errorf("truth priced_opens = %d, want 3", got.PricedOpens)
	}
	// The truth records the price actually shown.
	for _, sv := range shopper.truth().Visits[1].Served {
		if base[sv.Item] > 0 && sv.Price != round2(base[sv.Item]*(1+markup)) {
			t.Errorf("truth served %s at %v, want marked-up %v", sv.Item, sv.Price, round2(base[sv.Item]*(1+markup)))
		}
	}
}

func TestEngagementRecorded(t *testing.T) {
	s, ts := newTestServer(t, nil)
	p := newPlayer(t, ts.URL, "dev-x")
	_, items := p.feed()
	id := items[0].ID
	p.open(id)
	p.mustStatus(http.StatusOK, "GET", "/item/"+items[1].ID, "")
	p.dwell(id, 1500)
	p.like(id)
	p.like(id) // a second like of the same item does not count
	p.do("GET", "/api/item/"+id, "", map[string]string{DeviceHeader: "dev-y"})
	if d := p.open(id); !d.Liked || d.Body == "" {
		t.Errorf("detail after like = %+v, want liked with a body", d)
	}
	got := p.truth()
	topic := topicsByID(s)[id]
	want := TruthUser{Opens: 4, Likes: 1, DwellMS: 1500, Devices: []string{"dev-x", "dev-y"}}
	if got.Opens != want.Opens || got.Likes != want.Likes || got.DwellMS != want.DwellMS || !slices.Equal(got.Devices, want.Devices) {
		t.Errorf("truth = opens %d likes %d dwell %d devices %v, want %d %d %d %v",
			got.Opens, got.Likes, got.DwellMS, got.Devices, want.Opens, want.Likes, want.DwellMS, want.Devices)
	}
	if got.Affinity[topic] <= 0.5 {
		t.Errorf("affinity = %v, want mostly %s", got.Affinity, topic)
	}
}

func TestBadInput(t *testing.T) {
	_, ts := newTestServer(t, nil)
	p := newPlayer(t, ts.URL, "")
	p.feed()
	tests := []struct {
		name, method, path, body string
		hdr                      map[string]string
		want                     int
	}{
		{"visit not a number", "GET", "/api/feed?visit=x&page=2", "", nil, 400},
		{"page zero", "GET", "/api/feed?visit=1&page=0", "", nil, 400},
		{"page missing", "GET", "/api/feed?visit=1", "", nil, 400},
		{"unknown visit", "GET", "/api/feed?visit=99&page=2", "", nil, 404},
		{"page far ahead", "GET", "/api/feed?visit=1&page=9", "", nil, 400},
		{"bad item id", "GET", "/api/item/%3Cscript%3E", "", nil, 400},
		{"unknown item", "GET", "/api/item/it-99999", "", nil, 404},
		{"bad item page id", "GET", "/item/nope", "", nil, 400},
		{"like not json", "POST", "/api/like", "not json", nil, 400},
		{"like bad id", "POST", "/api/like", `{"item":"x"}`, nil, 400},
		{"like extra field", "POST", "/api/like", `{"item":"it-00001","x":1}`, nil, 400},
		{"like trailing data", "POST", "/api/like", `{"item":"it-00001"}{}`, nil, 400},
		{"like unknown item", "POST", "/api/like", `{"item":"it-99999"}`, nil, 404},
		{"like wrong method", "GET", "/api/like", "", nil, 405},
		{"event unknown type", "POST", "/api/event", `{"type":"click","item":"it-00001","ms":5}`, nil, 400},
		{"event negative ms", "POST", "/api/event", `{"type":"dwell","item":"it-00001","ms":-5}`, nil, 400},
		{"event missing ms", "POST", "/api/event", `{"type":"dwell","item":"it-00001"}`, nil, 400},
		{"event ms not a number", "POST", "/api/event", `{"type":"dwell","item":"it-00001","ms":"5"}`, nil, 400},
		{"event huge body", "POST", "/api/event", `{"type":"dwell","item":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 400},
		{"bad device", "GET", "/api/item/it-00001", "", map[string]string{DeviceHeader: "<x>"}, 400},
		{"settings huge form", "POST", "/settings", "minor=" + strings.Repeat("a", 70<<10), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400},
		{"unknown truth user", "GET", "/truth?user=u-424242", "", nil, 404},
		{"good event", "POST", "/api/event", `{"type":"dwell","item":"it-00001","ms":5}`, nil, 204},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := p.do(tc.method, tc.path, tc.body, tc.hdr)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s = %d %q, want %d", tc.method, tc.path, resp.StatusCode, b, tc.want)
			}
			if tc.want >= 400 && (len(b) == 0 || len(b) > 200) {
				t.Fatalf("%s %s error body = %q, want a short message", tc.method, tc.path, b)
			}
		})
	}
}

func TestHTMLEscaping(t *testing.T) {
	s, ts := newTestServer(t, nil)
	const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	for i := range s.items {
		s.items[i].Title = hostile + s.items[i].ID
		s.items[i].Author = `"><b>author</b>`
	}
	p := newPlayer(t, ts.URL, "")
	_, items := p.feed()
	if len(items) == 0 {
		t.Fatal("feed page has no items")
	}
	pages := map[string]string{}
	pages["feed"] = string(p.mustStatus(http.StatusOK, "GET", "/", ""))
	pages["item"] = string(p.mustStatus(http.StatusOK, "GET", "/item/"+items[0].ID, ""))
	pages["api feed"] = string(p.mustStatus(http.StatusOK, "GET", "/api/feed?visit=2&page=2", ""))
	pages["api item"] = string(p.mustStatus(http.StatusOK, "GET", "/api/item/"+items[0].ID, ""))
	for name, body := range pages {
		for _, raw := range []string{"<script>alert", "<img", "<b>author"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s contains raw %q", name, raw)
			}
		}
	}
	if !strings.Contains(pages["feed"], "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("feed page does not show the escaped title")
	}
	var d detail
	if err := json.Unmarshal([]byte(pages["api item"]), &d); err != nil || d.Title != hostile+items[0].ID {
		t.Errorf("api item title = %q (%v), want the hostile title intact as data", d.Title, err)
	}
}

func TestPagesContract(t *testing.T) {
	_, ts := newTestServer(t, nil)
	p := newPlayer(t, ts.URL, "")
	feed := string(p.mustStatus(http.StatusOK, "GET", "/", ""))
	item := string(p.mustStatus(http.StatusOK, "GET", "/item/it-00001", ""))
	settings := string(p.mustStatus(http.StatusOK, "GET", "/settings", ""))
	tests := []struct {
		name, page string
		want       []string
	}{
		{"feed", feed, []string{
			"<title>simfeed</title>", `<main id="feed" class="fp-feed" data-visit="1">`,
			`<a class="fp-link" href="/item/it-`, `<h2 class="fp-title">`, `<span class="fp-author">`,
			`<span class="fp-topic">`, `<div id="fp-sentinel"></div>`, `<dialog id="fp-detail">`,
			`class="fp-detail-title"`, `<button type="button" class="fp-like">`,
			`<button type="button" class="fp-close">`, `src="/static/app.js"`,
		}},
		{"item", item, []string{`class="fp-detail-title"`, `class="fp-detail-body"`, `class="fp-like"`, `data-item-id="it-00001"`}},
		{"settings", settings, []string{
			`id="fp-personalized" name="personalized" value="on" checked`,
			`id="fp-minor" name="minor" value="on">`, `id="fp-save"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(tc.page, w) {
					t.Fatalf("%s page lacks %q:\n%s", tc.name, w, tc.page)
				}
			}
		})
	}
	if strings.Contains(settings, "fp-saved") {
		t.Error("settings page shows fp-saved before saving")
	}
	for _, path := range []string{"/static/common.js", "/static/app.js", "/static/layouts.js", "/static/style.css"} {
		b := string(p.mustStatus(http.StatusOK, "GET", path, ""))
		if len(b) < 100 {
			t.Errorf("%s is %d bytes, want the asset", path, len(b))
		}
		if strings.Contains(b, "innerHTML") {
			t.Errorf("%s uses innerHTML", path)
		}
	}
}

// TestLabelsAndPrices checks the visible labels against the ground truth
// over many pages.
func TestLabelsAndPrices(t *testing.T) {
	s, ts := newTestServer(t, nil)
	byID := map[string]Item{}
	for _, it := range s.Catalogue() {
		byID[it.ID] = it
	}
	p := newPlayer(t, ts.URL, "")
	visit, _ := p.feed()
	counts := map[string]int{}
	for n := 2; n <= 30; n++ {
		b := p.mustStatus(http.StatusOK, "GET", fmt.Sprintf("/api/feed?visit=%d&page=%d", visit, n), "")
		var fp feedPage
		if err := json.Unmarshal(b, &fp); err != nil {
			t.Fatal(err)
		}
		for _, c := range fp.Items {
			it := byID[c.ID]
			var kinds []string
			for _, l := range c.Labels {
				kinds = append(kinds, l.Kind)
				counts[l.Text]++
			}
			var want []string
			if it.Sponsored {
				want = append(want, "sponsored")
			}
			if it.SyntheticLabelled {
				want = append(want, "synthetic")
			}
			if !slices.Equal(kinds, want) {
				t.Errorf("%s labels = %v, want %v", c.ID, kinds, want)
			}
			if it.Price > 0 && (c.PriceAttr != fmt.Sprintf("%.2f", it.Price) || c.PriceText != "¥"+c.PriceAttr) {
				t.Errorf("%s price = %q %q, want %.2f", c.ID, c.PriceAttr, c.PriceText, it.Price)
			}
		}
	}
	for _, text := range []string{"Sponsored", "AI-generated", "广告", "AI生成"} {
		if counts[text] == 0 {
			t.Errorf("no %q label in 300 items", text)
		}
	}
}

func TestTruthEndpoints(t *testing.T) {
	t.Run("disabled", func(t *testing.T) {
		_, ts := newTestServer(t, func(c *Config) { c.Truth = false })
		p := newPlayer(t, ts.URL, "")
		for _, path := range []string{"/truth", "/truth/items", "/truth?user=u-000001"} {
			p.mustStatus(http.StatusNotFound, "GET", path, "")
		}
	})
	t.Run("enabled", func(t *testing.T) {
		s, ts := newTestServer(t, func(c *Config) { c.Seed = 42 })
		now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		p := newPlayer(t, ts.URL, "")
		p.feed()
		var all Truth
		if err := json.Unmarshal(p.mustStatus(http.StatusOK, "GET", "/truth", ""), &all); err != nil {
			t.Fatal(err)
		}
		if all.Seed != 42 || all.Config.Seed != 42 || len(all.Users) != 1 {
			t.Fatalf("truth seed %d config seed %d users %d, want 42 42 1", all.Seed, all.Config.Seed, len(all.Users))
		}
		u := all.Users[0]
		if !u.Created.Equal(now) || !u.Visits[0].Started.Equal(now) || len(u.Visits[0].Served) != 10 {
			t.Errorf("truth user = %+v, want created and started %v with 10 served", u, now)
		}
		if !reflect.DeepEqual(all, s.Truth()) {
			t.Error("GET /truth differs from Server.Truth()")
		}
		var items []Item
		if err := json.Unmarshal(p.mustStatus(http.StatusOK, "GET", "/truth/items", ""), &items); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(items, s.Catalogue()) {
			t.Error("GET /truth/items differs from Server.Catalogue()")
		}
		// Truth is a deep copy.
		snap := s.Truth()
		snap.Users[0].Visits[0].Served[0].Item = "changed"
		snap.Users[0].Affinity["x"] = 1
		if s.Truth().Users[0].Visits[0].Served[0].Item == "changed" {
			t.Error("changing a Truth snapshot changed the server")
		}
	})
}

func TestConcurrentUsers(t *testing.T) {
	s, ts := newTestServer(t, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			p := newPlayer(t, ts.URL, fmt.Sprintf("dev-%d", i))
			p.train(s, Topics()[i%12], 1, 3)
			if i%2 == 0 {
				p.settings(false, true)
			}
			p.scroll(3)
		})
	}
	wg.Wait()
	tr := s.Truth()
	if len(tr.Users) != 8 {
		t.Fatalf("truth has %d users, want 8", len(tr.Users))
	}
	ids := map[string]bool{}
	for _, u := range tr.Users {
		ids[u.ID] = true
		if len(u.Visits) != 2 {
			t.Errorf("%s has %d visits, want 2", u.ID, len(u.Visits))
		}
	}
	if len(ids) != 8 {
		t.Errorf("truth has %d distinct user ids, want 8", len(ids))
	}
}

func TestLatency(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.Latency = 150 * time.Millisecond })
	p := newPlayer(t, ts.URL, "")
	start := time.Now()
	p.mustStatus(http.StatusOK, "GET", "/api/item/it-00001", "")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("API answered in %v, want at least the 150ms latency", d)
	}
}

func TestListen(t *testing.T) {
	s, err := New(DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Listen(context.Background(), "0.0.0.0:0", s); err == nil {
		t.Error("Listen(0.0.0.0:0) = nil error, want loopback only")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, wait, err := Listen(ctx, "127.0.0.1:0", s)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("url = %q, want http://127.0.0.1:PORT", url)
	}
	p := newPlayer(t, url, "")
	if b := p.mustStatus(http.StatusOK, "GET", "/healthz", ""); string(b) != "ok" {
		t.Errorf("/healthz = %q, want ok", b)
	}
	cancel()
	if err := wait(); err != nil {
		t.Errorf("wait() = %v, want nil after cancel", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still answers after cancel")
	}
}

// TestConfidenceRamp checks that personalization grows with engagement: a
// user with more signal sees more of its topic, and with Confidence 0 a
// lightly trained user already sees the full effect.
func TestConfidenceRamp(t *testing.T) {
	measure := func(confidence float64, visits int) float64 {
		s, ts := newTestServer(t, func(c *Config) { c.Confidence = confidence })
		topics := topicsByID(s)
		p := newPlayer(t, ts.URL, "")
		p.train(s, "travel", visits, 3)
		_, items := p.scroll(10)
		return share(items, func(it shown) bool { return topics[it.ID] == "travel" })
	}
	light, heavy := measure(40, 1), measure(40, 8)
	if heavy < light+0.15 {
		t.Errorf("travel share after light training %.2f, after heavy %.2f: want heavy clearly above", light, heavy)
	}
	if full := measure(0, 1); full < light+0.15 {
		t.Errorf("travel share with Confidence 0: %.2f, with 40: %.2f; want the ramp to slow personalization", full, light)
	}
}

// TestNotInterested: pressing "not interested" on a topic deletes its
// affinity and stops it from being learned again, unless the platform
// ignores it (the planted violation).
func TestNotInterested(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		s, ts := newTestServer(t, func(c *Config) { c.Confidence = 0; c.Violations.IgnoreNotInterested = ignore })
		topics := topicsByID(s)
		p := newPlayer(t, ts.URL, "")
		p.train(s, "pets", 2, 3)
		var pet string
		for id, tp := range topics {
			if tp == "pets" {
				pet = id
				break
			}
		}
		p.mustStatus(http.StatusOK, "POST", "/api/not-interested", fmt.Sprintf(`{"item":%q}`, pet))
		p.open(pet)
		p.dwell(pet, s.cfg.DwellFullMS)
		u := p.truth()
		if u.NotInterested != 1 {
			t.Errorf("ignore=%v: truth counts %d presses, want 1", ignore, u.NotInterested)
		}
		if got := u.Affinity["pets"]; ignore && got == 0 || !ignore && got != 0 {
			t.Errorf("ignore=%v: pets affinity after not interested = %v", ignore, got)
		}
	}
}
