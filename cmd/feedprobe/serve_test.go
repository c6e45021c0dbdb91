package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// TestServeHelperProcess is not a test: it is feedprobe itself, run as a
// subprocess by the serve tests (so that they can signal and kill it).
func TestServeHelperProcess(t *testing.T) {
	if os.Getenv("FEEDPROBE_HELPER_PROCESS") != "1" {
		t.Skip("helper process")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	code := 0
	if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "feedprobe:", err)
		code = 1
	}
	os.Exit(code)
}

// daemonProc is a feedprobe serve subprocess.
type daemonProc struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs strings.Builder
	done chan error
}

func (p *daemonProc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// startServe starts feedprobe serve with args and waits until it listens.
func startServe(t *testing.T, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestServeHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "FEEDPROBE_HELPER_PROCESS=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving" {
				addr <- rec.Addr
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("serve exited before listening: %v\n%s", err, p.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not listen within 60s\n%s", p.Logs())
	}
	return p
}

// stop signals the process and waits for it to exit.
func (p *daemonProc) stop(t *testing.T, sig os.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not exit within 60s of %v\n%s", sig, p.Logs())
	}
	return nil
}

// scrape reads /metrics and returns sample values keyed by name{labels}.
func (p *daemonProc) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.NewFormat(expfmt.TypeTextPlain))
	sdec := expfmt.SampleDecoder{Dec: dec, Opts: &expfmt.DecodeOptions{Timestamp: model.Now()}}
	out := map[string]float64{}
	for {
		var v model.Vector
		if err := sdec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode /metrics: %v", err)
		}
		for _, s := range v {
			out[s.Metric.String()] = float64(s.Value)
		}
	}
	return out
}

// sum adds the samples of metric name.
func metricSum(ms map[string]float64, name string) float64 {
	total := 0.0
	for k, v := range ms {
		if k == name || strings.HasPrefix(k, name+"{") {
			total += v
		}
	}
	return total
}

const serveCampaign = `campaign: scheduled
platform: simfeed
base_url: %s
sessions: %d
items_per_session: 5
session_timeout: 60s
concurrency: 2
schedule:
  every: 3s
  jitter: 200ms
  missed: run-once
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

// serveState is what the database says while or after serve runs.
type serveState struct {
	sessions []storage.Session
	slots    []storage.Slot
}

func readServeState(t *testing.T, path string) serveState {
	t.Helper()
	ctx := context.Background()
	db, err := storage.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.CampaignByName(ctx, "scheduled")
	if err != nil {
		return serveState{}
	}
	var st serveState
	if st.sessions, err = db.Sessions(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if st.slots, err = db.Slots(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	return st
}

func (s serveState) count(status string) int {
	n := 0
	for _, x := range s.sessions {
		if x.Status == status {
			n++
		}
	}
	return n
}

// finished returns the sessions that finished (done, failed, blocked) at or
// after since, and their items.
func (s serveState) finished(since time.Time) (n, items int) {
	for _, x := range s.sessions {
		switch x.Status {
		case storage.StatusDone, storage.StatusFailed, storage.StatusBlocked:
			if !x.FinishedAt.Before(since.Truncate(time.Millisecond)) {
				n++
				items += x.Items
			}
		}
	}
	return n, items
}

// waitFor polls cond every 100ms until it holds or the deadline passes.
func serveWaitFor(t *testing.T, p *daemonProc, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s\nlogs:\n%s", timeout, what, p.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkMetricsMatchDB scrapes until two scrapes around a database read
// agree, then compares the process's counters with the sessions it
// finished according to the database.
func checkMetricsMatchDB(t *testing.T, p *daemonProc, dbPath string, since time.Time) {
	t.Helper()
	for try := 0; ; try++ {
		m1 := p.scrape(t)
		st := readServeState(t, dbPath)
		m2 := p.scrape(t)
		if metricSum(m1, "feedprobe_sessions_total") != metricSum(m2, "feedprobe_sessions_total") && try < 50 {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		n, items := st.finished(since)
		if got := metricSum(m2, "feedprobe_sessions_total"); got != float64(n) {
			t.Errorf("feedprobe_sessions_total = %v, database finished %d sessions since the start", got, n)
		}
		if got := metricSum(m2, "feedprobe_items_extracted_total"); got != float64(items) {
			t.Errorf("feedprobe_items_extracted_total = %v, database has %d items in those sessions", got, items)
		}
		if got := m2[`feedprobe_sessions_total{outcome="success", platform="simfeed"}`]; got != float64(n) {
			t.Errorf("successful sessions = %v, want all %d", got, n)
		}
		if got := metricSum(m2, "feedprobe_scrolls_total"); got < float64(n) {
			t.Errorf("feedprobe_scrolls_total = %v, want at least one per session (%d)", got, n)
		}
		if got := m2[`feedprobe_last_session_success{platform="simfeed"}`]; got != 1 {
			t.Errorf("feedprobe_last_session_success = %v, want 1", got)
		}
		if got := m2[`feedprobe_last_success_timestamp_seconds{platform="simfeed"}`]; got < float64(since.Unix()) {
			t.Errorf("feedprobe_last_success_timestamp_seconds = %v, want after %d", got, since.Unix())
		}
		for _, name := range []string{"feedprobe_phase_duration_seconds_count", "feedprobe_session_duration_seconds_count",
			"feedprobe_schedule_lag_seconds_count", "go_goroutines", "process_open_fds", "go_sql_open_connections"} {
			if metricSum(m2, name) <= 0 {
				t.Errorf("%s = %v, want > 0", name, metricSum(m2, name))
			}
		}
		if metricSum(m2, "feedprobe_build_info") != 1 {
			t.Errorf("feedprobe_build_info = %v, want 1", metricSum(m2, "feedprobe_build_info"))
		}
		return
	}
}

// TestServe runs feedprobe serve with a campaign every 3 seconds against
// simfeed, stops it with SIGTERM mid-slot, kills it with SIGKILL mid-slot,
// restarts it each time, and checks that every slot ran exactly once, that
// no session is left running, and that /metrics matches the database.
func TestServe(t *testing.T) {
	needBrowser(t)
	const rounds = 4
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "scheduled.yaml"), []byte(fmt.Sprintf(serveCampaign, base, rounds)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A persona file beside it is not a campaign: serve leaves it alone.
	if err := os.WriteFile(filepath.Join(dir, "personas.yaml"), []byte("personas: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "serve.db")
	args := []string{"serve", "--config", dir, "--db", dbPath, "--listen", "127.0.0.1:0", "--log-format", "json", "--grace", "0s", "--max-sessions", "2"}

	// Process A: the first round completes; SIGTERM in the middle of a
	// later one, with no grace: the running sessions become interrupted.
	startA := time.Now()
	a := startServe(t, args...)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + a.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
		}
	}
	serveWaitFor(t, a, "round 1 done", 90*time.Second, func() bool {
		return readServeState(t, dbPath).count(storage.StatusDone) >= 2
	})
	checkMetricsMatchDB(t, a, dbPath, startA)
	serveWaitFor(t, a, "a session running", 60*time.Second, func() bool {
		return readServeState(t, dbPath).count(storage.StatusRunning) > 0
	})
	if err := a.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after SIGTERM: %v (want exit 0)\n%s", err, a.Logs())
	}
	st := readServeState(t, dbPath)
	if n := st.count(storage.StatusRunning); n != 0 {
		t.Fatalf("after SIGTERM %d sessions are still running, want 0\n%s", n, a.Logs())
	}
	interruptedA := st.count(storage.StatusInterrupted)
	t.Logf("after SIGTERM: %d interrupted sessions, %d slots", interruptedA, len(st.slots))

	// Process B: killed without warning in the middle of a slot.
	b := startServe(t, args...)
	doneBefore := st.count(storage.StatusDone)
	serveWaitFor(t, b, "progress after restart", 90*time.Second, func() bool {
		s := readServeState(t, dbPath)
		return s.count(storage.StatusDone) > doneBefore && s.count(storage.StatusRunning) > 0
	})
	_ = b.stop(t, syscall.SIGKILL)
	killed := readServeState(t, dbPath).count(storage.StatusRunning)
	t.Logf("after SIGKILL: %d sessions left running", killed)

	// Down for more than two slots: the missed ones are recorded and
	// logged, and run-once runs one of them.
	time.Sleep(7 * time.Second)

	// Process C: resumes the killed slot and finishes the campaign.
	startC := time.Now()
	c := startServe(t, args...)
	serveWaitFor(t, c, "every round done", 120*time.Second, func() bool {
		s := readServeState(t, dbPath)
		n := 0
		for _, sl := range s.slots {
			if sl.Status == storage.SlotDone {
				n++
			}
		}
		return n == rounds
	})
	checkMetricsMatchDB(t, c, dbPath, startC)
	// Two slots came due while down: one is recorded missed, the latest
	// runs late, once.
	missedRows, missed, catchUp := 0, 0, 0
	for _, sl := range readServeState(t, dbPath).slots {
		if sl.Status == storage.SlotMissed {
			missedRows++
			missed += sl.Slots
		}
		// Only the slots that came due while serve was down count: on a
		// loaded machine a slot that overruns its 3 s makes the next one
		// run late too, which is the same policy, not a second catch-up
		// of the downtime.
		if sl.CatchUp && sl.At.Before(startC) {
			catchUp++
		}
	}
	// At most one slot due while down runs late: exactly one when process
	// C decides right after its start, none when resuming the killed slot
	// took so long on a loaded machine that the next slot was already due
	// (the run-once and skip decisions themselves are tested in
	// probe/schedule).
	if missed < 1 || catchUp > 1 {
		t.Errorf("after 7s down on a 3s schedule: %d slots recorded missed and %d due while down run late, want at least 1 and at most 1", missed, catchUp)
	}
	if got := metricSum(c.scrape(t), "feedprobe_schedule_missed_slots_total"); got != float64(missed) {
		t.Errorf("feedprobe_schedule_missed_slots_total = %v, database records %d missed slots", got, missed)
	}
	if n := strings.Count(c.Logs(), `"msg":"missed slots"`); n != missedRows {
		t.Errorf("%d \"missed slots\" log lines, want one per missed run (%d)", n, missedRows)
	}
	if err := c.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, c.Logs())
	}
	logs := a.Logs() + b.Logs() + c.Logs()

	// Every round ran exactly once: one slot per round, in time order, and
	// per persona exactly one finished session of each seq.
	st = readServeState(t, dbPath)
	if n := st.count(storage.StatusRunning); n != 0 {
		t.Errorf("%d sessions still running at the end, want 0", n)
	}
	if killed > 0 && st.count(storage.StatusInterrupted) < interruptedA+killed {
		t.Errorf("%d interrupted sessions, want the %d of SIGTERM and the %d of SIGKILL", st.count(storage.StatusInterrupted), interruptedA, killed)
	}
	var prev time.Time
	round := 0
	for _, sl := range st.slots {
		if !sl.At.After(prev) {
			t.Errorf("slot %s is not after the previous one %s", sl.At, prev)
		}
		prev = sl.LastAt
		switch sl.Status {
		case storage.SlotDone:
			round++
			if sl.Round != round {
				t.Errorf("slot %s runs round %d, want %d", sl.At, sl.Round, round)
			}
		case storage.SlotMissed:
			if !strings.Contains(logs, `"msg":"missed slots"`) {
				t.Errorf("slot %s recorded missed but no log line says so", sl.At)
			}
		default:
			t.Errorf("slot %s has status %s at the end", sl.At, sl.Status)
		}
	}
	if round != rounds {
		t.Errorf("%d slots done, want %d", round, rounds)
	}
	finished := map[[2]int64]int{}
	for _, s := range st.sessions {
		switch s.Status {
		case storage.StatusDone, storage.StatusFailed, storage.StatusBlocked:
			finished[[2]int64{s.PersonaID, int64(s.Seq)}]++
		case storage.StatusInterrupted:
		default:
			t.Errorf("session %d (seq %d) ended %s", s.ID, s.Seq, s.Status)
		}
	}
	if len(finished) != 2*rounds {
		t.Errorf("%d persona-seq pairs finished, want %d", len(finished), 2*rounds)
	}
	for k, n := range finished {
		if n != 1 {
			t.Errorf("persona %d seq %d finished %d times, want once", k[0], k[1], n)
		}
	}
	if t.Failed() || os.Getenv("FEEDPROBE_TEST_LOGS") != "" {
		t.Logf("logs:\n%s", logs)
	}
}

// TestServeRefusesNonLoopback: the metrics and health endpoints have no
// authentication, so listening beyond loopback needs an explicit flag.
func TestServeRefusesNonLoopback(t *testing.T) {
	dir := t.TempDir()
	_, _, err := runCLI(t, "serve", "--config", dir, "--db", filepath.Join(dir, "s.db"), "--listen", "0.0.0.0:0")
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("serve --listen 0.0.0.0:0: err = %v, want a refusal", err)
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		if err := daemon.CheckLoopback(addr, false); err != nil {
			t.Errorf("daemon.CheckLoopback(%s) = %v", addr, err)
		}
	}
	if err := daemon.CheckLoopback("10.1.2.3:9464", true); err != nil {
		t.Errorf("checkLoopback with the flag = %v", err)
	}
}

// serveLogBuffer collects a serve run in-process's logs.
type serveLogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *serveLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *serveLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
