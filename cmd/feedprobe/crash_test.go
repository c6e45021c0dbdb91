package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestCrashRecovery is SQLite-style crash testing for a campaign: it runs
// `feedprobe run` as a separate process, SIGKILLs it at 20 random moments
// and restarts it each time, then lets it finish. Afterwards the database
// passes PRAGMA integrity_check, every impression committed before any kill
// is still there exactly once, and the campaign has exactly its planned
// sessions done.
func TestCrashRecovery(t *testing.T) {
	needBrowser(t)
	kills := 20
	if s := os.Getenv("FEEDPROBE_CRASH_KILLS"); s != "" {
		fmt.Sscan(s, &kills)
	}
	bin := filepath.Join(t.TempDir(), "feedprobe")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	const sessions, items = 6, 20
	campaign := writeCampaign(t, base, sessions, items)
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(20, 26))

	// committed holds every impression seen in the database after a kill.
	committed := map[[3]string]bool{}
	snapshot := func() map[[3]string]bool {
		db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(`SELECT session_id, rank, item_id FROM impressions`)
		if err != nil {
			// The first kill may come before the schema exists.
			return map[[3]string]bool{}
		}
		defer rows.Close()
		got := map[[3]string]bool{}
		for rows.Next() {
			var s, r, it string
			if err := rows.Scan(&s, &r, &it); err != nil {
				t.Fatal(err)
			}
			k := [3]string{s, r, it}
			if got[k] {
				t.Fatalf("impression %v stored twice", k)
			}
			got[k] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}

	for i := range kills {
		cmd := exec.Command(bin, "run", campaign, "--db", dbPath, "--log-level", "warn")
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Between 0.2 s (often before the browser is up) and 2.5 s (in the
		// middle of scrolling, storing or saving an identity).
		time.Sleep(time.Duration(200+rng.IntN(2300)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		now := snapshot()
		for k := range committed {
			if !now[k] {
				t.Fatalf("after kill %d: impression %v, committed before, is gone", i+1, k)
			}
		}
		committed = now
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	final := exec.CommandContext(ctx, bin, "run", campaign, "--db", dbPath)
	if out, err := final.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	now := snapshot()
	for k := range committed {
		if !now[k] {
			t.Fatalf("after the final run: impression %v is gone", k)
		}
	}

	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var done, distinct, badItems int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT persona_id || '/' || seq) FROM sessions WHERE status = 'done'`).Scan(&done, &distinct); err != nil {
		t.Fatal(err)
	}
	if done != 2*sessions || distinct != 2*sessions {
		t.Errorf("%d done sessions (%d distinct persona/seq), want exactly %d", done, distinct, 2*sessions)
	}
	if err := db.QueryRow(`SELECT count(*) FROM sessions WHERE status = 'done' AND items != ?`, items).Scan(&badItems); err != nil {
		t.Fatal(err)
	}
	if badItems != 0 {
		t.Errorf("%d done sessions without exactly %d items", badItems, items)
	}
	var running int
	if err := db.QueryRow(`SELECT count(*) FROM sessions WHERE status IN ('running', 'planned')`).Scan(&running); err != nil {
		t.Fatal(err)
	}
	if running != 0 {
		t.Errorf("%d sessions left running or planned", running)
	}
	var interrupted int
	db.QueryRow(`SELECT count(*) FROM sessions WHERE status = 'interrupted'`).Scan(&interrupted)
	t.Logf("%d kills: %d sessions interrupted and redone, %d impressions kept", kills, interrupted, len(now))
}
