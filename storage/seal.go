package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// EvidenceSeal is the kind of a chain row that seals a campaign's rows: its
// detail holds, per sealed table, the hash of every row added or changed
// since the campaign's previous seal and "" for every row deleted since.
const EvidenceSeal = "seal"

// Problem kinds for sealed rows (see sealedTables).
const (
	ProblemSealedChanged = "sealed row changed"
	ProblemSealedMissing = "sealed row deleted"
	ProblemSealedAdded   = "row not sealed"
	ProblemNotSealed     = "campaign not sealed"
)

// sealTable is one table a seal covers: scope says which rows belong to a
// campaign; query selects key column(s) first, then every stored column.
type sealTable struct {
	name string
	// platform tables (items, labels) are shared by every campaign of a
	// platform; verify checks them against the platform's newest seal.
	platform bool
	query    string
	// keyCols is how many leading columns make the row's key.
	keyCols int
	// ofSession, when set, selects the same columns for only the rows a
	// session's start or finish writes (?2 is the platform, ?3 the
	// session): the session's row, and the items its impressions upserted.
	ofSession string
}

// Column lists of the tables sealed at a session's start and finish.
const (
	sessionSealCols = `id, campaign_id, persona_id, seq, attempt, status, planned_at, started_at,
		finished_at, error, items`
	itemSealCols = `platform, item_id, title, author, url, topic, first_seen_at, last_seen_at`
)

// sealedTables are the tables a seal covers besides impressions and actions,
// which session digests cover, and the evidence table, which its own hash
// chain covers. The column lists are explicit, so a later migration that
// adds a column does not change old rows' hashes.
var sealedTables = []sealTable{
	{name: "campaigns", keyCols: 1, query: `SELECT id, name, platform, base_url, spec, spec_hash, created_at
		FROM campaigns WHERE id = ?1`},
	{name: "personas", keyCols: 1, query: `SELECT id, campaign_id, name, role, spec FROM personas WHERE campaign_id = ?1`},
	{name: "sessions", keyCols: 1, query: `SELECT ` + sessionSealCols + ` FROM sessions WHERE campaign_id = ?1`,
		ofSession: `SELECT ` + sessionSealCols + ` FROM sessions WHERE id = ?3`},
	{name: "extractions", keyCols: 1, query: `SELECT id, campaign_id, adapter, adapter_hash, adapter_spec, created_at,
		finished_at, sessions, bodies, items FROM extractions WHERE campaign_id = ?1 AND finished_at IS NOT NULL`},
	{name: "extraction_impressions", keyCols: 4, query: `SELECT extraction_id, session_id, surface, rank, platform,
		item_id, seen_at, title, author, url, topic, sponsored, synthetic, price, price_text, source, displayed_at,
		served_rank, displayed_rank, raw FROM extraction_impressions
		WHERE extraction_id IN (SELECT id FROM extractions WHERE campaign_id = ?1 AND finished_at IS NOT NULL)`},
	{name: "session_egress", keyCols: 1, query: `SELECT e.session_id, e.ip, e.echo, e.at FROM session_egress e
		JOIN sessions s ON s.id = e.session_id WHERE s.campaign_id = ?1`,
		ofSession: `SELECT session_id, ip, echo, at FROM session_egress WHERE session_id = ?3`},
	{name: "items", platform: true, keyCols: 2, query: `SELECT ` + itemSealCols + ` FROM items WHERE platform = ?2`,
		ofSession: `SELECT ` + itemSealCols + ` FROM items WHERE platform = ?2
			AND item_id IN (SELECT item_id FROM impressions WHERE session_id = ?3)`},
	{name: "labels", platform: true, keyCols: 1, query: `SELECT id, platform, item_id, category, value, source,
		source_version, annotator, created_at FROM labels WHERE platform = ?2`},
}

// sealState is, per table, the hash of every row by key.
type sealState map[string]map[string]string

// sealDetail is the detail of a seal row.
type sealDetail struct {
	// Tables holds, per table, key -> row hash; "" means the row was
	// deleted since the previous seal.
	Tables map[string]map[string]string `json:"tables"`
}

// rowKey encodes a row's key columns so that no two keys collide: one
// column is written as is (ids), several are length-prefixed.
func rowKey(vals []any, n int) string {
	if n == 1 {
		return keyPart(vals[0])
	}
	var b strings.Builder
	for i := range n {
		s := keyPart(vals[i])
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

func keyPart(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// showKey turns a stored key back into words for a problem message.
func showKey(table, key string) string {
	cols := map[string]string{"items": "(platform, item_id)", "extraction_impressions": "(extraction_id, session_id, surface, rank)"}[table]
	if cols == "" {
		return "id " + key
	}
	var parts []string
	for rest := key; rest != ""; {
		n, after, ok := strings.Cut(rest, ":")
		l, err := strconv.Atoi(n)
		if !ok || err != nil || l > len(after) {
			return strconv.Quote(key)
		}
		parts = append(parts, strconv.Quote(after[:l]))
		rest = after[l:]
	}
	return cols + " = (" + strings.Join(parts, ", ") + ")"
}

// currentState hashes every row a seal of the campaign covers, as stored
// now; without platformToo, only the campaign's own tables.
func currentState(ctx context.Context, q queryer, campaignID int64, platform string, platformToo bool) (sealState, error) {
	st := sealState{}
	for _, t := range sealedTables {
		if t.platform && !platformToo {
			continue
		}
		rows := map[string]string{}
		err := eachRawRow(ctx, q, t.query, []any{campaignID, platform}, func(vals []any) error {
			rows[rowKey(vals, t.keyCols)] = hashValues(t.name, vals)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("hash %s: %w", t.name, err)
		}
		st[t.name] = rows
	}
	return st, nil
}

// replaySeals rebuilds what the campaign's seals record of its own tables
// (not items and labels: see replayPlatform), applying them in chain order,
// and returns it with the evidence id of the last seal (0 when there is
// none). Rows whose detail is not valid JSON are skipped here; verify
// reports them.
func replaySeals(ctx context.Context, q queryer, campaignID int64) (sealState, int64, error) {
	st, last, err := replay(ctx, q, false, "SELECT id, detail FROM evidence WHERE campaign_id = ? AND kind = ? ORDER BY seq, id",
		campaignID, EvidenceSeal)
	if err != nil {
		return nil, 0, fmt.Errorf("read seals of campaign %d: %w", campaignID, err)
	}
	return st, last, nil
}

// replayPlatform rebuilds what the seals of every campaign of the platform
// record of its items and labels, applying them in the order they were
// appended: a session's seal records the items it wrote in its own
// campaign's chain, so the platform's catalogue is the sum of all of them.
func replayPlatform(ctx context.Context, q queryer, platform string) (sealState, error) {
	st, _, err := replay(ctx, q, true, `SELECT id, detail FROM evidence WHERE kind = ?
		AND campaign_id IN (SELECT id FROM campaigns WHERE platform = ?) ORDER BY id`, EvidenceSeal, platform)
	if err != nil {
		return nil, fmt.Errorf("read seals of platform %s: %w", platform, err)
	}
	return st, nil
}

// replay applies the seal rows the query selects (id, detail), keeping the
// platform tables or the campaign's own ones.
func replay(ctx context.Context, q queryer, platform bool, query string, args ...any) (sealState, int64, error) {
	st := sealState{}
	for _, t := range sealedTables {
		if t.platform == platform {
			st[t.name] = map[string]string{}
		}
	}
	var last int64
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var detail sql.NullString
		if err := rows.Scan(&id, &detail); err != nil {
			return nil, 0, err
		}
		var d sealDetail
		if json.Unmarshal([]byte(detail.String), &d) != nil {
			continue
		}
		last = id
		applyDelta(st, d.Tables, platform)
	}
	return st, last, rows.Err()
}

// isPlatformTable says whether a sealed table is shared by a platform's
// campaigns (items, labels).
func isPlatformTable(name string) bool {
	for _, t := range sealedTables {
		if t.name == name {
			return t.platform
		}
	}
	return false
}

// applyDelta applies a seal's per-table delta to st, only to the platform
// tables or only to the campaign's own ones.
func applyDelta(st sealState, delta map[string]map[string]string, platform bool) {
	for table, rows := range delta {
		if isPlatformTable(table) != platform {
			continue
		}
		m := st[table]
		if m == nil {
			m = map[string]string{}
			st[table] = m
		}
		for k, h := range rows {
			if h == "" {
				delete(m, k)
			} else {
				m[k] = h
			}
		}
	}
}

// diffState returns, per table of now, the entries of now that differ from
// was, and "" for keys of was that now lacks.
func diffState(was, now sealState) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, t := range sealedTables {
		if _, ok := now[t.name]; !ok {
			continue
		}
		d := map[string]string{}
		for k, h := range now[t.name] {
			if was[t.name][k] != h {
				d[k] = h
			}
		}
		for k := range was[t.name] {
			if _, ok := now[t.name][k]; !ok {
				d[k] = ""
			}
		}
		if len(d) > 0 {
			out[t.name] = d
		}
	}
	return out
}

// sealTx seals a campaign inside tx: it appends a session digest for every
// finished (done, failed, blocked or interrupted) session of the campaign
// that has none, then a seal row recording every campaign, persona,
// session, item and label row that changed since the previous seal. A seal
// with nothing to record is not appended, except the campaign's first. Its
// cost grows with the campaign and its platform's catalogue: storage calls
// it only for rare changes; a session's start and finish seal only the rows
// they wrote (sealSessionTx).
func (db *DB) sealTx(ctx context.Context, tx *sql.Tx, campaignID int64, reason string) error {
	return db.sealScopeTx(ctx, tx, campaignID, reason, true)
}

// sealOwnTx is sealTx for a change that touches only the campaign's own
// rows (a persona, planned sessions): it leaves out the platform's items and
// labels, which cost the most to hash.
func (db *DB) sealOwnTx(ctx context.Context, tx *sql.Tx, campaignID int64, reason string) error {
	return db.sealScopeTx(ctx, tx, campaignID, reason, false)
}

func (db *DB) sealScopeTx(ctx context.Context, tx *sql.Tx, campaignID int64, reason string, platformToo bool) error {
	var platform string
	if err := tx.QueryRowContext(ctx, "SELECT platform FROM campaigns WHERE id = ?", campaignID).Scan(&platform); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("seal campaign %d: %w", campaignID, ErrNotFound)
		}
		return fmt.Errorf("seal campaign %d: %w", campaignID, err)
	}
	now := db.now().UnixMilli()
	var todo []int64
	err := eachRawRow(ctx, tx, `SELECT s.id FROM sessions s WHERE s.campaign_id = ? AND s.status NOT IN ('planned', 'running')
		AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.session_id = s.id AND e.kind = ?) ORDER BY s.id`,
		[]any{campaignID, EvidenceSessionDigest}, func(vals []any) error {
			todo = append(todo, vals[0].(int64))
			return nil
		})
	if err != nil {
		return fmt.Errorf("seal campaign %d: %w", campaignID, err)
	}
	for _, sid := range todo {
		if err := digestTx(ctx, tx, campaignID, sid, now); err != nil {
			return err
		}
	}
	was, last, err := db.ownState(ctx, tx, campaignID)
	if err != nil {
		return err
	}
	platformToo = platformToo || last == 0
	cur, err := currentState(ctx, tx, campaignID, platform, platformToo)
	if err != nil {
		return fmt.Errorf("seal campaign %d: %w", campaignID, err)
	}
	all := sealState{}
	for name, rows := range was {
		all[name] = rows
	}
	var wasPlat sealState
	if platformToo {
		if wasPlat, err = db.platformState(ctx, tx, platform); err != nil {
			return err
		}
		for name, rows := range wasPlat {
			all[name] = rows
		}
	}
	delta := diffState(all, cur)
	if len(delta) == 0 && last != 0 {
		return nil
	}
	return db.appendSealTx(ctx, tx, campaignID, platform, reason, now, delta, was, wasPlat)
}

// digestTx appends the digest of one finished session to its campaign's
// chain.
func digestTx(ctx context.Context, tx *sql.Tx, campaignID, sid, now int64) error {
	var status string
	if err := tx.QueryRowContext(ctx, "SELECT status FROM sessions WHERE id = ?", sid).Scan(&status); err != nil {
		return fmt.Errorf("seal session %d: %w", sid, err)
	}
	d, err := digestSession(ctx, tx, sid)
	if err != nil {
		return err
	}
	detail, err := jsonString(d)
	if err != nil {
		return err
	}
	row := evidenceRow{
		SessionID: sql.NullInt64{Int64: sid, Valid: true},
		Kind:      EvidenceSessionDigest, Reason: "session " + status, At: now,
		Size: int64(len(detail)), Detail: sql.NullString{String: detail, Valid: true},
		ContentHash: sha256Hex([]byte(detail)),
	}
	if err := appendEvidenceTx(ctx, tx, campaignID, &row); err != nil {
		return fmt.Errorf("seal session %d: %w", sid, err)
	}
	return nil
}

// appendSealTx appends a seal row with delta to the campaign's chain and
// keeps the cached states up to date: own and plat are what the seals
// recorded before this one (of the campaign's own tables and of the
// platform's), or nil to take them from the cache when it is current.
func (db *DB) appendSealTx(ctx context.Context, tx *sql.Tx, campaignID int64, platform, reason string, now int64,
	delta map[string]map[string]string, own, plat sealState) error {
	ownHead, platHead, err := sealHeads(ctx, tx, campaignID, platform)
	if err != nil {
		return err
	}
	if own == nil {
		own, _ = db.seals.get(ownKey(campaignID), ownHead)
	}
	if plat == nil {
		plat, _ = db.seals.get(platKey(platform), platHead)
	}
	b, err := json.Marshal(sealDetail{Tables: delta})
	if err != nil {
		return err
	}
	detail := string(b)
	row := evidenceRow{
		Kind: EvidenceSeal, Reason: reason, At: now,
		Size: int64(len(detail)), Detail: sql.NullString{String: detail, Valid: true},
		ContentHash: sha256Hex(b),
	}
	if err := appendEvidenceTx(ctx, tx, campaignID, &row); err != nil {
		return fmt.Errorf("seal campaign %d: %w", campaignID, err)
	}
	// Keyed by the new row's hash: should tx roll back, no row has that
	// hash and the entries are not used again.
	if own != nil {
		applyDelta(own, delta, false)
		db.seals.put(ownKey(campaignID), row.Hash, own)
	}
	if plat != nil {
		applyDelta(plat, delta, true)
		db.seals.put(platKey(platform), row.Hash, plat)
	}
	return nil
}

// sealSessionTx seals what a session's start or finish wrote, inside tx:
// the session's row and, once it has finished, its digest and the items its
// impressions upserted. The cost is that of the session's own rows, however
// large its campaign: every other row was sealed by the operation that
// wrote it.
func (db *DB) sealSessionTx(ctx context.Context, tx *sql.Tx, sessionID int64, reason string) error {
	var campaignID int64
	var platform, status string
	err := tx.QueryRowContext(ctx, `SELECT s.campaign_id, c.platform, s.status FROM sessions s
		JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = ?`, sessionID).Scan(&campaignID, &platform, &status)
	if err != nil {
		return fmt.Errorf("seal session %d: %w", sessionID, err)
	}
	finished := status != StatusPlanned && status != StatusRunning
	if db.sealWhole {
		return db.sealScopeTx(ctx, tx, campaignID, reason, finished)
	}
	now := db.now().UnixMilli()
	if finished {
		var has bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM evidence WHERE session_id = ? AND kind = ?)",
			sessionID, EvidenceSessionDigest).Scan(&has); err != nil {
			return fmt.Errorf("seal session %d: %w", sessionID, err)
		}
		if !has {
			if err := digestTx(ctx, tx, campaignID, sessionID, now); err != nil {
				return err
			}
		}
	}
	delta := map[string]map[string]string{}
	for _, t := range sealedTables {
		if t.ofSession == "" || (t.platform && !finished) {
			continue
		}
		rows := map[string]string{}
		err := eachRawRow(ctx, tx, t.ofSession, []any{campaignID, platform, sessionID}, func(vals []any) error {
			rows[rowKey(vals, t.keyCols)] = hashValues(t.name, vals)
			return nil
		})
		if err != nil {
			return fmt.Errorf("seal session %d: hash %s: %w", sessionID, t.name, err)
		}
		if len(rows) > 0 {
			delta[t.name] = rows
		}
	}
	return db.appendSealTx(ctx, tx, campaignID, platform, reason, now, delta, nil, nil)
}

// sealCache keeps the state the last seal of a campaign records of its own
// tables, and the state the last seal of a platform records of its items
// and labels, each keyed by that seal row's hash, so that a seal need not
// replay the chains. A seal whose transaction rolled back leaves an entry
// whose hash is in no row, which is then not used.
type sealCache struct {
	mu sync.Mutex
	m  map[string]cachedSeal
}

type cachedSeal struct {
	hash string
	st   sealState
}

func ownKey(campaignID int64) string { return "campaign " + strconv.FormatInt(campaignID, 10) }
func platKey(platform string) string { return "platform " + platform }

func (c *sealCache) put(key, hash string, st sealState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedSeal{}
	}
	c.m[key] = cachedSeal{hash, st}
}

func (c *sealCache) get(key, hash string) (sealState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || hash == "" || e.hash != hash {
		return nil, false
	}
	return e.st, true
}

// sealHeads returns the hash of the campaign's last seal row and of its
// platform's ("" for none).
func sealHeads(ctx context.Context, tx *sql.Tx, campaignID int64, platform string) (own, plat string, err error) {
	err = tx.QueryRowContext(ctx, "SELECT hash FROM evidence WHERE campaign_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1",
		campaignID, EvidenceSeal).Scan(&own)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("read seals of campaign %d: %w", campaignID, err)
	}
	// NOT INDEXED: walk the table from its newest row, which stops at the
	// first seal of the platform instead of collecting every one.
	err = tx.QueryRowContext(ctx, `SELECT hash FROM evidence NOT INDEXED WHERE kind = ?
		AND campaign_id IN (SELECT id FROM campaigns WHERE platform = ?) ORDER BY id DESC LIMIT 1`,
		EvidenceSeal, platform).Scan(&plat)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("read seals of platform %s: %w", platform, err)
	}
	return own, plat, nil
}

// ownState returns what the campaign's seals record of its own tables and
// the evidence id of its last seal (0 for none), from the cache when it is
// current.
func (db *DB) ownState(ctx context.Context, tx *sql.Tx, campaignID int64) (sealState, int64, error) {
	var id int64
	var hash string
	err := tx.QueryRowContext(ctx, "SELECT id, hash FROM evidence WHERE campaign_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1",
		campaignID, EvidenceSeal).Scan(&id, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("read seals of campaign %d: %w", campaignID, err)
	}
	if st, ok := db.seals.get(ownKey(campaignID), hash); ok {
		return st, id, nil
	}
	return replaySeals(ctx, tx, campaignID)
}

// platformState returns what the seals of the platform's campaigns record
// of its items and labels, from the cache when it is current.
func (db *DB) platformState(ctx context.Context, tx *sql.Tx, platform string) (sealState, error) {
	_, head, err := sealHeads(ctx, tx, 0, platform)
	if err != nil {
		return nil, err
	}
	if st, ok := db.seals.get(platKey(platform), head); ok {
		return st, nil
	}
	return replayPlatform(ctx, tx, platform)
}

// Seal seals the campaign's rows into its evidence chain now (see sealTx);
// storage already seals at every point it changes them (campaign and
// persona creation, planning, a session's end, recovery, labels, import,
// merge), so a caller needs it only after writing by other means.
func (db *DB) Seal(ctx context.Context, campaignID int64, reason string) error {
	if err := db.writable("seal campaign"); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seal campaign %d: %w", campaignID, err)
	}
	defer tx.Rollback()
	if err := db.sealTx(ctx, tx, campaignID, reason); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seal campaign %d: %w", campaignID, err)
	}
	return nil
}

// sealPlatformTx seals the newest campaign of the platform, whose seal then
// covers the platform's items and labels (verify checks those against the
// platform's newest seal). A platform with no campaign has nothing to seal.
func (db *DB) sealPlatformTx(ctx context.Context, tx *sql.Tx, platform, reason string) error {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM campaigns WHERE platform = ? ORDER BY id DESC LIMIT 1", platform).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("seal platform %s: %w", platform, err)
	}
	return db.sealTx(ctx, tx, id, reason)
}

// sealAllTx seals every campaign that has no seal yet: run once when a
// database is upgraded to the schema that seals (version 6).
func (db *DB) sealAllTx(ctx context.Context, tx *sql.Tx, reason string) error {
	var ids []int64
	err := eachRawRow(ctx, tx, `SELECT c.id FROM campaigns c WHERE NOT EXISTS
		(SELECT 1 FROM evidence e WHERE e.campaign_id = c.id AND e.kind = ?) ORDER BY c.id`, []any{EvidenceSeal},
		func(vals []any) error {
			ids = append(ids, vals[0].(int64))
			return nil
		})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := db.sealTx(ctx, tx, id, reason); err != nil {
			return err
		}
	}
	return nil
}

// verifySeals compares the rows stored now with what the seals record. Each
// campaign's own tables are compared with its replayed seals; the items and
// labels of a platform with the seals of all the platform's campaigns
// replayed in the order they were appended, once per platform (problems
// there are reported under the campaign sealed most recently).
func (s *EvidenceStore) verifySeals(ctx context.Context, camps []Campaign, campaignID int64, v *Verification) error {
	type replayed struct {
		st   sealState
		last int64
	}
	all := map[int64]replayed{}
	newest := map[string]int64{} // platform -> campaign id of its newest seal
	for _, c := range camps {
		st, last, err := replaySeals(ctx, s.db.r, c.ID)
		if err != nil {
			return err
		}
		all[c.ID] = replayed{st, last}
		if cur, ok := newest[c.Platform]; last != 0 && (!ok || last > all[cur].last) {
			newest[c.Platform] = c.ID
		}
	}
	for _, c := range camps {
		if campaignID != 0 && c.ID != campaignID {
			continue
		}
		rp := all[c.ID]
		if rp.last == 0 {
			v.Problems = append(v.Problems, Problem{Kind: ProblemNotSealed, CampaignID: c.ID, Table: "campaigns", Key: "id " + strconv.FormatInt(c.ID, 10),
				Msg: "its evidence chain has no seal: the evidence table was emptied or cut, so none of its rows can be checked"})
			continue
		}
		platformToo := newest[c.Platform] == c.ID
		cur, err := currentState(ctx, s.db.r, c.ID, c.Platform, platformToo)
		if err != nil {
			return fmt.Errorf("verify campaign %d: %w", c.ID, err)
		}
		sealed := rp.st
		if platformToo {
			plat, err := replayPlatform(ctx, s.db.r, c.Platform)
			if err != nil {
				return err
			}
			for name, rows := range plat {
				sealed[name] = rows
			}
		}
		for _, t := range sealedTables {
			if t.platform && !platformToo {
				continue
			}
			compareTable(c.ID, t.name, sealed[t.name], cur[t.name], v)
		}
	}
	return nil
}

// compareTable reports every row of one table that differs from its seal.
func compareTable(campaignID int64, table string, sealed, now map[string]string, v *Verification) {
	var keys []string
	for k := range sealed {
		keys = append(keys, k)
	}
	for k := range now {
		if _, ok := sealed[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.ParseInt(keys[i], 10, 64)
		b, errB := strconv.ParseInt(keys[j], 10, 64)
		if errA == nil && errB == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		want, sealedOK := sealed[k]
		got, nowOK := now[k]
		p := Problem{CampaignID: campaignID, Table: table, Key: showKey(table, k)}
		switch {
		case !nowOK:
			p.Kind, p.Msg = ProblemSealedMissing, fmt.Sprintf("%s row %s was sealed and is gone", table, p.Key)
		case !sealedOK:
			p.Kind, p.Msg = ProblemSealedAdded, fmt.Sprintf("%s row %s is in no seal: inserted after the last seal", table, p.Key)
		case want != got:
			p.Kind, p.Msg = ProblemSealedChanged, fmt.Sprintf("%s row %s differs from its sealed hash", table, p.Key)
		default:
			continue
		}
		v.Problems = append(v.Problems, p)
	}
}
