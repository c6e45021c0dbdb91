package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "--format csv|zeeschuimer FILE --db FILE --campaign NAME --platform NAME [--map FIELD=COLUMN]...", help.Command("import"))
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	format := fs.String("format", "csv", "input format: csv or zeeschuimer (NDJSON)")
	campaign := fs.String("campaign", "", "name of the new campaign (default: the file name without extension)")
	platform := fs.String("platform", "", "the platform the data comes from (required)")
	maps := fs.StringArray("map", nil, "FIELD=COLUMN: the CSV column that holds a field; repeat for each")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import needs exactly one input file")
	}
	if *format != "csv" && *format != "zeeschuimer" {
		return flagError("--format %q: want csv or zeeschuimer", *format)
	}
	if *platform == "" && *format == "csv" {
		return flagError("import needs --platform (the platform the data comes from)")
	}
	file := fs.Arg(0)
	name := *campaign
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	var im storage.Import
	if *format == "zeeschuimer" {
		if len(*maps) > 0 {
			return flagError("--map is for --format csv")
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		ex, err := probe.ParseZeeschuimer(file, bytes.NewReader(data))
		if err != nil {
			return err
		}
		if im, err = storage.ZeeschuimerImport(file, data, ex, name, *platform); err != nil {
			return err
		}
	} else {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if im, err = storage.ParseImportCSV(file, data, storage.CSVImport{Campaign: name, Platform: *platform, Map: *maps}); err != nil {
			return err
		}
	}
	for _, w := range im.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := store.Import(ctx, im)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported campaign %q (id %d): %d personas, %d sessions, %d impressions, %d labels from %s\n",
		name, res.Campaign.ID, res.Personas, res.Sessions, res.Impressions, res.Labels, file)
	return nil
}
