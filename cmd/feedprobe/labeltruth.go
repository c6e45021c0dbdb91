package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdLabelTruth(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label truth", "--db FILE --url URL [--platform simfeed]", help.Command("label truth"))
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
	n, items, err := daemon.SaveTruth(ctx, store, *platform, catalogue, *base)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "labelled %d observed items (%d labels) with simfeed's truth from %s\n", items, n, *base)
	return nil
}
