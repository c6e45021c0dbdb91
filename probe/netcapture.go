package probe

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// Rank rules of a session with a capture block:
//
//   - Rank is the order of first observation in the session, by either
//     source, as without capture.
//   - ServedRank is the order in the platform's traffic: responses in the
//     order they finished loading (Network.loadingFinished), and within one
//     body the order of its item list; the HTML document's embedded JSON
//     comes first. An id served twice keeps its first position.
//   - DisplayedRank is the order in which item elements were first found in
//     the viewport. The probe looks after every step (a scroll, a click, a
//     key press): an element a jump scroll passes over between two looks is
//     not displayed. Several elements first seen at one look are ranked in
//     document order.
//
// An impression is stored once it is displayed, or at the end of the
// session with DisplayedAt nil: items served but never displayed are kept.

// capReq is one request the capture follows.
type capReq struct {
	id     network.RequestID
	method string
	url    string
	mime   string
	doc    bool // the feed's HTML document
}

// heldImp is an impression not yet stored.
type heldImp struct {
	imp    feed.Impression
	n      int // element index; -1: none yet
	stored bool
}

// netCapture reads the bodies of the responses a capture block matches.
// event runs on chromedp's reader goroutine and only records ids; bodies are
// read from the session's goroutine (drain), never from the listener.
type netCapture struct {
	c   *Capture
	lim CaptureLimits

	mu      sync.Mutex
	reqs    map[network.RequestID]*capReq
	ready   []*capReq // matched and finished, in finish order
	skipped int       // matched but over the size cap
	docURL  string

	// The rest belongs to the session goroutine.
	held      []*heldImp // in rank order
	byID      map[string]*heldImp
	served    int
	displayed int
}

func newNetCapture(c *Capture) *netCapture {
	return &netCapture{c: c, lim: c.Limits(), reqs: map[network.RequestID]*capReq{}, byID: map[string]*heldImp{}}
}

func (nc *netCapture) event(ev any) {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Request != nil {
			nc.reqs[e.RequestID] = &capReq{id: e.RequestID, method: e.Request.Method, url: e.Request.URL}
		}
	case *network.EventResponseReceived:
		r := nc.reqs[e.RequestID]
		if r == nil || e.Response == nil {
			return
		}
		r.url, r.mime = e.Response.URL, e.Response.MimeType
		// Only the feed's own document: an item page opened later may
		// embed JSON of its own (related items) that was not the feed.
		r.doc = e.Type == network.ResourceTypeDocument && nc.c.HasEmbedded() && samePage(r.url, nc.docURL)
		if !r.doc && !nc.c.MatchResponse(r.method, r.url, r.mime) {
			delete(nc.reqs, e.RequestID) // its body is never read
		}
	case *network.EventLoadingFinished:
		r := nc.reqs[e.RequestID]
		if r == nil || r.mime == "" {
			delete(nc.reqs, e.RequestID)
			return
		}
		delete(nc.reqs, e.RequestID)
		if int64(e.EncodedDataLength) > nc.lim.MaxBodyBytes+64<<10 { // headers and framing included
			nc.skipped++
			return
		}
		nc.ready = append(nc.ready, r)
	case *network.EventLoadingFailed:
		delete(nc.reqs, e.RequestID)
	}
}

// samePage reports whether two URLs have the same scheme, host and path
// (the query and fragment may differ).
func samePage(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	norm := func(p string) string { return strings.TrimSuffix(p, "/") }
	return ua.Scheme == ub.Scheme && ua.Host == ub.Host && norm(ua.Path) == norm(ub.Path)
}

// take returns the finished matched responses not taken before.
func (nc *netCapture) take() []*capReq {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	r := nc.ready
	nc.ready = nil
	return r
}

// startCapture listens to the tab's network for the adapter's capture
// block, once per session; it does nothing for an adapter without one.
func (s *session) startCapture(feed string) error {
	if s.cfg.Adapter.Capture == nil || s.cap != nil {
		return nil
	}
	s.cap = newNetCapture(s.cfg.Adapter.Capture)
	s.cap.docURL = feed
	if err := chromedp.Listen(s.tab, s.cap.event); err != nil {
		return fmt.Errorf("watch network for capture: %w", err)
	}
	return nil
}

// drainCapture reads the bodies of the responses that finished since the
// last drain, hands each to the evidence sink, and holds their items as
// served. A body that cannot be read or parsed is logged and skipped: the
// page is still read.
func (s *session) drainCapture() {
	nc := s.cap
	if nc == nil {
		return
	}
	for _, r := range nc.take() {
		body, err := s.responseBody(r.id)
		if err != nil {
			s.logger.Info("captured response not read", "url", r.url, "error", err)
			continue
		}
		if int64(len(body)) > nc.lim.MaxBodyBytes {
			nc.mu.Lock()
			nc.skipped++
			nc.mu.Unlock()
			s.logger.Info("captured response over the size cap", "url", r.url, "bytes", len(body))
			continue
		}
		if s.cfg.Evidence != nil {
			ev := feed.Evidence{Kind: feed.EvidenceResponse, Reason: r.method + " " + r.url, At: s.now().UTC(), Data: body}
			if err := s.cfg.Evidence.SaveEvidence(s.tab, s.cfg.SessionID, ev); err != nil {
				s.logger.Warn("evidence not saved", "kind", feed.EvidenceResponse, "error", err)
			}
		}
		base, _ := url.Parse(r.url)
		var raws []feed.RawItem
		if r.doc {
			raws = nc.c.ExtractDocumentRaw(body, base)
		} else {
			raws, err = nc.c.ExtractResponseRaw(r.method, r.url, r.mime, body)
		}
		items := make([]feed.Item, len(raws))
		for i, ri := range raws {
			items[i] = ri.Item
		}
		if s.checkResponses != nil {
			*s.checkResponses = append(*s.checkResponses, nc.c.describeResponse(r, len(body), items, err))
		}
		if err != nil {
			s.logger.Info("captured response not parsed", "url", r.url, "error", err)
			continue
		}
		s.holdServed(raws)
	}
}

// responseBody asks the browser for a response body.
func (s *session) responseBody(id network.RequestID) ([]byte, error) {
	var body []byte
	_, err := call(s, stepTimeout, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
		body = res.Body
		return err
	}))
	return body, err
}

// holdServed ranks served items: an id seen before only gets its served
// rank (and becomes "both" when the page drew it first).
func (s *session) holdServed(items []feed.RawItem) {
	nc := s.cap
	now := s.now().UTC()
	for _, ri := range items {
		it := ri.Item
		if h := nc.byID[it.ID]; h != nil {
			if h.imp.ServedRank == 0 {
				nc.served++
				h.imp.ServedRank = nc.served
				h.imp.Raw = ri.Raw
				if h.imp.Source == feed.SourceDOM {
					h.imp.Source = feed.SourceBoth
				}
			}
			continue
		}
		if s.seen[it.ID] || s.items >= s.cfg.Items {
			continue
		}
		s.seen[it.ID] = true
		s.items++
		nc.served++
		h := &heldImp{n: -1, imp: feed.Impression{Item: it, Rank: s.items, SeenAt: now, Surface: s.cfg.Surface, Source: feed.SourceNetwork, ServedRank: nc.served, Raw: ri.Raw}}
		nc.held = append(nc.held, h)
		nc.byID[it.ID] = h
	}
	s.res.Items = s.items
}

// domAgain is keep's capture branch for an id already held: the page drew
// an item the traffic brought. It returns the item for engagement, once.
func (s *session) domAgain(it feed.Item, n int) (seenItem, bool) {
	if s.cap == nil || n < 0 {
		return seenItem{}, false
	}
	h := s.cap.byID[it.ID]
	if h == nil || h.n >= 0 {
		return seenItem{}, false
	}
	h.n = n
	if h.imp.Source == feed.SourceNetwork {
		h.imp.Source = feed.SourceBoth
	}
	// The page's text fills what the traffic left out.
	fillItem(&h.imp.Item, it)
	return seenItem{imp: h.imp, n: n}, true
}

// holdDOM records an item first found in the page.
func (s *session) holdDOM(si seenItem) {
	si.imp.Source = feed.SourceDOM
	h := &heldImp{imp: si.imp, n: si.n}
	s.cap.held = append(s.cap.held, h)
	s.cap.byID[si.imp.ID] = h
}

func fillItem(dst *feed.Item, src feed.Item) {
	for _, f := range []struct {
		d *string
		s string
	}{{&dst.Title, src.Title}, {&dst.Author, src.Author}, {&dst.URL, src.URL}, {&dst.Topic, src.Topic}, {&dst.PriceText, src.PriceText}} {
		if *f.d == "" {
			*f.d = f.s
		}
	}
	if dst.Price == 0 {
		dst.Price = src.Price
	}
	dst.Sponsored = dst.Sponsored || src.Sponsored
	dst.Synthetic = dst.Synthetic || src.Synthetic
}

// displayedJS returns the indexes (of window.__fp.nodes) whose element
// intersects the viewport now, in document order.
const displayedJS = `(ns) => { const st = window.__fp; if (!st) return [];
  const vis = ns.filter(n => { const e = st.nodes[n]; if (!e || !e.isConnected) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth; });
  return vis.sort((a, b) => (st.nodes[a].compareDocumentPosition(st.nodes[b]) & Node.DOCUMENT_POSITION_FOLLOWING) ? -1 : 1); }`

// settleCapture drains the traffic, looks which held items are on screen,
// and returns the impressions to store now: the ones just displayed.
func (s *session) settleCapture() ([]feed.Impression, error) {
	s.drainCapture()
	nc := s.cap
	var ns []int
	for _, h := range nc.held {
		if !h.stored && h.n >= 0 {
			ns = append(ns, h.n)
		}
	}
	if len(ns) == 0 {
		return nil, nil
	}
	vis, err := call(s, stepTimeout, chromedp.Evaluate[[]int](jsCall(displayedJS, ns)))
	if err != nil {
		return nil, fmt.Errorf("look at the viewport: %w", err)
	}
	at := s.now().UTC()
	byN := make(map[int]*heldImp, len(ns))
	for _, h := range nc.held {
		if !h.stored && h.n >= 0 {
			byN[h.n] = h
		}
	}
	var out []feed.Impression
	for _, n := range vis {
		h := byN[n]
		if h == nil {
			continue
		}
		nc.displayed++
		t := at
		h.imp.DisplayedAt, h.imp.DisplayedRank = &t, nc.displayed
		h.stored = true
		out = append(out, h.imp)
	}
	return out, nil
}

// flushCapture stores every held impression not stored yet (never
// displayed), after a last drain of the traffic. It runs at the end of the
// session, also after an error, on the tab rather than the deadline.
func (s *session) flushCapture(ctx context.Context) error {
	nc := s.cap
	if nc == nil {
		return nil
	}
	if s.tab.Err() == nil {
		s.drainCapture()
	}
	var rest []feed.Impression
	for _, h := range nc.held {
		if !h.stored {
			h.stored = true
			rest = append(rest, h.imp)
		}
	}
	nc.mu.Lock()
	skipped := nc.skipped
	nc.mu.Unlock()
	if skipped > 0 {
		s.logger.Warn("captured responses over the size cap were skipped", "responses", skipped, "cap_bytes", nc.lim.MaxBodyBytes)
	}
	if len(rest) == 0 {
		return nil
	}
	slices.SortFunc(rest, func(a, b feed.Impression) int { return a.Rank - b.Rank })
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := s.sink.SaveImpressions(ctx, s.cfg.SessionID, rest); err != nil {
		return fmt.Errorf("store captured impressions: %w", err)
	}
	return nil
}
