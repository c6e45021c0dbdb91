package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

const reextractCampaign = `campaign: reextract
platform: simfeed-capture
adapter_file: %s
base_url: %s
sessions: 1
items_per_session: 24
session_timeout: 90s
concurrency: 2
personas:
  - name: sports-fan
    role: test
    seed: 7
    interests: {sports: 1.0}
    behaviour:
      open: {base: 0.0, match: 0.0}
  - name: control
    role: control
    seed: 8
    behaviour:
      open: {base: 0.0, match: 0.0}
`

// TestReextractFixesAWrongFieldPath captures a campaign in headless
// Chromium with an adapter whose topic path is wrong (every topic comes out
// empty), re-extracts it offline from the stored bodies with the path
// fixed, and checks the new extraction against simfeed's catalogue: every
// served item, in served order, with its right topic. The first extraction
// stays as it was and is what analyze reads by default; the new one is
// sealed: verify passes, then names an altered response body and an
// altered re-extracted row.
func TestReextractFixesAWrongFieldPath(t *testing.T) {
	needBrowser(t)
	srv, base := startSimfeed(t, simfeed.DefaultConfig())
	dir := t.TempDir()
	fixed, err := os.ReadFile("../../probe/adapters/simfeed-capture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The wrong version: the topic read from a key the JSON does not have,
	// and no topic from the page to fill it in.
	wrong := strings.Replace(string(fixed), "    topic: topic\n", "    topic: category\n", 1)
	wrong = strings.Replace(wrong, "  topic: {selector: .fp-topic}\n", "", 1)
	if wrong == string(fixed) || !strings.Contains(wrong, "topic: category") || strings.Contains(wrong, ".fp-topic") {
		t.Fatal("the adapter changed: the test cannot break its topic path")
	}
	wrongPath, fixedPath := filepath.Join(dir, "wrong.yaml"), filepath.Join(dir, "fixed.yaml")
	for p, data := range map[string]string{wrongPath: wrong, fixedPath: string(fixed)} {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	campaign := filepath.Join(dir, "campaign.yaml")
	if err := os.WriteFile(campaign, []byte(fmt.Sprintf(reextractCampaign, wrongPath, base)), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "re.db")
	out, logs, err := runCLI(t, "run", campaign, "--db", dbPath)
	if err != nil || !strings.Contains(out, "2 of 2 sessions done") {
		t.Fatalf("feedprobe run = %q, %v\nlogs:\n%s", out, err, logs)
	}
	q := func(query string) string {
		t.Helper()
		out, _, err := runCLI(t, "query", "--db", dbPath, "--format", "csv", query)
		if err != nil {
			t.Fatalf("query %s: %v", query, err)
		}
		return out
	}
	before := q("SELECT session_id, surface, rank, item_id, topic, source, served_rank FROM impressions ORDER BY 1, 2, 3")
	if got := q("SELECT count(*), sum(topic != ''), sum(served_rank IS NOT NULL) > 0 FROM impressions"); !strings.HasSuffix(got, ",0,1\n") || strings.HasPrefix(got, "count(*),sum(topic != ''),sum(served_rank IS NOT NULL) > 0\n0,") {
		t.Fatalf("the wrong adapter's impressions (count, with a topic, some served) = %q, want items, none with a topic", got)
	}
	if got := q("SELECT count(*) > 0 FROM evidence WHERE kind = 'response'"); got != "count(*) > 0\n1\n" {
		t.Fatalf("response evidence = %q, want some", got)
	}

	out, errs, err := runCLI(t, "reextract", "--adapter", fixedPath, "--db", dbPath)
	if err != nil || !strings.Contains(out, "extraction 1 of campaign \"reextract\"") {
		t.Fatalf("reextract = %q, %v\n%s", out, err, errs)
	}

	ctx := context.Background()
	db, err := storage.OpenReadOnly(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, err := db.CampaignByName(ctx, "reextract")
	if err != nil {
		t.Fatal(err)
	}
	topicOf := map[string]string{}
	for _, it := range srv.Catalogue() {
		topicOf[it.ID] = it.Topic
	}
	view, err := db.ReadingExtraction(ctx, camp.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		orig, err := db.Impressions(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := view.Impressions(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The same items served in the same order; now with topics.
		servedIDs := func(imps []feed.Impression) []string {
			byRank := map[int]string{}
			for _, im := range imps {
				if im.ServedRank > 0 {
					byRank[im.ServedRank] = im.ID
				}
			}
			ids := make([]string, len(byRank))
			for r, id := range byRank {
				if r < 1 || r > len(ids) {
					t.Fatalf("session %d: served ranks %v are not 1..%d", s.ID, byRank, len(ids))
				}
				ids[r-1] = id
			}
			return ids
		}
		o, a := servedIDs(orig), servedIDs(again)
		if len(o) == 0 || strings.Join(o, ",") != strings.Join(a, ",") {
			t.Errorf("session %d: re-extracted served order %v, want the original's %v", s.ID, a, o)
		}
		for _, im := range again {
			if want := topicOf[im.ID]; im.Topic != want || want == "" {
				t.Errorf("session %d: re-extracted %s has topic %q, want %q", s.ID, im.ID, im.Topic, want)
			}
		}
		if len(again) != len(orig) {
			t.Errorf("session %d: %d re-extracted impressions, want the original's %d", s.ID, len(again), len(orig))
		}
	}
	// The live capture kept each served item's JSON too.
	if got := q("SELECT count(*) > 0, count(*) = sum(raw LIKE '{%\"id\":%'), sum(raw IS NOT NULL AND served_rank IS NULL) FROM impressions WHERE served_rank IS NOT NULL OR raw IS NOT NULL"); !strings.HasSuffix(got, "\n1,1,0\n") {
		t.Errorf("captured served items with their raw JSON = %q, want every served one and no other", got)
	}
	if got := q("SELECT count(*) = sum(raw LIKE '{%\"id\":%'), sum(source = 'network' OR source = 'both') > 0 FROM extraction_impressions WHERE served_rank IS NOT NULL"); !strings.HasSuffix(got, "\n1,1\n") {
		t.Errorf("re-extracted served items with their raw JSON = %q, want every one", got)
	}
	// The first extraction is untouched and still what analyze reads.
	if after := q("SELECT session_id, surface, rank, item_id, topic, source, served_rank FROM impressions ORDER BY 1, 2, 3"); after != before {
		t.Errorf("the original impressions changed:\n%s\nwant\n%s", after, before)
	}
	orig, _, err := runCLI(t, "analyze", "--db", dbPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	fixedOut, _, err := runCLI(t, "analyze", "--db", dbPath, "--json", "--extraction", "1")
	if err != nil {
		t.Fatal(err)
	}
	if o, f := sharedTopics(t, orig), sharedTopics(t, fixedOut); o != "" || !strings.Contains(f, "sports") {
		t.Errorf("analyze: topics in the original's shares %q (want none: its topics are empty), in extraction 1's %q (want sports among them)", o, f)
	}
	if _, _, err := runCLI(t, "analyze", "--db", dbPath, "--extraction", "7"); err == nil {
		t.Error("analyze --extraction 7 (none) succeeded")
	}

	if out, _, err := runCLI(t, "verify", "--db", dbPath); err != nil {
		t.Fatalf("verify after reextract: %v\n%s", err, out)
	}
	// Tamper with one stored response body and one re-extracted row.
	var body string
	if _, err := fmt.Sscan(strings.TrimPrefix(q("SELECT file FROM evidence WHERE kind = 'response' ORDER BY seq LIMIT 1"), "file\n"), &body); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(storage.EvidenceDir(dbPath), body)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), `"topic":`, `"topiq":`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustExec(t, dbPath, "UPDATE extraction_impressions SET topic = 'forged' WHERE rank = 2")
	out, _, err = runCLI(t, "verify", "--db", dbPath)
	for _, w := range []string{"FAIL file altered", path, "response of \"GET ", "FAIL sealed row changed", "extraction_impressions"} {
		if err == nil || !strings.Contains(out, w) {
			t.Errorf("verify after tampering = %v, output lacks %q:\n%s", err, w, out)
		}
	}
	// And reextract refuses the altered body rather than read it.
	if out, errs, err := runCLI(t, "reextract", "--adapter", fixedPath, "--db", dbPath); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("reextract over an altered body = %q, %v\n%s; want an error naming it", out, err, errs)
	}
	if got := q("SELECT count(*), max(finished_at IS NOT NULL) FROM extractions"); got != "count(*),max(finished_at IS NOT NULL)\n1,1\n" {
		t.Errorf("extractions after a failed reextract = %q, want only the first, finished", got)
	}
}

// sharedTopics returns the non-empty topics of every topic_shares object of
// analyze's JSON, sorted and joined.
func sharedTopics(t *testing.T, analyzeJSON string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(analyzeJSON), &v); err != nil {
		t.Fatalf("analyze JSON: %v", err)
	}
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if shares, ok := x.(map[string]any); ok && k == "topic_shares" {
					for topic := range shares {
						if topic != "" {
							seen[topic] = true
						}
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return strings.Join(slices.Sorted(maps.Keys(seen)), ",")
}
