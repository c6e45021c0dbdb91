package simfeed

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"
)

// Settings are a user's choices on the settings page.
type Settings struct {
	Personalized bool `json:"personalized"`
	Minor        bool `json:"minor"`
}

// maxDevices caps the device ids remembered per user.
const maxDevices = 64

// user is one platform user's state. Guarded by Server.mu.
type user struct {
	id            string
	created       time.Time
	settings      Settings
	counts        map[string]float64 // topic affinity counts
	engagedHarm   map[string]int     // opens and likes of harmful items per category
	devices       []string
	opens         int
	likes         int
	dwellMS       int64
	pricedOpens   int
	liked         map[string]bool
	notWanted     map[string]bool // topics the user said "not interested" in
	notInterested int             // "not interested" presses
	visits        []*visit
	echo          *Echo            // the last echo page's report
	echoes        []Echo           // every report, the first maxEchoes
	timezone      string           // the time zone the user's pages last reported ("": none)
	playedMS      map[string]int64 // media time played per video item
	playViews     map[string]int64 // "item/view" -> the view's last total
	searches      []*search
	upNext        []*upNext
	follows       map[string]bool    // authors followed
	stances       map[string]float64 // affinity points earned on each stance (Config.Stance)
}

// visit is one load of the feed page and every batch served during it.
type visit struct {
	id       int
	started  time.Time
	served   []Served
	pages    [][]Served   // pages[i] is page i+1, sharing served's backing entries
	excluded map[int]bool // catalogue indices already served in this cycle
	// region is the region the visit came from ("": none).
	region string
}

func newUser(id string, now time.Time) *user {
	return &user{
		id:          id,
		created:     now,
		settings:    Settings{Personalized: true},
		counts:      map[string]float64{},
		engagedHarm: map[string]int{},
		liked:       map[string]bool{},
		notWanted:   map[string]bool{},
		playedMS:    map[string]int64{},
		follows:     map[string]bool{},
		playViews:   map[string]int64{},
		stances:     map[string]float64{},
	}
}

// engagement returns the user's affinity points over all topics.
func (u *user) engagement() float64 {
	var total float64
	for _, c := range u.counts {
		total += c
	}
	return total
}

// affinity returns the user's topic counts normalized to sum to 1, or an
// empty map when the user has no engagement yet.
func (u *user) affinity() map[string]float64 {
	var total float64
	for _, c := range u.counts {
		total += c
	}
	aff := make(map[string]float64, len(u.counts))
	if total <= 0 {
		return aff
	}
	for t, c := range u.counts {
		if c > 0 {
			aff[t] = c / total
		}
	}
	return aff
}

func (u *user) addDevice(id string) {
	if id == "" || len(u.devices) >= maxDevices {
		return
	}
	for _, d := range u.devices {
		if d == id {
			return
		}
	}
	u.devices = append(u.devices, id)
}

// recordOpen learns from an item open: +1 for its topic.
func (s *Server) recordOpen(u *user, it *Item) {
	u.opens++
	s.learn(u, it, 1)
	if it.Harm != "" {
		u.engagedHarm[it.Harm]++
	}
	if it.Price > 0 {
		u.pricedOpens++
	}
}

// learn adds affinity points for the item's topic (and its stance, for an
// item of the contested topic), unless the user said it does not want the
// topic (and the platform honours that). The caller holds s.mu.
func (s *Server) learn(u *user, it *Item, points float64) {
	if u.notWanted[it.Topic] && !s.violations.IgnoreNotInterested {
		return
	}
	u.counts[it.Topic] += points
	if it.Stance != "" {
		u.stances[it.Stance] += points
	}
}

// recordNotInterested deletes the user's interest in the item's topic and
// stops learning it again ("not interested", Article 17(2)); with the
// planted violation IgnoreNotInterested the press is recorded and ignored.
func (s *Server) recordNotInterested(u *user, it *Item) {
	u.notInterested++
	if s.violations.IgnoreNotInterested {
		return
	}
	u.notWanted[it.Topic] = true
	delete(u.counts, it.Topic)
}

// recordDwell learns from dwell: up to +2 for the item's topic, reached at
// Config.DwellFullMS.
func (s *Server) recordDwell(u *user, it *Item, ms int64) {
	u.dwellMS += ms
	s.learn(u, it, 2*min(float64(ms)/float64(s.cfg.DwellFullMS), 1))
}

// recordLike learns from a like: +3 for the item's topic. Liking an item
// again changes nothing.
func (s *Server) recordLike(u *user, it *Item) {
	if u.liked[it.ID] {
		return
	}
	u.liked[it.ID] = true
	u.likes++
	s.learn(u, it, 3)
	if it.Harm != "" {
		u.engagedHarm[it.Harm]++
	}
}

// recordFollow learns from a follow of the item's author: +3 for the
// item's topic, once per author.
func (s *Server) recordFollow(u *user, it *Item) {
	if u.follows[it.Author] {
		return
	}
	u.follows[it.Author] = true
	s.learn(u, it, 3)
}

// shownPrice is the price user u sees for it right now; 0 for unpriced items.
func (s *Server) shownPrice(u *user, it *Item) float64 {
	if it.Price <= 0 {
		return 0
	}
	if u.pricedOpens >= s.cfg.PriceHistoryOpens && s.cfg.PriceByHistory != 0 {
		return round2(it.Price * (1 + s.cfg.PriceByHistory))
	}
	return it.Price
}

// batchRand seeds the randomness of one batch from the platform seed, the
// user, the visit and the page.
func batchRand(seed int64, uid string, visitID, page int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(seed, 10) + "/" + uid + "/" + strconv.Itoa(visitID) + "/" + strconv.Itoa(page)))
	sum := h.Sum64()
	return rand.New(rand.NewPCG(sum, sum^0x9e3779b97f4a7c15))
}

// slotPolicy is what the recommender may do for one batch.
type slotPolicy struct {
	rng        *rand.Rand
	v          *visit
	filterHarm bool
	topicW     []float64 // per topicList entry
	boostHarm  []float64 // per harmList entry; nil when the boost is off
	// stanceSlot is the probability that a slot holds an item of the
	// contested topic, of a stance drawn by stanceW (Config.Stance).
	stanceSlot float64
	stanceW    []float64
}

func (p *slotPolicy) eligible(s *Server, i int) bool {
	it := &s.items[i]
	return !p.v.excluded[i] && !(p.filterHarm && it.Harm != "") && (it.Region == "" || it.Region == p.v.region)
}

// nextBatch chooses the next page of the visit and records it. The caller
// holds s.mu.
func (s *Server) nextBatch(u *user, v *visit, page int) []Served {
	viol := s.violations
	personalize := u.settings.Personalized || viol.IgnoreSwitch
	p := &slotPolicy{
		rng:        batchRand(s.cfg.Seed, u.id, v.id, page),
		v:          v,
		filterHarm: u.settings.Minor && s.cfg.MinorFilter && !viol.MinorLeak,
		topicW:     make([]float64, len(topicList)),
	}
	aff := u.affinity()
	share, conf := 0.0, 1.0
	if personalize && len(aff) > 0 {
		if c := s.cfg.Confidence; c > 0 {
			e := u.engagement()
			conf = e / (e + c)
		}
		share = s.cfg.Personalization * conf
	}
	if st := s.cfg.Stance; st != nil && personalize {
		p.stanceSlot = st.Share * aff[st.Topic] * conf
		p.stanceW = s.stanceWeights(u)
	}
	for i, t := range topicList {
		p.topicW[i] = (1-share)*s.topicPop[i] + share*aff[t]
	}
	if personalize && s.cfg.HarmfulBoost > 0 && len(u.engagedHarm) > 0 {
		p.boostHarm = make([]float64, len(harmList))
		for i, h := range harmList {
			p.boostHarm[i] = float64(u.engagedHarm[h])
		}
	}

	start := len(v.served)
	for range s.cfg.BatchSize {
		idx := s.pickSlot(p)
		if idx < 0 && len(v.excluded) > 0 {
			// Every eligible item was served in this visit: allow repeats.
			clear(v.excluded)
			idx = s.pickSlot(p)
		}
		if idx < 0 {
			break
		}
		v.excluded[idx] = true
		it := &s.items[idx]
		v.served = append(v.served, Served{Item: it.ID, Rank: len(v.served) + 1, Price: s.shownPrice(u, it)})
	}
	batch := v.served[start:len(v.served):len(v.served)]
	v.pages = append(v.pages, batch)
	return batch
}

// pickSlot returns the catalogue index for one slot, or -1 when no item is
// eligible.
func (s *Server) pickSlot(p *slotPolicy) int {
	if reg := p.v.region; reg != "" {
		if p.rng.Float64() < s.regionShare(reg) {
			if idx := s.pickByPopularity(p, s.byRegion[reg]); idx >= 0 {
				return idx
			}
		}
	}
	if p.stanceSlot > 0 && p.rng.Float64() < p.stanceSlot {
		if k := pickIndex(p.rng, p.stanceW); k >= 0 {
			if idx := s.pickByPopularity(p, s.byStance[k]); idx >= 0 {
				return idx
			}
		}
	}
	if p.boostHarm != nil && p.rng.Float64() < s.cfg.HarmfulBoost {
		if h := pickIndex(p.rng, p.boostHarm); h >= 0 {
			if idx := s.pickByPopularity(p, s.byHarm[harmList[h]]); idx >= 0 {
				return idx
			}
		}
	}
	if p.rng.Float64() < s.cfg.Exploration {
		return s.pickUniform(p)
	}
	w := append([]float64(nil), p.topicW...)
	for range len(w) {
		t := pickIndex(p.rng, w)
		if t < 0 {
			break
		}
		if idx := s.pickByPopularity(p, s.byTopic[t]); idx >= 0 {
			return idx
		}
		w[t] = 0 // nothing eligible left in this topic
	}
	return s.pickUniform(p)
}

// regionShare is the share of slots region reg fills.
func (s *Server) regionShare(reg string) float64 {
	for _, r := range s.cfg.Regions {
		if r.Name == reg {
			return r.Share
		}
	}
	return 0
}

// pickByPopularity picks an eligible item among candidates with probability
// proportional to popularity, or returns -1.
func (s *Server) pickByPopularity(p *slotPolicy, candidates []int) int {
	var total float64
	for _, i := range candidates {
		if p.eligible(s, i) {
			total += s.items[i].Popularity
		}
	}
	if total <= 0 {
		return -1
	}
	r := p.rng.Float64() * total
	last := -1
	for _, i := range candidates {
		if !p.eligible(s, i) {
			continue
		}
		last = i
		r -= s.items[i].Popularity
		if r < 0 {
			return i
		}
	}
	return last // rounding
}

// pickUniform picks an eligible item uniformly, or returns -1.
func (s *Server) pickUniform(p *slotPolicy) int {
	n := 0
	for i := range s.items {
		if p.eligible(s, i) {
			n++
		}
	}
	if n == 0 {
		return -1
	}
	k := p.rng.IntN(n)
	for i := range s.items {
		if p.eligible(s, i) {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return -1
}

// pickIndex picks an index with probability proportional to its weight, or
// returns -1 when all weights are zero.
func pickIndex(rng *rand.Rand, w []float64) int {
	var total float64
	for _, x := range w {
		total += x
	}
	if total <= 0 {
		return -1
	}
	r := rng.Float64() * total
	last := -1
	for i, x := range w {
		if x <= 0 {
			continue
		}
		last = i
		r -= x
		if r < 0 {
			return i
		}
	}
	return last
}
