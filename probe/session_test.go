package probe

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

func mustPersona(t *testing.T, yaml string) personas.Spec {
	t.Helper()
	ps, err := personas.Parse("test.yaml", []byte("personas:\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	return ps[0]
}

const fanYAML = `  - name: fan
    seed: 5
    interests: {music: 1.0}
    behaviour:
      dwell: {median: 200ms, sigma: 0.2, min: 100ms, max: 400ms}
      open: {base: 0.0, match: 1.0}
      like: {base: 0.0, match: 1.0}
      scroll_pause: 50ms
      max_opens: 3
`

func simfeedAdapter(t *testing.T) *Adapter {
	t.Helper()
	a, err := BuiltinAdapter("simfeed")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSessionsAgainstSimfeed runs two sessions of one persona and checks them
// against simfeed's truth: one user across sessions (cookie and local
// storage restored), the stored items equal the served ones in order, and
// every open and like reached the platform.
func TestSessionsAgainstSimfeed(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	p := mustPersona(t, fanYAML)
	sink := newMemSink()
	var ident []byte
	opens, likes := 0, 0
	for i := 1; i <= 2; i++ {
		res, err := b.RunSession(context.Background(), SessionConfig{
			SessionID: int64(i), Persona: p, Adapter: simfeedAdapter(t), BaseURL: base,
			Items: 25, Timeout: time.Minute, Identity: ident,
		}, sink)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if res.Items != 25 || len(res.Identity) == 0 {
			t.Fatalf("session %d: %d items, identity %d bytes", i, res.Items, len(res.Identity))
		}
		ident = res.Identity
		opens += res.Opens
		likes += res.Likes
	}
	truth := srv.Truth()
	if len(truth.Users) != 1 {
		t.Fatalf("simfeed saw %d users, want 1 across both sessions", len(truth.Users))
	}
	u := truth.Users[0]
	if len(u.Visits) != 2 || len(u.Devices) != 1 {
		t.Errorf("simfeed saw %d visits and devices %v, want 2 visits from one device", len(u.Visits), u.Devices)
	}
	if uid, _ := IdentityCookie(ident, simfeed.CookieName); uid != u.ID {
		t.Errorf("saved identity cookie %q, simfeed user %q", uid, u.ID)
	}
	for i, v := range u.Visits {
		imps := sink.imps[int64(i+1)]
		for r, imp := range imps {
			if r >= len(v.Served) || imp.ID != v.Served[r].Item || imp.Rank != r+1 {
				t.Fatalf("session %d rank %d: stored %s (rank %d), served %v", i+1, r+1, imp.ID, imp.Rank, v.Served[r])
			}
		}
	}
	if opens == 0 || u.Opens != opens || u.Likes != likes {
		t.Errorf("probe opened %d and liked %d; simfeed counted %d opens and %d likes", opens, likes, u.Opens, u.Likes)
	}
	if u.DwellMS <= 0 {
		t.Errorf("simfeed got no dwell time")
	}
	kinds := map[feed.ActionKind]int{}
	for _, acts := range sink.acts {
		for _, a := range acts {
			kinds[a.Kind]++
			if a.Kind == feed.ActionDwell && a.Value <= 0 {
				t.Errorf("dwell action with %v seconds", a.Value)
			}
		}
	}
	if kinds[feed.ActionScroll] == 0 {
		t.Errorf("no scroll actions recorded")
	}
	if kinds[feed.ActionOpen] != opens || kinds[feed.ActionLike] != likes || kinds[feed.ActionDwell] != opens || kinds[feed.ActionBack] != opens {
		t.Errorf("actions recorded %v, want %d opens/dwells/backs and %d likes", kinds, opens, likes)
	}
}

// TestSessionWithoutIdentity shows the identity is what carries the user:
// without it, simfeed sees a new user each session.
func TestSessionWithoutIdentity(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	p := mustPersona(t, fanYAML)
	for i := 1; i <= 2; i++ {
		if _, err := b.RunSession(context.Background(), SessionConfig{
			SessionID: int64(i), Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 10, Timeout: time.Minute,
		}, newMemSink()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Truth().Users); n != 2 {
		t.Errorf("simfeed saw %d users for two sessions without a saved identity, want 2", n)
	}
}

func TestSessionSettings(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	p := mustPersona(t, `  - name: kid
    traits: {age_group: minor, device: mobile}
    settings: {personalization: false, minor_mode: true}
    behaviour: {open: {base: 0, match: 0}}
`)
	sink := newMemSink()
	if _, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 20, Timeout: time.Minute,
	}, sink); err != nil {
		t.Fatal(err)
	}
	u := srv.Truth().Users[0]
	if u.Settings.Personalized || !u.Settings.Minor {
		t.Errorf("simfeed settings %+v, want personalization off and minor mode on", u.Settings)
	}
	toggles := map[string]float64{}
	for _, a := range sink.acts[1] {
		if a.Kind == feed.ActionToggle {
			toggles[a.Detail] = a.Value
		}
	}
	if len(toggles) != 2 || toggles["personalization"] != 0 || toggles["minor_mode"] != 1 {
		t.Errorf("toggle actions %v, want personalization 0 and minor_mode 1", toggles)
	}
	harm := map[string]string{}
	for _, it := range srv.Catalogue() {
		harm[it.ID] = it.Harm
	}
	for _, imp := range sink.imps[1] {
		if harm[imp.ID] != "" {
			t.Errorf("minor-mode persona was served harmful item %s (%s)", imp.ID, harm[imp.ID])
		}
	}
}

func TestSessionNoItems(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	a := simfeedAdapter(t)
	broken := *a
	ad, err := ParseAdapter("broken.yaml", []byte("name: broken\nitem: article.renamed-item\nfields: {id: {attr: data-item-id}}\nscroll: {wait: 300ms, max_idle: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	broken = *ad
	start := time.Now()
	_, err = b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, "  - name: x\n"), Adapter: &broken, BaseURL: base, Items: 10, Timeout: time.Minute,
	}, newMemSink())
	if !errors.Is(err, ErrNoItems) {
		t.Fatalf("session with a selector that matches nothing: err = %v, want ErrNoItems", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("ErrNoItems took %s", d)
	}
}

// TestSessionDeadline checks a session never outlives its deadline, keeps
// what it stored, and reports the deadline.
func TestSessionDeadline(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, func(c *simfeed.Config) { c.Latency = 300 * time.Millisecond })
	sink := newMemSink()
	start := time.Now()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, "  - name: x\n    behaviour: {open: {base: 0, match: 0}}\n"),
		Adapter: simfeedAdapter(t), BaseURL: base, Items: 10000, Timeout: 3 * time.Second,
	}, sink)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 3*time.Second+stepTimeout {
		t.Errorf("session with a 3s deadline took %s", d)
	}
	if res.Items == 0 || len(sink.imps[1]) != res.Items {
		t.Errorf("result says %d items, sink holds %d; want the same, above 0", res.Items, len(sink.imps[1]))
	}
	if len(res.Identity) == 0 {
		t.Error("no identity saved after a deadline")
	}
}

// TestSessionsConcurrent runs personas in parallel browser contexts: each
// is its own simfeed user and each gets exactly its items.
func TestSessionsConcurrent(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Go(func() {
			p := mustPersona(t, strings.Replace(fanYAML, "name: fan", "name: fan"+string(rune('a'+i)), 1))
			_, err := b.RunSession(context.Background(), SessionConfig{
				SessionID: int64(i + 1), Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 30, Timeout: time.Minute,
			}, sink)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	truth := srv.Truth()
	if len(truth.Users) != 4 {
		t.Fatalf("simfeed saw %d users, want 4 isolated personas", len(truth.Users))
	}
	for id, imps := range sink.imps {
		if len(imps) != 30 {
			t.Errorf("session %d stored %d items, want 30", id, len(imps))
		}
	}
}

// memEvidence keeps evidence in memory, for tests.
type memEvidence struct {
	mu  sync.Mutex
	evs []feed.Evidence
}

func (m *memEvidence) SaveEvidence(_ context.Context, _ int64, ev feed.Evidence) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, ev)
	return nil
}

// countObserver counts what an Observer is told.
type countObserver struct {
	mu      sync.Mutex
	phases  map[string]int
	scrolls int
	empty   int
}

func (c *countObserver) ObservePhase(p string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d < 0 {
		panic("negative duration")
	}
	c.phases[p]++
}

func (c *countObserver) ObserveScroll(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scrolls++
	if n == 0 {
		c.empty++
	}
}

func TestSessionEvidenceAndObserver(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	ev := &memEvidence{}
	obs := &countObserver{phases: map[string]int{}}
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: mustPersona(t, "  - name: x\n    behaviour: {open: {base: 0, match: 0}}\n"),
		Adapter: simfeedAdapter(t), BaseURL: base, Items: 30, Timeout: time.Minute,
		Evidence: ev, EvidenceEvery: 1, Observer: obs,
	}, newMemSink())
	if err != nil {
		t.Fatal(err)
	}
	// One screenshot and one HTML per scroll, and one pair at the end.
	if want := 2 * (res.Scrolls + 1); len(ev.evs) != want {
		t.Errorf("%d pieces of evidence for %d scrolls, want %d", len(ev.evs), res.Scrolls, want)
	}
	for _, e := range ev.evs {
		switch e.Kind {
		case "screenshot":
			if !bytes.HasPrefix(e.Data, []byte("\x89PNG")) {
				t.Errorf("screenshot (%s) is not a PNG", e.Reason)
			}
		case "html":
			if !bytes.Contains(e.Data, []byte(`class="fp-item"`)) {
				t.Errorf("HTML evidence (%s) holds no feed item", e.Reason)
			}
		default:
			t.Errorf("evidence of kind %q", e.Kind)
		}
	}
	for _, p := range []string{PhaseLaunch, PhaseNavigate, PhaseScroll, PhaseExtract, PhaseStore} {
		if obs.phases[p] == 0 {
			t.Errorf("phase %s never observed (%v)", p, obs.phases)
		}
	}
	if obs.scrolls == 0 || obs.scrolls < res.Scrolls {
		t.Errorf("observer saw %d scroll steps, session made %d scrolls", obs.scrolls, res.Scrolls)
	}

	// A failing session leaves evidence of the failure.
	ev2 := &memEvidence{}
	bad, err := ParseAdapter("broken.yaml", []byte("name: broken\nitem: article.gone\nfields: {id: {attr: data-item-id}}\nscroll: {wait: 200ms, max_idle: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.RunSession(context.Background(), SessionConfig{
		SessionID: 2, Persona: mustPersona(t, "  - name: y\n"), Adapter: bad, BaseURL: base, Items: 5, Timeout: time.Minute, Evidence: ev2,
	}, newMemSink())
	if !errors.Is(err, ErrNoItems) {
		t.Fatalf("err = %v, want ErrNoItems", err)
	}
	if len(ev2.evs) != 2 || !strings.HasPrefix(ev2.evs[0].Reason, "error: ") {
		t.Errorf("evidence after a failure: %+v, want a screenshot and HTML with an error reason", ev2.evs)
	}
}

// TestSessionNotInterested: a persona whose phase lists a topic as not
// wanted opens its items and presses the adapter's "not interested"; the
// platform records every press and the persona never likes them.
func TestSessionNotInterested(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Personalization = 0 })
	p := mustPersona(t, `  - name: dropper
    interests: {news: 1}
    behaviour: {open: {base: 0, match: 0}, like: {base: 1, match: 0}, max_opens: 5}
    phases: [{sessions: 1, interests: {}, not_interested: [news, sports]}]
`).ForSession(1)
	sink := newMemSink()
	res, err := b.RunSession(context.Background(), SessionConfig{
		SessionID: 1, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 40, Timeout: time.Minute,
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	presses := 0
	for _, a := range sink.acts[1] {
		switch a.Kind {
		case feed.ActionNotInterested:
			presses++
			if a.Detail != "news" && a.Detail != "sports" {
				t.Errorf("not interested in a %s item", a.Detail)
			}
		case feed.ActionLike:
			t.Errorf("liked %s", a.ItemID)
		}
	}
	u := srv.Truth().Users[0]
	if presses == 0 || u.NotInterested != presses || res.Opens != presses {
		t.Errorf("%d presses recorded, %d opens, simfeed counted %d; want the same, above 0", presses, res.Opens, u.NotInterested)
	}
}
