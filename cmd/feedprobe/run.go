package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

var (
	_ probe.Store = (*storage.DB)(nil)
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "CAMPAIGN.yaml [flags]", `
Run a campaign: every persona browses the platform through its adapter for
the planned number of sessions, and every impression and action is stored in
the database. Running the same command again resumes: finished sessions are
not repeated, and a session that was interrupted half-way is marked
"interrupted" and redone.

One process at a time writes a campaign: a second run of it on the same
database exits naming the first (host, pid, command), or waits with --wait.
Ctrl-C or SIGTERM stops the run cleanly: the sessions cut short are marked
interrupted, keeping their impressions. Exit status: 0 when every planned
session is done, 3 when some failed or were blocked, 130 / 143 when
interrupted (feedprobe help exit-codes).`)
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
	showProgress, err := useProgress(*progressMode, e.rawStderr)
	if err != nil {
		return err
	}
	var prog *progress
	logw := e.stderr
	if showProgress {
		// The bar draws with a carriage return and an erase-line escape;
		// log lines through it are quoted by slog.
		prog = newProgress(e.rawStderr)
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
	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	go func() {
		select {
		case <-lease.Lost():
			cancelRun(lease.Err())
		case <-runCtx.Done():
		}
	}()
	var metrics *probe.Metrics
	if *metricsListen != "" {
		_, stop, m, err := serveRunMetrics(*metricsListen, *allowRemote, store, logger)
		if err != nil {
			return err
		}
		defer stop()
		metrics = m
	}
	sum, err := runCampaign(runCtx, store, c, runOptions{
		metrics:  metrics,
		browser:  probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: closedNet, Logger: logger, Remote: *remoteURL},
		logger:   logger,
		shard:    shard,
		progress: prog,
		retries:  *retries,
	}.withEvidence(store, *db, *evidenceEvery))
	if prog != nil {
		prog.Finish()
	}
	if sc, ok := interrupted(ctx); ok && err != nil && sum.Campaign.ID != 0 {
		return runInterrupted(ctx, e, store, sum, *db, sc)
	}
	if err != nil && context.Cause(runCtx) != nil && errors.Is(context.Cause(runCtx), storage.ErrLeaseLost) {
		printRunSummary(e, sum, *db)
		return fmt.Errorf("stopped: %w (another process took the campaign over; its sessions are its own now)", context.Cause(runCtx))
	}
	printRunSummary(e, sum, *db)
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
// are marked interrupted with the impressions they stored (a new attempt of
// each is planned, as a resumed run would), what was kept is printed, and
// the error carries the exit status 128 + the signal.
func runInterrupted(ctx context.Context, e *env, store *storage.DB, sum runSummary, db string, sc signalCause) error {
	ctx = context.WithoutCancel(ctx)
	before, err := store.Sessions(ctx, sum.Campaign.ID)
	if err != nil {
		return withStatus(sc.status(), fmt.Errorf("%s: %w", sc, err))
	}
	running := map[int64]bool{}
	for _, s := range before {
		if s.Status == storage.StatusRunning {
			running[s.ID] = true
		}
	}
	if _, err := store.RecoverInterrupted(ctx, sum.Campaign.ID); err != nil {
		return withStatus(sc.status(), fmt.Errorf("%s: %w", sc, err))
	}
	after, err := store.Sessions(ctx, sum.Campaign.ID)
	if err != nil {
		return withStatus(sc.status(), fmt.Errorf("%s: %w", sc, err))
	}
	kept := 0
	for _, s := range after {
		if running[s.ID] {
			kept += s.Items
		}
	}
	printRunSummary(e, sum, db)
	fmt.Fprintf(e.stdout, "%s: %d sessions cut short were marked interrupted, keeping their %d impressions; run the same command again to redo them\n",
		sc, len(running), kept)
	return withStatus(sc.status(), fmt.Errorf("%s: stopped cleanly after %d of %d sessions", sc, sum.Done, sum.Planned))
}

type runOptions struct {
	browser probe.BrowserOptions
	logger  *slog.Logger
	// retries is how many more attempts a failed session gets in this run.
	retries int
	// onSession, when set, sees every finished session.
	onSession func(probe.SessionReport)
	// store, when set, receives the sessions' writes instead of the
	// database itself (tests wrap the database to inject faults).
	store probe.Store
	// shard, when set, limits the run to its share of the persona groups.
	shard probe.Shard
	// evidence, when set, keeps screenshots and HTML every evidenceEvery
	// scrolls and seals every finished session into the chain (evidence.go).
	evidence      *storage.EvidenceStore
	evidenceEvery int
	// progress, when set, shows a progress bar (see progress.go).
	progress *progress
	// metrics, when set, counts the run's sessions, items, errors and
	// browser restarts as serve's /metrics does.
	metrics *probe.Metrics
}

// serveRunMetrics serves /metrics for `run --metrics-listen`: the probe's
// metrics (the same names as serve's), the database's and the process's.
// It returns the address it listens on; stop closes the server.
func serveRunMetrics(addr string, allowRemote bool, db *storage.DB, logger *slog.Logger) (bound string, stop func(), m *probe.Metrics, err error) {
	if err := checkLoopback(addr, allowRemote); err != nil {
		return "", nil, nil, flagError("--metrics-listen: %w", err)
	}
	if checkLoopback(addr, false) != nil {
		logger.Warn("serving metrics beyond loopback: they have no authentication", "listen", addr)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), dbStatsCollector{db})
	m = probe.NewMetrics(reg, version)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, nil, fmt.Errorf("--metrics-listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", "error", err)
		}
	}()
	logger.Info("serving metrics", "addr", ln.Addr().String())
	return ln.Addr().String(), func() { srv.Close() }, m, nil
}

type runSummary struct {
	Campaign storage.Campaign
	Planned  int // sessions this run set out to do
	Done     int
	Failed   int
	Blocked  int
	Items    int
	Resumed  int // sessions found interrupted and redone
	Restarts int // browser relaunches after it died
	Elapsed  time.Duration
}

// runCampaign records the campaign and its personas, plans the sessions that
// are still to do (this shard's), and runs them.
func runCampaign(ctx context.Context, db *storage.DB, c *personas.Campaign, o runOptions) (runSummary, error) {
	start := time.Now()
	var sum runSummary
	adapter, err := probe.CampaignAdapter(c)
	if err != nil {
		return sum, err
	}
	plans, camp, resumed, err := daemon.PlanCampaign(ctx, db, c)
	sum.Campaign, sum.Resumed = camp, resumed
	if err != nil {
		return sum, err
	}
	plans = o.shard.Select(c.Personas, plans)
	for _, p := range plans {
		sum.Planned += len(p.Jobs)
	}
	if sum.Planned == 0 {
		o.logger.Info("campaign already complete", "campaign", c.Name)
		return sum, nil
	}
	o.logger.Info("campaign starting", "campaign", c.Name, "personas", len(plans), "sessions", sum.Planned, "base_url", c.BaseURL)
	if o.progress != nil {
		o.progress.Plan(sum.Planned)
	}
	run := probe.CampaignRun{Browser: o.browser, Adapter: adapter, Store: db, Logger: o.logger, Retries: o.retries, Metrics: o.metrics,
		OnSession: func(rep probe.SessionReport) {
			if o.progress != nil {
				o.progress.Session(rep)
			}
			o.sealSession(ctx, rep)
			if o.onSession != nil {
				o.onSession(rep)
			}
		}}
	if o.store != nil {
		run.Store = o.store
	}
	if o.evidence != nil {
		run.Evidence, run.EvidenceEvery = o.evidence, o.evidenceEvery
	}
	if o.metrics != nil {
		run.Store = daemon.CountErrors(run.Store, o.metrics)
	}
	t, err := probe.RunCampaign(ctx, c, plans, run)
	sum.Done, sum.Failed, sum.Blocked, sum.Items, sum.Restarts = t.Done, t.Failed, t.Blocked, t.Items, t.Restarts
	sum.Elapsed = time.Since(start)
	return sum, err
}

func printRunSummary(e *env, s runSummary, db string) {
	if s.Campaign.ID == 0 {
		return
	}
	fmt.Fprintf(e.stdout, "campaign %q (id %d): %d of %d sessions done, %d failed attempts, %d blocked, %d items in %s",
		s.Campaign.Name, s.Campaign.ID, s.Done, s.Planned, s.Failed, s.Blocked, s.Items, s.Elapsed.Round(time.Second))
	if s.Resumed > 0 {
		fmt.Fprintf(e.stdout, "; %d interrupted sessions redone", s.Resumed)
	}
	if s.Restarts > 0 {
		fmt.Fprintf(e.stdout, "; browser restarted %d times", s.Restarts)
	}
	fmt.Fprintf(e.stdout, "\ndatabase: %s\n", filepath.Clean(db))
}
