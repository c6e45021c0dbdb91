package probe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// newestRenderer returns the pid of the most recently started renderer
// process under the browser process root (renderers are children of the
// zygote, itself a child of the browser), or 0.
func newestRenderer(t *testing.T, root int) int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	parent := map[int]int{}
	started := map[int]int64{}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces: split after it.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) < 20 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		ppid, _ := strconv.Atoi(fields[1])
		st, _ := strconv.ParseInt(fields[19], 10, 64)
		parent[pid], started[pid] = ppid, st
	}
	under := func(pid int) bool {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				return true
			}
		}
		return false
	}
	best, bestStart := 0, int64(-1)
	for pid := range parent {
		if !under(pid) {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil || !strings.Contains(string(cmd), "--type=renderer") {
			continue
		}
		if st := started[pid]; st > bestStart || st == bestStart && pid > best {
			best, bestStart = pid, st
		}
	}
	return best
}

// TestRendererCrashedMidSession kills the renderer of a session's tab while
// it scrolls: the session fails with ErrRendererCrashed within about a
// second, not at its deadline; the browser lives on (no relaunch), and the
// runner's retry, a new attempt, completes.
func TestRendererCrashedMidSession(t *testing.T) {
	needBrowser(t)
	// A browser of this test's own: its newest renderer is the session's.
	b, err := Launch(context.Background(), BrowserOptions{ClosedNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, base := startSimfeed(t, func(c *simfeed.Config) { c.Latency = 150 * time.Millisecond })
	p := mustPersona(t, "  - name: x\n    behaviour: {open: {base: 0, match: 0}}\n")
	store := &retryStore{trackStore: &trackStore{memSink: newMemSink(), start: map[int64]time.Time{}, finish: map[int64]time.Time{}, identity: map[int64][]byte{}}}
	var mu sync.Mutex
	var killed sync.Once
	var killedAt time.Time
	restarts := 0
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
					t.Error("no browser process")
					return
				}
				pid := newestRenderer(t, proc.Pid)
				if pid == 0 {
					t.Error("no renderer process found under the browser")
					return
				}
				mu.Lock()
				killedAt = time.Now()
				mu.Unlock()
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Errorf("kill renderer %d: %v", pid, err)
				}
			})
		}),
	}
	var reps []SessionReport
	var failedAt time.Time
	r.OnSession = func(rep SessionReport) {
		mu.Lock()
		defer mu.Unlock()
		if len(reps) == 0 {
			failedAt = time.Now()
		}
		reps = append(reps, rep)
	}
	if err := r.Run(context.Background(), []PersonaPlan{{PersonaID: 1, Persona: p, Jobs: []Job{{SessionID: 1, Seq: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Outcome != OutcomeFailed || reps[1].Outcome != OutcomeDone {
		t.Fatalf("reports %+v, want a failed attempt then a done one", reps)
	}
	if !errors.Is(reps[0].Err, ErrRendererCrashed) {
		t.Errorf("first attempt failed with %v, want ErrRendererCrashed", reps[0].Err)
	}
	d := failedAt.Sub(killedAt)
	t.Logf("attempt failed %s after the kill", d)
	if killedAt.IsZero() || d > 2*time.Second {
		t.Errorf("the attempt failed %s after the renderer was killed, want under 2s", d)
	}
	if reps[1].SessionID == reps[0].SessionID || reps[1].Result.Items != 40 {
		t.Errorf("retry ran as session %d with %d items, want a new session with 40", reps[1].SessionID, reps[1].Result.Items)
	}
	if restarts != 0 || !r.browser().Alive() {
		t.Errorf("%d browser restarts (alive %v): a renderer crash must not cost the browser", restarts, r.browser().Alive())
	}
}
