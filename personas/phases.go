package personas

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Phase is a stretch of a persona's sessions with its own interests: a
// campaign can train a persona on one topic for some sessions (bubble
// creation) and then switch it to another (bubble bursting).
type Phase struct {
	// Name labels the phase in reports. Default: "phase1", "phase2", ...
	Name string `json:"name"`
	// Sessions is how many sessions the phase lasts, at least 1. The last
	// phase lasts until the campaign ends.
	Sessions int `json:"sessions"`
	// Interests replace the persona's interests during the phase. Default:
	// the persona's interests; {} makes the phase blank.
	Interests map[string]float64 `json:"interests"`
	// Keywords replace the persona's keywords during the phase. Default:
	// the persona's keywords for the topics the phase is interested in.
	Keywords map[string][]string `json:"keywords"`
	// Settings override the persona's settings during the phase, switch by
	// switch: a switch the phase leaves out keeps the persona's value. A
	// phase with settings: {personalization: false} is how a campaign
	// tests that switching personalization off takes effect (Article 17(1),
	// DSA Article 38).
	Settings Settings `json:"settings,omitzero"`
	// NotInterested lists topics the persona tells the platform it does not
	// want during the phase: it opens such an item and presses the
	// adapter's "not interested" action (Article 17(2): deleting a tag).
	NotInterested []string `json:"not_interested,omitempty"`
	// Watch, when set, replaces the persona's watch list during the phase.
	Watch []Watch `json:"watch,omitempty"`
	// Search, when set, replaces the persona's search list during the
	// phase.
	Search []Search `json:"search,omitempty"`
}

var phaseFields = []string{"name", "sessions", "interests", "keywords", "settings", "not_interested", "watch", "search"}

// phases decodes a persona's phases list. interests and keywords are the
// persona's own, the defaults of a phase that omits them.
func (d *decoder) phases(n *yaml.Node, path string, interests map[string]float64, keywords map[string][]string) []Phase {
	l := resolve(n)
	if l.Kind != yaml.SequenceNode {
		d.add(n.Line, path, "must be a list of phases (- sessions: N, interests: {...}), got %s", kindName(l))
		return nil
	}
	var out []Phase
	names := map[string]int{}
	for i, item := range l.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !d.expectMapping(item, p, "name, sessions, interests, keywords and settings") {
			continue
		}
		f := d.mapping(item, p, phaseFields)
		ph := Phase{Name: "phase" + strconv.Itoa(i+1)}
		if v := f.get("name"); !isNull(v) {
			ph.Name, _ = d.name(v, item.Line, join(p, "name"))
		}
		if first, dup := names[ph.Name]; dup && ph.Name != "" {
			d.add(lineOr(f.get("name"), item.Line), join(p, "name"), "duplicate phase name %q (first at line %d)", ph.Name, first)
		}
		names[ph.Name] = lineOr(f.get("name"), item.Line)
		ph.Sessions, _ = d.requiredCount(f.get("sessions"), resolve(item).Line, join(p, "sessions"))
		if v := f.get("interests"); v != nil && !isNull(v) {
			ph.Interests = map[string]float64{}
			d.interests(v, join(p, "interests"), ph.Interests)
		} else {
			ph.Interests = maps.Clone(interests)
		}
		ph.Keywords = map[string][]string{}
		if v := f.get("keywords"); !isNull(v) {
			d.keywords(v, join(p, "keywords"), ph.Keywords, ph.Interests)
		} else {
			for t, kws := range keywords {
				if _, ok := ph.Interests[t]; ok {
					ph.Keywords[t] = kws
				}
			}
		}
		if v := f.get("settings"); !isNull(v) {
			d.settings(v, join(p, "settings"), &ph.Settings)
		}
		if v := f.get("not_interested"); !isNull(v) {
			ph.NotInterested = d.topicList(v, join(p, "not_interested"))
		}
		if v := f.get("watch"); !isNull(v) {
			ph.Watch = d.watchList(v, join(p, "watch"))
		}
		if v := f.get("search"); !isNull(v) {
			ph.Search = d.searchList(v, join(p, "search"))
		}
		out = append(out, ph)
	}
	if len(out) == 0 && len(l.Content) == 0 {
		d.add(n.Line, path, "list is empty; remove phases or add one")
	}
	return out
}

// PhaseAt returns the index of the phase that session seq (from 1) belongs
// to, and the phase's first and last session; the last phase runs to
// lastSession. It returns -1 when the persona has no phases.
func (s Spec) PhaseAt(seq, lastSession int) (idx, from, to int) {
	if len(s.Phases) == 0 {
		return -1, 1, lastSession
	}
	from = 1
	for i, ph := range s.Phases {
		to = from + ph.Sessions - 1
		if i == len(s.Phases)-1 {
			to = max(to, lastSession)
		}
		if seq <= to || i == len(s.Phases)-1 {
			return i, from, to
		}
		from = to + 1
	}
	return len(s.Phases) - 1, from, to
}

// ForSession returns the spec that session seq (from 1) runs with: the
// persona with the interests, keywords and settings of the phase seq falls
// in (a switch the phase leaves unset keeps the persona's value), or the
// persona itself when it has no phases. The result shares nothing mutable
// with s.
func (s Spec) ForSession(seq int) Spec {
	i, _, _ := s.PhaseAt(seq, seq)
	if i < 0 {
		return s
	}
	out := s
	out.Interests = maps.Clone(s.Phases[i].Interests)
	out.Keywords = maps.Clone(s.Phases[i].Keywords)
	if out.Interests == nil {
		out.Interests = map[string]float64{}
	}
	if out.Keywords == nil {
		out.Keywords = map[string][]string{}
	}
	if ps := s.Phases[i].Settings; ps.Personalization != nil {
		v := *ps.Personalization
		out.Settings.Personalization = &v
	}
	if ps := s.Phases[i].Settings; ps.MinorMode != nil {
		v := *ps.MinorMode
		out.Settings.MinorMode = &v
	}
	out.NotInterested = slices.Clone(s.Phases[i].NotInterested)
	if w := s.Phases[i].Watch; w != nil {
		out.Watch = slices.Clone(w)
	}
	if q := s.Phases[i].Search; q != nil {
		out.Search = slices.Clone(q)
	}
	return out
}

// topicList decodes a list of topic names.
func (d *decoder) topicList(n *yaml.Node, path string) []string {
	l := resolve(n)
	if l.Kind != yaml.SequenceNode {
		d.add(n.Line, path, "must be a list of topics, e.g. [sports], got %s", kindName(l))
		return nil
	}
	var out []string
	for i, item := range l.Content {
		if t, ok := d.str(item, fmt.Sprintf("%s[%d]", path, i)); ok && t != "" {
			out = append(out, t)
		}
	}
	return out
}

// PhaseSessions is the number of sessions the phases plan, their sum.
func (s Spec) PhaseSessions() int {
	n := 0
	for _, ph := range s.Phases {
		n += ph.Sessions
	}
	return n
}

// TwinName is the name of the i-th (from 1) twin control of the test
// persona named test: "TEST.twinI".
func TwinName(test string, i int) string {
	return test + ".twin" + strconv.Itoa(i)
}

// Twin returns the i-th (from 1) twin control of the test persona s: a
// blank persona (no interests, keywords, phases or history) with s's traits,
// settings and behaviour, role control, TwinOf s.Name, and a seed shared by
// all of s's twins, so the twins are identical but for their names.
func (s Spec) Twin(i int) Spec {
	t := s
	t.Name = TwinName(s.Name, i)
	t.Role = RoleControl
	t.TwinOf = s.Name
	t.Arm = ""
	t.History = ""
	t.Seed = defaultSeed(s.Name + "/twin")
	t.Interests = map[string]float64{}
	t.Keywords = map[string][]string{}
	t.Phases = nil
	return t
}
