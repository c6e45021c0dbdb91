package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrMergeMismatch means the databases given to Merge do not belong
// together: shards of different campaigns (or of one campaign name with
// different designs), different schema versions, or overlapping shards
// that both ran one persona.
var ErrMergeMismatch = errors.New("shards do not belong together")

// MergeShard is what Merge took from one shard.
type MergeShard struct {
	Path string `json:"path"`
	// Personas whose sessions came from this shard; Skipped were in the
	// output already, identical, from an earlier merge.
	Personas    int `json:"personas"`
	Skipped     int `json:"skipped"`
	Sessions    int `json:"sessions"`
	Impressions int `json:"impressions"`
	Actions     int `json:"actions"`
	Evidence    int `json:"evidence"`
	// Extractions counts the shard's finished re-extractions (feedprobe
	// reextract), which Merge does not copy: each covers only the shard's
	// personas, so the merged database is re-extracted as a whole.
	Extractions int `json:"extractions_not_copied"`
}

// MergeReport is what Merge did.
type MergeReport struct {
	Campaigns []string     `json:"campaigns"`
	Shards    []MergeShard `json:"shards"`
}

// Changed reports whether Merge wrote anything.
func (r MergeReport) Changed() bool {
	for _, s := range r.Shards {
		if s.Personas > 0 {
			return true
		}
	}
	return false
}

// Merge copies the campaigns of the shard databases (written by `feedprobe
// run --shard I/N`) into the database at out, which is created when
// missing. It is idempotent: a persona already in out with the same
// sessions is skipped, so merging the same shards again changes nothing.
//
// Before writing anything it checks that every shard has this binary's
// schema version and holds the same campaigns (same names and spec
// hashes) as every other shard and as out, that no persona ran in two
// shards, and that every shard's evidence chain verifies; a mismatch is an
// error wrapping ErrMergeMismatch that names the files.
//
// Sessions, impressions and actions get new ids in out. The evidence of a
// copied session is appended to out's chain of the campaign: files are
// copied into out's evidence folder (their SHA-256 is checked), and the
// session digests are recomputed over the copied rows, so `feedprobe
// verify` on out checks the merged data; each copied row's reason names
// the shard row (file, position, hash) it came from. Re-extractions are not
// copied (MergeShard.Extractions counts them): one covers only its shard's
// personas; re-extract the merged database instead. One persona is
// copied per transaction; cancelling ctx stops between personas, and a
// later Merge resumes.
func Merge(ctx context.Context, out string, shards []string) (MergeReport, error) {
	var rep MergeReport
	if len(shards) == 0 {
		return rep, errors.New("merge: no shard databases given")
	}
	migs, err := loadMigrations()
	if err != nil {
		return rep, err
	}
	outAbs, _ := filepath.Abs(out)
	seen := map[string]bool{}
	for _, s := range shards {
		abs, _ := filepath.Abs(s)
		if abs == outAbs {
			return rep, fmt.Errorf("merge: shard %s is the output database", s)
		}
		if seen[abs] {
			return rep, fmt.Errorf("merge: shard %s is given twice", s)
		}
		seen[abs] = true
	}
	// Schema versions first: a mismatch there makes every other check moot.
	for _, s := range shards {
		v, err := fileSchemaVersion(ctx, s)
		if err != nil {
			return rep, err
		}
		if v != len(migs) {
			return rep, fmt.Errorf("merge: shard %s has schema version %d, this feedprobe writes %d (open the shard once with a feedprobe of the output's version to upgrade it): %w",
				s, v, len(migs), ErrMergeMismatch)
		}
	}
	srcs := make([]*DB, 0, len(shards))
	defer func() {
		for _, db := range srcs {
			db.Close()
		}
	}()
	for _, s := range shards {
		db, err := OpenReadOnly(ctx, s)
		if err != nil {
			return rep, fmt.Errorf("merge: %w", err)
		}
		srcs = append(srcs, db)
	}
	camps, err := checkCampaigns(ctx, shards, srcs)
	if err != nil {
		return rep, err
	}
	owners, err := personaOwners(ctx, shards, srcs, camps)
	if err != nil {
		return rep, err
	}
	for i, db := range srcs {
		v, err := NewEvidenceStore(db, EvidenceDir(shards[i])).Verify(ctx, 0)
		if err != nil {
			return rep, fmt.Errorf("merge: verify evidence of %s: %w", shards[i], err)
		}
		if !v.OK() {
			var msgs []string
			for _, p := range v.Problems[:min(5, len(v.Problems))] {
				msgs = append(msgs, p.String())
			}
			return rep, fmt.Errorf("merge: the evidence chain of shard %s does not verify (%d problems: %s); run feedprobe verify on it",
				shards[i], len(v.Problems), strings.Join(msgs, "; "))
		}
	}
	dst, err := Open(ctx, out)
	if err != nil {
		return rep, fmt.Errorf("merge: %w", err)
	}
	defer dst.Close()
	for _, c := range camps {
		rep.Campaigns = append(rep.Campaigns, c.Name)
		have, err := dst.CampaignByName(ctx, c.Name)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return rep, fmt.Errorf("merge: %w", err)
		case have.SpecHash != c.SpecHash:
			return rep, fmt.Errorf("merge: %s already holds campaign %q with spec %s, the shards have spec %s: %w",
				out, c.Name, short(have.SpecHash), short(c.SpecHash), ErrMergeMismatch)
		}
	}
	m := merger{dst: dst, out: out, evidence: NewEvidenceStore(dst, EvidenceDir(out))}
	for i, s := range shards {
		ms := MergeShard{Path: s}
		if err := srcs[i].r.QueryRowContext(ctx, "SELECT count(*) FROM extractions WHERE finished_at IS NOT NULL").Scan(&ms.Extractions); err != nil {
			return rep, fmt.Errorf("merge %s: %w", s, err)
		}
		for _, c := range camps {
			for _, name := range owners[i][c.Name] {
				copied, err := m.persona(ctx, &ms, s, srcs[i], c, name)
				if err != nil {
					return rep, fmt.Errorf("merge %s: campaign %q: persona %s: %w", s, c.Name, name, err)
				}
				if copied {
					ms.Personas++
				} else {
					ms.Skipped++
				}
			}
		}
		rep.Shards = append(rep.Shards, ms)
	}
	if err := m.catalogue(ctx, shards); err != nil {
		return rep, err
	}
	for _, c := range camps {
		have, err := dst.CampaignByName(ctx, c.Name)
		if err != nil {
			return rep, fmt.Errorf("merge: %w", err)
		}
		if err := dst.Seal(ctx, have.ID, "merged"); err != nil {
			return rep, fmt.Errorf("merge: %w", err)
		}
	}
	return rep, nil
}

// fileSchemaVersion reads the schema version of an existing database file
// without changing it.
func fileSchemaVersion(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("merge: shard %w", err)
	}
	uri, err := fileURI(path)
	if err != nil {
		return 0, err
	}
	r, err := sql.Open("sqlite3", uri+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0, fmt.Errorf("merge: open %s: %w", path, err)
	}
	defer r.Close()
	v, err := schemaVersion(ctx, r)
	if err != nil {
		return 0, fmt.Errorf("merge: shard %s is not a feedprobe database: %w", path, err)
	}
	if v == 0 {
		return 0, fmt.Errorf("merge: shard %s is not a feedprobe database (schema version 0)", path)
	}
	return v, nil
}

// checkCampaigns returns the campaigns of the shards, which must all hold
// the same ones (by name and spec hash).
func checkCampaigns(ctx context.Context, paths []string, srcs []*DB) ([]Campaign, error) {
	var first []Campaign
	describe := func(cs []Campaign) string {
		var parts []string
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%q (spec %s)", c.Name, short(c.SpecHash)))
		}
		if len(parts) == 0 {
			return "no campaign"
		}
		return strings.Join(parts, ", ")
	}
	for i, db := range srcs {
		cs, err := db.Campaigns(ctx)
		if err != nil {
			return nil, fmt.Errorf("merge: read campaigns of %s: %w", paths[i], err)
		}
		slices.SortFunc(cs, func(a, b Campaign) int { return strings.Compare(a.Name, b.Name) })
		if i == 0 {
			if len(cs) == 0 {
				return nil, fmt.Errorf("merge: shard %s holds no campaign", paths[i])
			}
			first = cs
			continue
		}
		same := len(cs) == len(first)
		for j := 0; same && j < len(cs); j++ {
			same = cs[j].Name == first[j].Name && cs[j].SpecHash == first[j].SpecHash
		}
		if !same {
			return nil, fmt.Errorf("merge: shard %s holds %s but %s holds %s; merge only shards of one campaign run with one campaign file: %w",
				paths[i], describe(cs), paths[0], describe(first), ErrMergeMismatch)
		}
	}
	return first, nil
}

// personaOwners decides, per shard and campaign, the personas to take from
// that shard: a persona comes from the one shard where it has a session
// that was started; a persona that no shard started comes, as planned,
// from the first shard that lists it. Two shards that both started a
// persona overlap (run with different N, or one shard run twice).
func personaOwners(ctx context.Context, paths []string, srcs []*DB, camps []Campaign) ([]map[string][]string, error) {
	out := make([]map[string][]string, len(srcs))
	for i := range out {
		out[i] = map[string][]string{}
	}
	for _, c := range camps {
		ran := map[string]int{}
		listed := map[string]int{}
		var order []string
		for i, db := range srcs {
			rows, err := db.r.QueryContext(ctx, `SELECT p.name, EXISTS (SELECT 1 FROM sessions s WHERE s.persona_id = p.id AND s.status != 'planned')
				FROM personas p JOIN campaigns c ON c.id = p.campaign_id WHERE c.name = ? ORDER BY p.id`, c.Name)
			if err != nil {
				return nil, fmt.Errorf("merge: read personas of %s: %w", paths[i], err)
			}
			for rows.Next() {
				var name string
				var started bool
				if err := rows.Scan(&name, &started); err != nil {
					rows.Close()
					return nil, fmt.Errorf("merge: read personas of %s: %w", paths[i], err)
				}
				if _, ok := listed[name]; !ok {
					listed[name] = i
					order = append(order, name)
				}
				if started {
					if j, ok := ran[name]; ok {
						rows.Close()
						return nil, fmt.Errorf("merge: persona %s of campaign %q ran in both %s and %s; shards must come from one --shard I/N split with the same N: %w",
							name, c.Name, paths[j], paths[i], ErrMergeMismatch)
					}
					ran[name] = i
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("merge: read personas of %s: %w", paths[i], err)
			}
		}
		for _, name := range order {
			i, ok := ran[name]
			if !ok {
				i = listed[name]
			}
			out[i][c.Name] = append(out[i][c.Name], name)
		}
	}
	return out, nil
}

// merger writes into the output database.
type merger struct {
	dst      *DB
	out      string
	evidence *EvidenceStore
}

// sessionRow is a session as stored, for copying and comparing.
type sessionRow struct {
	ID                                int64
	Seq, Attempt                      int64
	Status                            string
	PlannedAt, StartedAt, FinishedAt  sql.NullInt64
	Error                             sql.NullString
	Items, Impressions, ActionsStored int64
}

func (a sessionRow) same(b sessionRow) bool {
	a.ID, b.ID = 0, 0
	return a == b
}

type queryRower interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// personaSessions reads a persona's sessions with their row counts, in
// seq, attempt order. prefix is "" or "src." for the attached shard.
func personaSessions(ctx context.Context, q queryRower, prefix string, personaID int64) ([]sessionRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.seq, s.attempt, s.status, s.planned_at, s.started_at, s.finished_at, s.error, s.items,
		(SELECT count(*) FROM `+prefix+`impressions i WHERE i.session_id = s.id),
		(SELECT count(*) FROM `+prefix+`actions a WHERE a.session_id = s.id)
		FROM `+prefix+`sessions s WHERE s.persona_id = ? ORDER BY s.seq, s.attempt`, personaID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sessionRow
	for rows.Next() {
		var s sessionRow
		if err := rows.Scan(&s.ID, &s.Seq, &s.Attempt, &s.Status, &s.PlannedAt, &s.StartedAt, &s.FinishedAt, &s.Error,
			&s.Items, &s.Impressions, &s.ActionsStored); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// persona copies one persona of campaign c from the shard at path (src)
// into the output, in one transaction. It returns false when the output
// holds the persona already with the same sessions.
func (m *merger) persona(ctx context.Context, ms *MergeShard, path string, src *DB, c Campaign, name string) (bool, error) {
	var srcPersona Persona
	err := src.r.QueryRowContext(ctx, `SELECT p.id, p.role, p.spec FROM personas p JOIN campaigns c ON c.id = p.campaign_id
		WHERE c.name = ? AND p.name = ?`, c.Name, name).Scan(&srcPersona.ID, &srcPersona.Role, &srcPersona.Spec)
	if err != nil {
		return false, err
	}
	want, err := personaSessions(ctx, src.r, "", srcPersona.ID)
	if err != nil {
		return false, err
	}
	// Copy evidence files first, outside the transaction: they are named by
	// their content, so a file copied by a merge that fails later is
	// harmless (verify lists it as in no row).
	evRows, err := m.shardEvidence(ctx, src, srcPersona.ID)
	if err != nil {
		return false, err
	}
	for _, r := range evRows {
		if r.File.Valid {
			if err := m.copyFile(path, r); err != nil {
				return false, err
			}
		}
	}

	conn, err := m.dst.w.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	uri, err := fileURI(path)
	if err != nil {
		return false, err
	}
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS src", uri+"?mode=ro"); err != nil {
		return false, fmt.Errorf("attach %s: %w", path, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE src")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()

	var campID int64
	err = tx.QueryRowContext(ctx, "SELECT id FROM campaigns WHERE name = ?", c.Name).Scan(&campID)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO campaigns (name, platform, base_url, spec, spec_hash, created_at)
			SELECT name, platform, base_url, spec, spec_hash, created_at FROM src.campaigns WHERE name = ? RETURNING id`, c.Name).Scan(&campID)
	}
	if err != nil {
		return false, fmt.Errorf("campaign: %w", err)
	}
	var dstPersona int64
	err = tx.QueryRowContext(ctx, "SELECT id FROM personas WHERE campaign_id = ? AND name = ?", campID, name).Scan(&dstPersona)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, "INSERT INTO personas (campaign_id, name, role, spec) VALUES (?, ?, ?, ?) RETURNING id",
			campID, name, srcPersona.Role, string(srcPersona.Spec)).Scan(&dstPersona)
		if err != nil {
			return false, err
		}
	case err != nil:
		return false, err
	default:
		have, err := personaSessions(ctx, tx, "", dstPersona)
		if err != nil {
			return false, err
		}
		if slices.EqualFunc(have, want, sessionRow.same) {
			return false, nil
		}
		planned := true
		for _, s := range have {
			planned = planned && s.Status == StatusPlanned
		}
		if !planned {
			return false, fmt.Errorf("%s holds it with other sessions than this shard (%d there, %d here; merged earlier from shards in another state?); merge into a new file: %w",
				m.out, len(have), len(want), ErrMergeMismatch)
		}
		// Only planned there (merged from a shard that did not run it):
		// replace the plan with what ran.
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE persona_id = ?", dstPersona); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO persona_state (persona_id, identity, updated_at)
		SELECT ?, identity, updated_at FROM src.persona_state WHERE persona_id = ?
		ON CONFLICT (persona_id) DO UPDATE SET identity = excluded.identity, updated_at = excluded.updated_at`, dstPersona, srcPersona.ID); err != nil {
		return false, fmt.Errorf("identity: %w", err)
	}
	idMap := map[int64]int64{}
	for _, s := range want {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO sessions (campaign_id, persona_id, seq, attempt, status, planned_at, started_at, finished_at, error, items)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			campID, dstPersona, s.Seq, s.Attempt, s.Status, s.PlannedAt, s.StartedAt, s.FinishedAt, s.Error, s.Items).Scan(&id)
		if err != nil {
			return false, fmt.Errorf("session %d: %w", s.Seq, err)
		}
		idMap[s.ID] = id
		res, err := tx.ExecContext(ctx, `INSERT INTO impressions (session_id, rank, platform, item_id, seen_at, surface, title, topic,
			sponsored, synthetic, price, price_text, source, displayed_at, served_rank, displayed_rank, raw, beside_item_id)
			SELECT ?, rank, platform, item_id, seen_at, surface, title, topic, sponsored, synthetic, price, price_text,
				source, displayed_at, served_rank, displayed_rank, raw, beside_item_id
			FROM src.impressions WHERE session_id = ?`, id, s.ID)
		if err != nil {
			return false, fmt.Errorf("impressions of session %d: %w", s.Seq, err)
		}
		n, _ := res.RowsAffected()
		ms.Impressions += int(n)
		res, err = tx.ExecContext(ctx, `INSERT INTO actions (session_id, item_id, kind, at, value, detail, unconfirmed)
			SELECT ?, item_id, kind, at, value, detail, unconfirmed FROM src.actions WHERE session_id = ? ORDER BY id`, id, s.ID)
		if err != nil {
			return false, fmt.Errorf("actions of session %d: %w", s.Seq, err)
		}
		n, _ = res.RowsAffected()
		ms.Actions += int(n)
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_egress (session_id, ip, echo, at)
			SELECT ?, ip, echo, at FROM src.session_egress WHERE session_id = ?`, id, s.ID); err != nil {
			return false, fmt.Errorf("egress of session %d: %w", s.Seq, err)
		}
		if err := storeRecords(ctx, tx, id); err != nil {
			return false, err
		}
		ms.Sessions++
	}
	base := filepath.Base(path)
	for _, r := range evRows {
		newSID := idMap[r.SessionID.Int64]
		row := evidenceRow{
			SessionID: sql.NullInt64{Int64: newSID, Valid: true},
			Kind:      r.Kind,
			Reason:    fmt.Sprintf("%s [merged from %s #%d %s]", r.Reason, base, r.Seq, short(r.Hash)),
			At:        r.At, File: r.File, Size: r.Size, ContentHash: r.ContentHash,
		}
		if r.Kind == EvidenceSessionDigest {
			// Recompute over the copied rows: their ids changed, nothing else.
			d, err := digestSession(ctx, tx, newSID)
			if err != nil {
				return false, err
			}
			detail, err := jsonString(d)
			if err != nil {
				return false, err
			}
			row.Detail = sql.NullString{String: detail, Valid: true}
			row.Size, row.ContentHash = int64(len(detail)), sha256Hex([]byte(detail))
		}
		if err := appendEvidenceTx(ctx, tx, campID, &row); err != nil {
			return false, fmt.Errorf("evidence: %w", err)
		}
		ms.Evidence++
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return true, nil
}

// shardEvidence returns the evidence rows of a shard persona's sessions, in
// chain order.
func (m *merger) shardEvidence(ctx context.Context, src *DB, personaID int64) ([]evidenceRow, error) {
	rows, err := src.r.QueryContext(ctx, `SELECT e.id, e.campaign_id, e.session_id, e.seq, e.kind, e.reason, e.at, e.file, e.size, e.detail,
		e.content_hash, e.prev_hash, e.hash FROM evidence e JOIN sessions s ON s.id = e.session_id
		WHERE s.persona_id = ? ORDER BY e.seq`, personaID)
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	defer rows.Close()
	var out []evidenceRow
	for rows.Next() {
		var r evidenceRow
		if err := rows.Scan(&r.ID, &r.CampaignID, &r.SessionID, &r.Seq, &r.Kind, &r.Reason, &r.At, &r.File, &r.Size,
			&r.Detail, &r.ContentHash, &r.PrevHash, &r.Hash); err != nil {
			return nil, fmt.Errorf("read evidence: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// copyFile copies an evidence file of the shard at path into the output's
// evidence folder, checking its SHA-256 against the row.
func (m *merger) copyFile(path string, r evidenceRow) error {
	from := filepath.Join(EvidenceDir(path), filepath.FromSlash(r.File.String))
	data, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("evidence file: %w", err)
	}
	if got := sha256Hex(data); got != r.ContentHash {
		return fmt.Errorf("evidence file %s: sha256 %s, the chain says %s", from, short(got), short(r.ContentHash))
	}
	if err := m.evidence.writeFile(r.File.String, data); err != nil {
		return fmt.Errorf("evidence file %s: %w", r.File.String, err)
	}
	return nil
}

// appendEvidenceTx appends row to the chain of the campaign inside tx,
// filling in campaign, seq, prev_hash and hash.
func appendEvidenceTx(ctx context.Context, tx *sql.Tx, campaignID int64, row *evidenceRow) error {
	var last sql.NullInt64
	var prev sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM evidence WHERE campaign_id = ? ORDER BY seq DESC LIMIT 1", campaignID).Scan(&last, &prev)
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
	return err
}

// catalogue merges the shards' items and labels: the catalogue keeps the
// earliest first sighting, the latest last one, and fills empty fields;
// labels are keyed by item, category, source, version and annotator.
func (m *merger) catalogue(ctx context.Context, paths []string) error {
	for _, path := range paths {
		err := func() error {
			conn, err := m.dst.w.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			uri, err := fileURI(path)
			if err != nil {
				return err
			}
			if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS src", uri+"?mode=ro"); err != nil {
				return fmt.Errorf("attach: %w", err)
			}
			defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE src")
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `INSERT INTO items (platform, item_id, title, author, url, topic, first_seen_at, last_seen_at)
				SELECT platform, item_id, title, author, url, topic, first_seen_at, last_seen_at FROM src.items WHERE true
				ON CONFLICT (platform, item_id) DO UPDATE SET
					title  = CASE WHEN items.title  = '' THEN excluded.title  ELSE items.title  END,
					author = CASE WHEN items.author = '' THEN excluded.author ELSE items.author END,
					url    = CASE WHEN items.url    = '' THEN excluded.url    ELSE items.url    END,
					topic  = CASE WHEN items.topic  = '' THEN excluded.topic  ELSE items.topic  END,
					first_seen_at = coalesce(min(items.first_seen_at, excluded.first_seen_at), items.first_seen_at, excluded.first_seen_at),
					last_seen_at  = coalesce(max(items.last_seen_at, excluded.last_seen_at), items.last_seen_at, excluded.last_seen_at)`); err != nil {
				return fmt.Errorf("items: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO labels (platform, item_id, category, value, source, source_version, annotator, created_at)
				SELECT platform, item_id, category, value, source, source_version, annotator, created_at FROM src.labels WHERE true
				ON CONFLICT (platform, item_id, category, source, source_version, annotator) DO UPDATE SET
					value = CASE WHEN excluded.created_at > labels.created_at THEN excluded.value ELSE labels.value END,
					created_at = max(labels.created_at, excluded.created_at)`); err != nil {
				return fmt.Errorf("labels: %w", err)
			}
			return tx.Commit()
		}()
		if err != nil {
			return fmt.Errorf("merge %s: catalogue: %w", path, err)
		}
	}
	return nil
}

// jsonString is the JSON of a session digest, as SealSession stores it.
func jsonString(d sessionDigest) (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
