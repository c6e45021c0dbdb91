package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// evidenceFixture is a database with one campaign whose session 1 has
// impressions, actions, two evidence files and a digest.
type evidenceFixture struct {
	db      *DB
	ev      *EvidenceStore
	f       fixture
	session int64
}

func mustEvidenceFixture(t *testing.T) evidenceFixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	db := mustOpenPath(t, path)
	f := mustFixture(t, db, "c", 2)
	ev := NewEvidenceStore(db, EvidenceDir(path))
	sid := f.sessions[0].ID
	mustStart(t, db, sid)
	if err := db.SaveImpressions(ctx, sid, makeImpressions("feed", 5)); err != nil {
		t.Fatal(err)
	}
	acts := []feed.Action{{ItemID: "item-1", Kind: feed.ActionOpen, At: t0}, {ItemID: "item-1", Kind: feed.ActionDwell, At: t0, Value: 2.5}}
	if err := db.SaveActions(ctx, sid, acts); err != nil {
		t.Fatal(err)
	}
	for _, e := range []feed.Evidence{
		{Kind: "screenshot", Reason: "scroll 5", At: t0, Data: []byte("\x89PNG fake screenshot")},
		{Kind: "html", Reason: "end", At: t0.Add(time.Second), Data: []byte("<html><body>feed 赌博</body></html>")},
	} {
		if err := ev.SaveEvidence(ctx, sid, e); err != nil {
			t.Fatalf("SaveEvidence(%s): %v", e.Kind, err)
		}
	}
	mustFinish(t, db, sid, StatusDone)
	if err := ev.SealSession(ctx, sid); err != nil {
		t.Fatalf("SealSession: %v", err)
	}
	return evidenceFixture{db: db, ev: ev, f: f, session: sid}
}

func mustVerify(t *testing.T, ev *EvidenceStore) Verification {
	t.Helper()
	v, err := ev.Verify(context.Background(), 0)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return v
}

func problemKinds(v Verification) []string {
	var ks []string
	for _, p := range v.Problems {
		ks = append(ks, p.Kind)
	}
	return ks
}

func TestVerifyCleanChain(t *testing.T) {
	x := mustEvidenceFixture(t)
	v := mustVerify(t, x.ev)
	if !v.OK() {
		t.Fatalf("Verify of an untouched database: problems %v", v.Problems)
	}
	if len(v.Chains) != 1 || v.Chains[0].Files != 2 || v.Chains[0].Sessions != 1 || v.Chains[0].Seals < 1 ||
		v.Chains[0].Rows != 3+v.Chains[0].Seals || len(v.Chains[0].Head) != 64 {
		t.Errorf("chains = %+v, want one chain of 2 files, 1 session digest, seals, a head hash", v.Chains)
	}
	rows := v.Chains[0].Rows
	// The folder holds the files under their sha256 names.
	var names []string
	filepath.WalkDir(x.ev.Dir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, filepath.Base(p))
		}
		return nil
	})
	if len(names) != 2 || !strings.HasSuffix(names[0], ".html") && !strings.HasSuffix(names[0], ".png") || len(strings.TrimSuffix(strings.TrimSuffix(names[0], ".png"), ".html")) != 64 {
		t.Errorf("evidence files = %v, want two sha256-named files", names)
	}
	// Sealing again adds nothing; sealing a planned session is refused.
	if err := x.ev.SealSession(context.Background(), x.session); err != nil {
		t.Errorf("SealSession again: %v", err)
	}
	if err := x.ev.SealSession(context.Background(), x.f.sessions[1].ID); !errors.Is(err, ErrSessionState) {
		t.Errorf("SealSession(planned) = %v, want ErrSessionState", err)
	}
	if got := mustVerify(t, x.ev); got.Chains[0].Rows != rows {
		t.Errorf("rows after a second seal = %d, want %d", got.Chains[0].Rows, rows)
	}
}

func TestVerifyCatchesFlippedByte(t *testing.T) {
	x := mustEvidenceFixture(t)
	var file string
	if err := x.db.r.QueryRow("SELECT file FROM evidence WHERE kind = 'html'").Scan(&file); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(x.ev.Dir(), file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[10] ^= 0x01
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	v := mustVerify(t, x.ev)
	if len(v.Problems) != 1 || v.Problems[0].Kind != ProblemFileAltered || v.Problems[0].Path != path {
		t.Fatalf("Verify after flipping a byte: %v, want one %q naming %s", v.Problems, ProblemFileAltered, path)
	}
}

func TestVerifyCatchesMissingFile(t *testing.T) {
	x := mustEvidenceFixture(t)
	var file string
	if err := x.db.r.QueryRow("SELECT file FROM evidence WHERE kind = 'screenshot'").Scan(&file); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(x.ev.Dir(), file)); err != nil {
		t.Fatal(err)
	}
	v := mustVerify(t, x.ev)
	if got := problemKinds(v); len(got) != 1 || got[0] != ProblemFileMissing {
		t.Fatalf("Verify after removing a file: %v, want one %q", v.Problems, ProblemFileMissing)
	}
}

func TestVerifyCatchesChangedRows(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want string // the problem kind
		msg  string // a substring of its message
	}{
		{"edited impression title", "UPDATE impressions SET title = 'nothing to see' WHERE rank = 3", ProblemImpressionChanged, "feed rank 3"},
		{"edited impression topic", "UPDATE impressions SET topic = 'news' WHERE rank = 2", ProblemImpressionChanged, "feed rank 2"},
		{"deleted impression", "DELETE FROM impressions WHERE rank = 5", ProblemImpressionMissing, "feed rank 5"},
		{"added impression", "INSERT INTO impressions (session_id, rank, platform, item_id, surface, title, topic, sponsored, synthetic) SELECT session_id, 6, platform, 'x', surface, 'x', '', 0, 0 FROM impressions WHERE rank = 1", ProblemImpressionAdded, "feed rank 6"},
		{"edited action", "UPDATE actions SET value = 30 WHERE kind = 'dwell'", ProblemActionChanged, "action"},
		{"edited evidence reason", "UPDATE evidence SET reason = 'nothing' WHERE kind = 'screenshot'", ProblemRowChanged, "screenshot"},
		{"edited digest detail", "UPDATE evidence SET detail = replace(detail, 'feed', 'hot') WHERE kind = 'session_digest'", ProblemRowChanged, "detail"},
		{"deleted evidence row", "DELETE FROM evidence WHERE seq = 2", ProblemChainBroken, "seq"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := mustEvidenceFixture(t)
			if _, err := x.db.w.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			v := mustVerify(t, x.ev)
			if v.OK() {
				t.Fatal("Verify found nothing")
			}
			p := v.Problems[0]
			if p.Kind != tc.want || !strings.Contains(p.String(), tc.msg) {
				t.Errorf("first problem = %q, want %q mentioning %q (all: %v)", p, tc.want, tc.msg, v.Problems)
			}
		})
	}
}

func TestVerifyWarnsRunningAndOrphans(t *testing.T) {
	x := mustEvidenceFixture(t)
	sid := x.f.sessions[1].ID
	mustStart(t, x.db, sid)
	if err := os.WriteFile(filepath.Join(x.ev.Dir(), "stray.png"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := mustVerify(t, x.ev)
	if !v.OK() || len(v.Warnings) != 2 {
		t.Fatalf("Verify = problems %v, warnings %v; want no problem and two warnings", v.Problems, v.Warnings)
	}
}

func TestSaveEvidenceRefusals(t *testing.T) {
	x := mustEvidenceFixture(t)
	ctx := context.Background()
	if err := x.ev.SaveEvidence(ctx, 9999, feed.Evidence{Kind: "html", Data: []byte("x")}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SaveEvidence(unknown session) = %v, want ErrNotFound", err)
	}
	if err := x.ev.SaveEvidence(ctx, x.session, feed.Evidence{Kind: EvidenceSessionDigest}); err == nil {
		t.Error("SaveEvidence(kind session_digest) succeeded, want an error")
	}
}
