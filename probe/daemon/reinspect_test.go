package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
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
	rs := &reinspections{d: d, poll: poll, running: map[string]bool{}, failures: map[string]reinspectFailure{}, logger: d.logger}
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
}

func TestCloseVerdict(t *testing.T) {
	before := analysis.Finding{Check: analysis.CheckArt17Off, Verdict: analysis.VerdictViolation,
		Effect: analysis.FindingEffect{Name: "share", Value: 0.5, Lo: 0.4, Hi: 0.6, Margin: 0.05}}
	ev, _ := json.Marshal(before)
	o := storage.Order{ID: 1, Finding: analysis.CheckArt17Off, Evidence: ev}
	after := func(verdict string, v float64) []analysis.Finding {
		f := before
		f.Verdict, f.Effect.Value, f.Effect.Lo, f.Effect.Hi = verdict, analysis.Num(v), analysis.Num(v-0.05), analysis.Num(v+0.05)
		return []analysis.Finding{f}
	}
	for _, tc := range []struct {
		name     string
		findings []analysis.Finding
		status   string
		cmp      string
	}{
		{"fixed", after(analysis.VerdictClean, 0.01), storage.OrderRectified, analysis.StatusFixed},
		{"not fixed", after(analysis.VerdictViolation, 0.5), storage.OrderNotRectified, analysis.StatusNotFixed},
		{"worse", after(analysis.VerdictViolation, 0.9), storage.OrderNotRectified, analysis.StatusWorse},
		{"inconclusive", after(analysis.VerdictInconclusive, 0.3), storage.OrderInconclusive, analysis.StatusNotComparable},
		{"no such finding", nil, storage.OrderInconclusive, analysis.StatusNotComparable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, cmp, note, _ := closeVerdict(o, tc.findings)
			if status != tc.status || cmp != tc.cmp || note == "" {
				t.Errorf("closeVerdict = %q, %q, %q; want %q, %q with a note", status, cmp, note, tc.status, tc.cmp)
			}
		})
	}
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
