package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// startDebugChrome starts a Chromium that listens for DevTools on a free
// loopback port, as the sidecar of a Kubernetes shard pod does, and returns
// its http:// address.
func startDebugChrome(t *testing.T) string {
	t.Helper()
	exe, err := probe.FindChrome()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "feedprobe-sidecar-test-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir="+dir, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); err == nil && len(lines) == 2 {
			return "http://127.0.0.1:" + lines[0]
		}
	}
	t.Fatal("remote-debugging Chromium did not report its port")
	return ""
}

const shardCampaign = `campaign: sharded
platform: simfeed
base_url: %s
sessions: 1
items_per_session: 12
session_timeout: 60s
concurrency: 4
twins: 1
personas:
  - name: sports-fan
    interests: {sports: 1.0}
    behaviour: {open: {base: 0.0, match: 0.0}}
  - name: cooking-fan
    interests: {cooking: 1.0}
    behaviour: {open: {base: 0.0, match: 0.0}}
  - name: control
    role: control
    behaviour: {open: {base: 0.0, match: 0.0}}
`

// TestShardedRunAndMerge runs a campaign as two shards, each driving a
// remote Chromium through --browser, merges the shards twice, and checks
// that every persona ran exactly once, twins with their test persona, that
// the merged database holds what simfeed served, and that the second merge
// changed nothing.
func TestShardedRunAndMerge(t *testing.T) {
	needBrowser(t)
	remote := startDebugChrome(t)
	srv, base := startSimfeed(t, simfeed.DefaultConfig())
	dir := t.TempDir()
	campaign := filepath.Join(dir, "campaign.yaml")
	if err := os.WriteFile(campaign, []byte(fmt.Sprintf(shardCampaign, base)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := personas.LoadCampaign(campaign)
	if err != nil {
		t.Fatal(err)
	}
	var shards []string
	ran := map[string]string{} // persona -> shard db
	for i := range 2 {
		db := filepath.Join(dir, fmt.Sprintf("shard-%d.db", i))
		shards = append(shards, db)
		out, errOut, err := runCLI(t, "run", campaign, "--db", db, "--shard", fmt.Sprintf("%d/2", i), "--browser", remote, "--evidence-every", "0")
		if err != nil {
			t.Fatalf("run --shard %d/2: %v\n%s%s", i, err, out, errOut)
		}
		own := (probe.Shard{Index: i, Count: 2}).Owns(c.Personas)
		for _, name := range personasWithItems(t, db) {
			if !own[name] {
				t.Errorf("shard %d/2 ran %s, which is not in its share %v", i, name, own)
			}
			if prev, ok := ran[name]; ok {
				t.Errorf("%s ran in %s and %s", name, prev, db)
			}
			ran[name] = db
		}
	}
	if len(ran) != len(c.Personas) {
		t.Fatalf("ran %d personas over the shards, want %d", len(ran), len(c.Personas))
	}
	for _, p := range c.Personas {
		if p.TwinOf != "" && ran[p.Name] != ran[p.TwinOf] {
			t.Errorf("twin %s ran in %s, its test persona in %s", p.Name, ran[p.Name], ran[p.TwinOf])
		}
	}
	if got := len(srv.Truth().Users); got != len(c.Personas) {
		t.Errorf("simfeed saw %d users, want %d", got, len(c.Personas))
	}

	merged := filepath.Join(dir, "merged.db")
	out, _, err := runCLI(t, append([]string{"merge", merged}, shards...)...)
	if err != nil {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if got := personasWithItems(t, merged); len(got) != len(c.Personas) {
		t.Errorf("merged database has items of %v, want all %d personas", got, len(c.Personas))
	}
	out, _, err = runCLI(t, append([]string{"merge", merged}, shards...)...)
	if err != nil || !strings.Contains(out, "nothing changed") {
		t.Errorf("second merge: %v\n%s; want nothing changed", err, out)
	}
	out, _, err = runCLI(t, "analyze", "--db", merged)
	if err != nil {
		t.Fatalf("analyze merged: %v", err)
	}
	for _, p := range c.Personas {
		if !strings.Contains(out, p.Name) {
			t.Errorf("analyze of the merged database does not mention %s", p.Name)
		}
	}
	if out, _, err := runCLI(t, "verify", "--db", merged); err != nil {
		t.Errorf("verify merged: %v\n%s", err, out)
	}

	// Wrong input is refused with a clear message.
	if _, _, err := runCLI(t, "run", campaign, "--db", filepath.Join(dir, "x.db"), "--shard", "2/2"); err == nil || !strings.Contains(err.Error(), "0 <= I < N") {
		t.Errorf("run --shard 2/2 = %v, want the I/N rule", err)
	}
	if _, _, err := runCLI(t, "run", campaign, "--db", filepath.Join(dir, "x.db"), "--browser", "127.0.0.1:9222"); err == nil || !strings.Contains(err.Error(), "ws://HOST:PORT") {
		t.Errorf("run --browser without scheme = %v, want the accepted forms", err)
	}
	if _, _, err := runCLI(t, "merge", merged); err == nil {
		t.Error("merge with no shard succeeded")
	}
}

// personasWithItems lists the personas with impressions in a database.
func personasWithItems(t *testing.T, path string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := storage.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, err := db.LatestCampaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = db.EachImpression(ctx, camp.ID, func(r storage.ImpressionRow) error {
		seen[r.Persona] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
