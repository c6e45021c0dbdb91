package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/storage"
)

const hostileTitle = `<script>window.pwned=1</script><img src=x onerror=alert(1)>`

// fakeFindings replaces the compliance checks for the test with fixed
// findings: art17-off with violation evidence (its example carries a
// hostile title) and art21-prices with none.
func fakeFindings(t *testing.T) {
	t.Helper()
	old := findingsOf
	findingsOf = func(context.Context, *storage.DB, storage.Campaign) ([]analysis.Finding, error) {
		return []analysis.Finding{
			{Check: analysis.CheckArt17Off, Article: "AR 17(1)", Question: "switch off?", Verdict: analysis.VerdictViolation,
				Reason: "still personalized", Effect: analysis.FindingEffect{Name: "share", Value: 0.8, Lo: 0.7, Hi: 0.9, Margin: 0.05},
				Examples: []analysis.FindingExample{{Persona: "p1", Session: 2, Surface: "feed", Rank: 1, ItemID: "it-1", Title: hostileTitle, Topic: "pets"}}},
			{Check: analysis.CheckArt21Prices, Article: "AR 21", Verdict: analysis.VerdictClean, Effect: analysis.FindingEffect{Name: "price"}},
		}, nil
	}
	t.Cleanup(func() { findingsOf = old })
}

func TestInspectionCommands(t *testing.T) {
	fakeFindings(t)
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "i.db")
	store, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.EnsureCampaign(ctx, storage.Campaign{Name: "audit-1", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{"name":"audit-1"}`), SpecHash: "h"}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing fields", []string{"inspection", "new", "--db", db}, "--case is required; --platform is required; --body is required"},
		{"bad kind", []string{"inspection", "new", "--db", db, "--case", "c", "--platform", "p", "--body", "b", "--kind", "audit"}, `--kind "audit": want self-inspection, on-site, re-inspection`},
		{"bad date", []string{"inspection", "new", "--db", db, "--case", "c", "--platform", "p", "--body", "b", "--start", "March"}, `--start "March": want a date`},
		{"unknown campaign", []string{"inspection", "new", "--db", db, "--case", "c", "--platform", "p", "--body", "b", "--campaign", "nope"}, `no campaign "nope"`},
		{"unknown subcommand", []string{"inspection", "delete"}, `unknown subcommand "delete"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v = %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
	out, stderr, err := runCLI(t, "inspection", "new", "--db", db, "--case", "CAC-1", "--platform", "simfeed", "--body", "CAC",
		"--kind", "self-inspection", "--start", "2026-03-01", "--campaign", "audit-1", "--time-zone", "Asia/Shanghai")
	if err != nil || !strings.Contains(out, "inspection 1: CAC-1") {
		t.Fatalf("inspection new = %q, %v\n%s", out, err, stderr)
	}
	if _, _, err := runCLI(t, "inspection", "new", "--db", db, "--case", "CAC-1", "--platform", "x", "--body", "y"); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("inspection new (same case) = %v, want exists already", err)
	}

	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"past deadline", []string{"--finding", "art17-off", "--deadline", "2020-01-01"}, "is not in the future"},
		{"bad deadline", []string{"--finding", "art17-off", "--deadline", "soon"}, `--deadline "soon": want a date`},
		{"unknown finding", []string{"--finding", "art99", "--deadline", future}, `no such finding in the inspection's campaigns (have: art17-off, art21-prices)`},
		{"clean finding", []string{"--finding", "art21-prices", "--deadline", future}, `has verdict "no evidence"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, append([]string{"order", "issue", "--db", db, "--inspection", "CAC-1"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("order issue %v = %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
	out, stderr, err = runCLI(t, "order", "issue", "--db", db, "--inspection", "1", "--finding", "art17-off", "--deadline", "2099-12-31", "--time-zone", "Asia/Shanghai")
	if err != nil || !strings.Contains(out, "order 1: art17-off") || !strings.Contains(out, "2099-12-31T16:00:00Z") {
		t.Fatalf("order issue = %q, %v, want order 1 due at the end of 2099-12-31 in Shanghai\n%s", out, err, stderr)
	}
	if _, _, err := runCLI(t, "order", "issue", "--db", db, "--inspection", "1", "--finding", "art17-off", "--deadline", "2099-12-31"); err == nil || !strings.Contains(err.Error(), "already ordered") {
		t.Errorf("order issue again = %v, want already ordered", err)
	}

	html := filepath.Join(t.TempDir(), "notice.html")
	if _, stderr, err := runCLI(t, "order", "notice", "--db", db, "--inspection", "CAC-1", "-o", html); err != nil {
		t.Fatalf("order notice: %v\n%s", err, stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<script>window") || strings.Contains(string(page), "<img src=x") {
		t.Error("notice carries the hostile title unescaped")
	}
	for _, want := range []string{"&lt;script&gt;window.pwned=1&lt;/script&gt;", "Order 1: art17-off", "2100-01-01 00:00:00 &#43;08:00 (Asia/Shanghai)", "open"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("notice lacks %q", want)
		}
	}
	out, _, err = runCLI(t, "order", "notice", "--db", db, "--inspection", "CAC-1", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var n auditreport.Notice
	if err := json.Unmarshal([]byte(out), &n); err != nil {
		t.Fatal(err)
	}
	if len(n.Orders) != 1 || n.Orders[0].Evidence == nil || len(n.Orders[0].Evidence.Examples) != 1 ||
		n.Orders[0].Evidence.Examples[0].Title != hostileTitle || n.Orders[0].Status != storage.OrderOpen {
		t.Errorf("notice JSON orders = %+v, want the open order with its example byte-exact", n.Orders)
	}
	out, _, err = runCLI(t, "inspection", "show", "CAC-1", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"self-inspection of simfeed by CAC, from 2026-03-01", "order 1 issued: art17-off", "re-inspection due"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspection show lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "inspection", "list", "--db", db)
	if err != nil || !strings.Contains(out, "CAC-1") || !strings.Contains(out, "1 open") {
		t.Errorf("inspection list = %q, %v; want CAC-1 with 1 open order", out, err)
	}
}
