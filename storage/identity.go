package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LoadIdentity returns the persona's saved browser identity, or nil and no
// error when it has none yet.
func (db *DB) LoadIdentity(ctx context.Context, personaID int64) ([]byte, error) {
	var ident []byte
	err := db.r.QueryRowContext(ctx, "SELECT identity FROM persona_state WHERE persona_id = ?", personaID).Scan(&ident)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load identity of persona %d: %w", personaID, err)
	}
	if len(ident) == 0 {
		return nil, nil
	}
	return ident, nil
}

// SaveIdentity replaces the persona's saved browser identity. The identity
// holds secrets (cookies); nothing in this package exports it. It returns an
// error wrapping ErrNotFound when the persona does not exist. Safe for
// concurrent use.
func (db *DB) SaveIdentity(ctx context.Context, personaID int64, identity []byte) error {
	if err := db.writable(fmt.Sprintf("save identity of persona %d", personaID)); err != nil {
		return err
	}
	if identity == nil {
		identity = []byte{}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save identity of persona %d: %w", personaID, err)
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM personas WHERE id = ?", personaID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("save identity: persona %d: %w", personaID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("save identity of persona %d: %w", personaID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO persona_state (persona_id, identity, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (persona_id) DO UPDATE SET identity = excluded.identity, updated_at = excluded.updated_at`,
		personaID, identity, db.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("save identity of persona %d: %w", personaID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save identity of persona %d: %w", personaID, err)
	}
	return nil
}
