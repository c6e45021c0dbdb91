package simfeed

import (
	"slices"
	"time"
)

// upNextSize is how many items an item page's up-next list shows.
const upNextSize = 5

// upNext is one up-next list served beside an item.
type upNext struct {
	at     time.Time
	beside string
	served []Served
}

// TruthUpNext is an up-next list in the truth: the item whose page showed
// it and the items it served, by rank.
type TruthUpNext struct {
	At     time.Time `json:"at"`
	Beside string    `json:"beside"`
	Served []Served  `json:"served"`
}

// itemPage is what item.html gets: the item and its up-next list.
type itemPage struct {
	detail
	UpNext []card
}

// upNextOf chooses and records the up-next list beside item it for u,
// from the same recommender as the feed: items of the item's topic first
// (three times the weight), weighted by popularity and the user's topic
// affinity and, for items of the contested topic, the user's lean toward
// their stance (Stance.Lean); the item itself and items of other regions
// left out. The caller holds s.mu.
func (s *Server) upNextOf(u *user, it *Item, region string) []Served {
	personalize := u.settings.Personalized || s.violations.IgnoreSwitch
	aff := map[string]float64{}
	if personalize {
		aff = u.affinity()
	}
	type hit struct {
		i     int
		score float64
	}
	hits := make([]hit, 0, len(s.items))
	for i := range s.items {
		c := &s.items[i]
		if c.ID == it.ID || c.Region != "" && c.Region != region {
			continue
		}
		if u.settings.Minor && s.cfg.MinorFilter && !s.violations.MinorLeak && c.Harm != "" {
			continue
		}
		w := c.Popularity * (1 + 4*s.cfg.Personalization*aff[c.Topic])
		if c.Topic == it.Topic {
			w *= 3
		}
		w *= s.upNextLean(u, c, personalize)
		hits = append(hits, hit{i, w})
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
	for _, h := range hits[:min(len(hits), upNextSize)] {
		c := &s.items[h.i]
		out = append(out, Served{Item: c.ID, Rank: len(out) + 1, Price: s.shownPrice(u, c)})
	}
	u.upNext = append(u.upNext, &upNext{at: s.now().UTC(), beside: it.ID, served: out})
	return out
}
