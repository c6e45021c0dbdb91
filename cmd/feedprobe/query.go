package main

import (
	"context"
	"errors"
	"time"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "query", "--db FILE [--format table|csv|json] 'SELECT ...'", help.Command("query"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	format := fs.String("format", "table", "output: table (aligned), csv or json (an array of objects)")
	secrets := fs.Bool("include-secrets", false, "show persona_state.identity (cookies: secrets) instead of NULL")
	timeout := fs.Duration("timeout", time.Minute, "stop the query after this long (0: no limit)")
	maxMemory := fs.String("max-memory", "1GiB", "stop the query when SQLite needs more memory than this (KiB, MiB, GiB; 0: no limit)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("query needs exactly one SQL argument (quote it)")
	}
	if *timeout < 0 {
		return flagError("--timeout %s: want 0 (no limit) or more", *timeout)
	}
	memCap, err := storage.ParseSize(*maxMemory)
	if err != nil {
		return flagError("--max-memory: %w", err)
	}
	if !storage.IsQueryFormat(*format) {
		return flagError("--format %q: want table, csv or json", *format)
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	w := e.raw // CSV and JSON byte for byte
	if *format == storage.QueryTable {
		w = e.stdout
	}
	return store.QueryTo(ctx, w, *format, fs.Arg(0), storage.QueryOptions{IncludeSecrets: *secrets, Timeout: *timeout, MaxMemory: memCap})
}
