package probe

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// pagesPersona opens items (up to four) and likes every one it opens.
const pagesPersona = `  - name: e
    seed: 3
    behaviour:
      dwell: {median: 150ms, sigma: 0.2, min: 100ms, max: 300ms}
      open: {base: 1.0, match: 1.0}
      like: {base: 1.0, match: 1.0}
      max_opens: 4
`

// likes splits the like actions a sink holds into confirmed and not.
func likes(acts []feed.Action) (confirmed, unconfirmed int) {
	for _, a := range acts {
		if a.Kind != feed.ActionLike {
			continue
		}
		if a.Unconfirmed {
			unconfirmed++
		} else {
			confirmed++
		}
	}
	return confirmed, unconfirmed
}

// onlyUser returns simfeed's only user.
func onlyUser(t *testing.T, srv *simfeed.Server) simfeed.TruthUser {
	t.Helper()
	truth := srv.Truth()
	if len(truth.Users) != 1 {
		t.Fatalf("simfeed saw %d users, want 1", len(truth.Users))
	}
	return truth.Users[0]
}

// TestLayoutPagesEngage drives the multi-page layout: each open navigates
// to the item's page, each like is a form POST the server answers slowly,
// and each back loads the feed page again. Every open after the first
// finds its item again by id; every like recorded as confirmed reached
// simfeed, and the likes stored match the likes simfeed received.
func TestLayoutPagesEngage(t *testing.T) {
	b := needBrowser(t)
	for _, tc := range []struct {
		name string
		like Action2
	}{
		// The response to the form POST (its redirect) confirms.
		{"response", Action2{Click: "button.sf-like", Response: "/pages/like$", Skip: "p.sf-liked"}},
		// p.sf-like-status is on the item page before the like already: it
		// confirms only as the new page the POST leads to.
		{"wait already present", Action2{Click: "button.sf-like", Wait: "p.sf-like-status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Latency = 400 * time.Millisecond })
			ad := layoutAdapter(t, "simfeed-pages")
			ad.Actions.Like = tc.like
			sink := newMemSink()
			res, err := b.RunSession(context.Background(), SessionConfig{
				SessionID: 1, Persona: mustPersona(t, pagesPersona), Adapter: ad, BaseURL: base, Items: 10, Timeout: 2 * time.Minute,
			}, sink)
			if err != nil {
				t.Fatal(err)
			}
			u := onlyUser(t, srv)
			confirmed, unconfirmed := likes(sink.acts[1])
			if res.Opens != 4 || u.Opens != res.Opens {
				t.Errorf("probe opened %d, simfeed counted %d opens; want 4 and 4", res.Opens, u.Opens)
			}
			if res.Likes != 4 || confirmed != u.Likes || u.Likes != 4 || unconfirmed != 0 {
				t.Errorf("probe liked %d, stored %d confirmed and %d unconfirmed likes; simfeed received %d; want 4, 4, 0, 4",
					res.Likes, confirmed, unconfirmed, u.Likes)
			}
			if len(u.Visits) != 1 {
				t.Errorf("simfeed counted %d visits, want 1 (going back shows the same visit)", len(u.Visits))
			}
		})
	}
}

// TestLayoutPagesUnconfirmed: a like whose confirmation never comes (the
// adapter waits for a response to a URL the form does not post to) is
// stored as unconfirmed and not counted as a like; the session goes on.
func TestLayoutPagesUnconfirmed(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	ad := layoutAdapter(t, "simfeed-pages")
	ad.Actions.Like.Response = "/never-answered$"
	sink := newMemSink()
	s := newSession(SessionConfig{
		SessionID: 1, Persona: mustPersona(t, strings.Replace(pagesPersona, "max_opens: 4", "max_opens: 2", 1)), Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute,
	}, sink)
	s.confirmWait = 700 * time.Millisecond
	res, err := b.runSession(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, unconfirmed := likes(sink.acts[1])
	if res.Likes != 0 || res.Unconfirmed != 2 || confirmed != 0 || unconfirmed != 2 {
		t.Errorf("likes %d, unconfirmed %d; stored %d confirmed, %d unconfirmed; want 0, 2, 0, 2", res.Likes, res.Unconfirmed, confirmed, unconfirmed)
	}
	if u := onlyUser(t, srv); u.Likes != 2 || res.Opens != 2 {
		t.Errorf("simfeed received %d likes of %d opens, want 2 of 2 (the clicks went through)", u.Likes, res.Opens)
	}
}

// TestLayoutPagesNewTab: item links that open a new tab are followed into
// it; leaving closes it and the session goes on in the feed's tab.
func TestLayoutPagesNewTab(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	ad := layoutAdapter(t, "simfeed-pages")
	ad.FeedURL = "/pages?newtab=1"
	ad.Actions.Back = Action2{}
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, pagesPersona), Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	u := onlyUser(t, srv)
	confirmed, _ := likes(sink.acts[1])
	if res.Opens != 4 || u.Opens != 4 || res.Likes != 4 || u.Likes != 4 || confirmed != 4 || res.Items != 10 {
		t.Errorf("opens %d (simfeed %d), likes %d (simfeed %d, stored %d), items %d; want 4, 4, 4, 4, 4, 10",
			res.Opens, u.Opens, res.Likes, u.Likes, confirmed, res.Items)
	}
}

// TestKeywordOnTopic: on a page that shows every item's topic, a persona
// with no weight on a topic and a keyword for a stance within it opens
// exactly the items whose titles hold the keyword.
func TestKeywordOnTopic(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	ad := layoutAdapter(t, "simfeed-pages")
	// Visit 1 of a user the test makes first, so it knows the items.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/pages")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	items := ad.ExtractDocument(doc, nil)
	// A word of one title that not every title of its topic holds.
	var word, topic string
	for _, it := range items {
		for _, w := range strings.Fields(it.Title) {
			if len(w) < 5 {
				continue
			}
			with, without := 0, 0
			for _, o := range items {
				if o.Topic != it.Topic {
					continue
				}
				if strings.Contains(strings.ToLower(o.Title), strings.ToLower(w)) {
					with++
				} else {
					without++
				}
			}
			if with > 0 && without > 0 {
				word, topic = w, it.Topic
				break
			}
		}
		if word != "" {
			break
		}
	}
	if word == "" {
		t.Fatalf("no title word splits a topic among %d items", len(items))
	}
	u, _ := url.Parse(base)
	var cookies []map[string]any
	for _, c := range jar.Cookies(u) {
		cookies = append(cookies, map[string]any{"name": c.Name, "value": c.Value, "domain": u.Hostname(), "path": "/"})
	}
	ident, _ := json.Marshal(map[string]any{"cookies": cookies})
	ad.FeedURL = "/pages?visit=1"
	persona := mustPersona(t, `  - name: stance
    seed: 9
    interests: {"`+topic+`": 0, stance: 1}
    keywords: {stance: ["`+strings.ToLower(word)+`"]}
    behaviour:
      dwell: {median: 100ms, sigma: 0.1, min: 50ms, max: 200ms}
      open: {base: 0, match: 1}
      like: {base: 0, match: 0}
      max_opens: 20
`)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: persona, Adapter: ad, BaseURL: base, Items: len(items), Timeout: time.Minute, Identity: ident,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, it := range items {
		if strings.Contains(strings.ToLower(it.Title), strings.ToLower(word)) {
			want = append(want, it.ID)
		}
	}
	for _, a := range sink.acts[1] {
		if a.Kind == feed.ActionOpen {
			got = append(got, a.ItemID)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || res.Items != len(items) {
		t.Errorf("keyword %q (topic %s): opened %v of %d items, want %v", word, topic, got, res.Items, want)
	}
	if n := len(srv.Truth().Users); n != 1 {
		t.Errorf("simfeed saw %d users, want the test's one", n)
	}
}

// TestPasswordlessLogin: a login form that asks for a name only logs in a
// persona whose credentials give only a user name.
func TestPasswordlessLogin(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	ad := layoutAdapter(t, "simfeed-wall")
	ad.Login.Password = ""
	t.Setenv("FP_TEST_LOGIN_NAME", "puppet_2")
	p := mustPersona(t, layoutPersona+"    credentials: {username_env: FP_TEST_LOGIN_NAME}\n")
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute,
	}, sink)
	if err != nil || res.Items != 10 {
		t.Fatalf("%d items, err %v; want 10 after logging in", res.Items, err)
	}
	if v, _ := IdentityCookie(res.Identity, simfeed.LoginCookie); v != "puppet_2" {
		t.Errorf("identity has %s=%q, want puppet_2", simfeed.LoginCookie, v)
	}
}

// TestLoginFormFields: url and submit are all a login needs; a password
// without a user name is an error.
func TestLoginFormFields(t *testing.T) {
	const head = "name: l\nitem: article\nfields: {id: {attr: data-id}}\n"
	for _, tc := range []struct {
		login string
		ok    bool
	}{
		{"login: {url: /login, submit: a.login}\n", true},
		{"login: {url: /login, username: '#name', submit: '#go'}\n", true},
		{"login: {url: /login, password: '#pw', submit: '#go'}\n", false},
		{"login: {url: /login, username: '#name'}\n", false},
	} {
		_, err := ParseAdapter("l.yaml", []byte(head+tc.login))
		if (err == nil) != tc.ok {
			t.Errorf("ParseAdapter(%q) error %v, want ok %v", tc.login, err, tc.ok)
		}
	}
}

// TestLayoutPagesHistoryBack goes back with the browser's back button: the
// feed page is loaded again from the server (it is not cacheable), possibly
// as a new visit with other items; the session opens items on whichever
// page it finds, and every stored like reached simfeed.
func TestLayoutPagesHistoryBack(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Latency = 200 * time.Millisecond })
	ad := layoutAdapter(t, "simfeed-pages")
	ad.Actions.Back = Action2{}
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, pagesPersona), Adapter: ad, BaseURL: base, Items: 20, Timeout: 2 * time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	u := onlyUser(t, srv)
	confirmed, unconfirmed := likes(sink.acts[1])
	if res.Opens < 2 || u.Opens != res.Opens || confirmed != u.Likes || res.Likes != u.Likes || unconfirmed != 0 {
		t.Errorf("probe opened %d (simfeed %d), liked %d; stored %d confirmed, %d unconfirmed; simfeed received %d likes",
			res.Opens, u.Opens, res.Likes, confirmed, unconfirmed, u.Likes)
	}
	t.Logf("%d opens, %d likes over %d visits", res.Opens, res.Likes, len(u.Visits))
}
