package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// storeRecords builds the stored records (impression_records) of the done
// sessions ids, as import and merge need after writing sessions that arrive
// done with their impressions. It sets each one's status to itself, which
// fires the trigger that builds a session's records when it becomes done
// (migration 0014): the record format is written in one place, the
// schema, where every writer of a done session goes through it.
func storeRecords(ctx context.Context, tx *sql.Tx, ids ...int64) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET status = status WHERE id = ? AND status = 'done'", id); err != nil {
			return fmt.Errorf("records of session %d: %w", id, err)
		}
	}
	return nil
}
