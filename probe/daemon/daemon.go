package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/schedule"
	"github.com/feedprobe/feedprobe/storage"
)

// DefaultOrderPoll is how often the daemon looks for rectification orders
// issued since it started (orders it knows of wake it at their deadline).
const DefaultOrderPoll = 30 * time.Second

// FindingsFunc returns a campaign's compliance findings: the checks of
// feedprobe findings, with their default options and seed.
type FindingsFunc func(ctx context.Context, db *storage.DB, camp storage.Campaign) ([]analysis.Finding, error)

// Config is what a Daemon needs. DB, Metrics, Logger, Dir and Findings are
// required.
type Config struct {
	DB      *storage.DB
	Metrics *probe.Metrics
	Logger  *slog.Logger
	// Dir holds the campaign files (see Load).
	Dir string
	// MaxSessions is how many persona sessions run at once over all
	// campaigns and re-inspections (at least 1).
	MaxSessions int
	// OrderPoll is how often to look for new rectification orders
	// (DefaultOrderPoll when 0).
	OrderPoll time.Duration
	// Findings gives the re-inspection's findings for the verdict.
	Findings FindingsFunc
	// Accept, when set, is asked about every campaign a reload loads; an
	// error rejects the file (the old version keeps running).
	Accept func(*personas.Campaign) error
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Daemon runs scheduled campaigns and re-inspections in one shared browser.
type Daemon struct {
	db          *storage.DB
	store       probe.Store // db, counting errors
	metrics     *probe.Metrics
	logger      *slog.Logger
	now         func() time.Time
	sem         *fairSem
	dir         string
	maxSessions int
	orderPoll   time.Duration
	findings    FindingsFunc
	accept      func(*personas.Campaign) error
	browserOpts probe.BrowserOptions

	bmu     sync.Mutex
	browser *probe.Browser

	busy busySet // orders and campaigns being run

	mu        sync.Mutex
	loaded    []*campaignVersion       // by Load, started by Start
	campaigns map[string]*campaignLoop // by file path
	started   map[int64]string         // every campaign run since the start: id -> name
	wg        sync.WaitGroup
}

// New returns a daemon that has loaded nothing and started nothing.
func New(cfg Config) *Daemon {
	d := &Daemon{
		db:          cfg.DB,
		store:       CountErrors(cfg.DB, cfg.Metrics),
		metrics:     cfg.Metrics,
		logger:      cfg.Logger,
		now:         cfg.Now,
		sem:         newFairSem(max(cfg.MaxSessions, 1), cfg.Metrics),
		dir:         cfg.Dir,
		maxSessions: max(cfg.MaxSessions, 1),
		orderPoll:   cfg.OrderPoll,
		findings:    cfg.Findings,
		accept:      cfg.Accept,
		campaigns:   map[string]*campaignLoop{},
		started:     map[int64]string{},
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.orderPoll <= 0 {
		d.orderPoll = DefaultOrderPoll
	}
	// feedprobe_browser_memory_bytes follows the shared browser, also
	// after a relaunch.
	d.metrics.WatchBrowser(func() int {
		d.bmu.Lock()
		defer d.bmu.Unlock()
		return d.browser.PID()
	})
	return d
}

// Load reads and records every campaign file of the directory and returns
// their campaigns. A file that fails is an error naming it (file:line:
// field: message); nothing loaded is started before Start.
func (d *Daemon) Load(ctx context.Context) ([]*personas.Campaign, error) {
	vs, errs := d.loadDir(ctx, d.dir)
	d.metrics.ConfigReloaded(len(errs) == 0)
	if len(errs) > 0 {
		return nil, fmt.Errorf("campaign files in %s:\n%w", d.dir, errors.Join(errs...))
	}
	d.mu.Lock()
	d.loaded = vs
	d.mu.Unlock()
	var cs []*personas.Campaign
	for _, v := range vs {
		cs = append(cs, v.c)
	}
	return cs, nil
}

// Launch starts the shared browser with opts; it is launched again with
// them whenever it dies.
func (d *Daemon) Launch(ctx context.Context, opts probe.BrowserOptions) error {
	d.bmu.Lock()
	d.browserOpts = opts
	d.bmu.Unlock()
	return d.ensureBrowser(ctx)
}

// Start runs the loaded campaigns' schedules and the re-inspection loop.
// Nothing new starts once stop is done; sessions run under work, which
// should outlive stop by a grace period.
func (d *Daemon) Start(stop, work context.Context) {
	d.restoreHealth(stop)
	d.mu.Lock()
	vs := d.loaded
	d.loaded = nil
	d.mu.Unlock()
	for _, v := range vs {
		d.start(stop, work, v)
	}
	d.startReinspections(stop, work, d.orderPoll, d.maxSessions)
}

// Serve is serve's life after Launch: it starts the campaigns (Start),
// reloads the campaign files on every value from reload (SIGHUP), and once
// stop is done gives the running sessions grace to finish before it calls
// cancelWork (which cancels work), waits for them (Wait) and returns how
// many sessions it marked interrupted.
func (d *Daemon) Serve(stop, work context.Context, cancelWork context.CancelFunc, reload <-chan os.Signal, grace time.Duration) int {
	d.Start(stop, work)
	for {
		select {
		case <-reload:
			d.Reload(stop, work)
			continue
		case <-stop.Done():
		}
		break
	}
	d.logger.Info("stopping: no new sessions; waiting for running ones", "grace_seconds", grace.Seconds())
	timer := time.AfterFunc(grace, cancelWork)
	defer timer.Stop()
	// Whatever is still marked running was cut short by the grace period:
	// it is marked interrupted so the next start redoes it.
	interrupted := d.Wait()
	d.logger.Info("stopped", "interrupted_sessions", interrupted)
	return interrupted
}

// restoreHealth sets the last-session gauges of every platform from the
// database, so that a restart does not hide how the probe was doing, and
// makes the re-inspection series exist. A failure is logged: it costs
// only the gauges.
func (d *Daemon) restoreHealth(ctx context.Context) {
	d.metrics.InitReinspections()
	hs, err := d.db.Health(ctx)
	if err != nil {
		d.logger.Error("restore health gauges from the database", "error", err)
		return
	}
	for _, h := range hs {
		d.metrics.RestoreLastSession(h.Platform, h.LastStatus == storage.StatusDone, h.LastSuccess)
	}
}

// Reload rereads the directory: new files start, changed ones replace their
// old version at the next slot, removed ones stop after their current slot.
// A file that fails to load is logged and its old version keeps running.
func (d *Daemon) Reload(stop, work context.Context) {
	d.reload(stop, work, d.dir)
}

// Wait waits for every campaign loop and re-inspection to end (after stop
// and work are done), then marks the sessions still running interrupted,
// so that the next start redoes them, and returns how many it marked.
func (d *Daemon) Wait() int {
	d.wg.Wait()
	interrupted := 0
	for id, name := range d.startedCampaigns() {
		n, err := d.db.RecoverInterrupted(context.Background(), id)
		if err != nil {
			d.metrics.StorageError()
			d.logger.Error("mark interrupted sessions", "campaign", name, "error", err)
			continue
		}
		interrupted += n
	}
	return interrupted
}

// Ready says why the daemon cannot work, or nil: the database is not
// writable, the browser does not run (it is relaunched if it died), or
// work is done.
func (d *Daemon) Ready(ctx, work context.Context) error {
	var problems []error
	if err := d.db.CheckWritable(ctx); err != nil {
		problems = append(problems, fmt.Errorf("database: %w", err))
	}
	if work.Err() == nil {
		if err := d.ensureBrowser(work); err != nil {
			problems = append(problems, fmt.Errorf("browser: %w", err))
		}
	} else {
		problems = append(problems, errors.New("stopping"))
	}
	return errors.Join(problems...)
}

// Close closes the shared browser.
func (d *Daemon) Close() {
	d.closeBrowser()
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
func (d *Daemon) startedCampaigns() map[int64]string {
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
		return nil, fmt.Errorf("campaign directory: %w", err)
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
func (d *Daemon) loadDir(ctx context.Context, dir string) ([]*campaignVersion, []error) {
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
func (d *Daemon) loadFile(ctx context.Context, path string) (*campaignVersion, error) {
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
func (d *Daemon) start(stop, work context.Context, v *campaignVersion) {
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
func (d *Daemon) reload(stop, work context.Context, dir string) {
	d.logger.Info("reloading campaign files", "config", dir)
	ok := true
	defer func() { d.metrics.ConfigReloaded(ok) }()
	files, err := campaignFiles(dir)
	if err != nil {
		ok = false
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
		if err == nil && d.accept != nil {
			if aerr := d.accept(v.c); aerr != nil {
				err = fmt.Errorf("%s: %w", p, aerr)
			}
		}
		if err != nil {
			if cl != nil {
				ok = false
				d.logger.Error("campaign file rejected; its old version keeps running", "file", p, "error", err)
			} else {
				ok = false
				d.logger.Error("campaign file rejected", "file", p, "error", err)
			}
			continue
		}
		if cl == nil {
			if clash := d.byName(v.c.Name); clash != "" {
				ok = false
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

func (d *Daemon) byName(name string) string {
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
func (d *Daemon) loop(stop, work context.Context, cl *campaignLoop) {
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
			if errors.Is(err, errBusy) {
				logger.Warn("slot waits: the campaign is running elsewhere", "reason", err.Error(), "retry_seconds", retryDelay.Seconds())
			} else {
				logger.Error("schedule step failed; retrying", "error", err, "retry_seconds", retryDelay.Seconds())
			}
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
func (d *Daemon) step(stop, work context.Context, v *campaignVersion, logger *slog.Logger) (time.Duration, bool, error) {
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
func (d *Daemon) runSlot(stop, work context.Context, v *campaignVersion, slot storage.Slot, logger *slog.Logger) error {
	if !d.busy.claim(campaignKey(v.campaignID)) {
		return fmt.Errorf("campaign %s: %w", v.c.Name, errBusy)
	}
	defer d.busy.release(campaignKey(v.campaignID))
	// The lease comes before recovery: recovering marks the sessions it
	// finds running interrupted, which must be no other process's.
	work, release, err := d.holdLease(stop, work, v.c.Name, "serve")
	if err != nil {
		return fmt.Errorf("campaign %s: %w", v.c.Name, err)
	}
	defer release()
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
func (d *Daemon) runOne(ctx context.Context, v *campaignVersion, p probe.PersonaPlan, onSession func(probe.SessionReport)) error {
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
func (d *Daemon) ensureBrowser(ctx context.Context) error {
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

func (d *Daemon) closeBrowser() {
	d.bmu.Lock()
	defer d.bmu.Unlock()
	if d.browser != nil {
		d.browser.Close()
		d.browser = nil
	}
}
