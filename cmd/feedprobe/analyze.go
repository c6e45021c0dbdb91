package main

import (
	"context"
	"math/rand/v2"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdAnalyze(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "analyze", "--db FILE [--campaign ID|NAME] [--json]", help.Command("analyze"))
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
		return writeJSON(e.raw, rep)
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
