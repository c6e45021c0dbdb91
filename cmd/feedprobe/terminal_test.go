package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/storage"
)

// hostileTerm retitles the terminal window, clears the screen, and hides
// the line with a carriage return and a C1 CSI, if printed raw.
const hostileTerm = "evil\x1b]0;pwned\x07\x1b[2J\rfake\u009b31m"

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text\twith tab\n", "plain text\twith tab\n"},
		{"日本語 é €", "日本語 é €"},
		{hostileTerm, `evil\x1b]0;pwned\x07\x1b[2J\x0dfake\u009b31m`},
		{"del\x7f", `del\x7f`},
		{"lone \x9b byte", `lone \x9b byte`},
	} {
		if got := sanitize(tc.in); got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// rawControl reports the first terminal control in s, if any.
func rawControl(s string) (string, bool) {
	for i, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f {
			return fmt.Sprintf("%U at byte %d in %.80q", r, i, s[max(0, i-20):]), true
		}
	}
	return "", false
}

// TestHostileNamesInHumanOutput stores a campaign, persona, title and
// inspection case carrying terminal escapes and checks that every human
// output escapes them, while CSV and JSON keep them byte-exact.
func TestHostileNamesInHumanOutput(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hostile.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: "camp-" + hostileTerm, Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	for i, role := range []string{"test", "control"} {
		p, err := db.EnsurePersona(ctx, storage.Persona{CampaignID: c.ID, Name: fmt.Sprintf("p%d-%s", i, hostileTerm), Role: role, Spec: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := db.Sessions(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if err := db.StartSession(ctx, s.ID, dataT0); err != nil {
			t.Fatal(err)
		}
		imps := []feed.Impression{{Item: feed.Item{ID: "it-1", Title: "title-" + hostileTerm, Topic: "news"}, Rank: 1, SeenAt: dataT0, Surface: "feed"}}
		if err := db.SaveImpressions(ctx, s.ID, imps); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishSession(ctx, s.ID, storage.StatusDone, "", dataT0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	old := findingsOf
	findingsOf = func(context.Context, *storage.DB, storage.Campaign) ([]analysis.Finding, error) {
		return []analysis.Finding{{Check: analysis.CheckArt17Off, Article: "AR 17(1)", Question: "switch off? " + hostileTerm, Verdict: analysis.VerdictViolation,
			Reason: "reason " + hostileTerm, Effect: analysis.FindingEffect{Name: "share", Value: 0.8, Lo: 0.7, Hi: 0.9, Margin: 0.05},
			Examples: []analysis.FindingExample{{Persona: "p0-" + hostileTerm, Session: 1, Surface: "feed", Rank: 1, ItemID: "it-1", Title: "title-" + hostileTerm, Topic: "news"}}}}, nil
	}
	t.Cleanup(func() { findingsOf = old })

	if _, stderr, err := runCLI(t, "inspection", "new", "--db", path, "--case", "case-"+hostileTerm, "--platform", "simfeed", "--body", "body-"+hostileTerm,
		"--start", "2026-03-01", "--campaign", "camp-"+hostileTerm); err != nil {
		t.Fatalf("inspection new: %v\n%s", err, stderr)
	}
	for _, args := range [][]string{
		{"query", "--db", path, "SELECT p.name, i.title FROM impressions i JOIN sessions s ON s.id = i.session_id JOIN personas p ON p.id = s.persona_id"},
		{"analyze", "--db", path},
		{"findings", "--db", path},
		{"inspection", "show", "1", "--db", path},
		{"inspection", "list", "--db", path},
		{"order", "list", "--db", path, "--inspection", "1"},
		{"label", "stats", "--db", path},
		{"query", "--db", path, "SELECT 'no such" + hostileTerm},
	} {
		t.Run(args[0], func(t *testing.T) {
			stdout, stderr, err := runCLI(t, args...)
			if err != nil && !strings.Contains(strings.Join(args, " "), "no such") {
				t.Fatalf("%v: %v\n%s", args, err, stderr)
			}
			if err != nil {
				// What main prints.
				stderr += sanitize(err.Error())
			}
			if !strings.Contains(stdout+stderr, "pwned") && args[0] != "label" {
				t.Errorf("%v printed no escaped name:\n%s%s", args, stdout, stderr)
			}
			if where, bad := rawControl(stdout + stderr); bad {
				t.Errorf("%v printed a raw terminal control: %s", args, where)
			}
		})
	}
	// Machine formats stay byte-exact.
	q := "SELECT title FROM impressions LIMIT 1"
	out, _, err := runCLI(t, "query", "--db", path, "--format", "csv", q)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "title-"+hostileTerm {
		t.Errorf("query csv = %q, %v; want the title byte-exact", out, err)
	}
	out, _, err = runCLI(t, "query", "--db", path, "--format", "json", q)
	var rows []map[string]string
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0]["title"] != "title-"+hostileTerm || !strings.Contains(out, "\u009b") {
		t.Errorf("query json = %q, %v; want the title byte-exact", out, err)
	}
	out, _, err = runCLI(t, "findings", "--db", path, "--json")
	if err != nil || !strings.Contains(out, `"camp-evil\u001b]0;pwned\u0007`) || !strings.Contains(out, "\u009b") {
		t.Errorf("findings --json = %.300q, %v; want JSON's own escapes", out, err)
	}
}
