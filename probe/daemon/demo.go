package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// DemoOptions are feedprobe demo's flags.
type DemoOptions struct {
	DBPath          string // the SQLite database to write
	Chrome          string // the browser binary ("" for the default)
	Sessions, Items int    // override the campaign's sessions per persona and items per session (0: keep)
	Logger          *slog.Logger
}

// Demo is feedprobe demo: it starts simfeed on a loopback port with its
// ground truth, runs the demo campaign (personas.DemoCampaign, named
// demo-TIME) against it on the closed network with evidence, labels the
// items seen with simfeed's truth (SaveTruth), analyzes the campaign and
// writes to w, as it goes, where simfeed serves, the run's summary, the
// analysis tables and what simfeed learned about each persona
// (WriteTruth). simfeed stops when it returns.
func Demo(ctx context.Context, w io.Writer, o DemoOptions) error {
	cfg := simfeed.DefaultConfig()
	cfg.Truth = true
	srv, err := simfeed.New(cfg, o.Logger.With("component", "simfeed"))
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
	fmt.Fprintf(w, "simfeed is serving %s\n", base)

	c, err := personas.DemoCampaign()
	if err != nil {
		return err
	}
	c.BaseURL = base
	c.Name = "demo-" + time.Now().UTC().Format("20060102-150405")
	if o.Sessions > 0 {
		c.Sessions = o.Sessions
	}
	if o.Items > 0 {
		c.ItemsPerSession = o.Items
	}
	store, err := storage.Open(ctx, o.DBPath)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(w, "running campaign %q: %d personas x %d sessions x %d items\n", c.Name, len(c.Personas), c.Sessions, c.ItemsPerSession)
	sum, err := Run(ctx, store, c, RunOptions{
		Browser: probe.BrowserOptions{ExecPath: o.Chrome, ClosedNetwork: true, Logger: o.Logger},
		Logger:  o.Logger,
		Retries: 2,
	}.WithEvidence(store, o.DBPath, 10))
	sum.Write(w, o.DBPath)
	if err != nil {
		return err
	}
	// simfeed knows what it planted: store it as labels (source "truth"),
	// so `feedprobe label stats` can measure the lexicon against it.
	_, seen, err := SaveTruth(ctx, store, c.Platform, srv.Catalogue(), base)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "labelled the %d items seen with simfeed's ground truth\n", seen)
	rep, err := store.Analyze(ctx, sum.Campaign, storage.Conventions{}, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := rep.WriteTables(w); err != nil {
		return err
	}
	return WriteTruth(ctx, w, store, sum.Campaign, srv.Truth())
}
