package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestRunKeepsVerifiableEvidence runs a short campaign in headless Chromium
// with evidence every 2 scrolls, verifies the chain, then tampers with one
// screenshot and one impression and expects verify to name both.
func TestRunKeepsVerifiableEvidence(t *testing.T) {
	needBrowser(t)
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	campaign := writeCampaign(t, base, 1, 24)
	dbPath := filepath.Join(t.TempDir(), "ev.db")
	out, logs, err := runCLI(t, "run", campaign, "--db", dbPath, "--evidence-every", "2")
	if err != nil || !strings.Contains(out, "2 of 2 sessions done") {
		t.Fatalf("feedprobe run = %q, %v\nlogs:\n%s", out, err, logs)
	}
	out, _, err = runCLI(t, "verify", "--db", dbPath)
	if err != nil {
		t.Fatalf("verify after a clean run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "2 sessions sealed") || strings.Contains(out, "warning") {
		t.Errorf("verify output = %q, want 2 sessions sealed and no warning", out)
	}
	counts, _, err := runCLI(t, "query", "--db", dbPath, "--format", "csv",
		"SELECT kind, count(*) > 0, sum(reason LIKE 'scroll %') > 0 FROM evidence WHERE kind NOT IN ('session_digest', 'seal') GROUP BY kind ORDER BY kind")
	if err != nil || counts != "kind,count(*) > 0,sum(reason LIKE 'scroll %') > 0\nhtml,1,1\nscreenshot,1,1\n" {
		t.Errorf("evidence kinds = %q, %v; want html and screenshots, some taken on scrolls", counts, err)
	}
	var png string
	filepath.WalkDir(dbPath+"-evidence", func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".png") && png == "" {
			png = p
		}
		return nil
	})
	data, err := os.ReadFile(png)
	if err != nil || len(data) < 100 || string(data[1:4]) != "PNG" {
		t.Fatalf("screenshot %s: %d bytes, %v", png, len(data), err)
	}
	data[len(data)/2] ^= 0xff
	os.Chmod(png, 0o644)
	if err := os.WriteFile(png, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mustExec(t, dbPath, "UPDATE impressions SET topic = 'cooking' WHERE rank = 3 AND session_id = (SELECT min(id) FROM sessions)")
	out, _, err = runCLI(t, "verify", "--db", dbPath)
	if err == nil {
		t.Fatalf("verify after tampering succeeded:\n%s", out)
	}
	for _, w := range []string{"FAIL file altered", png, "FAIL impression changed", "rank 3"} {
		if !strings.Contains(out, w) {
			t.Errorf("verify output lacks %q:\n%s", w, out)
		}
	}
	// The rows a finding rests on are sealed too, and emptying the chain
	// is no way out.
	mustExec(t, dbPath, "UPDATE sessions SET status = 'failed' WHERE id = (SELECT min(id) FROM sessions); UPDATE campaigns SET base_url = 'http://127.0.0.1:1'")
	out, _, err = runCLI(t, "verify", "--db", dbPath)
	for _, w := range []string{"FAIL sealed row changed", "table sessions id 1", "table campaigns id 1"} {
		if err == nil || !strings.Contains(out, w) {
			t.Errorf("verify after changing a session and the campaign = %v, output lacks %q:\n%s", err, w, out)
		}
	}
	mustExec(t, dbPath, "DELETE FROM evidence; UPDATE impressions SET title = 'forged'")
	out, _, err = runCLI(t, "verify", "--db", dbPath)
	if err == nil || !strings.Contains(out, "FAIL campaign not sealed") {
		t.Errorf("verify after emptying the evidence table = %v, want a failure naming the unsealed campaign:\n%s", err, out)
	}
}
