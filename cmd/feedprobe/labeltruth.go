package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdLabelTruth(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label truth", "--db FILE --url URL [--platform simfeed]", `
Label every observed item of a simfeed campaign with simfeed's ground truth,
read from URL/truth/items (simfeed must run with --truth): for each harm
category (gambling, self_harm, misinformation) value 1 when the item is in it
and 0 when not, misinformation 1 or -1 for an item of a planted contested
topic that promotes or debunks it, and "synthetic" 1 for an AI-generated item
whether or not it was labelled on the page. Labels are stored with source
"truth", which analysis ranks after manual labels and before the lexicon.
Only a simulated platform has a ground truth: this is how the audit's own
classifiers (the lexicon, the adapter's labels) are measured against what
was planted.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to label")
	base := fs.String("url", "", "simfeed's base URL, e.g. http://127.0.0.1:8080")
	platform := fs.String("platform", "simfeed", "the platform name the campaign's items are stored under")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *base == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("label truth needs --url and no arguments")
	}
	catalogue, err := simfeed.FetchTruthItems(ctx, *base)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	n, items, err := saveTruth(ctx, store, *platform, catalogue, *base)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "labelled %d observed items (%d labels) with simfeed's truth from %s\n", items, n, *base)
	return nil
}

// saveTruth stores simfeed's catalogue as ground-truth labels of the
// items of platform the database observed (storage.SaveTruthLabels).
func saveTruth(ctx context.Context, db *storage.DB, platform string, catalogue []simfeed.Item, version string) (labels, items int, err error) {
	truth := make([]storage.TruthItem, len(catalogue))
	for i, it := range catalogue {
		truth[i] = storage.TruthItem{ID: it.ID, Labels: it.TruthLabels()}
	}
	return db.SaveTruthLabels(ctx, platform, version, truth)
}
