package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// recordGroups reads the sessions' groups as the scan does, from the
// stored records (from "") or from the rows (from "impressions"), keyed
// "session/surface".
func recordGroups(tb testing.TB, db *DB, from string, ids []int64) map[string]surfaceRecord {
	tb.Helper()
	sc, err := openCScanner(db.uri)
	if err != nil {
		tb.Fatal(err)
	}
	defer sc.close()
	got := map[string]surfaceRecord{}
	add := func(id int64, g surfaceRecord) error {
		got[fmt.Sprintf("%d/%s", id, g.surface)] = surfaceRecord{surface: g.surface, n: g.n, rec: string([]byte(g.rec))}
		return nil
	}
	if from == "" {
		err = sc.readStored(context.Background(), ids, add)
	} else {
		err = sc.readRows(context.Background(), from, ids, add)
	}
	if err != nil {
		tb.Fatalf("read groups (%q): %v", from, err)
	}
	return got
}

func sessionIDs(ss []Session) []int64 {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func countRecords(tb testing.TB, db *DB, sessionID int64) int {
	tb.Helper()
	var n int
	if err := db.r.QueryRow("SELECT count(*) FROM impression_records WHERE session_id = ?", sessionID).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestImpressionRecordsMatchRows checks that the records a session gets
// when it is done (the trigger of migration 0014) are byte for byte what
// the scan's C loop makes of its rows, hostile texts included (NUL bytes,
// invalid UTF-8, separators), and that the scan reads them.
func TestImpressionRecordsMatchRows(t *testing.T) {
	db := mustOpenDB(t)
	f := mustScanFixture(t, db)
	ids := sessionIDs(f.done)
	stored := recordGroups(t, db, "", ids)
	rows := recordGroups(t, db, "impressions", ids)
	if len(rows) < 8 {
		t.Fatalf("fixture: %d (session, surface) groups, want at least 8", len(rows))
	}
	if !reflect.DeepEqual(stored, rows) {
		for k, r := range rows {
			if s, ok := stored[k]; !ok || s != r {
				t.Errorf("group %s: stored %d records %q..., rows give %d %q...", k, s.n, trunc(s.rec), r.n, trunc(r.rec))
			}
		}
		t.Fatalf("stored records (%d groups) differ from the rows' (%d groups)", len(stored), len(rows))
	}
	// Not done, not stored: running, failed and blocked sessions.
	var notDone int
	if err := db.r.QueryRow(`SELECT count(*) FROM impression_records r JOIN sessions s ON s.id = r.session_id
		WHERE s.status != 'done'`).Scan(&notDone); err != nil || notDone != 0 {
		t.Errorf("records of sessions that are not done: %d, %v; want 0", notDone, err)
	}
}

func trunc(s string) string { return s[:min(len(s), 60)] }

// TestImpressionRecordsFollowChanges changes done sessions' impressions by
// hand (SQL, as a researcher might) and checks that each change drops the
// session's records, that the scan then reads its rows, and that a mix of
// sessions with and without records scans as EachImpression reads.
func TestImpressionRecordsFollowChanges(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustScanFixture(t, db)
	check := func(step string) {
		t.Helper()
		want := mustEachImpression(t, db, f.campaign.ID)
		for _, opt := range []scanOptions{db.defaultScanOptions(), {chunkSessions: 1, chunkImpressions: 1 << 20, workers: 2}} {
			got, err := collect(ctx, db, f.campaign.ID, opt)
			if err != nil {
				t.Fatalf("%s: eachSessionImpressions: %v", step, err)
			}
			if !reflect.DeepEqual(got.rows, want) {
				t.Fatalf("%s: the scan (%d impressions) differs from EachImpression (%d)", step, len(got.rows), len(want))
			}
		}
	}
	check("as finished")
	a, b, c := f.done[0].ID, f.done[2].ID, f.done[4].ID
	for _, id := range []int64{a, b, c} {
		if countRecords(t, db, id) == 0 {
			t.Fatalf("session %d: no records after it was done", id)
		}
	}
	changes := []struct {
		name string
		id   int64
		sql  string
	}{
		{"an impression added", a, `INSERT INTO impressions (session_id, rank, platform, item_id, seen_at, surface, title, topic, sponsored, synthetic)
			VALUES (?, 99, 'simfeed', 'added', 5, 'feed', 'added by hand', 'news', 0, 0)`},
		{"a title changed", b, `UPDATE impressions SET title = 'changed by hand' WHERE session_id = ?1
			AND (surface, rank) = (SELECT surface, rank FROM impressions WHERE session_id = ?1 ORDER BY surface, rank LIMIT 1)`},
		{"an impression deleted", c, `DELETE FROM impressions WHERE session_id = ?1
			AND (surface, rank) = (SELECT surface, rank FROM impressions WHERE session_id = ?1 ORDER BY surface, rank LIMIT 1)`},
	}
	for _, ch := range changes {
		res, err := db.w.ExecContext(ctx, ch.sql, ch.id)
		if err != nil {
			t.Fatalf("%s: %v", ch.name, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows changed, want 1", ch.name, n)
		}
		if n := countRecords(t, db, ch.id); n != 0 {
			t.Errorf("%s: session %d keeps %d records, want them dropped", ch.name, ch.id, n)
		}
		check(ch.name)
	}
	// Becoming done again stores them again, as they now are.
	if _, err := db.w.ExecContext(ctx, "UPDATE sessions SET status = 'done' WHERE id = ?", a); err != nil {
		t.Fatal(err)
	}
	stored := recordGroups(t, db, "", []int64{a})
	if rows := recordGroups(t, db, "impressions", []int64{a}); len(stored) == 0 || !reflect.DeepEqual(stored, rows) {
		t.Errorf("records of session %d after it is done again = %d groups, want the rows' %d", a, len(stored), len(rows))
	}
}

// TestImpressionRecordsMigration opens a database of schema version 13
// holding done sessions (one without the 0014 table and triggers) and
// checks that the migration stores their records.
func TestImpressionRecordsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := mustOpenPath(t, path)
	f := mustScanFixture(t, db)
	ids := sessionIDs(f.done)
	want := recordGroups(t, db, "impressions", ids)
	if _, err := db.w.ExecContext(ctx, `DROP TABLE impression_records;
		DROP TRIGGER impression_records_done; DROP TRIGGER impression_records_stale_insert;
		DROP TRIGGER impression_records_stale_update; DROP TRIGGER impression_records_stale_delete;
		DROP TRIGGER impression_records_session_gone; PRAGMA user_version = 13`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpenPath(t, path)
	if got := recordGroups(t, db, "", ids); !reflect.DeepEqual(got, want) {
		t.Errorf("after the migration: %d groups stored, want the rows' %d", len(got), len(want))
	}
}

// TestImpressionRecordsImportAndMerge checks that sessions written done by
// Import and by Merge get their records.
func TestImpressionRecordsImportAndMerge(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	im := Import{
		Campaign: Campaign{Name: "imported", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"},
		Personas: []Persona{{Name: "a", Role: "test", Spec: []byte(`{}`)}},
	}
	for i, h := range hostileTexts() {
		im.Impressions = append(im.Impressions, ImportedImpression{Persona: "a", Session: 1 + i%2, Rank: 1 + i, Surface: "feed",
			ItemID: fmt.Sprint("item", i), Title: h, Topic: h, SeenAt: t0.Add(time.Duration(i) * time.Second)})
	}
	res, err := db.Import(ctx, im)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	ss, err := db.Sessions(ctx, res.Campaign.ID)
	if err != nil || len(ss) != 2 {
		t.Fatalf("Sessions = %d, %v; want 2", len(ss), err)
	}
	stored, rows := recordGroups(t, db, "", sessionIDs(ss)), recordGroups(t, db, "impressions", sessionIDs(ss))
	if len(stored) != 2 || !reflect.DeepEqual(stored, rows) {
		t.Errorf("imported sessions: %d groups stored, want the rows' %d", len(stored), len(rows))
	}

	dir := t.TempDir()
	a, b, out := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "out.db")
	makeShard(t, a, "hash1", []string{"alice", "carol"})
	makeShard(t, b, "hash1", []string{"bob", "dave"})
	if _, err := Merge(ctx, out, []string{a, b}); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	m := mustOpenPath(t, out)
	var done []int64
	rs, err := m.r.QueryContext(ctx, "SELECT id FROM sessions WHERE status = 'done' AND items > 0")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		done = append(done, id)
	}
	rs.Close()
	if len(done) < 4 {
		t.Fatalf("merged: %d done sessions with impressions, want at least 4", len(done))
	}
	stored, rows = recordGroups(t, m, "", done), recordGroups(t, m, "impressions", done)
	if len(stored) < len(done) || !reflect.DeepEqual(stored, rows) {
		t.Errorf("merged sessions: %d groups stored, want the rows' %d", len(stored), len(rows))
	}
}
