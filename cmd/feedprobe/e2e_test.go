package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/probe/simfeed/simfeedtest"
	"github.com/feedprobe/feedprobe/storage"
)

// needBrowser skips a browser test under -short or without Chromium, but
// fails it when CI=true.
func needBrowser(t *testing.T) {
	t.Helper()
	_, err := probe.FindChrome()
	simfeedtest.RequireBrowser(t, err)
}

// startSimfeed serves simfeed with its ground truth on a loopback port for
// the test's lifetime.
func startSimfeed(t *testing.T, cfg simfeed.Config) (*simfeed.Server, string) {
	t.Helper()
	return simfeedtest.Start(t, cfg)
}

const e2eCampaign = `campaign: e2e
platform: simfeed
base_url: %s
sessions: %d
items_per_session: %d
session_timeout: 90s
concurrency: 2
personas:
  - name: sports-fan
    role: test
    seed: 7
    interests: {sports: 1.0}
    behaviour:
      dwell: {median: 400ms, sigma: 0.3, min: 200ms, max: 1s}
      open: {base: 0.0, match: 1.0}
      like: {base: 0.0, match: 0.5}
      max_opens: 8
  - name: control
    role: control
    seed: 8
    behaviour:
      open: {base: 0.0, match: 0.0}
`

func writeCampaign(t *testing.T, base string, sessions, items int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "campaign.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(e2eCampaign, base, sessions, items)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// TestEndToEnd runs a campaign in real headless Chromium against simfeed and
// checks what was stored against what simfeed says it served.
func TestEndToEnd(t *testing.T) {
	needBrowser(t)
	const sessions, items = 3, 30
	// Full personalization from the first signal: a strong planted effect
	// that three short sessions must find.
	cfg := simfeed.DefaultConfig()
	cfg.Confidence = 0
	srv, base := startSimfeed(t, cfg)
	campaign := writeCampaign(t, base, sessions, items)
	dbPath := filepath.Join(t.TempDir(), "e2e.db")

	out, logs, err := runCLI(t, "run", campaign, "--db", dbPath)
	if err != nil {
		t.Fatalf("feedprobe run: %v\nstdout:\n%s\nlogs:\n%s", err, out, logs)
	}
	if !strings.Contains(out, fmt.Sprintf("%d of %d sessions done", 2*sessions, 2*sessions)) {
		t.Fatalf("run summary = %q, want all %d sessions done\nlogs:\n%s", out, 2*sessions, logs)
	}

	ctx := context.Background()
	db, err := storage.OpenReadOnly(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, err := db.CampaignByName(ctx, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	truth := srv.Truth()
	users := map[string]simfeed.TruthUser{}
	for _, u := range truth.Users {
		users[u.ID] = u
	}
	userOf := map[string]simfeed.TruthUser{}
	for _, p := range ps {
		ident, err := db.LoadIdentity(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		uid, ok := probe.IdentityCookie(ident, "sf_uid")
		if !ok {
			t.Fatalf("persona %s: no sf_uid cookie in its saved identity", p.Name)
		}
		u, ok := users[uid]
		if !ok {
			t.Fatalf("persona %s: cookie user %s unknown to simfeed", p.Name, uid)
		}
		// (1) The platform saw one user across all of the persona's sessions.
		if len(u.Visits) != sessions {
			t.Errorf("persona %s: simfeed saw %d feed visits by %s, want %d (identity not carried over?)", p.Name, len(u.Visits), uid, sessions)
		}
		if len(u.Devices) != 1 {
			t.Errorf("persona %s: simfeed saw devices %v, want exactly one (local storage not restored?)", p.Name, u.Devices)
		}
		userOf[p.Name] = u

		// (2) Stored items equal served items, in order, none lost or doubled.
		seq := 0
		for _, s := range all {
			if s.PersonaID != p.ID {
				continue
			}
			if s.Status != storage.StatusDone {
				t.Errorf("persona %s session %d: status %s (%s), want done", p.Name, s.Seq, s.Status, s.Error)
				continue
			}
			seq++
			imps, err := db.Impressions(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(imps) != items {
				t.Errorf("persona %s session %d: %d impressions, want %d", p.Name, s.Seq, len(imps), items)
			}
			if s.Seq > len(u.Visits) {
				continue
			}
			served := u.Visits[s.Seq-1].Served
			if len(served) < len(imps) {
				t.Fatalf("persona %s session %d: stored %d items but simfeed served only %d", p.Name, s.Seq, len(imps), len(served))
			}
			seen := map[string]bool{}
			for i, imp := range imps {
				if imp.Rank != i+1 {
					t.Errorf("persona %s session %d: impression %d has rank %d", p.Name, s.Seq, i, imp.Rank)
				}
				if seen[imp.ID] {
					t.Errorf("persona %s session %d: item %s stored twice", p.Name, s.Seq, imp.ID)
				}
				seen[imp.ID] = true
				if imp.ID != served[i].Item {
					t.Errorf("persona %s session %d rank %d: stored %s, simfeed served %s", p.Name, s.Seq, i+1, imp.ID, served[i].Item)
				}
			}
			// Only the batch prefetched when the probe stopped may be unseen.
			if extra := len(served) - len(imps); extra > truth.Config.BatchSize {
				t.Errorf("persona %s session %d: simfeed served %d items the probe did not store (more than one prefetched batch)", p.Name, s.Seq, extra)
			}
		}
		if seq != sessions {
			t.Errorf("persona %s: %d done sessions, want %d", p.Name, seq, sessions)
		}
	}

	// (3) The trained persona ends with a higher sports share than the
	// control, and simfeed's truth agrees.
	aout, alogs, err := runCLI(t, "analyze", "--db", dbPath, "--json")
	if err != nil {
		t.Fatalf("feedprobe analyze: %v\n%s", err, alogs)
	}
	var rep storage.Analysis
	if err := json.Unmarshal([]byte(aout), &rep); err != nil {
		t.Fatalf("analyze --json output does not decode: %v\n%s", err, aout)
	}
	var last *analysis.ControlComparison
	for i := range rep.Comparison {
		if c := &rep.Comparison[i]; c.Persona == "sports-fan" && c.Session == sessions {
			last = c
		}
	}
	if last == nil {
		t.Fatalf("no comparison row for sports-fan session %d in %+v", sessions, rep.Comparison)
	}
	if last.PersonaShare <= last.ControlShare+0.3 {
		t.Errorf("final session sports share: persona %.3f, control %.3f; want the persona clearly ahead", last.PersonaShare, last.ControlShare)
	}
	fan, ctl := userOf["sports-fan"], userOf["control"]
	if top := topKey(fan.Affinity); top != "sports" {
		t.Errorf("simfeed's learned top affinity for sports-fan = %q (%v), want sports", top, fan.Affinity)
	}
	if len(ctl.Affinity) != 0 {
		t.Errorf("simfeed learned an affinity %v for the blank control, want none", ctl.Affinity)
	}
	truthShare := servedShare(t, srv, fan.Visits[sessions-1].Served[:items], "sports")
	if d := truthShare - last.PersonaShare; d > 1e-9 || d < -1e-9 {
		t.Errorf("sports share from stored impressions %.4f, from simfeed's truth %.4f: want equal", last.PersonaShare, truthShare)
	}

	// Running the same command again resumes: nothing is left to do.
	out2, logs2, err := runCLI(t, "run", campaign, "--db", dbPath)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, logs2)
	}
	if !strings.Contains(logs2, "campaign already complete") {
		t.Errorf("second run did not see a complete campaign:\nstdout %s\nlogs %s", out2, logs2)
	}
	if got := len(users); got != len(srv.Truth().Users) {
		t.Errorf("second run visited simfeed: users %d -> %d", got, len(srv.Truth().Users))
	}
}

func topKey(m map[string]float64) string {
	best, bv := "", -1.0
	for k, v := range m {
		if v > bv || v == bv && k < best {
			best, bv = k, v
		}
	}
	return best
}

func servedShare(t *testing.T, srv *simfeed.Server, served []simfeed.Served, topic string) float64 {
	t.Helper()
	byID := map[string]string{}
	for _, it := range srv.Catalogue() {
		byID[it.ID] = it.Topic
	}
	n := 0
	for _, s := range served {
		if byID[s.Item] == topic {
			n++
		}
	}
	return float64(n) / float64(len(served))
}
