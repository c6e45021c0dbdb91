package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

// findingsOf returns a campaign's compliance findings (the checks of
// feedprobe findings, with its default options and seed).
var findingsOf = func(ctx context.Context, db *storage.DB, camp storage.Campaign) ([]analysis.Finding, error) {
	fr, err := db.Findings(ctx, camp, storage.Conventions{}, rand.New(rand.NewPCG(1, 0)))
	return fr.Findings, err
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "--config DIR [flags]", help.Command("serve"))
	dir := fs.String("config", "", "directory of campaign files (required)")
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	listen := fs.String("listen", "127.0.0.1:9464", "address of /metrics, /healthz and /readyz (loopback unless --allow-non-loopback)")
	allowRemote := fs.Bool("allow-non-loopback", false, "allow --listen on an address other than loopback (the endpoints have no authentication)")
	maxSessions := fs.Int("max-sessions", 4, "persona sessions running at once, over all campaigns")
	grace := fs.Duration("grace", 30*time.Second, "on SIGTERM, how long running sessions may take to finish")
	chrome := fs.String("chrome", "", "browser binary (default: $FEEDPROBE_CHROME, then chromium on PATH)")
	closed := fs.String("closed-network", "auto", "block every DNS lookup but 127.0.0.1, and WebRTC's UDP (STUN, mDNS): on, off, or auto (on when every base_url is loopback)")
	orderPoll := fs.Duration("order-poll", daemon.DefaultOrderPoll, "how often to look for new rectification orders; each is re-inspected at its deadline")
	newLogger := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *dir == "" {
		fs.Usage()
		return errors.New("serve needs --config DIR and no arguments")
	}
	if *maxSessions < 1 {
		return flagError("--max-sessions %d: want at least 1", *maxSessions)
	}
	if *grace < 0 {
		return flagError("--grace %s: want 0 or more", *grace)
	}
	logger, err := newLogger(e.stderr)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	reg := daemon.Registry(store)
	var closedNet bool // decided once the campaigns are loaded
	d := daemon.New(daemon.Config{
		DB: store, Metrics: probe.NewMetrics(reg, version), Logger: logger, Dir: *dir,
		MaxSessions: *maxSessions, OrderPoll: *orderPoll, Findings: findingsOf,
		Accept: func(c *personas.Campaign) error {
			if on, _ := probe.ClosedNetwork("auto", c.BaseURL); closedNet && !on {
				return fmt.Errorf("base_url %s is not loopback, but the shared browser runs with a closed network; restart serve (or use --closed-network off) to add it", c.BaseURL)
			}
			return nil
		},
	})
	loaded, err := d.Load(ctx)
	if err != nil {
		return err
	}
	if len(loaded) == 0 {
		logger.Warn("no campaign files; add some and send SIGHUP", "config", *dir)
	}
	if closedNet, err = probe.ClosedNetworkAll(*closed, loaded); err != nil {
		if *closed != "auto" {
			return usageError(err)
		}
		return err
	}
	// The browser, and the sessions' work, outlive the signal: sessions get
	// --grace to finish after it.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	// Tiles for the largest persona viewport of the campaigns loaded now;
	// a campaign added later with a larger one logs a warning per session.
	opts := probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: closedNet, Logger: logger, TileMemoryMB: probe.TileBudget(loaded...)}
	if err := d.Launch(workCtx, opts); err != nil {
		return err
	}
	defer d.Close()

	if err := daemon.CheckLoopback(*listen, *allowRemote); err != nil {
		return flagError("--listen: %w", err)
	}
	if *allowRemote {
		if lerr := daemon.CheckLoopback(*listen, false); lerr != nil {
			logger.Warn("serving metrics and health beyond loopback: they have no authentication", "listen", *listen)
		}
	}
	addr, srv, err := daemon.Listen(*listen, daemon.Handler(d, workCtx, reg, logger), logger)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", *listen, err)
	}
	defer srv.Close()
	logger.Info("serving", "addr", addr, "config", *dir, "db", *db, "campaigns", len(loaded), "max_sessions", *maxSessions)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	d.Serve(ctx, workCtx, cancelWork, hup, *grace)
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	return nil
}
