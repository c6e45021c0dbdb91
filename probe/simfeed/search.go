package simfeed

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// searchResults is how many results a search page shows.
const searchResults = 10

// maxQuery caps a query's length (bytes).
const maxQuery = 200

// search is one search a user made and the results it was served.
type search struct {
	at     time.Time
	query  string
	served []Served
}

// TruthSearch is one search in the truth: the query and the results
// served, by rank.
type TruthSearch struct {
	At     time.Time `json:"at"`
	Query  string    `json:"query"`
	Served []Served  `json:"served"`
}

// searchData is what the search page gets.
type searchData struct {
	Query string
	Items []card
}

// handleSearch serves the search page: a box and, for a query, the items
// whose title holds every word of it, ranked by the same recommender as
// the feed: popularity weighted by the user's learned affinity for the
// item's topic (when personalization is on), regional items only to their
// region. Each search is recorded in the truth.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery {
		http.Error(w, "query too long", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	u := s.identify(w, r)
	region := s.regionOf(r, u.timezone)
	var items []card
	if q != "" {
		served := s.searchItems(u, q, region)
		u.searches = append(u.searches, &search{at: s.now().UTC(), query: q, served: served})
		items = s.cards(served)
	}
	s.mu.Unlock()
	s.render(w, "search.html", searchData{Query: q, Items: items})
}

// searchItems ranks the items matching q for u. The caller holds s.mu.
func (s *Server) searchItems(u *user, q, region string) []Served {
	words := strings.Fields(strings.ToLower(q))
	personalize := u.settings.Personalized || s.violations.IgnoreSwitch
	aff := map[string]float64{}
	if personalize {
		aff = u.affinity()
	}
	type hit struct {
		i     int
		score float64
	}
	var hits []hit
	for i := range s.items {
		it := &s.items[i]
		if it.Region != "" && it.Region != region {
			continue
		}
		if u.settings.Minor && s.cfg.MinorFilter && !s.violations.MinorLeak && it.Harm != "" {
			continue
		}
		title := strings.ToLower(it.Title)
		if !allIn(words, title) {
			continue
		}
		hits = append(hits, hit{i, it.Popularity * (1 + s.cfg.Personalization*4*aff[it.Topic])})
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.i - b.i
	})
	var out []Served
	for _, h := range hits[:min(len(hits), searchResults)] {
		it := &s.items[h.i]
		out = append(out, Served{Item: it.ID, Rank: len(out) + 1, Price: s.shownPrice(u, it)})
	}
	return out
}

func allIn(words []string, s string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
