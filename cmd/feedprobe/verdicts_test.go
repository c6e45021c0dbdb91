package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// TestPlanUnknownTopics: plan names the topics simfeed does not have,
// refuses a campaign whose test personas have none it has, and prints the
// smallest attainable p of the design's persona units.
func TestPlanUnknownTopics(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	write := func(interests string) string {
		path := filepath.Join(dir, "c.yaml")
		data := "campaign: px\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 10\npersonas:\n" +
			"  - name: a\n    interests: {knitting: 1}\n  - name: b\n    interests: " + interests + "\n  - name: c\n    role: control\n"
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_, _, err := runCLI(t, "plan", write("{chess: 1}"), "--campaigns", "1")
	if err == nil || !strings.Contains(err.Error(), `no topic "chess" (b), "knitting" (a)`) || !strings.Contains(err.Error(), "sports") {
		t.Errorf("plan with no known topic = %v, want an error naming chess and knitting and listing simfeed's topics", err)
	}
	out, logs, err := runCLI(t, "plan", write("{sports: 1}"), "--campaigns", "1")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, logs)
	}
	// two strata of 2 (each test persona with the one free control): 1/4
	if !strings.Contains(out, `warning: simfeed has no topic "knitting" (a)`) || !strings.Contains(out, "smallest attainable p 0.25: not below alpha") {
		t.Errorf("plan output:\n%s\nwant the unknown topic named and the smallest p 0.25 flagged", out)
	}
}

// roundTripCampaign has what an import must keep: twins, a control
// matched by arm:, a free control, weighted interests and traits.
const roundTripCampaign = `campaign: rt
platform: simfeed
base_url: http://simfeed.test
sessions: 3
items_per_session: 25
twins: 1
personas:
  - name: sports-fan
    interests: {sports: 1, finance: 0.5}
    traits: {age_group: minor, device: mobile}
    behaviour: &b {open: {base: 0, match: 1}, like: {base: 0, match: 0.5}, max_opens: 8}
  - name: cooking-fan
    interests: {cooking: 1}
    behaviour: *b
  - name: cooking-blank
    role: control
    arm: cooking-fan
  - name: free-blank
    role: control
`

// exportForImport is the SQL that writes a campaign in import's CSV
// layout: one row per impression with the persona's design.
const exportForImport = `SELECT p.name AS persona, s.seq AS session, i.rank, i.surface, i.item_id, i.title, i.topic, i.seen_at,
  CASE WHEN json_extract(p.spec, '$.twin_of') IS NOT NULL THEN 'twin' ELSE p.role END AS role,
  json_extract(p.spec, '$.twin_of') AS twin_of, json_extract(p.spec, '$.arm') AS arm,
  (SELECT group_concat(key || ':' || value, ';') FROM json_each(p.spec, '$.interests')) AS interests,
  json_extract(p.spec, '$.traits.age_group') AS age_group, json_extract(p.spec, '$.traits.locale') AS locale,
  json_extract(p.spec, '$.traits.device') AS device
FROM impressions i JOIN sessions s ON s.id = i.session_id JOIN personas p ON p.id = s.persona_id
WHERE s.status = 'done' ORDER BY p.id, s.seq, i.surface, i.rank`

// TestImportRoundTrip: a campaign run against simfeed (puppets), written
// out as CSV, imported into a new database and analysed gives the same
// analyze --json as the original to 1e-9, but for the campaign's own
// identity and the start-time gap (an import has no start times).
func TestImportRoundTrip(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.db")
	db, err := storage.Open(context.Background(), orig)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := simfeed.New(simfeed.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	puppetCampaign(t, db, srv, roundTripCampaign, "")
	db.Close()
	csvText, logs, err := runCLI(t, "query", "--db", orig, "--format", "csv", exportForImport)
	if err != nil {
		t.Fatalf("query: %v\n%s", err, logs)
	}
	csvPath := filepath.Join(dir, "rt.csv")
	if err := os.WriteFile(csvPath, []byte(csvText), 0o644); err != nil {
		t.Fatal(err)
	}
	copyDB := filepath.Join(dir, "copy.db")
	if _, logs, err := runCLI(t, "import", "--format", "csv", csvPath, "--db", copyDB, "--campaign", "rt-copy", "--platform", "simfeed"); err != nil {
		t.Fatalf("import: %v\n%s", err, logs)
	} else if strings.Contains(logs, "warning") {
		t.Errorf("import warned about columns of its own layout: %s", logs)
	}
	analyze := func(path, campaign string) map[string]any {
		t.Helper()
		out, logs, err := runCLI(t, "analyze", "--db", path, "--campaign", campaign, "--json")
		if err != nil {
			t.Fatalf("analyze %s: %v\n%s", path, err, logs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "campaign")
		delete(m, "max_start_gap")
		return m
	}
	a, b := analyze(orig, "rt"), analyze(copyDB, "rt-copy")
	var diffs []string
	jsonDiff("", a, b, &diffs)
	if len(diffs) > 0 {
		t.Errorf("imported campaign analyses differently (%d differences), first: %s", len(diffs), strings.Join(diffs[:min(len(diffs), 10)], "; "))
	}
	// the design survived: the twin pairs, the arm control matches
	ps := a["audit"].(map[string]any)["personas"].([]any)
	if len(ps) != 6 {
		t.Fatalf("audit personas = %d, want 6 (2 test, 2 twins, 2 controls)", len(ps))
	}
}

// jsonDiff lists the paths where x and y differ, numbers within 1e-9.
func jsonDiff(path string, x, y any, out *[]string) {
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok || len(xv) != len(yv) {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, keysOf(xv), y))
			return
		}
		for k := range xv {
			jsonDiff(path+"."+k, xv[k], yv[k], out)
		}
	case []any:
		yv, ok := y.([]any)
		if !ok || len(xv) != len(yv) {
			*out = append(*out, fmt.Sprintf("%s: %d items vs %v", path, len(xv), y))
			return
		}
		for i := range xv {
			jsonDiff(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i], out)
		}
	case float64:
		yv, ok := y.(float64)
		if !ok || math.Abs(xv-yv) > 1e-9 {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, x, y))
		}
	default:
		if x != y {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, x, y))
		}
	}
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestLabelImportJoins: labels naming no item of the database are refused
// with the platforms it holds; labels that join are kept, and label stats
// shows where the manual labels disagree with the lexicon.
func TestLabelImportJoins(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "l.db")
	db, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := simfeed.New(simfeed.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt17Small, "lab"), "")
	var item string
	if err := db.EachItem(context.Background(), "simfeed", func(it storage.CatalogueItem) error {
		item = it.ItemID
		return errStop
	}); err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	db.Close()
	if _, _, err := runCLI(t, "label", "apply", "--db", dbPath); err != nil {
		t.Fatal(err)
	}
	write := func(platform string) string {
		path := filepath.Join(dir, platform+".csv")
		data := "platform,item_id,category,value,annotator\n" + platform + "," + item + ",gambling,1,ann\n"
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_, _, err = runCLI(t, "label", "import", write("tiktok"), "--db", dbPath)
	if err == nil || !regexp.MustCompile(`none of the 1 labels .* platforms held: simfeed \(\d+ items\)`).MatchString(err.Error()) {
		t.Errorf("label import on the wrong platform = %v, want an error naming simfeed", err)
	}
	if _, logs, err := runCLI(t, "label", "import", write("simfeed"), "--db", dbPath); err != nil {
		t.Fatalf("label import: %v\n%s", err, logs)
	}
	out, _, err := runCLI(t, "label", "stats", "--db", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	// the item's title matched no gambling term (else pick another): the
	// lexicon says 0, the manual label 1, and manual wins.
	if !regexp.MustCompile(`(?m)^\s+simfeed\s+` + regexp.QuoteMeta(item) + `\s+gambling\s+lexicon=0 \*manual=1$`).MatchString(out) {
		t.Errorf("label stats:\n%s\nwant %s gambling listed as a disagreement, manual picked", out, item)
	}
}

var errStop = errors.New("stop")
