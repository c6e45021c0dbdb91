package analysis

import "sort"

// ScoredList is one ranked list a persona was shown in a session on one
// surface: the session's feed (or hot list) window, or one up-next list
// beside an item, or one page of search results. Scores are its items'
// label scores (+1 harmful or promoting, 0 neutral, -1 debunking) by rank.
type ScoredList struct {
	Persona string
	Session int
	Surface string
	Scores  []int8
}

// splitSurfaces are the surfaces a session records as several short lists,
// each stamped with one time, their ranks running on from one list to
// the next (the probe's up_next and search surfaces). Every other surface
// is one window per session.
var splitSurfaces = map[string]bool{"up_next": true, "search": true}

// SurfaceLists cuts a session's impressions, given in rank order with
// their surfaces, seen times (any unit; equal within one list) and label
// scores, into its lists: one window per surface, except that up_next
// and search impressions start a new list wherever the seen time changes
// (the probe stamps every up-next list and results page with the moment
// it read it). The four slices have one entry per impression.
func SurfaceLists(persona string, session int, surface []string, seen []int64, scores []int8) []ScoredList {
	var out []ScoredList
	open := map[string]int{} // surface -> index in out of its current list
	last := map[string]int64{}
	for i, sf := range surface {
		k, ok := open[sf]
		if !ok || splitSurfaces[sf] && seen[i] != last[sf] {
			out = append(out, ScoredList{Persona: persona, Session: session, Surface: sf})
			k = len(out) - 1
			open[sf] = k
		}
		last[sf] = seen[i]
		out[k].Scores = append(out[k].Scores, scores[i])
	}
	return out
}

// HistoryScores are the scores of one watch history (AuditPersona.History)
// on one surface, the figure of Hussein et al.'s watch-history audit:
// each persona's SERP-MS over the top SERPMSDepth items of each of its
// lists and the mean label score of each list, averaged over its lists,
// then the persona-level mean with its bootstrap interval over the
// history's personas.
type HistoryScores struct {
	History string `json:"history"`
	Surface string `json:"surface"`
	// Sessions, Lists and Impressions count what the scores rest on
	// (Impressions: every item of the lists, not only the top n).
	Sessions    int `json:"sessions"`
	Lists       int `json:"lists"`
	Impressions int `json:"impressions"`
	// Metrics holds SERP-MS under its name with the depth (serp_ms_10)
	// and mean_label_score, each over the history's personas.
	Metrics map[string]Estimate `json:"metrics"`
	// Personas are the history's personas with their own figures.
	Personas []HistoryPersona `json:"personas"`
}

// HistoryPersona is one persona's figures on a surface: the means over
// its lists.
type HistoryPersona struct {
	Name    string         `json:"name"`
	Lists   int            `json:"lists"`
	Metrics map[string]Num `json:"metrics"`
}

// histories scores every history on every surface its personas were
// shown, sorted by history, then surface.
func (a *auditor) histories(personas []AuditPersona, lists []ScoredList) []HistoryScores {
	history := map[string]string{}
	for _, p := range personas {
		if p.History != "" {
			history[p.Name] = p.History
		}
	}
	if len(history) == 0 || len(lists) == 0 {
		return nil
	}
	type acc struct {
		lists, impressions int
		serp, mean         float64
		sessions           map[int]bool
	}
	type key struct{ history, surface, persona string }
	cells := map[key]*acc{}
	for _, l := range lists {
		h, ok := history[l.Persona]
		if !ok || len(l.Scores) == 0 {
			continue
		}
		k := key{h, l.Surface, l.Persona}
		c := cells[k]
		if c == nil {
			c = &acc{sessions: map[int]bool{}}
			cells[k] = c
		}
		c.lists++
		c.impressions += len(l.Scores)
		c.sessions[l.Session] = true
		c.serp += serpms(l.Scores[:min(len(l.Scores), a.opt.SERPMSDepth)])
		sum := 0
		for _, s := range l.Scores {
			sum += int(s)
		}
		c.mean += float64(sum) / float64(len(l.Scores))
	}
	keys := make([]key, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		x, y := keys[i], keys[j]
		if x.history != y.history {
			return x.history < y.history
		}
		if x.surface != y.surface {
			return x.surface < y.surface
		}
		return x.persona < y.persona
	})
	name := SERPMSName(a.opt.SERPMSDepth)
	var out []HistoryScores
	for i := 0; i < len(keys); {
		j := i
		row := HistoryScores{History: keys[i].history, Surface: keys[i].surface}
		var serp, mean []float64
		for ; j < len(keys) && keys[j].history == row.History && keys[j].surface == row.Surface; j++ {
			c := cells[keys[j]]
			s, m := c.serp/float64(c.lists), c.mean/float64(c.lists)
			serp, mean = append(serp, s), append(mean, m)
			row.Sessions += len(c.sessions)
			row.Lists += c.lists
			row.Impressions += c.impressions
			row.Personas = append(row.Personas, HistoryPersona{Name: keys[j].persona, Lists: c.lists,
				Metrics: map[string]Num{name: Num(s), "mean_label_score": Num(m)}})
		}
		row.Metrics = map[string]Estimate{name: a.estimate(serp, row.Impressions), "mean_label_score": a.estimate(mean, row.Impressions)}
		for _, e := range []string{name, "mean_label_score"} {
			est := row.Metrics[e]
			est.Sessions = row.Sessions
			row.Metrics[e] = est
		}
		out = append(out, row)
		i = j
	}
	return out
}
