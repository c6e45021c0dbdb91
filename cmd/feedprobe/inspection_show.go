package main

import (
	"context"
	"errors"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

func inspectionList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection list", "[--db FILE] [--json]", help.Command("inspection list"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
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
	rows, err := inspection.List(ctx, store)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.raw, rows)
	}
	return inspection.WriteList(e.stdout, rows)
}

func inspectionShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection show", "INSPECTION [--db FILE] [--json]", help.Command("inspection show"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("inspection show needs one inspection (id or case name)")
	}
	store, in, err := openInspection(ctx, *db, fs.Arg(0), true)
	if err != nil {
		return err
	}
	defer store.Close()
	cf, err := inspection.Load(ctx, store, in, findingsOf)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.raw, cf)
	}
	return cf.WriteText(e.stdout, in)
}
