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
