package probe

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// Capture says where the platform's own data about the feed is: which
// network responses carry items and which JSON the HTML document embeds,
// with paths (see JSONPath) to the item list and to each field. A session
// with a capture block records what the platform sent as well as what the
// page drew; the item selector, when the adapter has one, is the fallback
// and tells which items reached the screen.
//
//	capture:
//	  max_body_bytes: 4194304       # bodies above are skipped (default 8 MiB)
//	  max_items: 500                # items read from one body (default 1000)
//	  fields: {id: aweme_id, title: desc}   # default fields of every rule
//	  responses:
//	    - url: '/aweme/v1/web/tab/feed/'    # a regular expression on the full URL
//	      method: GET                       # default GET
//	      content_type: json                # a substring of the MIME type; default json
//	      items: aweme_list
//	  embedded:
//	    - script: 'script#RENDER_DATA'      # an element whose text is JSON or `x = JSON`
//	      items: 'app.feed.items[*]'
//	    - push: 'self.__feed'               # chunks pushed with self.__feed.push(JSON)
//	      items: 'items'
type Capture struct {
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes,omitempty"`
	MaxItems     int   `yaml:"max_items" json:"max_items,omitempty"`
	// Fields are the field paths of every rule that gives none.
	Fields    map[string]string `yaml:"fields" json:"fields,omitempty"`
	Responses []CaptureResponse `yaml:"responses" json:"responses,omitempty"`
	Embedded  []CaptureEmbedded `yaml:"embedded" json:"embedded,omitempty"`

	rules []compiledRule
}

// CaptureResponse selects network responses that carry items.
type CaptureResponse struct {
	// URL is a regular expression matched against the response's full URL.
	URL string `yaml:"url" json:"url"`
	// Method is the request method; empty means GET.
	Method string `yaml:"method" json:"method,omitempty"`
	// ContentType is a substring of the response's MIME type; empty means
	// "json".
	ContentType string            `yaml:"content_type" json:"content_type,omitempty"`
	Items       string            `yaml:"items" json:"items"`
	Fields      map[string]string `yaml:"fields" json:"fields,omitempty"`
}

// CaptureEmbedded selects JSON embedded in the HTML document the platform
// sent: the text of an element (Script, a CSS selector such as
// `script#__NEXT_DATA__` or `script[type="application/json"]`), or the
// chunks a script pushes into a global array (Push, the array's name as
// written before ".push(").
type CaptureEmbedded struct {
	Script string            `yaml:"script" json:"script,omitempty"`
	Push   string            `yaml:"push" json:"push,omitempty"`
	Items  string            `yaml:"items" json:"items"`
	Fields map[string]string `yaml:"fields" json:"fields,omitempty"`
}

type compiledRule struct {
	url         *regexp.Regexp // responses
	method      string
	contentType string
	script      cascadia.Selector // embedded
	push        string
	paths       ItemPaths
}

// Limits returns the capture's limits on one body.
func (c *Capture) Limits() CaptureLimits {
	return CaptureLimits{MaxBodyBytes: c.MaxBodyBytes, MaxItems: c.MaxItems}.withDefaults()
}

// compileCapture validates the capture block; fail reports an error at a
// path of YAML keys.
func (c *Capture) compile(fail func(msg string, path ...string)) {
	if len(c.Responses) == 0 && len(c.Embedded) == 0 {
		fail("a capture block needs responses, embedded or both", "capture")
	}
	if c.MaxBodyBytes < 0 || c.MaxItems < 0 {
		fail("limits must not be negative", "capture")
	}
	paths := func(items string, fields map[string]string, path ...string) (ItemPaths, bool) {
		if len(fields) == 0 {
			fields = c.Fields
		}
		if _, ok := fields["id"]; !ok {
			fail("missing: captured items need an id path (here or in capture.fields)", append(path, "fields", "id")...)
			return ItemPaths{}, false
		}
		ip, err := CompileItemPaths(items, fields)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				fail(line, path...)
			}
			return ip, false
		}
		return ip, true
	}
	for i, r := range c.Responses {
		at := []string{"capture", "responses", strconv.Itoa(i)}
		cr := compiledRule{method: strings.ToUpper(r.Method), contentType: strings.ToLower(r.ContentType)}
		if cr.method == "" {
			cr.method = "GET"
		}
		if cr.contentType == "" {
			cr.contentType = "json"
		}
		if r.URL == "" {
			fail("missing: a regular expression matching the response URL", append(at, "url")...)
			continue
		}
		re, err := regexp.Compile(r.URL)
		if err != nil {
			fail(fmt.Sprintf("bad regular expression: %v", err), append(at, "url")...)
			continue
		}
		cr.url = re
		ip, ok := paths(r.Items, r.Fields, at...)
		if !ok {
			continue
		}
		cr.paths = ip
		c.rules = append(c.rules, cr)
	}
	for i, e := range c.Embedded {
		at := []string{"capture", "embedded", strconv.Itoa(i)}
		var cr compiledRule
		switch {
		case (e.Script == "") == (e.Push == ""):
			fail("give script (a CSS selector) or push (an array name), not both", at...)
			continue
		case e.Script != "":
			sel, err := cascadia.Compile(e.Script)
			if err != nil {
				fail(fmt.Sprintf("bad CSS selector %q: %v", e.Script, err), append(at, "script")...)
				continue
			}
			cr.script = sel
		default:
			cr.push = e.Push
		}
		ip, ok := paths(e.Items, e.Fields, at...)
		if !ok {
			continue
		}
		cr.paths = ip
		c.rules = append(c.rules, cr)
	}
}

// MatchResponse reports whether a response of that method, URL and MIME
// type is one the capture block reads. Only the bodies of matching
// responses are ever read.
func (c *Capture) MatchResponse(method, rawURL, mimeType string) bool {
	return c.responseRule(method, rawURL, mimeType) >= 0
}

func (c *Capture) responseRule(method, rawURL, mimeType string) int {
	mimeType = strings.ToLower(mimeType)
	for i, r := range c.rules {
		if r.url != nil && strings.EqualFold(r.method, method) && strings.Contains(mimeType, r.contentType) && r.url.MatchString(rawURL) {
			return i
		}
	}
	return -1
}

// ExtractResponse reads the items of a response body that MatchResponse
// accepted, in the order the body lists them. It returns ErrBodyTooLarge or
// ErrTooDeep (wrapped) for a body over the limits, and an error for a body
// that is not JSON; a matching rule that finds no items is not an error.
func (c *Capture) ExtractResponse(method, rawURL, mimeType string, body []byte) ([]feed.Item, error) {
	i := c.responseRule(method, rawURL, mimeType)
	if i < 0 {
		return nil, nil
	}
	return c.extractWith(i, rawURL, body)
}

// ExtractResponseRaw is ExtractResponse with each item's JSON.
func (c *Capture) ExtractResponseRaw(method, rawURL, mimeType string, body []byte) ([]feed.RawItem, error) {
	i := c.responseRule(method, rawURL, mimeType)
	if i < 0 {
		return nil, nil
	}
	lim := c.Limits()
	doc, err := DecodeJSONBody(body, lim)
	if err != nil {
		return nil, fmt.Errorf("response %s: %w", rawURL, err)
	}
	base, _ := url.Parse(rawURL)
	return c.rules[i].paths.RawItemsFrom(doc, base, lim.MaxItems), nil
}

// ExtractBody reads a stored body again (a `response` evidence file, whose
// reason is "METHOD URL"): the first response rule whose method and URL
// match reads it, whatever its MIME type was. It is what a re-extraction
// with a corrected adapter calls; nil and no error when no rule matches.
func (c *Capture) ExtractBody(method, rawURL string, body []byte) ([]feed.Item, error) {
	for i, r := range c.rules {
		if r.url != nil && strings.EqualFold(r.method, method) && r.url.MatchString(rawURL) {
			return c.extractWith(i, rawURL, body)
		}
	}
	return nil, nil
}

// ExtractBodyRaw is ExtractBody with each item's JSON (feed.RawItem);
// matched says whether a response rule read the body.
func (c *Capture) ExtractBodyRaw(method, rawURL string, body []byte) (items []feed.RawItem, matched bool, err error) {
	for _, r := range c.rules {
		if r.url != nil && strings.EqualFold(r.method, method) && r.url.MatchString(rawURL) {
			lim := c.Limits()
			doc, err := DecodeJSONBody(body, lim)
			if err != nil {
				return nil, true, fmt.Errorf("response %s: %w", rawURL, err)
			}
			base, _ := url.Parse(rawURL)
			return r.paths.RawItemsFrom(doc, base, lim.MaxItems), true, nil
		}
	}
	return nil, false, nil
}

func (c *Capture) extractWith(i int, rawURL string, body []byte) ([]feed.Item, error) {
	lim := c.Limits()
	doc, err := DecodeJSONBody(body, lim)
	if err != nil {
		return nil, fmt.Errorf("response %s: %w", rawURL, err)
	}
	base, _ := url.Parse(rawURL)
	return c.rules[i].paths.ItemsFrom(doc, base, lim.MaxItems), nil
}

// ExtractDocument reads the items of the JSON that an HTML document embeds,
// rule by rule in the order of the capture block, each rule's chunks in
// document order; base resolves relative URLs and may be nil. Elements whose
// text is not JSON are skipped; it never fails on a page without them.
func (c *Capture) ExtractDocument(html []byte, base *url.URL) []feed.Item {
	raw := c.extractDocument(html, base, false)
	if raw == nil {
		return nil
	}
	items := make([]feed.Item, len(raw))
	for i, r := range raw {
		items[i] = r.Item
	}
	return items
}

// ExtractDocumentRaw is ExtractDocument with each item's JSON.
func (c *Capture) ExtractDocumentRaw(html []byte, base *url.URL) []feed.RawItem {
	return c.extractDocument(html, base, true)
}

func (c *Capture) extractDocument(html []byte, base *url.URL, withRaw bool) []feed.RawItem {
	if !slices.ContainsFunc(c.rules, func(r compiledRule) bool { return r.url == nil }) {
		return nil
	}
	lim := c.Limits()
	if int64(len(html)) > lim.MaxBodyBytes {
		return nil
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(html)))
	if err != nil {
		return nil
	}
	var items []feed.RawItem
	for _, r := range c.rules {
		var docs []any
		switch {
		case r.script != nil:
			doc.FindMatcher(r.script).Each(func(_ int, s *goquery.Selection) {
				if v, err := parseEmbeddedJSON(s.Text()); err == nil {
					docs = append(docs, v)
				}
			})
		case r.push != "":
			doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				docs = append(docs, pushedJSON(s.Text(), r.push, lim)...)
			})
		}
		for _, d := range docs {
			left := lim.MaxItems - len(items)
			if left <= 0 {
				return items
			}
			if withRaw {
				items = append(items, r.paths.RawItemsFrom(d, base, left)...)
				continue
			}
			for _, it := range r.paths.ItemsFrom(d, base, left) {
				items = append(items, feed.RawItem{Item: it})
			}
		}
	}
	return items
}

// HasEmbedded reports whether the capture block reads the HTML document.
func (c *Capture) HasEmbedded() bool { return len(c.Embedded) > 0 }

// checkFeedScheme refuses a feed URL with a scheme other than http(s): an
// adapter must never point the browser at local files or other schemes.
func checkFeedScheme(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad URL: %w", err)
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q refused: only http and https", u.Scheme)
	}
	if u.Scheme == "" && u.Opaque != "" {
		return fmt.Errorf("%q is not a URL path", raw)
	}
	return nil
}
