package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdReextract(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reextract", "--adapter FILE --db FILE [--campaign ID|NAME] [--evidence DIR]", `
Extract a campaign's items again, offline, with a new version of its
adapter: from the raw response bodies the sessions kept as evidence (kind
response, reason "METHOD URL") and the page snapshots (kind html), never
from the live site. Use it when a platform change or a wrong field path is
found after the fact: fix the adapter, re-extract, and the study stands.

The items are written as a new extraction N (the extractions and
extraction_impressions tables; the adapter file is stored with its SHA-256),
beside what the sessions extracted live, which stays in the impressions
table and is what analysis reads by default:

  feedprobe analyze --db DB --extraction N     # read extraction N instead
  feedprobe query --db DB "SELECT * FROM extraction_impressions WHERE extraction_id = N"

Ranks: served items first, in the order their bodies finished loading and
in body order (served_rank), then items only in the page snapshots; whether
and when an item was on screen is taken from the original impression of the
same id. Every evidence file is checked against the hash chain before it is
read (an altered file stops the run); the finished extraction is sealed into
the chain, so verify covers it; a run that fails leaves nothing behind.
Each item's JSON is kept in the raw column (export --raw). Sessions planned
or running are skipped. merge does not carry extractions: re-extract the
merged database.`)
	adapterPath := fs.String("adapter", "", "the adapter file (YAML) of the new version (required)")
	db := fs.String("db", "feedprobe.db", "SQLite database to read and write")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	evDir := fs.String("evidence", "", "evidence folder (default: the database path + \"-evidence\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *adapterPath == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("reextract needs --adapter FILE and no arguments")
	}
	spec, err := os.ReadFile(*adapterPath)
	if err != nil {
		return fmt.Errorf("read adapter: %w", err)
	}
	ad, err := probe.ParseAdapter(*adapterPath, spec)
	if err != nil {
		return err
	}
	if ad.Capture == nil && ad.Item == "" && ad.Embedded == nil {
		return fmt.Errorf("adapter %s: nothing to extract with (no capture block, item selector or embedded block)", *adapterPath)
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	camp, err := store.FindCampaign(ctx, *campaign)
	if err != nil {
		return err
	}
	dir := *evDir
	if dir == "" {
		dir = storage.EvidenceDir(*db)
	}
	evidence := storage.NewEvidenceStore(store, dir)
	res, err := daemon.Reextract(ctx, store, evidence, camp, ad, spec, func(session int64, msg string) {
		fmt.Fprintf(e.stderr, "session %d: %s\n", session, msg)
	})
	if err != nil {
		return err
	}
	ex := res.Extraction
	fmt.Fprintf(e.stdout, "extraction %d of campaign %q with adapter %s (sha256 %s): %d sessions, %d bodies and pages read, %d items (the original: %d)\n",
		ex.ID, camp.Name, ad.Name, ex.AdapterHash[:12], ex.Sessions, ex.Bodies, ex.Items, res.Original)
	if res.Empty > 0 {
		fmt.Fprintf(e.stdout, "%d sessions kept no response body or page (run with --evidence-every -1, or before capture): nothing to re-extract there\n", res.Empty)
	}
	if res.Problems > 0 {
		fmt.Fprintf(e.stdout, "%d bodies could not be read (listed above)\n", res.Problems)
	}
	fmt.Fprintf(e.stdout, "analyze it: feedprobe analyze --db %s --campaign %d --extraction %d\n", *db, camp.ID, ex.ID)
	return nil
}
