package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportZeeschuimer imports the project's TikTok, Douyin and RedNote
// Zeeschuimer fixtures: one session per page view, ranks in the order
// collected, the ad and AI-generated flags, each item's JSON in the raw
// column; export leaves raw out unless --raw; verify covers the raw column.
func TestImportZeeschuimer(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "zs.db")
	for _, f := range []string{"tiktok", "douyin", "rednote"} {
		file := filepath.Join("..", "..", "probe", "testdata", "zeeschuimer", f+".ndjson")
		out, errs, err := runCLI(t, "import", "--format", "zeeschuimer", file, "--db", dbPath)
		if err != nil || !strings.Contains(out, `imported campaign "`+f+`"`) {
			t.Fatalf("import %s = %q, %v\n%s", f, out, err, errs)
		}
	}
	q := func(query string) string {
		t.Helper()
		out, _, err := runCLI(t, "query", "--db", dbPath, "--format", "csv", query)
		if err != nil {
			t.Fatalf("query %s: %v", query, err)
		}
		return strings.SplitN(out, "\n", 2)[1]
	}
	if got, want := q(`SELECT c.platform, s.seq, i.rank, i.item_id, i.sponsored, i.synthetic, json_extract(i.raw, '$.id') = i.item_id
		FROM impressions i JOIN sessions s ON s.id = i.session_id JOIN campaigns c ON c.id = s.campaign_id
		WHERE c.name = 'tiktok' ORDER BY s.seq, i.rank`), `tiktok,1,1,7400000000000000001,0,0,1
tiktok,1,2,7400000000000000002,1,0,1
tiktok,1,3,7400000000000000003,0,1,1
tiktok,1,4,7400000000000000004,0,0,1
tiktok,2,1,7400000000000000005,0,0,1
tiktok,2,2,7400000000000000002,1,0,1
`; got != want {
		t.Errorf("tiktok impressions:\n%s\nwant\n%s", got, want)
	}
	if got := q(`SELECT c.platform, count(*), sum(i.sponsored), sum(i.synthetic), count(DISTINCT i.session_id) FROM impressions i
		JOIN sessions s ON s.id = i.session_id JOIN campaigns c ON c.id = s.campaign_id GROUP BY c.platform ORDER BY 1`); got != "douyin,5,1,1,2\ntiktok,6,2,1,2\nxiaohongshu,5,1,1,2\n" {
		t.Errorf("per platform (impressions, ads, AI, sessions) = %q", got)
	}
	if out, _, err := runCLI(t, "analyze", "--db", dbPath, "--campaign", "douyin"); err != nil || !strings.Contains(out, "douyin") {
		t.Errorf("analyze of an import = %v\n%s", err, out)
	}

	plain, withRaw := filepath.Join(dir, "plain"), filepath.Join(dir, "raw")
	if _, _, err := runCLI(t, "export", "--db", dbPath, "--format", "csv", "--out", plain); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "export", "--db", dbPath, "--format", "jsonl", "--out", withRaw, "--raw"); err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile(filepath.Join(plain, "impressions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(string(head), "\n", 2)[0]; strings.Contains(first, "raw") || strings.Contains(string(head), `{""`) {
		t.Errorf("export without --raw has the raw column: %s", first)
	}
	rawRows, err := os.ReadFile(filepath.Join(withRaw, "impressions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rawRows), `"raw":`) || !strings.Contains(string(rawRows), "Folding a paper crane") {
		t.Errorf("export --raw lacks the items' JSON:\n%.400s", rawRows)
	}

	if out, _, err := runCLI(t, "verify", "--db", dbPath); err != nil {
		t.Fatalf("verify after import: %v\n%s", err, out)
	}
	mustExec(t, dbPath, `UPDATE impressions SET raw = replace(raw, 'Folding', 'Forging') WHERE item_id = '7400000000000000001'`)
	out, _, err := runCLI(t, "verify", "--db", dbPath)
	if err == nil || !strings.Contains(out, "FAIL impression changed") {
		t.Errorf("verify after changing an item's raw JSON = %v, want an impression changed:\n%s", err, out)
	}

	bad := filepath.Join(dir, "bad.ndjson")
	data, _ := os.ReadFile(filepath.Join("..", "..", "probe", "testdata", "zeeschuimer", "rednote.ndjson"))
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = strings.Replace(lines[2], "xiaohongshu.com", "weibo.com", 1)
	os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644)
	if _, _, err := runCLI(t, "import", "--format", "zeeschuimer", bad, "--db", dbPath); err == nil || !strings.Contains(err.Error(), bad+`:3: source_platform "weibo.com" is not supported`) {
		t.Errorf("import of an unknown platform = %v, want the line named", err)
	}
}
