package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mustSealFixture is the evidence fixture plus an interrupted session with
// impressions on another surface and two labels.
func mustSealFixture(t *testing.T) (evidenceFixture, string) {
	t.Helper()
	ctx := context.Background()
	x := mustEvidenceFixture(t)
	sid := x.f.sessions[1].ID
	mustStart(t, x.db, sid)
	if err := x.db.SaveImpressions(ctx, sid, makeImpressions("hot", 3)); err != nil {
		t.Fatal(err)
	}
	if n, err := x.db.RecoverInterrupted(ctx, x.f.campaign.ID); err != nil || n != 1 {
		t.Fatalf("RecoverInterrupted = %d, %v; want 1", n, err)
	}
	if _, err := x.db.SaveLabels(ctx, []Label{
		{Platform: "simfeed", ItemID: "item-1", Category: "gambling", Value: 1, Source: "manual"},
		{Platform: "simfeed", ItemID: "item-2", Category: "gambling", Value: 0, Source: "manual"},
	}); err != nil {
		t.Fatal(err)
	}
	var path string
	if err := x.db.r.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		t.Fatal(err)
	}
	return x, path
}

// tamper runs SQL on the file through a connection of its own without
// foreign keys, as someone with the file and the sqlite3 shell would.
func tamper(t *testing.T, path, query string) {
	t.Helper()
	c, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=off")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec(query); err != nil {
		t.Fatalf("tamper %q: %v", query, err)
	}
}

func TestSealCleanFixtureVerifies(t *testing.T) {
	x, _ := mustSealFixture(t)
	v := mustVerify(t, x.ev)
	if !v.OK() {
		t.Fatalf("Verify of an untouched database: %v", v.Problems)
	}
	if v.Chains[0].Sessions != 2 {
		t.Errorf("sessions sealed = %d, want 2 (the done one and the interrupted one)", v.Chains[0].Sessions)
	}
}

func TestSealNamesEveryTamperedTable(t *testing.T) {
	tests := []struct {
		name  string
		sql   string
		kind  string
		table string
		key   string // a substring of the problem's Key
	}{
		{"campaign changed", "UPDATE campaigns SET base_url = 'http://127.0.0.1:2'", ProblemSealedChanged, "campaigns", "id 1"},
		{"campaign deleted", "DELETE FROM campaigns", ProblemSealedMissing, "campaigns", "id 1"},
		{"campaign inserted", "INSERT INTO campaigns (name, platform, base_url, spec, spec_hash, created_at) VALUES ('x', 'simfeed', 'u', '{}', 'h', 1)", ProblemNotSealed, "campaigns", "id 2"},
		{"persona changed", "UPDATE personas SET role = 'control'", ProblemSealedChanged, "personas", "id 1"},
		{"persona deleted", "DELETE FROM personas", ProblemSealedMissing, "personas", "id 1"},
		{"persona inserted", "INSERT INTO personas (campaign_id, name, role, spec) VALUES (1, 'p2', 'control', '{}')", ProblemSealedAdded, "personas", "id 2"},
		{"session status changed", "UPDATE sessions SET status = 'failed' WHERE id = 1", ProblemSealedChanged, "sessions", "id 1"},
		{"session time changed", "UPDATE sessions SET finished_at = finished_at + 1000 WHERE id = 1", ProblemSealedChanged, "sessions", "id 1"},
		{"session deleted", "DELETE FROM sessions WHERE id = 2", ProblemSealedMissing, "sessions", "id 2"},
		{"session inserted", "INSERT INTO sessions (campaign_id, persona_id, seq, attempt, status) VALUES (1, 1, 9, 1, 'planned')", ProblemSealedAdded, "sessions", "id 4"},
		{"item changed", "UPDATE items SET title = 'forged' WHERE item_id = 'item-2'", ProblemSealedChanged, "items", `"item-2"`},
		{"item deleted", "DELETE FROM items WHERE item_id = 'item-3'", ProblemSealedMissing, "items", `"item-3"`},
		{"item inserted", "INSERT INTO items (platform, item_id) VALUES ('simfeed', 'new')", ProblemSealedAdded, "items", `"new"`},
		{"label changed", "UPDATE labels SET value = -1 WHERE item_id = 'item-1'", ProblemSealedChanged, "labels", "id 1"},
		{"label deleted", "DELETE FROM labels WHERE item_id = 'item-2'", ProblemSealedMissing, "labels", "id 2"},
		{"label inserted", "INSERT INTO labels (platform, item_id, category, value, source, created_at) VALUES ('simfeed', 'item-3', 'gambling', 1, 'manual', 1)", ProblemSealedAdded, "labels", "id 3"},
		{"impression changed", "UPDATE impressions SET title = 'forged' WHERE session_id = 1 AND rank = 2", ProblemImpressionChanged, "impressions", `(1, "feed", 2)`},
		{"interrupted impression changed", "UPDATE impressions SET title = 'forged' WHERE session_id = 2 AND rank = 1", ProblemImpressionChanged, "impressions", `(2, "hot", 1)`},
		{"impression deleted", "DELETE FROM impressions WHERE session_id = 2 AND rank = 3", ProblemImpressionMissing, "impressions", `(2, "hot", 3)`},
		{"impression inserted", "INSERT INTO impressions (session_id, rank, platform, item_id, surface, title, topic, sponsored, synthetic) VALUES (1, 9, 'simfeed', 'x', 'feed', 'x', '', 0, 0)", ProblemImpressionAdded, "impressions", `(1, "feed", 9)`},
		{"action changed", "UPDATE actions SET value = 99 WHERE id = 2", ProblemActionChanged, "actions", "id 2"},
		{"action deleted", "DELETE FROM actions WHERE id = 1", ProblemActionMissing, "actions", "id 1"},
		{"action inserted", "INSERT INTO actions (session_id, kind) VALUES (1, 'open')", ProblemActionAdded, "actions", "id 3"},
		{"evidence changed", "UPDATE evidence SET reason = 'x' WHERE kind = 'seal' AND seq = 1", ProblemRowChanged, "evidence", "id 1"},
		{"evidence deleted", "DELETE FROM evidence WHERE seq = 2", ProblemChainBroken, "evidence", "id 3"},
		{"evidence inserted", "INSERT INTO evidence (campaign_id, seq, kind, at, content_hash, prev_hash, hash) SELECT 1, max(seq) + 1, 'html', 1, 'x', 'y', 'z' FROM evidence", ProblemChainBroken, "evidence", "id "},
		{"evidence emptied and data forged", "DELETE FROM evidence; UPDATE impressions SET title = 'forged'", ProblemNotSealed, "campaigns", "id 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, path := mustSealFixture(t)
			tamper(t, path, tc.sql)
			v := mustVerify(t, x.ev)
			if v.OK() {
				t.Fatal("Verify found nothing")
			}
			for _, p := range v.Problems {
				if p.Kind == tc.kind && p.Table == tc.table && strings.Contains(p.Key, tc.key) {
					if !strings.Contains(p.String(), tc.table) {
						t.Errorf("problem %q does not name its table", p)
					}
					return
				}
			}
			t.Errorf("no %q problem in table %s naming %q; got %v", tc.kind, tc.table, tc.key, v.Problems)
		})
	}
}

// TestSealSessionEndIsSealed: rows written by the normal path never show as
// problems, and a later seal records only what changed.
func TestSealRecordsOnlyChanges(t *testing.T) {
	x, _ := mustSealFixture(t)
	ctx := context.Background()
	var before int
	x.db.r.QueryRow("SELECT count(*) FROM evidence WHERE kind = 'seal'").Scan(&before)
	if err := x.db.Seal(ctx, x.f.campaign.ID, "again"); err != nil {
		t.Fatal(err)
	}
	var after int
	x.db.r.QueryRow("SELECT count(*) FROM evidence WHERE kind = 'seal'").Scan(&after)
	if after != before {
		t.Errorf("seal with nothing changed appended a row (%d -> %d)", before, after)
	}
	if _, err := x.db.SaveLabels(ctx, []Label{{Platform: "simfeed", ItemID: "item-1", Category: "gambling", Value: -1, Source: "manual"}}); err != nil {
		t.Fatal(err)
	}
	var detail string
	if err := x.db.r.QueryRow("SELECT detail FROM evidence WHERE kind = 'seal' ORDER BY seq DESC LIMIT 1").Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if detail != `{"tables":{"labels":{"1":"`+detail[len(`{"tables":{"labels":{"1":"`):len(`{"tables":{"labels":{"1":"`)+32]+`"}}}` {
		t.Errorf("seal after one label changed = %s, want only labels row 1", detail)
	}
	if v := mustVerify(t, x.ev); !v.OK() {
		t.Errorf("Verify after a label change through storage: %v", v.Problems)
	}
}

// TestHashValuesStable pins the row hash encoding: digests and seals
// already written must verify with every later feedprobe. The value was
// computed by the fmt-based encoder this one replaced.
func TestHashValuesStable(t *testing.T) {
	got := hashValues("impression", []any{nil, int64(-5), 2.5, "héllo", []byte("x\x00y"), true, time.UnixMilli(123).UTC(), "", int64(0)})
	if want := "de75193808ec64b15482162c10553782"; got != want {
		t.Errorf("hashValues = %s, want %s: the encoding changed", got, want)
	}
}

// lastSealDetail returns the detail of the newest seal row.
func lastSealDetail(t *testing.T, db *DB) sealDetail {
	t.Helper()
	var detail string
	if err := db.r.QueryRow("SELECT detail FROM evidence WHERE kind = 'seal' ORDER BY id DESC LIMIT 1").Scan(&detail); err != nil {
		t.Fatal(err)
	}
	var d sealDetail
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSessionSealHoldsOnlyItsRows: a session's start seals only its row, its
// finish its row and the items it showed, however many sessions ran before;
// with two campaigns of one platform taking turns, verify still names an
// item changed or deleted after its seal, whichever campaign sealed it.
func TestSessionSealHoldsOnlyItsRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	db := mustOpenPath(t, path)
	ev := NewEvidenceStore(db, EvidenceDir(path))
	a := mustFixture(t, db, "a", 30)
	b := mustFixture(t, db, "b", 30)
	for i := range 30 {
		for k, f := range []fixture{a, b} {
			id := f.sessions[i].ID
			mustStart(t, db, id)
			if d := lastSealDetail(t, db); len(d.Tables) != 1 || len(d.Tables["sessions"]) != 1 || d.Tables["sessions"][strconv.FormatInt(id, 10)] == "" {
				t.Fatalf("seal at the start of session %d = %v, want its row only", id, d.Tables)
			}
			// Campaign a shows item-1..3 every time; b item-1 and one of its own.
			imps := makeImpressions("feed", 3)
			if k == 1 {
				imps = imps[:2]
				imps[1].Item.ID = fmt.Sprintf("b-%d", i)
			}
			for j := range imps {
				imps[j].SeenAt = t0.Add(time.Duration(i) * time.Hour)
			}
			if err := db.SaveImpressions(ctx, id, imps); err != nil {
				t.Fatal(err)
			}
			mustFinish(t, db, id, StatusDone)
			d := lastSealDetail(t, db)
			if len(d.Tables) != 2 || len(d.Tables["sessions"]) != 1 || len(d.Tables["items"]) != len(imps) {
				t.Fatalf("seal at the end of session %d = %v, want its row and its %d items", id, d.Tables, len(imps))
			}
		}
	}
	if v := mustVerify(t, ev); !v.OK() {
		t.Fatalf("Verify of an untouched database: %v", v.Problems)
	}
	for _, tc := range []struct{ sql, kind, key string }{
		{"UPDATE items SET title = 'forged' WHERE item_id = 'item-3'", ProblemSealedChanged, `"item-3"`}, // sealed by a only
		{"UPDATE items SET last_seen_at = 1 WHERE item_id = 'item-1'", ProblemSealedChanged, `"item-1"`},
		{"DELETE FROM items WHERE item_id = 'b-4'", ProblemSealedMissing, `"b-4"`},
		{"UPDATE sessions SET status = 'failed' WHERE id = 1", ProblemSealedChanged, "id 1"},
	} {
		tamper(t, path, tc.sql)
		v := mustVerify(t, ev)
		found := false
		for _, p := range v.Problems {
			found = found || (p.Kind == tc.kind && strings.Contains(p.Key, tc.key))
		}
		if !found {
			t.Errorf("after %q: no %q problem naming %s; got %v", tc.sql, tc.kind, tc.key, v.Problems)
		}
	}
}
