package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdReextract(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reextract", "--adapter FILE --db FILE [--campaign ID|NAME] [--evidence DIR]", help.Command("reextract"))
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
