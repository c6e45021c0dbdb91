package main

import (
	"context"
	"fmt"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "--db FILE [--campaign ID|NAME] [--json]", help.Command("verify"))
	db := fs.String("db", "feedprobe.db", "SQLite database to verify")
	dir := fs.String("evidence-dir", "", "evidence folder (default: the database path + \"-evidence\")")
	campaign := fs.String("campaign", "", "campaign id or name (default: every campaign)")
	asJSON := fs.Bool("json", false, "print the verification as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("verify takes no arguments (got %q)", fs.Args())
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	var campID int64
	if *campaign != "" {
		c, err := store.FindCampaign(ctx, *campaign)
		if err != nil {
			return err
		}
		campID = c.ID
	}
	evDir := *dir
	if evDir == "" {
		evDir = storage.EvidenceDir(*db)
	}
	v, err := storage.NewEvidenceStore(store, evDir).Verify(ctx, campID)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(e.raw, v); err != nil {
			return err
		}
	} else if err := v.WriteText(e.stdout); err != nil {
		return err
	}
	if !v.OK() {
		return fmt.Errorf("verify: %d problems: the evidence or the data was altered after it was recorded", len(v.Problems))
	}
	return nil
}
