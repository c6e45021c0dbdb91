package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/feedprobe/feedprobe/storage"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--db FILE --format csv|jsonl|parquet --out DIR [--campaign ID|NAME] [--raw]", `
Export every research table (campaigns, personas, sessions, items,
impressions, actions, labels, evidence) to DIR, one file per table
(TABLE.csv, TABLE.jsonl or TABLE.parquet), with manifest.json listing each
file's rows, column types and SHA-256. persona_state (cookies: secrets) is
never exported. --campaign keeps one campaign's rows: its personas,
sessions, impressions, actions and evidence, and the items and labels of
the items it saw or acted on (manifest.json then names the campaign).

Times are UTC timestamps with milliseconds (RFC 3339 text in CSV and JSON
lines, TIMESTAMP(MILLIS, UTC) in Parquet); sponsored and synthetic are
booleans; NULL is an empty CSV field, JSON null, or a Parquet null in an
OPTIONAL column. Parquet files are zstd-compressed; their columns are in
name order. "feedprobe schema" explains every column. The database is
opened read-only and read in one snapshot.

Re-extractions (feedprobe reextract) come as extractions and
extraction_impressions. The raw columns, each item's JSON as the platform
sent it (items re-extracted from captured responses, Zeeschuimer imports),
are left out unless --raw is given: with it, impressions and
extraction_impressions carry a raw column, one JSON object per item, for
4CAT-style analysis. The verbatim response bodies stay in the evidence
folder.`)
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
