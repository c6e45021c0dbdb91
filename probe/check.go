package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/personas"
)

// CheckConfig is one try of an adapter on a live page.
type CheckConfig struct {
	Adapter *Adapter
	// URL is the page to open; empty means the adapter's feed URL.
	URL string
	// Persona, when set, gives the viewport, device and user agent, and
	// Identity its saved cookies and storage.
	Persona  personas.Spec
	Identity []byte
	// Items stops the check after that many items (default 30); Steps
	// after that many scrolls, clicks or key presses (default 3).
	Items, Steps int
	// Timeout bounds the whole check; zero means two minutes.
	Timeout time.Duration
	Logger  *slog.Logger
}

// CheckReport is what an adapter found on a page.
type CheckReport struct {
	URL       string
	Items     []feed.Item // in rank order
	Steps     int         // scrolls, clicks or key presses made
	Dismissed int
	// Err is how the browsing ended: nil, or an error matching ErrNoItems,
	// ErrBlocked or a deadline.
	Err error
	// Selectors counts the matches of each page-level selector on the page
	// as it was at the end.
	Selectors []SelectorCount
	// Fields says, per field, in how many of the item elements seen (and
	// embedded items) it was found and not empty.
	Fields   []FieldCount
	Elements int // item elements seen over the whole check
	// Responses are the responses the capture block matched (and the
	// feed's HTML document when it reads embedded JSON), in the order they
	// finished loading, each with what it yielded.
	Responses  []CheckResponse
	Screenshot []byte
	HTML       []byte
	Identity   []byte
}

// SelectorCount is one page-level selector and its matches.
type SelectorCount struct {
	Name     string `json:"name"`
	Selector string `json:"selector"`
	Count    int    `json:"count"`
}

// FieldCount is one item field and how often it came back.
type FieldCount struct {
	Name     string `json:"name"`
	Source   string `json:"source"` // "dom" or "embedded"
	Selector string `json:"selector"`
	Of       int    `json:"of"`
	Found    int    `json:"found"`
	NonEmpty int    `json:"non_empty"`
}

// checkSink keeps what a check extracted.
type checkSink struct {
	mu    sync.Mutex
	items []feed.Item
}

func (c *checkSink) SaveImpressions(_ context.Context, _ int64, imps []feed.Impression) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range imps {
		c.items = append(c.items, i.Item)
	}
	return nil
}

func (c *checkSink) SaveActions(context.Context, int64, []feed.Action) error { return nil }

// CheckAdapter opens a page and runs the adapter on it the way a session
// does (wait, dismiss, detect a wall, scroll the adapter's way) but without
// engaging with items, then reports what each selector found, with a
// screenshot and the HTML of the page at the end. The browsing outcome is in
// the report's Err; the returned error is only for a check that could not
// run at all. Cancelling ctx ends the check.
func (b *Browser) CheckAdapter(ctx context.Context, cfg CheckConfig) (CheckReport, error) {
	rep := CheckReport{}
	if cfg.Adapter == nil {
		return rep, fmt.Errorf("check needs an adapter")
	}
	if cfg.Items <= 0 {
		cfg.Items = 30
	}
	if cfg.Steps <= 0 {
		cfg.Steps = 3
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	ad := *cfg.Adapter
	if cfg.URL != "" {
		ad.FeedURL = cfg.URL
	}
	u, err := resolveURL("http://127.0.0.1/", ad.FeedURL)
	if err != nil {
		return rep, err
	}
	if pu, _ := url.Parse(ad.FeedURL); pu == nil || !pu.IsAbs() {
		return rep, fmt.Errorf("adapter %s: feed_url %q is relative: give the page's full URL", ad.Name, ad.FeedURL)
	}
	rep.URL = u
	sink := &checkSink{}
	s := newSession(SessionConfig{
		Persona: cfg.Persona, Adapter: &ad, BaseURL: u, Items: cfg.Items,
		Timeout: cfg.Timeout, Identity: cfg.Identity, Logger: cfg.Logger,
	}, sink)
	var captured []string
	var responses []CheckResponse
	s.noEngage, s.maxSteps, s.captured, s.checkResponses = true, cfg.Steps, &captured, &responses
	s.atEnd = func(tab context.Context) {
		tctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		if png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot()); err == nil {
			rep.Screenshot = png
		}
		if html, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
			rep.HTML = []byte(html)
		}
	}
	res, err := b.runSession(ctx, s)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	rep.Err, rep.Steps, rep.Dismissed, rep.Identity = err, res.Scrolls, res.Dismissed, res.Identity
	rep.Items = sink.items
	rep.Elements = len(captured)
	rep.Responses = responses
	base, _ := url.Parse(u)
	rep.Selectors, rep.Fields = ad.diagnose(rep.HTML, captured, base)
	return rep, nil
}

// diagnose counts the page-level selectors on the final page and the
// fields over the item elements seen.
func (a *Adapter) diagnose(page []byte, elements []string, base *url.URL) ([]SelectorCount, []FieldCount) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(page)))
	if err != nil {
		doc = nil
	}
	count := func(sel string) int {
		if doc == nil || sel == "" {
			return 0
		}
		return doc.Find(sel).Length()
	}
	var sels []SelectorCount
	add := func(name, sel string) {
		if sel != "" {
			sels = append(sels, SelectorCount{Name: name, Selector: sel, Count: count(sel)})
		}
	}
	add("item", a.Item)
	add("wait_for", a.WaitFor.Selector)
	if a.Embedded != nil {
		add("embedded.script", a.Embedded.Script)
	}
	for _, d := range a.Dismiss {
		add("dismiss", d)
	}
	for _, b := range a.Blocked {
		add("blocked", b)
	}
	add("scroll.container", a.Scroll.Container)
	add("scroll.button", a.Scroll.Button)
	add("actions.like", a.Actions.Like.Click)

	var fields []FieldCount
	names := append(slices.Clone(stringFields), boolFields...)
	if a.item != nil {
		var items []*goquery.Selection
		for _, h := range elements {
			d, err := goquery.NewDocumentFromReader(strings.NewReader(h))
			if err != nil {
				continue
			}
			if el := d.FindMatcher(a.item).First(); el.Length() > 0 {
				items = append(items, el)
			}
		}
		for _, name := range names {
			f, ok := a.Fields[name]
			if !ok {
				continue
			}
			fc := FieldCount{Name: name, Source: "dom", Selector: describeField(f), Of: len(items)}
			for _, it := range items {
				if v, ok := a.fieldValue(it, name); ok {
					fc.Found++
					if v != "" {
						fc.NonEmpty++
					}
				}
			}
			fields = append(fields, fc)
		}
	}
	if a.Embedded != nil && doc != nil {
		emb, _ := a.ExtractEmbedded(doc, base)
		for _, name := range names {
			p, ok := a.Embedded.Fields[name]
			if !ok {
				continue
			}
			fc := FieldCount{Name: name, Source: "embedded", Selector: p, Of: len(emb)}
			for _, it := range emb {
				if v := itemField(it, name); v != "" {
					fc.Found++
					fc.NonEmpty++
				}
			}
			fields = append(fields, fc)
		}
	}
	return sels, fields
}

func describeField(f Field) string {
	var parts []string
	if f.Selector != "" {
		parts = append(parts, f.Selector)
	}
	if f.Attr != "" {
		parts = append(parts, "@"+f.Attr)
	}
	if f.JSON != "" {
		parts = append(parts, "json:"+f.JSON)
	}
	if len(parts) == 0 {
		return "(text)"
	}
	return strings.Join(parts, " ")
}

// itemField returns a field of an extracted item as text ("" when empty or
// false).
func itemField(it feed.Item, name string) string {
	switch name {
	case "id":
		return it.ID
	case "title":
		return it.Title
	case "author":
		return it.Author
	case "url":
		return it.URL
	case "topic":
		return it.Topic
	case "price", "price_text":
		return it.PriceText
	case "sponsored":
		if it.Sponsored {
			return "true"
		}
	case "synthetic":
		if it.Synthetic {
			return "true"
		}
	}
	return ""
}

// CheckResponse is one response a check captured and what the capture
// block read from it.
type CheckResponse struct {
	Method   string   `json:"method"`
	URL      string   `json:"url"`
	Document bool     `json:"document,omitempty"` // the feed's HTML, read for embedded JSON
	Bytes    int      `json:"bytes"`
	Items    int      `json:"items"`
	FirstIDs []string `json:"first_ids"` // up to 5
	// Missing lists the fields the capture block reads that came back
	// empty in some of the items (flags and prices are not listed: false
	// and no price are values).
	Missing []FieldMissing `json:"missing,omitempty"`
	Err     string         `json:"error,omitempty"` // the body could not be read as JSON
}

// FieldMissing is a field empty in Empty of Of items.
type FieldMissing struct {
	Name  string `json:"name"`
	Empty int    `json:"empty"`
	Of    int    `json:"of"`
}

// describeResponse summarizes what one captured body yielded.
func (c *Capture) describeResponse(r *capReq, size int, items []feed.Item, err error) CheckResponse {
	cr := CheckResponse{Method: r.method, URL: r.url, Document: r.doc, Bytes: size, Items: len(items), FirstIDs: []string{}}
	if err != nil {
		cr.Err = err.Error()
		return cr
	}
	for i, it := range items {
		if i == 5 {
			break
		}
		cr.FirstIDs = append(cr.FirstIDs, it.ID)
	}
	// The fields the matching rules read.
	read := map[string]bool{}
	for _, rule := range c.rules {
		if r.doc == (rule.url == nil) && (r.doc || rule.url.MatchString(r.url)) {
			for name := range rule.paths.Fields {
				read[name] = true
			}
		}
	}
	if len(items) == 0 {
		return cr
	}
	for _, name := range stringFields {
		if !read[name] || name == "id" || name == "price" || name == "price_text" {
			continue
		}
		empty := 0
		for _, it := range items {
			if itemField(it, name) == "" {
				empty++
			}
		}
		if empty > 0 {
			cr.Missing = append(cr.Missing, FieldMissing{Name: name, Empty: empty, Of: len(items)})
		}
	}
	return cr
}
