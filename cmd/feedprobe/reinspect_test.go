package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

// lifecycleCampaign is a small art17-off design: five personas trained on
// pets (the least popular topic of simfeed's catalogue, so the honest
// feed's share has the least noise) switch personalization off in their
// second session; three blank controls browse beside them.
const lifecycleCampaign = `campaign: %s
platform: simfeed
base_url: %s
sessions: 2
items_per_session: %d
session_timeout: 90s
concurrency: 8
design:
  rationale: does switching personalization off take effect (Art. 17(1))
  sampling_frame: five trained personas, three blank controls
  period: two back-to-back sessions
personas:
%s`

func lifecyclePersonas() string {
	var b strings.Builder
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, `  - name: pets-off-%d
    role: test
    seed: %d
    interests: {pets: 1.0}
    behaviour:
      dwell: {median: 300ms, sigma: 0.3, min: 150ms, max: 600ms}
      open: {base: 0.0, match: 1.0}
      like: {base: 0.0, match: 1.0}
      scroll_pause: 50ms
      max_opens: 4
    phases:
      - {name: trained, sessions: 1}
      - {name: switched-off, sessions: 1, settings: {personalization: false}}
`, i, 100+i)
	}
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, `  - name: control-%d
    role: control
    seed: %d
    behaviour:
      open: {base: 0.0, match: 0.0}
      scroll_pause: 50ms
`, i, 200+i)
	}
	return b.String()
}

// TestInspectionLifecycle runs the regulator's cycle against two simfeed
// platforms that both ignore the personalization switch, in real headless
// Chromium: the campaigns find the violation, an order with a deadline
// seconds away is issued to each, platform A is made compliant before its
// deadline and B is not, and feedprobe serve re-inspects both by itself at
// their deadlines: A's order closes rectified, B's not rectified.
func TestInspectionLifecycle(t *testing.T) {
	needBrowser(t)
	const items = 50
	cfg := simfeed.DefaultConfig()
	cfg.Personalization, cfg.Confidence = 1, 0
	cfg.Violations = simfeed.Violations{IgnoreSwitch: true}
	srvA, urlA := startSimfeed(t, cfg)
	_, urlB := startSimfeed(t, cfg)

	dir := t.TempDir()
	db := filepath.Join(dir, "inspect.db")
	write := func(name, base string) string {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(fmt.Sprintf(lifecycleCampaign, name, base, items, lifecyclePersonas())), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fileA, fileB := write("platform-a", urlA), write("platform-b", urlB)
	start := time.Now()
	var wg sync.WaitGroup
	for _, f := range []string{fileA, fileB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, stderr, err := runCLI(t, "run", f, "--db", db, "--progress", "off", "--evidence-every", "-1", "--log-level", "warn"); err != nil {
				t.Errorf("run %s: %v\n%s", f, err, stderr)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("inspection campaigns: %s", time.Since(start).Round(time.Second))

	for _, c := range []struct{ name, campaign string }{{"CAC-2026-A", "platform-a"}, {"CAC-2026-B", "platform-b"}} {
		if out, stderr, err := runCLI(t, "inspection", "new", "--db", db, "--case", c.name, "--platform", c.campaign,
			"--body", "CAC", "--kind", "on-site", "--campaign", c.campaign); err != nil {
			t.Fatalf("inspection new: %v\n%s%s", err, out, stderr)
		}
	}
	disclosure := filepath.Join(dir, "disclosure.txt")
	if err := os.WriteFile(disclosure, []byte("Users can switch personalization off at any time. <b>bold</b>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCLI(t, "inspection", "surface", "CAC-2026-A", "--db", db, "--surface", "feed",
		"--filing-number", "网信算备110000000000001", "--disclosure-file", disclosure); err != nil {
		t.Fatalf("inspection surface: %v\n%s", err, stderr)
	}
	// The report of platform A's campaign shows the disclosure beside the
	// findings, as text; platform B's (no surface recorded) has none.
	for _, c := range []struct {
		campaign string
		want     bool
	}{{"platform-a", true}, {"platform-b", false}} {
		html, stderr, err := runCLI(t, "report", "--db", db, "--campaign", c.campaign, "-o", "-")
		if err != nil {
			t.Fatalf("report %s: %v\n%s", c.campaign, err, stderr)
		}
		has := strings.Contains(html, `id="disclosures"`) && strings.Contains(html, "网信算备110000000000001") &&
			strings.Contains(html, "at any time. &lt;b&gt;bold&lt;/b&gt;")
		if has != c.want || strings.Contains(html, "<b>bold</b>") {
			t.Errorf("report of %s: disclosure shown %v, want %v (and never as markup)", c.campaign, has, c.want)
		}
	}
	out, stderr, err := runCLI(t, "order", "list", "--db", db, "--inspection", "CAC-2026-A", "--json")
	if err != nil {
		t.Fatalf("order list: %v\n%s", err, stderr)
	}
	var runs []inspection.CampaignRun
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(runs, analysis.CheckArt17Off); v != analysis.VerdictViolation {
		t.Fatalf("art17-off of platform A before the order = %q, want %q\n%s", v, analysis.VerdictViolation, out)
	}

	// serve, started before the orders are issued: it finds them by
	// polling and re-inspects each at its deadline.
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	var logs serveLogBuffer
	go func() {
		served <- run(ctx, []string{"serve", "--config", t.TempDir(), "--db", db, "--listen", "127.0.0.1:0",
			"--order-poll", "500ms", "--max-sessions", "16", "--log-format", "json"}, &logs, &logs)
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	deadlineA := time.Now().Add(4 * time.Second).Truncate(time.Second)
	deadlineB := deadlineA.Add(3 * time.Second)
	for _, o := range []struct {
		inspection string
		deadline   time.Time
	}{{"CAC-2026-A", deadlineA}, {"CAC-2026-B", deadlineB}} {
		if out, stderr, err := runCLI(t, "order", "issue", "--db", db, "--inspection", o.inspection, "--finding", analysis.CheckArt17Off,
			"--deadline", o.deadline.Format(time.RFC3339)); err != nil {
			t.Fatalf("order issue: %v\n%s%s", err, out, stderr)
		}
	}
	// Platform A rectifies before its deadline; B keeps ignoring the switch.
	srvA.SetViolations(simfeed.Violations{})

	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var orders []storage.Order
	waitUntil := time.Now().Add(4 * time.Minute)
	for {
		orders, err = store.Orders(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(orders) == 2 && orders[0].Closed() && orders[1].Closed() {
			break
		}
		if time.Now().After(waitUntil) {
			t.Fatalf("orders not closed within 4 minutes: %+v\nserve logs:\n%s", orders, logs.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("whole cycle: %s", time.Since(start).Round(time.Second))

	a, b := orders[0], orders[1]
	for _, o := range orders {
		t.Logf("order %d: %s (%s): %s", o.ID, o.Status, o.Comparison, o.Note)
	}
	if a.Status != storage.OrderRectified || a.Comparison != analysis.StatusFixed {
		t.Errorf("order of platform A (made compliant) = %s (%s): %s; want rectified (fixed)", a.Status, a.Comparison, a.Note)
	}
	if b.Status != storage.OrderNotRectified || (b.Comparison != analysis.StatusNotFixed && b.Comparison != analysis.StatusWorse) {
		t.Errorf("order of platform B (still violating) = %s (%s): %s; want not rectified", b.Status, b.Comparison, b.Note)
	}
	for _, o := range orders {
		// The re-inspection ran at the deadline, not before.
		if o.StartedAt.Before(o.Deadline) {
			t.Errorf("order %d re-inspected at %s, before its deadline %s", o.ID, o.StartedAt, o.Deadline)
		}
		checkFreshRecheck(t, store, o)
	}

	out, stderr, err = runCLI(t, "inspection", "show", "CAC-2026-A", "--db", db)
	if err != nil {
		t.Fatalf("inspection show: %v\n%s", err, stderr)
	}
	for _, want := range []string{"order 1 issued: art17-off", "re-inspection started", "order 1: re-inspection attempt 1 done: ", "order 1 closed: RECTIFIED (fixed)",
		"campaign platform-a.re-o1 finished", "网信算备110000000000001"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspection show lacks %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		t.Logf("inspection show:\n%s", out)
	}
	if strings.Index(out, "order 1 issued") > strings.Index(out, "order 1 closed") {
		t.Errorf("timeline out of order:\n%s", out)
	}
	html := filepath.Join(dir, "notice.html")
	if _, stderr, err := runCLI(t, "order", "notice", "--db", db, "--inspection", "CAC-2026-B", "-o", html); err != nil {
		t.Fatalf("order notice: %v\n%s", err, stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Order 2: art17-off", deadlineB.UTC().Format("2006-01-02 15:04:05") + " &#43;00:00 (UTC)", "not rectified"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("notice lacks %q", want)
		}
	}
}

func verdictOf(runs []inspection.CampaignRun, check string) string {
	for _, r := range runs {
		for _, f := range r.Findings {
			if f.Check == check {
				return f.Verdict
			}
		}
	}
	return ""
}

// checkFreshRecheck checks that an order's re-inspection ran the same
// design with fresh personas: the same persona names, other seeds, other
// persona rows, every session done, under a re-inspection of the order's
// inspection.
func checkFreshRecheck(t *testing.T, db *storage.DB, o storage.Order) {
	t.Helper()
	ctx := context.Background()
	re, err := db.Inspection(ctx, o.ReinspectionID)
	if err != nil {
		t.Fatal(err)
	}
	if re.Kind != storage.KindReinspection || re.ParentID != o.InspectionID {
		t.Errorf("order %d: re-inspection %+v, want kind re-inspection of inspection %d", o.ID, re, o.InspectionID)
	}
	seeds := func(id int64) map[string]int64 {
		ps, err := db.Personas(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, p := range ps {
			var s personas.Spec
			if err := json.Unmarshal(p.Spec, &s); err != nil {
				t.Fatal(err)
			}
			out[p.Name] = s.Seed
		}
		return out
	}
	before, after := seeds(o.CampaignID), seeds(o.RecheckCampaignID)
	if len(before) != len(after) || len(after) == 0 {
		t.Errorf("order %d: re-inspection has %d personas, the original %d", o.ID, len(after), len(before))
	}
	for name, s := range before {
		if as, ok := after[name]; !ok || as == s {
			t.Errorf("order %d: persona %s at the re-inspection: seed %d (present %v), original %d; want a fresh one", o.ID, name, as, ok, s)
		}
	}
	ss, err := db.Sessions(ctx, o.RecheckCampaignID)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, s := range ss {
		if s.Status == storage.StatusDone {
			done++
		}
	}
	if done != 2*len(after) {
		t.Errorf("order %d: %d re-inspection sessions done, want %d", o.ID, done, 2*len(after))
	}
}
