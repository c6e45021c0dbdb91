package probe

import (
	"bytes"
	"context"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

func (m *memEvidence) kinds() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := map[string]int{}
	for _, ev := range m.evs {
		k[ev.Kind]++
	}
	return k
}

func captureAdapter(t *testing.T) *Adapter {
	t.Helper()
	a, err := BuiltinAdapter("simfeed-capture")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkCaptured checks a capture session's impressions against what simfeed
// served: the served ranks list exactly the served items in order, and the
// displayed items, in displayed order, follow the served order.
func checkCaptured(t *testing.T, imps []feed.Impression, served []simfeed.Served, wantDisplayed bool) {
	t.Helper()
	byServed := slices.Clone(imps)
	byServed = slices.DeleteFunc(byServed, func(im feed.Impression) bool { return im.ServedRank == 0 })
	sort.Slice(byServed, func(i, j int) bool { return byServed[i].ServedRank < byServed[j].ServedRank })
	if len(byServed) == 0 || len(byServed) > len(served) {
		t.Fatalf("%d items from traffic, simfeed served %d", len(byServed), len(served))
	}
	for i, im := range byServed {
		if im.ServedRank != i+1 {
			t.Fatalf("served ranks are not 1..n: rank %d at %d", im.ServedRank, i)
		}
		if im.ID != served[i].Item {
			t.Fatalf("served rank %d is %s, simfeed served %s", i+1, im.ID, served[i].Item)
		}
		if im.Source != feed.SourceNetwork && im.Source != feed.SourceBoth {
			t.Errorf("served item %s has source %q", im.ID, im.Source)
		}
	}
	var disp []feed.Impression
	for _, im := range imps {
		if im.DisplayedAt != nil {
			disp = append(disp, im)
			if im.DisplayedRank == 0 {
				t.Errorf("item %s displayed at %v without a displayed rank", im.ID, im.DisplayedAt)
			}
		} else if im.DisplayedRank != 0 {
			t.Errorf("item %s has displayed rank %d and no displayed_at", im.ID, im.DisplayedRank)
		}
	}
	if !wantDisplayed {
		if len(disp) != 0 {
			t.Errorf("%d items displayed, want none", len(disp))
		}
		return
	}
	if len(disp) == 0 {
		t.Fatal("no item was displayed")
	}
	sort.Slice(disp, func(i, j int) bool { return disp[i].DisplayedRank < disp[j].DisplayedRank })
	last := 0
	for i, im := range disp {
		if im.DisplayedRank != i+1 {
			t.Fatalf("displayed ranks are not 1..n: %d at %d", im.DisplayedRank, i)
		}
		if im.ServedRank <= last {
			t.Errorf("displayed item %s (served %d) comes after served %d: display order breaks served order", im.ID, im.ServedRank, last)
		}
		last = im.ServedRank
		if im.Source != feed.SourceBoth {
			t.Errorf("displayed item %s has source %q, want both", im.ID, im.Source)
		}
	}
	if disp[0].ServedRank != 1 {
		t.Errorf("first displayed item has served rank %d, want 1 (the first screen)", disp[0].ServedRank)
	}
}

// TestCaptureSimfeed runs simfeed's feed in capture mode: the items read
// from the traffic equal simfeed's truth of what it served, in order; the
// displayed items are a subset in served order; every item is stored once;
// the raw bodies reach the evidence sink.
func TestCaptureSimfeed(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	ev := &memEvidence{}
	p := mustPersona(t, "  - {name: reader, seed: 3}\n")
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: captureAdapter(t), BaseURL: base,
		Items: 30, Timeout: time.Minute, Evidence: ev,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 30 {
		t.Fatalf("session read %d items, want 30", res.Items)
	}
	imps := sink.impressions(1)
	if len(imps) != 30 {
		t.Fatalf("stored %d impressions, want 30", len(imps))
	}
	seen := map[string]bool{}
	ranks := map[int]bool{}
	for _, im := range imps {
		if seen[im.ID] || ranks[im.Rank] {
			t.Fatalf("item %s or rank %d stored twice", im.ID, im.Rank)
		}
		seen[im.ID], ranks[im.Rank] = true, true
	}
	truth := srv.Truth()
	served := truth.Users[0].Visits[0].Served
	checkCaptured(t, imps, served, true)
	if k := ev.kinds(); k[feed.EvidenceResponse] < 2 {
		t.Errorf("evidence kinds %v, want the document and at least one /api/feed body", k)
	}
	checkFlags(t, imps, srv.Catalogue())
	d, both, net := countDisplayed(imps)
	t.Logf("displayed %d, both %d, network only %d", d, both, net)
}

// checkFlags compares titles, ad and AI labels with simfeed's catalogue.
func checkFlags(t *testing.T, imps []feed.Impression, cat []simfeed.Item) {
	t.Helper()
	byID := map[string]simfeed.Item{}
	for _, it := range cat {
		byID[it.ID] = it
	}
	ads, ai := 0, 0
	for _, im := range imps {
		it, ok := byID[im.ID]
		if !ok {
			t.Fatalf("item %s is not in the catalogue", im.ID)
		}
		if im.Title != it.Title || im.Sponsored != it.Sponsored || im.Synthetic != (it.Synthetic && it.SyntheticLabelled) {
			t.Errorf("item %s: title %q sponsored %v synthetic %v; catalogue %q %v %v (labelled %v)",
				im.ID, im.Title, im.Sponsored, im.Synthetic, it.Title, it.Sponsored, it.Synthetic, it.SyntheticLabelled)
		}
		if im.Sponsored {
			ads++
		}
		if im.Synthetic {
			ai++
		}
	}
	t.Logf("%d items, %d ads, %d AI-labelled", len(imps), ads, ai)
}

func (m *memSink) impressions(id int64) []feed.Impression {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.imps[id])
}

func countDisplayed(imps []feed.Impression) (displayed, both, network int) {
	for _, im := range imps {
		if im.DisplayedAt != nil {
			displayed++
		}
		switch im.Source {
		case feed.SourceBoth:
			both++
		case feed.SourceNetwork:
			network++
		}
	}
	return
}

// TestNetCaptureReadsOnlyMatches feeds the listener the events of a page
// load: only the responses the capture block matches (and the document,
// for embedded rules) are queued for reading, in the order they finished;
// a body over the cap is skipped before it is read.
func TestNetCaptureReadsOnlyMatches(t *testing.T) {
	a := captureAdapter(t)
	a.Capture.MaxBodyBytes = 1 << 20
	nc := newNetCapture(a.Capture)
	nc.docURL = "http://127.0.0.1/"
	type req struct {
		id, method, url, mime string
		typ                   network.ResourceType
		size                  float64
	}
	for _, r := range []req{
		{"1", "GET", "http://127.0.0.1/", "text/html", network.ResourceTypeDocument, 2000},
		{"2", "GET", "http://127.0.0.1/static/app.js", "application/javascript", network.ResourceTypeScript, 900},
		{"3", "GET", "http://127.0.0.1/api/feed?visit=1&page=3", "application/json", network.ResourceTypeFetch, 800},
		{"4", "GET", "http://127.0.0.1/api/feed?visit=1&page=2", "application/json", network.ResourceTypeFetch, 700},
		{"5", "POST", "http://127.0.0.1/api/feed?visit=1&page=4", "application/json", network.ResourceTypeFetch, 700},
		{"6", "GET", "http://127.0.0.1/api/item/i1", "application/json", network.ResourceTypeFetch, 300},
		{"7", "GET", "http://127.0.0.1/api/feed?visit=1&page=5", "application/json", network.ResourceTypeFetch, 5 << 20},
		{"8", "GET", "http://127.0.0.1/item/i1", "text/html", network.ResourceTypeDocument, 900},
	} {
		id := network.RequestID(r.id)
		nc.event(&network.EventRequestWillBeSent{RequestID: id, Request: &network.Request{Method: r.method, URL: r.url}})
		nc.event(&network.EventResponseReceived{RequestID: id, Type: r.typ, Response: &network.Response{URL: r.url, MimeType: r.mime}})
	}
	// Finished out of request order: 4 before 3.
	for _, id := range []string{"1", "2", "4", "3", "5", "6", "7", "8"} {
		var size float64
		if id == "7" {
			size = 5 << 20
		}
		nc.event(&network.EventLoadingFinished{RequestID: network.RequestID(id), EncodedDataLength: size})
	}
	var got []string
	for _, r := range nc.take() {
		got = append(got, string(r.id))
	}
	if want := []string{"1", "4", "3"}; !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v (the feed's document, then the feed pages in finish order; not an item page)", got, want)
	}
	if nc.skipped != 1 {
		t.Errorf("skipped %d over the cap, want 1", nc.skipped)
	}
	if len(nc.reqs) != 0 {
		t.Errorf("%d requests still followed after they finished", len(nc.reqs))
	}
}

// TestCaptureFallsBackToDOM caps bodies below simfeed's sizes: nothing is
// read from the traffic, and the page still gives every item, from the DOM.
func TestCaptureFallsBackToDOM(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	a := captureAdapter(t)
	a.Capture.MaxBodyBytes = 64
	sink := newMemSink()
	if _, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, "  - {name: reader, seed: 3}\n"), Adapter: a, BaseURL: base,
		Items: 15, Timeout: time.Minute,
	}, sink); err != nil {
		t.Fatal(err)
	}
	imps := sink.impressions(1)
	if len(imps) != 15 {
		t.Fatalf("stored %d impressions, want 15", len(imps))
	}
	for _, im := range imps {
		if im.Source != feed.SourceDOM || im.ServedRank != 0 {
			t.Errorf("item %s: source %q served rank %d, want dom and none", im.ID, im.Source, im.ServedRank)
		}
	}
}

// TestCheckAdapterCapture checks the simfeed capture adapter on a live
// simfeed page: the report lists the feed's document (its embedded JSON)
// and the /api/feed responses, each with its items and first ids in the
// order simfeed served them; a capture path broken on purpose shows up as
// a field missing in every item.
func TestCheckAdapterCapture(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	rep, err := b.CheckAdapter(context.Background(), CheckConfig{Adapter: captureAdapter(t), URL: base + "/", Steps: 4, Items: 60})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Responses) < 2 || !rep.Responses[0].Document || rep.Responses[0].Items == 0 {
		t.Fatalf("check responses = %+v, want the document with items, then feed responses", rep.Responses)
	}
	var ids []string
	for i, r := range rep.Responses {
		if r.Err != "" || r.Items == 0 || len(r.FirstIDs) != min(5, r.Items) || len(r.Missing) != 0 {
			t.Errorf("response %d = %+v, want items, first ids, nothing missing", i, r)
		}
		if i > 0 && (r.Document || !strings.Contains(r.URL, "/api/feed?") || r.Method != "GET") {
			t.Errorf("response %d is %s %s (document %v), want a GET of /api/feed", i, r.Method, r.URL, r.Document)
		}
		ids = append(ids, r.FirstIDs[0])
	}
	truth := srv.Truth()
	var served []simfeed.Served
	for _, u := range truth.Users {
		for _, v := range u.Visits {
			served = append(served, v.Served...)
		}
	}
	if len(served) == 0 || ids[0] != served[0].Item {
		t.Errorf("first id of the document = %v, simfeed served %v first", ids, served[:min(1, len(served))])
	}
	var buf bytes.Buffer
	if err := WriteCheck(&buf, captureAdapter(t), rep, 5, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"captured responses: ", "document " + base, "GET " + base + "/api/feed?", "FIELDS MISSING"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("check report lacks %q:\n%s", w, buf.String())
		}
	}

	broken, err := ParseAdapter("broken.yaml", []byte(strings.Replace(string(mustAdapterSource(t)), "    author: author\n", "    author: writer\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	rep, err = b.CheckAdapter(context.Background(), CheckConfig{Adapter: broken, URL: base + "/", Steps: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Responses) == 0 || len(rep.Responses[0].Missing) != 1 || rep.Responses[0].Missing[0] != (FieldMissing{"author", rep.Responses[0].Items, rep.Responses[0].Items}) {
		t.Errorf("check with a wrong author path: responses %+v, want author missing in every item", rep.Responses)
	}
}

func mustAdapterSource(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("adapters/simfeed-capture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}
