package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// openSession checks, inside tx, that the session exists and still takes
// observations (it is planned or running), and returns its campaign's
// platform.
func openSession(ctx context.Context, tx *sql.Tx, id int64) (string, error) {
	var platform, status string
	err := tx.QueryRowContext(ctx, `SELECT c.platform, s.status FROM sessions s
		JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = ?`, id).Scan(&platform, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if status != StatusPlanned && status != StatusRunning {
		return "", fmt.Errorf("status is %s: %w", status, ErrSessionState)
	}
	return platform, nil
}

// SaveImpressions sends one-row statements, prepared once per connection
// (the driver's statement cache): with go-sqlite3 binding and stepping a
// one-row statement in a single cgo call, they cost less CPU per row than
// the multi-row statements of up to 128 rows it sent before (0.91-0.93 of
// a bare prepared-statement loop's CPU time against 0.77-0.91,
// BenchmarkIngestVsBare, scripts/bench/README.md).
const (
	itemParams       = 6  // per row, after the shared platform
	impressionParams = 16 // per row, after the shared session and platform
)

var (
	upsertItemSQL       = upsertItemsSQL(1)
	insertImpressionSQL = insertImpressionsSQL(1)
)

// upsertItemsSQL returns the item upsert for n rows. ?1 is the platform;
// each row has itemParams more: item_id, title, author, url, topic, seen_at.
func upsertItemsSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO items (platform, item_id, title, author, url, topic, first_seen_at, last_seen_at) VALUES ")
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		p := 2 + r*itemParams
		fmt.Fprintf(&b, "(?1, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)", p, p+1, p+2, p+3, p+4, p+5, p+5)
	}
	b.WriteString(`
		ON CONFLICT (platform, item_id) DO UPDATE SET
			title  = CASE WHEN items.title  = '' THEN excluded.title  ELSE items.title  END,
			author = CASE WHEN items.author = '' THEN excluded.author ELSE items.author END,
			url    = CASE WHEN items.url    = '' THEN excluded.url    ELSE items.url    END,
			topic  = CASE WHEN items.topic  = '' THEN excluded.topic  ELSE items.topic  END,
			first_seen_at = coalesce(min(items.first_seen_at, excluded.first_seen_at), items.first_seen_at, excluded.first_seen_at),
			last_seen_at  = coalesce(max(items.last_seen_at, excluded.last_seen_at), items.last_seen_at, excluded.last_seen_at)`)
	return b.String()
}

// insertImpressionsSQL returns the impression insert for n rows. ?1 is the
// session and ?2 the platform; each row has impressionParams more: rank,
// item_id, seen_at, surface, title, topic, sponsored, synthetic, price,
// price_text, source, displayed_at, served_rank, displayed_rank,
// beside_item_id, raw.
func insertImpressionsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO impressions (session_id, platform, rank, item_id, seen_at, surface, title, topic,
		sponsored, synthetic, price, price_text, source, displayed_at, served_rank, displayed_rank, beside_item_id, raw) VALUES `)
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?1, ?2")
		for i := range impressionParams {
			fmt.Fprintf(&b, ", ?%d", 3+r*impressionParams+i)
		}
		b.WriteString(")")
	}
	return b.String()
}

// appendImpressionArgs appends the impressionParams values of one row of
// insertImpressionsSQL.
func appendImpressionArgs(args []any, im feed.Impression) []any {
	var price any
	if im.PriceText != "" {
		price = im.Price
	}
	return append(args, im.Rank, im.ID, millis(im.SeenAt), im.Surface,
		im.Title, im.Topic, im.Sponsored, im.Synthetic, price, nullString(im.PriceText),
		im.Source, displayedMillis(im.DisplayedAt), nullRank(im.ServedRank), nullRank(im.DisplayedRank), nullString(im.BesideItemID), nullRaw(im.Raw))
}

// SaveImpressions stores a batch of impressions of a session in one
// transaction: each item is upserted into the catalogue of the session's
// platform (first_seen kept, last_seen advanced, empty fields filled) and
// each impression is inserted. Either the whole batch is stored or none of
// it. An impression whose (surface, rank) the session already has is an
// error, not an overwrite. It returns an error wrapping ErrNotFound for an
// unknown session and ErrSessionState for a finished one. Safe for
// concurrent use; cancelling ctx rolls the batch back.
func (db *DB) SaveImpressions(ctx context.Context, sessionID int64, imps []feed.Impression) error {
	if err := db.writable(fmt.Sprintf("save impressions for session %d", sessionID)); err != nil {
		return err
	}
	for _, im := range imps {
		if im.ID == "" {
			return fmt.Errorf("save impressions for session %d: impression at %s rank %d has no item id", sessionID, im.Surface, im.Rank)
		}
		if im.Rank < 1 {
			return fmt.Errorf("save impressions for session %d: item %s has rank %d, want 1 or more", sessionID, im.ID, im.Rank)
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save impressions for session %d: %w", sessionID, err)
	}
	defer tx.Rollback()
	platform, err := openSession(ctx, tx, sessionID)
	if err != nil {
		return fmt.Errorf("save impressions for session %d: %w", sessionID, err)
	}
	upsert, err := tx.PrepareContext(ctx, upsertItemSQL)
	if err != nil {
		return fmt.Errorf("save impressions for session %d: upsert items: %w", sessionID, err)
	}
	defer upsert.Close()
	insert, err := tx.PrepareContext(ctx, insertImpressionSQL)
	if err != nil {
		return fmt.Errorf("save impressions for session %d: insert: %w", sessionID, err)
	}
	defer insert.Close()
	args := make([]any, 0, 2+impressionParams)
	for _, im := range imps {
		args = append(args[:0], platform, im.ID, im.Title, im.Author, im.URL, im.Topic, millis(im.SeenAt))
		if _, err := upsert.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("save impressions for session %d: upsert item %s: %w", sessionID, im.ID, err)
		}
		args = appendImpressionArgs(append(args[:0], sessionID, platform), im)
		if _, err := insert.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("save impressions for session %d: insert %s rank %d: %w", sessionID, im.Surface, im.Rank, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save impressions for session %d: %w", sessionID, err)
	}
	return nil
}

// SaveActions stores a batch of actions of a session in one transaction. It
// returns an error wrapping ErrNotFound for an unknown session and
// ErrSessionState for a finished one. Safe for concurrent use.
func (db *DB) SaveActions(ctx context.Context, sessionID int64, acts []feed.Action) error {
	if err := db.writable(fmt.Sprintf("save actions for session %d", sessionID)); err != nil {
		return err
	}
	for i, a := range acts {
		if a.Kind == "" {
			return fmt.Errorf("save actions for session %d: action %d has no kind", sessionID, i)
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save actions for session %d: %w", sessionID, err)
	}
	defer tx.Rollback()
	if _, err := openSession(ctx, tx, sessionID); err != nil {
		return fmt.Errorf("save actions for session %d: %w", sessionID, err)
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO actions (session_id, item_id, kind, at, value, detail, unconfirmed) VALUES (?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return fmt.Errorf("save actions for session %d: %w", sessionID, err)
	}
	defer stmt.Close()
	for _, a := range acts {
		if _, err := stmt.ExecContext(ctx, sessionID, nullString(a.ItemID), string(a.Kind), millis(a.At), a.Value, a.Detail, a.Unconfirmed); err != nil {
			return fmt.Errorf("save actions for session %d: %s: %w", sessionID, a.Kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save actions for session %d: %w", sessionID, err)
	}
	return nil
}

// Actions returns the actions of a session in the order they were saved.
func (db *DB) Actions(ctx context.Context, sessionID int64) ([]feed.Action, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT item_id, kind, at, value, detail, unconfirmed FROM actions WHERE session_id = ? ORDER BY id", sessionID)
	if err != nil {
		return nil, fmt.Errorf("actions of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var acts []feed.Action
	for rows.Next() {
		var (
			a      feed.Action
			itemID sql.NullString
			kind   string
			at     sql.NullInt64
		)
		if err := rows.Scan(&itemID, &kind, &at, &a.Value, &a.Detail, &a.Unconfirmed); err != nil {
			return nil, fmt.Errorf("actions of session %d: %w", sessionID, err)
		}
		a.ItemID, a.Kind, a.At = itemID.String, feed.ActionKind(kind), fromMillis(at)
		acts = append(acts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("actions of session %d: %w", sessionID, err)
	}
	return acts, nil
}

// Impressions returns the impressions of a session ordered by surface and
// rank. Title and Topic are as seen in the impression; Author and URL come
// from the item catalogue (in an extraction view, from the extraction).
func (db *DB) Impressions(ctx context.Context, sessionID int64) ([]feed.Impression, error) {
	// An extraction keeps each impression's author and URL as extracted.
	author, url, beside := "coalesce(it.author, '')", "coalesce(it.url, '')", "coalesce(i.beside_item_id, '')"
	if db.extraction != 0 {
		author, url, beside = "i.author", "i.url", "''" // re-extraction reads no up-next lists
	}
	rows, err := db.r.QueryContext(ctx, `SELECT i.rank, i.item_id, i.seen_at, i.surface, i.title, i.topic,
			i.sponsored, i.synthetic, i.price, i.price_text, `+author+`, `+url+`,
			i.source, i.displayed_at, coalesce(i.served_rank, 0), coalesce(i.displayed_rank, 0), `+beside+`
		FROM `+db.impressionsFrom()+` i LEFT JOIN items it ON it.platform = i.platform AND it.item_id = i.item_id
		WHERE i.session_id = ? ORDER BY i.surface, i.rank`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("impressions of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var imps []feed.Impression
	for rows.Next() {
		var (
			im        feed.Impression
			seen      sql.NullInt64
			price     sql.NullFloat64
			priceText sql.NullString
			displayed sql.NullInt64
		)
		if err := rows.Scan(&im.Rank, &im.ID, &seen, &im.Surface, &im.Title, &im.Topic,
			&im.Sponsored, &im.Synthetic, &price, &priceText, &im.Author, &im.URL,
			&im.Source, &displayed, &im.ServedRank, &im.DisplayedRank, &im.BesideItemID); err != nil {
			return nil, fmt.Errorf("impressions of session %d: %w", sessionID, err)
		}
		if displayed.Valid {
			t := fromMillis(displayed)
			im.DisplayedAt = &t
		}
		im.SeenAt, im.Price, im.PriceText = fromMillis(seen), price.Float64, priceText.String
		imps = append(imps, im)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("impressions of session %d: %w", sessionID, err)
	}
	return imps, nil
}

// ImpressionRow is one impression of a finished session, with the session
// and persona it belongs to, as EachImpression streams it.
type ImpressionRow struct {
	CampaignID int64
	PersonaID  int64
	Persona    string
	Role       string
	SessionID  int64
	Seq        int
	Rank       int
	Surface    string
	ItemID     string
	Title      string
	Topic      string
	Sponsored  bool
	Synthetic  bool
	// Price is meaningful only when HasPrice is true.
	Price    float64
	HasPrice bool
	SeenAt   time.Time
}

// EachImpression calls fn for every impression of the campaign's done
// sessions, ordered by persona id, seq, surface and rank, streaming them
// from one read snapshot without loading them all. It stops at the first
// error fn returns and returns it unwrapped. Cancelling ctx stops the scan.
// fn may call other methods of db; a long scan keeps the WAL from being
// checkpointed past its snapshot until it ends.
func (db *DB) EachImpression(ctx context.Context, campaignID int64, fn func(ImpressionRow) error) error {
	// CROSS JOIN fixes the loop order: sessions in index order, then each
	// session's impressions by primary key, so no sort is needed.
	rows, err := db.r.QueryContext(ctx, `SELECT s.campaign_id, s.persona_id, p.name, p.role, s.id, s.seq,
			i.rank, i.surface, i.item_id, i.title, i.topic, i.sponsored, i.synthetic, i.price, i.price_text IS NOT NULL, i.seen_at
		FROM sessions s CROSS JOIN `+db.impressionsFrom()+` i CROSS JOIN personas p
		WHERE s.campaign_id = ? AND s.status = 'done' AND i.session_id = s.id AND p.id = s.persona_id
		ORDER BY s.campaign_id, s.persona_id, s.seq, s.attempt, s.id, i.surface, i.rank`, campaignID)
	if err != nil {
		return fmt.Errorf("impressions of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r     ImpressionRow
			price sql.NullFloat64
			seen  sql.NullInt64
		)
		if err := rows.Scan(&r.CampaignID, &r.PersonaID, &r.Persona, &r.Role, &r.SessionID, &r.Seq,
			&r.Rank, &r.Surface, &r.ItemID, &r.Title, &r.Topic, &r.Sponsored, &r.Synthetic, &price, &r.HasPrice, &seen); err != nil {
			return fmt.Errorf("impressions of campaign %d: %w", campaignID, err)
		}
		r.Price, r.SeenAt = price.Float64, fromMillis(seen)
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("impressions of campaign %d: %w", campaignID, err)
	}
	return nil
}

// displayedMillis is displayed_at as stored: NULL for an item never
// displayed (or a session that did not track display).
func displayedMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return millis(*t)
}

// nullRank stores a rank of 0 (none) as NULL.
func nullRank(r int) any {
	if r <= 0 {
		return nil
	}
	return r
}

// nullRaw stores an item's JSON as TEXT, NULL when there is none.
func nullRaw(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
