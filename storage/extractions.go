package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// Extraction is one offline re-extraction of a campaign's items (see
// migration 0011): which adapter version read the stored bodies and pages,
// and when. Extraction 0 is no row: it is the impressions table, what the
// sessions extracted live.
type Extraction struct {
	ID          int64     `json:"id"`
	CampaignID  int64     `json:"campaign_id"`
	Adapter     string    `json:"adapter"`
	AdapterHash string    `json:"adapter_hash"`
	AdapterSpec []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	// FinishedAt is nil for an extraction that was interrupted: analysis
	// refuses it.
	FinishedAt *time.Time `json:"finished_at"`
	Sessions   int        `json:"sessions"`
	Bodies     int        `json:"bodies"`
	Items      int        `json:"items"`
}

// ErrExtractionUnfinished means an extraction was interrupted before it
// finished: its rows are incomplete and analysis does not read them.
var ErrExtractionUnfinished = errors.New("extraction did not finish")

// SessionEvidence lists the session's evidence files of the given kinds
// (none: every kind), in chain order, which for `response` rows is the
// order the bodies finished loading. Safe for concurrent use.
func (db *DB) SessionEvidence(ctx context.Context, sessionID int64, kinds ...string) ([]EvidenceFile, error) {
	q := `SELECT id, campaign_id, session_id, seq, kind, reason, at, file, size, content_hash, hash FROM evidence
		WHERE session_id = ? AND file IS NOT NULL`
	args := []any{sessionID}
	if len(kinds) > 0 {
		q += " AND kind IN (?" + repeatPlaceholders(len(kinds)-1) + ")"
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	q += " ORDER BY seq, id"
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("evidence of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var out []EvidenceFile
	for rows.Next() {
		var f EvidenceFile
		var at int64
		if err := rows.Scan(&f.ID, &f.CampaignID, &f.SessionID, &f.Seq, &f.Kind, &f.Reason, &at, &f.File, &f.Size, &f.ContentHash, &f.Hash); err != nil {
			return nil, fmt.Errorf("evidence of session %d: %w", sessionID, err)
		}
		f.At = time.UnixMilli(at).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("evidence of session %d: %w", sessionID, err)
	}
	return out, nil
}

func repeatPlaceholders(n int) string {
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, ",?"...)
	}
	return string(b)
}

// ReadEvidence reads an evidence file and checks it against the chain: a
// file whose SHA-256 or size differs from its row is refused (verify names
// it), so nothing is ever extracted from altered evidence.
func (s *EvidenceStore) ReadEvidence(f EvidenceFile) ([]byte, error) {
	path := filepath.Join(s.dir, filepath.FromSlash(f.File))
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evidence row %d: %w", f.ID, err)
	}
	if got := sha256Hex(data); got != f.ContentHash || int64(len(data)) != f.Size {
		return nil, fmt.Errorf("evidence row %d (%s): file %s was altered: sha256 %s, the chain says %s", f.ID, f.Kind, path, short(got), short(f.ContentHash))
	}
	return data, nil
}

// RawImpression is an impression of an extraction, with the item's JSON as
// the platform sent it (nil for an item read from the page).
type RawImpression = feed.RawImpression

// CreateExtraction records the start of an extraction of campaign
// ex.CampaignID (Adapter, AdapterHash and AdapterSpec set) and returns it
// with its id. It returns an error wrapping ErrNotFound for an unknown
// campaign and ErrReadOnly on a read-only database.
func (db *DB) CreateExtraction(ctx context.Context, ex Extraction) (Extraction, error) {
	if err := db.writable("create extraction"); err != nil {
		return ex, err
	}
	if ex.Adapter == "" || ex.AdapterHash == "" {
		return ex, errors.New("create extraction: adapter name and hash are required")
	}
	var n int
	if err := db.w.QueryRowContext(ctx, "SELECT count(*) FROM campaigns WHERE id = ?", ex.CampaignID).Scan(&n); err != nil {
		return ex, fmt.Errorf("create extraction: %w", err)
	}
	if n == 0 {
		return ex, fmt.Errorf("create extraction: campaign %d: %w", ex.CampaignID, ErrNotFound)
	}
	ex.CreatedAt = time.UnixMilli(db.now().UnixMilli()).UTC()
	err := db.w.QueryRowContext(ctx, `INSERT INTO extractions (campaign_id, adapter, adapter_hash, adapter_spec, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, ex.CampaignID, ex.Adapter, ex.AdapterHash, string(ex.AdapterSpec), ex.CreatedAt.UnixMilli()).Scan(&ex.ID)
	if err != nil {
		return ex, fmt.Errorf("create extraction: %w", err)
	}
	return ex, nil
}

// SaveExtractionSession stores one session's impressions of an unfinished
// extraction in one transaction, and counts the bodies read. A session given
// twice is an error (its ranks are taken).
func (db *DB) SaveExtractionSession(ctx context.Context, extractionID, sessionID int64, bodies int, imps []RawImpression) error {
	if err := db.writable("save extraction"); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save extraction %d session %d: %w", extractionID, sessionID, err)
	}
	defer tx.Rollback()
	var platform string
	var finished sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT c.platform, e.finished_at FROM extractions e JOIN campaigns c ON c.id = e.campaign_id
		JOIN sessions s ON s.campaign_id = c.id WHERE e.id = ? AND s.id = ?`, extractionID, sessionID).Scan(&platform, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("save extraction %d session %d: no such extraction, or the session is of another campaign: %w", extractionID, sessionID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("save extraction %d session %d: %w", extractionID, sessionID, err)
	}
	if finished.Valid {
		return fmt.Errorf("save extraction %d session %d: the extraction is finished", extractionID, sessionID)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO extraction_impressions (extraction_id, session_id, rank, platform,
		item_id, seen_at, surface, title, author, url, topic, sponsored, synthetic, price, price_text, source,
		displayed_at, served_rank, displayed_rank, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("save extraction %d session %d: %w", extractionID, sessionID, err)
	}
	defer stmt.Close()
	for _, im := range imps {
		if im.ID == "" || im.Rank < 1 {
			return fmt.Errorf("save extraction %d session %d: impression at %s rank %d: an id and a rank of 1 or more are required", extractionID, sessionID, im.Surface, im.Rank)
		}
		var price any
		if im.PriceText != "" {
			price = im.Price
		}
		var raw any
		if im.Raw != nil {
			raw = string(im.Raw)
		}
		if _, err := stmt.ExecContext(ctx, extractionID, sessionID, im.Rank, platform, im.ID, millis(im.SeenAt), im.Surface,
			im.Title, im.Author, im.URL, im.Topic, im.Sponsored, im.Synthetic, price, nullString(im.PriceText), im.Source,
			displayedMillis(im.DisplayedAt), nullRank(im.ServedRank), nullRank(im.DisplayedRank), raw); err != nil {
			return fmt.Errorf("save extraction %d session %d: %s rank %d: %w", extractionID, sessionID, im.Surface, im.Rank, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE extractions SET sessions = sessions + 1, bodies = bodies + ?, items = items + ? WHERE id = ?",
		bodies, len(imps), extractionID); err != nil {
		return fmt.Errorf("save extraction %d session %d: %w", extractionID, sessionID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save extraction %d session %d: %w", extractionID, sessionID, err)
	}
	return nil
}

// FinishExtraction marks an extraction finished, so analysis may read it,
// and seals its rows into the campaign's hash chain (verify then names any
// row changed later).
func (db *DB) FinishExtraction(ctx context.Context, extractionID int64) (Extraction, error) {
	if err := db.writable("finish extraction"); err != nil {
		return Extraction{}, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return Extraction{}, fmt.Errorf("finish extraction %d: %w", extractionID, err)
	}
	defer tx.Rollback()
	var campaignID int64
	if err := tx.QueryRowContext(ctx, "UPDATE extractions SET finished_at = ? WHERE id = ? AND finished_at IS NULL RETURNING campaign_id",
		db.now().UnixMilli(), extractionID).Scan(&campaignID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Extraction{}, fmt.Errorf("finish extraction %d: none unfinished: %w", extractionID, ErrNotFound)
		}
		return Extraction{}, fmt.Errorf("finish extraction %d: %w", extractionID, err)
	}
	if err := db.sealOwnTx(ctx, tx, campaignID, fmt.Sprintf("extraction %d", extractionID)); err != nil {
		return Extraction{}, fmt.Errorf("finish extraction %d: %w", extractionID, err)
	}
	if err := tx.Commit(); err != nil {
		return Extraction{}, fmt.Errorf("finish extraction %d: %w", extractionID, err)
	}
	return db.ExtractionByID(ctx, extractionID)
}

// AbandonExtraction deletes an unfinished extraction and its rows (a
// re-extraction that failed half-way). A finished one is refused: it is
// sealed. Unfinished extractions are never sealed nor read by analysis.
func (db *DB) AbandonExtraction(ctx context.Context, extractionID int64) error {
	if err := db.writable("abandon extraction"); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("abandon extraction %d: %w", extractionID, err)
	}
	defer tx.Rollback()
	var finished sql.NullInt64
	err = tx.QueryRowContext(ctx, "SELECT finished_at FROM extractions WHERE id = ?", extractionID).Scan(&finished)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("abandon extraction %d: %w", extractionID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("abandon extraction %d: %w", extractionID, err)
	}
	if finished.Valid {
		return fmt.Errorf("abandon extraction %d: it is finished and sealed", extractionID)
	}
	for _, q := range []string{"DELETE FROM extraction_impressions WHERE extraction_id = ?", "DELETE FROM extractions WHERE id = ?"} {
		if _, err := tx.ExecContext(ctx, q, extractionID); err != nil {
			return fmt.Errorf("abandon extraction %d: %w", extractionID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("abandon extraction %d: %w", extractionID, err)
	}
	return nil
}

const extractionCols = `id, campaign_id, adapter, adapter_hash, adapter_spec, created_at, finished_at, sessions, bodies, items`

func scanExtraction(r rowScanner) (Extraction, error) {
	var ex Extraction
	var spec string
	var created int64
	var finished sql.NullInt64
	if err := r.Scan(&ex.ID, &ex.CampaignID, &ex.Adapter, &ex.AdapterHash, &spec, &created, &finished, &ex.Sessions, &ex.Bodies, &ex.Items); err != nil {
		return ex, err
	}
	ex.AdapterSpec = []byte(spec)
	ex.CreatedAt = time.UnixMilli(created).UTC()
	if finished.Valid {
		t := time.UnixMilli(finished.Int64).UTC()
		ex.FinishedAt = &t
	}
	return ex, nil
}

// ExtractionByID returns an extraction; ErrNotFound when there is none.
func (db *DB) ExtractionByID(ctx context.Context, id int64) (Extraction, error) {
	ex, err := scanExtraction(db.r.QueryRowContext(ctx, "SELECT "+extractionCols+" FROM extractions WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ex, fmt.Errorf("extraction %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ex, fmt.Errorf("extraction %d: %w", id, err)
	}
	return ex, nil
}

// Extractions lists a campaign's extractions, oldest first.
func (db *DB) Extractions(ctx context.Context, campaignID int64) ([]Extraction, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+extractionCols+" FROM extractions WHERE campaign_id = ? ORDER BY id", campaignID)
	if err != nil {
		return nil, fmt.Errorf("extractions of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []Extraction
	for rows.Next() {
		ex, err := scanExtraction(rows)
		if err != nil {
			return nil, fmt.Errorf("extractions of campaign %d: %w", campaignID, err)
		}
		out = append(out, ex)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("extractions of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// ReadingExtraction returns a view of db whose impression reads
// (EachSessionImpressions, EachImpression, SessionImpressions and so
// Analyze) read extraction id of campaign campaignID instead of the
// impressions table; id 0 returns db itself. The view shares db's
// connections, is read-only, and must not be closed (close db). It returns
// ErrNotFound for an extraction of another campaign and
// ErrExtractionUnfinished for one that was interrupted.
func (db *DB) ReadingExtraction(ctx context.Context, campaignID, id int64) (*DB, error) {
	if id == 0 {
		return db, nil
	}
	ex, err := db.ExtractionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if ex.CampaignID != campaignID {
		return nil, fmt.Errorf("extraction %d is of campaign %d, not %d: %w", id, ex.CampaignID, campaignID, ErrNotFound)
	}
	if ex.FinishedAt == nil {
		return nil, fmt.Errorf("extraction %d: %w (run reextract again)", id, ErrExtractionUnfinished)
	}
	return &DB{w: db.r, r: db.r, uri: db.uri, readOnly: true, now: db.now, extraction: id}, nil
}

// impressionsFrom is the table (or subquery) impression reads use: the
// impressions table, or the rows of the extraction the view reads.
func (db *DB) impressionsFrom() string {
	if db.extraction == 0 {
		return "impressions"
	}
	return fmt.Sprintf("(SELECT * FROM extraction_impressions WHERE extraction_id = %d)", db.extraction)
}
