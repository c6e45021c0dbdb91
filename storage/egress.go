package storage

import (
	"context"
	"fmt"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe/feed"
)

// SaveEgress records what the platform saw of a running session (its echo
// page), replacing what the session recorded before. It returns an error
// wrapping ErrNotFound for an unknown session and ErrSessionState for one
// that is not planned or running. Safe for concurrent use.
func (db *DB) SaveEgress(ctx context.Context, sessionID int64, e feed.Egress) error {
	if err := db.writable(fmt.Sprintf("save egress of session %d", sessionID)); err != nil {
		return err
	}
	echo := e.Echo
	if len(echo) > feed.MaxEcho {
		echo = echo[:feed.MaxEcho]
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save egress of session %d: %w", sessionID, err)
	}
	defer tx.Rollback()
	if _, err := openSession(ctx, tx, sessionID); err != nil {
		return fmt.Errorf("save egress of session %d: %w", sessionID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO session_egress (session_id, ip, echo, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET ip = excluded.ip, echo = excluded.echo, at = excluded.at`,
		sessionID, e.IP, echo, millis(e.At))
	if err != nil {
		return fmt.Errorf("save egress of session %d: %w", sessionID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save egress of session %d: %w", sessionID, err)
	}
	return nil
}

// SessionEgress is one session's egress as stored.
type SessionEgress struct {
	Persona string `json:"persona"`
	Session int    `json:"session"` // the session's seq
	IP      string `json:"ip"`
	Echo    string `json:"echo"`
}

// Egresses returns the egress of every session of campaign campaignID that
// recorded one, by persona and session. Cancelling ctx stops the reading.
func (db *DB) Egresses(ctx context.Context, campaignID int64) ([]SessionEgress, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT p.name, s.seq, e.ip, e.echo FROM session_egress e
		JOIN sessions s ON s.id = e.session_id JOIN personas p ON p.id = s.persona_id
		WHERE s.campaign_id = ? ORDER BY p.name, s.seq, s.id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("read egress of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []SessionEgress
	for rows.Next() {
		var e SessionEgress
		if err := rows.Scan(&e.Persona, &e.Session, &e.IP, &e.Echo); err != nil {
			return nil, fmt.Errorf("read egress of campaign %d: %w", campaignID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read egress of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// egressReport runs the egress check of analysis on a campaign's stored
// egress.
func (db *DB) egressReport(ctx context.Context, campaignID int64, names []string) (analysis.EgressReport, error) {
	es, err := db.Egresses(ctx, campaignID)
	if err != nil {
		return analysis.EgressReport{}, err
	}
	obs := make([]analysis.EgressObservation, len(es))
	for i, e := range es {
		obs[i] = analysis.EgressObservation{Persona: e.Persona, Session: e.Session, IP: e.IP}
	}
	return analysis.CheckEgress(names, obs), nil
}
