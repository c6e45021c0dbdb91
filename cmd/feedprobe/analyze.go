package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdAnalyze(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "analyze", "--db FILE [--campaign ID|NAME] [--json]", `
Summarize what each persona was served, session by session: topic shares,
normalized Shannon entropy (evenness), the share of the persona's top
interest, harmful items per 100 (titles matched by the built-in harm
lexicon), drift from the first session (Jensen-Shannon divergence), then
group means with bootstrap intervals over personas, and each trained
persona against the controls on its own topic.

Then the audit (METRICS.md): per group (role, and each trait that splits the
personas) persona-level means with percentile bootstrap intervals and n of
reference-topic share, evenness, harmful items per 100 and drift (JSD
against the first session and against matched controls); the first harmful
item's rank (Kaplan-Meier, censored sessions kept); personalization of each
test persona against its controls (Jaccard, RBO, Kendall tau, edit distance)
beside the controls' own difference (the noise floor; twins: twins: in the
campaign); the primary test (stratified permutation of test vs matched
controls), per-topic permutation tests with Holm's correction, and per-phase
statistics for personas with phases:. Item labels come from the labels
table and the built-in harm lexicon, resolved by source precedence
(manual > truth > lexicon > adapter). Only finished sessions count. The
database is opened read-only.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap resampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := analyzeCampaign(ctx, store, camp, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeTable(e.stdout)
}

// openCampaign opens the database read-only and finds the campaign ref
// (an id or a name; "" for the latest); the caller closes the database.
func openCampaign(ctx context.Context, path, ref string) (*storage.DB, storage.Campaign, error) {
	store, err := storage.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, storage.Campaign{}, err
	}
	camp, err := findCampaign(ctx, store, ref)
	if err != nil {
		store.Close()
		return nil, storage.Campaign{}, err
	}
	return store, camp, nil
}

func findCampaign(ctx context.Context, db *storage.DB, ref string) (storage.Campaign, error) {
	if ref == "" {
		c, err := db.LatestCampaign(ctx)
		if errors.Is(err, storage.ErrNotFound) {
			return c, errors.New("the database has no campaign yet (run one with feedprobe run or feedprobe demo)")
		}
		return c, err
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		c, err := db.Campaign(ctx, id)
		if !errors.Is(err, storage.ErrNotFound) {
			return c, err
		}
	}
	c, err := db.CampaignByName(ctx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		return c, fmt.Errorf("no campaign %q in the database", ref)
	}
	return c, err
}

// report is what analyze prints; its JSON field names are documented in the
// README and stable.
type report struct {
	Campaign   campaignInfo     `json:"campaign"`
	Summary    analysis.Summary `json:"summary"`
	Comparison []comparisonRow  `json:"comparison"`
	Lexicon    analysis.Lexicon `json:"harm_lexicon"`
	Labels     labelInfo        `json:"labels"`
	Audit      analysis.Audit   `json:"audit"`
}

type campaignInfo struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	BaseURL  string `json:"base_url"`
}

// comparisonRow sets a trained persona's share of its top interest beside
// the controls' share of the same topic in the same session.
type comparisonRow struct {
	Persona      string  `json:"persona"`
	Topic        string  `json:"topic"`
	Session      int     `json:"session"`
	PersonaShare float64 `json:"persona_share"`
	ControlShare float64 `json:"control_share"` // mean over control personas
	Controls     int     `json:"controls"`      // how many controls had this session
	Difference   float64 `json:"difference"`
}

func analyzeCampaign(ctx context.Context, db *storage.DB, camp storage.Campaign, r *rand.Rand) (report, error) {
	rep := report{
		Campaign: campaignInfo{ID: camp.ID, Name: camp.Name, Platform: camp.Platform, BaseURL: camp.BaseURL},
		Lexicon:  analysis.DefaultLexicon(),
	}
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		return rep, err
	}
	var infos []analysis.PersonaInfo
	var aps []analysis.AuditPersona
	for _, p := range ps {
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err != nil {
			return rep, fmt.Errorf("decode persona %s: %w", p.Name, err)
		}
		info := analysis.PersonaInfo{
			Name: p.Name, Role: p.Role, Interests: spec.Interests,
			Traits: map[string]string{"age_group": spec.Traits.AgeGroup, "locale": spec.Traits.Locale, "device": spec.Traits.Device},
		}
		infos = append(infos, info)
		spec.Role = p.Role
		aps = append(aps, auditPersona(spec))
	}
	// Labels: the labels table for this platform, then the lexicon on
	// every title seen, resolved by source precedence.
	var votes []analysis.LabelVote
	rep.Labels.Sources = map[string]int{}
	err = db.EachLabel(ctx, camp.Platform, func(l storage.Label) error {
		votes = append(votes, analysis.LabelVote{ItemID: l.ItemID, Category: l.Category, Source: l.Source, Value: l.Value})
		rep.Labels.Sources[l.Source]++
		return nil
	})
	if err != nil {
		return rep, err
	}
	acc := analysis.NewAccumulator(infos, nil)
	lex := rep.Lexicon
	harm := harmCategories(lex)
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
	var order []int         // a session's impressions by rank, surfaces mixed
	var topicN, harmN []int // per topic code, in the current session
	err = db.EachSessionImpressions(ctx, camp.ID, func(s *storage.SessionImpressions) error {
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
				itemScore = append(itemScore, int8(labelScore(analysis.ResolveLabels(item)[id], harm)))
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
			if itemScore[ic] > 0 {
				harmN[tc]++
			}
		}
		for tc, c := range topicN {
			acc.AddCounts(name, cs.Session, topics[tc], c, harmN[tc])
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
	rep.Comparison = compareWithControls(rep.Summary)
	in := analysis.AuditInput{Personas: aps, Sessions: sessions, ItemCodes: len(itemScore), TopicCodes: topics}
	rep.Audit = analysis.Analyze(in, analysis.AuditOptions{}, r)
	return rep, nil
}

// labelInfo says where the item labels came from.
type labelInfo struct {
	// Sources counts the votes of each source (labels table rows, and
	// lexicon matches of distinct items).
	Sources map[string]int `json:"sources"`
	// HarmCategories are the label categories that make an item harmful
	// (score +1 when a category's resolved value is above 0, -1 when below).
	HarmCategories []string `json:"harm_categories"`
	Precedence     []string `json:"precedence"`
}

// harmCategories is the lexicon's categories plus "harmful", sorted.
func harmCategories(lex analysis.Lexicon) []string {
	out := []string{"harmful"}
	for c := range lex {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// labelScore is +1 when one of the harm categories resolves positive, else
// -1 when one resolves negative, else 0.
func labelScore(cats map[string]float64, harm []string) int {
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

// auditPersona turns a persona spec into what the audit needs, with its
// phases' sessions laid out from session 1.
func auditPersona(spec personas.Spec) analysis.AuditPersona {
	ap := analysis.AuditPersona{
		Name: spec.Name, Role: spec.Role, TwinOf: spec.TwinOf, Interests: spec.Interests,
		Traits: map[string]string{"age_group": spec.Traits.AgeGroup, "locale": spec.Traits.Locale, "device": spec.Traits.Device},
	}
	from := 1
	for i, ph := range spec.Phases {
		to := from + ph.Sessions - 1
		if i == len(spec.Phases)-1 {
			to = 0 // the last phase runs to the end
		}
		ap.Phases = append(ap.Phases, analysis.AuditPhase{Name: ph.Name, From: from, To: to, Interests: ph.Interests})
		from += ph.Sessions
	}
	return ap
}

// compareWithControls pairs every test persona's top-interest share with the
// mean share of that topic among control personas, session by session.
func compareWithControls(s analysis.Summary) []comparisonRow {
	bySession := map[int][]analysis.SessionSummary{} // the controls' sessions
	for _, p := range s.Personas {
		if p.Role == personas.RoleControl {
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
	var rows []comparisonRow
	for _, p := range s.Personas {
		if p.Role == personas.RoleControl || p.TopInterest == "" {
			continue
		}
		for _, ss := range p.Sessions {
			m := controlMean(ss.Session, p.TopInterest)
			row := comparisonRow{Persona: p.Name, Topic: p.TopInterest, Session: ss.Session,
				PersonaShare: ss.TopicShares[p.TopInterest], ControlShare: m.share, Controls: m.n}
			row.Difference = row.PersonaShare - row.ControlShare
			rows = append(rows, row)
		}
	}
	return rows
}

func (r report) writeTable(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "campaign %d %q on %s (%s)\n", r.Campaign.ID, r.Campaign.Name, r.Campaign.Platform, r.Campaign.BaseURL); err != nil {
		return err
	}
	if err := r.Summary.WriteTable(w); err != nil {
		return err
	}
	if len(r.Comparison) > 0 {
		if _, err := fmt.Fprintf(w, "\ntrained personas vs controls, share of the persona's top interest\n  %-16s %-10s %7s %8s %8s %8s\n",
			"persona", "topic", "session", "persona", "controls", "diff"); err != nil {
			return err
		}
		for _, c := range r.Comparison {
			if _, err := fmt.Fprintf(w, "  %-16s %-10s %7d %8.3f %8.3f %+8.3f\n", c.Persona, c.Topic, c.Session, c.PersonaShare, c.ControlShare, c.Difference); err != nil {
				return err
			}
		}
	}
	return writeAudit(w, r.Audit, r.Labels)
}

// writeAudit prints the audit: groups with intervals and n, personalization
// against the noise floor, tests, phases.
func writeAudit(w io.Writer, a analysis.Audit, labels labelInfo) error {
	ew := &tableWriter{w: w}
	o := a.Options
	ew.printf("\naudit: %d personas (%d test, %d control), %d sessions, %d impressions; %.0f%% percentile bootstrap over personas (%d resamples), alpha %.2f, Holm across topics\n",
		a.N.Personas, a.N.TestPersonas, a.N.ControlPersonas, a.N.Sessions, a.N.Impressions, 100*o.Level, o.Resamples, o.Alpha)
	ew.printf("labels: %s (precedence %s); harmful = %s\n", fmtCounts(labels.Sources), strings.Join(labels.Precedence, " > "), strings.Join(labels.HarmCategories, ", "))
	ew.printf("\ngroups (all sessions; persona means [CI], n personas / impressions)\n")
	ew.printf("  %-18s %-24s %-24s %-24s %-24s %-24s\n", "group", "reference_share", "evenness", "harmful_per_100", "drift_first_jsd", "drift_control_jsd")
	for _, g := range a.Groups {
		if len(g.Rows) == 0 {
			continue
		}
		m := g.Rows[0].Metrics
		ew.printf("  %-18s %-24s %-24s %-24s %-24s %-24s\n", g.Dimension+"="+g.Value,
			fmtEst(m["reference_share"], 3), fmtEst(m["evenness"], 3), fmtEst(m["harmful_per_100"], 1),
			fmtEst(m["drift_first_jsd"], 3), fmtEst(m["drift_control_jsd"], 3))
	}
	ew.printf("\nfirst harmful item (Kaplan-Meier, censored sessions kept)\n")
	for _, g := range a.Groups {
		fe := g.FirstExposure
		ew.printf("  %-18s sessions %3d  exposed %3d  censored %3d  median rank %s  mean seconds (exposed) %s\n",
			g.Dimension+"="+g.Value, fe.Sessions, fe.Exposed, fe.Censored, fmtNum(fe.MedianRank, 0), fmtNum(fe.MeanSeconds, 1))
	}
	if len(a.Noise) > 0 {
		ew.printf("\npersonalization vs noise floor (all sessions; test-control, control-twin, personalization [CI], n test personas)\n")
		all := a.Noise[0].Metrics
		for _, m := range []string{"jaccard", "rbo", "kendall_tau", "edit_distance"} {
			ew.printf("  %-14s %-10s %-10s %s\n", m, fmtNum(all[m+"_test_control"].Mean, 3), fmtNum(all[m+"_control_twin"].Mean, 3), fmtEst(all[m], 3))
		}
	}
	p := a.Tests.Primary
	kind := "sampled"
	if p.Exact {
		kind = "exact"
	}
	ew.printf("\nprimary test: test personas' topic share vs their controls, stratified permutation (%s, %d assignments, %d strata): S = %s, p = %s, significant: %v\n",
		kind, p.Permutations, p.Strata, fmtNum(p.Statistic, 3), fmtNum(p.PValue, 4), p.Significant)
	if len(a.Tests.Topics) > 0 {
		ew.printf("  %-10s %5s %8s %8s %8s %-18s %8s %8s\n", "topic", "tests", "controls", "test", "control", "difference [CI]", "p", "p_holm")
		for _, t := range a.Tests.Topics {
			ew.printf("  %-10s %5d %8d %8s %8s %-18s %8s %8s\n", t.Topic, t.TestPersonas, t.Controls, fmtNum(t.TestMean, 3), fmtNum(t.ControlMean, 3),
				fmtNum(t.Difference, 3)+" ["+fmtNum(t.DifferenceLo, 3)+", "+fmtNum(t.DifferenceHi, 3)+"]", fmtNum(t.PValue, 4), fmtNum(t.PHolm, 4))
		}
	}
	var phased bool
	for _, pa := range a.Personas {
		if len(pa.Phases) > 1 {
			phased = true
		}
	}
	if phased {
		ew.printf("\nphases (reference topic share at start and end, slope per session, DIFF-TO-LINEAR)\n")
		for _, pa := range a.Personas {
			if len(pa.Phases) < 2 {
				continue
			}
			for _, ph := range pa.Phases {
				ew.printf("  %-16s %-10s %2d-%-2d %-10s start %s end %s slope %s dtl %s\n", pa.Name, ph.Name, ph.From, ph.To, ph.Reference,
					fmtNum(ph.StartShare, 3), fmtNum(ph.EndShare, 3), fmtNum(ph.Slope, 4), fmtNum(ph.DiffToLinear, 3))
			}
		}
		for _, t := range a.Tests.Phases {
			ew.printf("  %-9s %-10s %-10s sessions %d->%d  n=%d  %s -> %s  U=%s p=%s p_bonferroni=%s\n", t.Kind, t.Phase, t.Topic, t.FromSession, t.ToSession,
				t.Personas, fmtNum(t.FromMean, 3), fmtNum(t.ToMean, 3), fmtNum(t.U, 1), fmtNum(t.PValue, 4), fmtNum(t.PBonferroni, 4))
		}
	}
	return ew.err
}

type tableWriter struct {
	w   io.Writer
	err error
}

func (t *tableWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func fmtNum(n analysis.Num, prec int) string {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

func fmtEst(e analysis.Estimate, prec int) string {
	return fmt.Sprintf("%s [%s,%s] %d/%d", fmtNum(e.Mean, prec), fmtNum(e.Lo, prec), fmtNum(e.Hi, prec), e.N, e.Impressions)
}

func fmtCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
