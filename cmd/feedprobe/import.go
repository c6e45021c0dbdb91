package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "--format csv|zeeschuimer FILE --db FILE --campaign NAME --platform NAME [--map FIELD=COLUMN]...", `
Import impressions that another audit tool collected, as a campaign of its
own, so that feedprobe's analysis (analyze, label, export, query) runs on
data it did not collect. The CSV file needs a header row. Each row is one
impression; --map says which column holds which field (a field not mapped
is looked for in a column of its own name):

  persona   (required) who was served the item
  session   (required) the persona's session or step: 1, 2, ... (alias step)
  item_id   (required) the platform's id of the item
  rank      position in the session's feed, 1..; default: order of the rows
  title     the title as seen (the harm lexicon reads it)
  topic     the item's topic (topic shares, interest share)
  surface   feed, hot, search...; default feed
  seen_at   RFC 3339, or Unix seconds or milliseconds
  role      test, control, or twin (a control copying twin_of); default test
  interest  the topic the persona was trained on (its top interest)
  interests every topic trained on with its weight: sports:1;cooking:0.5
  twin_of   on a twin, the test persona it copies (twins pair as in a run)
  arm       on a control, the test persona it is matched to
  persona_group  a control is matched to the one test persona of its group
  age_group, locale, device   the persona's traits (groups; art18-minors)

The persona columns (role to device) must agree on every row of a
persona, so an imported campaign analyses as a run one: twins pair, arms
match, age groups split. Columns that are no field are listed in a
warning, never dropped silently. Times must fall between 1970 and the year
9999; a header naming a column twice is refused.

--map label.CATEGORY=COLUMN stores that column (a number: 1, 0, -1, or
empty for none) as a label of the item, with source "import:CAMPAIGN".

Every row is checked first; a problem is reported as FILE:LINE: column:
problem, and then nothing is imported.

--format zeeschuimer reads the NDJSON that the Zeeschuimer browser
extension exports (one captured item per line: item_id, nav_index,
timestamp_collected, source_platform, source_platform_url, source_url and
the raw item in data), for TikTok (tiktok.com), Douyin (douyin.com) and
RedNote (xiaohongshu.com) items, one platform per file. It becomes one
persona, "zeeschuimer", with one session per page view (nav_index and
page URL) and ranks in the order collected; seen_at is the collection time,
title, topic and the ad and AI-generated flags are read from the item with
the paths of the platform's template, and the item itself is kept in the
raw column (export --raw). --platform defaults to tiktok, douyin or
xiaohongshu; a line of another platform is an error naming it.

Example: a file with the columns user,visit,position,video_id,caption,
category,group,trained_on,is_gambling

  feedprobe import --format csv audit.csv --db audit.db --campaign other-audit \
    --platform tiktok --map persona=user --map session=visit --map rank=position \
    --map item_id=video_id --map title=caption --map topic=category \
    --map role=group --map interest=trained_on --map label.gambling=is_gambling
  feedprobe analyze --db audit.db --campaign other-audit`)
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
