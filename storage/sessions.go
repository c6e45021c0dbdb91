package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session statuses. A session is planned, then running, then done, failed
// or blocked. A session left running by a crash or a cancelled run becomes
// interrupted on resume, and a new attempt of the same seq is planned.
const (
	StatusPlanned     = "planned"
	StatusRunning     = "running"
	StatusDone        = "done"
	StatusFailed      = "failed"
	StatusBlocked     = "blocked"
	StatusInterrupted = "interrupted"
)

// Session is one attempt at a persona's seq-th session.
type Session struct {
	ID         int64
	CampaignID int64
	PersonaID  int64
	Seq        int
	Attempt    int
	Status     string
	// PlannedAt, StartedAt and FinishedAt are zero when unset.
	PlannedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Error      string
	// Items is the number of impressions, set when the session finishes.
	Items int
}

// PlanSessions creates planned sessions with seq 1..n for the persona,
// skipping every seq that already has a session (of any attempt and status),
// so calling it again is harmless. It returns an error wrapping ErrNotFound
// when the persona does not exist.
func (db *DB) PlanSessions(ctx context.Context, personaID int64, n int) error {
	if err := db.writable(fmt.Sprintf("plan sessions of persona %d", personaID)); err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("plan sessions of persona %d: negative count %d", personaID, n)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("plan sessions of persona %d: %w", personaID, err)
	}
	defer tx.Rollback()
	var campaignID int64
	err = tx.QueryRowContext(ctx, "SELECT campaign_id FROM personas WHERE id = ?", personaID).Scan(&campaignID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("plan sessions: persona %d: %w", personaID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("plan sessions of persona %d: %w", personaID, err)
	}
	// Every seq that has any session has an attempt 1, so a conflict on
	// attempt 1 means the seq is already planned.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sessions (campaign_id, persona_id, seq, attempt, status, planned_at)
		VALUES (?, ?, ?, 1, 'planned', ?) ON CONFLICT (persona_id, seq, attempt) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("plan sessions of persona %d: %w", personaID, err)
	}
	defer stmt.Close()
	now := db.now().UnixMilli()
	for seq := 1; seq <= n; seq++ {
		if _, err := stmt.ExecContext(ctx, campaignID, personaID, seq, now); err != nil {
			return fmt.Errorf("plan session %d of persona %d: %w", seq, personaID, err)
		}
	}
	if err := db.sealOwnTx(ctx, tx, campaignID, fmt.Sprintf("planned persona %d", personaID)); err != nil {
		return fmt.Errorf("plan sessions of persona %d: %w", personaID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("plan sessions of persona %d: %w", personaID, err)
	}
	return nil
}

// RecoverInterrupted marks every running session of the campaign
// interrupted (with error "interrupted") and plans a new attempt of the same
// persona and seq for each. It returns how many it recovered. Call it on
// resume, before any session of the campaign runs: a session running in this
// process at the time would be marked interrupted too.
func (db *DB) RecoverInterrupted(ctx context.Context, campaignID int64) (int, error) {
	n, err := db.replan(ctx, campaignID, StatusRunning, true)
	if err != nil {
		return 0, fmt.Errorf("recover interrupted sessions of campaign %d: %w", campaignID, err)
	}
	return n, nil
}

// ReplanFailed plans a new attempt for every failed session of the campaign
// that is its seq's latest attempt, so a resumed campaign retries it. Blocked
// sessions are not retried. It returns how many it planned.
func (db *DB) ReplanFailed(ctx context.Context, campaignID int64) (int, error) {
	n, err := db.replan(ctx, campaignID, StatusFailed, false)
	if err != nil {
		return 0, fmt.Errorf("replan failed sessions of campaign %d: %w", campaignID, err)
	}
	return n, nil
}

// replan plans a new attempt for every session of the campaign in status
// from that is its seq's latest attempt; interrupt marks those sessions
// interrupted first.
func (db *DB) replan(ctx context.Context, campaignID int64, from string, interrupt bool) (int, error) {
	if err := db.writable("replan sessions"); err != nil {
		return 0, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.persona_id, s.seq, s.attempt FROM sessions s
		WHERE s.campaign_id = ? AND s.status = ? AND NOT EXISTS (
			SELECT 1 FROM sessions l WHERE l.persona_id = s.persona_id AND l.seq = s.seq AND l.attempt > s.attempt)
		ORDER BY s.persona_id, s.seq`, campaignID, from)
	if err != nil {
		return 0, err
	}
	type key struct {
		id, persona  int64
		seq, attempt int
	}
	var todo []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.id, &k.persona, &k.seq, &k.attempt); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := db.now().UnixMilli()
	for _, k := range todo {
		if interrupt {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET status = 'interrupted', error = 'interrupted', finished_at = ?,
				items = (SELECT count(*) FROM impressions WHERE session_id = sessions.id) WHERE id = ?`, now, k.id); err != nil {
				return 0, fmt.Errorf("session %d: %w", k.id, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (campaign_id, persona_id, seq, attempt, status, planned_at)
			VALUES (?, ?, ?, ?, 'planned', ?)`, campaignID, k.persona, k.seq, k.attempt+1, now); err != nil {
			return 0, fmt.Errorf("plan attempt %d of session %d: %w", k.attempt+1, k.id, err)
		}
	}
	if len(todo) > 0 {
		reason := "replanned failed sessions"
		if interrupt {
			reason = "recovered interrupted sessions"
		}
		if err := db.sealTx(ctx, tx, campaignID, reason); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return len(todo), nil
}

const sessionColumns = "id, campaign_id, persona_id, seq, attempt, status, planned_at, started_at, finished_at, error, items"

func scanSession(r rowScanner) (Session, error) {
	var (
		s                          Session
		planned, started, finished sql.NullInt64
		errText                    sql.NullString
	)
	if err := r.Scan(&s.ID, &s.CampaignID, &s.PersonaID, &s.Seq, &s.Attempt, &s.Status,
		&planned, &started, &finished, &errText, &s.Items); err != nil {
		return Session{}, err
	}
	s.PlannedAt, s.StartedAt, s.FinishedAt = fromMillis(planned), fromMillis(started), fromMillis(finished)
	s.Error = errText.String
	return s, nil
}

// Sessions returns every session of the campaign, all attempts, ordered by
// persona id, seq and attempt.
func (db *DB) Sessions(ctx context.Context, campaignID int64) ([]Session, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+sessionColumns+` FROM sessions
		WHERE campaign_id = ? ORDER BY persona_id, seq, attempt`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("sessions of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var ss []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sessions of campaign %d: %w", campaignID, err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions of campaign %d: %w", campaignID, err)
	}
	return ss, nil
}

// Session returns one session, or an error wrapping ErrNotFound.
func (db *DB) Session(ctx context.Context, id int64) (Session, error) {
	s, err := scanSession(db.r.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("session %d: %w", id, err)
	}
	return s, nil
}

// StartSession moves a planned session to running, started at at. It
// returns an error wrapping ErrNotFound for an unknown session and
// ErrSessionState for one that is not planned.
func (db *DB) StartSession(ctx context.Context, id int64, at time.Time) error {
	if err := db.writable(fmt.Sprintf("start session %d", id)); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("start session %d: %w", id, err)
	}
	defer tx.Rollback()
	if err := requireStatus(ctx, tx, id, StatusPlanned); err != nil {
		return fmt.Errorf("start session %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sessions SET status = 'running', started_at = ? WHERE id = ?", millis(at), id); err != nil {
		return fmt.Errorf("start session %d: %w", id, err)
	}
	if err := db.sealSessionTx(ctx, tx, id, fmt.Sprintf("session %d started", id)); err != nil {
		return fmt.Errorf("start session %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("start session %d: %w", id, err)
	}
	return nil
}

// FinishSession moves a running session to status (StatusDone, StatusFailed
// or StatusBlocked), finished at at, with errText as its error (empty for
// none), and records its number of impressions. It returns an error wrapping
// ErrNotFound for an unknown session and ErrSessionState for one that is not
// running.
func (db *DB) FinishSession(ctx context.Context, id int64, status string, errText string, at time.Time) error {
	if err := db.writable(fmt.Sprintf("finish session %d", id)); err != nil {
		return err
	}
	switch status {
	case StatusDone, StatusFailed, StatusBlocked:
	default:
		return fmt.Errorf("finish session %d: status %q is not done, failed or blocked", id, status)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish session %d: %w", id, err)
	}
	defer tx.Rollback()
	if err := requireStatus(ctx, tx, id, StatusRunning); err != nil {
		return fmt.Errorf("finish session %d as %s: %w", id, status, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE sessions SET status = ?, error = ?, finished_at = ?,
		items = (SELECT count(*) FROM impressions WHERE session_id = sessions.id) WHERE id = ?`,
		status, nullString(errText), millis(at), id)
	if err != nil {
		return fmt.Errorf("finish session %d: %w", id, err)
	}
	if err := db.sealSessionTx(ctx, tx, id, fmt.Sprintf("session %d %s", id, status)); err != nil {
		return fmt.Errorf("finish session %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("finish session %d: %w", id, err)
	}
	return nil
}

// requireStatus checks, inside tx, that the session exists and is in one of
// the given statuses.
func requireStatus(ctx context.Context, tx *sql.Tx, id int64, want ...string) error {
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM sessions WHERE id = ?", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	for _, w := range want {
		if status == w {
			return nil
		}
	}
	return fmt.Errorf("status is %s: %w", status, ErrSessionState)
}

// RetrySession plans the next attempt of a failed session (same persona and
// seq) and returns its id. It fails with ErrSessionState unless the session
// is failed and its seq's latest attempt.
func (db *DB) RetrySession(ctx context.Context, id int64) (int64, error) {
	if err := db.writable(fmt.Sprintf("retry session %d", id)); err != nil {
		return 0, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("retry session %d: %w", id, err)
	}
	defer tx.Rollback()
	var (
		campaign, persona int64
		seq, attempt      int
		status            string
		later             bool
	)
	err = tx.QueryRowContext(ctx, `SELECT s.campaign_id, s.persona_id, s.seq, s.attempt, s.status,
		EXISTS (SELECT 1 FROM sessions l WHERE l.persona_id = s.persona_id AND l.seq = s.seq AND l.attempt > s.attempt)
		FROM sessions s WHERE s.id = ?`, id).Scan(&campaign, &persona, &seq, &attempt, &status, &later)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("retry session %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("retry session %d: %w", id, err)
	}
	if status != StatusFailed || later {
		return 0, fmt.Errorf("retry session %d (%s, later attempt %v): %w", id, status, later, ErrSessionState)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO sessions (campaign_id, persona_id, seq, attempt, status, planned_at)
		VALUES (?, ?, ?, ?, 'planned', ?)`, campaign, persona, seq, attempt+1, db.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("retry session %d: %w", id, err)
	}
	next, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("retry session %d: %w", id, err)
	}
	if err := db.sealOwnTx(ctx, tx, campaign, fmt.Sprintf("retry of session %d planned", id)); err != nil {
		return 0, fmt.Errorf("retry session %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("retry session %d: %w", id, err)
	}
	return next, nil
}
