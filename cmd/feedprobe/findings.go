package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
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
	fr, err := store.Findings(ctx, camp, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	fr.Findings = filterChecks(fr.Findings, *checks)
	if *asJSON {
		enc := json.NewEncoder(e.raw)
		enc.SetIndent("", "  ")
		return enc.Encode(fr)
	}
	if _, err := fmt.Fprintf(e.stdout, "campaign %d %q on %s (%s)\n", fr.Campaign.ID, fr.Campaign.Name, fr.Campaign.Platform, fr.Campaign.BaseURL); err != nil {
		return err
	}
	return analysis.WriteFindingsTable(e.stdout, fr.Findings)
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
