package analysis

import (
	"slices"
)

// LabelProvenance says where the item labels of an analysis came from.
type LabelProvenance struct {
	// Sources counts the votes of each source (labels table rows, and
	// lexicon matches of distinct items).
	Sources map[string]int `json:"sources"`
	// HarmCategories are the label categories that make an item harmful
	// (score +1 when a category's resolved value is above 0, -1 when below).
	HarmCategories []string `json:"harm_categories"`
	Precedence     []string `json:"precedence"`
}

// ControlComparison sets a trained persona's share of its top interest
// beside the controls' share of the same topic in the same session.
type ControlComparison struct {
	Persona      string  `json:"persona"`
	Topic        string  `json:"topic"`
	Session      int     `json:"session"`
	PersonaShare float64 `json:"persona_share"`
	ControlShare float64 `json:"control_share"` // mean over control personas
	Controls     int     `json:"controls"`      // how many controls had this session
	Difference   float64 `json:"difference"`
}

// HarmCategories is the lexicon's categories plus "harmful", sorted: the
// label categories that make an item harmful.
func HarmCategories(lex Lexicon) []string {
	out := []string{"harmful"}
	for c := range lex {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// LabelScore is an item's harm score from its resolved labels: +1 when one
// of the harm categories resolves positive, else -1 when one resolves
// negative, else 0.
func LabelScore(cats map[string]float64, harm []string) int {
	s := 0
	for _, c := range harm {
		switch v := cats[c]; {
		case v > 0:
			s = 1
		case v < 0 && s == 0:
			s = -1
		}
	}
	return s
}

// CompareWithControls pairs every test persona's top-interest share with
// the mean share of that topic among control personas, session by session.
// Personas with role RoleControlName are the controls.
func CompareWithControls(s Summary) []ControlComparison {
	const control = RoleControlName
	bySession := map[int][]SessionSummary{} // the controls' sessions
	for _, p := range s.Personas {
		if p.Role == control {
			for _, cs := range p.Sessions {
				bySession[cs.Session] = append(bySession[cs.Session], cs)
			}
		}
	}
	// The controls' mean share of a topic in a session, computed once for
	// all the test personas with that topic.
	type key struct {
		session int
		topic   string
	}
	type mean struct {
		share float64
		n     int
	}
	means := map[key]mean{}
	controlMean := func(session int, topic string) mean {
		k := key{session, topic}
		if m, ok := means[k]; ok {
			return m
		}
		var m mean
		for _, cs := range bySession[session] {
			m.share += cs.TopicShares[topic]
			m.n++
		}
		if m.n > 0 {
			m.share /= float64(m.n)
		}
		means[k] = m
		return m
	}
	var rows []ControlComparison
	for _, p := range s.Personas {
		if p.Role == control || p.TopInterest == "" {
			continue
		}
		for _, ss := range p.Sessions {
			m := controlMean(ss.Session, p.TopInterest)
			row := ControlComparison{Persona: p.Name, Topic: p.TopInterest, Session: ss.Session,
				PersonaShare: ss.TopicShares[p.TopInterest], ControlShare: m.share, Controls: m.n}
			row.Difference = row.PersonaShare - row.ControlShare
			rows = append(rows, row)
		}
	}
	return rows
}
