package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrSlotTaken means a schedule slot at or before the one asked for is
// already recorded for the campaign: the slot ran (or was missed) already,
// perhaps by another daemon on the same database.
var ErrSlotTaken = errors.New("schedule slot already recorded")

// Slot statuses.
const (
	SlotRunning = "running"
	SlotDone    = "done"
	SlotMissed  = "missed"
)

// Slot is one recorded schedule slot of a campaign, or a run of missed
// slots (Slots > 1).
type Slot struct {
	ID         int64
	CampaignID int64
	At         time.Time // nominal time of the (first) slot
	LastAt     time.Time // equals At, or the last slot of a missed run
	Slots      int
	Status     string
	Round      int // session seq the slot runs; 0 when missed
	CatchUp    bool
	StartedAt  time.Time
	FinishedAt time.Time
	Note       string
}

// EnsureSchedule records the campaign's schedule spec (JSON) and returns
// its origin: the time it was first recorded (now, the first time). A later
// call updates the spec and keeps the origin.
func (db *DB) EnsureSchedule(ctx context.Context, campaignID int64, spec []byte, now time.Time) (time.Time, error) {
	if err := db.writable("record schedule"); err != nil {
		return time.Time{}, err
	}
	var origin int64
	err := db.w.QueryRowContext(ctx, `INSERT INTO schedules (campaign_id, origin_at, spec, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (campaign_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
		RETURNING origin_at`, campaignID, now.UnixMilli(), string(spec), now.UnixMilli()).Scan(&origin)
	if err != nil {
		return time.Time{}, fmt.Errorf("record schedule of campaign %d: %w", campaignID, err)
	}
	return time.UnixMilli(origin).UTC(), nil
}

const slotColumns = "id, campaign_id, slot_at, last_slot_at, slots, status, round, catch_up, started_at, finished_at, note"

func scanSlot(r rowScanner) (Slot, error) {
	var (
		s                 Slot
		at, last          int64
		round             sql.NullInt64
		started, finished sql.NullInt64
	)
	if err := r.Scan(&s.ID, &s.CampaignID, &at, &last, &s.Slots, &s.Status, &round, &s.CatchUp, &started, &finished, &s.Note); err != nil {
		return Slot{}, err
	}
	s.At, s.LastAt = time.UnixMilli(at).UTC(), time.UnixMilli(last).UTC()
	s.Round = int(round.Int64)
	s.StartedAt, s.FinishedAt = fromMillis(started), fromMillis(finished)
	return s, nil
}

// Slots returns every recorded slot of the campaign in time order.
func (db *DB) Slots(ctx context.Context, campaignID int64) ([]Slot, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+slotColumns+" FROM schedule_slots WHERE campaign_id = ? ORDER BY slot_at", campaignID)
	if err != nil {
		return nil, fmt.Errorf("slots of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []Slot
	for rows.Next() {
		s, err := scanSlot(rows)
		if err != nil {
			return nil, fmt.Errorf("slots of campaign %d: %w", campaignID, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("slots of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// LastSlot returns the campaign's latest recorded slot, or an error
// wrapping ErrNotFound when none is.
func (db *DB) LastSlot(ctx context.Context, campaignID int64) (Slot, error) {
	s, err := scanSlot(db.w.QueryRowContext(ctx, "SELECT "+slotColumns+` FROM schedule_slots WHERE campaign_id = ?
		ORDER BY last_slot_at DESC LIMIT 1`, campaignID))
	if errors.Is(err, sql.ErrNoRows) {
		return Slot{}, fmt.Errorf("last slot of campaign %d: %w", campaignID, ErrNotFound)
	}
	if err != nil {
		return Slot{}, fmt.Errorf("last slot of campaign %d: %w", campaignID, err)
	}
	return s, nil
}

// insertSlot adds a slot row in tx after checking that it is later than
// every recorded slot of the campaign (ErrSlotTaken otherwise).
func insertSlot(ctx context.Context, tx *sql.Tx, s Slot) (int64, error) {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(last_slot_at) FROM schedule_slots WHERE campaign_id = ?", s.CampaignID).Scan(&last); err != nil {
		return 0, err
	}
	if last.Valid && s.At.UnixMilli() <= last.Int64 {
		return 0, fmt.Errorf("slot %s is not after %s: %w", s.At.Format(time.RFC3339), time.UnixMilli(last.Int64).UTC().Format(time.RFC3339), ErrSlotTaken)
	}
	var round any
	if s.Round > 0 {
		round = s.Round
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO schedule_slots (campaign_id, slot_at, last_slot_at, slots, status, round, catch_up, started_at, finished_at, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.CampaignID, s.At.UnixMilli(), s.LastAt.UnixMilli(), s.Slots, s.Status, round,
		s.CatchUp, millis(s.StartedAt), millis(s.FinishedAt), s.Note)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return 0, fmt.Errorf("%v: %w", err, ErrSlotTaken)
		}
		return 0, err
	}
	return res.LastInsertId()
}

// RecordMissed records n missed slots of the campaign, from first to last,
// as one row, with a note saying why.
func (db *DB) RecordMissed(ctx context.Context, campaignID int64, first, last time.Time, n int, note string) error {
	if err := db.writable("record missed slots"); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record missed slots of campaign %d: %w", campaignID, err)
	}
	defer tx.Rollback()
	if _, err := insertSlot(ctx, tx, Slot{CampaignID: campaignID, At: first, LastAt: last, Slots: max(1, n), Status: SlotMissed,
		FinishedAt: db.now(), Note: note}); err != nil {
		return fmt.Errorf("record missed slots of campaign %d: %w", campaignID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record missed slots of campaign %d: %w", campaignID, err)
	}
	return nil
}

// StartSlot records that the campaign's slot at slotAt starts running at
// at, and returns it with its round: one more than the campaign's last
// round (the session seq it runs). It returns an error wrapping
// ErrSlotTaken when that slot, or a later one, is already recorded.
func (db *DB) StartSlot(ctx context.Context, campaignID int64, slotAt time.Time, catchUp bool, at time.Time) (Slot, error) {
	if err := db.writable("start slot"); err != nil {
		return Slot{}, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return Slot{}, fmt.Errorf("start slot of campaign %d: %w", campaignID, err)
	}
	defer tx.Rollback()
	var round int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(round), 0) + 1 FROM schedule_slots WHERE campaign_id = ?", campaignID).Scan(&round); err != nil {
		return Slot{}, fmt.Errorf("start slot of campaign %d: %w", campaignID, err)
	}
	s := Slot{CampaignID: campaignID, At: slotAt.UTC(), LastAt: slotAt.UTC(), Slots: 1, Status: SlotRunning, Round: round, CatchUp: catchUp, StartedAt: at.UTC()}
	if s.ID, err = insertSlot(ctx, tx, s); err != nil {
		return Slot{}, fmt.Errorf("start slot of campaign %d: %w", campaignID, err)
	}
	if err := tx.Commit(); err != nil {
		return Slot{}, fmt.Errorf("start slot of campaign %d: %w", campaignID, err)
	}
	return s, nil
}

// FinishSlot marks a running slot done at at with a note (such as "2 done,
// 1 failed"). It returns an error wrapping ErrNotFound when no running slot
// has that id.
func (db *DB) FinishSlot(ctx context.Context, id int64, note string, at time.Time) error {
	if err := db.writable("finish slot"); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, "UPDATE schedule_slots SET status = 'done', finished_at = ?, note = ? WHERE id = ? AND status = 'running'",
		at.UnixMilli(), note, id)
	if err != nil {
		return fmt.Errorf("finish slot %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish slot %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("finish slot %d: no running slot: %w", id, ErrNotFound)
	}
	return nil
}

// CheckWritable makes a write that changes nothing and rolls it back: it
// fails when the database file cannot be written (read-only file or
// directory, full or broken disk) or its write lock cannot be had within
// the busy timeout.
func (db *DB) CheckWritable(ctx context.Context) error {
	if err := db.writable("check writable"); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("check writable: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE schedules SET updated_at = updated_at WHERE rowid = (SELECT max(rowid) FROM schedules)"); err != nil {
		return fmt.Errorf("check writable: %w", err)
	}
	return nil
}
