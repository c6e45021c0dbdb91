package simfeed

import (
	"maps"
	"slices"
	"time"
)

// Truth is the platform's ground truth: what every user was served and what
// the recommender believes about them. It is what GET /truth returns.
type Truth struct {
	Seed   int64       `json:"seed"`
	Config Config      `json:"config"`
	Users  []TruthUser `json:"users"`
}

// TruthUser is one user's ground truth.
type TruthUser struct {
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Settings Settings  `json:"settings"`
	// Affinity is the learned topic distribution (shares summing to 1);
	// empty for a user without engagement.
	Affinity map[string]float64 `json:"affinity"`
	// EngagedHarm counts opens and likes of harmful items per category.
	EngagedHarm map[string]int `json:"engaged_harm"`
	// Devices are the distinct X-SF-Device ids seen, in order of first use.
	Devices []string `json:"devices"`
	Opens   int      `json:"opens"`
	Likes   int      `json:"likes"`
	// NotInterested counts the user's "not interested" presses.
	NotInterested int          `json:"not_interested"`
	DwellMS       int64        `json:"dwell_ms"`
	PricedOpens   int          `json:"priced_opens"`
	Visits        []TruthVisit `json:"visits"`
	// Echo is what the user's last visit to the echo page reported; nil
	// when it never opened it.
	Echo *Echo `json:"echo,omitempty"`
	// Echoes are every report of the echo script, in order (the first
	// 256): the echo page's and those of item pages opened in a new tab.
	Echoes []Echo `json:"echoes,omitempty"`
	// PlayedMS is the media time the user played per video item (ms).
	PlayedMS map[string]int64 `json:"played_ms,omitempty"`
	// Searches are the user's searches with the results served.
	Searches []TruthSearch `json:"searches,omitempty"`
	// UpNext are the up-next lists the user's item pages showed.
	UpNext []TruthUpNext `json:"up_next,omitempty"`
	// Follows are the authors the user follows, sorted.
	Follows []string `json:"follows,omitempty"`
	// Stances are the affinity points the user earned on each stance of
	// the contested topic (Config.Stance), what the recommender leans by.
	Stances map[string]float64 `json:"stances,omitempty"`
}

// TruthVisit is one visit (one load of the feed page).
type TruthVisit struct {
	ID      int       `json:"id"`
	Started time.Time `json:"started"`
	// Region is the region the visit was seen from (Config.Regions); ""
	// for none.
	Region string `json:"region,omitempty"`
	// Served lists every item served in the visit in order, across pages.
	Served []Served `json:"served"`
}

// Served is one item served at a rank (from 1) with the price shown, 0 when
// the item has no price.
type Served struct {
	Item  string  `json:"item"`
	Rank  int     `json:"rank"`
	Price float64 `json:"price,omitempty"`
}

// Truth returns a deep copy of the ground truth. It is safe for concurrent
// use.
func (s *Server) Truth() Truth {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Truth{Seed: s.cfg.Seed, Config: s.configLocked(), Users: make([]TruthUser, 0, len(s.order))}
	for _, u := range s.order {
		t.Users = append(t.Users, truthUser(u))
	}
	return t
}

// truthUser copies u. The caller holds s.mu.
func truthUser(u *user) TruthUser {
	tu := TruthUser{
		ID:            u.id,
		Created:       u.created,
		Settings:      u.settings,
		Affinity:      u.affinity(),
		EngagedHarm:   maps.Clone(u.engagedHarm),
		Devices:       append([]string{}, u.devices...),
		Opens:         u.opens,
		Likes:         u.likes,
		NotInterested: u.notInterested,
		DwellMS:       u.dwellMS,
		PricedOpens:   u.pricedOpens,
		Visits:        make([]TruthVisit, 0, len(u.visits)),
	}
	for a := range u.follows {
		tu.Follows = append(tu.Follows, a)
	}
	slices.Sort(tu.Follows)
	for _, l := range u.upNext {
		tu.UpNext = append(tu.UpNext, TruthUpNext{At: l.at, Beside: l.beside, Served: append([]Served{}, l.served...)})
	}
	for _, q := range u.searches {
		tu.Searches = append(tu.Searches, TruthSearch{At: q.at, Query: q.query, Served: append([]Served{}, q.served...)})
	}
	if len(u.stances) > 0 {
		tu.Stances = maps.Clone(u.stances)
	}
	if len(u.playedMS) > 0 {
		tu.PlayedMS = maps.Clone(u.playedMS)
	}
	tu.Echoes = slices.Clone(u.echoes)
	if u.echo != nil {
		e := *u.echo
		tu.Echo = &e
	}
	for _, v := range u.visits {
		tu.Visits = append(tu.Visits, TruthVisit{ID: v.id, Started: v.started, Region: v.region, Served: append([]Served{}, v.served...)})
	}
	return tu
}
