package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// mustQuery runs q and returns its columns and rows (values copied).
func mustQuery(t *testing.T, db *DB, q string, opts QueryOptions) ([]string, [][]any, error) {
	t.Helper()
	var cols []string
	var rows [][]any
	err := db.Query(context.Background(), q, opts, func(c []string, row []any) error {
		if row == nil {
			cols = c
			return nil
		}
		rows = append(rows, append([]any(nil), row...))
		return nil
	})
	return cols, rows, err
}

func TestQueryRefusesWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.db")
	rw := mustOpenPath(t, path)
	f := mustFixture(t, rw, "c", 1)
	mustStart(t, rw, f.sessions[0].ID)
	if err := rw.SaveImpressions(ctx, f.sessions[0].ID, makeImpressions("feed", 4)); err != nil {
		t.Fatal(err)
	}
	if err := rw.SaveIdentity(ctx, f.persona.ID, []byte(`{"cookies":"secret-cookie"}`)); err != nil {
		t.Fatal(err)
	}
	// Both a read-write and a read-only DB refuse through Query.
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	writes := []struct{ sql, says string }{
		{"DELETE FROM impressions", "delete from impressions"},
		{"UPDATE impressions SET title = 'x'", "update impressions.title"},
		{"INSERT INTO labels (platform, item_id, category, value, source, created_at) VALUES ('p','i','c',1,'s',0)", "insert into labels"},
		{"DROP TABLE impressions", "change the schema"},
		{"CREATE TABLE x (a)", "change the schema"},
		{"SELECT 1; DELETE FROM impressions", "delete from impressions"},
		{"PRAGMA user_version = 99", "PRAGMA user_version"},
		{"ATTACH 'other.db' AS o", "attach"},
		{"WITH d AS (SELECT 1) DELETE FROM impressions", "delete from impressions"},
	}
	for name, db := range map[string]*DB{"read-write": rw, "read-only": ro} {
		for _, w := range writes {
			t.Run(name+"/"+w.sql, func(t *testing.T) {
				_, _, err := mustQuery(t, db, w.sql, QueryOptions{})
				if !errors.Is(err, ErrReadOnly) {
					t.Fatalf("Query(%q) = %v, want ErrReadOnly", w.sql, err)
				}
				if !strings.Contains(err.Error(), w.says) || !strings.Contains(err.Error(), "changed nothing") {
					t.Errorf("Query(%q) error %q, want it to say %q and that nothing changed", w.sql, err, w.says)
				}
			})
		}
	}
	_, rows, err := mustQuery(t, ro, "SELECT count(*), min(title) FROM impressions", QueryOptions{})
	if err != nil || len(rows) != 1 || rows[0][0] != int64(4) || rows[0][1] != "Title 1" {
		t.Errorf("impressions after refused writes = %v, %v; want 4 rows, titles unchanged", rows, err)
	}
	var v int
	if err := ro.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v == 99 {
		t.Errorf("user_version = %d, %v; want unchanged", v, err)
	}
}

func TestQueryReadsAndHidesSecrets(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	if err := db.SaveIdentity(ctx, f.persona.ID, []byte("secret-cookie")); err != nil {
		t.Fatal(err)
	}
	cols, rows, err := mustQuery(t, db, "SELECT persona_id, identity, length(identity) AS n FROM persona_state", QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 3 || cols[2] != "n" || len(rows) != 1 || rows[0][0] != f.persona.ID || rows[0][1] != nil || rows[0][2] != nil {
		t.Errorf("persona_state without secrets = %v %v, want the identity as NULL", cols, rows)
	}
	_, rows, err = mustQuery(t, db, "SELECT * FROM persona_state", QueryOptions{})
	if err != nil || rows[0][1] != nil {
		t.Errorf("SELECT * FROM persona_state = %v, %v, want the identity as NULL", rows, err)
	}
	_, rows, err = mustQuery(t, db, "SELECT identity FROM persona_state", QueryOptions{IncludeSecrets: true})
	if err != nil || string(rows[0][0].([]byte)) != "secret-cookie" {
		t.Errorf("identity with IncludeSecrets = %v, %v, want the cookie", rows, err)
	}
	// Read-only pragmas, recursive queries and parameters work.
	if _, rows, err := mustQuery(t, db, "PRAGMA table_info(impressions)", QueryOptions{}); err != nil || len(rows) != 18 {
		t.Errorf("PRAGMA table_info = %d rows, %v; want 18 (12, 4 from 0007_capture, raw from 0011, beside_item_id from 0012)", len(rows), err)
	}
	_, rows, err = mustQuery(t, db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT sum(i) FROM n", QueryOptions{Args: []any{10}})
	if err != nil || rows[0][0] != int64(55) {
		t.Errorf("recursive query = %v, %v; want 55", rows, err)
	}
	// The connection goes back to the pool without the authorizer: other
	// reads still see the identity.
	if got, err := db.LoadIdentity(ctx, f.persona.ID); err != nil || string(got) != "secret-cookie" {
		t.Errorf("LoadIdentity after Query = %q, %v", got, err)
	}
	if _, _, err := mustQuery(t, db, "SELECT nope FROM impressions", QueryOptions{}); err == nil || errors.Is(err, ErrReadOnly) {
		t.Errorf("bad column = %v, want a plain SQL error", err)
	}
}
