package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

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
source's version and the annotator. Analysis picks, per item and category,
manual over truth over lexicon over adapter over any other source
(several annotators of the same source are averaged).

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
	return fmt.Errorf("label: unknown subcommand %q (want apply, import, stats or truth)", args[0])
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
	cats := lex.CategoryNames()
	version := lex.Name + "@" + lex.Version
	positives := map[string]int{}
	var labels []storage.Label
	items := 0
	err = store.EachItem(ctx, *platform, func(it storage.CatalogueItem) error {
		items++
		matched := map[string]bool{}
		for _, c := range lex.Match(it.Title) {
			matched[c] = true
			positives[c]++
		}
		for _, c := range cats {
			v := 0.0
			if matched[c] {
				v = 1
			}
			labels = append(labels, storage.Label{Platform: it.Platform, ItemID: it.ItemID, Category: c, Value: v, Source: "lexicon", SourceVersion: version})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := store.SaveLabels(ctx, labels); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "lexicon %s labelled %d items (%d labels)\n", version, items, len(labels))
	for _, c := range cats {
		fmt.Fprintf(e.stdout, "  %-16s %6d matched\n", c, positives[c])
	}
	return nil
}

// labelRowError is one rejected row of a label file.
type labelRowError struct {
	file   string
	line   int
	column string
	msg    string
}

func (r labelRowError) Error() string {
	if r.column == "" {
		return fmt.Sprintf("%s:%d: %s", r.file, r.line, r.msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", r.file, r.line, r.column, r.msg)
}

// readManualLabels parses a label CSV. Rows with a problem are returned as
// errors (file:line: column: problem) and left out; the good rows are kept.
func readManualLabels(file string, r io.Reader, defaults storage.Label) ([]storage.Label, []error, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s:1: header: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"item_id", "category", "value"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("%s:1: header: no %q column (want platform,item_id,category,value,annotator)", file, need)
		}
	}
	if _, ok := col["platform"]; !ok && defaults.Platform == "" {
		return nil, nil, fmt.Errorf("%s:1: header: no \"platform\" column and no --platform", file)
	}
	var (
		labels []storage.Label
		bad    []error
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, labelRowError{file, pe.StartLine, "", pe.Err.Error()})
				continue
			}
			return labels, bad, fmt.Errorf("%s: %w", file, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) != len(header) {
			bad = append(bad, labelRowError{file, line, "", fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		l := defaults
		if p := get("platform"); p != "" {
			l.Platform = p
		}
		if a := get("annotator"); a != "" {
			l.Annotator = a
		}
		l.ItemID, l.Category = get("item_id"), get("category")
		var problems []error
		if l.Platform == "" {
			problems = append(problems, labelRowError{file, line, "platform", "empty"})
		}
		if l.ItemID == "" {
			problems = append(problems, labelRowError{file, line, "item_id", "empty"})
		}
		if l.Category == "" {
			problems = append(problems, labelRowError{file, line, "category", "empty"})
		}
		v, err := strconv.ParseFloat(get("value"), 64)
		switch {
		case err != nil:
			problems = append(problems, labelRowError{file, line, "value", fmt.Sprintf("%q is not a number (want 1, 0, -1 or a score)", get("value"))})
		case math.IsNaN(v) || math.IsInf(v, 0):
			problems = append(problems, labelRowError{file, line, "value", "must be finite"})
		}
		if len(problems) > 0 {
			bad = append(bad, problems...)
			continue
		}
		l.Value = v
		labels = append(labels, l)
	}
	return labels, bad, nil
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
Importing the same labels again replaces them.

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
	labels, bad, err := readManualLabels(file, f, storage.Label{Platform: *platform, Source: "manual", SourceVersion: *round, Annotator: *annotator})
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	if len(labels) > 0 {
		if _, err := store.SaveLabels(ctx, labels); err != nil {
			return err
		}
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

// rater names a label's source for agreement: source, /annotator,
// @version.
func rater(l storage.Label) string {
	r := l.Source
	if l.Annotator != "" {
		r += "/" + l.Annotator
	}
	if l.SourceVersion != "" {
		r += "@" + l.SourceVersion
	}
	return r
}

// labelStats is what label stats prints.
type labelStats struct {
	Raters    []raterStats     `json:"raters"`
	Agreement []agreementRow   `json:"agreement"`
	Resolved  []resolvedCounts `json:"resolved"`
}

type raterStats struct {
	Rater    string `json:"rater"`
	Category string `json:"category"`
	Items    int    `json:"items"`
	Positive int    `json:"positive"` // value > 0
}

type agreementRow struct {
	analysis.Agreement
	Kappa *float64 `json:"kappa"` // null when undefined
}

type resolvedCounts struct {
	Category string `json:"category"`
	Items    int    `json:"items"`
	Positive int    `json:"positive"`
}

func cmdLabelStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label stats", "--db FILE [--platform NAME] [--json]", `
Show the labels by source: per source (and annotator and version) and
category, how many items it labelled and how many it called positive
(value > 0); then, for every pair of sources that labelled the same items
in a category, how many they share, how often they agree, and Cohen's kappa
(NaN / null when undefined: both used a single label throughout); then how
many items are positive per category after resolution (manual over truth
over lexicon over adapter over others).`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	platform := fs.String("platform", "", "only this platform's labels")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	var (
		ratings []analysis.Rating
		votes   []analysis.LabelVote
	)
	type rk struct{ rater, cat string }
	type rc struct {
		items map[string]bool
		pos   int
	}
	per := map[rk]*rc{}
	err = store.EachLabel(ctx, *platform, func(l storage.Label) error {
		item := l.Platform + "/" + l.ItemID
		r := rater(l)
		ratings = append(ratings, analysis.Rating{Item: item, Category: l.Category, Rater: r, Value: l.Value})
		votes = append(votes, analysis.LabelVote{ItemID: item, Category: l.Category, Source: l.Source, Value: l.Value})
		k := rk{r, l.Category}
		if per[k] == nil {
			per[k] = &rc{items: map[string]bool{}}
		}
		per[k].items[item] = true
		if l.Value > 0 {
			per[k].pos++
		}
		return nil
	})
	if err != nil {
		return err
	}
	var st labelStats
	for k, c := range per {
		st.Raters = append(st.Raters, raterStats{Rater: k.rater, Category: k.cat, Items: len(c.items), Positive: c.pos})
	}
	sort.Slice(st.Raters, func(i, j int) bool {
		a, b := st.Raters[i], st.Raters[j]
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return a.Rater < b.Rater
	})
	for _, a := range analysis.PairwiseAgreement(ratings) {
		row := agreementRow{Agreement: a}
		if !math.IsNaN(a.Kappa) {
			k := a.Kappa
			row.Kappa = &k
		}
		st.Agreement = append(st.Agreement, row)
	}
	res := map[string]*resolvedCounts{}
	for _, cats := range analysis.ResolveLabels(votes) {
		for c, v := range cats {
			if res[c] == nil {
				res[c] = &resolvedCounts{Category: c}
			}
			res[c].Items++
			if v > 0 {
				res[c].Positive++
			}
		}
	}
	for _, r := range res {
		st.Resolved = append(st.Resolved, *r)
	}
	sort.Slice(st.Resolved, func(i, j int) bool { return st.Resolved[i].Category < st.Resolved[j].Category })
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	w := e.stdout
	if len(st.Raters) == 0 {
		fmt.Fprintln(w, "no labels yet (feedprobe label apply, feedprobe label import)")
		return nil
	}
	fmt.Fprintf(w, "labels by source\n  %-16s %-36s %7s %8s\n", "category", "source", "items", "positive")
	for _, r := range st.Raters {
		fmt.Fprintf(w, "  %-16s %-36s %7d %8d\n", r.Category, r.Rater, r.Items, r.Positive)
	}
	if len(st.Agreement) > 0 {
		fmt.Fprintf(w, "\nagreement between sources (items both labelled)\n  %-16s %-30s %-30s %6s %6s %8s %7s\n", "category", "source A", "source B", "n", "agree", "observed", "kappa")
		for _, a := range st.Agreement {
			k := "NaN"
			if a.Kappa != nil {
				k = fmt.Sprintf("%.3f", *a.Kappa)
			}
			fmt.Fprintf(w, "  %-16s %-30s %-30s %6d %6d %8.3f %7s\n", a.Category, a.RaterA, a.RaterB, a.N, a.Agree, a.Observed, k)
		}
	}
	fmt.Fprintf(w, "\nafter resolution (%s, then others)\n", strings.Join(analysis.SourcePrecedence, " > "))
	for _, r := range st.Resolved {
		fmt.Fprintf(w, "  %-16s %6d items %6d positive\n", r.Category, r.Items, r.Positive)
	}
	return nil
}
