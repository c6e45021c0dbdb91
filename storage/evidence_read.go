package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrEvidenceAltered means an evidence file's bytes no longer hash to the
// SHA-256 its row records.
var ErrEvidenceAltered = errors.New("evidence file does not match its row")

// EvidenceFile is one file row of a campaign's evidence chain: what was
// kept, of which session, when and why (for a response: "METHOD URL"), with
// the SHA-256 of the file's bytes (ContentHash) and the row's own hash in
// the chain (Hash). SessionEvidence and Screenshot return it; a field a
// listing does not read is zero.
type EvidenceFile struct {
	ID          int64     `json:"id"`
	CampaignID  int64     `json:"campaign_id"`
	SessionID   int64     `json:"session_id"`
	Seq         int64     `json:"seq"` // position in the campaign's chain
	Kind        string    `json:"kind"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
	Size        int64     `json:"size"`
	ContentHash string    `json:"content_hash"`
	Hash        string    `json:"hash,omitempty"`
	// File is the file's path inside the evidence folder.
	File string `json:"file"`
}

// ReadFile returns the bytes of f from the evidence folder, after checking
// that they hash to f.ContentHash (an error wrapping ErrEvidenceAltered
// otherwise).
func (s *EvidenceStore) ReadFile(f EvidenceFile) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(f.File)))
	if err != nil {
		return nil, fmt.Errorf("evidence row %d of campaign %d: %w", f.Seq, f.CampaignID, err)
	}
	if sum := sha256Hex(b); sum != f.ContentHash {
		return nil, fmt.Errorf("evidence row %d of campaign %d: file %s hashes to %s, row says %s: %w",
			f.Seq, f.CampaignID, f.File, short(sum), short(f.ContentHash), ErrEvidenceAltered)
	}
	return b, nil
}

// Head returns the hash of the last row of campaignID's evidence chain and
// how many rows the chain has; "" and 0 for a campaign without evidence.
// Verify checks the chain the head stands for.
func (s *EvidenceStore) Head(ctx context.Context, campaignID int64) (string, int, error) {
	var head sql.NullString
	var n int
	err := s.db.r.QueryRowContext(ctx, `SELECT (SELECT hash FROM evidence WHERE campaign_id = ?1 ORDER BY seq DESC LIMIT 1),
		(SELECT count(*) FROM evidence WHERE campaign_id = ?1)`, campaignID).Scan(&head, &n)
	if err != nil {
		return "", 0, fmt.Errorf("evidence head of campaign %d: %w", campaignID, err)
	}
	return head.String, n, nil
}

// Screenshot returns the screenshot that shows what persona (by name) of
// campaignID saw in session seq at surface and rank: of the screenshots
// of that session (any attempt that stored the impression), the first
// taken at or after the impression was seen, else the last one taken. It
// reports false when the session kept no screenshot.
func (s *EvidenceStore) Screenshot(ctx context.Context, campaignID int64, persona string, seq int, surface string, rank int) (EvidenceFile, bool, error) {
	var seen sql.NullInt64
	var sessionID int64
	err := s.db.r.QueryRowContext(ctx, `SELECT i.session_id, i.seen_at FROM impressions i
		JOIN sessions s ON s.id = i.session_id JOIN personas p ON p.id = s.persona_id
		WHERE s.campaign_id = ? AND p.name = ? AND s.seq = ? AND i.surface = ? AND i.rank = ?
		ORDER BY s.attempt DESC LIMIT 1`, campaignID, persona, seq, surface, rank).Scan(&sessionID, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return EvidenceFile{}, false, nil
	}
	if err != nil {
		return EvidenceFile{}, false, fmt.Errorf("screenshot of %s session %d: %w", persona, seq, err)
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT campaign_id, session_id, seq, kind, reason, at, size, content_hash, hash, file
		FROM evidence WHERE session_id = ? AND kind = ? AND file IS NOT NULL ORDER BY seq`, sessionID, EvidenceScreenshot)
	if err != nil {
		return EvidenceFile{}, false, fmt.Errorf("screenshot of %s session %d: %w", persona, seq, err)
	}
	defer rows.Close()
	var all []EvidenceFile
	for rows.Next() {
		var f EvidenceFile
		var at int64
		if err := rows.Scan(&f.CampaignID, &f.SessionID, &f.Seq, &f.Kind, &f.Reason, &at, &f.Size, &f.ContentHash, &f.Hash, &f.File); err != nil {
			return EvidenceFile{}, false, fmt.Errorf("screenshot of %s session %d: %w", persona, seq, err)
		}
		f.At = time.UnixMilli(at).UTC()
		all = append(all, f)
	}
	if err := rows.Err(); err != nil {
		return EvidenceFile{}, false, fmt.Errorf("screenshot of %s session %d: %w", persona, seq, err)
	}
	if len(all) == 0 {
		return EvidenceFile{}, false, nil
	}
	if seen.Valid {
		for _, f := range all {
			if f.At.UnixMilli() >= seen.Int64 {
				return f, true, nil
			}
		}
	}
	return all[len(all)-1], true, nil
}
