package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// armInterests is the interests a persona's session is measured on: its
// own, or for a control without any, those of the test persona of its arm
// (TwinOf or Arm) in the same session. A control of no arm keeps none.
func armInterests(p AuditPersona, seq int, interests map[string]float64, byName map[string]*personaData) map[string]float64 {
	if p.Role == RoleTestName || len(positiveTopics(interests)) > 0 {
		return interests
	}
	if t := byName[cmpOr(p.TwinOf, p.Arm)]; t != nil && t.info.Name != p.Name {
		_, _, in := phaseOf(t.info, seq)
		return in
	}
	return interests
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// jsdCounts is JSD over two topic count vectors indexed alike (NaN when
// either is empty).
func jsdCounts(x, y []int32) float64 {
	var nx, ny float64
	for _, c := range x {
		nx += float64(c)
	}
	for _, c := range y {
		ny += float64(c)
	}
	if nx == 0 || ny == 0 {
		return math.NaN()
	}
	// The terms are summed in sorted order, so the result does not depend
	// on how topics are coded.
	var terms []float64
	for i := range max(len(x), len(y)) {
		var a, b float64
		if i < len(x) {
			a = float64(x[i]) / nx
		}
		if i < len(y) {
			b = float64(y[i]) / ny
		}
		m := (a + b) / 2
		if a > 0 {
			terms = append(terms, a*math.Log2(a/m))
		}
		if b > 0 {
			terms = append(terms, b*math.Log2(b/m))
		}
	}
	slices.Sort(terms)
	sum := 0.0
	for _, t := range terms {
		sum += t
	}
	return min(max(sum/2, 0), 1)
}

// saturated flags a personalization summary whose controls share almost
// no items.
func saturated(s *PersonalizationSummary) {
	j := float64(s.Metrics["jaccard_control_twin"].Mean)
	if math.IsNaN(j) || j >= SaturatedJaccard {
		return
	}
	s.ItemNoiseFloorUninformative = true
	s.Note = fmt.Sprintf("controls share %.3g of their items (Jaccard, below %.2g): the item-level noise floor is uninformative; read topic_jsd (test vs control against control vs twin)",
		j, SaturatedJaccard)
}

// catalogueExposure is a group's coverage and exposure Gini over the
// catalogue, nil when its size is unknown.
func (a *auditor) catalogueExposure(members []*personaData) *CatalogueExposure {
	if a.opt.Catalogue <= 0 {
		return nil
	}
	counts := make([]float64, max(a.opt.Catalogue, a.itemCodes))
	ce := &CatalogueExposure{Size: a.opt.Catalogue}
	for _, p := range members {
		for _, s := range p.sessions {
			for _, it := range s.items {
				if counts[it] == 0 {
					ce.Items++
				}
				counts[it]++
				ce.Impressions++
			}
		}
	}
	// More distinct items than the catalogue: the size given is wrong, and
	// the figures cover what was seen.
	ce.Coverage = Num(float64(ce.Items) / float64(max(a.opt.Catalogue, ce.Items)))
	ce.Gini = Num(Gini(counts[:max(a.opt.Catalogue, ce.Items)]))
	if ce.Impressions == 0 {
		ce.Gini = Num(math.NaN())
	}
	return ce
}

// harmUnit is a test persona's harmful exposure and its matched
// controls'.
type harmUnit struct {
	test     float64
	controls []float64
	sessions int
	imps     int
}

// harmUnits is each test persona's mean harmful per 100 over its sessions
// and each matched control's over the same sessions.
func (a *auditor) harmUnits(ps []*personaData) map[*personaData]harmUnit {
	out := map[*personaData]harmUnit{}
	for _, p := range ps {
		if p.info.Role != RoleTestName || len(p.controls) == 0 || len(p.seqs) == 0 {
			continue
		}
		var u harmUnit
		var mine []float64
		for _, seq := range p.seqs {
			sa := p.sessions[seq].audit
			mine = append(mine, float64(sa.HarmfulPer100))
			u.sessions++
			u.imps += sa.N
		}
		u.test = Mean(finite(mine))
		for _, c := range p.controls {
			var theirs []float64
			for _, seq := range p.seqs {
				if s := c.sessions[seq]; s != nil {
					theirs = append(theirs, float64(s.audit.HarmfulPer100))
					u.sessions++
					u.imps += s.audit.N
				}
			}
			if v := Mean(finite(theirs)); !math.IsNaN(v) {
				u.controls = append(u.controls, v)
			}
		}
		if !math.IsNaN(u.test) && len(u.controls) > 0 {
			out[p] = u
		}
	}
	return out
}

// harmTests are the harmful exposure tests of all test personas and of
// each age group, in that order (age groups sorted).
func (a *auditor) harmTests(ps []*personaData) []HarmTest {
	units := a.harmUnits(ps)
	out := []HarmTest{}
	var all []*personaData
	byAge := map[string][]*personaData{}
	for _, p := range ps {
		if _, ok := units[p]; !ok {
			continue
		}
		all = append(all, p)
		if g := p.info.Traits["age_group"]; g != "" {
			byAge[g] = append(byAge[g], p)
		}
	}
	if len(all) == 0 {
		return out
	}
	out = append(out, a.harmTest("role", RoleTestName, all, units))
	ages := make([]string, 0, len(byAge))
	for g := range byAge {
		ages = append(ages, g)
	}
	slices.Sort(ages)
	for _, g := range ages {
		out = append(out, a.harmTest("age_group", g, byAge[g], units))
	}
	return out
}

func (a *auditor) harmTest(dim, value string, members []*personaData, units map[*personaData]harmUnit) HarmTest {
	nan := Num(math.NaN())
	h := HarmTest{Dimension: dim, Value: value, TestPersonas: len(members), DifferenceLo: nan, DifferenceHi: nan,
		RatioLo: nan, RatioHi: nan, PValue: nan, PHolm: nan, Ratio: nan}
	x := make([]float64, len(members))
	c := make([]float64, len(members))
	strata := make([][]float64, len(members))
	controls := map[string]bool{}
	sizes := make([]int, len(members))
	for i, p := range members {
		u := units[p]
		x[i], c[i] = u.test, Mean(u.controls)
		strata[i] = append([]float64{u.test}, u.controls...)
		sizes[i] = len(strata[i])
		h.Sessions += u.sessions
		h.Impressions += u.imps
		for _, q := range p.controls {
			controls[q.info.Name] = true
		}
	}
	h.Controls = len(controls)
	mx, mc := Mean(x), Mean(c)
	h.TestPer100, h.ControlPer100, h.Difference = Num(mx), Num(mc), Num(mx-mc)
	if mc > 0 {
		h.Ratio = Num(mx / mc)
	} else {
		h.Note = "the matched controls saw no harmful item: no ratio"
	}
	if SmallestStratifiedP(sizes) >= a.opt.Alpha {
		h.Underpowered = true
		h.Note = joinNote(h.Note, fmt.Sprintf("underpowered: %d test personas with their matched controls cannot reach p < %.2g (smallest p %.3g)",
			len(members), a.opt.Alpha, SmallestStratifiedP(sizes)))
	}
	if len(members) == 1 {
		h.Note = joinNote(h.Note, NoIntervalNote)
	}
	if a.r == nil {
		return h
	}
	_, p, _, _ := StratifiedPermutationTest(strata, a.opt.Resamples, a.r)
	h.PValue = Num(p)
	if len(members) < 2 {
		return h
	}
	h.DifferenceLo, h.DifferenceHi, h.RatioLo, h.RatioHi = pairedBootstrap(x, c, a.opt.Resamples, a.opt.Level, a.r)
	return h
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// pairedBootstrap resamples the indices of x and c (a test persona and
// its controls' mean) together and returns percentile intervals of
// mean(x) − mean(c) and mean(x) / mean(c) (resamples whose control mean
// is 0 have no ratio).
func pairedBootstrap(x, c []float64, resamples int, level float64, r *rand.Rand) (dlo, dhi, rlo, rhi Num) {
	n := len(x)
	diffs := make([]float64, 0, resamples)
	ratios := make([]float64, 0, resamples)
	for range resamples {
		var sx, sc float64
		for range n {
			i := r.IntN(n)
			sx += x[i]
			sc += c[i]
		}
		diffs = append(diffs, (sx-sc)/float64(n))
		if sc > 0 {
			ratios = append(ratios, sx/sc)
		}
	}
	q := (1 - level) / 2
	slices.Sort(diffs)
	dlo, dhi = Num(quantile(diffs, q)), Num(quantile(diffs, 1-q))
	rlo, rhi = Num(math.NaN()), Num(math.NaN())
	if len(ratios) > 0 {
		slices.Sort(ratios)
		rlo, rhi = Num(quantile(ratios, q)), Num(quantile(ratios, 1-q))
	}
	return dlo, dhi, rlo, rhi
}

// holm corrects the topic tests and the harm tests together (Holm).
func (a *auditor) holm(t *Tests) {
	var ps []float64
	for _, x := range t.Topics {
		ps = append(ps, float64(x.PValue))
	}
	for _, x := range t.Harm {
		ps = append(ps, float64(x.PValue))
	}
	adj := Holm(ps)
	for i := range t.Topics {
		t.Topics[i].PHolm = Num(adj[i])
		t.Topics[i].Significant = adj[i] < a.opt.Alpha && !t.Topics[i].Underpowered
	}
	for i := range t.Harm {
		p := adj[len(t.Topics)+i]
		t.Harm[i].PHolm = Num(p)
		t.Harm[i].Significant = p < a.opt.Alpha && !t.Harm[i].Underpowered
	}
}
