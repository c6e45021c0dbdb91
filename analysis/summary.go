package analysis

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// Impression is one item served to a persona at a rank in one session, as
// the campaign summary needs it.
type Impression struct {
	Persona string `json:"persona"`
	// Session is the persona's session sequence number, from 1.
	Session int    `json:"session"`
	Rank    int    `json:"rank"`
	ItemID  string `json:"item_id"`
	Title   string `json:"title"`
	Topic   string `json:"topic"`
	Harmful bool   `json:"harmful"`
}

// PersonaInfo describes a persona of the campaign.
type PersonaInfo struct {
	Name string `json:"name"`
	// Role groups personas for comparison, such as "test" and "control".
	Role string `json:"role"`
	// Interests maps a topic to the weight the persona was trained on;
	// a control persona has none.
	Interests map[string]float64 `json:"interests,omitempty"`
	Traits    map[string]string  `json:"traits,omitempty"`
	// Reference, when set, is the topic whose share SessionSummary's
	// TopInterestShare measures, instead of the persona's top interest. The
	// caller sets it on a control persona to the matched test persona's top
	// interest so the two can be compared.
	Reference string `json:"reference,omitempty"`
	// Arm, on a control, names the test persona of its arm (the persona it
	// twins, or that names it as a control). A control without interests
	// is then measured on its arm's topics: its InterestShare is the share
	// of the arm's interests and its Reference, unless set, the arm's top
	// interest, so a blank control's share is the baseline of the topic
	// its test persona was trained on, not 0.
	Arm string `json:"arm,omitempty"`
}

// Input is everything Summarize needs about a campaign.
type Input struct {
	Personas    []PersonaInfo `json:"personas"`
	Impressions []Impression  `json:"impressions"`
	// Topics is the taxonomy. When empty, it is every topic seen in the
	// campaign.
	Topics []string `json:"topics,omitempty"`
}

// SessionSummary is what one persona was served in one session. Shares are
// fractions of N in [0, 1].
type SessionSummary struct {
	Session int `json:"session"`
	// N is the number of impressions in the session, always > 0.
	N int `json:"n"`
	// TopicShares holds the share of every topic served at least once.
	TopicShares map[string]float64 `json:"topic_shares"`
	// Entropy is the Shannon entropy of TopicShares in nats.
	Entropy float64 `json:"entropy"`
	// Evenness is Entropy / ln K with K the size of Summary.Topics; it is 0
	// when the taxonomy has fewer than 2 topics.
	Evenness float64 `json:"evenness"`
	// InterestShare is the share of items whose topic has a weight > 0 in
	// the persona's interests, or for a control without interests in its
	// arm's interests (PersonaInfo.Arm); 0 for a persona with neither.
	InterestShare float64 `json:"interest_share"`
	// TopInterestShare is the share of the persona's reference topic
	// (PersonaSummary.Reference); 0 when the persona has none.
	TopInterestShare float64 `json:"top_interest_share"`
	// HarmfulShare is the share of harmful items.
	HarmfulShare float64 `json:"harmful_share"`
}

// PersonaSummary is one persona's sessions and drift.
type PersonaSummary struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// TopInterest is the topic with the greatest interest weight (ties go
	// to the first in lexical order), or "" for a persona without interests.
	TopInterest string `json:"top_interest"`
	// Reference is the topic TopInterestShare measures: PersonaInfo's
	// Reference when set, TopInterest otherwise.
	Reference string `json:"reference"`
	// Sessions are the sessions with at least one impression, in order.
	Sessions []SessionSummary `json:"sessions"`
	// TopInterestSlope is the least-squares slope of TopInterestShare
	// against the session number, per session: the speed of the bubble. It
	// is 0 with fewer than 2 sessions.
	TopInterestSlope float64 `json:"top_interest_slope"`
	// DriftJSD holds, for each of Sessions, the Jensen–Shannon divergence
	// of its topic shares from the first session's (so DriftJSD[0] is 0).
	DriftJSD []float64 `json:"drift_jsd"`
}

// GroupSession is the persona-level mean of one role's personas in one
// session, with percentile bootstrap intervals over personas.
type GroupSession struct {
	Session int `json:"session"`
	// Personas is the number of personas of the group with this session.
	Personas int `json:"personas"`
	// N is their total number of impressions.
	N int `json:"n"`
	// TopInterestPersonas is how many of them have a measured topic
	// (PersonaSummary.Reference): TopInterestShare and its interval are
	// over those only, and mean nothing when it is 0 (a group of controls
	// matched to no one arm).
	TopInterestPersonas int     `json:"top_interest_personas"`
	TopInterestShare    float64 `json:"top_interest_share"`
	TopInterestShareLo  float64 `json:"top_interest_share_lo"`
	TopInterestShareHi  float64 `json:"top_interest_share_hi"`
	HarmfulShare        float64 `json:"harmful_share"`
	HarmfulShareLo      float64 `json:"harmful_share_lo"`
	HarmfulShareHi      float64 `json:"harmful_share_hi"`
	// Note is NoIntervalNote when the session has one persona: its
	// interval bounds are then 0 and mean nothing.
	Note string `json:"note,omitempty"`
}

// GroupSummary is the personas of one role, session by session.
type GroupSummary struct {
	Role     string         `json:"role"`
	Personas int            `json:"personas"`
	Sessions []GroupSession `json:"sessions"`
}

// Summary is the first campaign summary, what `feedprobe analyze` prints.
// Every float is finite, so it always encodes as JSON.
type Summary struct {
	// Topics is the taxonomy: the given topics in their order, then any
	// other topic seen, sorted.
	Topics      []string `json:"topics"`
	Impressions int      `json:"impressions"`
	// Level and Resamples describe the groups' bootstrap intervals.
	// Resamples is 0 when no random source was given; the interval bounds
	// are then 0.
	Level     float64          `json:"ci_level"`
	Resamples int              `json:"resamples"`
	Personas  []PersonaSummary `json:"personas"`
	// Groups are sorted by role.
	Groups []GroupSummary `json:"groups"`
}

// Summarize computes the campaign summary of in, drawing the bootstrap
// resamples from r. It is NewAccumulator, Add for every impression, then
// Summary; use an Accumulator directly to stream impressions without holding
// them all in memory.
func Summarize(in Input, r *rand.Rand) Summary {
	acc := NewAccumulator(in.Personas, in.Topics)
	for _, imp := range in.Impressions {
		acc.Add(imp)
	}
	return acc.Summary(r)
}

// Accumulator builds a Summary incrementally. Its memory grows with
// personas × sessions × topics, not with the number of impressions, and
// impressions may arrive in any order. The zero value is not usable; call
// NewAccumulator. An Accumulator is not safe for concurrent use.
type Accumulator struct {
	personas []*personaAcc
	byName   map[string]*personaAcc
	topics   []string
	topicIdx map[string]int
	given    int // topics[:given] came from the caller's taxonomy
	declared int // personas[:declared] came from the caller
	n        int

	// The session of the previous impression: impressions usually arrive
	// grouped by persona and session, and this skips two map lookups.
	last        *sessionAcc
	lastPersona string
	lastSession int
}

type personaAcc struct {
	info     PersonaInfo
	sessions map[int]*sessionAcc
}

type sessionAcc struct {
	n, harmful int
	counts     []int // indexed like Accumulator.topics
}

// NewAccumulator returns an empty Accumulator for the given personas and
// taxonomy (which may be empty: then every topic seen). A repeated persona
// name keeps its first entry. Impressions of personas not listed are kept,
// as personas with an empty role and no interests.
func NewAccumulator(personas []PersonaInfo, topics []string) *Accumulator {
	a := &Accumulator{
		byName:   make(map[string]*personaAcc, len(personas)),
		topicIdx: make(map[string]int, len(topics)),
	}
	for _, p := range personas {
		if _, dup := a.byName[p.Name]; !dup {
			a.addPersona(p)
		}
	}
	a.declared = len(a.personas)
	for _, t := range topics {
		a.topic(t)
	}
	a.given = len(a.topics)
	return a
}

func (a *Accumulator) addPersona(info PersonaInfo) *personaAcc {
	p := &personaAcc{info: info, sessions: make(map[int]*sessionAcc)}
	a.personas = append(a.personas, p)
	a.byName[info.Name] = p
	return p
}

// topic returns the index of topic t, adding it when new.
func (a *Accumulator) topic(t string) int {
	i, ok := a.topicIdx[t]
	if !ok {
		i = len(a.topics)
		a.topics = append(a.topics, t)
		a.topicIdx[t] = i
	}
	return i
}

// Add counts one impression.
func (a *Accumulator) Add(imp Impression) {
	h := 0
	if imp.Harmful {
		h = 1
	}
	a.AddCounts(imp.Persona, imp.Session, imp.Topic, 1, h)
}

// AddCounts counts n impressions of one topic in a persona's session,
// harmful of them harmful: what n calls of Add would count. n < 1 counts
// nothing.
func (a *Accumulator) AddCounts(persona string, session int, topic string, n, harmful int) {
	if n < 1 {
		return
	}
	s := a.last
	if s == nil || session != a.lastSession || persona != a.lastPersona {
		p, ok := a.byName[persona]
		if !ok {
			p = a.addPersona(PersonaInfo{Name: persona})
		}
		s = p.sessions[session]
		if s == nil {
			s = &sessionAcc{counts: make([]int, len(a.topics))}
			p.sessions[session] = s
		}
		a.last, a.lastPersona, a.lastSession = s, persona, session
	}
	t := a.topic(topic)
	if t >= len(s.counts) {
		s.counts = append(s.counts, make([]int, len(a.topics)-len(s.counts))...)
	}
	s.counts[t] += n
	s.n += n
	s.harmful += harmful
	a.n += n
}

// Summary computes the summary of the impressions added so far, drawing the
// groups' bootstrap resamples (DefaultResamples at DefaultLevel) from r in a
// fixed order, so the same impressions and seed give the same Summary
// whatever order they were added in. With a nil r the intervals are left
// at 0 and Summary.Resamples is 0. The Accumulator can keep accepting
// impressions afterwards.
func (a *Accumulator) Summary(r *rand.Rand) Summary {
	topics := a.taxonomy()
	sum := Summary{
		Topics:      topics,
		Impressions: a.n,
		Level:       DefaultLevel,
		Personas:    make([]PersonaSummary, 0, len(a.personas)),
	}
	if r != nil {
		sum.Resamples = DefaultResamples
	}
	// Declared personas keep their order; the others follow by name.
	personas := slices.Clone(a.personas)
	slices.SortFunc(personas[a.declared:], func(x, y *personaAcc) int {
		return cmp.Compare(x.info.Name, y.info.Name)
	})
	// Personas are summed up on every core (nothing random, nothing
	// shared is written), each into its own place.
	sum.Personas = sum.Personas[:len(personas)]
	forEach(len(personas), func(i int) { sum.Personas[i] = a.summarizePersona(personas[i], topics) })
	sum.Groups = summarizeGroups(sum.Personas, r)
	return sum
}

// taxonomy returns the given topics in order, then the other topics seen,
// sorted.
func (a *Accumulator) taxonomy() []string {
	topics := append(make([]string, 0, len(a.topics)), a.topics...) // never nil: JSON []
	slices.Sort(topics[a.given:])
	return topics
}

func (a *Accumulator) summarizePersona(p *personaAcc, topics []string) PersonaSummary {
	ps := PersonaSummary{
		Name:        p.info.Name,
		Role:        p.info.Role,
		TopInterest: topInterest(p.info.Interests),
		Sessions:    make([]SessionSummary, 0, len(p.sessions)),
		DriftJSD:    make([]float64, 0, len(p.sessions)),
	}
	interests := p.info.Interests
	if len(positiveTopics(interests)) == 0 && p.info.Arm != "" {
		if arm := a.byName[p.info.Arm]; arm != nil {
			interests = arm.info.Interests
		}
	}
	ps.Reference = cmp.Or(p.info.Reference, ps.TopInterest, topInterest(interests))
	numbers := make([]int, 0, len(p.sessions))
	for n := range p.sessions {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	var first map[string]float64
	xs := make([]float64, 0, len(numbers))
	ys := make([]float64, 0, len(numbers))
	for _, num := range numbers {
		ss := a.summarizeSession(num, p.sessions[num], interests, ps.Reference, len(topics))
		if first == nil {
			first = ss.TopicShares
		}
		ps.Sessions = append(ps.Sessions, ss)
		ps.DriftJSD = append(ps.DriftJSD, JSD(ss.TopicShares, first))
		xs = append(xs, float64(num))
		ys = append(ys, ss.TopInterestShare)
	}
	ps.TopInterestSlope = finiteOr0(Slope(xs, ys))
	return ps
}

func (a *Accumulator) summarizeSession(num int, s *sessionAcc, interests map[string]float64, reference string, k int) SessionSummary {
	counts := make(map[string]int, len(s.counts))
	interest := 0
	for i, c := range s.counts {
		if c == 0 {
			continue
		}
		t := a.topics[i]
		counts[t] = c
		if interests[t] > 0 {
			interest += c
		}
	}
	shares := Shares(counts)
	n := float64(s.n)
	return SessionSummary{
		Session:          num,
		N:                s.n,
		TopicShares:      shares,
		Entropy:          Entropy(shares),
		Evenness:         finiteOr0(Evenness(shares, k)),
		InterestShare:    float64(interest) / n,
		TopInterestShare: shares[reference], // 0 when reference is "" or unseen
		HarmfulShare:     float64(s.harmful) / n,
	}
}

// topInterest is the topic with the greatest positive weight, ties going to
// the first in lexical order, or "" when there is none.
func topInterest(interests map[string]float64) string {
	best, bestW := "", 0.0
	for t, w := range interests {
		if w > bestW || (w == bestW && w > 0 && t < best) {
			best, bestW = t, w
		}
	}
	return best
}

func finiteOr0(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// summarizeGroups averages persona-level values by role and session. It
// draws from r role by role (sorted), session by session, top-interest
// share before harmful share.
func summarizeGroups(personas []PersonaSummary, r *rand.Rand) []GroupSummary {
	byRole := make(map[string][]*PersonaSummary)
	for i := range personas {
		p := &personas[i]
		byRole[p.Role] = append(byRole[p.Role], p)
	}
	roles := make([]string, 0, len(byRole))
	for role := range byRole {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	groups := make([]GroupSummary, 0, len(roles))
	for _, role := range roles {
		members := byRole[role]
		type values struct {
			n           int
			top, harmed []float64
		}
		bySession := make(map[int]*values)
		for _, p := range members {
			for _, s := range p.Sessions {
				v := bySession[s.Session]
				if v == nil {
					v = &values{}
					bySession[s.Session] = v
				}
				v.n += s.N
				if p.Reference != "" {
					v.top = append(v.top, s.TopInterestShare)
				}
				v.harmed = append(v.harmed, s.HarmfulShare)
			}
		}
		numbers := make([]int, 0, len(bySession))
		for n := range bySession {
			numbers = append(numbers, n)
		}
		slices.Sort(numbers)
		g := GroupSummary{Role: role, Personas: len(members), Sessions: make([]GroupSession, 0, len(numbers))}
		for _, num := range numbers {
			v := bySession[num]
			gs := GroupSession{
				Session:             num,
				Personas:            len(v.harmed),
				N:                   v.n,
				TopInterestPersonas: len(v.top),
				HarmfulShare:        Mean(v.harmed),
			}
			if len(v.top) > 0 {
				gs.TopInterestShare = Mean(v.top)
			}
			if len(v.harmed) < 2 {
				gs.Note = NoIntervalNote
			} else if r != nil {
				if len(v.top) >= 2 {
					gs.TopInterestShareLo, gs.TopInterestShareHi = BootstrapMeanCI(v.top, DefaultResamples, DefaultLevel, r)
				}
				gs.HarmfulShareLo, gs.HarmfulShareHi = BootstrapMeanCI(v.harmed, DefaultResamples, DefaultLevel, r)
			}
			g.Sessions = append(g.Sessions, gs)
		}
		groups = append(groups, g)
	}
	return groups
}
