package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

func TestPlanSessionsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 3)
	if len(f.sessions) != 3 {
		t.Fatalf("planned %d sessions, want 3", len(f.sessions))
	}
	for i, s := range f.sessions {
		if s.Seq != i+1 || s.Attempt != 1 || s.Status != StatusPlanned || s.PlannedAt.IsZero() || s.CampaignID != f.campaign.ID {
			t.Errorf("session %d = %+v, want planned seq %d attempt 1", i, s, i+1)
		}
	}
	// A seq that has run (and been retried) is not planned again.
	mustStart(t, db, f.sessions[0].ID)
	mustFinish(t, db, f.sessions[0].ID, StatusFailed)
	if _, err := db.ReplanFailed(ctx, f.campaign.ID); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{3, 5, 2} {
		if err := db.PlanSessions(ctx, f.persona.ID, n); err != nil {
			t.Fatalf("PlanSessions(%d): %v", n, err)
		}
	}
	got := mustSessionsOf(t, db, f.campaign.ID, f.persona.ID)
	type key struct{ seq, attempt int }
	var keys []key
	for _, s := range got {
		keys = append(keys, key{s.Seq, s.Attempt})
	}
	want := []key{{1, 1}, {1, 2}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}
	if len(keys) != len(want) {
		t.Fatalf("sessions (seq, attempt) = %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("sessions (seq, attempt) = %v, want %v", keys, want)
		}
	}
	if err := db.PlanSessions(ctx, 999, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("PlanSessions(unknown persona) error = %v, want ErrNotFound", err)
	}
}

func TestSessionStateMachine(t *testing.T) {
	ctx := context.Background()
	at := t0.Add(time.Hour)
	tests := []struct {
		name string
		// setup brings a fresh planned session into the state under test.
		setup   []string
		op      string // "start" or a finish status
		wantErr error  // nil, ErrSessionState, or errAny for a plain error
	}{
		{name: "start planned", op: "start"},
		{name: "finish planned", op: StatusDone, wantErr: ErrSessionState},
		{name: "start running", setup: []string{"start"}, op: "start", wantErr: ErrSessionState},
		{name: "finish running done", setup: []string{"start"}, op: StatusDone},
		{name: "finish running failed", setup: []string{"start"}, op: StatusFailed},
		{name: "finish running blocked", setup: []string{"start"}, op: StatusBlocked},
		{name: "finish running as planned", setup: []string{"start"}, op: StatusPlanned, wantErr: errAny},
		{name: "finish running as interrupted", setup: []string{"start"}, op: StatusInterrupted, wantErr: errAny},
		{name: "finish running as nonsense", setup: []string{"start"}, op: "bogus", wantErr: errAny},
		{name: "finish done", setup: []string{"start", StatusDone}, op: StatusFailed, wantErr: ErrSessionState},
		{name: "restart done", setup: []string{"start", StatusDone}, op: "start", wantErr: ErrSessionState},
		{name: "restart failed", setup: []string{"start", StatusFailed}, op: "start", wantErr: ErrSessionState},
	}
	db := mustOpenDB(t)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustFixture(t, db, "c"+string(rune('a'+i)), 1)
			id := f.sessions[0].ID
			run := func(op string) error {
				if op == "start" {
					return db.StartSession(ctx, id, at)
				}
				return db.FinishSession(ctx, id, op, "boom", at.Add(time.Minute))
			}
			for _, op := range tc.setup {
				if err := run(op); err != nil {
					t.Fatalf("setup %s: %v", op, err)
				}
			}
			before, err := db.Session(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			err = run(tc.op)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("%s: %v, want success", tc.op, err)
			case tc.wantErr == errAny && err == nil,
				tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("%s: error %v, want %v", tc.op, err, tc.wantErr)
			}
			after, err := db.Session(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != nil {
				if after != before {
					t.Errorf("session after refused %s = %+v, want unchanged %+v", tc.op, after, before)
				}
				return
			}
			if tc.op == "start" {
				if after.Status != StatusRunning || !after.StartedAt.Equal(at) {
					t.Errorf("after start = %+v, want running since %v", after, at)
				}
				return
			}
			if after.Status != tc.op || after.Error != "boom" || !after.FinishedAt.Equal(at.Add(time.Minute)) {
				t.Errorf("after finish = %+v, want %s with error boom at %v", after, tc.op, at.Add(time.Minute))
			}
		})
	}
	if err := db.StartSession(ctx, 9999, at); !errors.Is(err, ErrNotFound) {
		t.Errorf("StartSession(unknown) error = %v, want ErrNotFound", err)
	}
	if err := db.FinishSession(ctx, 9999, StatusDone, "", at); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishSession(unknown) error = %v, want ErrNotFound", err)
	}
}

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")

func TestFinishSessionCountsImpressions(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	id := f.sessions[0].ID
	mustStart(t, db, id)
	if err := db.SaveImpressions(ctx, id, makeImpressions("feed", 7)); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveImpressions(ctx, id, makeImpressions("hot", 3)); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, id, StatusDone, "", t0); err != nil {
		t.Fatal(err)
	}
	s, err := db.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if s.Items != 10 || s.Error != "" {
		t.Errorf("finished session = %+v, want 10 items and no error", s)
	}
}

func TestRecoverInterrupted(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 4)
	other := mustFixture(t, db, "other", 1)
	p2 := mustPersona(t, db, f.campaign.ID, "p2", 1)
	// seq 1 done, seq 2 running, seq 3 failed, seq 4 planned; p2's seq 1
	// running; the other campaign's session running.
	mustStart(t, db, f.sessions[0].ID)
	mustFinish(t, db, f.sessions[0].ID, StatusDone)
	mustStart(t, db, f.sessions[1].ID)
	// The running session holds impressions: recovering it keeps their count.
	if err := db.SaveImpressions(ctx, f.sessions[1].ID, []feed.Impression{
		{Item: feed.Item{ID: "a", Title: "a"}, Rank: 1, SeenAt: time.Now(), Surface: "feed"},
		{Item: feed.Item{ID: "b", Title: "b"}, Rank: 2, SeenAt: time.Now(), Surface: "feed"},
	}); err != nil {
		t.Fatal(err)
	}
	mustStart(t, db, f.sessions[2].ID)
	mustFinish(t, db, f.sessions[2].ID, StatusFailed)
	p2s := mustSessionsOf(t, db, f.campaign.ID, p2.ID)
	mustStart(t, db, p2s[0].ID)
	mustStart(t, db, other.sessions[0].ID)

	n, err := db.RecoverInterrupted(ctx, f.campaign.ID)
	if err != nil {
		t.Fatalf("RecoverInterrupted: %v", err)
	}
	if n != 2 {
		t.Errorf("RecoverInterrupted = %d, want 2", n)
	}
	if n, err := db.RecoverInterrupted(ctx, f.campaign.ID); err != nil || n != 0 {
		t.Errorf("second RecoverInterrupted = %d, %v, want 0", n, err)
	}
	type key struct {
		persona  int64
		seq, att int
	}
	got := map[key]Session{}
	all, err := db.Sessions(ctx, f.campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		got[key{s.PersonaID, s.Seq, s.Attempt}] = s
	}
	want := map[key]string{
		{f.persona.ID, 1, 1}: StatusDone,
		{f.persona.ID, 2, 1}: StatusInterrupted,
		{f.persona.ID, 2, 2}: StatusPlanned,
		{f.persona.ID, 3, 1}: StatusFailed,
		{f.persona.ID, 4, 1}: StatusPlanned,
		{p2.ID, 1, 1}:        StatusInterrupted,
		{p2.ID, 1, 2}:        StatusPlanned,
	}
	if len(got) != len(want) {
		t.Errorf("campaign has %d sessions, want %d: %+v", len(got), len(want), all)
	}
	for k, st := range want {
		if got[k].Status != st {
			t.Errorf("session %+v status = %q, want %s", k, got[k].Status, st)
		}
	}
	if n := got[key{f.persona.ID, 2, 1}].Items; n != 2 {
		t.Errorf("interrupted session's items = %d, want its 2 impressions", n)
	}
	if s := got[key{f.persona.ID, 2, 1}]; s.Error != "interrupted" || s.FinishedAt.IsZero() {
		t.Errorf("interrupted session = %+v, want error interrupted and a finish time", s)
	}
	if s, err := db.Session(ctx, other.sessions[0].ID); err != nil || s.Status != StatusRunning {
		t.Errorf("other campaign's session = %+v, %v, want still running", s, err)
	}

	// ReplanFailed retries seq 3 once.
	for i, want := range []int{1, 0} {
		if n, err := db.ReplanFailed(ctx, f.campaign.ID); err != nil || n != want {
			t.Errorf("ReplanFailed call %d = %d, %v, want %d", i+1, n, err, want)
		}
	}
}
