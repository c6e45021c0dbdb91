package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

func TestAdapterCheckCLI(t *testing.T) {
	needBrowser(t)
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	dir := t.TempDir()
	out, logs, err := runCLI(t, "adapter", "check", "--adapter", "simfeed-more", "--url", base+"/more", "--out", dir, "--rows", "3")
	if err != nil {
		t.Fatalf("adapter check: %v\n%s\n%s", err, out, logs)
	}
	for _, want := range []string{"outcome: ok", "1 dismissed", "article.fp-item", "RANK  ID", "... and "} {
		if !strings.Contains(out, want) {
			t.Errorf("adapter check output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"screenshot.png", "page.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("check did not save %s: %v", f, err)
		}
	}

	// A selector that finds nothing: non-zero exit, and the fields say so.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\nitem: article.renamed\nfields: {id: {attr: data-item-id}, title: {selector: .fp-title}}\nscroll: {wait: 200ms, max_idle: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCLI(t, "adapter", "check", "--adapter", bad, "--url", base+"/", "--out", dir)
	if err == nil || !strings.Contains(err.Error(), "found no items") || !strings.Contains(out, "NO ITEMS") {
		t.Errorf("check of a broken adapter: err %v, output:\n%s", err, out)
	}
}

func TestAdapterTemplateCLI(t *testing.T) {
	out, _, err := runCLI(t, "adapter", "template", "weibo-hot")
	if err != nil || !strings.HasPrefix(out, "# EXPERIMENTAL") {
		t.Fatalf("adapter template: %v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "weibo.yaml")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCLI(t, "validate", path); err != nil || !strings.Contains(out, "ok (adapter)") {
		t.Errorf("validate of a printed template: %v %s", err, out)
	}
	if _, _, err := runCLI(t, "adapter", "template", "nope"); err == nil {
		t.Error("adapter template nope gave no error")
	}
}

const wallCampaign = `campaign: wall
platform: simfeed-wall
base_url: %s
sessions: 1
items_per_session: 12
session_timeout: 60s
personas:
  - name: logged-in
    behaviour: {open: {base: 0, match: 0}}
  - name: visitor
    behaviour: {open: {base: 0, match: 0}}
`

// TestPersonaLoginCookies imports a cookie file for one persona; in the
// campaign that follows it gets past simfeed's login wall and the other
// persona's session is recorded as blocked.
func TestPersonaLoginCookies(t *testing.T) {
	needBrowser(t)
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	dir := t.TempDir()
	camp := filepath.Join(dir, "wall.yaml")
	if err := os.WriteFile(camp, []byte(fmt.Sprintf(wallCampaign, base)), 0o644); err != nil {
		t.Fatal(err)
	}
	cookies := filepath.Join(dir, "cookies.txt")
	if err := os.WriteFile(cookies, []byte("# Netscape HTTP Cookie File\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsf_login\tpuppet7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "wall.db")
	out, logs, err := runCLI(t, "persona", "login", "--campaign", camp, "--persona", "logged-in", "--db", dbPath, "--headless", "--cookies", cookies)
	if err != nil {
		t.Fatalf("persona login: %v\n%s\n%s", err, out, logs)
	}
	if !strings.Contains(out, "saved the identity of persona logged-in") {
		t.Errorf("persona login output: %s", out)
	}
	// A persona meets the login wall: run exits 3 (sessions blocked).
	if out, logs, err := runCLI(t, "run", camp, "--db", dbPath); exitStatus(err) != exitIncomplete {
		t.Fatalf("run: %v, want exit %d (a session blocked)\n%s\n%s", err, exitIncomplete, out, logs)
	}
	db, err := storage.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.CampaignByName(context.Background(), "wall")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := db.Personas(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]string{}
	ss, err := db.Sessions(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		status[s.PersonaID] = s.Status
	}
	for _, p := range ps {
		want := map[string]string{"logged-in": "done", "visitor": "blocked"}[p.Name]
		if status[p.ID] != want {
			t.Errorf("persona %s: session %s, want %s", p.Name, status[p.ID], want)
		}
		if p.Name == "logged-in" {
			ident, err := db.LoadIdentity(context.Background(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := probe.IdentityCookie(ident, simfeed.LoginCookie); v != "puppet7" {
				t.Errorf("identity of logged-in has %s=%q after the run, want puppet7", simfeed.LoginCookie, v)
			}
		}
	}
}

func TestPersonaLoginErrors(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "x.db")
	if _, _, err := runCLI(t, "persona", "login", "--persona", "ghost", "--db", dbPath, "--headless"); err == nil || !strings.Contains(err.Error(), `no persona "ghost"`) {
		t.Errorf("login of an unknown persona: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "c.txt")
	os.WriteFile(bad, []byte("x\ty\n"), 0o644)
	if _, _, err := runCLI(t, "persona", "login", "--persona", "p", "--db", dbPath, "--headless", "--cookies", bad); err == nil || !strings.Contains(err.Error(), "c.txt:1:") {
		t.Errorf("login with a bad cookie file: %v", err)
	}
}
