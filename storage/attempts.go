package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Outcomes of a re-inspection attempt.
const (
	AttemptRunning  = "running"
	AttemptDone     = "done"      // the order closed with its verdict
	AttemptFailed   = "failed"    // retried after a wait, or the order closed inconclusive
	AttemptCutShort = "cut short" // stopped by a shutdown; the next start resumes it
)

// Attempt is one try of the daemon at re-inspecting an order.
type Attempt struct {
	ID             int64
	OrderID        int64
	CampaignID     int64 // 0 when it failed before its campaign was planned
	StartedAt      time.Time
	FinishedAt     time.Time // zero while running
	Outcome        string
	Error          string
	SessionsDone   int
	SessionsFailed int
}

// StartAttempt records that a re-inspection attempt of the order starts.
func (db *DB) StartAttempt(ctx context.Context, orderID int64, at time.Time) (int64, error) {
	if err := db.writable("start re-inspection attempt"); err != nil {
		return 0, err
	}
	res, err := db.w.ExecContext(ctx, `INSERT INTO reinspection_attempts (order_id, started_at) VALUES (?, ?)`, orderID, at.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("start re-inspection attempt of order %d: %w", orderID, err)
	}
	return res.LastInsertId()
}

// FinishAttempt records how an attempt ended: its campaign (0 if none), its
// outcome and error. The sessions it ran are counted from the campaign's
// sessions that finished between its start and at.
func (db *DB) FinishAttempt(ctx context.Context, id, campaignID int64, outcome, errText string, at time.Time) error {
	if err := db.writable("finish re-inspection attempt"); err != nil {
		return err
	}
	switch outcome {
	case AttemptDone, AttemptFailed, AttemptCutShort:
	default:
		return fmt.Errorf("finish re-inspection attempt %d: outcome %q: want done, failed or cut short", id, outcome)
	}
	var camp any
	if campaignID != 0 {
		camp = campaignID
	}
	res, err := db.w.ExecContext(ctx, `UPDATE reinspection_attempts SET campaign_id = ?, outcome = ?, error = ?, finished_at = ?,
		sessions_done = (SELECT count(*) FROM sessions s WHERE s.campaign_id = ? AND s.status = 'done'
			AND s.finished_at >= reinspection_attempts.started_at AND s.finished_at <= ?),
		sessions_failed = (SELECT count(*) FROM sessions s WHERE s.campaign_id = ? AND s.status IN ('failed', 'blocked', 'interrupted')
			AND s.finished_at >= reinspection_attempts.started_at AND s.finished_at <= ?)
		WHERE id = ? AND outcome = 'running'`,
		camp, outcome, errText, at.UnixMilli(), campaignID, at.UnixMilli(), campaignID, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("finish re-inspection attempt %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("finish re-inspection attempt %d: %w", id, ErrNotFound)
	}
	return nil
}

// Attempts returns an order's re-inspection attempts, oldest first.
func (db *DB) Attempts(ctx context.Context, orderID int64) ([]Attempt, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, order_id, campaign_id, started_at, finished_at, outcome, error, sessions_done, sessions_failed
		FROM reinspection_attempts WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("re-inspection attempts of order %d: %w", orderID, err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var (
			a             Attempt
			camp          sql.NullInt64
			start, finish sql.NullInt64
		)
		if err := rows.Scan(&a.ID, &a.OrderID, &camp, &start, &finish, &a.Outcome, &a.Error, &a.SessionsDone, &a.SessionsFailed); err != nil {
			return nil, fmt.Errorf("re-inspection attempts of order %d: %w", orderID, err)
		}
		a.CampaignID = camp.Int64
		a.StartedAt, a.FinishedAt = fromMillis(start), fromMillis(finish)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("re-inspection attempts of order %d: %w", orderID, err)
	}
	return out, nil
}

// PlatformHealth is how a platform's sessions last went, for the probe's
// health gauges after a restart.
type PlatformHealth struct {
	Platform    string
	LastStatus  string    // of the last finished session (done, failed or blocked); "" if none
	LastSuccess time.Time // end of the last done session; zero if none
}

// Health returns, per platform with a finished session, the status of its
// last finished session and the end of its last done one.
func (db *DB) Health(ctx context.Context) ([]PlatformHealth, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT p.platform,
		(SELECT s.status FROM sessions s JOIN campaigns c ON c.id = s.campaign_id
			WHERE c.platform = p.platform AND s.status IN ('done', 'failed', 'blocked') AND s.finished_at IS NOT NULL
			ORDER BY s.finished_at DESC, s.id DESC LIMIT 1),
		(SELECT max(s.finished_at) FROM sessions s JOIN campaigns c ON c.id = s.campaign_id
			WHERE c.platform = p.platform AND s.status = 'done')
		FROM (SELECT DISTINCT platform FROM campaigns) p ORDER BY p.platform`)
	if err != nil {
		return nil, fmt.Errorf("platform health: %w", err)
	}
	defer rows.Close()
	var out []PlatformHealth
	for rows.Next() {
		var (
			h      PlatformHealth
			status sql.NullString
			last   sql.NullInt64
		)
		if err := rows.Scan(&h.Platform, &status, &last); err != nil {
			return nil, fmt.Errorf("platform health: %w", err)
		}
		if !status.Valid {
			continue
		}
		h.LastStatus, h.LastSuccess = status.String, fromMillis(last)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("platform health: %w", err)
	}
	return out, nil
}

// OrderCounts returns how many rectification orders there are in each
// status.
func (db *DB) OrderCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, count(*) FROM rectification_orders GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("order counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			s string
			n int
		)
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("order counts: %w", err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("order counts: %w", err)
	}
	return out, nil
}
