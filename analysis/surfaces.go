package analysis

import (
	"math"
	"sort"
	"strconv"
)

// SurfaceFigures are a campaign's exposure figures on one surface (the
// feed, a hot list, search results, up-next lists) for one role: the
// other figures of the analysis merge a session's surfaces by rank.
type SurfaceFigures struct {
	Surface string `json:"surface"`
	Role    string `json:"role"`
	// Impressions, Sessions and Personas count what the surface showed
	// the role's personas.
	Impressions int `json:"impressions"`
	Sessions    int `json:"sessions"`
	Personas    int `json:"personas"`
	// HarmfulShare is the share of impressions of harmful items, with its
	// Wilson 95 % interval (impressions treated as independent: a
	// description, not a test).
	HarmfulShare Num `json:"harmful_share"`
	HarmfulLo    Num `json:"harmful_share_lo"`
	HarmfulHi    Num `json:"harmful_share_hi"`
	// InterestShare is the share of impressions whose topic the persona
	// is interested in (weight > 0); NaN (null) for personas without
	// interests only.
	InterestShare Num `json:"interest_share"`
	// TopicShares holds the share of every topic shown.
	TopicShares map[string]float64 `json:"topic_shares"`
}

// SurfaceSplit accumulates impressions by surface and role. The zero value
// is not ready: use NewSurfaceSplit. It is not safe for concurrent use.
type SurfaceSplit struct {
	cells map[[2]string]*surfaceCell
}

type surfaceCell struct {
	n, harmful, interested, withInterests int
	topics                                map[string]int
	sessions                              map[string]bool
	personas                              map[string]bool
}

// NewSurfaceSplit returns an empty split.
func NewSurfaceSplit() *SurfaceSplit {
	return &SurfaceSplit{cells: map[[2]string]*surfaceCell{}}
}

// Add counts n impressions of topic on surface shown to persona (of role,
// with interests) in its session seq, harmful of them harmful.
func (s *SurfaceSplit) Add(persona, role string, interests map[string]float64, seq int, surface, topic string, n, harmful int) {
	k := [2]string{surface, role}
	c := s.cells[k]
	if c == nil {
		c = &surfaceCell{topics: map[string]int{}, sessions: map[string]bool{}, personas: map[string]bool{}}
		s.cells[k] = c
	}
	c.n += n
	c.harmful += harmful
	c.topics[topic] += n
	c.personas[persona] = true
	c.sessions[persona+"\x00"+strconv.Itoa(seq)] = true
	if len(interests) > 0 {
		c.withInterests += n
		if interests[topic] > 0 {
			c.interested += n
		}
	}
}

// Figures returns the figures of every surface and role seen, sorted by
// surface, then role.
func (s *SurfaceSplit) Figures() []SurfaceFigures {
	out := make([]SurfaceFigures, 0, len(s.cells))
	for k, c := range s.cells {
		f := SurfaceFigures{Surface: k[0], Role: k[1], Impressions: c.n, Sessions: len(c.sessions), Personas: len(c.personas),
			TopicShares: map[string]float64{}, InterestShare: Num(math.NaN())}
		if c.n > 0 {
			f.HarmfulShare = Num(float64(c.harmful) / float64(c.n))
			lo, hi := Wilson(c.harmful, c.n)
			f.HarmfulLo, f.HarmfulHi = Num(lo), Num(hi)
			for t, m := range c.topics {
				f.TopicShares[t] = float64(m) / float64(c.n)
			}
		}
		if c.withInterests > 0 {
			f.InterestShare = Num(float64(c.interested) / float64(c.withInterests))
		}
		out = append(out, f)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Surface != out[b].Surface {
			return out[a].Surface < out[b].Surface
		}
		return out[a].Role < out[b].Role
	})
	return out
}
