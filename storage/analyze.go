package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
)

// CampaignInfo names a campaign in a report.
type CampaignInfo struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	BaseURL  string `json:"base_url"`
}

func campaignInfo(c Campaign) CampaignInfo {
	return CampaignInfo{ID: c.ID, Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL}
}

// Analysis is what `feedprobe analyze` prints; its JSON field names are
// documented in the README and stable.
type Analysis struct {
	Campaign   CampaignInfo                 `json:"campaign"`
	Summary    analysis.Summary             `json:"summary"`
	Comparison []analysis.ControlComparison `json:"comparison"`
	Lexicon    analysis.Lexicon             `json:"harm_lexicon"`
	Labels     analysis.LabelProvenance     `json:"labels"`
	Audit      analysis.Audit               `json:"audit"`
	// MaxStartGap is the largest start-time gap between matched personas'
	// same-numbered sessions (null when no matched pair finished).
	MaxStartGap *StartGap `json:"max_start_gap"`
	// Egress lists the address each persona's sessions came from, as the
	// adapter's echo page reported it, and flags addresses personas share.
	Egress analysis.EgressReport `json:"egress"`
	// Surfaces splits exposure by surface (feed, hot, search, up_next, ...)
	// and role; the summary and audit merge a session's surfaces.
	Surfaces []analysis.SurfaceFigures `json:"surfaces"`
}

// Conventions are the metric settings an analysis runs with: the
// campaign's analysis: block, overridden field by field by the non-zero
// fields of what the caller passes (feedprobe's flags). Checks, when set,
// names the compliance experiments Findings runs.
type Conventions = personas.Analysis

// conventions merges over onto the campaign's analysis: block.
func conventions(camp Campaign, over Conventions) (Conventions, error) {
	var spec personas.Campaign
	if len(camp.Spec) > 0 {
		if err := json.Unmarshal(camp.Spec, &spec); err != nil {
			return Conventions{}, fmt.Errorf("decode campaign %s: %w", camp.Name, err)
		}
	}
	c := spec.Analysis
	if len(over.Checks) > 0 {
		c.Checks = over.Checks
	}
	if over.Catalogue > 0 {
		c.Catalogue = over.Catalogue
	}
	if over.TaxonomySize > 0 {
		c.TaxonomySize = over.TaxonomySize
	}
	if over.SERPMSDepth > 0 {
		c.SERPMSDepth = over.SERPMSDepth
	}
	if over.RBODepth > 0 {
		c.RBODepth = over.RBODepth
	}
	if over.RBOP > 0 {
		c.RBOP = over.RBOP
	}
	return c, nil
}

// AuditOptions returns the audit's options for conventions c: the
// defaults with c's non-zero settings.
func AuditOptions(c Conventions) analysis.AuditOptions {
	opt := analysis.DefaultAuditOptions()
	opt.Catalogue, opt.Taxonomy, opt.RBODepth = c.Catalogue, c.TaxonomySize, c.RBODepth
	if c.SERPMSDepth > 0 {
		opt.SERPMSDepth = c.SERPMSDepth
	}
	if c.RBOP > 0 {
		opt.RBOP = c.RBOP
	}
	return opt
}

// Analyze reads campaign camp's finished sessions and labels and runs the
// summary and the audit on them, with the campaign's analysis: block
// overridden by over (see Conventions); the audit's options echo what was
// used. Item labels come from the labels table of
// the campaign's platform and the built-in harm lexicon on the title an
// item had when first seen, resolved by source precedence. r drives the
// bootstrap and permutation resampling. Cancelling ctx stops the reading
// with ctx's error.
func (db *DB) Analyze(ctx context.Context, camp Campaign, over Conventions, r *rand.Rand) (Analysis, error) {
	rep := Analysis{Campaign: campaignInfo(camp), Lexicon: analysis.DefaultLexicon()}
	conv, err := conventions(camp, over)
	if err != nil {
		return rep, err
	}
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		return rep, err
	}
	var infos []analysis.PersonaInfo
	type who struct {
		role      string
		interests map[string]float64
	}
	personaOf := map[string]who{}
	history := map[string]bool{} // personas in a watch history: their lists are scored per surface
	var aps []analysis.AuditPersona
	for _, p := range ps {
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err != nil {
			return rep, fmt.Errorf("decode persona %s: %w", p.Name, err)
		}
		info := analysis.PersonaInfo{
			Name: p.Name, Role: p.Role, Interests: spec.Interests, Arm: spec.MatchedArm(),
			Traits: map[string]string{"age_group": spec.Traits.AgeGroup, "locale": spec.Traits.Locale, "device": spec.Traits.Device},
		}
		infos = append(infos, info)
		personaOf[p.Name] = who{p.Role, spec.Interests}
		spec.Role = p.Role
		aps = append(aps, spec.AuditPersona())
		history[p.Name] = spec.History != ""
	}
	// Labels: the labels table for this platform, then the lexicon on
	// every title seen, resolved by source precedence.
	var votes []analysis.LabelVote
	rep.Labels.Sources = map[string]int{}
	err = db.EachLabel(ctx, camp.Platform, func(l Label) error {
		votes = append(votes, analysis.LabelVote{ItemID: l.ItemID, Category: l.Category, Source: l.Source, Value: l.Value})
		rep.Labels.Sources[l.Source]++
		return nil
	})
	if err != nil {
		return rep, err
	}
	acc := analysis.NewAccumulator(infos, nil)
	lex := rep.Lexicon
	harm := analysis.HarmCategories(lex)
	// The table's votes by item, so an item's labels resolve the first
	// time it is seen, with the lexicon on the title it had then: the
	// summary's harmful flag follows the same precedence as the audit, and
	// the lexicon runs once per item, not once per impression.
	tableVotes := map[string][]analysis.LabelVote{}
	for _, v := range votes {
		tableVotes[v.ItemID] = append(tableVotes[v.ItemID], v)
	}
	// The audit gets every session in compact form: items and topics as
	// integer codes, about 17 bytes an impression (10M impressions: 170 MB
	// instead of gigabytes of rows).
	itemCode := map[string]int32{}
	var itemScore []int8
	topicCode := map[string]int32{}
	var topics []string
	personaName := map[string]string{}
	var sessions []analysis.AuditSession
	var lists []analysis.ScoredList
	split := analysis.NewSurfaceSplit()
	// A session's impressions and harmful ones per surface and topic code:
	// cells[surfAt[i]][topic code]; its surfaces are surfs.
	var (
		cells  [][][2]int
		surfAt []int32
		surfs  []string
	)
	var order []int         // a session's impressions by rank, surfaces mixed
	var topicN, harmN []int // per topic code, in the current session
	err = db.EachSessionImpressions(ctx, camp.ID, func(s *SessionImpressions) error {
		n := s.Len()
		if n == 0 {
			return nil
		}
		name, ok := personaName[s.Persona]
		if !ok {
			name = strings.Clone(s.Persona)
			personaName[name] = name
		}
		// Within a surface the rows come by rank; a session of several
		// surfaces (sorted, so the first and last differ) is merged by
		// rank, keeping surface order on ties.
		order = order[:0]
		for i := range n {
			order = append(order, i)
		}
		if s.Surface[0] != s.Surface[n-1] {
			slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(s.Rank[x], s.Rank[y]) })
		}
		// The rows come grouped by surface.
		surfAt, surfs = surfAt[:0], surfs[:0]
		for i := range n {
			if i == 0 || s.Surface[i] != s.Surface[i-1] {
				surfs = append(surfs, s.Surface[i])
			}
			surfAt = append(surfAt, int32(len(surfs)-1))
		}
		for len(cells) < len(surfs) {
			cells = append(cells, nil)
		}
		for _, c := range cells[:len(surfs)] {
			clear(c)
		}
		cs := analysis.AuditSession{Persona: name, Session: s.Session.Seq,
			Items: make([]int32, n), Topics: make([]int32, n), Seconds: make([]float64, n), Scores: make([]int8, n)}
		for k := range topicN {
			topicN[k], harmN[k] = 0, 0
		}
		start := s.SeenAt[0]
		for k, i := range order {
			id := s.ItemID[i]
			ic, ok := itemCode[id]
			if !ok {
				id = strings.Clone(id)
				ic = int32(len(itemScore))
				itemCode[id] = ic
				item := tableVotes[id]
				for _, c := range lex.Match(s.Title[i]) {
					item = append(item, analysis.LabelVote{ItemID: id, Category: c, Source: "lexicon", Value: 1})
					rep.Labels.Sources["lexicon"]++
				}
				itemScore = append(itemScore, int8(analysis.LabelScore(analysis.ResolveLabels(item)[id], harm)))
			}
			tc, ok := topicCode[s.Topic[i]]
			if !ok {
				tc = int32(len(topics))
				t := strings.Clone(s.Topic[i])
				topicCode[t] = tc
				topics = append(topics, t)
				topicN, harmN = append(topicN, 0), append(harmN, 0)
			}
			cs.Items[k], cs.Topics[k], cs.Scores[k] = ic, tc, itemScore[ic]
			cs.Seconds[k] = math.NaN() // a NULL seen_at
			if s.SeenAt[i] >= 0 && start >= 0 {
				cs.Seconds[k] = float64(s.SeenAt[i]-start) / 1000
			}
			topicN[tc]++
			c := cells[surfAt[i]]
			if int(tc) >= len(c) {
				c = append(c, make([][2]int, len(topics)-len(c))...)
				cells[surfAt[i]] = c
			}
			c[tc][0]++
			if itemScore[ic] > 0 {
				harmN[tc]++
				c[tc][1]++
			}
		}
		for tc, c := range topicN {
			acc.AddCounts(name, cs.Session, topics[tc], c, harmN[tc])
		}
		w := personaOf[name]
		for si, surface := range surfs {
			for tc, c := range cells[si] {
				if c[0] > 0 {
					split.Add(name, w.role, w.interests, cs.Session, surface, topics[tc], c[0], c[1])
				}
			}
		}
		if history[name] {
			surf, seen := make([]string, n), make([]int64, n)
			for k, i := range order {
				surf[k], seen[k] = s.Surface[i], s.SeenAt[i]
			}
			lists = append(lists, analysis.SurfaceLists(name, cs.Session, surf, seen, cs.Scores)...)
		}
		sessions = append(sessions, cs)
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Labels.HarmCategories = harm
	rep.Labels.Precedence = analysis.SourcePrecedence
	rep.Summary = acc.Summary(r)
	rep.Comparison = analysis.CompareWithControls(rep.Summary)
	in := analysis.AuditInput{Personas: aps, Sessions: sessions, ItemCodes: len(itemScore), TopicCodes: topics, Lists: lists}
	rep.Audit = analysis.Analyze(in, AuditOptions(conv), r)
	rep.Surfaces = split.Figures()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	if rep.Egress, err = db.egressReport(ctx, camp.ID, names); err != nil {
		return rep, err
	}
	rep.MaxStartGap, err = db.StartGap(ctx, camp.ID)
	return rep, err
}

// CompliancePersona is persona spec as the compliance checks see it,
// with what is in force in each of the campaign's sessions (its phase,
// interests, personalization and minor-mode settings of that session).
func CompliancePersona(spec personas.Spec, sessions int) analysis.CompliancePersona {
	cp := analysis.CompliancePersona{Name: spec.Name, Role: spec.Role, TwinOf: spec.TwinOf, Arm: spec.MatchedArm(), AgeGroup: spec.Traits.AgeGroup}
	for seq := 1; seq <= max(sessions, 1); seq++ {
		s := spec.ForSession(seq)
		cs := analysis.ComplianceSession{
			Session: seq, Interests: s.Interests,
			PersonalizationOff: s.Settings.Personalization != nil && !*s.Settings.Personalization,
			MinorMode:          s.Settings.MinorMode != nil && *s.Settings.MinorMode,
		}
		if i, _, _ := spec.PhaseAt(seq, sessions); i >= 0 {
			cs.Phase = spec.Phases[i].Name
		}
		cp.Sessions = append(cp.Sessions, cs)
	}
	return cp
}

// Findings is what `feedprobe findings` prints (JSON names documented in
// the README), with the campaign as recorded and the checks' input for the
// HTML report.
type Findings struct {
	Campaign CampaignInfo               `json:"campaign"`
	Design   personas.Design            `json:"design"`
	Options  analysis.ComplianceOptions `json:"options"`
	Findings []analysis.Finding         `json:"findings"`
	// Experiments are the checks declared (the analysis: block, or the
	// caller's list); empty when the data decides.
	Experiments []string `json:"experiments"`
	// MaxStartGap is as in Analysis.
	MaxStartGap *StartGap `json:"max_start_gap"`
	// Spec is the campaign as recorded.
	Spec personas.Campaign `json:"-"`
	// Input is what the checks ran on.
	Input analysis.ComplianceInput `json:"-"`
}

// Findings reads campaign camp's impressions, labels harmful items (labels
// table and harm lexicon, as Analyze does) and runs the compliance checks
// its design supports with the default options: the experiments the
// campaign's analysis: block declares (over.Checks replaces them), or,
// with none declared, every check whose experiment the data shows but
// art21-prices. r drives the resampling. Findings is never nil in the
// result.
func (db *DB) Findings(ctx context.Context, camp Campaign, over Conventions, r *rand.Rand) (Findings, error) {
	fr := Findings{Campaign: campaignInfo(camp), Options: analysis.DefaultComplianceOptions()}
	if err := json.Unmarshal(camp.Spec, &fr.Spec); err != nil {
		return fr, fmt.Errorf("decode campaign %s: %w", camp.Name, err)
	}
	conv, err := conventions(camp, over)
	if err != nil {
		return fr, err
	}
	fr.Input.Experiments = conv.Checks
	fr.Experiments = append([]string{}, conv.Checks...)
	if fr.MaxStartGap, err = db.StartGap(ctx, camp.ID); err != nil {
		return fr, err
	}
	fr.Design = fr.Spec.Design
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		return fr, err
	}
	for _, p := range ps {
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err != nil {
			return fr, fmt.Errorf("decode persona %s: %w", p.Name, err)
		}
		spec.Name, spec.Role = p.Name, p.Role
		cp := CompliancePersona(spec, fr.Spec.Sessions)
		fr.Input.Personas = append(fr.Input.Personas, cp)
	}
	lex := analysis.DefaultLexicon()
	var votes []analysis.LabelVote
	if err := db.EachLabel(ctx, camp.Platform, func(l Label) error {
		votes = append(votes, analysis.LabelVote{ItemID: l.ItemID, Category: l.Category, Source: l.Source, Value: l.Value})
		return nil
	}); err != nil {
		return fr, err
	}
	seen := map[string]bool{}
	err = db.EachImpression(ctx, camp.ID, func(row ImpressionRow) error {
		if !seen[row.ItemID] {
			seen[row.ItemID] = true
			for _, c := range lex.Match(row.Title) {
				votes = append(votes, analysis.LabelVote{ItemID: row.ItemID, Category: c, Source: "lexicon", Value: 1})
			}
		}
		fr.Input.Impressions = append(fr.Input.Impressions, analysis.ComplianceImpression{
			Persona: row.Persona, Session: row.Seq, Surface: row.Surface, Rank: row.Rank, ItemID: row.ItemID,
			Title: row.Title, Topic: row.Topic, Price: row.Price, HasPrice: row.HasPrice,
		})
		return nil
	})
	if err != nil {
		return fr, err
	}
	labels := analysis.ResolveLabels(votes)
	harm := analysis.HarmCategories(lex)
	for i := range fr.Input.Impressions {
		for _, c := range harm {
			if labels[fr.Input.Impressions[i].ItemID][c] > 0 {
				fr.Input.Impressions[i].Harmful = true
			}
		}
	}
	fr.Findings = analysis.Compliance(fr.Input, fr.Options, r)
	if fr.Findings == nil {
		fr.Findings = []analysis.Finding{}
	}
	return fr, nil
}
