package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestScheduleSlots(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "sched", 3)
	cid := f.campaign.ID

	origin, err := db.EnsureSchedule(ctx, cid, []byte(`{"every_ns":1}`), t0)
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.EnsureSchedule(ctx, cid, []byte(`{"every_ns":2}`), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !origin.Equal(again) || !origin.Equal(t0) {
		t.Errorf("EnsureSchedule origin = %s then %s, want %s twice", origin, again, t0)
	}
	if _, err := db.LastSlot(ctx, cid); !errors.Is(err, ErrNotFound) {
		t.Errorf("LastSlot on no slots = %v, want ErrNotFound", err)
	}

	s1, err := db.StartSlot(ctx, cid, t0, false, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s1.Round != 1 || s1.Status != SlotRunning {
		t.Errorf("first slot = %+v, want round 1 running", s1)
	}
	// The same slot, or an earlier one, is refused: no slot runs twice.
	for _, at := range []time.Time{t0, t0.Add(-time.Minute)} {
		if _, err := db.StartSlot(ctx, cid, at, false, t0); !errors.Is(err, ErrSlotTaken) {
			t.Errorf("StartSlot(%s) again = %v, want ErrSlotTaken", at, err)
		}
	}
	if err := db.FinishSlot(ctx, s1.ID, "2 done", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSlot(ctx, s1.ID, "again", t0.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishSlot of a done slot = %v, want ErrNotFound", err)
	}
	if err := db.RecordMissed(ctx, cid, t0.Add(time.Hour), t0.Add(3*time.Hour), 3, "daemon down"); err != nil {
		t.Fatal(err)
	}
	// A slot inside the missed run is taken too.
	if _, err := db.StartSlot(ctx, cid, t0.Add(2*time.Hour), false, t0); !errors.Is(err, ErrSlotTaken) {
		t.Errorf("StartSlot inside a missed run = %v, want ErrSlotTaken", err)
	}
	s2, err := db.StartSlot(ctx, cid, t0.Add(4*time.Hour), true, t0.Add(4*time.Hour+time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s2.Round != 2 || !s2.CatchUp {
		t.Errorf("second run slot = %+v, want round 2 (missed slots take no round), catch-up", s2)
	}
	last, err := db.LastSlot(ctx, cid)
	if err != nil || last.ID != s2.ID {
		t.Errorf("LastSlot = %+v, %v, want slot %d", last, err, s2.ID)
	}
	slots, err := db.Slots(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 3 {
		t.Fatalf("Slots = %d rows, want 3", len(slots))
	}
	got := []string{slots[0].Status, slots[1].Status, slots[2].Status}
	if got[0] != SlotDone || got[1] != SlotMissed || got[2] != SlotRunning {
		t.Errorf("statuses = %v, want done, missed, running", got)
	}
	if slots[1].Slots != 3 || !slots[1].LastAt.Equal(t0.Add(3*time.Hour)) || slots[1].Note != "daemon down" {
		t.Errorf("missed row = %+v", slots[1])
	}
	if !slots[0].At.Equal(t0) || slots[0].Note != "2 done" || slots[0].FinishedAt.IsZero() {
		t.Errorf("done row = %+v", slots[0])
	}
}

func TestCheckWritable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db := mustOpenPath(t, path)
	if err := db.CheckWritable(ctx); err != nil {
		t.Fatalf("CheckWritable on a fresh database: %v", err)
	}
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.CheckWritable(ctx); !errors.Is(err, ErrReadOnly) {
		t.Errorf("CheckWritable read-only = %v, want ErrReadOnly", err)
	}
}
