package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// TestInitTemplates: every template is written, validates, takes
// --base-url, and is not overwritten without --force.
func TestInitTemplates(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCLI(t, "init", "--list")
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(out)
	want := []string{"art11-key-positions", "art12-diversity", "art17-off", "art17-tags", "art18-minors", "art21-prices", "dsa38", "watch-history"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("init --list = %v, want %v", names, want)
	}
	for _, name := range names {
		path := filepath.Join(dir, name+".yaml")
		if _, logs, err := runCLI(t, "init", "--template", name, "-o", path, "--base-url", "http://127.0.0.1:9999"); err != nil {
			t.Fatalf("init %s: %v\n%s", name, err, logs)
		}
		c, err := personas.LoadCampaign(path)
		if err != nil {
			t.Errorf("template %s does not validate: %v", name, err)
			continue
		}
		if c.BaseURL != "http://127.0.0.1:9999" || c.Design.Rationale == "" || c.Design.SamplingFrame == "" || c.Design.Period == "" {
			t.Errorf("template %s: base_url %q, design %+v; want the flag's URL and a full design", name, c.BaseURL, c.Design)
		}
		if _, _, err := runCLI(t, "init", "--template", name, "-o", path); err == nil || !strings.Contains(err.Error(), "--force") {
			t.Errorf("init over an existing file = %v, want a refusal naming --force", err)
		}
	}
	if _, _, err := runCLI(t, "init", "--template", "art99"); err == nil || !strings.Contains(err.Error(), "art17-off") {
		t.Errorf("init --template art99 = %v, want an error listing the templates", err)
	}
}

var hotState = regexp.MustCompile(`(?s)<script type="application/json" id="sf-hot-state">(.*?)</script>`)

// puppetCampaign plays the campaign in yamlText against srv with
// browserless puppets and stores every session in db, like feedprobe run.
// With hotPath set, each session also snapshots that hot-list page as
// the persona (surface "hot").
func puppetCampaign(t *testing.T, db *storage.DB, srv *simfeed.Server, yamlText, hotPath string) storage.Campaign {
	t.Helper()
	ctx := context.Background()
	c, err := personas.ParseCampaign("campaign.yaml", []byte(yamlText), ".")
	if err != nil {
		t.Fatal(err)
	}
	plans, camp, _, err := daemon.PlanCampaign(ctx, db, c)
	if err != nil {
		t.Fatal(err)
	}
	rt := simfeed.HandlerTransport{Handler: srv}
	type player struct {
		plan probe.PersonaPlan
		pp   *simfeed.Puppet
	}
	var players []player
	for _, p := range plans {
		pp, err := simfeed.NewPuppet(p.Persona, "http://simfeed.test", rt)
		if err != nil {
			t.Fatal(err)
		}
		players = append(players, player{p, pp})
	}
	// Session by session, every persona in turn: the lock-step order.
	for seq := 1; seq <= c.Sessions; seq++ {
		for _, pl := range players {
			job := pl.plan.Jobs[seq-1]
			now := time.Now().UTC()
			if err := db.StartSession(ctx, job.SessionID, now); err != nil {
				t.Fatal(err)
			}
			items, err := pl.pp.Session(ctx, job.Seq, c.ItemsPerSession)
			if err != nil {
				t.Fatal(err)
			}
			imps := make([]feed.Impression, len(items))
			for i, it := range items {
				imps[i] = feed.Impression{Item: feed.Item{ID: it.ID, Title: it.Title, Topic: it.Topic, Sponsored: it.Sponsored},
					Rank: it.Rank, SeenAt: now.Add(time.Duration(i) * time.Millisecond), Surface: "feed"}
			}
			if hotPath != "" {
				imps = append(imps, hotSnapshot(t, rt, pl.pp.UserID(), hotPath, now)...)
			}
			if err := db.SaveImpressions(ctx, job.SessionID, imps); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishSession(ctx, job.SessionID, storage.StatusDone, "", now.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return camp
}

// hotSnapshot reads a hot-list page as the user and returns its entries
// as impressions of surface "hot".
func hotSnapshot(t *testing.T, rt http.RoundTripper, user, path string, now time.Time) []feed.Impression {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://simfeed.test"+path, nil)
	req.AddCookie(&http.Cookie{Name: simfeed.CookieName, Value: user})
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	if _, err := fmt.Fprint(&b, readAll(t, res)); err != nil {
		t.Fatal(err)
	}
	m := hotState.FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("%s: no hot-list state in the page", path)
	}
	var st struct {
		Data struct {
			Realtime []struct {
				Rank  int    `json:"rank"`
				ID    string `json:"item_id"`
				Word  string `json:"word"`
				Topic string `json:"topic"`
			} `json:"realtime"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(m[1]), &st); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []feed.Impression
	for _, e := range st.Data.Realtime {
		out = append(out, feed.Impression{Item: feed.Item{ID: e.ID, Title: e.Word, Topic: e.Topic}, Rank: e.Rank, SeenAt: now, Surface: "hot"})
	}
	return out
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return sb.String()
}

// findingsJSON runs feedprobe findings --json on a campaign.
func findingsJSON(t *testing.T, dbPath, campaign string) map[string]analysis.Finding {
	t.Helper()
	out, logs, err := runCLI(t, "findings", "--db", dbPath, "--campaign", campaign, "--json")
	if err != nil {
		t.Fatalf("findings: %v\n%s", err, logs)
	}
	var fr struct {
		Findings []analysis.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &fr); err != nil {
		t.Fatalf("findings JSON: %v\n%s", err, out)
	}
	m := map[string]analysis.Finding{}
	for _, f := range fr.Findings {
		m[f.Check] = f
	}
	return m
}

const puppetArt17 = `campaign: %s
platform: simfeed
base_url: http://simfeed.test
sessions: 4
items_per_session: 30
twins: 1
personas:
  - name: sports-off
    interests: {sports: 1}
    behaviour: &b {open: {base: 0, match: 1}, like: {base: 0, match: 0.5}, max_opens: 10}
    phases: [{name: trained, sessions: 2}, {name: off, sessions: 2, settings: {personalization: false}}]
  - name: cooking-off
    interests: {cooking: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: off, sessions: 2, settings: {personalization: false}}]
  - name: gaming-off
    interests: {gaming: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: off, sessions: 2, settings: {personalization: false}}]
  - name: music-off
    interests: {music: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: off, sessions: 2, settings: {personalization: false}}]
  - name: travel-off
    interests: {travel: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: off, sessions: 2, settings: {personalization: false}}]
`

// puppetArt17Tags: personas trained on a topic, then pressing "not
// interested" on it; twins give the noise floor.
const puppetArt17Tags = `campaign: %s
platform: simfeed
base_url: http://simfeed.test
sessions: 5
items_per_session: 30
twins: 1
personas:
  - name: sports-drop
    interests: {sports: 1}
    behaviour: &b {open: {base: 0, match: 1}, like: {base: 0, match: 0.5}, max_opens: 10}
    phases: [{name: trained, sessions: 2}, {name: dropped, sessions: 3, interests: {}, not_interested: [sports]}]
  - name: cooking-drop
    interests: {cooking: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: dropped, sessions: 3, interests: {}, not_interested: [cooking]}]
  - name: gaming-drop
    interests: {gaming: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: dropped, sessions: 3, interests: {}, not_interested: [gaming]}]
  - name: music-drop
    interests: {music: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: dropped, sessions: 3, interests: {}, not_interested: [music]}]
  - name: travel-drop
    interests: {travel: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 2}, {name: dropped, sessions: 3, interests: {}, not_interested: [travel]}]
`

const puppetArt18 = `campaign: %s
platform: simfeed
base_url: http://simfeed.test
sessions: 3
items_per_session: 40
personas:
  - name: teen-a
    interests: {finance: 1, gaming: 1}
    traits: {age_group: minor}
    settings: {minor_mode: true}
    behaviour: &b {open: {base: 0.05, match: 0.8}, max_opens: 10}
  - name: teen-b
    interests: {sports: 1}
    traits: {age_group: minor}
    settings: {minor_mode: true}
    behaviour: *b
  - name: teen-c
    interests: {gaming: 1}
    traits: {age_group: minor}
    settings: {minor_mode: true}
    behaviour: *b
  - name: teen-d
    interests: {finance: 1}
    traits: {age_group: minor}
    settings: {minor_mode: true}
    behaviour: *b
  - name: teen-e
    interests: {sports: 1, gaming: 1}
    traits: {age_group: minor}
    settings: {minor_mode: true}
    behaviour: *b
  - name: adult-a
    interests: {finance: 1, gaming: 1}
    behaviour: *b
  - name: adult-b
    interests: {sports: 1}
    behaviour: *b
`

const puppetArt11 = `campaign: %s
platform: simfeed
base_url: http://simfeed.test
sessions: 3
items_per_session: 30
twins: 2
personas:
  - name: sports-reader
    interests: {sports: 1}
    behaviour: &b {open: {base: 0, match: 1}, like: {base: 0, match: 0.5}, max_opens: 10}
  - name: finance-reader
    interests: {finance: 1}
    behaviour: *b
  - name: gaming-reader
    interests: {gaming: 1}
    behaviour: *b
  - name: cooking-reader
    interests: {cooking: 1}
    behaviour: *b
  - name: travel-reader
    interests: {travel: 1}
    behaviour: *b
`

// puppetArt17Small is the design a new user tried: 2 personas x 3
// sessions (each with a blank twin), too few for a permutation test over
// personas to reach α.
const puppetArt17Small = `campaign: %s
platform: simfeed
base_url: http://simfeed.test
sessions: 3
items_per_session: 30
twins: 1
personas:
  - name: sports-off
    interests: {sports: 1}
    behaviour: &b {open: {base: 0, match: 1}, like: {base: 0, match: 0.5}, max_opens: 10}
    phases: [{name: trained, sessions: 1}, {name: off, sessions: 2, settings: {personalization: false}}]
  - name: cooking-off
    interests: {cooking: 1}
    behaviour: *b
    phases: [{name: trained, sessions: 1}, {name: off, sessions: 2, settings: {personalization: false}}]
`

// TestUnderpoweredDesign: a planted violation measured with 2 personas x
// 3 sessions is "underpowered" (naming the minimum, 5 personas) through
// findings --json, not "violation evidence"; validate warns about the
// design before it runs.
func TestUnderpoweredDesign(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "small.db")
	db, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := simfeed.DefaultConfig()
	cfg.Violations.IgnoreSwitch = true
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt17Small, "small"), "")
	db.Close()
	f, ok := findingsJSON(t, dbPath, "small")[analysis.CheckArt17Off]
	if !ok {
		t.Fatal("no art17-off finding")
	}
	if f.Verdict != analysis.VerdictUnderpowered || f.N.Personas != 2 || f.N.Sessions != 4 || !strings.Contains(f.Reason, "at least 5") {
		t.Errorf("2 personas x 3 sessions: verdict %q, n %+v (%s); want %q over 2 personas and their 4 switched-off sessions, naming 5", f.Verdict, f.N, f.Reason, analysis.VerdictUnderpowered)
	}
	path := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(puppetArt17Small, "small")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, logs, err := runCLI(t, "validate", path)
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, logs)
	}
	if !strings.Contains(logs, "warning: art17-off: 2 ") || !strings.Contains(logs, "at least 5") {
		t.Errorf("validate of a 2-persona art17-off design warns %q, want the check, its 2 units and the minimum 5", logs)
	}
}

// TestComplianceChecksPuppets runs, with browserless puppets, each check
// whose violation simfeed can plant, once planted and once not, and checks
// the verdicts: violation evidence when planted, no evidence when not.
// Then it writes a re-inspection report with the planted campaign as the
// baseline of the clean one.
func TestComplianceChecksPuppets(t *testing.T) {
	skipShort(t)
	dbPath := filepath.Join(t.TempDir(), "compliance.db")
	db, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	newServer := func(f func(*simfeed.Config)) *simfeed.Server {
		cfg := simfeed.DefaultConfig()
		f(&cfg)
		srv, err := simfeed.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	type run struct {
		campaign, check string
		planted         bool
	}
	var runs []run
	for _, planted := range []bool{true, false} {
		suffix := map[bool]string{true: "planted", false: "clean"}[planted]
		srv := newServer(func(c *simfeed.Config) { c.Violations.IgnoreSwitch = planted })
		puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt17, "p17-"+suffix), "")
		runs = append(runs, run{"p17-" + suffix, analysis.CheckArt17Off, planted})

		srv = newServer(func(c *simfeed.Config) { c.Violations.IgnoreNotInterested = planted })
		puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt17Tags, "p17t-"+suffix), "")
		runs = append(runs, run{"p17t-" + suffix, analysis.CheckArt17Tags, planted})

		srv = newServer(func(c *simfeed.Config) { c.Violations.MinorLeak = planted })
		puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt18, "p18-"+suffix), "")
		runs = append(runs, run{"p18-" + suffix, analysis.CheckArt18Minors, planted})

		hot := map[bool]string{true: "/hot/for-you", false: "/hot"}[planted]
		puppetCampaign(t, db, newServer(func(*simfeed.Config) {}), fmt.Sprintf(puppetArt11, "p11-"+suffix), hot)
		runs = append(runs, run{"p11-" + suffix, analysis.CheckArt11Key, planted})
	}
	db.Close()
	for _, r := range runs {
		f, ok := findingsJSON(t, dbPath, r.campaign)[r.check]
		if !ok {
			t.Errorf("%s: no %s finding", r.campaign, r.check)
			continue
		}
		want := analysis.VerdictClean
		if r.planted {
			want = analysis.VerdictViolation
		}
		t.Logf("%s %s: %s, effect %.3f [%.3f, %.3f], p %.4f, n %+v", r.campaign, r.check, f.Verdict,
			float64(f.Effect.Value), float64(f.Effect.Lo), float64(f.Effect.Hi), float64(f.PValue), f.N)
		if f.Verdict != want {
			t.Errorf("%s %s: verdict %q (%s), want %q", r.campaign, r.check, f.Verdict, f.Reason, want)
		}
		if r.planted && len(f.Examples) == 0 {
			t.Errorf("%s %s: no example impressions", r.campaign, r.check)
		}
	}

	// Re-inspection: the planted campaign is the baseline of the clean one.
	report := filepath.Join(t.TempDir(), "report.html")
	if _, logs, err := runCLI(t, "report", "--db", dbPath, "--campaign", "p17-clean", "--baseline", "p17-planted", "-o", report); err != nil {
		t.Fatalf("report: %v\n%s", err, logs)
	}
	html, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?s)<tr><td>art17-off \(personalization switched off\)</td><td>[^<]*Article 17, paragraph 1[^<]*</td>\s*<td>violation evidence</td>.*?<td class="status-fixed">fixed</td>`)
	if !row.Match(html) {
		t.Errorf("re-inspection report lacks art17-off: violation evidence ... fixed")
	}
	for _, s := range []string{"<svg", "Interest share per session", "Limitations", "sports-off", "Re-inspection against campaign"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if regexp.MustCompile(`(?i)<script|https?://[^"'\s<]*\.(js|css|png|woff2?)|src="http|href="http`).Match(html) {
		t.Errorf("report has a script or a network reference; it must be self-contained")
	}
}
