package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

var (
	_ probe.Store = (*storage.DB)(nil)
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "CAMPAIGN.yaml [flags]", help.Command("run"))
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	baseURL := fs.String("base-url", "", "override the campaign's base_url")
	chrome := fs.String("chrome", "", "browser binary (default: $FEEDPROBE_CHROME, then chromium on PATH)")
	closed := fs.String("closed-network", "auto", "block every DNS lookup but 127.0.0.1, and WebRTC's UDP (STUN, mDNS): on, off, or auto (on for a loopback base_url)")
	retries := fs.Int("retries", 2, "further attempts for a failed session, with backoff (a blocked one gets none)")
	shardFlag := fs.String("shard", "", "run only share I of N of the persona groups (I from 0; a test persona stays with its twins); merge the shards' databases with feedprobe merge")
	remoteURL := fs.String("browser", "", "drive a running Chromium at this DevTools address (ws://HOST:PORT or http://HOST:PORT) instead of launching one; --chrome and --closed-network then do not apply")
	progressMode := fs.String("progress", "auto", "progress bar on stderr (sessions done/planned, items, errors, ETA): auto (when stderr is a terminal), on or off")
	metricsListen := fs.String("metrics-listen", "", "serve the probe's Prometheus /metrics (as serve does) at this address while the run lasts, e.g. 127.0.0.1:9464; loopback unless --allow-non-loopback")
	allowRemote := fs.Bool("allow-non-loopback", false, "allow --metrics-listen on an address other than loopback (/metrics has no authentication)")
	wait := fs.Bool("wait", false, "when another process is running this campaign on the database, wait for it to finish instead of exiting")
	evidenceEvery := fs.Int("evidence-every", 10, "keep a screenshot and the feed's HTML every N scrolls (also at each session's end and on errors) in DB-evidence/, hash-chained; 0: only at the end and on errors; -1: keep none")
	newLogger := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("run needs exactly one campaign file")
	}
	showProgress, err := daemon.UseProgress(*progressMode, e.rawStderr)
	if err != nil {
		return usageError(err)
	}
	var prog *daemon.Progress
	logw := e.stderr
	if showProgress {
		// The bar draws with a carriage return and an erase-line escape;
		// log lines through it are quoted by slog.
		prog = daemon.NewProgress(e.rawStderr)
		logw = prog
		defer prog.Finish()
	}
	logger, err := newLogger(logw)
	if err != nil {
		return err
	}
	// A scheduled campaign (serve's) runs once, now; its schedule is ignored.
	c, _, err := daemon.LoadCampaignFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if *baseURL != "" {
		c.BaseURL = *baseURL
	}
	closedNet, err := closedNetwork(*closed, c.BaseURL)
	if err != nil {
		return err
	}
	var shard probe.Shard
	if *shardFlag != "" {
		if shard, err = probe.ParseShard(*shardFlag); err != nil {
			return flagError("--shard: %w", err)
		}
	}
	if *remoteURL != "" {
		if err := probe.CheckRemoteURL(*remoteURL); err != nil {
			return flagError("--browser: %w", err)
		}
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	// One writer per campaign: a second run of it (here or in another
	// process) would mark this one's live sessions interrupted.
	if *wait {
		logger.Info("waiting for the campaign's lease", "campaign", c.Name)
	}
	lease, err := store.HoldCampaign(ctx, c.Name, "run", *wait)
	if err != nil {
		if errors.Is(err, storage.ErrLeaseHeld) {
			return fmt.Errorf("%w; wait for it, or run with --wait", err)
		}
		return err
	}
	defer lease.Release(ctx)
	runCtx, cancelRun := lease.Bind(ctx)
	defer cancelRun(nil)
	var metrics *probe.Metrics
	if *metricsListen != "" {
		_, stop, m, err := serveRunMetrics(*metricsListen, *allowRemote, store, logger)
		if err != nil {
			return err
		}
		defer stop()
		metrics = m
	}
	sum, err := daemon.Run(runCtx, store, c, daemon.RunOptions{
		Metrics:  metrics,
		Browser:  probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: closedNet, Logger: logger, Remote: *remoteURL},
		Logger:   logger,
		Shard:    shard,
		Progress: prog,
		Retries:  *retries,
	}.WithEvidence(store, *db, *evidenceEvery))
	if prog != nil {
		prog.Finish()
	}
	if sc, ok := interrupted(ctx); ok && err != nil && sum.Campaign.ID != 0 {
		return runInterrupted(ctx, e, store, sum, *db, sc)
	}
	if err != nil && context.Cause(runCtx) != nil && errors.Is(context.Cause(runCtx), storage.ErrLeaseLost) {
		sum.Write(e.stdout, *db)
		return fmt.Errorf("stopped: %w (another process took the campaign over; its sessions are its own now)", context.Cause(runCtx))
	}
	sum.Write(e.stdout, *db)
	if err != nil {
		return err
	}
	if sum.Done < sum.Planned {
		return withStatus(exitIncomplete, fmt.Errorf("%d of %d sessions not done (failed or blocked); the database keeps each one's error, and running the same command again retries the failed ones",
			sum.Planned-sum.Done, sum.Planned))
	}
	return nil
}

// runInterrupted ends a run stopped by a signal: the sessions it cut short
// are marked interrupted with the impressions they stored, what was kept
// is printed, and the error carries the exit status 128 + the signal.
func runInterrupted(ctx context.Context, e *env, store *storage.DB, sum daemon.RunSummary, db string, sc signalCause) error {
	cut, kept, err := daemon.MarkInterrupted(ctx, store, sum.Campaign.ID)
	if err != nil {
		return withStatus(sc.status(), fmt.Errorf("%s: %w", sc, err))
	}
	sum.Write(e.stdout, db)
	fmt.Fprintf(e.stdout, "%s: %d sessions cut short were marked interrupted, keeping their %d impressions; run the same command again to redo them\n",
		sc, cut, kept)
	return withStatus(sc.status(), fmt.Errorf("%s: stopped cleanly after %d of %d sessions", sc, sum.Done, sum.Planned))
}

// serveRunMetrics serves /metrics for `run --metrics-listen`: the probe's
// metrics (the same names as serve's), the database's and the process's.
// It returns the address it listens on; stop closes the server.
func serveRunMetrics(addr string, allowRemote bool, db *storage.DB, logger *slog.Logger) (bound string, stop func(), m *probe.Metrics, err error) {
	if err := daemon.CheckLoopback(addr, allowRemote); err != nil {
		return "", nil, nil, flagError("--metrics-listen: %w", err)
	}
	if daemon.CheckLoopback(addr, false) != nil {
		logger.Warn("serving metrics beyond loopback: they have no authentication", "listen", addr)
	}
	reg := daemon.Registry(db)
	m = probe.NewMetrics(reg, version)
	bound, srv, err := daemon.Listen(addr, daemon.MetricsHandler(reg, logger), logger)
	if err != nil {
		return "", nil, nil, fmt.Errorf("--metrics-listen %s: %w", addr, err)
	}
	logger.Info("serving metrics", "addr", bound)
	return bound, func() { srv.Close() }, m, nil
}
