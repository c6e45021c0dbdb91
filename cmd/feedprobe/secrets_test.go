package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestSecretsNeverLeak plants a password that a persona logs in with (read
// from an environment variable) and greps everything feedprobe wrote for
// it: the database and its WAL, the evidence files (screenshots and HTML),
// the logs at debug level, query output and every export format.
func TestSecretsNeverLeak(t *testing.T) {
	needBrowser(t)
	const secret = "pl4nted-Secret-7f3a9c"
	t.Setenv("FEEDPROBE_TEST_USER", "auditor7")
	t.Setenv("FEEDPROBE_TEST_PASSWORD", secret)
	cfg := simfeed.DefaultConfig()
	cfg.LoginPassword = secret
	srv, base := startSimfeed(t, cfg)

	dir := t.TempDir()
	campaign := filepath.Join(dir, "campaign.yaml")
	if err := os.WriteFile(campaign, []byte(fmt.Sprintf(`campaign: secrets
platform: simfeed-wall
base_url: %s
sessions: 2
items_per_session: 15
personas:
  - name: member
    credentials: {username_env: FEEDPROBE_TEST_USER, password_env: FEEDPROBE_TEST_PASSWORD}
    behaviour: {open: {base: 0.3, match: 0}, dwell: {median: 100ms, min: 50ms, max: 200ms}}
  - name: stranger
    behaviour: {open: {base: 0, match: 0}}
`, base)), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "secrets.db")
	out, logs, err := runCLI(t, "run", campaign, "--db", dbPath, "--log-level", "debug", "--evidence-every", "1", "--retries", "0")
	if exitStatus(err) != exitIncomplete { // the stranger's sessions are blocked
		t.Fatalf("run: %v, want exit %d\n%s\n%s", err, exitIncomplete, out, logs)
	}
	// The member logged in and browsed; the stranger met the wall.
	if !strings.Contains(out, "2 of 4 sessions done") || !strings.Contains(out, "2 blocked") {
		t.Errorf("run summary %q, want the member's 2 sessions done and the stranger's 2 blocked\n%s", out, logs)
	}
	loggedIn := 0
	for _, u := range srv.Truth().Users {
		loggedIn += len(u.Visits)
	}
	if loggedIn < 2 {
		t.Errorf("simfeed served %d feed visits, want the member's 2", loggedIn)
	}

	outputs := []string{out, logs}
	for _, f := range []string{"csv", "jsonl", "parquet"} {
		if _, elogs, err := runCLI(t, "export", "--db", dbPath, "--format", f, "--out", filepath.Join(dir, "export-"+f)); err != nil {
			t.Fatalf("export %s: %v\n%s", f, err, elogs)
		}
	}
	for _, table := range []string{"campaigns", "personas", "sessions", "actions", "persona_state"} {
		qout, qlogs, err := runCLI(t, "query", "--db", dbPath, "--format", "json", "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("query %s: %v\n%s", table, err, qlogs)
		}
		outputs = append(outputs, qout)
	}
	for i, o := range outputs {
		if strings.Contains(o, secret) {
			t.Errorf("output %d holds the planted secret", i)
		}
	}
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the planted secret", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Errorf("only %d files written (database, evidence, exports): the grep saw too little", files)
	}
}
