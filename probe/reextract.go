package probe

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// StoredPage is one piece of a session's evidence that Reextract reads
// again: a raw response body (Kind feed.EvidenceResponse, with the request's
// Method and URL from its reason "METHOD URL") or a snapshot of the page
// (Kind "html").
type StoredPage struct {
	Kind   string
	Method string
	URL    string
	At     time.Time
	Body   []byte
}

// ParseResponseReason splits a response evidence reason, "METHOD URL".
func ParseResponseReason(reason string) (method, rawURL string, err error) {
	method, rawURL, ok := strings.Cut(reason, " ")
	if !ok || method == "" || rawURL == "" {
		return "", "", fmt.Errorf("response reason %q: want \"METHOD URL\"", reason)
	}
	return method, rawURL, nil
}

// Reextraction is what Reextract made of one session's evidence.
type Reextraction struct {
	Impressions []feed.RawImpression // in rank order (ranks count per surface)
	Bodies      int                  // responses and pages read
	// Problems name the bodies that could not be read (not JSON, over the
	// limits), by their place in the input; the rest were still read.
	Problems []string
}

// Reextract runs the adapter again, offline, over a session's stored
// evidence in chain order, and returns the session's impressions as this
// adapter version reads them.
//
// Rank rules of a re-extraction:
//   - Served items come first, in served order: bodies in the order they
//     were stored (the order they finished loading in the session), items
//     in body order; an id served twice keeps its first place. A response
//     no rule matches is read as an HTML document when the capture block
//     has embedded rules and the body is HTML (the feed's document). Their
//     ServedRank is that order; their source is network, or both when a
//     page snapshot also shows them.
//   - Then items found only in the page snapshots (html evidence, read with
//     the adapter's item selector and embedded: block), snapshot by
//     snapshot in document order; source dom ("" for an adapter without a
//     capture block).
//   - When and whether an item was on screen is an observation of the
//     session, not of extraction: DisplayedAt, DisplayedRank, SeenAt and
//     the surface are taken from the original impression of the same id
//     (prior), when there is one. Otherwise SeenAt is when the body was
//     stored and the surface that of the session's first impression
//     ("feed" when it had none). Ranks count per surface.
//
// limit, when above 0, stops counting new items once that many are held,
// as a session stops at its campaign's items_per_session. base resolves
// relative URLs in page snapshots; it may be nil.
func (a *Adapter) Reextract(pages []StoredPage, prior []feed.Impression, base *url.URL, limit int) Reextraction {
	var out Reextraction
	before := make(map[string]feed.Impression, len(prior))
	defaultSurface := "feed"
	for i, im := range prior {
		if i == 0 {
			defaultSurface = im.Surface
		}
		if _, ok := before[im.ID]; !ok {
			before[im.ID] = im
		}
	}
	type entry struct {
		imp feed.RawImpression
		dom bool
	}
	var order []*entry
	byID := map[string]*entry{}
	served := 0
	add := func(it feed.RawItem, at time.Time, network bool) {
		if e := byID[it.ID]; e != nil {
			if network {
				if e.imp.ServedRank == 0 {
					served++
					e.imp.ServedRank = served
				}
				if e.imp.Raw == nil {
					e.imp.Raw = it.Raw
				}
			} else {
				e.dom = true
			}
			fillItem(&e.imp.Item, it.Item)
			return
		}
		if limit > 0 && len(order) >= limit {
			return
		}
		e := &entry{imp: feed.RawImpression{Impression: feed.Impression{Item: it.Item, SeenAt: at, Surface: defaultSurface}, Raw: it.Raw}, dom: !network}
		if network {
			served++
			e.imp.ServedRank = served
		}
		if p, ok := before[it.ID]; ok {
			e.imp.SeenAt, e.imp.Surface = p.SeenAt, p.Surface
			e.imp.DisplayedAt, e.imp.DisplayedRank = p.DisplayedAt, p.DisplayedRank
		}
		byID[it.ID] = e
		order = append(order, e)
	}
	for i, p := range pages {
		switch p.Kind {
		case feed.EvidenceResponse:
			if a.Capture == nil {
				continue
			}
			out.Bodies++
			items, matched, err := a.Capture.ExtractBodyRaw(p.Method, p.URL, p.Body)
			if err != nil {
				out.Problems = append(out.Problems, fmt.Sprintf("body %d (%s %s): %v", i+1, p.Method, p.URL, err))
				continue
			}
			if !matched && a.Capture.HasEmbedded() && looksHTML(p.Body) {
				u, _ := url.Parse(p.URL)
				items = a.Capture.ExtractDocumentRaw(p.Body, u)
			}
			for _, it := range items {
				add(it, p.At, true)
			}
		case "html":
			out.Bodies++
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(p.Body))
			if err != nil {
				out.Problems = append(out.Problems, fmt.Sprintf("page %d: %v", i+1, err))
				continue
			}
			items, err := a.ExtractPage(doc, base)
			if err != nil {
				out.Problems = append(out.Problems, fmt.Sprintf("page %d: %v", i+1, err))
			}
			for _, it := range items {
				add(feed.RawItem{Item: it}, p.At, false)
			}
		}
	}
	// Served items first, then the page's own, each in its order.
	ranks := map[string]int{}
	place := func(e *entry) {
		ranks[e.imp.Surface]++
		e.imp.Rank = ranks[e.imp.Surface]
		switch {
		case a.Capture == nil:
			e.imp.Source = ""
		case e.imp.ServedRank > 0 && e.dom:
			e.imp.Source = feed.SourceBoth
		case e.imp.ServedRank > 0:
			e.imp.Source = feed.SourceNetwork
		default:
			e.imp.Source = feed.SourceDOM
		}
		out.Impressions = append(out.Impressions, e.imp)
	}
	var byServed []*entry
	for _, e := range order {
		if e.imp.ServedRank > 0 {
			byServed = append(byServed, e)
		}
	}
	slices.SortFunc(byServed, func(x, y *entry) int { return x.imp.ServedRank - y.imp.ServedRank })
	for _, e := range byServed {
		place(e)
	}
	for _, e := range order {
		if e.imp.ServedRank == 0 {
			place(e)
		}
	}
	return out
}

// looksHTML reports whether a body starts like an HTML document.
func looksHTML(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '<'
}
