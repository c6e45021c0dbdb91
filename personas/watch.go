package personas

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Watch is one entry of a watch list: an item to open and watch, the way
// guardoni and Hussein et al. train accounts on a list of videos.
type Watch struct {
	// URL is the page to open (relative to the campaign's base URL, or
	// absolute); Item is an item id, opened through the adapter's
	// watch.item_url. Exactly one is set.
	URL  string `json:"url,omitempty"`
	Item string `json:"item,omitempty"`
	// Time is how long to watch; ToEnd watches the media to its end (or,
	// on a page without media, for the persona's dwell).
	Time  time.Duration `json:"time_ns,omitempty"`
	ToEnd bool          `json:"to_end,omitempty"`
}

var watchFields = []string{"url", "item", "time"}

// itemIDRE is what an item id may be in a watch list: no spaces, no
// slashes' tricks; platform ids are opaque tokens.
var itemIDRE = regexp.MustCompile(`^[A-Za-z0-9._:~-]{1,200}$`)

// maxWatch caps one watch time: a watch list trains, it does not binge.
const maxWatch = time.Hour

// watchList decodes a watch list.
func (d *decoder) watchList(n *yaml.Node, path string) []Watch {
	l := d.nonEmptyList(n, path, "items to watch (- {item: ID, time: 30s})", "remove watch or add an item")
	if l == nil {
		return nil
	}
	var out []Watch
	for i, item := range l.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !d.expectMapping(item, p, "url or item, and time") {
			continue
		}
		f := d.mapping(item, p, watchFields)
		var w Watch
		ok := true
		u, it := f.get("url"), f.get("item")
		switch {
		case isNull(u) && isNull(it):
			d.add(resolve(item).Line, p, "give the url or the item id to watch")
			ok = false
		case !isNull(u) && !isNull(it):
			d.add(u.Line, p, "give either url or item, not both")
			ok = false
		case !isNull(u):
			w.URL, ok = d.str(u, join(p, "url"))
			if ok && (strings.TrimSpace(w.URL) == "" || strings.ContainsAny(w.URL, " \t\n")) {
				d.add(u.Line, join(p, "url"), "%q is not a URL or a path such as /item/42", w.URL)
				ok = false
			}
		default:
			w.Item, ok = d.str(it, join(p, "item"))
			if ok && !itemIDRE.MatchString(w.Item) {
				d.add(it.Line, join(p, "item"), "%q is not an item id (letters, digits and ._:~-)", w.Item)
				ok = false
			}
		}
		t := f.get("time")
		switch {
		case isNull(t):
			d.add(resolve(item).Line, join(p, "time"), "required field is missing; give a duration such as 30s, or end")
			ok = false
		case t.Kind == yaml.ScalarNode && t.Value == "end":
			w.ToEnd = true
		default:
			dur, good := d.duration(t, join(p, "time"))
			switch {
			case !good:
				ok = false
			case dur <= 0 || dur > maxWatch:
				d.add(t.Line, join(p, "time"), "%s must be above 0 and at most %v (or end)", t.Value, maxWatch)
				ok = false
			default:
				w.Time = dur
			}
		}
		if ok {
			out = append(out, w)
		}
	}
	return out
}

// Search is one entry of a search list: a query typed into the platform's
// search box, and how many of the results that match the persona's
// interests it opens.
type Search struct {
	Query string `json:"query"`
	// Open is how many matching results to open, from the top. Default 3;
	// 0 only reads the results.
	Open int `json:"open"`
}

var searchFields = []string{"query", "open"}

// Limits of a search list entry.
const (
	defaultSearchOpen = 3
	maxSearchOpen     = 50
	maxQueryLen       = 200
)

// searchList decodes a search list.
func (d *decoder) searchList(n *yaml.Node, path string) []Search {
	l := d.nonEmptyList(n, path, "searches (- {query: ..., open: 3})", "remove search or add a query")
	if l == nil {
		return nil
	}
	var out []Search
	for i, item := range l.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !d.expectMapping(item, p, "query and open") {
			continue
		}
		f := d.mapping(item, p, searchFields)
		s := Search{Open: defaultSearchOpen}
		ok := true
		q := f.get("query")
		if isNull(q) {
			d.add(resolve(item).Line, join(p, "query"), "required field is missing")
			ok = false
		} else if s.Query, ok = d.str(q, join(p, "query")); ok {
			s.Query = strings.TrimSpace(s.Query)
			if s.Query == "" || len(s.Query) > maxQueryLen {
				d.add(q.Line, join(p, "query"), "a query has 1 to %d bytes", maxQueryLen)
				ok = false
			}
		}
		if v := f.get("open"); !isNull(v) {
			k, good := d.count(v, join(p, "open"), 0)
			if good && k > maxSearchOpen {
				d.add(v.Line, join(p, "open"), "%d results is more than %d", k, maxSearchOpen)
				good = false
			}
			ok = ok && good
			s.Open = k
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}
