package main

import (
	"context"
	"fmt"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe/daemon"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--db feedprobe.db]", help.Command("demo"))
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	chrome := fs.String("chrome", "", "browser binary (default: $FEEDPROBE_CHROME, then chromium on PATH)")
	sessions := fs.Int("sessions", 0, "override the sessions per persona (default: the campaign's 4)")
	items := fs.Int("items", 0, "override the items per session (default: the campaign's 60)")
	newLogger := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	logger, err := newLogger(e.stderr)
	if err != nil {
		return err
	}
	err = daemon.Demo(ctx, e.stdout, daemon.DemoOptions{DBPath: *db, Chrome: *chrome, Sessions: *sessions, Items: *items, Logger: logger})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nnext: feedprobe analyze --db %s --json   (the tour in README.md goes on from here)\n", *db)
	return nil
}
