package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// A tamperer edits the file with plain SQLite, not through storage.
	_ "github.com/mattn/go-sqlite3"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/storage"
)

// dataT0 is when the test databases' sessions start.
var dataT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mustStartedSession makes a database at path with campaign "c" (platform
// simfeed), persona "p1" with the given role, and its one session started
// at dataT0. The caller closes the database.
func mustStartedSession(t *testing.T, path, role string) (*storage.DB, storage.Campaign, storage.Persona, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: "c", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.EnsurePersona(ctx, storage.Persona{CampaignID: c.ID, Name: "p1", Role: role, Spec: []byte(`{"name":"p1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StartSession(ctx, ss[0].ID, dataT0); err != nil {
		t.Fatal(err)
	}
	return db, c, p, ss[0].ID
}

// mustDataDB makes a database with one finished session of the given titles
// (item ids it-1..), sealed into the evidence chain with one HTML file.
func mustDataDB(t *testing.T, titles ...string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data.db")
	db, _, p, sid := mustStartedSession(t, path, "test")
	defer db.Close()
	t0 := dataT0
	var imps []feed.Impression
	for i, title := range titles {
		imps = append(imps, feed.Impression{Item: feed.Item{ID: fmt.Sprintf("it-%d", i+1), Title: title, Topic: "news"}, Rank: i + 1, SeenAt: t0, Surface: "feed"})
	}
	if err := db.SaveImpressions(ctx, sid, imps); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveIdentity(ctx, p.ID, []byte("cookie-secret")); err != nil {
		t.Fatal(err)
	}
	ev := storage.NewEvidenceStore(db, storage.EvidenceDir(path))
	if err := ev.SaveEvidence(ctx, sid, feed.Evidence{Kind: "html", Reason: "end", At: t0, Data: []byte("<html>" + strings.Join(titles, "</p><p>") + "</html>")}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, sid, storage.StatusDone, "", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := ev.SealSession(ctx, sid); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestQueryCommandRefusesWrites(t *testing.T) {
	path := mustDataDB(t, "one", "two", "three")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM impressions", "UPDATE items SET title = 'x'", "DROP TABLE labels"} {
		_, _, err := runCLI(t, "query", "--db", path, q)
		if err == nil || !strings.Contains(err.Error(), "only reads and changed nothing") {
			t.Errorf("query %q = %v, want a refusal that says nothing changed", q, err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("the database file changed after refused writes")
	}
	out, _, err := runCLI(t, "query", "--db", path, "--format", "csv", "SELECT rank, title FROM impressions ORDER BY rank")
	if err != nil || out != "rank,title\n1,one\n2,two\n3,three\n" {
		t.Errorf("query csv = %q, %v", out, err)
	}
	out, _, err = runCLI(t, "query", "--db", path, "--format", "json", "SELECT persona_id, identity FROM persona_state")
	var rows []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0]["identity"] != nil {
		t.Errorf("query json of persona_state = %q, %v; want the identity as null", out, err)
	}
	out, _, err = runCLI(t, "query", "--db", path, "SELECT rank, title FROM impressions WHERE rank = 2")
	if err != nil || !strings.Contains(out, "rank  title\n2     two\n") {
		t.Errorf("query table = %q, %v", out, err)
	}
}

func TestLabelApplyChineseLexicon(t *testing.T) {
	path := mustDataDB(t, "今天去赌博了，好开心", "Ｃａｓｉｎｏ　night", "做饭的十个技巧", "极端节食三十天")
	lex := filepath.Join(t.TempDir(), "lex.yaml")
	if err := os.WriteFile(lex, []byte("name: zh\ncategories:\n  gambling: [赌博, casino]\n  self_harm: [/极端\\s*节食/]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "label", "apply", "--db", path, "--lexicon", lex)
	if err != nil {
		t.Fatalf("label apply: %v", err)
	}
	if !strings.Contains(out, "labelled 4 items (8 labels)") {
		t.Errorf("label apply output = %q", out)
	}
	out, _, err = runCLI(t, "query", "--db", path, "--format", "csv",
		"SELECT item_id, category, value, source, source_version LIKE 'zh@%' FROM labels WHERE value > 0 ORDER BY item_id, category")
	want := "item_id,category,value,source,source_version LIKE 'zh@%'\nit-1,gambling,1,lexicon,1\nit-2,gambling,1,lexicon,1\nit-4,self_harm,1,lexicon,1\n"
	if err != nil || out != want {
		t.Errorf("positive labels =\n%s%v\nwant\n%s", out, err, want)
	}
	// A bad lexicon names file, line and field.
	if err := os.WriteFile(lex, []byte("categories:\n  gambling:\n    - /赌(/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "label", "apply", "--db", path, "--lexicon", lex); err == nil || !strings.Contains(err.Error(), lex+":3: categories.gambling[0]: bad regular expression") {
		t.Errorf("bad lexicon error = %v", err)
	}
}

func TestLabelImportBadRows(t *testing.T) {
	path := mustDataDB(t, "a", "b", "c")
	csvPath := filepath.Join(t.TempDir(), "labels.csv")
	body := "platform,item_id,category,value,annotator\n" +
		"simfeed,it-1,gambling,1,alice\n" + // line 2: good
		"simfeed,it-2,gambling,yes,alice\n" + // line 3: value
		"simfeed,,gambling,0,alice\n" + // line 4: item_id
		"simfeed,it-3,gambling,0\n" + // line 5: field count
		"simfeed,it-3,gambling,0,bob\n" + // line 6: good
		"simfeed,it-1,gambling,0,bob\n" // line 7: good
	if err := os.WriteFile(csvPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCLI(t, "label", "import", csvPath, "--db", path, "--round", "r1")
	if err == nil || !strings.Contains(err.Error(), "3 problems") {
		t.Errorf("label import error = %v, want 3 problems", err)
	}
	for _, w := range []string{csvPath + ":3: value:", csvPath + ":4: item_id: empty", csvPath + ":5: 4 fields"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not name %q", stderr, w)
		}
	}
	if !strings.Contains(out, "imported 3 manual labels") {
		t.Errorf("stdout = %q", out)
	}
	out, _, err = runCLI(t, "query", "--db", path, "--format", "csv", "SELECT item_id, value, annotator, source, source_version FROM labels ORDER BY item_id, annotator")
	want := "item_id,value,annotator,source,source_version\nit-1,1,alice,manual,r1\nit-1,0,bob,manual,r1\nit-3,0,bob,manual,r1\n"
	if err != nil || out != want {
		t.Errorf("labels =\n%s%v\nwant\n%s", out, err, want)
	}
	// Agreement: alice and bob share it-1 and disagree.
	out, _, err = runCLI(t, "label", "stats", "--db", path, "--json")
	var st analysis.LabelStats
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("label stats --json = %q, %v", out, err)
	}
	if len(st.Agreement) != 1 || st.Agreement[0].N != 1 || st.Agreement[0].Agree != 0 {
		t.Errorf("agreement = %+v, want alice vs bob on 1 item, 0 agreeing", st.Agreement)
	}
}

func TestImportExternalCSVThenAnalyze(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "ext.db")
	// Two personas of another tool, two visits of 10 items each: the
	// trained one sees more sports in its second visit; the control sees
	// 2 sports items of 10 each time.
	var b strings.Builder
	b.WriteString("user,visit,position,video_id,caption,category,group,trained_on,is_gambling\n")
	sportsN := map[string][]int{"fan": {4, 8}, "ctl": {2, 2}}
	for _, user := range []string{"fan", "ctl"} {
		group, trained := "test", "sports"
		if user == "ctl" {
			group, trained = "control", ""
		}
		for visit := 1; visit <= 2; visit++ {
			for pos := 1; pos <= 10; pos++ {
				topic := "cooking"
				if pos <= sportsN[user][visit-1] {
					topic = "sports"
				}
				gamb := ""
				caption := fmt.Sprintf("video %d", pos)
				if pos == 10 {
					gamb, caption = "1", "big casino jackpot"
				}
				fmt.Fprintf(&b, "%s,%d,%d,v-%s-%d-%d,%s,%s,%s,%s,%s\n", user, visit, pos, user, visit, pos, caption, topic, group, trained, gamb)
			}
		}
	}
	csvPath := filepath.Join(dir, "other-tool.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"import", "--format", "csv", csvPath, "--db", dbPath, "--campaign", "other", "--platform", "tiktok",
		"--map", "persona=user", "--map", "session=visit", "--map", "rank=position", "--map", "item_id=video_id",
		"--map", "title=caption", "--map", "topic=category", "--map", "role=group", "--map", "interest=trained_on",
		"--map", "label.gambling=is_gambling"}
	out, _, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if !strings.Contains(out, "2 personas, 4 sessions, 40 impressions, 4 labels") {
		t.Errorf("import output = %q", out)
	}
	// The same name again is refused and changes nothing.
	if _, _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second import = %v, want campaign already exists", err)
	}

	out, logs, err := runCLI(t, "analyze", "--db", dbPath, "--campaign", "other", "--json")
	if err != nil {
		t.Fatalf("analyze: %v\n%s", err, logs)
	}
	var rep struct {
		Summary struct {
			Impressions int `json:"impressions"`
			Personas    []struct {
				Name        string `json:"name"`
				Role        string `json:"role"`
				TopInterest string `json:"top_interest"`
				Sessions    []struct {
					Session          int                `json:"session"`
					N                int                `json:"n"`
					TopicShares      map[string]float64 `json:"topic_shares"`
					TopInterestShare float64            `json:"top_interest_share"`
					HarmfulShare     float64            `json:"harmful_share"`
				} `json:"sessions"`
			} `json:"personas"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("analyze --json: %v\n%s", err, out)
	}
	if rep.Summary.Impressions != 40 || len(rep.Summary.Personas) != 2 {
		t.Fatalf("analyze: %d impressions, %d personas, want 40 and 2", rep.Summary.Impressions, len(rep.Summary.Personas))
	}
	for _, p := range rep.Summary.Personas {
		if len(p.Sessions) != 2 {
			t.Fatalf("persona %s: %d sessions, want 2", p.Name, len(p.Sessions))
		}
		for i, s := range p.Sessions {
			want := float64(sportsN[p.Name][i]) / 10
			if s.N != 10 || s.TopicShares["sports"] != want {
				t.Errorf("%s session %d: n %d, sports share %v, want 10, %v", p.Name, s.Session, s.N, s.TopicShares["sports"], want)
			}
			if p.Name == "fan" && (p.TopInterest != "sports" || s.TopInterestShare != want) {
				t.Errorf("fan session %d: top interest %q share %v, want sports %v", s.Session, p.TopInterest, s.TopInterestShare, want)
			}
		}
		if p.Name == "ctl" && p.Role != "control" {
			t.Errorf("ctl role = %q, want control", p.Role)
		}
	}

	// Bad rows are named by line and nothing is imported.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("persona,session,item_id\nfan,1,a\nfan,x,b\n,2,c\nfan,1,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, "import", "--format", "csv", bad, "--db", dbPath, "--platform", "tiktok")
	for _, w := range []string{bad + ":3: session:", bad + ":4: persona: empty", "nothing imported"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("bad import error = %v, want it to contain %q", err, w)
		}
	}
	if out, _, _ := runCLI(t, "query", "--db", dbPath, "--format", "csv", "SELECT count(*) FROM campaigns"); out != "count(*)\n1\n" {
		t.Errorf("campaigns after a bad import = %q, want 1", out)
	}
}

func TestExportAndSchemaCommands(t *testing.T) {
	path := mustDataDB(t, "a", "b")
	out := filepath.Join(t.TempDir(), "export")
	stdout, _, err := runCLI(t, "export", "--db", path, "--format", "parquet", "--out", out)
	if err != nil || !strings.Contains(stdout, "impressions") {
		t.Fatalf("export = %q, %v", stdout, err)
	}
	var m storage.ExportManifest
	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil || json.Unmarshal(data, &m) != nil {
		t.Fatalf("manifest: %v", err)
	}
	for _, tb := range m.Tables {
		if tb.Table == "persona_state" {
			t.Error("persona_state exported")
		}
		if tb.Table == "impressions" && tb.Rows != 2 {
			t.Errorf("impressions rows = %d, want 2", tb.Rows)
		}
	}
	// One campaign by name; an unknown one is an error naming it.
	one := filepath.Join(t.TempDir(), "one")
	if _, stderr, err := runCLI(t, "export", "--db", path, "--format", "csv", "--out", one, "--campaign", "c"); err != nil {
		t.Fatalf("export --campaign c: %v\n%s", err, stderr)
	}
	data, err = os.ReadFile(filepath.Join(one, "manifest.json"))
	if err != nil || json.Unmarshal(data, &m) != nil || m.CampaignID == 0 {
		t.Fatalf("manifest of export --campaign c: campaign_id %d, %v", m.CampaignID, err)
	}
	if _, stderr, err := runCLI(t, "export", "--db", path, "--out", filepath.Join(t.TempDir(), "x"), "--campaign", "nope"); err == nil || !strings.Contains(stderr+err.Error(), "nope") {
		t.Errorf("export --campaign nope: err %v, stderr %q; want an error naming it", err, stderr)
	}
	md, _, err := runCLI(t, "schema", "--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"### `impressions`", "| `seen_at` | timestamp | yes |", "### `evidence`", "Secret: never exported"} {
		if !strings.Contains(md, w) {
			t.Errorf("schema markdown lacks %q", w)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	path := mustDataDB(t, "a", "b", "c")
	out, _, err := runCLI(t, "verify", "--db", path)
	if err != nil || !strings.Contains(out, "ok: every file and row matches") {
		t.Fatalf("verify of an untouched database = %q, %v", out, err)
	}
	// Flip one byte of the evidence file and edit one impression.
	var file string
	filepath.WalkDir(storage.EvidenceDir(path), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			file = p
		}
		return nil
	})
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[3] ^= 0x20
	os.Chmod(file, 0o644)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mustExec(t, path, "UPDATE impressions SET title = 'edited' WHERE rank = 2")
	out, _, err = runCLI(t, "verify", "--db", path)
	if err == nil {
		t.Fatalf("verify after tampering succeeded:\n%s", out)
	}
	for _, w := range []string{"FAIL file altered", file, "FAIL impression changed", "feed rank 2"} {
		if !strings.Contains(out, w) {
			t.Errorf("verify output does not contain %q:\n%s", w, out)
		}
	}
}

// mustExec changes a database behind feedprobe's back, as a tamperer would.
func mustExec(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}
