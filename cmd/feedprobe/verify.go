package main

import (
	"context"
	"encoding/json"
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
		enc := json.NewEncoder(e.raw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else {
		for _, p := range v.Problems {
			fmt.Fprintln(e.stdout, "FAIL", p)
		}
		for _, w := range v.Warnings {
			fmt.Fprintln(e.stdout, "warning:", w)
		}
		for _, c := range v.Chains {
			fmt.Fprintf(e.stdout, "campaign %d %q: %d rows, %d files, %d sessions sealed, %d seals, head %s\n",
				c.CampaignID, c.Campaign, c.Rows, c.Files, c.Sessions, c.Seals, headOrNone(c.Head))
		}
	}
	if !v.OK() {
		return fmt.Errorf("verify: %d problems: the evidence or the data was altered after it was recorded", len(v.Problems))
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, "ok: every file and row matches its chain")
	}
	return nil
}

func headOrNone(h string) string {
	if h == "" {
		return "(empty chain)"
	}
	return h
}
