package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

var _ probe.EvidenceSink = (*storage.EvidenceStore)(nil)

// RunOptions say how Run runs a campaign once (feedprobe run and demo).
type RunOptions struct {
	Browser probe.BrowserOptions
	Logger  *slog.Logger
	// Retries is how many more attempts a failed session gets in this run.
	Retries int
	// OnSession, when set, sees every finished session.
	OnSession func(probe.SessionReport)
	// Store, when set, receives the sessions' writes instead of the
	// database itself (tests wrap the database to inject faults).
	Store probe.Store
	// Shard, when set, limits the run to its share of the persona groups.
	Shard probe.Shard
	// Evidence, when set, keeps screenshots and HTML every EvidenceEvery
	// scrolls and seals every finished session into the chain.
	Evidence      *storage.EvidenceStore
	EvidenceEvery int
	// Progress, when set, shows a progress bar.
	Progress *Progress
	// Metrics, when set, counts the run's sessions, items, errors and
	// browser restarts as serve's /metrics does.
	Metrics *probe.Metrics
}

// WithEvidence returns o set to keep evidence beside the database at
// dbPath every n scrolls; n < 0 keeps none.
func (o RunOptions) WithEvidence(db *storage.DB, dbPath string, n int) RunOptions {
	if n < 0 {
		return o
	}
	o.Evidence = storage.NewEvidenceStore(db, storage.EvidenceDir(dbPath))
	o.EvidenceEvery = n
	return o
}

// sealSession adds the digest of a finished session to the evidence chain.
// A failure is logged, not returned: the session's data is stored, and
// verify reports the session as not sealed.
func (o RunOptions) sealSession(ctx context.Context, rep probe.SessionReport) {
	if o.Evidence == nil {
		return
	}
	if err := o.Evidence.SealSession(context.WithoutCancel(ctx), rep.SessionID); err != nil {
		o.Logger.Warn("session not sealed into the evidence chain", "session", rep.SessionID, "error", err)
	}
}

// RunSummary is what a Run did.
type RunSummary struct {
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

// Run records the campaign and its personas, plans the sessions that are
// still to do (the shard's), and runs them in one browser. Cancelling ctx
// stops the sessions; the summary then counts what was done, and its
// Campaign is set once the campaign was recorded.
func Run(ctx context.Context, db *storage.DB, c *personas.Campaign, o RunOptions) (RunSummary, error) {
	start := time.Now()
	var sum RunSummary
	adapter, err := probe.CampaignAdapter(c)
	if err != nil {
		return sum, err
	}
	plans, camp, resumed, err := PlanCampaign(ctx, db, c)
	sum.Campaign, sum.Resumed = camp, resumed
	if err != nil {
		return sum, err
	}
	plans = o.Shard.Select(c.Personas, plans)
	for _, p := range plans {
		sum.Planned += len(p.Jobs)
	}
	if sum.Planned == 0 {
		o.Logger.Info("campaign already complete", "campaign", c.Name)
		return sum, nil
	}
	o.Logger.Info("campaign starting", "campaign", c.Name, "personas", len(plans), "sessions", sum.Planned, "base_url", c.BaseURL)
	if o.Progress != nil {
		o.Progress.Plan(sum.Planned)
	}
	run := probe.CampaignRun{Browser: o.Browser, Adapter: adapter, Store: db, Logger: o.Logger, Retries: o.Retries, Metrics: o.Metrics,
		OnSession: func(rep probe.SessionReport) {
			if o.Progress != nil {
				o.Progress.Session(rep)
			}
			o.sealSession(ctx, rep)
			if o.OnSession != nil {
				o.OnSession(rep)
			}
		}}
	if o.Store != nil {
		run.Store = o.Store
	}
	if o.Evidence != nil {
		run.Evidence, run.EvidenceEvery = o.Evidence, o.EvidenceEvery
	}
	if o.Metrics != nil {
		run.Store = CountErrors(run.Store, o.Metrics)
	}
	t, err := probe.RunCampaign(ctx, c, plans, run)
	sum.Done, sum.Failed, sum.Blocked, sum.Items, sum.Restarts = t.Done, t.Failed, t.Blocked, t.Items, t.Restarts
	sum.Elapsed = time.Since(start)
	return sum, err
}

// Write prints the summary as feedprobe run does, naming the database at
// dbPath; nothing when the campaign was never recorded.
func (s RunSummary) Write(w io.Writer, dbPath string) {
	if s.Campaign.ID == 0 {
		return
	}
	fmt.Fprintf(w, "campaign %q (id %d): %d of %d sessions done, %d failed attempts, %d blocked, %d items in %s",
		s.Campaign.Name, s.Campaign.ID, s.Done, s.Planned, s.Failed, s.Blocked, s.Items, s.Elapsed.Round(time.Second))
	if s.Resumed > 0 {
		fmt.Fprintf(w, "; %d interrupted sessions redone", s.Resumed)
	}
	if s.Restarts > 0 {
		fmt.Fprintf(w, "; browser restarted %d times", s.Restarts)
	}
	fmt.Fprintf(w, "\ndatabase: %s\n", filepath.Clean(dbPath))
}

// MarkInterrupted marks the sessions of campaign campaignID still running
// (cut short by a stopped run) interrupted, keeping the impressions they
// stored, and plans a new attempt of each as a resumed run would. It
// returns how many it marked and the impressions they keep. It runs even
// when ctx is cancelled.
func MarkInterrupted(ctx context.Context, db *storage.DB, campaignID int64) (cut, kept int, err error) {
	ctx = context.WithoutCancel(ctx)
	before, err := db.Sessions(ctx, campaignID)
	if err != nil {
		return 0, 0, err
	}
	running := map[int64]bool{}
	for _, s := range before {
		if s.Status == storage.StatusRunning {
			running[s.ID] = true
		}
	}
	if _, err := db.RecoverInterrupted(ctx, campaignID); err != nil {
		return 0, 0, err
	}
	after, err := db.Sessions(ctx, campaignID)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range after {
		if running[s.ID] {
			kept += s.Items
		}
	}
	return len(running), kept, nil
}
