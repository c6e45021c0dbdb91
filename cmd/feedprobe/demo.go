package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
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
	cfg := simfeed.DefaultConfig()
	cfg.Truth = true
	srv, err := simfeed.New(cfg, logger.With("component", "simfeed"))
	if err != nil {
		return err
	}
	sctx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	base, wait, err := simfeed.Listen(sctx, "127.0.0.1:0", srv)
	if err != nil {
		return err
	}
	defer func() { stopServer(); _ = wait() }()
	fmt.Fprintf(e.stdout, "simfeed is serving %s\n", base)

	c, err := personas.DemoCampaign()
	if err != nil {
		return err
	}
	c.BaseURL = base
	c.Name = "demo-" + time.Now().UTC().Format("20060102-150405")
	if *sessions > 0 {
		c.Sessions = *sessions
	}
	if *items > 0 {
		c.ItemsPerSession = *items
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(e.stdout, "running campaign %q: %d personas x %d sessions x %d items\n", c.Name, len(c.Personas), c.Sessions, c.ItemsPerSession)
	sum, err := daemon.Run(ctx, store, c, daemon.RunOptions{
		Browser: probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: true, Logger: logger},
		Logger:  logger,
		Retries: 2,
	}.WithEvidence(store, *db, 10))
	sum.Write(e.stdout, *db)
	if err != nil {
		return err
	}
	// simfeed knows what it planted: store it as labels (source "truth"),
	// so `feedprobe label stats` can measure the lexicon against it.
	_, seen, err := saveTruth(ctx, store, c.Platform, srv.Catalogue(), base)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "labelled the %d items seen with simfeed's ground truth\n", seen)
	rep, err := store.Analyze(ctx, sum.Campaign, storage.Conventions{}, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	if err := rep.WriteTables(e.stdout); err != nil {
		return err
	}
	if err := daemon.WriteTruth(ctx, e.stdout, store, sum.Campaign, srv.Truth()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nnext: feedprobe analyze --db %s --json   (the tour in README.md goes on from here)\n", *db)
	return nil
}
