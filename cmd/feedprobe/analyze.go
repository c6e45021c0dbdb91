package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"

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

Then the audit (feedprobe help metrics): per group (role, and each trait that splits the
personas) persona-level means with percentile bootstrap intervals and n of
reference-topic share, evenness, harmful items per 100 and drift (JSD
against the first session and against matched controls); the first harmful
item's rank (Kaplan-Meier, censored sessions kept); personalization of each
test persona against its controls (Jaccard, RBO, Kendall tau, edit distance)
beside the controls' own difference (the noise floor; twins: twins: in the
campaign); the primary test (stratified permutation of test vs matched
controls), per-topic permutation tests with Holm's correction, and per-phase
statistics for personas with phases:. The metric settings (taxonomy size
K, catalogue size, SERP-MS depth, RBO depth and p) come from the
campaign's analysis: block, each overridden by its flag; "options" in the
JSON echoes what was used. Item labels come from the labels
table and the built-in harm lexicon, resolved by source precedence
(manual > imported > truth > lexicon > adapter > others, the order of the
item_labels view). Only finished sessions count. The
database is opened read-only.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap resampling")
	conv := conventionFlags(fs)
	extraction := fs.Int64("extraction", 0, "read re-extraction N (feedprobe reextract) instead of the impressions the sessions recorded")
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
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	view, err := store.ReadingExtraction(ctx, camp.ID, *extraction)
	if err != nil {
		return err
	}
	rep, err := view.Analyze(ctx, camp, over, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.raw)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTables(e.stdout)
}

// openCampaign opens the database read-only and finds the campaign ref
// (an id or a name; "" for the latest); the caller closes the database.
func openCampaign(ctx context.Context, path, ref string) (*storage.DB, storage.Campaign, error) {
	store, err := storage.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, storage.Campaign{}, err
	}
	camp, err := store.FindCampaign(ctx, ref)
	if err != nil {
		store.Close()
		return nil, storage.Campaign{}, err
	}
	return store, camp, nil
}
