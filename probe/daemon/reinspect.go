package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

// maxReinspectAttempts is how many times in a row a re-inspection may fail
// (its campaign does not decode, its adapter is gone, the browser cannot
// start) before its orders close inconclusive with the last error in their
// note. Attempts are spaced by the poll interval, doubling each time up to
// maxReinspectBackoff. The count lives in memory: a restart of serve starts
// it again.
const (
	maxReinspectAttempts = 5
	maxReinspectBackoff  = time.Hour
)

// startReinspections runs serve's re-inspection loop: at the deadline of
// every open rectification order it runs the order's campaign design again
// with fresh personas and twins, and closes the order with the verdict of
// the re-inspection comparison. Re-inspections of different orders run at
// the same time; each takes as many of --max-sessions' places as it runs
// sessions at once, so scheduled campaigns and re-inspections share them.
func (d *Daemon) startReinspections(stop, work context.Context, poll time.Duration, maxSessions int) {
	rs := d.newReinspections(poll, maxSessions)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		rs.loop(stop, work, poll)
	}()
}

func (d *Daemon) newReinspections(poll time.Duration, maxSessions int) *reinspections {
	rs := &reinspections{d: d, maxSessions: maxSessions, poll: poll,
		failures: map[string]reinspectFailure{}, logger: d.logger.With("component", "reinspection")}
	rs.runSessions = rs.runInBrowser
	return rs
}

// reinspections is the state of serve's re-inspection loop.
type reinspections struct {
	d           *Daemon
	maxSessions int
	logger      *slog.Logger
	acquire     sync.Mutex   // one re-inspection takes its session places at a time
	active      atomic.Int64 // re-inspections running
	poll        time.Duration
	mu          sync.Mutex
	// runSessions runs a re-inspection's sessions holding conc session
	// places (runInBrowser; tests replace it).
	runSessions func(work context.Context, c *personas.Campaign, adapter *probe.Adapter, plans []probe.PersonaPlan, conc int, logger *slog.Logger) error
	failures    map[string]reinspectFailure // by orderList
}

// reinspectFailure counts a group's failed re-inspections in a row.
type reinspectFailure struct {
	n    int
	next time.Time // no new attempt before
}

func (rs *reinspections) loop(stop, work context.Context, poll time.Duration) {
	for stop.Err() == nil {
		wait, err := rs.startDue(stop, work)
		if err != nil {
			if stop.Err() != nil {
				return
			}
			rs.d.metrics.StorageError()
			rs.logger.Error("looking for due orders failed; retrying", "error", err, "retry_seconds", retryDelay.Seconds())
			wait = retryDelay
		}
		if wait > poll || wait < 0 {
			wait = poll
		}
		if err := sleepCtx(stop, wait); err != nil {
			return
		}
	}
}

// startDue starts a re-inspection for every due group of orders not being
// re-inspected yet nor waiting after a failure, and returns how long to
// wait before looking again.
func (rs *reinspections) startDue(stop, work context.Context) (time.Duration, error) {
	d := rs.d
	due, err := d.db.DueOrders(stop, d.now())
	if err != nil {
		return 0, err
	}
	counts, err := d.db.OrderCounts(stop)
	if err != nil {
		return 0, err
	}
	d.metrics.SetOrders(counts)
	for _, group := range groupOrders(due) {
		rs.mu.Lock()
		waiting := d.now().Before(rs.failures[orderList(group)].next)
		rs.mu.Unlock()
		// The group's orders (and its campaign, once it has one) stay
		// claimed while its re-inspection runs, whatever their status
		// says meanwhile: one run per order and per campaign.
		keys := groupClaims(group)
		if waiting || !d.busy.claim(keys...) {
			continue
		}
		// The due list was read before the claim: a re-inspection that held
		// the claim until a moment ago may have closed or started these
		// orders since. Go on with what they are now, or not at all.
		group, err = rs.stillDue(stop, group)
		if err != nil || group == nil {
			d.busy.release(keys...)
			if err != nil {
				return 0, err
			}
			continue
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer d.busy.release(keys...)
			d.metrics.SetReinspectionsRunning(int(rs.active.Add(1)))
			defer func() { d.metrics.SetReinspectionsRunning(int(rs.active.Add(-1))) }()
			attempts := rs.startAttempts(stop, group)
			var campID int64
			err := rs.reinspect(stop, work, group, &campID)
			rs.finishAttempts(stop, work, attempts, campID, err)
			if errors.Is(err, errBusy) {
				rs.logger.Info("re-inspection waits: its campaign is running", "orders", orderList(group), "reason", err.Error())
				return
			}
			if stop.Err() == nil {
				rs.settle(stop, group, err)
			}
		}()
	}
	// Wake at the next deadline still to come or the end of a failed
	// group's wait, whichever is first, and at least every poll. (A due
	// order being re-inspected must not wake the loop: its deadline has
	// passed, so waiting for it would spin.)
	next, ok, err := d.db.NextDeadline(stop)
	if err != nil {
		return 0, err
	}
	now := d.now()
	wait := rs.poll
	if ok && next.After(now) {
		wait = min(wait, next.Sub(now))
	}
	rs.mu.Lock()
	for _, f := range rs.failures {
		if f.next.After(now) {
			wait = min(wait, f.next.Sub(now))
		}
	}
	rs.mu.Unlock()
	return wait, nil
}

// stillDue reads the group's orders again and returns them as they are
// now, or nil when one is no longer due (closed by a re-inspection that
// finished meanwhile).
func (rs *reinspections) stillDue(ctx context.Context, group []storage.Order) ([]storage.Order, error) {
	fresh := make([]storage.Order, 0, len(group))
	for _, o := range group {
		got, err := rs.d.db.Order(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		if got.Status != storage.OrderOpen && got.Status != storage.OrderReinspecting {
			return nil, nil
		}
		fresh = append(fresh, got)
	}
	return fresh, nil
}

// startAttempts records the start of an attempt at each order of the
// group, for the inspection's timeline. A failed write is logged: the
// re-inspection itself goes on.
func (rs *reinspections) startAttempts(ctx context.Context, group []storage.Order) []int64 {
	var ids []int64
	for _, o := range group {
		id, err := rs.d.db.StartAttempt(ctx, o.ID, rs.d.now())
		if err != nil {
			rs.d.metrics.StorageError()
			rs.logger.Error("record re-inspection attempt", "order", o.ID, "error", err)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// finishAttempts records how the attempts ended: done, cut short by a stop
// (the next start resumes them), or failed with err.
func (rs *reinspections) finishAttempts(stop, work context.Context, ids []int64, campID int64, err error) {
	outcome, msg := storage.AttemptDone, ""
	switch {
	case err == nil:
		// reinspect returns nil only once it closed the orders: a stop
		// that comes after that does not make the attempt cut short.
	case stop.Err() != nil || work.Err() != nil:
		outcome = storage.AttemptCutShort
	default:
		outcome, msg = storage.AttemptFailed, err.Error()
	}
	rs.d.metrics.ReinspectionFinished(outcome)
	for _, id := range ids {
		if ferr := rs.d.db.FinishAttempt(context.WithoutCancel(stop), id, campID, outcome, msg, rs.d.now()); ferr != nil {
			rs.d.metrics.StorageError()
			rs.logger.Error("record re-inspection attempt", "attempt", id, "error", ferr)
		}
	}
}

// settle records how a group's re-inspection ended: a success clears its
// failures; a failure is retried after a growing wait, and after
// maxReinspectAttempts failures in a row the orders close inconclusive.
func (rs *reinspections) settle(ctx context.Context, group []storage.Order, err error) {
	key := orderList(group)
	rs.mu.Lock()
	f := rs.failures[key]
	if err == nil {
		delete(rs.failures, key)
		rs.mu.Unlock()
		return
	}
	f.n++
	wait := min(rs.poll<<min(f.n-1, 20), maxReinspectBackoff)
	f.next = rs.d.now().Add(wait)
	rs.failures[key] = f
	rs.mu.Unlock()
	if f.n < maxReinspectAttempts {
		rs.logger.Error("re-inspection failed; it is retried", "orders", key, "attempt", f.n,
			"retry_seconds", wait.Seconds(), "error", err)
		return
	}
	note := fmt.Sprintf("the re-inspection failed %d times in a row; last error: %v", f.n, err)
	for _, o := range group {
		if cerr := rs.d.db.CloseOrder(ctx, o.ID, storage.OrderInconclusive, analysis.StatusNotComparable, nil, note, rs.d.now()); cerr != nil {
			rs.logger.Error("closing an order whose re-inspection keeps failing failed", "order", o.ID, "error", cerr)
			return
		}
	}
	rs.mu.Lock()
	delete(rs.failures, key)
	rs.mu.Unlock()
	rs.logger.Error("re-inspection gave up: orders closed inconclusive", "orders", key, "attempts", f.n, "error", err)
}

// groupKey says which re-inspection checks an order: the one already
// running it, or one per inspection and campaign for open orders.
func groupKey(o storage.Order) string {
	if o.Status == storage.OrderReinspecting {
		return fmt.Sprintf("running/%d", o.RecheckCampaignID)
	}
	return fmt.Sprintf("open/%d/%d", o.InspectionID, o.CampaignID)
}

// groupClaims are the busy-set keys a group's re-inspection holds: its
// orders, and its campaign when it has one already.
func groupClaims(group []storage.Order) []string {
	var keys []string
	for _, o := range group {
		keys = append(keys, orderKey(o.ID))
	}
	if o := group[0]; o.Status == storage.OrderReinspecting && o.RecheckCampaignID != 0 {
		keys = append(keys, campaignKey(o.RecheckCampaignID))
	}
	return keys
}

// groupOrders groups due orders that one re-inspection checks together:
// orders already being re-inspected by their re-inspection campaign, and
// open orders by the inspection and campaign that found them.
func groupOrders(due []storage.Order) [][]storage.Order {
	idx := map[string]int{}
	var out [][]storage.Order
	for _, o := range due {
		key := groupKey(o)
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], o)
	}
	return out
}

// reinspect runs one re-inspection for a group of orders of the same
// inspection and campaign, and closes them. When stop cuts it short the
// orders stay reinspecting and the next start resumes the campaign.
func (rs *reinspections) reinspect(stop, work context.Context, orders []storage.Order, campID *int64) error {
	d, logger := rs.d, rs.logger
	first := orders[0]
	orig, err := d.db.Campaign(stop, first.CampaignID)
	if err != nil {
		return err
	}
	parent, err := d.db.Inspection(stop, first.InspectionID)
	if err != nil {
		return err
	}
	var base personas.Campaign
	if err := json.Unmarshal(orig.Spec, &base); err != nil {
		return fmt.Errorf("decode campaign %s: %w", orig.Name, err)
	}
	c := recheckCampaign(&base, first.ID)
	if first.Status == storage.OrderReinspecting {
		camp, err := d.db.Campaign(stop, first.RecheckCampaignID)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(camp.Spec, c); err != nil {
			return fmt.Errorf("decode campaign %s: %w", camp.Name, err)
		}
	}
	logger = logger.With("inspection", parent.Case, "campaign", c.Name)
	// The campaign is claimed before it is planned: planning marks the
	// sessions it finds running interrupted.
	claimed := first.Status == storage.OrderReinspecting
	if !claimed {
		existing, err := d.db.CampaignByName(stop, c.Name)
		switch {
		case err == nil:
			if !d.busy.claim(campaignKey(existing.ID)) {
				return errBusy
			}
			defer d.busy.release(campaignKey(existing.ID))
			claimed = true
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
	}
	// No other process may write the campaign either (planning marks
	// running sessions interrupted).
	work, release, err := d.holdLease(stop, work, c.Name, "reinspect")
	if err != nil {
		return err
	}
	defer release()
	plans, camp, resumed, err := PlanCampaign(stop, d.db, c)
	if err != nil {
		return err
	}
	*campID = camp.ID
	if !claimed {
		// New: nothing else can be running it.
		if !d.busy.claim(campaignKey(camp.ID)) {
			return errBusy
		}
		defer d.busy.release(campaignKey(camp.ID))
	}
	reID := first.ReinspectionID
	if reID == 0 {
		caseName := parent.Case + "/re-o" + strconv.FormatInt(first.ID, 10)
		re, err := d.db.InspectionByCase(stop, caseName)
		if errors.Is(err, storage.ErrNotFound) {
			re, err = d.db.CreateInspection(stop, storage.Inspection{
				Case: caseName, Platform: parent.Platform, Body: parent.Body, Kind: storage.KindReinspection,
				ParentID: parent.ID, Start: d.now(), Note: "re-inspection at the rectification deadline of " + orderList(orders),
				TimeZone: parent.TimeZone, Locale: parent.Locale,
			})
		}
		if err != nil {
			return err
		}
		reID = re.ID
	}
	if err := d.db.AttachCampaign(stop, reID, camp.ID, d.now()); err != nil {
		return err
	}
	for _, o := range orders {
		if err := d.db.StartReinspection(stop, o.ID, reID, camp.ID, d.now()); err != nil {
			return err
		}
	}
	logger.Info("re-inspection starting", "orders", orderList(orders), "sessions", countJobs(plans), "resumed", resumed,
		"late_seconds", d.now().Sub(first.Deadline).Seconds())
	if err := rs.runRecheck(stop, work, c, plans, logger); err != nil {
		return err
	}
	if work.Err() != nil {
		// Cut short by the grace period: the next start resumes it.
		return work.Err()
	}
	// Every session finished (perhaps during the grace period after a
	// stop): the verdict is written whatever happens to stop now.
	ctx := context.WithoutCancel(stop)
	findings, err := d.findings(ctx, d.db, camp)
	if err != nil {
		return err
	}
	for _, o := range orders {
		status, cmp, note, after := inspection.Outcome(o, findings)
		if err := d.db.CloseOrder(ctx, o.ID, status, cmp, after, note, d.now()); err != nil {
			return err
		}
		logger.Info("order closed", "order", o.ID, "finding", o.Finding, "verdict", status, "comparison", cmp)
	}
	return nil
}

// runRecheck runs the re-inspection campaign's sessions in serve's shared
// browser, holding as many of serve's session places as it runs at once.
func (rs *reinspections) runRecheck(stop, work context.Context, c *personas.Campaign, plans []probe.PersonaPlan, logger *slog.Logger) error {
	d := rs.d
	if len(plans) == 0 {
		return nil
	}
	adapter, err := probe.CampaignAdapter(c)
	if err != nil {
		return err
	}
	conc := max(1, min(c.Concurrency, rs.maxSessions))
	key := "reinspection:" + c.Name
	var releases []func()
	defer func() {
		for _, r := range releases {
			r()
		}
	}()
	// Places are taken by one re-inspection at a time, so two never hold
	// part of what they need while waiting for the rest.
	rs.acquire.Lock()
	for range conc {
		r, err := d.sem.Acquire(stop, key, conc)
		if err != nil {
			rs.acquire.Unlock()
			return err
		}
		releases = append(releases, r)
	}
	rs.acquire.Unlock()
	return rs.runSessions(work, c, adapter, plans, conc, logger)
}

// runInBrowser runs a re-inspection's sessions in the shared browser, conc
// at once. Sessions cut short by the end of work are left to the next
// start, which resumes them.
func (rs *reinspections) runInBrowser(work context.Context, c *personas.Campaign, adapter *probe.Adapter, plans []probe.PersonaPlan, conc int, logger *slog.Logger) error {
	d := rs.d
	if err := d.ensureBrowser(work); err != nil {
		return err
	}
	d.bmu.Lock()
	b := d.browser
	d.bmu.Unlock()
	var mu sync.Mutex
	done, failed := 0, 0
	r := &probe.Runner{
		Browser:         b,
		Store:           d.store,
		Adapter:         adapter,
		BaseURL:         c.BaseURL,
		ItemsPerSession: c.ItemsPerSession,
		SessionTimeout:  c.SessionTimeout,
		Pause:           c.Pause,
		Concurrency:     conc,
		Logger:          logger,
		Observer:        d.metrics.Observer(c.Platform),
		Retries:         1,
		Backoff:         2 * time.Second,
		OnSession: func(rep probe.SessionReport) {
			d.metrics.ObserveSession(c.Platform, rep)
			mu.Lock()
			defer mu.Unlock()
			if rep.Outcome == probe.OutcomeDone {
				done++
			} else {
				failed++
			}
		},
	}
	// Sessions get --grace after a stop, like the scheduled ones; a
	// re-inspection cut short is resumed at the next start.
	err := r.Run(work, plans)
	logger.Info("re-inspection sessions finished", "done", done, "failed", failed)
	if err != nil && work.Err() == nil {
		return err
	}
	return nil
}

func countJobs(plans []probe.PersonaPlan) int {
	n := 0
	for _, p := range plans {
		n += len(p.Jobs)
	}
	return n
}

func orderList(orders []storage.Order) string {
	s := ""
	for i, o := range orders {
		if i > 0 {
			s += ", "
		}
		s += "order " + strconv.FormatInt(o.ID, 10)
	}
	return s
}

// recheckCampaign is the re-inspection of orderID: the same design under a
// new name, with fresh personas (new seeds; new persona rows, so no saved
// identity) and fresh twins (their shared seed changes with the order).
func recheckCampaign(orig *personas.Campaign, orderID int64) *personas.Campaign {
	c := *orig
	suffix := ".re-o" + strconv.FormatInt(orderID, 10)
	name := orig.Name
	if len(name)+len(suffix) > 64 {
		name = name[:64-len(suffix)]
	}
	c.Name = name + suffix
	c.Path = ""
	c.Personas = make([]personas.Spec, len(orig.Personas))
	for i, p := range orig.Personas {
		p.Seed = freshSeed(p.Seed, orderID)
		c.Personas[i] = p
	}
	period := "re-inspection of rectification order " + strconv.FormatInt(orderID, 10) + " at its deadline, fresh personas and twins"
	if orig.Design.Period != "" {
		period = orig.Design.Period + "; " + period
	}
	c.Design.Period = period
	return &c
}

func freshSeed(seed, orderID int64) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/re-inspection/%d", seed, orderID)
	return int64(h.Sum64())
}
