package simfeed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The stances of a contested topic's items (Config.Stance).
const (
	StancePromoting = "promoting"
	StanceNeutral   = "neutral"
	StanceDebunking = "debunking"
)

// Stances returns the three stances in a fixed order: promoting, neutral,
// debunking. Each call returns a new slice.
func Stances() []string { return []string{StancePromoting, StanceNeutral, StanceDebunking} }

// StanceCategory is the label category a stance is written under in the
// truth's labels (Item.TruthLabels): 1 promoting, 0 neutral, -1
// debunking, the label score convention of SERP-MS.
const StanceCategory = HarmMisinformation

// Stance plants a contested topic whose items take a stance, the setting
// of watch-history audits (Hussein et al., CSCW 2020): promoting items
// (label score +1), neutral ones (0) and debunking ones (-1). A user who
// engaged with the topic gets a share of its feed slots from it, and the
// recommender leans toward the stances the user engaged with, in the feed
// and in up-next lists. Stance items are never harmful by Item.Harm; their
// truth labels carry the stance (StanceCategory).
type Stance struct {
	// Topic names the contested topic ([a-z0-9-], 1 to 32 characters, not
	// one of Topics()); it is its items' topic and fills their titles.
	Topic string `yaml:"topic" json:"topic"`
	// Items is the number of items of each stance. Default 30.
	Items int `yaml:"items" json:"items,omitempty"`
	// Share is the share of feed slots that hold an item of the topic for
	// a user whose every engagement was with it, in (0,1]: a user's
	// share is Share × the topic's share of its affinity × the
	// confidence factor e/(e+Confidence). Default 0.5.
	Share float64 `yaml:"share" json:"share,omitempty"`
	// Lean is how much the stances a user engaged with decide which
	// stance a topic slot holds, in [0,1]: a stance's weight is
	// (1-Lean)/3 + Lean × its share of the user's stance engagement. In
	// up-next lists an item's weight is multiplied by 1 + 9 × Lean × that
	// share. 0 serves stances by popularity alone. Default 0.8.
	Lean *float64 `yaml:"lean" json:"lean,omitempty"`
}

// Defaults of a stance topic.
const (
	defaultStanceItems = 30
	defaultStanceShare = 0.5
	defaultStanceLean  = 0.8
	maxStanceItems     = 10000
)

var stanceTopicRE = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// lean is the stance's lean with its default.
func (st *Stance) lean() float64 {
	if st.Lean == nil {
		return defaultStanceLean
	}
	return *st.Lean
}

// checkStance validates and completes c.Stance (defaults).
func (c *Config) checkStance() error {
	st := c.Stance
	if st == nil {
		return nil
	}
	switch {
	case !stanceTopicRE.MatchString(st.Topic):
		return fmt.Errorf("stance.topic %q: want [a-z0-9-], 1 to 32 characters", st.Topic)
	case slices.Contains(topicList, st.Topic) || strings.HasPrefix(st.Topic, "local-"):
		return fmt.Errorf("stance.topic %q is a topic of the catalogue; name a topic of its own", st.Topic)
	}
	if st.Items == 0 {
		st.Items = defaultStanceItems
	}
	if st.Items < 1 || st.Items > maxStanceItems {
		return fmt.Errorf("stance.items %d out of range [1,%d]", st.Items, maxStanceItems)
	}
	if st.Share == 0 {
		st.Share = defaultStanceShare
	}
	if !(st.Share > 0 && st.Share <= 1) {
		return fmt.Errorf("stance.share %v out of range (0,1]", st.Share)
	}
	if l := st.lean(); !(l >= 0 && l <= 1) {
		return fmt.Errorf("stance.lean %v out of range [0,1]", l)
	}
	return nil
}

// stanceTitles are the title templates of each stance; {x} is the topic
// in words and {n} a number. No template holds a term of HarmLexicon.
var stanceTitles = map[string][]string{
	StancePromoting: {"The truth they hide about {x}", "{x}: what they don't want you to know", "Why I stopped trusting the {x} experts",
		"Exposed: the {x} cover-up, part {n}", "{n} reasons the official {x} story is a lie"},
	StanceNeutral: {"{x}: the questions people ask", "A short history of {x}", "{x} explained in {n} minutes",
		"What we know about {x} so far", "{x}: a reporter's notebook, day {n}"},
	StanceDebunking: {"Fact check: {n} myths about {x}", "Debunked: the {x} conspiracy theory", "What the evidence says about {x}",
		"Scientists answer {n} claims about {x}", "How {x} rumours spread, and why they are wrong"},
}

// stanceStream is the PCG stream of the stance items.
const stanceStream = 0x57a4ce

// stanceItems generates the planted stance items after the catalogue's n
// items: Items of each stance, in Stances() order, with lognormal
// popularity like the catalogue's.
func stanceItems(cfg Config, n int) []Item {
	st := cfg.Stance
	if st == nil {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), stanceStream))
	words := strings.ReplaceAll(st.Topic, "-", " ")
	var out []Item
	for _, stance := range Stances() {
		for range st.Items {
			n++
			title := strings.NewReplacer("{x}", words, "{n}", strconv.Itoa(2+rng.IntN(19))).Replace(pick(rng, stanceTitles[stance]))
			pop := math.Round(math.Exp(1+1.3*rng.NormFloat64())*1000) / 1000
			out = append(out, Item{
				ID: itemID(n), Title: strings.ToUpper(title[:1]) + title[1:], Author: makeAuthor(rng, LangEN),
				Topic: st.Topic, Lang: LangEN, Popularity: max(pop, 0.001), Stance: stance,
			})
		}
	}
	return out
}

// Score is the item's label score in the truth: +1 for a harmful or
// promoting item, -1 for a debunking one, 0 otherwise (the convention of
// SERP-MS and of the truth's labels).
func (it Item) Score() int {
	switch {
	case it.Harm != "" || it.Stance == StancePromoting:
		return 1
	case it.Stance == StanceDebunking:
		return -1
	}
	return 0
}

// TruthLabels are the item's ground-truth labels by category: each harm
// category 1 when the item is in it and 0 when not, StanceCategory +1 or
// -1 for a promoting or debunking stance item, and "synthetic" 1 for an
// AI-generated item whether or not the page labels it.
func (it Item) TruthLabels() map[string]float64 {
	out := make(map[string]float64, len(harmList)+1)
	for _, c := range harmList {
		out[c] = b2f(it.Harm == c)
	}
	switch it.Stance {
	case StancePromoting:
		out[StanceCategory] = 1
	case StanceDebunking:
		out[StanceCategory] = -1
	}
	out["synthetic"] = b2f(it.Synthetic)
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// stanceWeights are the weights of the stances (Stances() order) for a
// topic slot of user u: (1-Lean)/3 + Lean × the stance's share of u's
// stance engagement; by popularity alone (equal weights) before any.
func (s *Server) stanceWeights(u *user) []float64 {
	st := s.cfg.Stance
	shares := u.stanceShares()
	w := make([]float64, 3)
	for i, name := range Stances() {
		w[i] = (1 - st.lean()) / 3
		if shares == nil {
			w[i] = 1.0 / 3
			continue
		}
		w[i] += st.lean() * shares[name]
	}
	return w
}

// stanceShares returns u's engagement per stance normalized to sum to 1,
// or nil before any.
func (u *user) stanceShares() map[string]float64 {
	var total float64
	for _, v := range u.stances {
		total += v
	}
	if total <= 0 {
		return nil
	}
	out := make(map[string]float64, len(u.stances))
	for k, v := range u.stances {
		out[k] = v / total
	}
	return out
}

// upNextLean is the factor of a stance item c in u's up-next lists: 1 + 9
// × Lean × the share of u's stance engagement in c's stance.
func (s *Server) upNextLean(u *user, c *Item, personalize bool) float64 {
	if c.Stance == "" || s.cfg.Stance == nil || !personalize {
		return 1
	}
	return 1 + 9*s.cfg.Stance.lean()*u.stanceShares()[c.Stance]
}
