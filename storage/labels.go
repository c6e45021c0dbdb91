package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Label is what one source says an item is.
type Label struct {
	Platform      string
	ItemID        string
	Category      string
	Value         float64
	Source        string // manual, lexicon, adapter, truth, import:NAME ...
	SourceVersion string
	Annotator     string
	CreatedAt     time.Time
}

// SaveLabels upserts labels in one transaction: a label with the same
// platform, item, category, source, version and annotator replaces the
// value. It returns how many labels were written. An empty platform, item,
// category or source is an error and nothing is kept.
func (db *DB) SaveLabels(ctx context.Context, labels []Label) (int, error) {
	if err := db.writable("save labels"); err != nil {
		return 0, err
	}
	for i, l := range labels {
		if l.Platform == "" || l.ItemID == "" || l.Category == "" || l.Source == "" {
			return 0, fmt.Errorf("save labels: label %d: platform, item, category and source are required", i)
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save labels: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO labels
		(platform, item_id, category, value, source, source_version, annotator, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, item_id, category, source, source_version, annotator)
		DO UPDATE SET value = excluded.value, created_at = excluded.created_at`)
	if err != nil {
		return 0, fmt.Errorf("save labels: %w", err)
	}
	defer stmt.Close()
	now := db.now()
	for _, l := range labels {
		at := l.CreatedAt
		if at.IsZero() {
			at = now
		}
		if _, err := stmt.ExecContext(ctx, l.Platform, l.ItemID, l.Category, l.Value, l.Source, l.SourceVersion, l.Annotator, at.UnixMilli()); err != nil {
			return 0, fmt.Errorf("save label %s/%s %s: %w", l.Platform, l.ItemID, l.Category, err)
		}
	}
	platforms := map[string]bool{}
	for _, l := range labels {
		if !platforms[l.Platform] {
			platforms[l.Platform] = true
			if err := db.sealPlatformTx(ctx, tx, l.Platform, "labels saved"); err != nil {
				return 0, fmt.Errorf("save labels: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("save labels: %w", err)
	}
	return len(labels), nil
}

// EachLabel calls fn for every label of the platform ("" for all), ordered
// by platform, item, category, source.
func (db *DB) EachLabel(ctx context.Context, platform string, fn func(Label) error) error {
	q := `SELECT platform, item_id, category, value, source, source_version, annotator, created_at FROM labels`
	var args []any
	if platform != "" {
		q += ` WHERE platform = ?`
		args = append(args, platform)
	}
	q += ` ORDER BY platform, item_id, category, source, source_version, annotator`
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Label
		var at sql.NullInt64
		if err := rows.Scan(&l.Platform, &l.ItemID, &l.Category, &l.Value, &l.Source, &l.SourceVersion, &l.Annotator, &at); err != nil {
			return fmt.Errorf("read labels: %w", err)
		}
		l.CreatedAt = fromMillis(at)
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read labels: %w", err)
	}
	return nil
}
