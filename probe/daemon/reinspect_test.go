package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// TestReinspectionGivesUp issues an order whose campaign cannot be
// re-inspected (its stored design does not decode) and checks that serve's
// loop retries it only after a growing wait, then closes it inconclusive
// after maxReinspectAttempts failures, with the error in the note.
func TestReinspectionGivesUp(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "giveup.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: "broken", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{"personas": 7}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInspection(ctx, storage.Inspection{Case: "CAC-X", Platform: "simfeed", Body: "CAC", Kind: storage.KindOnSite, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	o, err := db.IssueOrder(ctx, storage.Order{InspectionID: in.ID, CampaignID: camp.ID, Finding: analysis.CheckArt17Off,
		Deadline: clock.Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	d := New(Config{DB: db, Metrics: probe.NewMetrics(prometheus.NewRegistry(), "test"),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return clock }})
	const poll = time.Minute
	rs := d.newReinspections(poll, 1)
	attempts := func() int { return rs.failures[orderList([]storage.Order{o})].n }
	for i := 1; i <= maxReinspectAttempts; i++ {
		wait, err := rs.startDue(ctx, ctx)
		d.wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if i < maxReinspectAttempts {
			if got := attempts(); got != i {
				t.Fatalf("after attempt %d: %d failures recorded", i, got)
			}
			backoff := poll << (i - 1)
			if wait != min(poll, backoff) {
				t.Errorf("attempt %d: wait %v, want %v", i, wait, min(poll, backoff))
			}
			// Not again before its wait is over.
			clock = clock.Add(backoff - time.Second)
			if _, err := rs.startDue(ctx, ctx); err != nil {
				t.Fatal(err)
			}
			d.wg.Wait()
			if got := attempts(); got != i {
				t.Fatalf("retried a second before its wait was over: %d failures", got)
			}
			clock = clock.Add(time.Second)
		}
	}
	got, err := db.Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != storage.OrderInconclusive || !strings.Contains(got.Note, fmt.Sprintf("failed %d times", maxReinspectAttempts)) ||
		!strings.Contains(got.Note, "decode campaign") {
		t.Fatalf("order after %d failures: status %q, note %q; want inconclusive with the error", maxReinspectAttempts, got.Status, got.Note)
	}
	if due, err := db.DueOrders(ctx, clock); err != nil || len(due) != 0 {
		t.Fatalf("due orders after giving up: %v, %v", due, err)
	}
	recorded, err := db.Attempts(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) != maxReinspectAttempts {
		t.Fatalf("%d attempts recorded, want %d", len(recorded), maxReinspectAttempts)
	}
	for _, a := range recorded {
		if a.Outcome != storage.AttemptFailed || !strings.Contains(a.Error, "decode campaign") || a.FinishedAt.IsZero() {
			t.Errorf("attempt %+v: want failed with the decode error", a)
		}
	}
}

// dueOrder stores a campaign of two personas and two sessions each, an
// inspection and an order of it whose deadline has passed, and returns the
// database, the order and its finding.
func dueOrder(t *testing.T, ctx context.Context) (*storage.DB, storage.Order, analysis.Finding) {
	t.Helper()
	return dueOrderIn(t, ctx, filepath.Join(t.TempDir(), "once.db"))
}

// dueOrderIn is dueOrder in the database at path.
func dueOrderIn(t *testing.T, ctx context.Context, path string) (*storage.DB, storage.Order, analysis.Finding) {
	t.Helper()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := personas.ParseCampaign("c.yaml", []byte(`campaign: slow
platform: simfeed
base_url: http://127.0.0.1:1
sessions: 2
items_per_session: 5
concurrency: 2
personas:
  - name: fan
    seed: 5
    interests: {pets: 1}
  - name: control
    role: control
    seed: 6
`), "")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(c)
	camp, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL, Spec: spec, SpecHash: c.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInspection(ctx, storage.Inspection{Case: "CAC-1", Platform: "simfeed", Body: "CAC", Kind: storage.KindOnSite, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	finding := analysis.Finding{Check: analysis.CheckArt17Off, Verdict: analysis.VerdictViolation,
		Effect: analysis.FindingEffect{Name: "share", Value: 0.5, Lo: 0.4, Hi: 0.6, Margin: 0.05}}
	ev, _ := json.Marshal(finding)
	o, err := db.IssueOrder(ctx, storage.Order{InspectionID: in.ID, CampaignID: camp.ID, Finding: analysis.CheckArt17Off,
		Evidence: ev, Deadline: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}

	return db, o, finding
}

// TestOneReinspectionPerOrder polls for orders far more often than a
// re-inspection takes (issue #17): the order's status changes when its
// re-inspection starts, and the loop must still see it as busy rather than
// start a second runner that marks the first one's sessions interrupted.
func TestOneReinspectionPerOrder(t *testing.T) {
	ctx := context.Background()
	db, o, finding := dueOrder(t, ctx)
	const poll = 10 * time.Millisecond
	var logs logBuffer
	d := New(Config{DB: db, Metrics: probe.NewMetrics(prometheus.NewRegistry(), "test"),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), MaxSessions: 4,
		Findings: func(context.Context, *storage.DB, storage.Campaign) ([]analysis.Finding, error) {
			return []analysis.Finding{finding}, nil
		}})
	rs := d.newReinspections(poll, 4)
	var (
		mu      sync.Mutex
		runners int
	)
	// The fake runner starts every planned session, holds them for many
	// polls, then finishes them, as a slow platform would.
	rs.runSessions = func(work context.Context, c *personas.Campaign, _ *probe.Adapter, plans []probe.PersonaPlan, _ int, _ *slog.Logger) error {
		mu.Lock()
		runners++
		mu.Unlock()
		for _, p := range plans {
			for _, j := range p.Jobs {
				if err := db.StartSession(work, j.SessionID, time.Now()); err != nil {
					return err
				}
			}
		}
		time.Sleep(30 * poll)
		for _, p := range plans {
			for _, j := range p.Jobs {
				if err := db.FinishSession(work, j.SessionID, storage.StatusDone, "", time.Now()); err != nil {
					return err
				}
			}
		}
		return nil
	}
	stop, cancel := context.WithCancel(ctx)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		rs.loop(stop, stop, poll)
	}()
	var (
		got storage.Order
		err error
	)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if got, err = db.Order(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if got.Closed() || time.Now().After(deadline) {
			break
		}
		time.Sleep(poll)
	}
	cancel()
	d.wg.Wait()
	if !got.Closed() {
		t.Fatalf("order not closed: %+v\n%s", got, logs.String())
	}
	if runners != 1 {
		t.Errorf("%d runners started for one order, want 1\n%s", runners, logs.String())
	}
	sessions, err := db.Sessions(ctx, got.RecheckCampaignID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 4 {
		t.Errorf("re-inspection campaign has %d sessions, want 4 (2 personas x 2)", len(sessions))
	}
	for _, s := range sessions {
		if s.Status != storage.StatusDone {
			t.Errorf("session %d (persona %d, seq %d) is %s, want done", s.ID, s.PersonaID, s.Seq, s.Status)
		}
	}
	attempts, err := db.Attempts(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 1 || attempts[0].Outcome != storage.AttemptDone || attempts[0].SessionsDone != 4 ||
		attempts[0].CampaignID != got.RecheckCampaignID {
		t.Errorf("attempts = %+v, want one, done, with 4 done sessions of the re-inspection campaign", attempts)
	}
}

// TestReinspectionWaitsForItsCampaign: while something else of this
// process runs the re-inspection campaign (as a scheduled slot would), the
// loop neither runs it nor counts a failure; it runs once it is free.
func TestReinspectionWaitsForItsCampaign(t *testing.T) {
	ctx := context.Background()
	db, o, finding := dueOrder(t, ctx)
	d, rs, runs, reg := countingReinspections(db, finding)
	// The re-inspection campaign exists (an earlier attempt planned it)
	// and a slot of this process runs it.
	_, recheck, _, err := PlanCampaign(ctx, db, recheckOf(t, db, o))
	if err != nil {
		t.Fatal(err)
	}
	if !d.busy.claim(campaignKey(recheck.ID)) {
		t.Fatal("claim of a free campaign refused")
	}
	if _, err := rs.startDue(ctx, ctx); err != nil {
		t.Fatal(err)
	}
	d.wg.Wait()
	if got, _ := db.Order(ctx, o.ID); *runs != 0 || got.Status != storage.OrderOpen || rs.failures[orderList([]storage.Order{o})].n != 0 {
		t.Fatalf("with its campaign busy: %d runs, order %s, %d failures; want none, open, none", *runs, got.Status, rs.failures[orderList([]storage.Order{o})].n)
	}
	gauge(t, reg, `feedprobe_rectification_orders{state="open"}`, 1)
	gauge(t, reg, `feedprobe_reinspections_running`, 0)
	d.busy.release(campaignKey(recheck.ID))
	if _, err := rs.startDue(ctx, ctx); err != nil {
		t.Fatal(err)
	}
	d.wg.Wait()
	if got, _ := db.Order(ctx, o.ID); *runs != 1 || !got.Closed() || got.RecheckCampaignID != recheck.ID {
		t.Fatalf("once free: %d runs, order %+v; want 1 run and the order closed", *runs, got)
	}
	gauge(t, reg, `feedprobe_reinspections_total{outcome="done"}`, 1)
	// The first, busy, try is recorded as a failed attempt without
	// counting towards giving up.
	gauge(t, reg, `feedprobe_reinspections_total{outcome="failed"}`, 1)
	if d.busy.claim(orderKey(o.ID), campaignKey(recheck.ID)); len(d.busy.held) != 2 {
		t.Errorf("the re-inspection left claims behind: %v", d.busy.held)
	}
}

// TestReinspectionHonoursLease: while another process holds the lease of
// the re-inspection campaign (a `feedprobe run` or a second serve), the
// loop neither plans nor runs it, leaves the order open without counting a
// failure towards giving up, and runs once the lease is free.
func TestReinspectionHonoursLease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lease.db")
	db, o, finding := dueOrderIn(t, ctx, path)
	other, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	d, rs, runs, reg := countingReinspections(db, finding)
	name := recheckOf(t, db, o).Name
	l, err := other.AcquireLease(ctx, name, storage.LeaseOptions{Holder: "elsewhere pid 42 (run)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.startDue(ctx, ctx); err != nil {
		t.Fatal(err)
	}
	d.wg.Wait()
	if got, _ := db.Order(ctx, o.ID); *runs != 0 || got.Status != storage.OrderOpen || rs.failures[orderList([]storage.Order{o})].n != 0 {
		t.Fatalf("with the lease held elsewhere: %d runs, order %s, %d failures; want none, open, none", *runs, got.Status, rs.failures[orderList([]storage.Order{o})].n)
	}
	gauge(t, reg, `feedprobe_reinspections_running`, 0)
	if _, err := db.CampaignByName(ctx, name); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the re-inspection campaign was planned while another process held its lease (%v)", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.startDue(ctx, ctx); err != nil {
		t.Fatal(err)
	}
	d.wg.Wait()
	if got, _ := db.Order(ctx, o.ID); *runs != 1 || !got.Closed() {
		t.Fatalf("once the lease is free: %d runs, order %+v; want 1 run and the order closed", *runs, got)
	}
	// The lease is given back: another process can take it again.
	l, err = other.AcquireLease(ctx, name, storage.LeaseOptions{Holder: "later"})
	if err != nil {
		t.Fatalf("lease after the re-inspection: %v", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Error(err)
	}
}

// countingReinspections is a daemon on db whose analysis finds finding and
// whose re-inspections count their runs instead of browsing.
func countingReinspections(db *storage.DB, finding analysis.Finding) (*Daemon, *reinspections, *int, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	d := New(Config{DB: db, Metrics: probe.NewMetrics(reg, "test"),
		Logger: slog.New(slog.DiscardHandler), MaxSessions: 2,
		Findings: func(context.Context, *storage.DB, storage.Campaign) ([]analysis.Finding, error) {
			return []analysis.Finding{finding}, nil
		}})
	rs := d.newReinspections(time.Minute, 2)
	runs := new(int)
	rs.runSessions = func(context.Context, *personas.Campaign, *probe.Adapter, []probe.PersonaPlan, int, *slog.Logger) error {
		*runs++
		return nil
	}
	return d, rs, runs, reg
}

// recheckOf is the re-inspection campaign of order o.
func recheckOf(t *testing.T, db *storage.DB, o storage.Order) *personas.Campaign {
	t.Helper()
	orig, err := db.Campaign(context.Background(), o.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	var base personas.Campaign
	if err := json.Unmarshal(orig.Spec, &base); err != nil {
		t.Fatal(err)
	}
	return recheckCampaign(&base, o.ID)
}

func TestRecheckCampaign(t *testing.T) {
	c, err := personas.ParseCampaign("c.yaml", []byte(`campaign: a-very-long-campaign-name-that-goes-on-and-on-and-on-for-ever-x
platform: simfeed
base_url: http://127.0.0.1:1
sessions: 2
items_per_session: 10
twins: 2
personas:
  - name: fan
    seed: 5
    interests: {pets: 1}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	r := recheckCampaign(c, 12)
	if len(r.Name) > 64 || !strings.HasSuffix(r.Name, ".re-o12") {
		t.Errorf("name %q: want at most 64 characters ending .re-o12", r.Name)
	}
	if len(r.Personas) != 3 || r.Sessions != 2 || r.ItemsPerSession != 10 {
		t.Fatalf("recheck = %+v, want the same design", r)
	}
	for i, p := range r.Personas {
		if p.Name != c.Personas[i].Name || p.Seed == c.Personas[i].Seed {
			t.Errorf("persona %d = %s seed %d, want %s with a seed other than %d", i, p.Name, p.Seed, c.Personas[i].Name, c.Personas[i].Seed)
		}
	}
	if r.Personas[1].Seed != r.Personas[2].Seed {
		t.Error("the twins' seeds differ; twins must stay identical")
	}
	if again := recheckCampaign(c, 12); again.Hash() != r.Hash() {
		t.Error("recheckCampaign is not deterministic: a restarted serve would not resume the same campaign")
	}
	if c.Personas[0].Seed != 5 {
		t.Error("recheckCampaign changed the original campaign")
	}
}

// gauge fails the test unless the series (name{labels} as exposed) has
// value want in reg.
func gauge(t *testing.T, reg prometheus.Gatherer, series string, want float64) {
	t.Helper()
	if got, ok := metricValue(t, reg, series); !ok {
		t.Errorf("%s is not exported", series)
	} else if got != want {
		t.Errorf("%s = %v, want %v", series, got, want)
	}
}

// metricValue returns the value of a gauge or counter series of reg.
func metricValue(t *testing.T, reg prometheus.Gatherer, series string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			id := mf.GetName()
			if len(m.Label) > 0 {
				var ls []string
				for _, l := range m.Label {
					ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				}
				id += "{" + strings.Join(ls, ",") + "}"
			}
			if id != series {
				continue
			}
			if m.Gauge != nil {
				return m.Gauge.GetValue(), true
			}
			return m.Counter.GetValue(), true
		}
	}
	return 0, false
}
