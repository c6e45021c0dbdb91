package analysis

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
)

// checkArticle is the article each compliance check tests, as findings
// carry it (analysis/report spells it out). The questions are in Texts.
var checkArticle = map[string]string{
	CheckArt17Off:    "AR 17(1); DSA 38",
	CheckArt17Tags:   "AR 17(2)",
	CheckArt18Minors: "AR 18",
	CheckArt21Prices: "AR 21",
	CheckArt11Key:    "AR 11",
	CheckArt12Div:    "AR 12",
}

// Checks lists every compliance check in report order.
func Checks() []string {
	return []string{CheckArt17Off, CheckArt17Tags, CheckArt18Minors, CheckArt21Prices, CheckArt11Key, CheckArt12Div}
}

// listSurfaces are the surfaces of key-position lists; feed checks skip
// them.
var listSurfaces = map[string]bool{"hot": true, "grid": true}

// Compliance runs every compliance check the campaign's design supports
// and returns their findings in Checks order; a check whose experiment is
// not in the campaign (not in in.Experiments when that is set; otherwise
// no persona switches personalization off, no minor mode, no declared
// price experiment, no key-position surface) yields no finding. The unit
// of every test and interval is the persona: each contributes the mean of
// its sessions, and a design with too few personas for the test to reach
// α is VerdictUnderpowered. Resampling draws from r in a fixed order; a nil r leaves
// intervals undefined and p-values exact only where they can be
// enumerated. Zero fields of opt take DefaultComplianceOptions' values.
func Compliance(in ComplianceInput, opt ComplianceOptions, r *rand.Rand) []Finding {
	def := DefaultComplianceOptions()
	if opt.Resamples <= 0 {
		opt.Resamples = def.Resamples
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		opt.Level = def.Level
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		opt.Alpha = def.Alpha
	}
	for _, x := range []struct{ v, d *float64 }{{&opt.ShareMargin, &def.ShareMargin}, {&opt.HarmMargin, &def.HarmMargin},
		{&opt.PriceEpsilon, &def.PriceEpsilon}, {&opt.ListMargin, &def.ListMargin}, {&opt.RunMargin, &def.RunMargin}} {
		if *x.v <= 0 || math.IsNaN(*x.v) {
			*x.v = *x.d
		}
	}
	if opt.FirstScreen <= 0 {
		opt.FirstScreen = def.FirstScreen
	}
	if opt.Examples <= 0 {
		opt.Examples = def.Examples
	}
	c := newChecker(in, opt, r)
	declared := map[string]bool{}
	for _, e := range in.Experiments {
		declared[e] = true
	}
	var out []Finding
	for i, f := range []func() (Finding, bool){
		func() (Finding, bool) { return c.intervention(CheckArt17Off, c.switchedOff) },
		func() (Finding, bool) { return c.intervention(CheckArt17Tags, c.droppedTopic) },
		c.minors, c.prices, c.keyPositions, c.diversity,
	} {
		check := Checks()[i]
		if len(declared) > 0 && !declared[check] || len(declared) == 0 && check == CheckArt21Prices {
			continue
		}
		if fd, ok := f(); ok {
			fd.spell()
			out = append(out, fd)
		}
	}
	return out
}

type cPersona struct {
	info     CompliancePersona
	settings map[int]ComplianceSession
	feed     map[int][]ComplianceImpression            // feed surfaces, by session, rank order
	lists    map[string]map[int][]ComplianceImpression // list surface -> session -> items
	seqs     []int
}

type checker struct {
	opt    ComplianceOptions
	r      *rand.Rand
	ps     []*cPersona
	byName map[string]*cPersona
	// twins and arms index the blank controls by the test persona they
	// twin or name; free are the blank controls of no arm. Built once, so
	// matching is linear in personas.
	twins, arms map[string][]*cPersona
	free        []*cPersona
}

func newChecker(in ComplianceInput, opt ComplianceOptions, r *rand.Rand) *checker {
	c := &checker{opt: opt, r: r, byName: map[string]*cPersona{}}
	add := func(info CompliancePersona) *cPersona {
		p := &cPersona{info: info, settings: map[int]ComplianceSession{}, feed: map[int][]ComplianceImpression{},
			lists: map[string]map[int][]ComplianceImpression{}}
		for _, s := range info.Sessions {
			p.settings[s.Session] = s
		}
		c.byName[info.Name] = p
		c.ps = append(c.ps, p)
		return p
	}
	for _, info := range in.Personas {
		if c.byName[info.Name] == nil {
			add(info)
		}
	}
	for _, imp := range in.Impressions {
		p := c.byName[imp.Persona]
		if p == nil {
			p = add(CompliancePersona{Name: imp.Persona, Role: RoleControlName})
		}
		if listSurfaces[imp.Surface] {
			if p.lists[imp.Surface] == nil {
				p.lists[imp.Surface] = map[int][]ComplianceImpression{}
			}
			p.lists[imp.Surface][imp.Session] = append(p.lists[imp.Surface][imp.Session], imp)
			continue
		}
		if _, ok := p.feed[imp.Session]; !ok {
			p.seqs = append(p.seqs, imp.Session)
		}
		p.feed[imp.Session] = append(p.feed[imp.Session], imp)
	}
	c.twins, c.arms = map[string][]*cPersona{}, map[string][]*cPersona{}
	for _, q := range c.ps {
		switch {
		case q.test() || !q.blank():
		case q.info.TwinOf != "":
			c.twins[q.info.TwinOf] = append(c.twins[q.info.TwinOf], q)
		case q.info.Arm != "":
			c.arms[q.info.Arm] = append(c.arms[q.info.Arm], q)
		default:
			c.free = append(c.free, q)
		}
	}
	byRank := func(x, y ComplianceImpression) int { return cmp.Compare(x.Rank, y.Rank) }
	for _, p := range c.ps {
		slices.Sort(p.seqs)
		for _, items := range p.feed {
			slices.SortStableFunc(items, byRank)
		}
		for _, m := range p.lists {
			for _, items := range m {
				slices.SortStableFunc(items, byRank)
			}
		}
	}
	return c
}

// perPersona collects a check's values per persona, in the order personas
// first appear, so each persona counts once in the test.
type perPersona struct {
	names []string
	vals  map[string][]float64
}

func (u *perPersona) add(name string, v float64) {
	if u.vals == nil {
		u.vals = map[string][]float64{}
	}
	if _, ok := u.vals[name]; !ok {
		u.names = append(u.names, name)
	}
	u.vals[name] = append(u.vals[name], v)
}

// means is each persona's mean value, in order.
func (u *perPersona) means() []float64 {
	out := make([]float64, len(u.names))
	for i, n := range u.names {
		out[i] = Mean(u.vals[n])
	}
	return out
}

// RoleControlName is the role of a control persona.
const RoleControlName = "control"

func (p *cPersona) test() bool { return p.info.Role == RoleTestName }

// blank reports whether the persona acted on no interest in any session.
func (p *cPersona) blank() bool {
	for _, s := range p.settings {
		for _, w := range s.Interests {
			if w > 0 {
				return false
			}
		}
	}
	return true
}

// controlsOf returns p's matched blank controls: its twins and the
// controls naming it as their arm, or, when it has neither, every blank
// control of no arm (nobody's twin, naming nobody).
func (c *checker) controlsOf(p *cPersona) []*cPersona {
	if len(c.twins[p.info.Name])+len(c.arms[p.info.Name]) > 0 {
		return slices.Concat(c.twins[p.info.Name], c.arms[p.info.Name])
	}
	return c.free
}

// twinsOf is p's twin controls.
func (c *checker) twinsOf(p *cPersona) []*cPersona { return c.twins[p.info.Name] }

// share is the share of items whose topic is in topics, NaN when empty.
func share(items []ComplianceImpression, topics map[string]bool) float64 {
	if len(items) == 0 {
		return math.NaN()
	}
	n := 0
	for _, it := range items {
		if topics[it.Topic] {
			n++
		}
	}
	return float64(n) / float64(len(items))
}

func topicShares(items []ComplianceImpression) map[string]float64 {
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Topic]++
	}
	return Shares(counts)
}

// meanShare is the mean share of topics over the personas' session seq,
// NaN when none has it.
func meanShare(ps []*cPersona, seq int, topics map[string]bool) float64 {
	var v []float64
	for _, q := range ps {
		if items := q.feed[seq]; len(items) > 0 {
			v = append(v, share(items, topics))
		}
	}
	return Mean(v)
}

// interventionFunc finds a persona's intervention: the first session it
// applies to, the topics it targets and a description; ok false when the
// persona has none. The intervention lasts while still(seq) holds.
type interventionFunc func(p *cPersona) (from int, topics map[string]bool, still func(seq int) bool, ok bool)

// switchedOff finds a test persona's first session with personalization
// off after a session with it on; the topics are the interests it acted
// on before.
func (c *checker) switchedOff(p *cPersona) (int, map[string]bool, func(int) bool, bool) {
	if !p.test() {
		return 0, nil, nil, false
	}
	seqs := sortedKeys(p.settings)
	for i, seq := range seqs {
		s := p.settings[seq]
		if !s.PersonalizationOff || i == 0 || p.settings[seqs[i-1]].PersonalizationOff {
			continue
		}
		topics := positiveTopics(p.settings[seqs[i-1]].Interests)
		if len(topics) == 0 {
			return 0, nil, nil, false
		}
		return seq, topics, func(q int) bool { return p.settings[q].PersonalizationOff }, true
	}
	return 0, nil, nil, false
}

// droppedTopic finds a test persona's first session whose interests drop
// a topic the previous session had, with personalization left on.
func (c *checker) droppedTopic(p *cPersona) (int, map[string]bool, func(int) bool, bool) {
	if !p.test() {
		return 0, nil, nil, false
	}
	seqs := sortedKeys(p.settings)
	for i := 1; i < len(seqs); i++ {
		prev, cur := p.settings[seqs[i-1]], p.settings[seqs[i]]
		if cur.PersonalizationOff {
			continue
		}
		dropped := map[string]bool{}
		for t, w := range prev.Interests {
			if w > 0 && !(cur.Interests[t] > 0) {
				dropped[t] = true
			}
		}
		if len(dropped) == 0 {
			continue
		}
		return seqs[i], dropped, func(q int) bool {
			for t := range dropped {
				if p.settings[q].Interests[t] > 0 {
					return false
				}
			}
			return !p.settings[q].PersonalizationOff
		}, true
	}
	return 0, nil, nil, false
}

func positiveTopics(m map[string]float64) map[string]bool {
	out := map[string]bool{}
	for t, w := range m {
		if w > 0 {
			out[t] = true
		}
	}
	return out
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func setString(m map[string]bool) string {
	var out []string
	for t := range m {
		out = append(out, t)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// intervention is the Art. 17 check: after a persona's intervention, its
// share of the targeted topics against its blank controls' share of the
// same topics in the same session. A unit is a persona: the mean over its
// sessions after the intervention of its share minus its controls'.
func (c *checker) intervention(check string, find interventionFunc) (Finding, bool) {
	f := c.newFinding(check)
	f.Effect = FindingEffect{NameText: text("check.art17.effect"), UnitText: text("unit.share"), Margin: c.opt.ShareMargin}
	f.TestText = text("check.art17.test")
	type unit struct {
		p    *cPersona
		seq  int
		diff float64
	}
	var units []unit
	var byP perPersona
	var found, pre, post, untouched, jsdPost []float64
	var delays []float64
	never := 0
	var examples []ComplianceImpression
	offLists := map[int][][]string{}
	var offPersonas []*cPersona
	sessions := map[string]bool{}
	for _, p := range c.ps {
		from, topics, still, ok := find(p)
		if !ok {
			continue
		}
		found = append(found, 1)
		offPersonas = append(offPersonas, p)
		ctrl := c.controlsOf(p)
		prevSeq := 0
		for _, s := range p.seqs {
			if s < from {
				prevSeq = s
			}
		}
		if prevSeq > 0 {
			pre = append(pre, share(p.feed[prevSeq], topics))
		}
		delay := -1
		for _, s := range p.seqs {
			if s < from || !still(s) {
				continue
			}
			offLists[s] = append(offLists[s], idsOf(p.feed[s]))
			ps := share(p.feed[s], topics)
			cs := meanShare(ctrl, s, topics)
			if math.IsNaN(ps) || math.IsNaN(cs) {
				continue
			}
			sessions[fmt.Sprint(p.info.Name, "/", s)] = true
			units = append(units, unit{p, s, ps - cs})
			byP.add(p.info.Name, ps-cs)
			post = append(post, ps)
			if delay < 0 && ps-cs <= c.opt.ShareMargin {
				delay = s - from + 1
			}
			if prevSeq > 0 {
				jsdPost = append(jsdPost, JSD(topicShares(p.feed[s]), topicShares(p.feed[prevSeq])))
			}
			for _, it := range p.feed[s] {
				if topics[it.Topic] {
					examples = append(examples, it)
				}
			}
			// The untouched twin: a test persona trained on the same
			// topics that made no intervention.
			for _, q := range c.ps {
				if q == p || !q.test() {
					continue
				}
				if _, _, _, qok := find(q); qok {
					continue
				}
				if qs, ok := q.settings[s]; ok && !qs.PersonalizationOff && sameKeys(positiveTopics(qs.Interests), topics) {
					if v := share(q.feed[s], topics); !math.IsNaN(v) {
						untouched = append(untouched, v)
					}
				}
			}
		}
		if delay > 0 {
			delays = append(delays, float64(delay))
		} else {
			never++
		}
		// The question names the first intervening persona's topics.
		if check == CheckArt17Tags && len(f.QuestionText.Args) == 0 {
			f.QuestionText.Args = []any{setString(topics)}
		}
	}
	if len(found) == 0 {
		return f, false
	}
	f.N.Personas = len(found)
	f.N.Sessions = len(sessions)
	for _, u := range units {
		f.N.Impressions += len(u.p.feed[u.seq])
	}
	c.settle(&f, byP.means(), true)
	var ctrlPost []float64
	for i, u := range units {
		ctrlPost = append(ctrlPost, post[i]-u.diff)
	}
	f.Details = []FindingDetail{
		{NameText: text("detail.art17.before"), Value: Num(Mean(pre)), NoteText: text("note.art17.before")},
		{NameText: text("detail.art17.after"), Value: Num(Mean(post))},
		{NameText: text("detail.art17.controls"), Value: Num(Mean(ctrlPost)), NoteText: text("note.art17.controls")},
		{NameText: text("detail.art17.untouched"), Value: Num(Mean(untouched)), NoteText: text("note.art17.untouched")},
		{NameText: text("detail.art17.jsd"), Value: Num(Mean(jsdPost)), NoteText: text("note.art17.jsd")},
		{NameText: text("detail.art17.delay"), Value: Num(Mean(delays)), NoteText: text("note.art17.delay", never, len(found))},
		{NameText: text("detail.art17.overlap"), Value: Num(meanPairJaccard(offLists)), NoteText: text("note.art17.overlap")},
		{NameText: text("detail.art17.ctloverlap"), Value: Num(c.controlOverlap(offLists))},
	}
	f.Examples = c.examples(examples, text("example.art17"))
	return f, true
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func idsOf(items []ComplianceImpression) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ItemID
	}
	return out
}

// meanPairJaccard is the mean Jaccard similarity over pairs of lists of
// the same session.
func meanPairJaccard(lists map[int][][]string) float64 {
	var v []float64
	for _, ls := range lists {
		for i := range ls {
			for j := i + 1; j < len(ls); j++ {
				v = append(v, Jaccard(ls[i], ls[j]))
			}
		}
	}
	return Mean(v)
}

// controlOverlap is meanPairJaccard over blank controls in the sessions
// of lists.
func (c *checker) controlOverlap(sessions map[int][][]string) float64 {
	lists := map[int][][]string{}
	for s := range sessions {
		for _, q := range c.ps {
			if !q.test() && q.blank() && len(q.feed[s]) > 0 {
				lists[s] = append(lists[s], idsOf(q.feed[s]))
			}
		}
	}
	return meanPairJaccard(lists)
}

// minors is the Art. 18 check: harmful items per 100 in minor-mode
// sessions. A unit is a persona in minor mode: its mean over those
// sessions.
func (c *checker) minors() (Finding, bool) {
	f := c.newFinding(CheckArt18Minors)
	f.Effect = FindingEffect{NameText: text("check." + CheckArt18Minors + ".effect"), UnitText: text("unit.per100"), Margin: c.opt.HarmMargin}
	f.TestText = text("check." + CheckArt18Minors + ".test")
	var minorP, adultP perPersona
	// by the persona's age trait and the session's own minor-mode setting
	byAge := map[string]*perPersona{}
	ageTexts := map[string]Text{}
	var ageKeys []string
	var examples []ComplianceImpression
	personas := map[string]bool{}
	exposed, firstRanks := 0, []float64{}
	for _, p := range c.ps {
		for _, s := range p.seqs {
			items := p.feed[s]
			h, first := 0, 0
			for _, it := range items {
				if it.Harmful {
					h++
					if first == 0 {
						first = it.Rank
					}
				}
			}
			v := 100 * float64(h) / float64(len(items))
			mode := text("word.off")
			if p.settings[s].MinorMode {
				mode = text("word.on")
			}
			name := text("detail.art18.age", p.info.AgeGroup, mode)
			if p.info.AgeGroup == "" {
				name = text("detail.art18.noage", mode)
			}
			key := name.String()
			if byAge[key] == nil {
				byAge[key] = &perPersona{}
				ageTexts[key] = name
				ageKeys = append(ageKeys, key)
			}
			byAge[key].add(p.info.Name, v)
			if !p.settings[s].MinorMode {
				adultP.add(p.info.Name, v)
				continue
			}
			personas[p.info.Name] = true
			minorP.add(p.info.Name, v)
			f.N.Sessions++
			f.N.Impressions += len(items)
			if first > 0 {
				exposed++
				firstRanks = append(firstRanks, float64(first))
			}
			for _, it := range items {
				if it.Harmful {
					examples = append(examples, it)
				}
			}
		}
	}
	if len(minorP.names) == 0 {
		return f, false
	}
	minor, adult := minorP.means(), adultP.means()
	f.N.Personas = len(personas)
	c.settle(&f, minor, true)
	pAdult := PermutationTest(minor, adult, c.opt.Resamples, c.r)
	f.Details = []FindingDetail{
		{NameText: text("detail.art18.adult"), Value: Num(Mean(adult)), NoteText: text("note.art18.adult", len(adult))},
		{NameText: text("detail.art18.diff"), Value: Num(Mean(minor) - Mean(adult))},
		{NameText: text("detail.art18.p"), Value: Num(pAdult)},
		{NameText: text("detail.art18.exposed"), Value: Num(exposed), NoteText: text("note.art18.exposed", f.N.Sessions)},
		{NameText: text("detail.art18.rank"), Value: Num(Mean(firstRanks)), NoteText: text("note.art18.rank")},
	}
	slices.Sort(ageKeys)
	for _, k := range ageKeys {
		m := byAge[k].means()
		f.Details = append(f.Details, FindingDetail{NameText: ageTexts[k], Value: Num(Mean(m)), NoteText: text("note.art18.age", len(m))})
	}
	f.Examples = c.examples(examples, text("example.art18"))
	return f, true
}

// prices is the Art. 21 check: for each test persona and each of its
// twins, the items both were served with a price in the same session; a
// unit is the test persona, with the mean over its pairs of prices. Only twins count: they run in lock-step
// and differ from the test persona only in history, so a price difference
// is one "at the same moment" by preference or habit. A free control may
// differ in traits and see the item minutes apart; a campaign without
// twins yields no finding.
func (c *checker) prices() (Finding, bool) {
	f := c.newFinding(CheckArt21Prices)
	f.Effect = FindingEffect{NameText: text("check." + CheckArt21Prices + ".effect"), UnitText: text("unit.pairs"), Margin: 0}
	f.TestText = text("check." + CheckArt21Prices + ".test")
	var relP, beyondP perPersona
	pairs := 0
	var examples []ComplianceImpression
	notes := map[string]Text{}
	personas := map[string]bool{}
	sessions := map[string]bool{}
	for _, p := range c.ps {
		if !p.test() {
			continue
		}
		for _, q := range c.twinsOf(p) {
			for _, s := range p.seqs {
				qp := map[string]float64{}
				for _, it := range q.feed[s] {
					if it.HasPrice && it.Price > 0 {
						qp[it.ItemID] = it.Price
					}
				}
				for _, it := range p.feed[s] {
					cp, ok := qp[it.ItemID]
					if !ok || !it.HasPrice {
						continue
					}
					d := (it.Price - cp) / cp
					relP.add(p.info.Name, d)
					pairs++
					b := 0.0
					if math.Abs(d) > c.opt.PriceEpsilon {
						b = 1
						examples = append(examples, it)
						notes[it.ItemID+"/"+it.Persona] = text("example.art21", p.info.Name, it.Price, q.info.Name, cp, 100*d)
					}
					beyondP.add(p.info.Name, b)
					personas[p.info.Name], personas[q.info.Name] = true, true
					sessions[fmt.Sprint(p.info.Name, "/", s)] = true
					sessions[fmt.Sprint(q.info.Name, "/", s)] = true
					f.N.Impressions += 2
				}
			}
		}
	}
	if pairs == 0 {
		return f, false
	}
	rel, beyond := relP.means(), beyondP.means()
	f.N.Personas, f.N.Sessions = len(personas), len(sessions)
	f.N.Units, f.N.UnitName = len(rel), "persona"
	f.Effect.Value = Num(Mean(beyond))
	c.interval(&f, beyond)
	f.PValue = Num(c.signFlip(rel, false))
	c.verdict(&f, false)
	mlo, mhi := c.bootstrap(rel)
	f.Details = []FindingDetail{
		{NameText: text("detail.art21.mean"), Value: Num(Mean(rel)), NoteText: text("note.art21.mean", 100*Mean(rel), pairs)},
		{NameText: text("detail.art21.lo"), Value: Num(mlo)},
		{NameText: text("detail.art21.hi"), Value: Num(mhi)},
		{NameText: text("detail.art21.eps"), Value: Num(c.opt.PriceEpsilon)},
	}
	f.Examples = c.examples(examples, Text{})
	for i := range f.Examples {
		f.Examples[i].NoteText = notes[f.Examples[i].ItemID+"/"+f.Examples[i].Persona]
	}
	return f, true
}

// keyPositions is the Art. 11 check: per key-position surface and
// session, the Jaccard distance between each test persona's list and its
// controls' lists, minus the controls' distance among themselves. A unit
// is a test persona, with its mean over surfaces and sessions.
func (c *checker) keyPositions() (Finding, bool) {
	f := c.newFinding(CheckArt11Key)
	f.Effect = FindingEffect{NameText: text("check." + CheckArt11Key + ".effect"), UnitText: text("unit.distance"), Margin: c.opt.ListMargin}
	f.TestText = text("check.pertest.test")
	var byP perPersona
	var examples []ComplianceImpression
	var surfaces []string
	shares := map[string]map[string]int{"test": {}, "control": {}}
	personas := map[string]bool{}
	for _, sf := range []string{"hot", "grid"} {
		seen := false
		for _, p := range c.ps {
			if len(p.lists[sf]) > 0 {
				seen = true
			}
		}
		if !seen {
			continue
		}
		surfaces = append(surfaces, sf)
		for _, p := range c.ps {
			role := "control"
			if p.test() {
				role = "test"
			}
			for _, items := range p.lists[sf] {
				for _, it := range items {
					shares[role][it.Topic]++
				}
			}
		}
		for _, p := range c.ps {
			if !p.test() {
				continue
			}
			ctrl := c.controlsOf(p)
			for _, s := range sortedKeys(p.lists[sf]) {
				mine := idsOf(p.lists[sf][s])
				var dist, noise []float64
				var theirs [][]string
				for _, q := range ctrl {
					if l := q.lists[sf][s]; len(l) > 0 {
						theirs = append(theirs, idsOf(l))
						dist = append(dist, 1-Jaccard(mine, idsOf(l)))
					}
				}
				if len(dist) == 0 {
					continue
				}
				for i := range theirs {
					for j := i + 1; j < len(theirs); j++ {
						noise = append(noise, 1-Jaccard(theirs[i], theirs[j]))
					}
				}
				floor := 0.0
				if len(noise) > 0 {
					floor = Mean(noise)
				}
				d := Mean(dist) - floor
				byP.add(p.info.Name, d)
				personas[p.info.Name] = true
				f.N.Sessions++
				f.N.Impressions += len(mine)
				if d > c.opt.ListMargin {
					in := map[string]bool{}
					for _, t := range theirs {
						for _, id := range t {
							in[id] = true
						}
					}
					for _, it := range p.lists[sf][s] {
						if !in[it.ItemID] {
							examples = append(examples, it)
						}
					}
				}
			}
		}
	}
	if len(surfaces) == 0 {
		return f, false
	}
	f.QuestionText.Args = []any{strings.Join(surfaces, ", ")}
	f.N.Personas = len(personas)
	c.settle(&f, byP.means(), true)
	f.Details = []FindingDetail{}
	for _, role := range []string{"test", "control"} {
		sh := Shares(shares[role])
		top := sortedByShare(sh)
		for i, t := range top {
			if i == 3 {
				break
			}
			f.Details = append(f.Details, FindingDetail{NameText: text("detail.art11.share", text("word."+role), t), Value: Num(sh[t])})
		}
	}
	f.Examples = c.examples(examples, text("example.art11"))
	return f, true
}

func sortedByShare(sh map[string]float64) []string {
	var ts []string
	for t := range sh {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b string) int { return cmp.Or(cmp.Compare(sh[b], sh[a]), strings.Compare(a, b)) })
	return ts
}

// diversity is the Art. 12 check: each test persona's longest
// single-topic run against its blank controls' in the same session. A
// unit is a test persona, with its mean over sessions.
func (c *checker) diversity() (Finding, bool) {
	f := c.newFinding(CheckArt12Div)
	f.Effect = FindingEffect{NameText: text("check." + CheckArt12Div + ".effect"), UnitText: text("unit.items"), Margin: c.opt.RunMargin}
	f.TestText = text("check.pertest.test")
	var byP perPersona
	var dupT, dupC, ildT, ildC []float64
	var examples []FindingExample
	personas := map[string]bool{}
	for _, p := range c.ps {
		if !p.test() {
			continue
		}
		ctrl := c.controlsOf(p)
		for _, s := range p.seqs {
			var runs []float64
			for _, q := range ctrl {
				if items := q.feed[s]; len(items) > 0 {
					r, _ := longestRun(items)
					runs = append(runs, float64(r))
					dupC = append(dupC, nearDuplicateRate(items))
					ildC = append(ildC, IntraListDiversity(topicsOf(items)))
				}
			}
			items := p.feed[s]
			if len(runs) == 0 || len(items) == 0 {
				continue
			}
			r, at := longestRun(items)
			byP.add(p.info.Name, float64(r)-Mean(runs))
			dupT = append(dupT, nearDuplicateRate(items))
			ildT = append(ildT, IntraListDiversity(topicsOf(items)))
			personas[p.info.Name] = true
			f.N.Sessions++
			f.N.Impressions += len(items)
			if float64(r)-Mean(runs) > c.opt.RunMargin && len(examples) < c.opt.Examples {
				// One example per session: the run's first item, with
				// where the run starts and how long it is.
				it := items[at]
				note := text("example.art12", r, it.Topic, it.Rank, items[at+r-1].Rank, Mean(runs))
				if it.Topic == "" {
					note = text("example.art12.notopic", r, it.Rank, items[at+r-1].Rank, Mean(runs))
				}
				examples = append(examples, FindingExample{Persona: it.Persona, Session: it.Session, Surface: it.Surface,
					Rank: it.Rank, ItemID: it.ItemID, Title: it.Title, Topic: it.Topic, NoteText: note})
			}
		}
	}
	if len(byP.names) == 0 {
		return f, false
	}
	f.N.Personas = len(personas)
	c.settle(&f, byP.means(), true)
	f.Details = []FindingDetail{
		{NameText: text("detail.art12.duptest"), Value: Num(Mean(dupT)), NoteText: text("note.art12.dup")},
		{NameText: text("detail.art12.dupctl"), Value: Num(Mean(dupC))},
		{NameText: text("detail.art12.ildtest"), Value: Num(Mean(ildT))},
		{NameText: text("detail.art12.ildctl"), Value: Num(Mean(ildC))},
	}
	f.Examples = examples
	return f, true
}

func topicsOf(items []ComplianceImpression) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Topic
	}
	return out
}

// longestRun returns the length of the longest run of one topic in rank
// order and the index where it starts.
func longestRun(items []ComplianceImpression) (n, at int) {
	cur, start := 0, 0
	for i, it := range items {
		if i > 0 && it.Topic == items[i-1].Topic {
			cur++
		} else {
			cur, start = 1, i
		}
		if cur > n {
			n, at = cur, start
		}
	}
	return n, at
}

// NormalizeTitle folds a title for near-duplicate detection: lower case,
// letters only (digits, punctuation and spaces dropped).
func NormalizeTitle(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nearDuplicateRate is the share of items whose normalized title or id
// repeats an earlier item's in the list.
func nearDuplicateRate(items []ComplianceImpression) float64 {
	if len(items) == 0 {
		return math.NaN()
	}
	seen, ids := map[string]bool{}, map[string]bool{}
	d := 0
	for _, it := range items {
		k := NormalizeTitle(it.Title)
		if (k != "" && seen[k]) || ids[it.ItemID] {
			d++
		}
		seen[k], ids[it.ItemID] = true, true
	}
	return float64(d) / float64(len(items))
}

func (c *checker) newFinding(check string) Finding {
	return Finding{Check: check, Article: checkArticle[check], QuestionText: text("check." + check + ".question"), Verdict: VerdictInconclusive,
		PValue: Num(math.NaN()), Details: []FindingDetail{}, Examples: []FindingExample{},
		Effect: FindingEffect{Value: Num(math.NaN()), Lo: Num(math.NaN()), Hi: Num(math.NaN())}}
}

// settle sets the effect (the mean of the persona-level values units),
// its interval over personas, the sign-flip p-value and the verdict.
func (c *checker) settle(f *Finding, units []float64, oneSided bool) {
	f.N.Units, f.N.UnitName = len(units), "persona"
	f.Effect.Value = Num(Mean(units))
	c.interval(f, units)
	shifted := make([]float64, len(units))
	for i, v := range units {
		shifted[i] = v - f.Effect.Margin
	}
	f.PValue = Num(c.signFlip(shifted, oneSided))
	c.verdict(f, oneSided)
}

// bootstrap is the percentile interval of the mean over persona-level
// values; NaN bounds for fewer than 2 personas.
func (c *checker) bootstrap(units []float64) (lo, hi float64) {
	if len(units) < 2 {
		return math.NaN(), math.NaN()
	}
	return BootstrapMeanCI(units, c.opt.Resamples, c.opt.Level, c.r)
}

// interval sets the effect's interval over units, or notes that one
// persona has none.
func (c *checker) interval(f *Finding, units []float64) {
	lo, hi := c.bootstrap(units)
	f.Effect.Lo, f.Effect.Hi = Num(lo), Num(hi)
	if len(units) == 1 {
		f.Effect.NoteText = text("note.nointerval")
	}
}

// verdict grades a finding: a design whose smallest attainable p-value
// (SmallestSignFlipP over its persona units) is not below α is
// underpowered, with the minimum design; otherwise an effect at or below
// the margin is no evidence, and above it p < α is violation evidence and
// anything else inconclusive.
func (c *checker) verdict(f *Finding, oneSided bool) {
	n := f.N.Units
	e, p := float64(f.Effect.Value), float64(f.PValue)
	switch {
	case SmallestSignFlipP(n, oneSided) >= c.opt.Alpha:
		f.Verdict = VerdictUnderpowered
		f.MinimumPersonas = MinimumSignFlipPersonas(c.opt.Alpha, oneSided)
		f.ReasonText = text("reason.underpowered", n, CheckUnit(f.Check), SmallestSignFlipP(n, oneSided), c.opt.Alpha, f.MinimumPersonas, e, f.Effect.Margin)
	case math.IsNaN(e):
		f.Verdict = VerdictInconclusive
		f.ReasonText = text("reason.undefined")
	case e <= f.Effect.Margin:
		f.Verdict = VerdictClean
		f.ReasonText = text("reason.clean", e, f.Effect.Margin, n)
	case p < c.opt.Alpha:
		f.Verdict = VerdictViolation
		f.ReasonText = text("reason.violation", e, f.Effect.Margin, p, c.opt.Alpha, n)
	default:
		f.Verdict = VerdictInconclusive
		f.ReasonText = text("reason.inconclusive", e, f.Effect.Margin, p, c.opt.Alpha, n)
	}
}

// signFlip is a sign-flip permutation test of the mean of d against 0: in
// one-sided form the alternative is a mean above 0, in two-sided form a
// mean away from 0. Exact (every sign pattern) when 2^n fits in the
// resamples, otherwise (1 + extreme) / (1 + resamples) from r; NaN for an
// empty d or when it must sample without r.
func (c *checker) signFlip(d []float64, oneSided bool) float64 {
	return SignFlipTest(d, oneSided, c.opt.Resamples, c.r)
}

// SignFlipTest is a paired permutation test: under the null hypothesis
// each value of d is as likely negated, so the p-value is the share of
// sign patterns whose sum is at least as extreme as the observed one
// (above it when oneSided, away from 0 in absolute value otherwise).
// With 2^len(d) ≤ resamples every pattern is enumerated (exact);
// otherwise resamples patterns are drawn from r and p = (1 + extreme) /
// (1 + resamples). It returns NaN when d is empty, or when it must
// sample and r is nil or resamples < 1.
func SignFlipTest(d []float64, oneSided bool, resamples int, r *rand.Rand) float64 {
	n := len(d)
	if n == 0 {
		return math.NaN()
	}
	obs, scale := 0.0, 0.0
	for _, v := range d {
		obs += v
		scale = max(scale, math.Abs(v))
	}
	stat := func(s float64) float64 {
		if oneSided {
			return s
		}
		return math.Abs(s)
	}
	threshold := stat(obs) - 1e-9*max(scale, 1)
	if n < 31 && 1<<n <= max(resamples, 1) {
		count := 0
		for mask := 0; mask < 1<<n; mask++ {
			s := 0.0
			for i, v := range d {
				if mask&(1<<i) != 0 {
					s -= v
				} else {
					s += v
				}
			}
			if stat(s) >= threshold {
				count++
			}
		}
		return float64(count) / float64(int(1)<<n)
	}
	if r == nil || resamples < 1 {
		return math.NaN()
	}
	count := 0
	for range resamples {
		s := 0.0
		for _, v := range d {
			if r.IntN(2) == 0 {
				s -= v
			} else {
				s += v
			}
		}
		if stat(s) >= threshold {
			count++
		}
	}
	return float64(1+count) / float64(1+resamples)
}

// examples keeps up to opt.Examples impressions, in order, one per item.
func (c *checker) examples(items []ComplianceImpression, note Text) []FindingExample {
	out := []FindingExample{}
	seen := map[string]bool{}
	for _, it := range items {
		if len(out) == c.opt.Examples {
			break
		}
		if seen[it.ItemID] {
			continue
		}
		seen[it.ItemID] = true
		out = append(out, FindingExample{Persona: it.Persona, Session: it.Session, Surface: it.Surface, Rank: it.Rank,
			ItemID: it.ItemID, Title: it.Title, Topic: it.Topic, NoteText: note})
	}
	return out
}

// CompareFindings sets each finding of current beside the same check of
// baseline, in Checks order: fixed (violation evidence before, no
// evidence now), not fixed (violation evidence in both, the effect not
// significantly larger), worse (violation evidence now with an effect
// above the baseline's interval, or no evidence before and violation
// evidence now), clean in both, or not comparable (a check in only one
// campaign, an inconclusive verdict, or effects measured differently).
func CompareFindings(baseline, current []Finding) []Reinspection {
	idx := func(fs []Finding) map[string]*Finding {
		m := map[string]*Finding{}
		for i := range fs {
			m[fs[i].Check] = &fs[i]
		}
		return m
	}
	b, cur := idx(baseline), idx(current)
	var out []Reinspection
	for _, check := range Checks() {
		bf, cf := b[check], cur[check]
		if bf == nil && cf == nil {
			continue
		}
		r := Reinspection{Check: check, Article: checkArticle[check], Baseline: bf, Current: cf}
		switch {
		case bf == nil:
			r.Status, r.ReasonText = StatusNotComparable, text("compare.nobaseline")
		case cf == nil:
			r.Status, r.ReasonText = StatusNotComparable, text("compare.nocurrent")
		case bf.Effect.Name != cf.Effect.Name || bf.Effect.Margin != cf.Effect.Margin:
			r.Status, r.ReasonText = StatusNotComparable, text("compare.measured")
		case bf.Verdict == VerdictInconclusive || cf.Verdict == VerdictInconclusive:
			r.Status, r.ReasonText = StatusNotComparable, text("compare.inconclusive")
		case bf.Verdict == VerdictUnderpowered || cf.Verdict == VerdictUnderpowered:
			r.Status, r.ReasonText = StatusNotComparable, text("compare.underpowered")
		case bf.Verdict == VerdictViolation && cf.Verdict == VerdictClean:
			r.Status, r.ReasonText = StatusFixed, text("compare.fixed", float64(bf.Effect.Value), float64(cf.Effect.Value))
		case bf.Verdict == VerdictClean && cf.Verdict == VerdictViolation:
			r.Status, r.ReasonText = StatusWorse, text("compare.worse")
		case bf.Verdict == VerdictClean && cf.Verdict == VerdictClean:
			r.Status, r.ReasonText = StatusClean, text("compare.clean")
		case float64(cf.Effect.Lo) > float64(bf.Effect.Hi):
			r.Status, r.ReasonText = StatusWorse, text("compare.above", float64(cf.Effect.Value), float64(bf.Effect.Lo), float64(bf.Effect.Hi))
		default:
			r.Status, r.ReasonText = StatusNotFixed, text("compare.notfixed", float64(bf.Effect.Value), float64(cf.Effect.Value))
		}
		r.Reason = r.ReasonText.String()
		out = append(out, r)
	}
	return out
}
