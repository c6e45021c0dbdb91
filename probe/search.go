package probe

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// SearchPage says where an adapter's platform searches: the page with the
// search box, the box, what submits it and where the results are.
type SearchPage struct {
	// URL is the page with the box; empty means the feed's page.
	URL string `yaml:"url" json:"url,omitempty"`
	// Box is the selector of the text field the query is typed into.
	Box string `yaml:"box" json:"box,omitempty"`
	// Submit is the selector of the button that submits the query; empty
	// means pressing Enter in the box.
	Submit string `yaml:"submit" json:"submit,omitempty"`
	// Results is the selector of the element that holds the results; the
	// results in it are read with the adapter's item selector and fields.
	Results string `yaml:"results" json:"results,omitempty"`
}

// SurfaceSearch is the surface of search results' impressions.
const SurfaceSearch = "search"

// resultsWait bounds the wait for a search's results.
const resultsWait = 10 * time.Second

// runSearchList types each query of the persona's search list into the
// platform's search box and reads the results: they are stored as
// impressions of the surface "search" (ranks go on from one query to the
// next), the query as a search action (value: the number of results), and
// the top results that match the persona's interests, up to the entry's
// open, are opened (their link followed) and looked at for a dwell,
// playing their media if they have some.
func (s *session) runSearchList() error {
	sp := s.cfg.Adapter.Search
	if len(s.cfg.Persona.Search) == 0 {
		return nil
	}
	if sp.Box == "" || sp.Results == "" {
		return fmt.Errorf("persona %s has a search list but adapter %s has no search box and results", s.cfg.Persona.Name, s.cfg.Adapter.Name)
	}
	page := sp.URL
	if page == "" {
		page = s.cfg.Adapter.FeedURL
	}
	pageURL, err := resolveURL(s.cfg.BaseURL, page)
	if err != nil {
		return fmt.Errorf("search page: %w", err)
	}
	for _, q := range s.cfg.Persona.Search {
		items, err := s.search(pageURL, q.Query)
		if err != nil {
			return fmt.Errorf("search %q: %w", q.Query, err)
		}
		at := s.now().UTC()
		imps := make([]feed.Impression, len(items))
		for i, it := range items {
			s.searchRank++
			imps[i] = feed.Impression{Item: it, Rank: s.searchRank, SeenAt: at, Surface: SurfaceSearch}
		}
		if err := s.sink.SaveImpressions(s.tab, s.cfg.SessionID, imps); err != nil {
			return err
		}
		acts := []feed.Action{{Kind: feed.ActionSearch, At: at, Value: float64(len(items)), Detail: q.Query}}
		if err := s.sink.SaveActions(s.tab, s.cfg.SessionID, acts); err != nil {
			return err
		}
		s.res.Searches++
		opened := 0
		for _, it := range items {
			if opened >= q.Open {
				break
			}
			if it.URL == "" || s.cfg.Persona.Match(it.Topic, it.Title) <= 0 {
				continue
			}
			if err := s.openResult(it, q.Query); err != nil {
				return err
			}
			opened++
		}
	}
	return nil
}

// search submits query on the search page and returns the results.
func (s *session) search(pageURL, query string) ([]feed.Item, error) {
	sp := s.cfg.Adapter.Search
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(pageURL)); err != nil {
		return nil, err
	}
	if b := s.blockedNow(); b != "" {
		return nil, fmt.Errorf("%w (%s)", ErrBlocked, b)
	}
	if err := s.waitFor(sp.Box, true, resultsWait); err != nil {
		return nil, fmt.Errorf("search box: %w", err)
	}
	// Clear the box, then type as a person would.
	if _, err := call(s, stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel) => { const e = document.querySelector(sel); e.focus(); e.value = ""; return true; }`, sp.Box))); err != nil {
		return nil, fmt.Errorf("search box: %w", err)
	}
	keys := query
	if sp.Submit == "" {
		keys += "\r"
	}
	if _, err := call(s, stepTimeout, chromedp.SendKeys(chromedp.CSS(sp.Box), keys)); err != nil {
		return nil, fmt.Errorf("type the query: %w", err)
	}
	if sp.Submit != "" {
		if err := s.clickGlobal(sp.Submit); err != nil {
			return nil, fmt.Errorf("submit the query: %w", err)
		}
	}
	if err := s.waitFor(sp.Results, true, resultsWait); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	html, err := call(s, stepTimeout, chromedp.Evaluate[string](jsCall(`(sel) => document.querySelector(sel).outerHTML`, sp.Results)))
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	loc, err := call(s, stepTimeout, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("results page address %q: %w", loc, err)
	}
	return s.cfg.Adapter.ExtractHTML(strings.NewReader(html), base)
}

// openResult follows a result's link and spends a dwell on it, playing its
// media if it has some; it stores the open, the watch (with media) and
// the dwell.
func (s *session) openResult(it feed.Item, query string) error {
	opened := s.now().UTC()
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(it.URL)); err != nil {
		return fmt.Errorf("open result %s: %w", it.ID, err)
	}
	s.res.Opens++
	if err := s.readUpNext(it.ID); err != nil {
		return err
	}
	dwell := s.cfg.Persona.Behaviour.Dwell.Sample(s.rng)
	played, hasMedia, err := s.dwellOn(s.tab, dwell)
	if err != nil {
		return fmt.Errorf("dwell on result %s: %w", it.ID, err)
	}
	acts := []feed.Action{{ItemID: it.ID, Kind: feed.ActionOpen, At: opened, Detail: "search: " + query}}
	if hasMedia {
		acts = append(acts, feed.Action{ItemID: it.ID, Kind: feed.ActionWatch, At: opened, Value: played})
	}
	left := s.now().UTC()
	acts = append(acts, feed.Action{ItemID: it.ID, Kind: feed.ActionDwell, At: left, Value: left.Sub(opened).Seconds()})
	return s.sink.SaveActions(s.tab, s.cfg.SessionID, acts)
}
