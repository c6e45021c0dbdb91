package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// t0 is the base time of the tests: whole milliseconds, as stored.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

// mustOpenDB opens a new database in a temporary directory and closes it
// when the test ends.
func mustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "feedprobe.db"))
}

func mustOpenPath(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// fixture is a campaign with one persona and its planned sessions.
type fixture struct {
	campaign Campaign
	persona  Persona
	sessions []Session
}

// mustFixture records campaign name with persona "p1" and n planned
// sessions.
func mustFixture(tb testing.TB, db *DB, name string, n int) fixture {
	tb.Helper()
	ctx := context.Background()
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: name, Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h1"})
	if err != nil {
		tb.Fatalf("EnsureCampaign: %v", err)
	}
	p := mustPersona(tb, db, c.ID, "p1", n)
	return fixture{campaign: c, persona: p, sessions: mustSessionsOf(tb, db, c.ID, p.ID)}
}

func mustPersona(tb testing.TB, db *DB, campaignID int64, name string, n int) Persona {
	tb.Helper()
	ctx := context.Background()
	p, err := db.EnsurePersona(ctx, Persona{CampaignID: campaignID, Name: name, Role: "treatment", Spec: []byte(`{"name":"` + name + `"}`)})
	if err != nil {
		tb.Fatalf("EnsurePersona: %v", err)
	}
	if err := db.PlanSessions(ctx, p.ID, n); err != nil {
		tb.Fatalf("PlanSessions: %v", err)
	}
	return p
}

// mustSessionsOf returns the sessions of one persona.
func mustSessionsOf(tb testing.TB, db *DB, campaignID, personaID int64) []Session {
	tb.Helper()
	all, err := db.Sessions(context.Background(), campaignID)
	if err != nil {
		tb.Fatalf("Sessions: %v", err)
	}
	var ss []Session
	for _, s := range all {
		if s.PersonaID == personaID {
			ss = append(ss, s)
		}
	}
	return ss
}

func mustStart(tb testing.TB, db *DB, id int64) {
	tb.Helper()
	if err := db.StartSession(context.Background(), id, t0); err != nil {
		tb.Fatalf("StartSession(%d): %v", id, err)
	}
}

func mustFinish(tb testing.TB, db *DB, id int64, status string) {
	tb.Helper()
	if err := db.FinishSession(context.Background(), id, status, "", t0.Add(time.Minute)); err != nil {
		tb.Fatalf("FinishSession(%d, %s): %v", id, status, err)
	}
}

func TestOpenTwiceKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "twice.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", SpecHash: "h"}); err != nil {
		t.Fatalf("EnsureCampaign: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = mustOpenPath(t, path)
	v, err := schemaVersion(ctx, db.r)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if v != len(migs) {
		t.Errorf("schema version = %d, want %d", v, len(migs))
	}
	cs, err := db.Campaigns(ctx)
	if err != nil {
		t.Fatalf("Campaigns: %v", err)
	}
	if len(cs) != 1 || cs[0].Name != "c" {
		t.Errorf("Campaigns after reopening = %+v, want the one campaign c", cs)
	}
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk int
	if err := db.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := db.w.ExecContext(ctx, "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(context.Context, string) (*DB, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		t.Run(name, func(t *testing.T) {
			db, err := open(ctx, path)
			if err == nil {
				db.Close()
			}
			if !errors.Is(err, ErrSchemaTooNew) {
				t.Fatalf("%s(newer schema) error = %v, want ErrSchemaTooNew", name, err)
			}
		})
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "f?mode=ro.db")
	db := mustOpenPath(t, path)
	if _, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", SpecHash: "h"}); err != nil {
		t.Fatalf("EnsureCampaign: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at the path given: %v", err)
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file::memory:?cache=shared"} {
		db, err := Open(context.Background(), path)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	rw := mustOpenPath(t, path)
	f := mustFixture(t, rw, "c", 1)
	if err := rw.SaveIdentity(ctx, f.persona.ID, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer ro.Close()
	if got, err := ro.LoadIdentity(ctx, f.persona.ID); err != nil || string(got) != "secret" {
		t.Errorf("LoadIdentity read-only = %q, %v, want secret", got, err)
	}
	writes := []struct {
		name  string
		write func() error
	}{
		{"SaveIdentity", func() error { return ro.SaveIdentity(ctx, f.persona.ID, []byte("other")) }},
		{"EnsureCampaign", func() error { _, _, err := ro.EnsureCampaign(ctx, Campaign{Name: "new"}); return err }},
		{"PlanSessions", func() error { return ro.PlanSessions(ctx, f.persona.ID, 5) }},
		{"StartSession", func() error { return ro.StartSession(ctx, f.sessions[0].ID, t0) }},
		{"SaveImpressions", func() error {
			return ro.SaveImpressions(ctx, f.sessions[0].ID, []feed.Impression{{Item: feed.Item{ID: "x"}, Rank: 1}})
		}},
	}
	for _, tc := range writes {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.write(); !errors.Is(err, ErrReadOnly) {
				t.Fatalf("%s on a read-only DB = %v, want ErrReadOnly", tc.name, err)
			}
		})
	}
	// SQLite itself refuses writes on the read-only connections.
	if _, err := ro.r.ExecContext(ctx, "DELETE FROM persona_state"); err == nil {
		t.Error("raw DELETE through a read-only connection succeeded")
	}
	if got, err := ro.LoadIdentity(ctx, f.persona.ID); err != nil || string(got) != "secret" {
		t.Errorf("LoadIdentity after refused writes = %q, %v, want secret", got, err)
	}
}

func TestOpenReadOnlyNeedsExistingDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if db, err := OpenReadOnly(ctx, missing); err == nil {
		db.Close()
		t.Error("OpenReadOnly(missing file) succeeded")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("OpenReadOnly created %s (stat error %v)", missing, err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if db, err := OpenReadOnly(ctx, empty); err == nil {
		db.Close()
		t.Error("OpenReadOnly(empty file) succeeded, want not a feedprobe database")
	}
}

func TestReadersSeeWritesWhileScanning(t *testing.T) {
	// A read in progress must not block the writer (WAL), and new reads see
	// committed writes.
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 2)
	rows, err := db.r.QueryContext(ctx, "SELECT id FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal("no sessions")
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := db.StartSession(wctx, f.sessions[0].ID, t0); err != nil {
		t.Fatalf("StartSession while a read is open: %v", err)
	}
	s, err := db.Session(ctx, f.sessions[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != StatusRunning {
		t.Errorf("status read after write = %s, want running", s.Status)
	}
}

// TestOpenConcurrently opens one new database from several goroutines with
// their own connections at once, as two feedprobe processes starting on the
// same file do: none fails with "database is locked".
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.db")
	errs := make(chan error, 6)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			db, err := Open(context.Background(), path)
			if err != nil {
				errs <- err
				return
			}
			_, _, err = db.EnsureCampaign(context.Background(), Campaign{Name: fmt.Sprintf("c%d", i), Platform: "p", BaseURL: "http://x", Spec: []byte("{}"), SpecHash: "h"})
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
