package probe

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

func TestLockstepGroups(t *testing.T) {
	plan := func(name, twinOf string) PersonaPlan {
		return PersonaPlan{Persona: personas.Spec{Name: name, TwinOf: twinOf}}
	}
	armed := PersonaPlan{Persona: personas.Spec{Name: "b-blank", Role: personas.RoleControl, Arm: "b"}}
	plans := []PersonaPlan{plan("a", ""), plan("a.twin1", "a"), plan("b", ""), plan("x.twin1", "x"), armed, plan("a.twin2", "a"), plan("x.twin2", "x")}
	var got []string
	for _, g := range LockstepGroups(plans) {
		var names []string
		for _, p := range g {
			names = append(names, p.Persona.Name)
		}
		got = append(got, strings.Join(names, "+"))
	}
	want := []string{"a+a.twin1+a.twin2", "b+b-blank", "x.twin1+x.twin2"}
	if !slices.Equal(got, want) {
		t.Errorf("LockstepGroups = %v, want %v", got, want)
	}
}

// TestRunRounds: with 6 slots two groups of 3 run side by side, with 4
// one at a time (never split); session N+1 of any persona starts only
// after every session N has finished; a group's members start together.
func TestRunRounds(t *testing.T) {
	group := func(test string) []PersonaPlan {
		var g []PersonaPlan
		for _, n := range []string{test, test + ".twin1", test + ".twin2"} {
			g = append(g, PersonaPlan{Persona: personas.Spec{Name: n}, Jobs: []Job{{Seq: 1}, {Seq: 2}}})
		}
		return g
	}
	for _, tc := range []struct {
		concurrency, wantPeak int
	}{{6, 6}, {4, 3}, {2, 3}} { // a group is never split: with 2 slots it still starts its 3 members
		t.Run(fmt.Sprint(tc.concurrency), func(t *testing.T) {
			var mu sync.Mutex
			running, peak := 0, 0
			var events []string
			// A group's members must start together: each waits at a
			// barrier of its group and session until all three have
			// started. A runner that split a group would leave the
			// barrier short, and the member waiting there says so.
			barriers := map[string]chan struct{}{}
			arrived := map[string]int{}
			var split []string
			run := func(ctx context.Context, p PersonaPlan, j Job) error {
				key := fmt.Sprintf("%s/%d", strings.SplitN(p.Persona.Name, ".", 2)[0], j.Seq)
				mu.Lock()
				running++
				peak = max(peak, running)
				events = append(events, fmt.Sprintf("start %d %s", j.Seq, p.Persona.Name))
				if barriers[key] == nil {
					barriers[key] = make(chan struct{})
				}
				b := barriers[key]
				if arrived[key]++; arrived[key] == 3 {
					close(b)
				}
				mu.Unlock()
				select {
				case <-b:
				case <-time.After(10 * time.Second):
					mu.Lock()
					split = append(split, key)
					mu.Unlock()
				}
				time.Sleep(20 * time.Millisecond)
				mu.Lock()
				running--
				events = append(events, fmt.Sprintf("end %d %s", j.Seq, p.Persona.Name))
				mu.Unlock()
				return nil
			}
			if err := runRounds(context.Background(), [][]PersonaPlan{group("a"), group("b")}, tc.concurrency, 0, run); err != nil {
				t.Fatal(err)
			}
			if peak != tc.wantPeak {
				t.Errorf("concurrency %d: peak %d sessions at once, want %d", tc.concurrency, peak, tc.wantPeak)
			}
			lastEnd1, firstStart2 := -1, len(events)
			for i, e := range events {
				if strings.HasPrefix(e, "end 1 ") {
					lastEnd1 = i
				}
				if strings.HasPrefix(e, "start 2 ") && i < firstStart2 {
					firstStart2 = i
				}
			}
			if lastEnd1 > firstStart2 || len(events) != 24 {
				t.Errorf("concurrency %d: a session 2 started before every session 1 ended: %v", tc.concurrency, events)
			}
			if len(split) > 0 {
				t.Errorf("concurrency %d: group/session %v did not start all its members together: %v", tc.concurrency, split, events)
			}
		})
	}
}

// trackStore is a Store that records when sessions start and finish.
type trackStore struct {
	*memSink
	mu       sync.Mutex
	start    map[int64]time.Time
	finish   map[int64]time.Time
	identity map[int64][]byte
	failed   []string
}

func (s *trackStore) LoadIdentity(_ context.Context, id int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identity[id], nil
}

func (s *trackStore) SaveIdentity(_ context.Context, id int64, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identity[id] = b
	return nil
}

func (s *trackStore) StartSession(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start[id] = time.Now()
	return nil
}

func (s *trackStore) FinishSession(_ context.Context, id int64, outcome, errText string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finish[id] = time.Now()
	if outcome != OutcomeDone {
		s.failed = append(s.failed, fmt.Sprintf("session %d %s: %s", id, outcome, errText))
	}
	return nil
}

// TestRunnerLockstepAndPhases runs a test persona with two twins in real
// Chromium against simfeed: sessions with the same number start together,
// the next number starts only after all of them finished, and the test
// persona's second session uses its second phase's interest.
func TestRunnerLockstepAndPhases(t *testing.T) {
	b := needBrowser(t)
	// No personalization: the feed stays a mix, so each phase's topics
	// appear in each session whatever the persona did before.
	srv, base := startSimfeed(t, func(c *simfeed.Config) { c.Personalization = 0 })
	c, err := personas.ParseCampaign("c.yaml", []byte(`campaign: lockstep
platform: simfeed
base_url: `+base+`
sessions: 2
items_per_session: 40
twins: 2
personas:
  - name: fan
    seed: 3
    behaviour: {open: {base: 0, match: 1}, like: {base: 0, match: 0}, dwell: {median: 300ms, min: 100ms, max: 400ms}, max_opens: 3}
    phases:
      - {sessions: 1, interests: {music: 1, news: 1, sports: 1}}
      - {sessions: 1, interests: {pets: 1, cooking: 1, travel: 1}}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	store := &trackStore{memSink: newMemSink(), start: map[int64]time.Time{}, finish: map[int64]time.Time{}, identity: map[int64][]byte{}}
	var plans []PersonaPlan
	for i, p := range c.Personas {
		pp := PersonaPlan{PersonaID: int64(i + 1), Persona: p}
		for seq := 1; seq <= 2; seq++ {
			pp.Jobs = append(pp.Jobs, Job{SessionID: int64(10*(i+1) + seq), Seq: seq})
		}
		plans = append(plans, pp)
	}
	r := &Runner{Browser: b, Store: store, Adapter: simfeedAdapter(t), BaseURL: base, ItemsPerSession: 40,
		SessionTimeout: time.Minute, Concurrency: 3}
	if err := r.Run(context.Background(), plans); err != nil {
		t.Fatal(err)
	}
	for _, f := range store.failed {
		t.Error(f)
	}
	for seq := int64(1); seq <= 2; seq++ {
		var starts []time.Time
		for i := int64(1); i <= 3; i++ {
			starts = append(starts, store.start[10*i+seq])
		}
		slices.SortFunc(starts, func(x, y time.Time) int { return x.Compare(y) })
		if spread := starts[2].Sub(starts[0]); spread > time.Second {
			t.Errorf("session %d starts spread over %v, want them together", seq, spread)
		}
	}
	var lastFinish1, firstStart2 time.Time
	for i := int64(1); i <= 3; i++ {
		if f := store.finish[10*i+1]; f.After(lastFinish1) {
			lastFinish1 = f
		}
		if s := store.start[10*i+2]; firstStart2.IsZero() || s.Before(firstStart2) {
			firstStart2 = s
		}
	}
	if firstStart2.Before(lastFinish1) {
		t.Errorf("a session 2 started at %v before every session 1 finished (%v)", firstStart2, lastFinish1)
	}
	// The fan's opens follow its phase.
	phase := []map[string]bool{{"music": true, "news": true, "sports": true}, {"pets": true, "cooking": true, "travel": true}}
	for i, sid := range []int64{11, 12} {
		byID := map[string]string{}
		for _, imp := range store.imps[sid] {
			byID[imp.ID] = imp.Topic
		}
		opens := 0
		for _, a := range store.acts[sid] {
			if a.Kind != feed.ActionOpen {
				continue
			}
			opens++
			if tp := byID[a.ItemID]; !phase[i][tp] {
				t.Errorf("session %d: opened a %s item, outside phase %d's interests", i+1, tp, i+1)
			}
		}
		if opens == 0 {
			var topics []string
			for _, imp := range store.imps[sid] {
				topics = append(topics, imp.Topic)
			}
			t.Errorf("session %d: no opens among %d items with topics %v (persona %+v)", i+1, len(store.imps[sid]), topics, c.Personas[0].ForSession(i+1).Interests)
		}
	}
	if n := len(srv.Truth().Users); n != 3 {
		t.Errorf("simfeed saw %d users, want 3", n)
	}
}

// TestBrowserKilledMidSession kills Chromium while a session scrolls: the
// session fails within its deadline, the browser is relaunched (once) and
// counted, and the retry, a new attempt, completes.
func TestBrowserKilledMidSession(t *testing.T) {
	needBrowser(t)
	// A browser of this test's own: the package's shared one must live.
	b, err := Launch(context.Background(), BrowserOptions{ClosedNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	_, base := startSimfeed(t, func(c *simfeed.Config) { c.Latency = 150 * time.Millisecond })
	p := mustPersona(t, "  - name: x\n    behaviour: {open: {base: 0, match: 0}}\n")
	store := &retryStore{trackStore: &trackStore{memSink: newMemSink(), start: map[int64]time.Time{}, finish: map[int64]time.Time{}, identity: map[int64][]byte{}}}
	restarts := 0
	var mu sync.Mutex
	var killed sync.Once
	r := &Runner{
		Browser: b, Store: store, Adapter: simfeedAdapter(t), BaseURL: base, ItemsPerSession: 40,
		SessionTimeout: 30 * time.Second, Concurrency: 1, Retries: 2, Backoff: 100 * time.Millisecond,
		Relaunch: func(ctx context.Context) (*Browser, error) {
			return Launch(context.Background(), BrowserOptions{ClosedNetwork: true})
		},
		OnBrowserRestart: func() { mu.Lock(); restarts++; mu.Unlock() },
		Observer: scrollHook(func() {
			killed.Do(func() {
				proc := chromedp.FromContext(b.ctx).Browser.Process()
				if proc == nil {
					t.Error("no browser process to kill")
					return
				}
				_ = proc.Kill()
			})
		}),
	}
	var reps []SessionReport
	r.OnSession = func(rep SessionReport) { mu.Lock(); reps = append(reps, rep); mu.Unlock() }
	start := time.Now()
	if err := r.Run(context.Background(), []PersonaPlan{{PersonaID: 1, Persona: p, Jobs: []Job{{SessionID: 1, Seq: 1}}}}); err != nil {
		t.Fatal(err)
	}
	defer r.browser().Close()
	if d := time.Since(start); d > 45*time.Second {
		t.Errorf("campaign with a killed browser took %s", d)
	}
	if len(reps) != 2 || reps[0].Outcome != OutcomeFailed || reps[1].Outcome != OutcomeDone {
		t.Fatalf("reports %+v, want a failed attempt then a done one", reps)
	}
	if reps[1].SessionID == reps[0].SessionID || reps[1].Result.Items != 40 {
		t.Errorf("retry ran as session %d with %d items, want a new session with 40", reps[1].SessionID, reps[1].Result.Items)
	}
	if restarts != 1 {
		t.Errorf("%d browser restarts, want 1", restarts)
	}
}

// scrollHook is an Observer that calls f on every scroll step.
type scrollHook func()

func (h scrollHook) ObservePhase(string, time.Duration) {}
func (h scrollHook) ObserveScroll(int)                  { h() }

// retryStore adds RetrySession to trackStore.
type retryStore struct {
	*trackStore
	next int64
}

func (s *retryStore) RetrySession(_ context.Context, id int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return 1000 + s.next, nil
}
