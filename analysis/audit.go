package analysis

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The group metrics of an Audit, in report order; "serp_ms" stands for
// SERPMSName of the audit's depth.
var groupMetrics = []string{
	"reference_share", "interest_share", "entropy", "evenness", "gini_simpson", "gini_simpson_unbiased",
	"gini", "ild", "coverage", "harmful_per_100", "mean_label_score", "serp_ms", "drift_first_jsd", "drift_control_jsd",
}

// The pairwise list metrics of an Audit. topic_jsd is the Jensen–Shannon
// divergence of the two windows' topic shares, the topic-level distance
// to read when item overlap is saturated.
var pairMetrics = []string{"jaccard", "rbo", "kendall_tau", "edit_distance", "topic_jsd"}

// pairDistance says which pair metrics are distances (personalization is
// test-control minus control-twin) rather than similarities.
var pairDistance = map[string]bool{"edit_distance": true, "topic_jsd": true}

// Analyze computes every the metrics reference metric of a campaign: per persona and
// session diversity, drift against the persona's first session and its
// controls, exposure; per group (role and each trait in opt.Dimensions)
// persona-level means with bootstrap intervals; personalization of each
// test persona against its controls and the controls' own noise floor; and
// the tests (stratified permutation, per-topic permutation with Holm,
// phase Mann–Whitney with Bonferroni). Resampling draws from r in a fixed
// order; a nil r leaves intervals and p-values undefined (null). Zero
// fields of opt take DefaultAuditOptions' values.
func Analyze(in AuditInput, opt AuditOptions, r *rand.Rand) Audit {
	def := DefaultAuditOptions()
	if opt.Resamples <= 0 {
		opt.Resamples = def.Resamples
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		opt.Level = def.Level
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		opt.Alpha = def.Alpha
	}
	if !(opt.RBOP > 0 && opt.RBOP < 1) {
		opt.RBOP = def.RBOP
	}
	if opt.Dimensions == nil {
		opt.Dimensions = def.Dimensions
	}
	if opt.SERPMSDepth <= 0 {
		opt.SERPMSDepth = def.SERPMSDepth
	}
	opt.Catalogue, opt.Taxonomy, opt.RBODepth = max(opt.Catalogue, 0), max(opt.Taxonomy, 0), max(opt.RBODepth, 0)
	a := &auditor{opt: opt, r: r}
	return a.run(in)
}

type auditor struct {
	opt AuditOptions
	r   *rand.Rand
	// topics names the topic codes; topicCode is its inverse.
	topics    []string
	topicCode map[string]int
	// itemCodes bounds the item codes.
	itemCodes int
	// used says which topic codes some impression has.
	used []bool
	// later, while set, queues the intervals estimateLater leaves to
	// resampleAfter.
	later *[]laterCI
}

// resampleLater is true but in the test that compares resampleAfter with
// the intervals computed one after the other.
var resampleLater = true

// laterCI is a bootstrap interval queued by estimateLater: the values, the
// streams drawn for them when the interval was due, and where it goes.
type laterCI struct {
	values []float64
	srcs   [bootstrapChunks]pcg
	set    func(lo, hi float64)
}

// code returns the code of topic t, or -1 when no impression has it.
func (a *auditor) code(t string) int {
	if c, ok := a.topicCode[t]; ok {
		return c
	}
	return -1
}

// sessionData is one persona's session: its items in rank order, coded.
type sessionData struct {
	items   []int32   // item codes
	seconds []float64 // since the session's first impression
	scores  []int8
	counts  []int32 // impressions per topic code (auditor.topics)
	audit   SessionAudit
}

// share is the share of the session's impressions with topic code t, 0
// for a code no impression has.
func (s *sessionData) share(t int) float64 {
	if t < 0 || t >= len(s.counts) {
		return 0
	}
	return float64(s.counts[t]) / float64(len(s.items))
}

type personaData struct {
	info     AuditPersona
	seqs     []int
	sessions map[int]*sessionData
	controls []*personaData
	out      PersonaAudit
}

func (a *auditor) run(in AuditInput) Audit {
	out := Audit{EditDistance: EditDistanceVariant, Personalization: []PersonalizationRow{}, Noise: []PersonalizationSummary{}}
	ps, byName := a.index(in)
	out.Topics = a.taxonomy(in.Topics)
	k := max(a.opt.Taxonomy, len(out.Topics))
	a.opt.Taxonomy = k
	out.Options = a.opt
	// Matched controls: a test persona's twins and the controls naming it
	// as their arm; failing both, the controls of no arm.
	var free []*personaData
	matched := map[string][]*personaData{}
	for _, p := range ps {
		if p.info.Role == RoleTestName {
			continue
		}
		switch {
		case p.info.TwinOf != "":
			matched[p.info.TwinOf] = append(matched[p.info.TwinOf], p)
		case p.info.Arm != "":
			matched[p.info.Arm] = append(matched[p.info.Arm], p)
		default:
			free = append(free, p)
		}
	}
	for _, p := range ps {
		if p.info.Role != RoleTestName {
			continue
		}
		p.controls = matched[p.info.Name]
		if len(p.controls) == 0 {
			p.controls = free
		}
	}
	parallel(ps, a.itemCodes, func(p *personaData, scratch *pairScratch) {
		a.sessionMetrics(p, byName, k, free, scratch)
	})
	for _, p := range ps {
		a.phaseStats(p)
		out.Personas = append(out.Personas, p.out)
		out.N.Personas++
		if p.info.Role == RoleTestName {
			out.N.TestPersonas++
		} else {
			out.N.ControlPersonas++
		}
		out.N.Sessions += len(p.seqs)
		for _, s := range p.sessions {
			out.N.Impressions += len(s.items)
		}
	}
	out.Groups = a.groups(ps)
	out.Personalization, out.Noise = a.personalization(ps)
	out.Tests.Primary = a.primary(ps)
	out.Tests.Topics = a.topicTests(ps)
	out.Tests.Harm = a.harmTests(ps)
	a.holm(&out.Tests)
	out.Tests.Phases = a.phaseTests(ps)
	out.Histories = a.histories(in.Personas, in.Lists)
	return out
}

// RoleTestName is the role of a test persona; every other role is a
// control.
const RoleTestName = "test"

func (a *auditor) index(in AuditInput) ([]*personaData, map[string]*personaData) {
	byName := map[string]*personaData{}
	var ps []*personaData
	add := func(info AuditPersona) *personaData {
		p := &personaData{info: info, sessions: map[int]*sessionData{}}
		byName[info.Name] = p
		ps = append(ps, p)
		return p
	}
	for _, info := range in.Personas {
		if _, dup := byName[info.Name]; !dup {
			add(info)
		}
	}
	sessions, itemCodes, topics := in.Sessions, in.ItemCodes, in.TopicCodes
	if len(sessions) == 0 {
		sessions, itemCodes, topics = compactImpressions(in.Impressions)
	}
	a.itemCodes, a.topics = itemCodes, topics
	a.topicCode = make(map[string]int, len(topics))
	for i, t := range topics {
		if _, dup := a.topicCode[t]; !dup {
			a.topicCode[t] = i
		}
	}
	for _, cs := range sessions {
		if len(cs.Items) == 0 {
			continue
		}
		p := byName[cs.Persona]
		if p == nil {
			p = add(AuditPersona{Name: cs.Persona})
		}
		s := p.sessions[cs.Session]
		if s == nil {
			s = &sessionData{counts: make([]int32, len(topics))}
			p.sessions[cs.Session] = s
			p.seqs = append(p.seqs, cs.Session)
		}
		// The caller's slices are used as they are, not copied (10M
		// impressions: 170 MB); clipped, so that a session given twice,
		// which continues the first, never appends into the caller's
		// memory.
		s.items = adopt(s.items, cs.Items)
		s.seconds = adopt(s.seconds, cs.Seconds)
		s.scores = adopt(s.scores, cs.Scores)
		for _, t := range cs.Topics {
			s.counts[t]++
		}
	}
	a.used = make([]bool, len(topics))
	for _, p := range ps {
		slices.Sort(p.seqs)
		for _, s := range p.sessions {
			for t, n := range s.counts {
				if n > 0 {
					a.used[t] = true
				}
			}
		}
	}
	return ps, byName
}

// adopt returns more appended to have: more itself, clipped, when have is
// empty, or a new slice, so the caller's backing array is never written.
func adopt[T any](have, more []T) []T {
	if len(have) == 0 {
		return slices.Clip(more)
	}
	return append(slices.Clip(have), more...)
}

// compactImpressions codes impressions as sessions: items and topics by
// order of first appearance, each session's items stably sorted by rank.
func compactImpressions(imps []AuditImpression) (sessions []AuditSession, itemCodes int, topics []string) {
	items := map[string]int32{}
	topicCode := map[string]int32{}
	type key struct {
		persona string
		session int
	}
	at := map[key]int{}
	var ranks [][]int
	for _, imp := range imps {
		k := key{imp.Persona, imp.Session}
		i, ok := at[k]
		if !ok {
			i = len(sessions)
			at[k] = i
			sessions = append(sessions, AuditSession{Persona: imp.Persona, Session: imp.Session})
			ranks = append(ranks, nil)
		}
		ic, ok := items[imp.ItemID]
		if !ok {
			ic = int32(len(items))
			items[imp.ItemID] = ic
		}
		tc, ok := topicCode[imp.Topic]
		if !ok {
			tc = int32(len(topics))
			topicCode[imp.Topic] = tc
			topics = append(topics, imp.Topic)
		}
		s := &sessions[i]
		s.Items = append(s.Items, ic)
		s.Topics = append(s.Topics, tc)
		s.Seconds = append(s.Seconds, imp.Seconds)
		s.Scores = append(s.Scores, int8(max(-1, min(1, imp.Score))))
		ranks[i] = append(ranks[i], imp.Rank)
	}
	for i := range sessions {
		s, r := &sessions[i], ranks[i]
		if slices.IsSorted(r) {
			continue
		}
		idx := make([]int, len(r))
		for j := range idx {
			idx[j] = j
		}
		slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(r[x], r[y]) })
		sorted := AuditSession{Persona: s.Persona, Session: s.Session}
		for _, j := range idx {
			sorted.Items = append(sorted.Items, s.Items[j])
			sorted.Topics = append(sorted.Topics, s.Topics[j])
			sorted.Seconds = append(sorted.Seconds, s.Seconds[j])
			sorted.Scores = append(sorted.Scores, s.Scores[j])
		}
		*s = sorted
	}
	return sessions, len(items), topics
}

// parallel calls fn for every job on every core, each worker with its own
// pairScratch sized for the item codes. fn may read anything but write
// only to its own job.
func parallel[J any](jobs []J, itemCodes int, fn func(J, *pairScratch)) {
	var wg sync.WaitGroup
	next := make(chan J)
	for range max(1, min(len(jobs), runtime.GOMAXPROCS(0))) {
		wg.Go(func() {
			var s pairScratch
			s.reset(itemCodes)
			for j := range next {
				fn(j, &s)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
}

// taxonomy is the given topics, then every other topic an impression has,
// sorted.
func (a *auditor) taxonomy(given []string) []string {
	topics := slices.Clone(given)
	seen := map[string]bool{}
	for _, t := range topics {
		seen[t] = true
	}
	n := len(topics)
	for c, t := range a.topics {
		if a.used[c] && !seen[t] {
			seen[t] = true
			topics = append(topics, t)
		}
	}
	slices.Sort(topics[n:])
	if topics == nil {
		topics = []string{}
	}
	return topics
}

// phaseOf returns the phase of session seq of p: its index, name and
// interests. A persona without phases has one unnamed phase.
func phaseOf(p AuditPersona, seq int) (int, string, map[string]float64) {
	for i, ph := range p.Phases {
		if seq >= ph.From && (ph.To == 0 || seq <= ph.To || i == len(p.Phases)-1) {
			return i, ph.Name, ph.Interests
		}
	}
	return -1, "", p.Interests
}

// reference is the topic a session of p is measured on: the top interest
// of its phase, or for a control the reference of the test persona it
// twins (or "" for a free control).
func reference(p AuditPersona, seq int, byName map[string]*personaData) string {
	if arm := cmpOr(p.TwinOf, p.Arm); arm != "" && p.Role != RoleTestName {
		if t := byName[arm]; t != nil && t.info.Name != p.Name {
			return reference(t.info, seq, byName)
		}
	}
	_, _, in := phaseOf(p, seq)
	return topInterest(in)
}

func (a *auditor) sessionMetrics(p *personaData, byName map[string]*personaData, k int, free []*personaData, scratch *pairScratch) {
	p.out = PersonaAudit{Name: p.info.Name, Role: p.info.Role, TwinOf: p.info.TwinOf, Sessions: []SessionAudit{}, Phases: []PhaseStats{}}
	for _, c := range p.controls {
		p.out.Controls = append(p.out.Controls, c.info.Name)
	}
	// The personas this one's drift is measured against at the same session.
	var peers []*personaData
	switch {
	case p.info.Role == RoleTestName:
		peers = p.controls
	case cmpOr(p.info.TwinOf, p.info.Arm) != "":
		if t := byName[cmpOr(p.info.TwinOf, p.info.Arm)]; t != nil {
			for _, c := range t.controls {
				if c != p {
					peers = append(peers, c)
				}
			}
		}
	default:
		for _, c := range free {
			if c != p {
				peers = append(peers, c)
			}
		}
	}
	var first map[string]float64
	var xs, ys []float64
	for _, seq := range p.seqs {
		s := p.sessions[seq]
		_, phase, interests := phaseOf(p.info, seq)
		interests = armInterests(p.info, seq, interests, byName)
		ref := reference(p.info, seq, byName)
		counts := make(map[string]int, len(s.counts))
		interest, nh := 0, 0
		for t, c := range s.counts {
			if c == 0 {
				continue
			}
			counts[a.topics[t]] += int(c)
			if interests[a.topics[t]] > 0 {
				interest += int(c)
			}
		}
		harmful := make([]bool, len(s.items))
		scoreSum := 0
		for i, sc := range s.scores {
			if sc > 0 {
				harmful[i] = true
				nh++
			}
			scoreSum += int(sc)
		}
		shares := Shares(counts)
		expo := make([]float64, 0, k)
		for _, c := range counts {
			expo = append(expo, float64(c))
		}
		for len(expo) < k {
			expo = append(expo, 0) // topics of the taxonomy never served
		}
		n := len(s.items)
		coverage := float64(scratch.distinct(s.items))
		if a.opt.Catalogue > 0 {
			coverage /= float64(a.opt.Catalogue)
		} else {
			coverage /= float64(n)
		}
		sa := SessionAudit{
			Session: seq, Phase: phase, N: n, Reference: ref,
			Entropy:             Num(Entropy(shares)),
			Evenness:            Num(Evenness(shares, k)),
			GiniSimpson:         Num(GiniSimpson(shares)),
			GiniSimpsonUnbiased: Num(GiniSimpsonUnbiased(counts)),
			Gini:                Num(Gini(expo)),
			ILD:                 Num(intraListDiversity(counts, n)),
			Coverage:            Num(coverage),
			InterestShare:       Num(float64(interest) / float64(n)),
			MeanLabelScore:      Num(float64(scoreSum) / float64(n)),
			SERPMSDepth:         a.opt.SERPMSDepth,
			ReferenceShare:      Num(math.NaN()),
			HarmfulPer100:       Num(HarmfulPer100(nh, n)),
			Harmful:             nh,
			SERPMS:              Num(serpms(s.scores[:min(len(s.scores), a.opt.SERPMSDepth)])),
			FirstHarmSeconds:    Num(math.NaN()),
			DriftControl:        Num(math.NaN()),
		}
		if ref != "" {
			sa.ReferenceShare = Num(shares[ref])
		}
		rank, censored := FirstExposure(harmful)
		sa.FirstHarmCensored = censored
		if !censored {
			sa.FirstHarmRank = rank
			sa.FirstHarmSeconds = Num(s.seconds[rank-1])
		}
		if first == nil {
			first = shares
		}
		sa.DriftFirst = Num(JSD(shares, first))
		pooled := map[string]float64{}
		for _, c := range peers {
			if cs := c.sessions[seq]; cs != nil {
				for t, n := range cs.counts {
					if n > 0 {
						pooled[a.topics[t]] += float64(n)
					}
				}
			}
		}
		if len(pooled) > 0 {
			sa.DriftControl = Num(JSD(shares, pooled))
		}
		s.audit = sa
		p.out.Sessions = append(p.out.Sessions, sa)
		if ref != "" {
			xs = append(xs, float64(seq))
			ys = append(ys, shares[ref])
		}
	}
	p.out.InterestSlope = Num(Slope(xs, ys))
}

// phaseStats fills the persona's per-phase statistics.
func (a *auditor) phaseStats(p *personaData) {
	type span struct {
		name string
		seqs []int
		ref  string
	}
	var spans []*span
	byPhase := map[int]*span{}
	for _, seq := range p.seqs {
		i, name, _ := phaseOf(p.info, seq)
		sp := byPhase[i]
		if sp == nil {
			sp = &span{name: name, ref: p.sessions[seq].audit.Reference}
			byPhase[i] = sp
			spans = append(spans, sp)
		}
		sp.seqs = append(sp.seqs, seq)
	}
	for _, sp := range spans {
		var xs, ys, scores, interest []float64
		for _, seq := range sp.seqs {
			sa := p.sessions[seq].audit
			if v := float64(sa.ReferenceShare); !math.IsNaN(v) {
				xs = append(xs, float64(seq))
				ys = append(ys, v)
			}
			scores = append(scores, float64(sa.MeanLabelScore))
			interest = append(interest, float64(sa.InterestShare))
		}
		st := PhaseStats{Name: sp.name, From: sp.seqs[0], To: sp.seqs[len(sp.seqs)-1], Sessions: len(sp.seqs), Reference: sp.ref,
			StartShare: Num(math.NaN()), EndShare: Num(math.NaN()), Slope: Num(Slope(xs, ys)),
			DiffToLinear: Num(DiffToLinear(scores)), DiffToLinearInterest: Num(DiffToLinear(interest))}
		if len(ys) > 0 {
			st.StartShare, st.EndShare = Num(ys[0]), Num(ys[len(ys)-1])
		}
		p.out.Phases = append(p.out.Phases, st)
	}
}

// metricOf returns a session's group metric by name.
func metricOf(s SessionAudit, name string) float64 {
	switch name {
	case "reference_share":
		return float64(s.ReferenceShare)
	case "interest_share":
		return float64(s.InterestShare)
	case "entropy":
		return float64(s.Entropy)
	case "evenness":
		return float64(s.Evenness)
	case "gini_simpson":
		return float64(s.GiniSimpson)
	case "gini_simpson_unbiased":
		return float64(s.GiniSimpsonUnbiased)
	case "gini":
		return float64(s.Gini)
	case "ild":
		return float64(s.ILD)
	case "coverage":
		return float64(s.Coverage)
	case "harmful_per_100":
		return float64(s.HarmfulPer100)
	case "mean_label_score":
		return float64(s.MeanLabelScore)
	case "serp_ms", SERPMSName(s.SERPMSDepth):
		return float64(s.SERPMS)
	case "drift_first_jsd":
		return float64(s.DriftFirst)
	case "drift_control_jsd":
		return float64(s.DriftControl)
	}
	return math.NaN()
}

// estimate is the mean of the finite values with its bootstrap interval.
func (a *auditor) estimate(values []float64, impressions int) Estimate {
	return a.estimateLater(values, impressions, nil)
}

// estimateLater is estimate, but while a.later is set (resampleAfter) and
// set is given the interval is queued, not computed: its streams are drawn
// from a.r now, where estimate would draw them, so that every draw keeps
// its place, and set receives the interval once it is resampled.
func (a *auditor) estimateLater(values []float64, impressions int, set func(lo, hi float64)) Estimate {
	v := finite(values)
	e := Estimate{Mean: Num(Mean(v)), Lo: Num(math.NaN()), Hi: Num(math.NaN()), N: len(v), Impressions: impressions}
	if len(v) == 1 {
		e.Note = NoIntervalNote
	}
	switch {
	case a.r == nil || len(v) < 2:
	case a.later != nil && set != nil:
		if bootstrapMeanCIDraws(v, a.opt.Resamples, a.opt.Level) {
			*a.later = append(*a.later, laterCI{values: v, srcs: bootstrapStreams(a.r), set: set})
		}
	default:
		lo, hi := BootstrapMeanCI(v, a.opt.Resamples, a.opt.Level, a.r)
		e.Lo, e.Hi = Num(lo), Num(hi)
	}
	return e
}

// intervalInto returns the set of an interval that goes into m[key].
func intervalInto(m map[string]Estimate, key string) func(lo, hi float64) {
	return func(lo, hi float64) {
		e := m[key]
		e.Lo, e.Hi = Num(lo), Num(hi)
		m[key] = e
	}
}

// resampleAfter runs fn with the intervals of estimateLater queued, then
// resamples them on every core and hands each to its set, in the order
// they were queued: the same intervals as computed one after the other.
func (a *auditor) resampleAfter(fn func()) {
	if !resampleLater {
		fn()
		return
	}
	var later []laterCI
	a.later = &later
	defer func() { a.later = nil }()
	fn()
	a.later = nil
	ci := make([][2]float64, len(later))
	forEach(len(later), func(i int) {
		ci[i][0], ci[i][1] = bootstrapMeanCI(later[i].values, a.opt.Resamples, a.opt.Level, later[i].srcs)
	})
	for i, l := range later {
		l.set(ci[i][0], ci[i][1])
	}
}

// forEach calls fn(i) for i in [0, n) on every core and returns when all
// calls have.
func forEach(n int, fn func(i int)) {
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range max(1, min(n, runtime.GOMAXPROCS(0))) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func finite(values []float64) []float64 {
	out := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}

// groups audits the groups. Their intervals, over a thousand in a
// campaign of a thousand personas, are resampled at the end on every core
// (resampleAfter).
func (a *auditor) groups(ps []*personaData) []GroupAudit {
	var out []GroupAudit
	a.resampleAfter(func() {
		dims := append([]string{"role"}, a.opt.Dimensions...)
		for _, dim := range dims {
			byValue := map[string][]*personaData{}
			for _, p := range ps {
				v := p.info.Role
				if dim != "role" {
					v = p.info.Traits[dim]
				}
				if v == "" {
					continue
				}
				byValue[v] = append(byValue[v], p)
			}
			values := make([]string, 0, len(byValue))
			for v := range byValue {
				values = append(values, v)
			}
			slices.Sort(values)
			if dim != "role" && len(values) < 2 {
				continue // a trait every persona shares splits nothing
			}
			for _, v := range values {
				out = append(out, a.group(dim, v, byValue[v]))
			}
		}
	})
	return out
}

func (a *auditor) group(dim, value string, members []*personaData) GroupAudit {
	g := GroupAudit{Dimension: dim, Value: value, Personas: len(members), Rows: []GroupRow{}}
	seqSet := map[int]bool{}
	for _, p := range members {
		for _, s := range p.seqs {
			seqSet[s] = true
		}
	}
	seqs := make([]int, 0, len(seqSet))
	for s := range seqSet {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	// Session 0: each persona's mean over its sessions.
	for _, seq := range append([]int{0}, seqs...) {
		row := GroupRow{Session: seq, Metrics: map[string]Estimate{}}
		for _, m := range groupMetrics {
			name := m
			if m == "serp_ms" {
				name = SERPMSName(a.opt.SERPMSDepth)
			}
			var vals []float64
			imps, nses := 0, 0
			for _, p := range members {
				if seq == 0 {
					var per []float64
					for _, s := range p.seqs {
						per = append(per, metricOf(p.sessions[s].audit, m))
						imps += p.sessions[s].audit.N
						nses++
					}
					vals = append(vals, Mean(finite(per)))
				} else if s := p.sessions[seq]; s != nil {
					vals = append(vals, metricOf(s.audit, m))
					imps += s.audit.N
					nses++
				}
			}
			e := a.estimateLater(vals, imps, intervalInto(row.Metrics, name))
			e.Sessions = nses
			row.Metrics[name] = e
		}
		g.Rows = append(g.Rows, row)
	}
	// First exposure, Kaplan–Meier over every session of the group.
	type obs struct {
		rank     int
		censored bool
	}
	var all []obs
	secs := []float64{}
	for _, p := range members {
		for _, s := range p.seqs {
			sa := p.sessions[s].audit
			if sa.FirstHarmCensored {
				all = append(all, obs{sa.N, true}) // censored at the depth observed
			} else {
				all = append(all, obs{sa.FirstHarmRank, false})
			}
			if sa.FirstHarmCensored {
				g.FirstExposure.Censored++
			} else {
				g.FirstExposure.Exposed++
				secs = append(secs, float64(sa.FirstHarmSeconds))
			}
		}
	}
	g.FirstExposure.Sessions = len(all)
	g.FirstExposure.MeanSeconds = Num(Mean(finite(secs)))
	ranks := make([]int, len(all))
	cens := make([]bool, len(all))
	for i, o := range all {
		ranks[i], cens[i] = o.rank, o.censored
	}
	g.FirstExposure.MedianRank = Num(KaplanMeierMedian(ranks, cens))
	g.Catalogue = a.catalogueExposure(members)
	return g
}

// KaplanMeierMedian is the Kaplan–Meier median of event times t, where
// censored[i] says t[i] is a censoring time (no event observed up to it):
// the smallest event time at which the estimated survival drops to 0.5 or
// below. Events come before censorings at the same time. It returns NaN
// when the survival never drops that low or t is empty.
func KaplanMeierMedian(t []int, censored []bool) float64 {
	type obs struct {
		t int
		c bool
	}
	all := make([]obs, len(t))
	for i := range t {
		all[i] = obs{t[i], i < len(censored) && censored[i]}
	}
	slices.SortFunc(all, func(x, y obs) int {
		if c := cmp.Compare(x.t, y.t); c != 0 {
			return c
		}
		if x.c == y.c {
			return 0
		}
		if !x.c {
			return -1
		}
		return 1
	})
	atRisk := len(all)
	surv := 1.0
	for i := 0; i < len(all); {
		j, events := i, 0
		for j < len(all) && all[j].t == all[i].t {
			if !all[j].c {
				events++
			}
			j++
		}
		if events > 0 {
			surv *= 1 - float64(events)/float64(atRisk)
			if surv <= 0.5 {
				return float64(all[i].t)
			}
		}
		atRisk -= j - i
		i = j
	}
	return math.NaN()
}

// pair appends the list metrics between two sessions to out.
func (a *auditor) pair(s *pairScratch, xs, ys *sessionData, out map[string][]float64) {
	x, y := xs.items, ys.items
	out["jaccard"] = append(out["jaccard"], s.jaccard(x, y))
	rx, ry := x, y
	if d := a.opt.RBODepth; d > 0 {
		rx, ry = x[:min(d, len(x))], y[:min(d, len(y))]
	}
	out["rbo"] = append(out["rbo"], s.rbo(rx, ry, a.opt.RBOP))
	out["topic_jsd"] = append(out["topic_jsd"], jsdCounts(xs.counts, ys.counts))
	out["kendall_tau"] = append(out["kendall_tau"], s.kendallTau(x, y))
	out["edit_distance"] = append(out["edit_distance"], float64(s.damerauLevenshtein(x, y)))
}

func (a *auditor) personalization(ps []*personaData) ([]PersonalizationRow, []PersonalizationSummary) {
	rows := []PersonalizationRow{}
	perSession := map[int]map[string][]float64{} // session -> metric -> per test persona
	perPersona := map[string]map[string][]float64{}
	// The pairwise list metrics (Damerau-Levenshtein is O(n·m) per pair)
	// are computed on every core first, then aggregated in a fixed order,
	// so the result does not depend on scheduling.
	type pairJob struct {
		p      *personaData
		seq    int
		cs     []*sessionData
		tc, cc map[string][]float64
	}
	var tests []string
	var jobs []*pairJob
	for _, p := range ps {
		if p.info.Role != RoleTestName || len(p.controls) == 0 {
			continue
		}
		tests = append(tests, p.info.Name)
		perPersona[p.info.Name] = map[string][]float64{}
		for _, seq := range p.seqs {
			var cs []*sessionData
			for _, c := range p.controls {
				if s := c.sessions[seq]; s != nil {
					cs = append(cs, s)
				}
			}
			if len(cs) > 0 {
				jobs = append(jobs, &pairJob{p: p, seq: seq, cs: cs})
			}
		}
	}
	parallel(jobs, a.itemCodes, func(j *pairJob, s *pairScratch) {
		j.tc, j.cc = map[string][]float64{}, map[string][]float64{}
		for _, c := range j.cs {
			a.pair(s, j.p.sessions[j.seq], c, j.tc)
		}
		for i := range j.cs {
			for k := i + 1; k < len(j.cs); k++ {
				a.pair(s, j.cs[i], j.cs[k], j.cc)
			}
		}
	})
	// The noise floor's unit is the control group (the controls a test
	// persona is matched with), not the test persona: test personas that
	// share their controls share one noise floor, which must count once.
	noise := map[string]map[string]map[int]float64{} // control group -> key -> session -> value
	for _, j := range jobs {
		p, seq, tc, cc := j.p, j.seq, j.tc, j.cc
		group := controlGroup(p)
		if noise[group] == nil {
			noise[group] = map[string]map[int]float64{}
		}
		row := PersonalizationRow{Persona: p.info.Name, Session: seq, Metrics: map[string]Pairwise{}}
		for _, m := range pairMetrics {
			t, n := Mean(finite(tc[m])), Mean(finite(cc[m]))
			pers := n - t
			if pairDistance[m] {
				pers = t - n
			}
			row.Metrics[m] = Pairwise{TestControl: Num(t), ControlTwin: Num(n), Personalization: Num(pers),
				N: len(finite(tc[m])), NoisePairs: len(finite(cc[m]))}
			if perSession[seq] == nil {
				perSession[seq] = map[string][]float64{}
			}
			for key, v := range map[string]float64{m: pers, m + "_test_control": t} {
				perSession[seq][key] = append(perSession[seq][key], v)
				perPersona[p.info.Name][key] = append(perPersona[p.info.Name][key], v)
			}
			if noise[group][m] == nil {
				noise[group][m] = map[int]float64{}
			}
			noise[group][m][seq] = n
		}
		rows = append(rows, row)
	}
	var keys []string
	for _, m := range pairMetrics {
		keys = append(keys, m, m+"_test_control", m+"_control_twin")
	}
	var sums []PersonalizationSummary
	if len(tests) == 0 {
		return rows, []PersonalizationSummary{}
	}
	groups := slices.Sorted(maps.Keys(noise))
	// noiseEstimate sets dst[key] to the noise floor of metric m over the
	// control groups, in session seq (0: the mean of each group's
	// sessions).
	noiseEstimate := func(dst map[string]Estimate, key, m string, seq int) {
		var vals []float64
		for _, g := range groups {
			bySeq := noise[g][m]
			if seq != 0 {
				if v, ok := bySeq[seq]; ok {
					vals = append(vals, v)
				}
				continue
			}
			var vs []float64
			for _, sq := range slices.Sorted(maps.Keys(bySeq)) {
				vs = append(vs, bySeq[sq])
			}
			vals = append(vals, Mean(finite(vs)))
		}
		e := a.estimateLater(vals, 0, intervalInto(dst, key))
		if e.N == 1 {
			e.Note = NoIntervalGroupNote
		}
		dst[key] = e
	}
	// The summaries' intervals are resampled at the end on every core, as
	// the groups' are.
	a.resampleAfter(func() {
		all := PersonalizationSummary{Session: 0, Metrics: map[string]Estimate{}}
		for _, key := range keys {
			if m, ok := strings.CutSuffix(key, "_control_twin"); ok {
				noiseEstimate(all.Metrics, key, m, 0)
				continue
			}
			var vals []float64
			for _, t := range tests {
				vals = append(vals, Mean(finite(perPersona[t][key])))
			}
			all.Metrics[key] = a.estimateLater(vals, 0, intervalInto(all.Metrics, key))
		}
		saturated(&all)
		sums = append(sums, all)
		seqs := make([]int, 0, len(perSession))
		for s := range perSession {
			seqs = append(seqs, s)
		}
		slices.Sort(seqs)
		for _, seq := range seqs {
			row := PersonalizationSummary{Session: seq, Metrics: map[string]Estimate{}}
			for _, key := range keys {
				if m, ok := strings.CutSuffix(key, "_control_twin"); ok {
					noiseEstimate(row.Metrics, key, m, seq)
					continue
				}
				row.Metrics[key] = a.estimateLater(perSession[seq][key], 0, intervalInto(row.Metrics, key))
			}
			saturated(&row)
			sums = append(sums, row)
		}
	})
	return rows, sums
}

// controlGroup names the controls a test persona is matched with, the unit
// of its noise floor.
func controlGroup(p *personaData) string {
	names := make([]string, 0, len(p.controls))
	for _, c := range p.controls {
		names = append(names, c.info.Name)
	}
	slices.Sort(names)
	return strings.Join(names, "\x00")
}

// referenceMean is a persona's mean share, over the sessions test persona
// t has, of t's reference topic of each session.
func (a *auditor) referenceMean(p, t *personaData) float64 {
	var vals []float64
	for _, seq := range t.seqs {
		ref := t.sessions[seq].audit.Reference
		s := p.sessions[seq]
		if ref == "" || s == nil {
			continue
		}
		vals = append(vals, s.share(a.code(ref)))
	}
	return Mean(vals)
}

func (a *auditor) primary(ps []*personaData) StratifiedTest {
	var strata [][]float64
	for _, p := range ps {
		if p.info.Role != RoleTestName || len(p.controls) == 0 {
			continue
		}
		st := []float64{a.referenceMean(p, p)}
		if math.IsNaN(st[0]) {
			continue
		}
		for _, c := range p.controls {
			if v := a.referenceMean(c, p); !math.IsNaN(v) {
				st = append(st, v)
			}
		}
		if len(st) > 1 {
			strata = append(strata, st)
		}
	}
	res := StratifiedTest{Strata: len(strata), Statistic: Num(math.NaN()), PValue: Num(math.NaN()), SmallestP: 1}
	sizes := make([]int, len(strata))
	for i, st := range strata {
		sizes[i] = len(st)
	}
	res.SmallestP = Num(SmallestStratifiedP(sizes))
	res.Underpowered = float64(res.SmallestP) >= a.opt.Alpha
	if len(strata) == 0 {
		return res
	}
	stat, p, perms, exact := StratifiedPermutationTest(strata, a.opt.Resamples, a.r)
	res.Statistic, res.PValue, res.Permutations, res.Exact = Num(stat), Num(p), perms, exact
	res.Significant = p < a.opt.Alpha && !res.Underpowered
	return res
}

// StratifiedPermutationTest tests whether the first value of each stratum
// (a treated unit: a test persona) exceeds or falls short of the others (its
// matched controls) more than chance allows. The statistic is
// S = Σ_strata (x_first − mean(others)); under the null hypothesis any unit
// of a stratum is as likely to be the treated one, independently across
// strata. When the number of such assignments is at most resamples every
// one is enumerated and p = #{|S*| ≥ |S|} / #assignments (exact);
// otherwise p = (1 + #{|S*| ≥ |S|}) / (1 + resamples) over random
// assignments from r. The test is two-sided. Strata with fewer than 2
// values are skipped. It returns NaN p when no stratum is usable, or when
// it must sample and r is nil.
func StratifiedPermutationTest(strata [][]float64, resamples int, r *rand.Rand) (stat, p float64, permutations int, exact bool) {
	var use [][]float64
	total := 1.0
	for _, s := range strata {
		if len(s) >= 2 {
			use = append(use, s)
			total *= float64(len(s))
		}
	}
	if len(use) == 0 {
		return math.NaN(), math.NaN(), 0, false
	}
	// contrib[i][j]: stratum i's term when unit j is the treated one.
	contrib := make([][]float64, len(use))
	scale := 0.0
	for i, s := range use {
		sum := 0.0
		for _, v := range s {
			sum += v
		}
		contrib[i] = make([]float64, len(s))
		m := float64(len(s) - 1)
		for j, v := range s {
			contrib[i][j] = v - (sum-v)/m
			scale = max(scale, math.Abs(contrib[i][j]))
		}
		stat += contrib[i][0]
	}
	threshold := math.Abs(stat) - 1e-9*max(scale, 1)
	if total <= float64(max(resamples, 1)) {
		count, n := 0, 0
		idx := make([]int, len(use))
		for {
			s := 0.0
			for i, j := range idx {
				s += contrib[i][j]
			}
			if math.Abs(s) >= threshold {
				count++
			}
			n++
			k := 0
			for k < len(idx) {
				idx[k]++
				if idx[k] < len(use[k]) {
					break
				}
				idx[k] = 0
				k++
			}
			if k == len(idx) {
				break
			}
		}
		return stat, float64(count) / float64(n), n, true
	}
	if r == nil || resamples < 1 {
		return stat, math.NaN(), 0, false
	}
	count := 0
	for range resamples {
		s := 0.0
		for i := range use {
			s += contrib[i][r.IntN(len(use[i]))]
		}
		if math.Abs(s) >= threshold {
			count++
		}
	}
	return stat, float64(1+count) / float64(1+resamples), resamples, false
}

func (a *auditor) topicTests(ps []*personaData) []TopicTest {
	type group struct {
		tests    []float64
		controls map[*personaData][]float64
	}
	byTopic := map[string]*group{}
	for _, p := range ps {
		if p.info.Role != RoleTestName || len(p.controls) == 0 || len(p.seqs) == 0 {
			continue
		}
		topic := p.sessions[p.seqs[0]].audit.Reference
		if topic == "" {
			continue
		}
		v := a.referenceMean(p, p)
		if math.IsNaN(v) {
			continue
		}
		g := byTopic[topic]
		if g == nil {
			g = &group{controls: map[*personaData][]float64{}}
			byTopic[topic] = g
		}
		g.tests = append(g.tests, v)
		for _, c := range p.controls {
			if cv := a.referenceMean(c, p); !math.IsNaN(cv) {
				g.controls[c] = append(g.controls[c], cv)
			}
		}
	}
	topics := make([]string, 0, len(byTopic))
	for t := range byTopic {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	out := make([]TopicTest, 0, len(topics))
	var pvals []float64
	for _, t := range topics {
		g := byTopic[t]
		// A control matched to several test personas of the topic counts
		// once, with its mean.
		var cs []float64
		names := make([]*personaData, 0, len(g.controls))
		for c := range g.controls {
			names = append(names, c)
		}
		slices.SortFunc(names, func(x, y *personaData) int { return cmp.Compare(x.info.Name, y.info.Name) })
		for _, c := range names {
			cs = append(cs, Mean(g.controls[c]))
		}
		tt := TopicTest{Topic: t, TestPersonas: len(g.tests), Controls: len(cs),
			TestMean: Num(Mean(g.tests)), ControlMean: Num(Mean(cs)),
			DifferenceLo: Num(math.NaN()), DifferenceHi: Num(math.NaN()), PValue: Num(math.NaN())}
		tt.Difference = tt.TestMean - tt.ControlMean
		if sp := SmallestTwoSampleP(len(g.tests), len(cs)); sp >= a.opt.Alpha {
			tt.Underpowered = true
			tt.Note = fmt.Sprintf("underpowered: %d test and %d control personas cannot reach p < %.2g (smallest p %.3g)", len(g.tests), len(cs), a.opt.Alpha, sp)
		}
		if len(g.tests) < 2 || len(cs) < 2 {
			tt.Note = joinNote(tt.Note, "one persona on a side: no interval")
		}
		if a.r != nil && len(cs) > 0 {
			if len(g.tests) > 1 && len(cs) > 1 {
				lo, hi := bootstrapDiffCI(g.tests, cs, a.opt.Resamples, a.opt.Level, a.r)
				tt.DifferenceLo, tt.DifferenceHi = Num(lo), Num(hi)
			}
			tt.PValue = Num(PermutationTest(g.tests, cs, a.opt.Resamples, a.r))
		}
		pvals = append(pvals, float64(tt.PValue))
		out = append(out, tt)
	}
	for i, p := range Holm(pvals) {
		out[i].PHolm = Num(p)
		out[i].Significant = p < a.opt.Alpha && !out[i].Underpowered
	}
	return out
}

// bootstrapDiffCI is the percentile interval of mean(a) − mean(b),
// resampling each group's personas separately.
func bootstrapDiffCI(a, b []float64, resamples int, level float64, r *rand.Rand) (lo, hi float64) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), math.NaN()
	}
	stats := make([]float64, resamples)
	for i := range stats {
		sa, sb := 0.0, 0.0
		for range a {
			sa += a[r.IntN(len(a))]
		}
		for range b {
			sb += b[r.IntN(len(b))]
		}
		stats[i] = sa/float64(len(a)) - sb/float64(len(b))
	}
	slices.Sort(stats)
	alpha := (1 - level) / 2
	return quantile(stats, alpha), quantile(stats, 1-alpha)
}

func (a *auditor) phaseTests(ps []*personaData) []PhaseTest {
	type key struct {
		kind, phase, topic string
		from, to           int
	}
	type vals struct{ from, to []float64 }
	byKey := map[key]*vals{}
	var order []key
	add := func(k key, f, t float64) {
		if math.IsNaN(f) || math.IsNaN(t) {
			return
		}
		v := byKey[k]
		if v == nil {
			v = &vals{}
			byKey[k] = v
			order = append(order, k)
		}
		v.from = append(v.from, f)
		v.to = append(v.to, t)
	}
	share := func(p *personaData, seq int, topic string) float64 {
		s := p.sessions[seq]
		if s == nil || topic == "" {
			return math.NaN()
		}
		return s.share(a.code(topic))
	}
	for _, p := range ps {
		if p.info.Role != RoleTestName || len(p.out.Phases) < 2 {
			continue
		}
		for i, ph := range p.out.Phases {
			if ph.To > ph.From {
				add(key{"creation", ph.Name, ph.Reference, ph.From, ph.To}, share(p, ph.From, ph.Reference), share(p, ph.To, ph.Reference))
			}
			if i+1 < len(p.out.Phases) {
				next := p.out.Phases[i+1]
				add(key{"bursting", next.Name, ph.Reference, ph.To, next.To}, share(p, ph.To, ph.Reference), share(p, next.To, ph.Reference))
			}
		}
	}
	out := make([]PhaseTest, 0, len(order))
	m := map[string]int{} // topics per kind and phase, for Bonferroni
	for _, k := range order {
		m[k.kind+"/"+k.phase]++
	}
	for _, k := range order {
		v := byKey[k]
		u, p := MannWhitneyU(v.to, v.from)
		pt := PhaseTest{Kind: k.kind, Phase: k.phase, Topic: k.topic, FromSession: k.from, ToSession: k.to,
			Personas: len(v.from), FromMean: Num(Mean(v.from)), ToMean: Num(Mean(v.to)), U: Num(u), PValue: Num(p)}
		pt.PBonferroni = Num(min(1, p*float64(m[k.kind+"/"+k.phase])))
		pt.Significant = float64(pt.PBonferroni) < a.opt.Alpha
		out = append(out, pt)
	}
	return out
}
