package simfeed

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// Pages for the compliance experiments.
//
// /shop is a product listing: the ShopSize most popular priced items, in
// the same order for everyone (a category page), in the main feed's
// markup, each at the price shown to the user (Config.PriceByHistory), so
// twins that differ only in history fetch the same items at the same
// moment (Article 21). It starts a visit like the feed; scrolling past it
// continues with the recommender's feed.
//
// The planted Article 11 violation: /hot/for-you is the hot-search page
// of /hot (same markup, same JSON in script#sf-hot-state, so the
// simfeed-hot adapter reads it with feed_url: /hot/for-you) but its list
// is ranked by the user's own topic affinity: a "hot list" that differs by
// persona. /hot stays the honest list, the same for everyone.

// hotForYouBoost is how much a user's affinity for a topic multiplies the
// popularity of its items on the planted list.
const hotForYouBoost = 20

// ShopSize is the number of products on /shop.
const ShopSize = 30

func (s *Server) complianceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /hot/for-you", s.handleHotForYou)
	mux.HandleFunc("GET /shop", s.handleShop)
}

// Shop returns the item IDs of /shop in order: the ShopSize most popular
// priced items. Safe for concurrent use.
func (s *Server) Shop() []string {
	var idx []int
	for i, it := range s.items {
		if it.Price > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(s.items[b].Popularity, s.items[a].Popularity), strings.Compare(s.items[a].ID, s.items[b].ID))
	})
	var ids []string
	for _, i := range idx[:min(len(idx), ShopSize)] {
		ids = append(ids, s.items[i].ID)
	}
	return ids
}

func (s *Server) handleShop(w http.ResponseWriter, r *http.Request) {
	shop := s.Shop()
	s.mu.Lock()
	u := s.identify(w, r)
	v := &visit{id: len(u.visits) + 1, started: s.now().UTC(), excluded: map[int]bool{}, region: s.regionOf(r, u.timezone)}
	u.visits = append(u.visits, v)
	for _, id := range shop {
		i := s.index[id]
		v.excluded[i] = true
		v.served = append(v.served, Served{Item: id, Rank: len(v.served) + 1, Price: s.shownPrice(u, &s.items[i])})
	}
	v.pages = append(v.pages, v.served[:len(v.served):len(v.served)])
	data := feedData{Visit: v.id, Items: s.cards(v.served)}
	s.mu.Unlock()
	s.render(w, "feed.html", data)
}

// HotFor returns the item IDs of the planted personalized hot list of the
// user with the given ID, in rank order: items ranked by popularity times
// 1 + 20 x the user's affinity for their topic; the honest Hot list for
// an unknown user or one without engagement. Safe for concurrent use.
func (s *Server) HotFor(userID string) []string {
	s.mu.Lock()
	var aff map[string]float64
	if u, ok := s.users[userID]; ok {
		aff = u.affinity()
	}
	s.mu.Unlock()
	return s.hotFor(aff)
}

func (s *Server) hotFor(aff map[string]float64) []string {
	if len(aff) == 0 {
		return s.Hot()
	}
	idx := make([]int, 0, len(s.items))
	for i, it := range s.items {
		if !it.Sponsored {
			idx = append(idx, i)
		}
	}
	score := func(i int) float64 {
		it := &s.items[i]
		return it.Popularity * (1 + hotForYouBoost*aff[it.Topic])
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(score(b), score(a)), strings.Compare(s.items[a].ID, s.items[b].ID))
	})
	var ids []string
	for _, i := range idx[:min(len(idx), HotSize)] {
		ids = append(ids, s.items[i].ID)
	}
	return ids
}

func (s *Server) handleHotForYou(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.identify(w, r)
	aff := u.affinity()
	s.mu.Unlock()
	var list []hotEntry
	for i, id := range s.hotFor(aff) {
		it := &s.items[s.index[id]]
		list = append(list, hotEntry{Rank: i + 1, ItemID: it.ID, Word: it.Title, Heat: int64(it.Popularity * 10000),
			Topic: it.Topic, URL: "/item/" + it.ID, Ad: it.Sponsored})
	}
	s.render(w, "layout-hot.html", layoutData{State: stateJSON(map[string]any{"data": map[string]any{"realtime": list}})})
}
