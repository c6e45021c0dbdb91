package main

import (
	"context"
	"fmt"

	"github.com/feedprobe/feedprobe/storage"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "--db FILE [--campaign ID|NAME] [--json]", `
Check that the evidence was not altered. Every evidence file (screenshots and
feed HTML kept during sessions, in the folder DB-evidence beside the
database) is re-hashed against its row; every row's hash is recomputed from
its fields and the previous row's hash (one chain per campaign); and every
finished session's impressions and actions (interrupted sessions included)
are hashed again and compared with the digest sealed into the chain when the
session ended. The campaign's campaigns, personas, sessions, items and labels
rows are compared with the seals written into the chain whenever feedprobe
changed them; each row changed, deleted or inserted since is named by table
and key. Rows written after the last seal (a session still running) cannot be
checked yet.

Each file missing or altered, each row changed, added or deleted, and each
break of a chain is named on stdout, and the command exits with status 1.
With no problem it prints each chain's head hash: written down elsewhere (a
report, a signed message), it also proves later that no row was cut off the
end. The database is opened read-only.`)
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
