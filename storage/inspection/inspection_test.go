package inspection

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/storage"
)

func TestParseDeadline(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2026-12-31", time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai), false},
		{"2026-12-31T18:00:00+08:00", time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC), false},
		{"31/12/2026", time.Time{}, true},
	} {
		got, err := ParseDeadline(tc.in, shanghai)
		if (err != nil) != tc.wantErr || !got.Equal(tc.want) {
			t.Errorf("ParseDeadline(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	day, err := ParseDay("2026-03-01", shanghai)
	if err != nil || !day.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)) {
		t.Errorf("ParseDay(2026-03-01) = %v, %v; want the start of the day in Shanghai", day, err)
	}
}

func TestOutcome(t *testing.T) {
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
		name      string
		order     storage.Order
		findings  []analysis.Finding
		status    string
		cmp       string
		hasRecord bool
	}{
		{"fixed", o, after(analysis.VerdictClean, 0.01), storage.OrderRectified, analysis.StatusFixed, true},
		{"not fixed", o, after(analysis.VerdictViolation, 0.5), storage.OrderNotRectified, analysis.StatusNotFixed, true},
		{"worse", o, after(analysis.VerdictViolation, 0.9), storage.OrderNotRectified, analysis.StatusWorse, true},
		{"inconclusive", o, after(analysis.VerdictInconclusive, 0.3), storage.OrderInconclusive, analysis.StatusNotComparable, true},
		{"no such finding", o, nil, storage.OrderInconclusive, analysis.StatusNotComparable, false},
		{"bad evidence", storage.Order{ID: 2, Finding: analysis.CheckArt17Off, Evidence: []byte("{")}, after(analysis.VerdictClean, 0.01),
			storage.OrderInconclusive, analysis.StatusNotComparable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, cmp, note, rec := Outcome(tc.order, tc.findings)
			if status != tc.status || cmp != tc.cmp || note == "" || (rec != nil) != tc.hasRecord {
				t.Errorf("Outcome = %q, %q, %q, %s; want %q, %q with a note (recheck recorded %v)", status, cmp, note, rec, tc.status, tc.cmp, tc.hasRecord)
			}
		})
	}
}

// fixture is a database with an inspection, a surface and two campaigns,
// one attached to the inspection.
func fixture(t *testing.T) (*storage.DB, storage.Inspection, storage.Campaign, storage.Campaign) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "i.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var camps []storage.Campaign
	for _, name := range []string{"audit-1", "other"} {
		c, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: name, Platform: "simfeed", BaseURL: "http://127.0.0.1:1",
			Spec: []byte(`{"name":"` + name + `"}`), SpecHash: name})
		if err != nil {
			t.Fatal(err)
		}
		camps = append(camps, c)
	}
	in, err := db.CreateInspection(ctx, storage.Inspection{Case: "CAC-1", Platform: "simfeed", Body: "CAC", Kind: storage.KindOnSite,
		Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AttachCampaign(ctx, in.ID, camps[0].ID, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetSurface(ctx, storage.Surface{InspectionID: in.ID, Surface: "feed", FilingNumber: "F-1", Disclosure: "we rank by <b>",
		Source: "d.txt", RetrievedAt: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	return db, in, camps[0], camps[1]
}

func fixedFindings(context.Context, *storage.DB, storage.Campaign) ([]analysis.Finding, error) {
	return []analysis.Finding{
		{Check: analysis.CheckArt17Off, Article: "AR 17(1)", Verdict: analysis.VerdictViolation, Effect: analysis.FindingEffect{Value: 0.8}},
		{Check: analysis.CheckArt21Prices, Article: "AR 21", Verdict: analysis.VerdictClean},
	}, nil
}

func TestIssueAndLoad(t *testing.T) {
	ctx := context.Background()
	db, in, camp, other := fixture(t)
	ics, err := db.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	due := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		check string
		force bool
		want  error
		text  string
	}{
		{"art12-diversity", false, ErrNoFinding, "(have: art17-off, art21-prices)"},
		{analysis.CheckArt21Prices, false, ErrNothingToRectify, `has verdict "no evidence"`},
	} {
		if _, _, err := Issue(ctx, db, in, ics, tc.check, due, issued, tc.force, fixedFindings); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Issue(%s) = %v, want %v with %q", tc.check, err, tc.want, tc.text)
		}
	}
	o, c, err := Issue(ctx, db, in, ics, analysis.CheckArt17Off, due, issued, false, fixedFindings)
	if err != nil || c.ID != camp.ID || o.Status != storage.OrderOpen || !o.Deadline.Equal(due) {
		t.Fatalf("Issue(art17-off) = %+v of %s, %v; want an open order of %s due %v", o, c.Name, err, camp.Name, due)
	}
	if _, _, err := Issue(ctx, db, in, ics, analysis.CheckArt17Off, due, issued, false, fixedFindings); !errors.Is(err, storage.ErrOrderExists) {
		t.Errorf("Issue again = %v, want storage.ErrOrderExists", err)
	}
	if _, _, err := Issue(ctx, db, in, ics, analysis.CheckArt21Prices, due, issued, true, fixedFindings); err != nil {
		t.Errorf("Issue(art21-prices, force) = %v, want an order", err)
	}
	if err := db.CloseOrder(ctx, o.ID, storage.OrderRectified, analysis.StatusFixed, nil, "gone", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}

	cf, err := Load(ctx, db, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Orders) != 2 || cf.Orders[0].Campaign != camp.Name || cf.Orders[0].Evidence == nil || cf.Orders[0].Evidence.Check != analysis.CheckArt17Off {
		t.Errorf("Load orders = %+v, want art17-off of %s with its evidence, then art21-prices", cf.Orders, camp.Name)
	}
	if len(cf.Surfaces) != 1 || cf.Surfaces[0].DisclosureBytes != len("we rank by <b>") || cf.Surfaces[0].DisclosureHash == "" {
		t.Errorf("Load surfaces = %+v, want feed with its length and hash", cf.Surfaces)
	}
	if len(cf.Campaigns) != 1 || len(cf.Campaigns[0].Findings) != 0 {
		t.Errorf("Load campaigns = %+v, want audit-1 without findings (none asked for)", cf.Campaigns)
	}
	var whats []string
	for _, ev := range cf.Timeline {
		whats = append(whats, ev.What)
	}
	want := []string{
		"inspection CAC-1 opened: on-site of simfeed by CAC",
		"campaign audit-1 attached",
		"surface feed: filing number \"F-1\"",
		"order 1 issued: art17-off (AR 17(1)) of campaign audit-1",
		"order 2 issued: art21-prices",
		"order 1: deadline",
		"order 2: deadline; re-inspection due",
		"order 1 closed: RECTIFIED (fixed): gone",
	}
	if len(whats) != len(want) {
		t.Fatalf("timeline =\n%s\nwant %d events", strings.Join(whats, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(whats[i], want[i]) {
			t.Errorf("timeline[%d] = %q, want it to start %q", i, whats[i], want[i])
		}
	}
	if !slices.IsSortedFunc(cf.Timeline, func(a, b Event) int { return a.At.Compare(b.At) }) {
		t.Error("timeline is not in time order")
	}

	ds, err := Disclosures(ctx, db, camp.ID)
	if err != nil || len(ds) != 1 || ds[0].Case != "CAC-1" || ds[0].FilingNumber != "F-1" {
		t.Errorf("Disclosures(%s) = %+v, %v; want the feed surface of CAC-1", camp.Name, ds, err)
	}
	if ds, err := Disclosures(ctx, db, other.ID); err != nil || len(ds) != 0 {
		t.Errorf("Disclosures(%s) = %+v, %v; want none (not attached)", other.Name, ds, err)
	}
}

func TestSummarize(t *testing.T) {
	ctx := context.Background()
	db, in, camp, _ := fixture(t)
	p, err := db.EnsurePersona(ctx, storage.Persona{CampaignID: camp.ID, Name: "p1", Role: "test", Spec: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PlanSessions(ctx, p.ID, 2); err != nil {
		t.Fatal(err)
	}
	ics, err := db.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	failing := func(context.Context, *storage.DB, storage.Campaign) ([]analysis.Finding, error) {
		calls++
		return nil, errors.New("boom")
	}
	run, err := Summarize(ctx, db, ics[0], failing)
	if err != nil || run.Sessions != 2 || run.Done != 0 || calls != 0 || run.Started != nil {
		t.Errorf("Summarize with 2 planned sessions = %+v, %v, %d calls; want 2 sessions, none done, no findings asked for", run, err, calls)
	}
	ss, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	if err := db.StartSession(ctx, ss[0].ID, start); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, ss[0].ID, storage.StatusDone, "", start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	run, err = Summarize(ctx, db, ics[0], failing)
	if err != nil || run.Done != 1 || calls != 1 || run.FindError != "boom" || run.Started == nil || !run.Started.Equal(start) {
		t.Errorf("Summarize with 1 session done = %+v, %v, %d calls; want the checks' error kept in FindError", run, err, calls)
	}
}

// TestOutcomeNotes checks that the notes Outcome and Compare write are
// texts of the analysis, so a notice prints them in its language.
func TestOutcomeNotes(t *testing.T) {
	f := analysis.Finding{Check: analysis.CheckArt17Off}
	ev, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	_, _, bad, _ := Outcome(storage.Order{Finding: f.Check, Evidence: []byte("{")}, nil)
	_, _, none, _ := Outcome(storage.Order{Finding: f.Check, Evidence: ev}, nil)
	_, unknown := Compare(analysis.Finding{Check: "art99"}, analysis.Finding{Check: "art99"})
	for note, key := range map[string]string{bad: "compare.undecodable", none: "compare.nofinding", unknown: "compare.unknown"} {
		if got, ok := analysis.ParseText(note); !ok || got.Key != key || strings.Contains(note, "%!") {
			t.Errorf("note %q reads as %+v, %v; want text %s", note, got, ok, key)
		}
	}
}
