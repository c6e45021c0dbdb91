package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// Evidence kinds, as stored in evidence.kind.
const (
	EvidenceScreenshot    = "screenshot"
	EvidenceHTML          = "html"
	EvidenceSessionDigest = "session_digest"
	// EvidenceResponse is a raw response body a capture rule matched
	// (feed.EvidenceResponse).
	EvidenceResponse = feed.EvidenceResponse
)

// chainVersion prefixes every hashed record, so that a future change of the
// encoding cannot be confused with this one.
const chainVersion = "feedprobe-evidence/1"

// EvidenceDir returns the evidence folder of the database at dbPath: the
// path with "-evidence" appended (feedprobe.db -> feedprobe.db-evidence),
// beside the database as SQLite's own -wal and -shm files are.
func EvidenceDir(dbPath string) string { return dbPath + "-evidence" }

// EvidenceStore keeps a campaign's evidence: files named by their SHA-256 in
// a folder beside the database, and one row per file in the evidence table,
// each row a link of a hash chain per campaign. It satisfies
// probe.EvidenceSink and is safe for concurrent use (rows are appended
// through the database's one writer connection).
type EvidenceStore struct {
	db  *DB
	dir string
}

// NewEvidenceStore returns the evidence store of db whose files live in dir
// (normally EvidenceDir of the database path). The folder is created on the
// first save.
func NewEvidenceStore(db *DB, dir string) *EvidenceStore {
	return &EvidenceStore{db: db, dir: dir}
}

// Dir returns the evidence folder.
func (s *EvidenceStore) Dir() string { return s.dir }

// evidenceRow is one link of a chain, as stored.
type evidenceRow struct {
	ID          int64
	CampaignID  int64
	SessionID   sql.NullInt64
	Seq         int64
	Kind        string
	Reason      string
	At          int64
	File        sql.NullString
	Size        int64
	Detail      sql.NullString
	ContentHash string
	PrevHash    string
	Hash        string
}

// rowHash is the hash a row must carry: SHA-256 over its fields (not id and
// not detail, which content_hash covers), content_hash and prev_hash, each
// field length-prefixed so that no two rows encode alike.
func (r evidenceRow) rowHash() string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field(chainVersion)
	field(strconv.FormatInt(r.CampaignID, 10))
	if r.SessionID.Valid {
		field(strconv.FormatInt(r.SessionID.Int64, 10))
	} else {
		field("")
	}
	field(strconv.FormatInt(r.Seq, 10))
	field(r.Kind)
	field(r.Reason)
	field(strconv.FormatInt(r.At, 10))
	if r.File.Valid {
		field("f" + r.File.String)
	} else {
		field("")
	}
	field(strconv.FormatInt(r.Size, 10))
	field(r.ContentHash)
	field(r.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// evidenceExt is the file extension of a kind of evidence.
func evidenceExt(kind string) string {
	switch kind {
	case EvidenceScreenshot:
		return ".png"
	case EvidenceHTML:
		return ".html"
	case EvidenceResponse:
		return ".body"
	}
	return ".bin"
}

// SaveEvidence writes ev's data to the evidence folder under its SHA-256
// name (a file with that name already there is kept: it holds the same
// bytes) and appends a row to the chain of the session's campaign. It
// returns an error wrapping ErrNotFound for an unknown session and
// ErrReadOnly on a read-only database. Cancelling ctx aborts the append; the
// file may stay behind, and verify reports it as not in any row.
func (s *EvidenceStore) SaveEvidence(ctx context.Context, sessionID int64, ev feed.Evidence) error {
	if err := s.db.writable("save evidence"); err != nil {
		return err
	}
	if ev.Kind == "" || ev.Kind == EvidenceSessionDigest {
		return fmt.Errorf("save evidence of session %d: kind %q is not a file kind", sessionID, ev.Kind)
	}
	sum := sha256Hex(ev.Data)
	rel := sum[:2] + "/" + sum + evidenceExt(ev.Kind)
	if err := s.writeFile(rel, ev.Data); err != nil {
		return fmt.Errorf("save evidence of session %d: %w", sessionID, err)
	}
	at := ev.At
	if at.IsZero() {
		at = s.db.now()
	}
	row := evidenceRow{
		SessionID: sql.NullInt64{Int64: sessionID, Valid: true},
		Kind:      ev.Kind, Reason: ev.Reason, At: at.UnixMilli(),
		File: sql.NullString{String: rel, Valid: true}, Size: int64(len(ev.Data)),
		ContentHash: sum,
	}
	if err := s.appendRow(ctx, sessionID, func(*sql.Tx) (evidenceRow, bool, error) { return row, true, nil }); err != nil {
		return fmt.Errorf("save evidence of session %d: %w", sessionID, err)
	}
	return nil
}

// writeFile stores data at rel inside the evidence folder, atomically
// (temporary file, fsync, rename) and read-only.
func (s *EvidenceStore) writeFile(rel string, data []byte) error {
	path := filepath.Join(s.dir, filepath.FromSlash(rel))
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o444); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// appendRow appends the row that build returns to the chain of the
// session's campaign, in one write transaction: it fills in campaign, seq,
// prev_hash and hash. build sees the transaction (to read what it digests)
// and may return false to append nothing.
func (s *EvidenceStore) appendRow(ctx context.Context, sessionID int64, build func(*sql.Tx) (evidenceRow, bool, error)) error {
	tx, err := s.db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var campaignID int64
	err = tx.QueryRowContext(ctx, "SELECT campaign_id FROM sessions WHERE id = ?", sessionID).Scan(&campaignID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("session %d: %w", sessionID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	row, ok, err := build(tx)
	if err != nil || !ok {
		return err
	}
	var last sql.NullInt64
	var prev sql.NullString
	err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM evidence WHERE campaign_id = ? ORDER BY seq DESC LIMIT 1", campaignID).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	row.CampaignID, row.Seq, row.PrevHash = campaignID, last.Int64+1, prev.String
	row.Hash = row.rowHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO evidence
		(campaign_id, session_id, seq, kind, reason, at, file, size, detail, content_hash, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		row.CampaignID, row.SessionID, row.Seq, row.Kind, row.Reason, row.At, row.File, row.Size, row.Detail,
		row.ContentHash, row.PrevHash, row.Hash)
	if err != nil {
		return err
	}
	return tx.Commit()
}

// sessionDigest is the detail of a session_digest row: a hash per
// impression and per action of the session, so that verify can name the row
// that changed.
type sessionDigest struct {
	Impressions []digestImpression `json:"impressions"`
	Actions     []digestAction     `json:"actions"`
}

type digestImpression struct {
	Surface string `json:"surface"`
	Rank    int64  `json:"rank"`
	Hash    string `json:"hash"`
}

type digestAction struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// queryer is what reading a digest needs: a transaction or a pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// digestSession reads a session's impressions and actions and hashes each
// row over every stored column (128 bits of SHA-256 each).
func digestSession(ctx context.Context, q queryer, sessionID int64) (sessionDigest, error) {
	d := sessionDigest{Impressions: []digestImpression{}, Actions: []digestAction{}}
	// The capture columns (0007), raw (0011) and beside_item_id (0012)
	// join the hash only when set, so that the digests of sessions stored
	// before them still verify.
	err := eachRawRow(ctx, q, `SELECT surface, rank, session_id, platform, item_id, seen_at, title, topic,
		sponsored, synthetic, price, price_text, source, displayed_at, served_rank, displayed_rank, raw, beside_item_id
		FROM impressions WHERE session_id = ? ORDER BY surface, rank`,
		[]any{sessionID}, func(vals []any) error {
			surface, _ := vals[0].(string)
			rank, _ := vals[1].(int64)
			capture, raw, beside := vals[12:16], vals[16], vals[17]
			vals = vals[:12]
			if src, _ := capture[0].(string); src != "" || capture[1] != nil || capture[2] != nil || capture[3] != nil || raw != nil || beside != nil {
				vals = append(vals, capture...)
			}
			if raw != nil || beside != nil {
				vals = append(vals, raw) // NULL when only beside_item_id is set, so the two cannot be confused
			}
			if beside != nil {
				vals = append(vals, beside)
			}
			d.Impressions = append(d.Impressions, digestImpression{Surface: surface, Rank: rank, Hash: hashValues("impression", vals)})
			return nil
		})
	if err != nil {
		return d, fmt.Errorf("digest impressions of session %d: %w", sessionID, err)
	}
	err = eachRawRow(ctx, q, `SELECT id, session_id, item_id, kind, at, value, detail FROM actions
		WHERE session_id = ? ORDER BY id`, []any{sessionID}, func(vals []any) error {
		id, _ := vals[0].(int64)
		d.Actions = append(d.Actions, digestAction{ID: id, Hash: hashValues("action", vals)})
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("digest actions of session %d: %w", sessionID, err)
	}
	return d, nil
}

// eachRawRow calls fn with the raw values of every row of the query.
func eachRawRow(ctx context.Context, q queryer, query string, args []any, fn func([]any) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// hashValues hashes typed values: NULL, integers, reals, text and blobs all
// encode differently, so a changed type is a changed row.
func hashValues(tag string, vals []any) string {
	b := make([]byte, 0, 256)
	b = append(b, chainVersion...)
	b = append(b, '/')
	b = append(b, tag...)
	b = append(b, ';')
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, "n;"...)
		case int64:
			b = append(b, 'i')
			b = strconv.AppendInt(b, v, 10)
			b = append(b, ';')
		case float64:
			b = append(b, 'f')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, ';')
		case string:
			b = append(b, 's')
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
			b = append(b, ';')
		case []byte:
			b = append(b, 'b')
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
			b = append(b, ';')
		case bool:
			b = append(b, 't')
			b = strconv.AppendBool(b, v)
			b = append(b, ';')
		case time.Time:
			b = append(b, 'd')
			b = strconv.AppendInt(b, v.UnixNano(), 10)
			b = append(b, ';')
		default:
			b = fmt.Appendf(b, "?%v;", v)
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// SealSession appends the digest of a finished session's impressions and
// actions to its campaign's chain. A session already sealed is left as it
// is (nil error); a session that is planned or running is refused with an
// error wrapping ErrSessionState, an unknown one with ErrNotFound.
func (s *EvidenceStore) SealSession(ctx context.Context, sessionID int64) error {
	if err := s.db.writable("seal session"); err != nil {
		return err
	}
	err := s.appendRow(ctx, sessionID, func(tx *sql.Tx) (evidenceRow, bool, error) {
		var status string
		if err := tx.QueryRowContext(ctx, "SELECT status FROM sessions WHERE id = ?", sessionID).Scan(&status); err != nil {
			return evidenceRow{}, false, err
		}
		if status == StatusPlanned || status == StatusRunning {
			return evidenceRow{}, false, fmt.Errorf("status is %s: %w", status, ErrSessionState)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM evidence WHERE session_id = ? AND kind = ?", sessionID, EvidenceSessionDigest).Scan(&n); err != nil {
			return evidenceRow{}, false, err
		}
		if n > 0 {
			return evidenceRow{}, false, nil
		}
		d, err := digestSession(ctx, tx, sessionID)
		if err != nil {
			return evidenceRow{}, false, err
		}
		detail, err := json.Marshal(d)
		if err != nil {
			return evidenceRow{}, false, err
		}
		return evidenceRow{
			SessionID: sql.NullInt64{Int64: sessionID, Valid: true},
			Kind:      EvidenceSessionDigest, Reason: "session " + status, At: s.db.now().UnixMilli(),
			Size: int64(len(detail)), Detail: sql.NullString{String: string(detail), Valid: true},
			ContentHash: sha256Hex(detail),
		}, true, nil
	})
	if err != nil {
		return fmt.Errorf("seal session %d: %w", sessionID, err)
	}
	return nil
}

// Problem kinds of a verification.
const (
	ProblemFileMissing       = "file missing"
	ProblemFileAltered       = "file altered"
	ProblemRowChanged        = "row changed"
	ProblemChainBroken       = "chain broken"
	ProblemImpressionChanged = "impression changed"
	ProblemImpressionMissing = "impression missing"
	ProblemImpressionAdded   = "impression added"
	ProblemActionChanged     = "action changed"
	ProblemActionMissing     = "action missing"
	ProblemActionAdded       = "action added"
)

// Problem is one thing verification found wrong.
type Problem struct {
	Kind       string `json:"kind"`
	CampaignID int64  `json:"campaign_id"`
	EvidenceID int64  `json:"evidence_id,omitempty"` // the evidence row concerned
	SessionID  int64  `json:"session_id,omitempty"`
	Table      string `json:"table,omitempty"` // the sealed table concerned
	Key        string `json:"key,omitempty"`   // the row of Table concerned
	Path       string `json:"path,omitempty"`  // the file concerned
	Msg        string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: campaign %d", p.Kind, p.CampaignID)
	if p.EvidenceID != 0 {
		fmt.Fprintf(&b, ", evidence row %d", p.EvidenceID)
	}
	if p.SessionID != 0 {
		fmt.Fprintf(&b, ", session %d", p.SessionID)
	}
	if p.Table != "" {
		fmt.Fprintf(&b, ", table %s %s", p.Table, p.Key)
	}
	if p.Path != "" {
		fmt.Fprintf(&b, ", %s", p.Path)
	}
	if p.Msg != "" {
		fmt.Fprintf(&b, ": %s", p.Msg)
	}
	return b.String()
}

// ChainSummary is one campaign's chain as verified.
type ChainSummary struct {
	CampaignID int64  `json:"campaign_id"`
	Campaign   string `json:"campaign"`
	Rows       int    `json:"rows"`
	Files      int    `json:"files"`
	Sessions   int    `json:"sessions_sealed"`
	Seals      int    `json:"seals"`
	// Head is the hash of the chain's last row. Written down elsewhere (a
	// report, a signed e-mail), it also proves that no row was cut off the
	// end later.
	Head string `json:"head"`
}

// Verification is what Verify found.
type Verification struct {
	Chains   []ChainSummary `json:"chains"`
	Problems []Problem      `json:"problems"`
	// Warnings are findings that do not by themselves show tampering:
	// finished sessions without a digest (run before evidence was kept, or
	// imported) and files in the folder that no row names (a crash between
	// writing a file and its row, or a row removed from the end).
	Warnings []string `json:"warnings"`
}

// OK reports whether verification found no problem.
func (v Verification) OK() bool { return len(v.Problems) == 0 }

// Verify re-hashes every evidence file and row of the campaign (0: every
// campaign), re-computes every sealed session's digest from the impressions
// and actions stored now, and reports each file missing or altered, each row
// changed and each break of a chain. The returned error is reserved for
// failures to read; what was found is in the Verification. It works on a
// read-only database. Cancelling ctx stops it.
func (s *EvidenceStore) Verify(ctx context.Context, campaignID int64) (Verification, error) {
	v := Verification{Chains: []ChainSummary{}, Problems: []Problem{}, Warnings: []string{}}
	camps, err := s.db.Campaigns(ctx)
	if err != nil {
		return v, err
	}
	referenced := map[string]bool{}
	for _, c := range camps {
		if campaignID != 0 && c.ID != campaignID {
			continue
		}
		sum, err := s.verifyChain(ctx, c, &v, referenced)
		if err != nil {
			return v, err
		}
		v.Chains = append(v.Chains, sum)
		if err := s.unsealed(ctx, c.ID, &v); err != nil {
			return v, err
		}
	}
	if err := s.verifySeals(ctx, camps, campaignID, &v); err != nil {
		return v, err
	}
	if campaignID == 0 {
		if err := s.goneCampaigns(ctx, &v); err != nil {
			return v, err
		}
	}
	if campaignID == 0 {
		s.orphans(referenced, &v)
	}
	return v, nil
}

func (s *EvidenceStore) verifyChain(ctx context.Context, c Campaign, v *Verification, referenced map[string]bool) (ChainSummary, error) {
	sum := ChainSummary{CampaignID: c.ID, Campaign: c.Name}
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, campaign_id, session_id, seq, kind, reason, at, file, size, detail,
		content_hash, prev_hash, hash FROM evidence WHERE campaign_id = ? ORDER BY seq, id`, c.ID)
	if err != nil {
		return sum, fmt.Errorf("verify campaign %d: %w", c.ID, err)
	}
	var chain []evidenceRow
	for rows.Next() {
		var r evidenceRow
		if err := rows.Scan(&r.ID, &r.CampaignID, &r.SessionID, &r.Seq, &r.Kind, &r.Reason, &r.At, &r.File, &r.Size,
			&r.Detail, &r.ContentHash, &r.PrevHash, &r.Hash); err != nil {
			rows.Close()
			return sum, fmt.Errorf("verify campaign %d: %w", c.ID, err)
		}
		chain = append(chain, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("verify campaign %d: %w", c.ID, err)
	}
	add := func(p Problem) {
		p.CampaignID = c.ID
		if p.Table == "" && p.Path == "" {
			p.Table, p.Key = "evidence", "id "+strconv.FormatInt(p.EvidenceID, 10)
		}
		v.Problems = append(v.Problems, p)
	}
	prevHash := ""
	for i, r := range chain {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		sum.Rows++
		if r.Seq != int64(i+1) {
			add(Problem{Kind: ProblemChainBroken, EvidenceID: r.ID, Msg: fmt.Sprintf("row has seq %d where %d was expected: rows were removed or renumbered", r.Seq, i+1)})
		}
		if r.PrevHash != prevHash {
			add(Problem{Kind: ProblemChainBroken, EvidenceID: r.ID, Msg: fmt.Sprintf("seq %d: prev_hash %s does not match the hash %s of the row before it", r.Seq, short(r.PrevHash), short(prevHash))})
		}
		if got := r.rowHash(); got != r.Hash {
			add(Problem{Kind: ProblemRowChanged, EvidenceID: r.ID, SessionID: r.SessionID.Int64, Msg: fmt.Sprintf("seq %d (%s): its fields hash to %s, the row says %s", r.Seq, r.Kind, short(got), short(r.Hash))})
		}
		prevHash = r.Hash
		switch {
		case r.Kind == EvidenceSeal:
			sum.Seals++
			if got := sha256Hex([]byte(r.Detail.String)); got != r.ContentHash {
				add(Problem{Kind: ProblemRowChanged, EvidenceID: r.ID, Msg: fmt.Sprintf("seq %d: the seal's detail hashes to %s, the row says %s", r.Seq, short(got), short(r.ContentHash))})
			} else if json.Unmarshal([]byte(r.Detail.String), &sealDetail{}) != nil {
				add(Problem{Kind: ProblemRowChanged, EvidenceID: r.ID, Msg: fmt.Sprintf("seq %d: unreadable seal", r.Seq)})
			}
		case r.Kind == EvidenceSessionDigest:
			sum.Sessions++
			if err := s.verifyDigest(ctx, r, add); err != nil {
				return sum, err
			}
		case r.File.Valid:
			sum.Files++
			referenced[r.File.String] = true
			s.verifyFile(r, add)
		default:
			add(Problem{Kind: ProblemRowChanged, EvidenceID: r.ID, Msg: fmt.Sprintf("seq %d: a %s row without a file", r.Seq, r.Kind)})
		}
	}
	sum.Head = prevHash
	return sum, nil
}

// impKeyString names an impression row by its primary key.
func impKeyString(sessionID int64, surface string, rank int64) string {
	return fmt.Sprintf("(session_id, surface, rank) = (%d, %q, %d)", sessionID, surface, rank)
}

func short(h string) string {
	if h == "" {
		return "(none)"
	}
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (s *EvidenceStore) verifyFile(r evidenceRow, add func(Problem)) {
	path := filepath.Join(s.dir, filepath.FromSlash(r.File.String))
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		add(Problem{Kind: ProblemFileMissing, EvidenceID: r.ID, SessionID: r.SessionID.Int64, Path: path, Msg: fmt.Sprintf("%s of %q", r.Kind, r.Reason)})
		return
	}
	if err != nil {
		add(Problem{Kind: ProblemFileMissing, EvidenceID: r.ID, SessionID: r.SessionID.Int64, Path: path, Msg: err.Error()})
		return
	}
	if got := sha256Hex(data); got != r.ContentHash || int64(len(data)) != r.Size {
		add(Problem{Kind: ProblemFileAltered, EvidenceID: r.ID, SessionID: r.SessionID.Int64, Path: path,
			Msg: fmt.Sprintf("%s of %q: sha256 %s, %d bytes; the chain says %s, %d bytes", r.Kind, r.Reason, short(got), len(data), short(r.ContentHash), r.Size)})
	}
}

func (s *EvidenceStore) verifyDigest(ctx context.Context, r evidenceRow, add func(Problem)) error {
	sid := r.SessionID.Int64
	if got := sha256Hex([]byte(r.Detail.String)); got != r.ContentHash {
		add(Problem{Kind: ProblemRowChanged, EvidenceID: r.ID, SessionID: sid, Msg: fmt.Sprintf("seq %d: the digest's detail hashes to %s, the row says %s", r.Seq, short(got), short(r.ContentHash))})
		return nil
	}
	var want sessionDigest
	if err := json.Unmarshal([]byte(r.Detail.String), &want); err != nil {
		add(Problem{Kind: ProblemRowChanged, EvidenceID: r.ID, SessionID: sid, Msg: fmt.Sprintf("seq %d: unreadable digest: %v", r.Seq, err)})
		return nil
	}
	got, err := digestSession(ctx, s.db.r, sid)
	if err != nil {
		return err
	}
	type impKey struct {
		surface string
		rank    int64
	}
	wantImp := map[impKey]string{}
	for _, d := range want.Impressions {
		wantImp[impKey{d.Surface, d.Rank}] = d.Hash
	}
	for _, d := range got.Impressions {
		k := impKey{d.Surface, d.Rank}
		h, ok := wantImp[k]
		delete(wantImp, k)
		switch {
		case !ok:
			add(Problem{Kind: ProblemImpressionAdded, EvidenceID: r.ID, SessionID: sid, Table: "impressions", Key: impKeyString(sid, d.Surface, d.Rank), Msg: fmt.Sprintf("%s rank %d was not in the session when it was sealed", d.Surface, d.Rank)})
		case h != d.Hash:
			add(Problem{Kind: ProblemImpressionChanged, EvidenceID: r.ID, SessionID: sid, Table: "impressions", Key: impKeyString(sid, d.Surface, d.Rank), Msg: fmt.Sprintf("%s rank %d differs from the sealed row", d.Surface, d.Rank)})
		}
	}
	var missing []impKey
	for k := range wantImp {
		missing = append(missing, k)
	}
	sort.Slice(missing, func(i, j int) bool {
		if missing[i].surface != missing[j].surface {
			return missing[i].surface < missing[j].surface
		}
		return missing[i].rank < missing[j].rank
	})
	for _, k := range missing {
		add(Problem{Kind: ProblemImpressionMissing, EvidenceID: r.ID, SessionID: sid, Table: "impressions", Key: impKeyString(sid, k.surface, k.rank), Msg: fmt.Sprintf("%s rank %d was deleted", k.surface, k.rank)})
	}
	wantAct := map[int64]string{}
	for _, d := range want.Actions {
		wantAct[d.ID] = d.Hash
	}
	for _, d := range got.Actions {
		h, ok := wantAct[d.ID]
		delete(wantAct, d.ID)
		switch {
		case !ok:
			add(Problem{Kind: ProblemActionAdded, EvidenceID: r.ID, SessionID: sid, Table: "actions", Key: "id " + strconv.FormatInt(d.ID, 10), Msg: fmt.Sprintf("action %d was not in the session when it was sealed", d.ID)})
		case h != d.Hash:
			add(Problem{Kind: ProblemActionChanged, EvidenceID: r.ID, SessionID: sid, Table: "actions", Key: "id " + strconv.FormatInt(d.ID, 10), Msg: fmt.Sprintf("action %d differs from the sealed row", d.ID)})
		}
	}
	var gone []int64
	for id := range wantAct {
		gone = append(gone, id)
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i] < gone[j] })
	for _, id := range gone {
		add(Problem{Kind: ProblemActionMissing, EvidenceID: r.ID, SessionID: sid, Table: "actions", Key: "id " + strconv.FormatInt(id, 10), Msg: fmt.Sprintf("action %d was deleted", id)})
	}
	return nil
}

// unsealed reports finished sessions of the campaign that have no digest
// (storage seals every session as it finishes, so their rows are unchecked:
// a digest was deleted or the session inserted) and warns about running
// ones, whose rows are sealed when they finish.
func (s *EvidenceStore) unsealed(ctx context.Context, campaignID int64, v *Verification) error {
	rows, err := s.db.r.QueryContext(ctx, `SELECT s.id FROM sessions s WHERE s.campaign_id = ?
		AND s.status NOT IN ('planned', 'running')
		AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.session_id = s.id AND e.kind = ?) ORDER BY s.id`,
		campaignID, EvidenceSessionDigest)
	if err != nil {
		return fmt.Errorf("verify campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("verify campaign %d: %w", campaignID, err)
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify campaign %d: %w", campaignID, err)
	}
	for _, id := range ids {
		sid, _ := strconv.ParseInt(id, 10, 64)
		v.Problems = append(v.Problems, Problem{Kind: ProblemSealedAdded, CampaignID: campaignID, SessionID: sid, Table: "impressions",
			Key: "session_id " + id, Msg: "a finished session's impressions and actions have no digest in the chain"})
	}
	return s.running(ctx, campaignID, v)
}

// goneCampaigns reports campaigns that have rows in the evidence table but
// are no longer in the campaigns table.
func (s *EvidenceStore) goneCampaigns(ctx context.Context, v *Verification) error {
	return eachRawRow(ctx, s.db.r, `SELECT DISTINCT campaign_id FROM evidence
		WHERE campaign_id NOT IN (SELECT id FROM campaigns) ORDER BY campaign_id`, nil, func(vals []any) error {
		id, _ := vals[0].(int64)
		key := strconv.FormatInt(id, 10)
		v.Problems = append(v.Problems, Problem{Kind: ProblemSealedMissing, CampaignID: id, Table: "campaigns", Key: "id " + key,
			Msg: "campaigns row id " + key + " has an evidence chain but is gone"})
		return nil
	})
}

// running warns about sessions still running: their impressions and actions
// are written after the last seal and cannot be checked yet.
func (s *EvidenceStore) running(ctx context.Context, campaignID int64, v *Verification) error {
	var ids []string
	err := eachRawRow(ctx, s.db.r, "SELECT id FROM sessions WHERE campaign_id = ? AND status = 'running' ORDER BY id",
		[]any{campaignID}, func(vals []any) error {
			ids = append(ids, strconv.FormatInt(vals[0].(int64), 10))
			return nil
		})
	if err != nil {
		return fmt.Errorf("verify campaign %d: %w", campaignID, err)
	}
	if len(ids) > 0 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("campaign %d: %d sessions are running; their rows are sealed when they finish (sessions %s)", campaignID, len(ids), strings.Join(ids, ", ")))
	}
	return nil
}

// orphans warns about files in the evidence folder that no row names.
func (s *EvidenceStore) orphans(referenced map[string]bool, v *Verification) {
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); !referenced[rel] {
			v.Warnings = append(v.Warnings, fmt.Sprintf("file %s is in the evidence folder but in no row", path))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		v.Warnings = append(v.Warnings, fmt.Sprintf("evidence folder %s: %v", s.dir, err))
	}
}
