package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdLabel(ctx context.Context, e *env, args []string) error {
	sub := map[string]func(context.Context, *env, []string) error{
		"apply": cmdLabelApply, "import": cmdLabelImport, "stats": cmdLabelStats, "truth": cmdLabelTruth,
	}
	if len(args) > 0 {
		if f, ok := sub[args[0]]; ok {
			return f(ctx, e, args[1:])
		}
	}
	fmt.Fprint(e.stderr, `Usage: feedprobe label <apply|import|stats> [flags]

Label items of the catalogue: what category (gambling, self_harm...) an item
belongs to, according to a source. Every label keeps its source, the
source's version and the annotator. analyze, findings and report pick, per
item and category, by one precedence: manual over imported (import:NAME)
over truth over lexicon over adapter over any other source (several
annotators of the same source are averaged); the item_labels view of the
database holds each item's resolved label with its source.

  apply  --lexicon FILE   label every item's title with a YAML lexicon
                          (default: the built-in harm lexicon)
  import FILE.csv         manual labels: platform,item_id,category,value,annotator
  stats                   counts per source, and agreement between sources
                          (Cohen's kappa) per category
  truth  --url URL        simfeed's ground truth (harm categories, synthetic)
                          for every observed item, as source "truth"

Run "feedprobe label <sub> --help" for the flags.
`)
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		return nil
	}
	return flagError("label: unknown subcommand %q (want apply, import, stats or truth)", args[0])
}

// loadLexicon reads a lexicon file, or returns the built-in one for "".
func loadLexicon(path string) (*analysis.PatternLexicon, error) {
	if path == "" {
		return analysis.BuiltinLexicon(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	return analysis.ParseLexicon(path, data)
}

func cmdLabelApply(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label apply", "--db FILE [--lexicon FILE] [--platform NAME]", `
Label the title of every item in the catalogue with a lexicon: for each
category, value 1 when one of its patterns matches, 0 when none does.
Labels are stored with source "lexicon" and version NAME@VERSION of the
lexicon, so re-running the same lexicon replaces its labels and a changed
lexicon adds a new version beside the old.

A lexicon is YAML, category -> patterns:

  name: harm
  version: "2026-03"          # optional; default: a hash of the patterns
  categories:
    gambling:
      - casino                # a substring, matched anywhere in the title
      - 赌博                   # any language: Chinese needs no word breaks
      - /slot\s*machines?/    # between slashes: a regular expression

Titles and substrings are compared case- and width-folded (full-width
ＣＡＳＩＮＯ matches casino); regular expressions are case-insensitive and
run on the folded title. Without --lexicon, the built-in lexicon of
simfeed's harm categories (gambling, self_harm, misinformation) is used.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to label")
	lexPath := fs.String("lexicon", "", "lexicon YAML file (default: the built-in harm lexicon)")
	platform := fs.String("platform", "", "label only this platform's items (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("label apply takes no arguments (got %q)", fs.Args())
	}
	lex, err := loadLexicon(*lexPath)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := store.ApplyLexicon(ctx, lex, *platform)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "lexicon %s labelled %d items (%d labels)\n", res.Version, res.Items, res.Labels)
	for _, c := range lex.CategoryNames() {
		fmt.Fprintf(e.stdout, "  %-16s %6d matched\n", c, res.Matched[c])
	}
	return nil
}

func cmdLabelImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label import", "FILE.csv --db FILE [--annotator NAME] [--round NAME]", `
Import manual labels from a CSV file with a header row naming the columns
platform, item_id, category, value and annotator (in any order; platform may
be left out with --platform, annotator with --annotator). value is 1
(harmful / promoting), 0 (neutral), -1 (debunking) or a score.

Labels are stored with source "manual" and version --round. A row with a
problem is reported as FILE:LINE: column: problem and skipped; the good rows
are kept, and the command exits non-zero when any row was skipped.
Importing the same labels again replaces them. Labels that join no item
the database has seen (platform and item_id) are refused, naming the
platforms it holds; when only some join, the rest are kept with a warning.

Example:
  platform,item_id,category,value,annotator
  simfeed,it-0042,gambling,1,alice
  simfeed,it-0042,self_harm,0,alice`)
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	annotator := fs.String("annotator", "", "annotator of rows without one")
	platform := fs.String("platform", "", "platform of rows without one")
	round := fs.String("round", "", "annotation round, stored as the labels' source_version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("label import needs exactly one CSV file")
	}
	file := fs.Arg(0)
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	labels, bad, err := storage.ParseLabelCSV(file, f, storage.Label{Platform: *platform, Source: "manual", SourceVersion: *round, Annotator: *annotator})
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	warning, err := store.ImportLabels(ctx, file, labels)
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(e.stderr, "warning:", warning)
	}
	for _, b := range bad {
		fmt.Fprintln(e.stderr, b)
	}
	fmt.Fprintf(e.stdout, "imported %d manual labels from %s\n", len(labels), file)
	if len(bad) > 0 {
		return fmt.Errorf("label import: %d problems in %s (listed above); those rows were skipped, the %d good rows are kept", len(bad), file, len(labels))
	}
	return nil
}

func cmdLabelStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label stats", "--db FILE [--platform NAME] [--json]", `
Show the labels by source: per source (and annotator and version) and
category, how many items it labelled and how many it called positive
(value > 0); then, for every pair of sources that labelled the same items
in a category, how many they share, how often they agree, and Cohen's kappa
(NaN / null when undefined: both used a single label throughout); then the
items on which sources disagree (one positive, another not), each source's
value and the one precedence's pick (item_labels: manual > imported >
truth > lexicon > adapter > others); then how many items are positive per
category after resolution. --json adds "disagreements".`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	platform := fs.String("platform", "", "only this platform's labels")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := store.LabelStats(ctx, *platform)
	if err != nil {
		return err
	}
	dis, err := store.LabelDisagreements(ctx, *platform)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.raw)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			analysis.LabelStats
			Disagreements []storage.LabelDisagreement `json:"disagreements"`
		}{st, dis})
	}
	if err := st.WriteTable(e.stdout); err != nil {
		return err
	}
	return storage.WriteDisagreements(e.stdout, dis)
}
