package main

import (
	"context"
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

Checks run only when their experiment is in the campaign: the checks its
analysis: block declares (--check replaces that list), or, with none
declared, every check whose experiment the data shows; art21-prices runs
only when declared.

The unit of every test, interval and verdict is the persona (a test
persona with its matched controls: its twins and the controls whose arm:
names it); each contributes the mean of its sessions, and n counts
personas first, then sessions and impressions. Verdicts: a design with too
few personas for its test ever to reach α (0.05) is "underpowered", with
the minimum design (a one-sided sign-flip test needs 5 personas, the
two-sided art21-prices test 6), instead of a verdict; otherwise an effect
at or below its margin is "no evidence", above it p < α is "violation
evidence", anything else "inconclusive". The metric flags override the
campaign's analysis: block as in analyze. A probe shows observable
outcomes for scripted personas, never intent or population prevalence.
The database is opened read-only.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	checks := fs.StringSlice("check", nil, "only these checks (repeatable): "+strings.Join(analysis.Checks(), ", "))
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and permutation resampling")
	conv := conventionFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	over, err := conv()
	if err != nil {
		return err
	}
	over.Checks = *checks
	for _, c := range *checks {
		if !slices.Contains(analysis.Checks(), c) {
			return flagError("--check %q: want one of %s", c, strings.Join(analysis.Checks(), ", "))
		}
	}
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	fr, err := store.Findings(ctx, camp, over, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	fr.Only(*checks)
	if *asJSON {
		return writeJSON(e.raw, fr)
	}
	return fr.WriteTable(e.stdout)
}
