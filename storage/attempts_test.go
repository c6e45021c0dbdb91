package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestReinspectionAttempts(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "rechecked", 2)
	in, err := db.CreateInspection(ctx, Inspection{Case: "CAC-A", Platform: "simfeed", Body: "CAC", Kind: KindOnSite, Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.IssueOrder(ctx, Order{InspectionID: in.ID, CampaignID: f.campaign.ID, Finding: "art17-off", Evidence: []byte(`{}`), Deadline: t0})
	if err != nil {
		t.Fatal(err)
	}
	// A first attempt fails before planning; the second runs both
	// sessions, one done and one failed.
	a1, err := db.StartAttempt(ctx, o.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishAttempt(ctx, a1, 0, AttemptFailed, "decode campaign: bad", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	start := t0.Add(time.Minute)
	a2, err := db.StartAttempt(ctx, o.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.sessions {
		if err := db.StartSession(ctx, s.ID, start.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		status := []string{StatusDone, StatusFailed}[i]
		if err := db.FinishSession(ctx, s.ID, status, "", start.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishAttempt(ctx, a2, f.campaign.ID, AttemptDone, "", start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishAttempt(ctx, a2, f.campaign.ID, AttemptDone, "", start.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("finishing an attempt twice = %v, want ErrNotFound", err)
	}
	if _, err := db.StartAttempt(ctx, o.ID, start); err != nil {
		t.Fatal(err)
	}
	got, err := db.Attempts(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("attempts = %+v, want 3", got)
	}
	if a := got[0]; a.Outcome != AttemptFailed || a.Error != "decode campaign: bad" || a.CampaignID != 0 || a.SessionsDone+a.SessionsFailed != 0 {
		t.Errorf("first attempt = %+v", a)
	}
	if a := got[1]; a.Outcome != AttemptDone || a.CampaignID != f.campaign.ID || a.SessionsDone != 1 || a.SessionsFailed != 1 ||
		!a.FinishedAt.Equal(start.Add(time.Minute).Truncate(time.Millisecond)) {
		t.Errorf("second attempt = %+v, want done with 1 done and 1 failed session", a)
	}
	if a := got[2]; a.Outcome != AttemptRunning || !a.FinishedAt.IsZero() {
		t.Errorf("third attempt = %+v, want running", a)
	}
}

func TestHealthAndOrderCounts(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	if hs, err := db.Health(ctx); err != nil || len(hs) != 0 {
		t.Fatalf("Health of an empty database = %v, %v", hs, err)
	}
	f := mustFixture(t, db, "health", 3)
	// Session 1 done, session 2 failed later: the last one failed, the
	// last success is session 1's end. Session 3 never ran.
	for i, status := range []string{StatusDone, StatusFailed} {
		s := f.sessions[i]
		if err := db.StartSession(ctx, s.ID, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishSession(ctx, s.ID, status, "", t0.Add(time.Duration(i)*time.Hour+time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := db.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Platform != "simfeed" || hs[0].LastStatus != StatusFailed || !hs[0].LastSuccess.Equal(t0.Add(time.Minute).Truncate(time.Millisecond)) {
		t.Errorf("Health = %+v, want simfeed, last failed, last success at t0+1m", hs)
	}
	in, err := db.CreateInspection(ctx, Inspection{Case: "C", Platform: "simfeed", Body: "CAC", Kind: KindOnSite, Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []string{"art17-off", "art18-minors"} {
		if _, err := db.IssueOrder(ctx, Order{InspectionID: in.ID, CampaignID: f.campaign.ID, Finding: check, Evidence: []byte(`{}`), Deadline: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CloseOrder(ctx, 2, OrderNotRectified, "not fixed", nil, "", t0); err != nil {
		t.Fatal(err)
	}
	counts, err := db.OrderCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts[OrderOpen] != 1 || counts[OrderNotRectified] != 1 {
		t.Errorf("OrderCounts = %v, want 1 open and 1 not rectified", counts)
	}
}
