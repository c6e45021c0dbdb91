package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdFindings(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "findings", "--db FILE [--campaign ID|NAME] [--check NAME]... [--json]", `
Run the compliance checks a campaign's design supports and print one
finding per check: the article, the question, the verdict ("violation
evidence", "no evidence" or "inconclusive"), the effect with its 95 %
bootstrap interval and margin, the p-value and its test, n (personas,
sessions, impressions and the test's units) and example impressions.

  art17-off / dsa38    a test persona switches personalization off (a phase
                       with settings: {personalization: false}): its share of
                       the topics it was trained on vs its blank controls' in
                       the same sessions, margin 5 points
  art17-tags           a test persona drops a topic from its interests (a phase)
  art18-minors         harmful items per 100 in minor-mode sessions, margin 1
  art21-prices         prices of the same item served to a test persona and its
                       twin in the same session, ε = 1 %
  art11-key-positions  hot / grid lists: test vs blank controls, Jaccard
                       distance above the controls' own, margin 0.1
  art12-diversity      longest single-topic run, test vs blank controls, margin 2

Verdicts: an effect at or below its margin is "no evidence"; above it, p < α
(0.05) is "violation evidence", otherwise "inconclusive" (as are fewer than
2 units). The unit of every test is stated with it (mostly persona-sessions;
they are not independent within a persona, so small p-values from few
personas deserve caution). A probe shows observable outcomes for scripted
personas, never intent or population prevalence. The database is opened
read-only.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	checks := fs.StringSlice("check", nil, "only these checks (repeatable): "+strings.Join(analysis.Checks(), ", "))
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and permutation resampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, c := range *checks {
		if !slices.Contains(analysis.Checks(), c) {
			return fmt.Errorf("--check %q: want one of %s", c, strings.Join(analysis.Checks(), ", "))
		}
	}
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	fr, err := campaignFindings(ctx, store, camp, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	fr.Findings = filterChecks(fr.Findings, *checks)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(fr)
	}
	return fr.writeTable(e.stdout)
}

func filterChecks(fs []analysis.Finding, checks []string) []analysis.Finding {
	if len(checks) == 0 {
		return fs
	}
	var out []analysis.Finding
	for _, f := range fs {
		if slices.Contains(checks, f.Check) {
			out = append(out, f)
		}
	}
	return out
}

// findingsReport is what findings prints; its JSON names are documented.
type findingsReport struct {
	Campaign campaignInfo               `json:"campaign"`
	Design   personas.Design            `json:"design"`
	Options  analysis.ComplianceOptions `json:"options"`
	Findings []analysis.Finding         `json:"findings"`
	// spec is the campaign as recorded.
	spec personas.Campaign
	in   analysis.ComplianceInput
}

// campaignFindings loads a campaign's impressions, labels harmful items
// (labels table and harm lexicon, as analyze does) and runs the checks.
func campaignFindings(ctx context.Context, db *storage.DB, camp storage.Campaign, r *rand.Rand) (findingsReport, error) {
	fr := findingsReport{Campaign: campaignInfo{ID: camp.ID, Name: camp.Name, Platform: camp.Platform, BaseURL: camp.BaseURL},
		Options: analysis.DefaultComplianceOptions()}
	if err := json.Unmarshal(camp.Spec, &fr.spec); err != nil {
		return fr, fmt.Errorf("decode campaign %s: %w", camp.Name, err)
	}
	fr.Design = fr.spec.Design
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		return fr, err
	}
	for _, p := range ps {
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err != nil {
			return fr, fmt.Errorf("decode persona %s: %w", p.Name, err)
		}
		cp := analysis.CompliancePersona{Name: p.Name, Role: p.Role, TwinOf: spec.TwinOf, AgeGroup: spec.Traits.AgeGroup}
		for seq := 1; seq <= max(fr.spec.Sessions, 1); seq++ {
			s := spec.ForSession(seq)
			cp.Sessions = append(cp.Sessions, analysis.ComplianceSession{
				Session: seq, Interests: s.Interests,
				PersonalizationOff: s.Settings.Personalization != nil && !*s.Settings.Personalization,
				MinorMode:          s.Settings.MinorMode != nil && *s.Settings.MinorMode,
			})
			if i, _, _ := spec.PhaseAt(seq, fr.spec.Sessions); i >= 0 {
				cp.Sessions[len(cp.Sessions)-1].Phase = spec.Phases[i].Name
			}
		}
		fr.in.Personas = append(fr.in.Personas, cp)
	}
	lex := analysis.DefaultLexicon()
	var votes []analysis.LabelVote
	if err := db.EachLabel(ctx, camp.Platform, func(l storage.Label) error {
		votes = append(votes, analysis.LabelVote{ItemID: l.ItemID, Category: l.Category, Source: l.Source, Value: l.Value})
		return nil
	}); err != nil {
		return fr, err
	}
	seen := map[string]bool{}
	err = db.EachImpression(ctx, camp.ID, func(row storage.ImpressionRow) error {
		if !seen[row.ItemID] {
			seen[row.ItemID] = true
			for _, c := range lex.Match(row.Title) {
				votes = append(votes, analysis.LabelVote{ItemID: row.ItemID, Category: c, Source: "lexicon", Value: 1})
			}
		}
		fr.in.Impressions = append(fr.in.Impressions, analysis.ComplianceImpression{
			Persona: row.Persona, Session: row.Seq, Surface: row.Surface, Rank: row.Rank, ItemID: row.ItemID,
			Title: row.Title, Topic: row.Topic, Price: row.Price, HasPrice: row.HasPrice,
		})
		return nil
	})
	if err != nil {
		return fr, err
	}
	labels := analysis.ResolveLabels(votes)
	harm := harmCategories(lex)
	for i := range fr.in.Impressions {
		for _, c := range harm {
			if labels[fr.in.Impressions[i].ItemID][c] > 0 {
				fr.in.Impressions[i].Harmful = true
			}
		}
	}
	fr.Findings = analysis.Compliance(fr.in, fr.Options, r)
	if fr.Findings == nil {
		fr.Findings = []analysis.Finding{}
	}
	return fr, nil
}

// Spec is the campaign as recorded, for the report template.
func (fr findingsReport) Spec() personas.Campaign { return fr.spec }

func fmtFinding(v analysis.Num) string {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return fmt.Sprintf("%.3g", f)
}

func fmtEffect(f analysis.Finding) string {
	return fmt.Sprintf("%s [%s, %s]", fmtFinding(f.Effect.Value), fmtFinding(f.Effect.Lo), fmtFinding(f.Effect.Hi))
}

func (fr findingsReport) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "campaign %d %q on %s (%s)\n", fr.Campaign.ID, fr.Campaign.Name, fr.Campaign.Platform, fr.Campaign.BaseURL)
	if len(fr.Findings) == 0 {
		fmt.Fprintln(w, "no compliance experiment in this campaign: see feedprobe init --list")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tarticle\tverdict\teffect [95% CI]\tmargin\tp\tn (personas/sessions/units)")
	for _, f := range fr.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%s\t%d/%d/%d\n", f.Check, f.Article, f.Verdict, fmtEffect(f), f.Effect.Margin,
			fmtFinding(f.PValue), f.N.Personas, f.N.Sessions, f.N.Units)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range fr.Findings {
		fmt.Fprintf(w, "\n%s (%s): %s\n  %s: %s\n  effect: %s, %s\n  test: %s\n", f.Check, f.Article, f.Question, f.Verdict, f.Reason,
			f.Effect.Name, f.Effect.Unit, f.Test)
		for _, d := range f.Details {
			note := ""
			if d.Note != "" {
				note = " (" + d.Note + ")"
			}
			fmt.Fprintf(w, "  %s: %s%s\n", d.Name, fmtFinding(d.Value), note)
		}
		for _, x := range f.Examples {
			fmt.Fprintf(w, "  e.g. %s session %d %s #%d %s %q [%s] %s\n", x.Persona, x.Session, x.Surface, x.Rank, x.ItemID,
				x.Title, x.Topic, x.Note)
		}
	}
	return nil
}
