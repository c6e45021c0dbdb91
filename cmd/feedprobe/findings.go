package main

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
)

func cmdFindings(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "findings", "--db FILE [--campaign ID|NAME] [--check NAME]... [--json]", help.Command("findings"))
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
