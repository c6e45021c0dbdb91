package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

var mergePersonas = []string{"alice", "bob", "carol", "dave"}

// makeShard writes a shard database as `feedprobe run --shard` does: the
// whole campaign and every persona with its planned sessions, and the
// sessions of the personas it runs done, with impressions, actions, an
// identity, a screenshot and a sealed digest each.
func makeShard(t *testing.T, path, specHash string, runs []string) {
	t.Helper()
	ctx := context.Background()
	db := mustOpenPath(t, path)
	defer db.Close()
	camp, _, err := db.EnsureCampaign(ctx, Campaign{Name: "merge-test", Platform: "simfeed", BaseURL: "http://127.0.0.1:1",
		Spec: []byte(`{"name":"merge-test"}`), SpecHash: specHash})
	if err != nil {
		t.Fatal(err)
	}
	ev := NewEvidenceStore(db, EvidenceDir(path))
	for pi, name := range mergePersonas {
		p, err := db.EnsurePersona(ctx, Persona{CampaignID: camp.ID, Name: name, Role: "test", Spec: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PlanSessions(ctx, p.ID, 2); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(runs, name) {
			continue
		}
		if err := db.SaveIdentity(ctx, p.ID, []byte(`{"cookies":"`+name+`"}`)); err != nil {
			t.Fatal(err)
		}
		sessions, err := db.Sessions(ctx, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sessions {
			if s.PersonaID != p.ID {
				continue
			}
			at := t0.Add(time.Duration(pi*10+s.Seq) * time.Minute)
			if err := db.StartSession(ctx, s.ID, at); err != nil {
				t.Fatal(err)
			}
			imps := makeImpressions("feed", 5+pi)
			for i := range imps {
				imps[i].ID = fmt.Sprintf("%s-%d-%d", name, s.Seq, i)
			}
			if err := db.SaveImpressions(ctx, s.ID, imps); err != nil {
				t.Fatal(err)
			}
			acts := []feed.Action{{ItemID: imps[0].ID, Kind: feed.ActionOpen, At: at}, {Kind: feed.ActionScroll, At: at, Value: 3}}
			if err := db.SaveActions(ctx, s.ID, acts); err != nil {
				t.Fatal(err)
			}
			if err := ev.SaveEvidence(ctx, s.ID, feed.Evidence{Kind: EvidenceScreenshot, Reason: "end", At: at, Data: []byte("png of " + imps[0].ID)}); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishSession(ctx, s.ID, StatusDone, "", at.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := ev.SealSession(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// observed lists every impression of a database as "persona seq rank item".
func observed(t *testing.T, path string) []string {
	t.Helper()
	db, err := OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.r.Query(`SELECT p.name, s.seq, i.rank, i.item_id FROM impressions i
		JOIN sessions s ON s.id = i.session_id JOIN personas p ON p.id = s.persona_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, item string
		var seq, rank int
		if err := rows.Scan(&name, &seq, &rank, &item); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %d %s", name, seq, rank, item))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// tableCounts counts the rows of the tables a merge writes.
func tableCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, tab := range []string{"campaigns", "personas", "sessions", "impressions", "actions", "items", "persona_state", "evidence"} {
		var n int
		if err := db.r.QueryRow("SELECT count(*) FROM " + tab).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tab] = n
	}
	// Seals are each database's own (merge seals the output anew); the
	// rows that are copied are the others.
	var n int
	if err := db.r.QueryRow("SELECT count(*) FROM evidence WHERE kind != 'seal'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	out["evidence copied"] = n
	return out
}

func verifyDB(t *testing.T, path string) Verification {
	t.Helper()
	db, err := OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := NewEvidenceStore(db, EvidenceDir(path)).Verify(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMerge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	makeShard(t, a, "hash1", []string{"alice", "carol"})
	makeShard(t, b, "hash1", []string{"bob", "dave"})
	reextracted(t, b)
	out := filepath.Join(dir, "out.db")

	rep, err := Merge(ctx, out, []string{a, b})
	if err != nil {
		t.Fatalf("Merge = %v", err)
	}
	if rep.Shards[0].Extractions != 0 || rep.Shards[1].Extractions != 1 {
		t.Errorf("report %+v, want shard b's one re-extraction counted as not copied", rep.Shards)
	}
	want := append(observed(t, a), observed(t, b)...)
	slices.Sort(want)
	if got := observed(t, out); !slices.Equal(got, want) {
		t.Errorf("merged impressions:\n%v\nwant the shards' own:\n%v", got, want)
	}
	if rep.Shards[0].Personas != 2 || rep.Shards[1].Personas != 2 || rep.Shards[0].Skipped != 0 {
		t.Errorf("report %+v, want 2 personas from each shard", rep.Shards)
	}
	counts := tableCounts(t, out)
	ca, cb := tableCounts(t, a), tableCounts(t, b)
	if counts["personas"] != len(mergePersonas) || counts["sessions"] != 2*len(mergePersonas) || counts["campaigns"] != 1 {
		t.Errorf("merged counts %v, want %d personas with 2 sessions each in one campaign", counts, len(mergePersonas))
	}
	for _, tab := range []string{"impressions", "actions", "items", "persona_state", "evidence copied"} {
		if counts[tab] != ca[tab]+cb[tab] {
			t.Errorf("merged %s: %d rows, want %d + %d", tab, counts[tab], ca[tab], cb[tab])
		}
	}
	v := verifyDB(t, out)
	if !v.OK() || len(v.Chains) != 1 || v.Chains[0].Rows != counts["evidence"] || v.Chains[0].Sessions != 2*len(mergePersonas) {
		t.Fatalf("Verify(merged) = %+v, want one clean chain with every session sealed", v)
	}
	if len(v.Warnings) != 0 {
		t.Errorf("Verify(merged) warnings: %v", v.Warnings)
	}

	// Idempotent: the same merge again, in any order, changes nothing.
	rep, err = Merge(ctx, out, []string{b, a})
	if err != nil {
		t.Fatalf("second Merge = %v", err)
	}
	if rep.Changed() || rep.Shards[0].Skipped != 2 || rep.Shards[1].Skipped != 2 {
		t.Errorf("second Merge report %+v, want everything skipped", rep.Shards)
	}
	if again := tableCounts(t, out); !mapsEqual(again, counts) {
		t.Errorf("after a second merge: %v, want %v", again, counts)
	}
	if v2 := verifyDB(t, out); !v2.OK() || v2.Chains[0].Head != v.Chains[0].Head {
		t.Errorf("second merge changed the chain: head %s, was %s", v2.Chains[0].Head, v.Chains[0].Head)
	}

	// Tampering after the merge is found in the merged chain.
	w, err := sql.Open("sqlite3", "file:"+out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec("UPDATE impressions SET title = 'edited' WHERE rank = 1 AND item_id LIKE 'bob-1-%'"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if v := verifyDB(t, out); v.OK() {
		t.Error("Verify(merged) after editing an impression: no problem found")
	}
}

// reextracted adds a finished re-extraction of the shard's campaign, of
// its first session, to the shard at path.
func reextracted(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cid, sid int64
	if err := db.r.QueryRowContext(ctx, "SELECT campaign_id, id FROM sessions ORDER BY id LIMIT 1").Scan(&cid, &sid); err != nil {
		t.Fatal(err)
	}
	ex, err := db.CreateExtraction(ctx, Extraction{CampaignID: cid, Adapter: "fixed", AdapterHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	imp := RawImpression{Impression: feed.Impression{Item: feed.Item{ID: "x", Title: "x", Topic: "news"}, Rank: 1, Surface: "feed"}}
	if err := db.SaveExtractionSession(ctx, ex.ID, sid, 1, []RawImpression{imp}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishExtraction(ctx, ex.ID); err != nil {
		t.Fatal(err)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMergeRefuses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) (out string, shards []string)
		want  []string // substrings of the error
	}{
		{"different campaigns", func(t *testing.T, dir string) (string, []string) {
			makeShard(t, filepath.Join(dir, "a.db"), "hash1", []string{"alice"})
			makeShard(t, filepath.Join(dir, "b.db"), "hash2", []string{"bob"})
			return filepath.Join(dir, "out.db"), []string{filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")}
		}, []string{"b.db holds", "a.db holds", "spec hash2", "spec hash1"}},
		{"schema version", func(t *testing.T, dir string) (string, []string) {
			makeShard(t, filepath.Join(dir, "a.db"), "hash1", []string{"alice"})
			makeShard(t, filepath.Join(dir, "b.db"), "hash1", []string{"bob"})
			setUserVersion(t, filepath.Join(dir, "b.db"), 2)
			return filepath.Join(dir, "out.db"), []string{filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")}
		}, []string{"b.db has schema version 2"}},
		{"overlapping shards", func(t *testing.T, dir string) (string, []string) {
			makeShard(t, filepath.Join(dir, "a.db"), "hash1", []string{"alice", "bob"})
			makeShard(t, filepath.Join(dir, "b.db"), "hash1", []string{"bob"})
			return filepath.Join(dir, "out.db"), []string{filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")}
		}, []string{"persona bob", "ran in both"}},
		{"output of another design", func(t *testing.T, dir string) (string, []string) {
			makeShard(t, filepath.Join(dir, "a.db"), "hash1", []string{"alice"})
			makeShard(t, filepath.Join(dir, "out.db"), "hash2", []string{"alice"})
			return filepath.Join(dir, "out.db"), []string{filepath.Join(dir, "a.db")}
		}, []string{"out.db already holds campaign", "spec hash2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, shards := tc.setup(t, dir)
			before, statErr := os.Stat(out)
			_, err := Merge(ctx, out, shards)
			if !errors.Is(err, ErrMergeMismatch) {
				t.Fatalf("Merge = %v, want ErrMergeMismatch", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Merge error %q does not say %q", err, s)
				}
			}
			after, err := os.Stat(out)
			if statErr != nil && err == nil {
				t.Errorf("a refused merge created %s", out)
			}
			if statErr == nil && (err != nil || !after.ModTime().Equal(before.ModTime())) {
				t.Errorf("a refused merge touched %s", out)
			}
		})
	}
	t.Run("tampered shard", func(t *testing.T) {
		dir := t.TempDir()
		a := filepath.Join(dir, "a.db")
		makeShard(t, a, "hash1", []string{"alice"})
		w, err := sql.Open("sqlite3", "file:"+a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Exec("DELETE FROM actions WHERE id = (SELECT min(id) FROM actions)"); err != nil {
			t.Fatal(err)
		}
		w.Close()
		_, err = Merge(ctx, filepath.Join(dir, "out.db"), []string{a})
		if err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("Merge of a tampered shard = %v, want a verification error", err)
		}
	})
}

func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	w, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}
