package main

import (
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
	"time"

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
	// time it is seen: the summary's harmful flag then follows the same
	// precedence as the audit, and the lexicon runs once per item, not
	// once per impression.
	tableVotes := map[string][]analysis.LabelVote{}
	for _, v := range votes {
		tableVotes[v.ItemID] = append(tableVotes[v.ItemID], v)
	}
	harmful := map[string]bool{}
	// The audit keeps every impression: size the slice once from the done
	// sessions' counts, and intern the few distinct persona, item and topic
	// strings instead of keeping one copy per row (10M rows: gigabytes).
	sessions, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		return rep, err
	}
	total := 0
	for _, s := range sessions {
		if s.Status == storage.StatusDone {
			total += s.Items
		}
	}
	imps := make([]analysis.AuditImpression, 0, total)
	interned := map[string]string{}
	intern := func(s string) string {
		if v, ok := interned[s]; ok {
			return v
		}
		interned[s] = s
		return s
	}
	var sessionStart time.Time
	lastSession := int64(-1)
	err = db.EachImpression(ctx, camp.ID, func(row storage.ImpressionRow) error {
		isHarmful, seen := harmful[row.ItemID]
		if !seen {
			item := tableVotes[row.ItemID]
			for _, c := range lex.Match(row.Title) {
				v := analysis.LabelVote{ItemID: row.ItemID, Category: c, Source: "lexicon", Value: 1}
				votes = append(votes, v)
				item = append(item, v)
				rep.Labels.Sources["lexicon"]++
			}
			isHarmful = labelScore(analysis.ResolveLabels(item)[row.ItemID], harm) > 0
			harmful[row.ItemID] = isHarmful
		}
		acc.Add(analysis.Impression{
			Persona: row.Persona, Session: row.Seq, Rank: row.Rank, ItemID: row.ItemID,
			Title: row.Title, Topic: row.Topic, Harmful: isHarmful,
		})
		if row.SessionID != lastSession {
			lastSession, sessionStart = row.SessionID, row.SeenAt
		}
		imps = append(imps, analysis.AuditImpression{
			Persona: intern(row.Persona), Session: row.Seq, Rank: row.Rank, ItemID: intern(row.ItemID), Topic: intern(row.Topic),
			Seconds: row.SeenAt.Sub(sessionStart).Seconds(),
		})
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Labels.HarmCategories = harm
	rep.Labels.Precedence = analysis.SourcePrecedence
	scoreImpressions(imps, analysis.ResolveLabels(votes), rep.Labels.HarmCategories)
	rep.Summary = acc.Summary(r)
	rep.Comparison = compareWithControls(rep.Summary)
	rep.Audit = analysis.Analyze(analysis.AuditInput{Personas: aps, Impressions: imps}, analysis.AuditOptions{}, r)
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

// scoreImpressions sets each impression's label score from the resolved
// labels: +1 when a harm category is positive, else -1 when one is negative,
// else 0.
func scoreImpressions(imps []analysis.AuditImpression, labels map[string]map[string]float64, harm []string) {
	score := map[string]int{}
	for item, cats := range labels {
		score[item] = labelScore(cats, harm)
	}
	for i := range imps {
		imps[i].Score = score[imps[i].ItemID]
	}
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
	var controls []analysis.PersonaSummary
	for _, p := range s.Personas {
		if p.Role == personas.RoleControl {
			controls = append(controls, p)
		}
	}
	var rows []comparisonRow
	for _, p := range s.Personas {
		if p.Role == personas.RoleControl || p.TopInterest == "" {
			continue
		}
		for _, ss := range p.Sessions {
			row := comparisonRow{Persona: p.Name, Topic: p.TopInterest, Session: ss.Session, PersonaShare: ss.TopicShares[p.TopInterest]}
			sum := 0.0
			for _, c := range controls {
				for _, cs := range c.Sessions {
					if cs.Session == ss.Session {
						sum += cs.TopicShares[p.TopInterest]
						row.Controls++
					}
				}
			}
			if row.Controls > 0 {
				row.ControlShare = sum / float64(row.Controls)
			}
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
