package main

import (
	"context"
	"crypto/sha256"
	"database/sql" // only for the sql.DBStats type of storage.DB.Stats
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.yaml.in/yaml/v3"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/schedule"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "--config DIR [flags]", `
Run scheduled campaigns unattended, and serve Prometheus metrics and health
checks.

Every *.yaml file in DIR with a top-level "campaign:" key is a campaign file
(other YAML files, such as persona files, are left alone) and must have a
schedule block:

  schedule:
    cron: "0 9 * * *"          # or  every: 6h
    time_zone: Asia/Shanghai   # IANA zone for cron and dates; default UTC
    jitter: 10m                # random delay per slot, the same on every run
    start: 2026-03-01          # first day (or an RFC 3339 time); optional
    end: 2026-03-31            # last day, inclusive; optional
    missed: run-once           # or skip: what to do with slots missed while down
    tolerance: 5m              # how late a slot may start and be on time

Each slot runs one round: every persona's next session (a campaign of
"sessions: 14" on "@daily" runs for two weeks; the campaign's pause is not
used). Slots are recorded in the
database: a restart never runs a slot twice, resumes a slot that was cut
short, and records (and logs) every slot it missed. Sessions of all
campaigns share one Chromium and at most --max-sessions run at once,
campaigns taking turns.

Rectification orders (feedprobe finding issue) are re-inspected at their
deadline: the order's campaign design runs again with fresh personas and
twins, and the order closes as rectified, not rectified or inconclusive by
the re-inspection comparison (see feedprobe inspection show). Orders issued
while serve runs are found within --order-poll.

Signals: SIGTERM or SIGINT stops starting sessions, lets running ones finish
within --grace, marks the rest interrupted (they are redone on the next
start) and exits 0. SIGHUP reloads DIR; a bad file is reported and its old
version keeps running.

HTTP (on loopback unless --listen says otherwise): /metrics, /healthz (the
process is alive), /readyz (database writable, browser running).`)
	dir := fs.String("config", "", "directory of campaign files (required)")
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	listen := fs.String("listen", "127.0.0.1:9464", "address of /metrics, /healthz and /readyz (loopback unless --allow-non-loopback)")
	allowRemote := fs.Bool("allow-non-loopback", false, "allow --listen on an address other than loopback (the endpoints have no authentication)")
	maxSessions := fs.Int("max-sessions", 4, "persona sessions running at once, over all campaigns")
	grace := fs.Duration("grace", 30*time.Second, "on SIGTERM, how long running sessions may take to finish")
	chrome := fs.String("chrome", "", "browser binary (default: $FEEDPROBE_CHROME, then chromium on PATH)")
	closed := fs.String("closed-network", "auto", "block every DNS lookup but 127.0.0.1: on, off, or auto (on when every base_url is loopback)")
	orderPoll := fs.Duration("order-poll", defaultOrderPoll, "how often to look for new rectification orders; each is re-inspected at its deadline (reinspect.go)")
	newLogger := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *dir == "" {
		fs.Usage()
		return errors.New("serve needs --config DIR and no arguments")
	}
	if *maxSessions < 1 {
		return fmt.Errorf("--max-sessions %d: want at least 1", *maxSessions)
	}
	if *grace < 0 {
		return fmt.Errorf("--grace %s: want 0 or more", *grace)
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

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		dbStatsCollector{store},
	)
	metrics := probe.NewMetrics(reg, version)
	d := &daemon{
		db:        store,
		metrics:   metrics,
		logger:    logger,
		now:       time.Now,
		sem:       newFairSem(*maxSessions, metrics),
		campaigns: map[string]*campaignLoop{},
		started:   map[int64]string{},
	}
	d.store = countingStore{Store: store, m: metrics}

	loaded, errs := d.loadDir(ctx, *dir)
	if len(errs) > 0 {
		return fmt.Errorf("campaign files in %s:\n%w", *dir, errors.Join(errs...))
	}
	if len(loaded) == 0 {
		logger.Warn("no campaign files; add some and send SIGHUP", "config", *dir)
	}
	closedNet, err := closedForAll(*closed, loaded)
	if err != nil {
		return err
	}
	// The browser, and the sessions' work, outlive the signal: sessions get
	// --grace to finish after it.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	// Tiles for the largest persona viewport of the campaigns loaded now;
	// a campaign added later with a larger one logs a warning per session.
	var cs []*personas.Campaign
	for _, v := range loaded {
		cs = append(cs, v.c)
	}
	d.browserOpts = probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: closedNet, Logger: logger, TileMemoryMB: probe.TileBudget(cs...)}
	if err := d.ensureBrowser(workCtx); err != nil {
		return err
	}
	defer d.closeBrowser()

	if err := checkLoopback(*listen, *allowRemote); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	if *allowRemote {
		if lerr := checkLoopback(*listen, false); lerr != nil {
			logger.Warn("serving metrics and health beyond loopback: they have no authentication", "listen", *listen)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", *listen, err)
	}
	srv := &http.Server{Handler: d.handler(workCtx, reg), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "error", err)
		}
	}()
	defer srv.Close()
	logger.Info("serving", "addr", ln.Addr().String(), "config", *dir, "db", *db, "campaigns", len(loaded), "max_sessions", *maxSessions)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	for _, v := range loaded {
		d.start(ctx, workCtx, v)
	}
	d.startReinspections(ctx, workCtx, *orderPoll, *maxSessions)
	for {
		select {
		case <-hup:
			d.reload(ctx, workCtx, *dir)
			continue
		case <-ctx.Done():
		}
		break
	}
	logger.Info("stopping: no new sessions; waiting for running ones", "grace_seconds", grace.Seconds())
	timer := time.AfterFunc(*grace, cancelWork)
	defer timer.Stop()
	d.wg.Wait()
	// Whatever is still marked running was cut short by the grace period:
	// mark it interrupted so the next start redoes it.
	interrupted := 0
	for id, name := range d.startedCampaigns() {
		n, err := d.db.RecoverInterrupted(context.Background(), id)
		if err != nil {
			d.metrics.StorageError()
			logger.Error("mark interrupted sessions", "campaign", name, "error", err)
			continue
		}
		interrupted += n
	}
	logger.Info("stopped", "interrupted_sessions", interrupted)
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	return nil
}

// closedForAll resolves --closed-network for the shared browser: auto means
// on when every campaign's base_url is loopback.
func closedForAll(mode string, vs []*campaignVersion) (bool, error) {
	if mode != "auto" {
		return probe.ClosedNetwork(mode, "")
	}
	for _, v := range vs {
		on, err := probe.ClosedNetwork("auto", v.c.BaseURL)
		if err != nil || !on {
			return false, err
		}
	}
	return len(vs) > 0, nil
}

// daemon is the state of feedprobe serve.
type daemon struct {
	db          *storage.DB
	store       probe.Store // db, counting errors
	metrics     *probe.Metrics
	logger      *slog.Logger
	now         func() time.Time
	sem         *fairSem
	browserOpts probe.BrowserOptions

	bmu     sync.Mutex
	browser *probe.Browser

	mu        sync.Mutex
	campaigns map[string]*campaignLoop // by file path
	started   map[int64]string         // every campaign run since the start: id -> name
	wg        sync.WaitGroup
}

// campaignVersion is one loaded version of a campaign file.
type campaignVersion struct {
	path       string
	c          *personas.Campaign
	sched      *schedule.Schedule
	adapter    *probe.Adapter
	campaignID int64
	origin     time.Time
	personaIDs map[string]int64
	hash       string // of the file's bytes
}

// campaignLoop runs one campaign file's schedule.
type campaignLoop struct {
	mu      sync.Mutex
	v       *campaignVersion
	wake    chan struct{} // a new version arrived
	removed chan struct{} // the file is gone: stop after the current slot
	once    sync.Once
}

func (cl *campaignLoop) current() *campaignVersion {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.v
}

// startedCampaigns returns every campaign whose loop ran in this process,
// including those whose files were removed since.
func (d *daemon) startedCampaigns() map[int64]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.started)
}

// campaignFiles lists the campaign files of dir: *.yaml and *.yml files
// whose top level is a mapping with a "campaign" key, or that do not parse
// (so that their errors are reported).
func campaignFiles(dir string) ([]string, error) {
	var out []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	sort.Strings(out)
	var files []string
	for _, p := range out {
		data, err := os.ReadFile(p)
		if err != nil {
			files = append(files, p)
			continue
		}
		var top map[string]yaml.Node
		if err := yaml.Unmarshal(data, &top); err != nil {
			files = append(files, p)
			continue
		}
		if _, ok := top["campaign"]; ok {
			files = append(files, p)
		}
	}
	return files, nil
}

// loadDir loads every campaign file of dir. Files that fail come back as
// errors (file:line: field: message).
func (d *daemon) loadDir(ctx context.Context, dir string) ([]*campaignVersion, []error) {
	files, err := campaignFiles(dir)
	if err != nil {
		return nil, []error{err}
	}
	var (
		out  []*campaignVersion
		errs []error
		seen = map[string]string{}
	)
	for _, p := range files {
		v, err := d.loadFile(ctx, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := seen[v.c.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: campaign %q is also in %s", p, v.c.Name, other))
			continue
		}
		seen[v.c.Name] = p
		out = append(out, v)
	}
	return out, errs
}

// loadFile reads and records one scheduled campaign: its campaign and
// personas (unchanged designs only: a changed design needs a new name), the
// planned sessions, and the schedule with its origin.
func (d *daemon) loadFile(ctx context.Context, path string) (*campaignVersion, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sched, rest, err := schedule.SplitCampaign(path, data)
	if err != nil {
		return nil, err
	}
	c, err := personas.ParseCampaign(path, rest, filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	if sched == nil {
		return nil, fmt.Errorf("%s: no schedule", path)
	}
	adapter, err := probe.CampaignAdapter(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	spec, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("%s: encode campaign: %w", path, err)
	}
	camp, _, err := d.db.EnsureCampaign(ctx, storage.Campaign{Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL, Spec: spec, SpecHash: c.Hash()})
	if errors.Is(err, storage.ErrSpecChanged) {
		return nil, fmt.Errorf("%s: campaign %q is already in the database with a different design; give the changed campaign a new name (only the schedule may change)", path, c.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v := &campaignVersion{path: path, c: c, sched: sched, adapter: adapter, campaignID: camp.ID, personaIDs: map[string]int64{}}
	for _, p := range c.Personas {
		ps, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("%s: encode persona %s: %w", path, p.Name, err)
		}
		sp, err := d.db.EnsurePersona(ctx, storage.Persona{CampaignID: camp.ID, Name: p.Name, Role: p.Role, Spec: ps})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := d.db.PlanSessions(ctx, sp.ID, c.Sessions); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		v.personaIDs[p.Name] = sp.ID
	}
	sj, err := json.Marshal(sched.Spec())
	if err != nil {
		return nil, fmt.Errorf("%s: encode schedule: %w", path, err)
	}
	if v.origin, err = d.db.EnsureSchedule(ctx, camp.ID, sj, d.now()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v.hash = fileHash(data)
	d.metrics.Init(c.Platform)
	return v, nil
}

func fileHash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// start runs a campaign's loop.
func (d *daemon) start(stop, work context.Context, v *campaignVersion) {
	cl := &campaignLoop{v: v, wake: make(chan struct{}, 1), removed: make(chan struct{})}
	d.mu.Lock()
	d.campaigns[v.path] = cl
	d.started[v.campaignID] = v.c.Name
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.loop(stop, work, cl)
	}()
}

// reload rereads dir: new files start, changed ones replace their old
// version at the next slot, removed ones stop after their current slot. A
// file that fails to load is logged and its old version keeps running.
func (d *daemon) reload(stop, work context.Context, dir string) {
	d.logger.Info("reloading campaign files", "config", dir)
	files, err := campaignFiles(dir)
	if err != nil {
		d.logger.Error("reload failed; everything keeps running", "error", err)
		return
	}
	present := map[string]bool{}
	for _, p := range files {
		present[p] = true
		d.mu.Lock()
		cl := d.campaigns[p]
		d.mu.Unlock()
		if cl != nil {
			data, err := os.ReadFile(p)
			if err == nil && fileHash(data) == cl.current().hash {
				continue
			}
		}
		v, err := d.loadFile(stop, p)
		if err == nil && d.browserOpts.ClosedNetwork {
			if on, _ := probe.ClosedNetwork("auto", v.c.BaseURL); !on {
				err = fmt.Errorf("%s: base_url %s is not loopback, but the shared browser runs with a closed network; restart serve (or use --closed-network off) to add it", p, v.c.BaseURL)
			}
		}
		if err != nil {
			if cl != nil {
				d.logger.Error("campaign file rejected; its old version keeps running", "file", p, "error", err)
			} else {
				d.logger.Error("campaign file rejected", "file", p, "error", err)
			}
			continue
		}
		if cl == nil {
			if clash := d.byName(v.c.Name); clash != "" {
				d.logger.Error("campaign file rejected", "file", p, "error", fmt.Sprintf("campaign %q is also in %s", v.c.Name, clash))
				continue
			}
			d.logger.Info("campaign added", "campaign", v.c.Name, "file", p)
			d.start(stop, work, v)
			continue
		}
		cl.mu.Lock()
		old := cl.v
		cl.v = v
		cl.mu.Unlock()
		d.mu.Lock()
		d.started[v.campaignID] = v.c.Name
		d.mu.Unlock()
		if old.campaignID != v.campaignID {
			d.logger.Warn("campaign renamed in place; the old campaign's schedule stops", "file", p, "old", old.c.Name, "campaign", v.c.Name)
		}
		select {
		case cl.wake <- struct{}{}:
		default:
		}
		d.logger.Info("campaign reloaded", "campaign", v.c.Name, "file", p)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for p, cl := range d.campaigns {
		if !present[p] {
			d.logger.Info("campaign file removed; its schedule stops after the current slot", "file", p, "campaign", cl.current().c.Name)
			cl.once.Do(func() { close(cl.removed) })
			delete(d.campaigns, p)
		}
	}
}

func (d *daemon) byName(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p, cl := range d.campaigns {
		if cl.current().c.Name == name {
			return p
		}
	}
	return ""
}

// retryDelay is the wait after a slot failed on a store error.
const retryDelay = 10 * time.Second

// loop runs a campaign's slots until stop is done, the file is removed, or
// the schedule ends.
func (d *daemon) loop(stop, work context.Context, cl *campaignLoop) {
	for {
		if stop.Err() != nil {
			return
		}
		select {
		case <-cl.removed:
			return
		default:
		}
		v := cl.current()
		logger := d.logger.With("campaign", v.c.Name)
		wait, done, err := d.step(stop, work, v, logger)
		if err != nil {
			if stop.Err() != nil {
				return
			}
			logger.Error("schedule step failed; retrying", "error", err, "retry_seconds", retryDelay.Seconds())
			wait = retryDelay
		}
		if done {
			return
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-cl.wake:
		case <-cl.removed:
		case <-stop.Done():
		}
		timer.Stop()
	}
}

// step does what is due for the campaign now: resume a slot cut short,
// record missed slots, run a due slot. It returns how long to wait before
// the next step, or done when the schedule has nothing left.
func (d *daemon) step(stop, work context.Context, v *campaignVersion, logger *slog.Logger) (time.Duration, bool, error) {
	ctx := stop
	slots, err := d.db.Slots(ctx, v.campaignID)
	if err != nil {
		return 0, false, err
	}
	var last time.Time
	rounds := 0
	for _, s := range slots {
		if s.LastAt.After(last) {
			last = s.LastAt
		}
		rounds = max(rounds, s.Round)
		if s.Status == storage.SlotRunning {
			logger.Info("resuming slot", "slot", s.At, "round", s.Round)
			return 0, false, d.runSlot(stop, work, v, s, logger)
		}
	}
	if rounds >= v.c.Sessions {
		logger.Info("campaign complete: every round has run", "rounds", rounds)
		return 0, true, nil
	}
	now := d.now()
	dec := v.sched.Decide(last, v.origin, now)
	if dec.Missed > 0 {
		note := fmt.Sprintf("missed: daemon down or busy; policy %s", v.sched.Spec().Missed)
		if err := d.db.RecordMissed(ctx, v.campaignID, dec.FirstMiss, dec.LastMiss, dec.Missed, note); err != nil {
			d.metrics.StorageError()
			return 0, false, err
		}
		d.metrics.MissedSlots(dec.Missed)
		logger.Warn("missed slots", "missed", dec.Missed, "first", dec.FirstMiss, "last", dec.LastMiss, "policy", string(v.sched.Spec().Missed))
	}
	if !dec.Run.IsZero() {
		due := dec.Run.Add(v.sched.Jitter(v.c.Name, dec.Run))
		if wait := due.Sub(d.now()); wait > 0 {
			// The slot is decided but waits for its jitter; nothing is
			// recorded yet, so a stop now leaves it to the next start.
			if err := sleepCtx(stop, wait); err != nil {
				return 0, false, err
			}
		}
		startAt := d.now()
		slot, err := d.db.StartSlot(ctx, v.campaignID, dec.Run, dec.CatchUp, startAt)
		if err != nil {
			if !errors.Is(err, storage.ErrSlotTaken) {
				d.metrics.StorageError()
			}
			return 0, false, err
		}
		lag := startAt.Sub(due)
		d.metrics.ObserveScheduleLag(lag)
		if dec.CatchUp {
			logger.Warn("running a missed slot once", "slot", dec.Run, "round", slot.Round, "lag_seconds", lag.Seconds())
		} else {
			logger.Info("slot starting", "slot", dec.Run, "round", slot.Round, "lag_seconds", lag.Seconds())
		}
		return 0, false, d.runSlot(stop, work, v, slot, logger)
	}
	if dec.Next.IsZero() {
		logger.Info("schedule ended", "rounds", rounds, "of", v.c.Sessions)
		return 0, true, nil
	}
	wait := dec.Next.Add(v.sched.Jitter(v.c.Name, dec.Next)).Sub(now)
	logger.Debug("next slot", "slot", dec.Next, "wait_seconds", wait.Seconds())
	return max(wait, 0), false, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runSlot runs the slot's round: each persona's planned session of that
// seq, queued with every other campaign's sessions. Sessions that a
// previous run left running are marked interrupted and redone first. The
// slot is marked done when every session has finished; when stop cuts it
// short it stays running, to be resumed by the next start.
func (d *daemon) runSlot(stop, work context.Context, v *campaignVersion, slot storage.Slot, logger *slog.Logger) error {
	if _, err := d.db.RecoverInterrupted(stop, v.campaignID); err != nil {
		d.metrics.StorageError()
		return err
	}
	sessions, err := d.db.Sessions(stop, v.campaignID)
	if err != nil {
		return err
	}
	byID := map[int64]personas.Spec{}
	for _, p := range v.c.Personas {
		byID[v.personaIDs[p.Name]] = p
	}
	var plans []probe.PersonaPlan
	for _, s := range sessions {
		if s.Seq == slot.Round && s.Status == storage.StatusPlanned {
			if spec, ok := byID[s.PersonaID]; ok {
				plans = append(plans, probe.PersonaPlan{PersonaID: s.PersonaID, Persona: spec, Jobs: []probe.Job{{SessionID: s.ID, Seq: s.Seq}}})
			}
		}
	}
	var (
		mu                    sync.Mutex
		done, failed, blocked int
		items                 int
		wg                    sync.WaitGroup
		firstErr              error
		notStarted, cancelled int
	)
	for _, p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := d.sem.Acquire(stop, v.c.Name, v.c.Concurrency)
			if err != nil {
				mu.Lock()
				notStarted++
				mu.Unlock()
				return
			}
			defer release()
			err = d.runOne(work, v, p, func(rep probe.SessionReport) {
				mu.Lock()
				defer mu.Unlock()
				switch rep.Outcome {
				case probe.OutcomeDone:
					done++
				case probe.OutcomeBlocked:
					blocked++
				default:
					failed++
				}
				items += rep.Result.Items
			})
			if err != nil {
				mu.Lock()
				if work.Err() != nil {
					cancelled++
				} else if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("slot %s: %w", slot.At.Format(time.RFC3339), firstErr)
	}
	if notStarted > 0 || cancelled > 0 {
		logger.Warn("slot cut short; the next start resumes it", "slot", slot.At, "round", slot.Round,
			"not_started", notStarted, "interrupted", cancelled, "done", done)
		return stop.Err()
	}
	note := fmt.Sprintf("%d done, %d failed, %d blocked, %d items", done, failed, blocked, items)
	if err := d.db.FinishSlot(context.WithoutCancel(stop), slot.ID, note, d.now()); err != nil {
		d.metrics.StorageError()
		return err
	}
	logger.Info("slot finished", "slot", slot.At, "round", slot.Round, "done", done, "failed", failed, "blocked", blocked, "items", items)
	return nil
}

// runOne runs one persona session in the shared browser.
func (d *daemon) runOne(ctx context.Context, v *campaignVersion, p probe.PersonaPlan, onSession func(probe.SessionReport)) error {
	if err := d.ensureBrowser(ctx); err != nil {
		return err
	}
	d.bmu.Lock()
	b := d.browser
	d.bmu.Unlock()
	r := &probe.Runner{
		Browser:         b,
		Store:           d.store,
		Adapter:         v.adapter,
		BaseURL:         v.c.BaseURL,
		ItemsPerSession: v.c.ItemsPerSession,
		SessionTimeout:  v.c.SessionTimeout,
		Concurrency:     1,
		Logger:          d.logger.With("campaign", v.c.Name),
		Observer:        d.metrics.Observer(v.c.Platform),
		OnSession: func(rep probe.SessionReport) {
			d.metrics.ObserveSession(v.c.Platform, rep)
			onSession(rep)
		},
	}
	return r.Run(ctx, []probe.PersonaPlan{p})
}

// ensureBrowser launches the shared browser, or launches it again when it
// died (counting a restart).
func (d *daemon) ensureBrowser(ctx context.Context) error {
	d.bmu.Lock()
	defer d.bmu.Unlock()
	if d.browser != nil && d.browser.Alive() {
		return nil
	}
	restart := d.browser != nil
	if restart {
		d.browser.Close()
		d.browser = nil
	}
	b, err := probe.Launch(context.WithoutCancel(ctx), d.browserOpts)
	if err != nil {
		return err
	}
	d.browser = b
	if restart {
		d.metrics.BrowserRestarted()
		d.logger.Warn("browser restarted")
	}
	return nil
}

func (d *daemon) closeBrowser() {
	d.bmu.Lock()
	defer d.bmu.Unlock()
	if d.browser != nil {
		d.browser.Close()
		d.browser = nil
	}
}

// handler serves /metrics, /healthz and /readyz (and Prometheus's own
// /-/healthy and /-/ready spellings).
func (d *daemon) handler(work context.Context, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(d.logger.Handler(), slog.LevelError)}))
	healthy := func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }
	mux.HandleFunc("/healthz", healthy)
	mux.HandleFunc("/-/healthy", healthy)
	ready := func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		var problems []string
		if err := d.db.CheckWritable(ctx); err != nil {
			problems = append(problems, "database: "+err.Error())
		}
		if work.Err() == nil {
			if err := d.ensureBrowser(work); err != nil {
				problems = append(problems, "browser: "+err.Error())
			}
		} else {
			problems = append(problems, "stopping")
		}
		if len(problems) > 0 {
			http.Error(w, strings.Join(problems, "\n"), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}
	mux.HandleFunc("/readyz", ready)
	mux.HandleFunc("/-/ready", ready)
	return mux
}

// countingStore counts failed writes in feedprobe_storage_errors_total.
// Cancellation is not a storage error.
type countingStore struct {
	probe.Store
	m *probe.Metrics
}

func (s countingStore) count(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		s.m.StorageError()
	}
	return err
}

func (s countingStore) SaveImpressions(ctx context.Context, id int64, imps []probe.Impression) error {
	return s.count(s.Store.SaveImpressions(ctx, id, imps))
}

func (s countingStore) SaveActions(ctx context.Context, id int64, acts []probe.Action) error {
	return s.count(s.Store.SaveActions(ctx, id, acts))
}

func (s countingStore) SaveIdentity(ctx context.Context, personaID int64, identity []byte) error {
	return s.count(s.Store.SaveIdentity(ctx, personaID, identity))
}

func (s countingStore) StartSession(ctx context.Context, id int64, at time.Time) error {
	return s.count(s.Store.StartSession(ctx, id, at))
}

func (s countingStore) FinishSession(ctx context.Context, id int64, outcome, errText string, at time.Time) error {
	return s.count(s.Store.FinishSession(ctx, id, outcome, errText, at))
}

// fairSem lets at most limit sessions run at once over all campaigns, and
// at most a campaign's own concurrency per campaign. When a place frees up
// it goes to the waiting session whose campaign has the fewest sessions
// running (earliest arrival first among equals), so a big campaign cannot
// starve a small one.
type fairSem struct {
	mu       sync.Mutex
	limit    int
	running  int
	inflight map[string]int
	waiters  []*semWaiter
	m        *probe.Metrics
}

type semWaiter struct {
	key   string
	limit int
	ready chan struct{}
}

func newFairSem(limit int, m *probe.Metrics) *fairSem {
	return &fairSem{limit: limit, inflight: map[string]int{}, m: m}
}

// Acquire waits for a place for a session of campaign key (whose own limit
// is perKey) and returns its release. It returns ctx's error when ctx is
// done first.
func (s *fairSem) Acquire(ctx context.Context, key string, perKey int) (func(), error) {
	w := &semWaiter{key: key, limit: max(1, perKey), ready: make(chan struct{})}
	s.mu.Lock()
	s.waiters = append(s.waiters, w)
	s.dispatch()
	s.mu.Unlock()
	release := func() {
		s.mu.Lock()
		s.running--
		s.inflight[key]--
		s.dispatch()
		s.mu.Unlock()
	}
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	select {
	case <-w.ready:
		s.mu.Unlock()
		release()
		return nil, ctx.Err()
	default:
	}
	s.waiters = slices.DeleteFunc(s.waiters, func(x *semWaiter) bool { return x == w })
	s.report()
	s.mu.Unlock()
	return nil, ctx.Err()
}

// dispatch hands free places to waiters; s.mu is held.
func (s *fairSem) dispatch() {
	for s.running < s.limit {
		best := -1
		for i, w := range s.waiters {
			if s.inflight[w.key] >= w.limit {
				continue
			}
			if best < 0 || s.inflight[w.key] < s.inflight[s.waiters[best].key] {
				best = i
			}
		}
		if best < 0 {
			break
		}
		w := s.waiters[best]
		s.waiters = slices.Delete(s.waiters, best, best+1)
		s.running++
		s.inflight[w.key]++
		close(w.ready)
	}
	s.report()
}

func (s *fairSem) report() {
	if s.m != nil {
		s.m.SetQueue(s.running, len(s.waiters))
	}
}

// dbStatsCollector exports the database pools' statistics with the names
// of client_golang's DBStatsCollector (go_sql_*), db_name "writer" and
// "reader".
type dbStatsCollector struct{ db *storage.DB }

var dbStatsDescs = struct {
	maxOpen, open, inUse, idle, waitCount, waitDur *prometheus.Desc
}{
	maxOpen:   prometheus.NewDesc("go_sql_max_open_connections", "Maximum number of open connections to the database.", []string{"db_name"}, nil),
	open:      prometheus.NewDesc("go_sql_open_connections", "The number of established connections both in use and idle.", []string{"db_name"}, nil),
	inUse:     prometheus.NewDesc("go_sql_in_use_connections", "The number of connections currently in use.", []string{"db_name"}, nil),
	idle:      prometheus.NewDesc("go_sql_idle_connections", "The number of idle connections.", []string{"db_name"}, nil),
	waitCount: prometheus.NewDesc("go_sql_wait_count_total", "The total number of connections waited for.", []string{"db_name"}, nil),
	waitDur:   prometheus.NewDesc("go_sql_wait_duration_seconds_total", "The total time blocked waiting for a new connection.", []string{"db_name"}, nil),
}

func (c dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	ds := dbStatsDescs
	for _, d := range []*prometheus.Desc{ds.maxOpen, ds.open, ds.inUse, ds.idle, ds.waitCount, ds.waitDur} {
		ch <- d
	}
}

func (c dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	ds := dbStatsDescs
	for name, s := range map[string]sql.DBStats{"writer": c.db.Stats(), "reader": c.db.ReaderStats()} {
		ch <- prometheus.MustNewConstMetric(ds.maxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(ds.open, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(ds.inUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(ds.idle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(ds.waitCount, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(ds.waitDur, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
