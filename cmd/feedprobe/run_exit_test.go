package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// TestRunExitStatus checks that run exits 0 only when every planned
// session is done, and 3 when some failed or were blocked.
func TestRunExitStatus(t *testing.T) {
	needBrowser(t)
	cfg := simfeed.DefaultConfig()
	cfg.Faults.Captcha = true
	srv, base := startSimfeed(t, cfg)
	campaign := writeCampaign(t, base, 1, 5)
	db := filepath.Join(t.TempDir(), "exit.db")
	out, stderr, err := runCLI(t, "run", campaign, "--db", db, "--progress", "off", "--log-level", "warn")
	if exitStatus(err) != exitIncomplete || !strings.Contains(err.Error(), "2 of 2 sessions not done") {
		t.Errorf("run with every session blocked = %v (exit %d), want exit %d naming 2 of 2\n%s%s", err, exitStatus(err), exitIncomplete, out, stderr)
	}
	if !strings.Contains(out, "0 of 2 sessions done") {
		t.Errorf("run printed %q, want its summary", out)
	}
	srv.SetFaults(simfeed.Faults{})
	// Blocked sessions are not redone: the campaign stays incomplete.
	if _, _, err := runCLI(t, "run", campaign, "--db", db, "--progress", "off"); err != nil {
		// Nothing is planned, nothing fails.
		t.Errorf("run again = %v, want nil: blocked sessions are not retried", err)
	}
	ok := writeCampaign(t, base, 1, 5)
	if _, stderr, err := runCLI(t, "run", ok, "--db", filepath.Join(t.TempDir(), "ok.db"), "--progress", "off", "--log-level", "warn"); err != nil {
		t.Errorf("healthy run = %v, want exit 0\n%s", err, stderr)
	}
}

// TestRunOneWriter starts two runs of one campaign on one database: the
// second refuses, naming the first, and the first finishes untouched.
func TestRunOneWriter(t *testing.T) {
	needBrowser(t)
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	campaign := writeCampaign(t, base, 2, 20)
	db := filepath.Join(t.TempDir(), "one.db")
	first := make(chan error, 1)
	var firstOut bytes.Buffer
	go func() {
		var errb bytes.Buffer
		err := run(context.Background(), []string{"run", campaign, "--db", db, "--progress", "off", "--log-level", "warn"}, &firstOut, &errb)
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, errb.String())
		}
		first <- err
	}()
	waitForSession(t, db, storage.StatusRunning, first)
	_, _, err := runCLI(t, "run", campaign, "--db", db, "--progress", "off")
	holder := fmt.Sprintf("pid %d (run)", os.Getpid())
	if !errors.Is(err, storage.ErrLeaseHeld) || !strings.Contains(err.Error(), holder) || !strings.Contains(err.Error(), "--wait") {
		t.Errorf("second run = %v, want a refusal naming %q and --wait", err, holder)
	}
	if err := <-first; err != nil {
		t.Fatalf("first run: %v", err)
	}
	sdb, err := storage.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	camp, err := sdb.CampaignByName(context.Background(), "e2e")
	if err != nil {
		t.Fatal(err)
	}
	ss, err := sdb.Sessions(context.Background(), camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Status != storage.StatusDone || s.Attempt != 1 {
			t.Errorf("session %d (attempt %d) is %s, want every session done at its first attempt", s.ID, s.Attempt, s.Status)
		}
	}
	if len(ss) != 4 || !strings.Contains(firstOut.String(), "4 of 4 sessions done") {
		t.Errorf("first run: %d sessions, printed %q; want 4 of 4 done", len(ss), firstOut.String())
	}
	// --wait waits for the lease instead (here: free at once).
	if _, stderr, err := runCLI(t, "run", campaign, "--db", db, "--progress", "off", "--wait"); err != nil {
		t.Errorf("run --wait = %v\n%s", err, stderr)
	}
}

// waitForSession polls the database until a session has the status and
// (for running) has stored an impression; it fails the test when done
// reports first.
func waitForSession(t *testing.T, db, status string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before a session was %s", err, status)
		default:
		}
		if n := countSessions(t, db, status); n > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no session %s with impressions after 2 minutes", status)
}

// countSessions counts the sessions with the status that hold impressions.
func countSessions(t *testing.T, db, status string) int {
	t.Helper()
	if _, err := os.Stat(db); err != nil {
		return 0
	}
	sdb, err := sql.Open("sqlite3", "file:"+db+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var n int
	if err := sdb.QueryRow(`SELECT count(*) FROM sessions s WHERE status = ? AND EXISTS (SELECT 1 FROM impressions i WHERE i.session_id = s.id)`, status).Scan(&n); err != nil {
		return 0 // the schema may not exist yet
	}
	return n
}

// TestRunSignal sends a real SIGINT and SIGTERM to a running `feedprobe
// run`: it stops cleanly, marks the sessions it cut short interrupted with
// their impression counts, says what it kept, and exits 130 / 143.
func TestRunSignal(t *testing.T) {
	needBrowser(t)
	bin := filepath.Join(t.TempDir(), "feedprobe")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		want int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		t.Run(tc.name, func(t *testing.T) {
			campaign := writeCampaign(t, base, 3, 60)
			db := filepath.Join(t.TempDir(), "signal.db")
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "run", campaign, "--db", db, "--progress", "off", "--log-level", "warn")
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			waitForSession(t, db, storage.StatusRunning, exited)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("run still going a minute after %s", tc.name)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.want {
				t.Errorf("run after %s exited %v, want status %d\n%s%s", tc.name, err, tc.want, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "interrupted by "+tc.name) || !strings.Contains(stdout.String(), "marked interrupted, keeping their") {
				t.Errorf("run printed %q, want what it kept", stdout.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "feedprobe: interrupted by "+tc.name+": stopped cleanly") {
				t.Errorf("run's last words: %q, want that it stopped cleanly", last)
			}
			sdb, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer sdb.Close()
			var running, interrupted, wrong int
			if err := sdb.QueryRow(`SELECT count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = 'interrupted'),
				count(*) FILTER (WHERE status = 'interrupted' AND items != (SELECT count(*) FROM impressions i WHERE i.session_id = s.id))
				FROM sessions s`).Scan(&running, &interrupted, &wrong); err != nil {
				t.Fatal(err)
			}
			if running != 0 || interrupted == 0 || wrong != 0 {
				t.Errorf("after %s: %d sessions running, %d interrupted, %d interrupted with a wrong item count; want 0, >0, 0", tc.name, running, interrupted, wrong)
			}
			var leases int
			if err := sdb.QueryRow(`SELECT count(*) FROM leases`).Scan(&leases); err != nil || leases != 0 {
				t.Errorf("%d leases left (%v), want the run's released", leases, err)
			}
		})
	}
}
