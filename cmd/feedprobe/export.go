package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--db FILE --format csv|jsonl|parquet --out DIR [--campaign ID|NAME] [--raw]", help.Command("export"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	format := fs.String("format", "csv", "csv, jsonl or parquet")
	out := fs.String("out", "", "folder to write (created if missing; files in it are replaced)")
	campaign := fs.String("campaign", "", "export only this campaign (id or name); default: the whole database")
	raw := fs.Bool("raw", false, "include the raw column: each item's JSON as the platform sent it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("export needs --out DIR and no arguments")
	}
	switch *format {
	case storage.FormatCSV, storage.FormatJSONL, storage.FormatParquet:
	default:
		return flagError("--format %q: want csv, jsonl or parquet", *format)
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	var campaignID int64
	if *campaign != "" {
		c, err := store.FindCampaign(ctx, *campaign)
		if err != nil {
			return err
		}
		campaignID = c.ID
	}
	m, err := store.ExportWith(ctx, *out, *format, storage.ExportOptions{CampaignID: campaignID, Raw: *raw})
	if err != nil {
		return err
	}
	for _, t := range m.Tables {
		fmt.Fprintf(e.stdout, "%-12s %8d rows  %s\n", t.Table, t.Rows, filepath.Join(*out, t.File))
	}
	fmt.Fprintf(e.stdout, "manifest     %s\n", filepath.Join(*out, "manifest.json"))
	return nil
}
