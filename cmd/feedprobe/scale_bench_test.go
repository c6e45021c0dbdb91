package main

// The scale benchmarks of scripts/bench/run.sh (scripts/bench/README.md). Each
// measures feedprobe and its baseline side by side in one run and reports
// the ratio. They are heavy, so beyond -bench they also need
// FEEDPROBE_BENCH=1:
//
//	FEEDPROBE_BENCH=1 go test ./cmd/feedprobe -run '^$' -bench 'Scale' -benchtime 1x -timeout 60m

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

func needHeavyBench(b *testing.B) {
	b.Helper()
	if os.Getenv("FEEDPROBE_BENCH") != "1" {
		b.Skip("heavy benchmark: set FEEDPROBE_BENCH=1 (scripts/bench/run.sh does)")
	}
	if _, err := probe.FindChrome(); err != nil && !strings.Contains(b.Name(), "Analyze") {
		b.Skipf("no browser: %v", err)
	}
}

func benchSimfeed(b *testing.B) string {
	b.Helper()
	cfg := simfeed.DefaultConfig()
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u, wait, err := simfeed.Listen(ctx, "127.0.0.1:0", srv)
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); _ = wait() })
	return u
}

// scrollerCampaign is k personas that only scroll (no opens) with the
// given scroll_pause: the capture path alone.
func scrollerCampaign(b *testing.B, name, base string, k, items int, pause string) *personas.Campaign {
	b.Helper()
	var y strings.Builder
	fmt.Fprintf(&y, "campaign: %s\nplatform: simfeed\nbase_url: %s\nsessions: 1\nitems_per_session: %d\nsession_timeout: 5m\nconcurrency: %d\npersonas:\n", name, base, items, k)
	for i := range k {
		fmt.Fprintf(&y, "  - name: p%02d\n    seed: %d\n    behaviour: {open: {base: 0, match: 0}, scroll_pause: %s, max_opens: 0}\n", i, i+1, pause)
	}
	path := filepath.Join(b.TempDir(), "campaign.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	c, err := personas.LoadCampaign(path)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// runFeedprobe runs the campaign as `feedprobe run` does (storage,
// identities, settings, evidence off) and returns items and elapsed time,
// browser start included.
func runFeedprobe(b *testing.B, c *personas.Campaign, browser probe.BrowserOptions) (int, time.Duration) {
	b.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	sum, err := daemon.Run(ctx, db, c, daemon.RunOptions{Browser: browser, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if sum.Done != len(c.Personas) {
		b.Fatalf("%d of %d sessions done", sum.Done, len(c.Personas))
	}
	return sum.Items, time.Since(start)
}

// bareJS is the bare loop's one call per batch: wait a frame, return the
// items not returned before; when there are none, scroll to the end and
// wait for the feed to change (nudging once after 1.5 s without a
// change as the simfeed adapter does, as any working loop must), then
// return the new ones.
const bareJS = `(async () => {
  const seen = window.__seen || (window.__seen = new Set());
  const collect = () => {
    const out = [];
    for (const el of document.querySelectorAll('article.fp-item')) {
      const id = el.dataset.itemId;
      if (seen.has(id)) continue;
      seen.add(id);
      const t = el.querySelector('.fp-title'), tp = el.querySelector('.fp-topic');
      out.push({id, title: t ? t.textContent : '', topic: tp ? tp.textContent : ''});
    }
    return out;
  };
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const count = () => document.querySelectorAll('article.fp-item').length;
  const changed = (ms) => new Promise(res => {
    const before = count();
    const mo = new MutationObserver(() => { if (count() > before) { mo.disconnect(); res(true); } });
    mo.observe(document.body, {childList: true, subtree: true});
    setTimeout(() => { mo.disconnect(); res(false); }, ms);
  });
  await frame();
  let out = collect();
  if (out.length) return out;
  // An IntersectionObserver is computed after the frame's callbacks: let
  // one full frame pass after the last append before scrolling.
  await frame();
  let c = changed(1500);
  window.scrollTo(0, document.body.scrollHeight);
  if (!(await c)) {
    // The end was in view already, so scrolling there again fired no
    // observer: scroll up past the loader's margin and back (a nudge).
    window.scrollTo(0, Math.max(0, document.body.scrollHeight - 2 * window.innerHeight - 800));
    await frame(); await frame();
    c = changed(2500);
    window.scrollTo(0, document.body.scrollHeight);
    await c;
  }
  return collect();
})()`

type bareItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Topic string `json:"topic"`
}

// runBare is the baseline: chromedp alone, the same browser flags, k
// browser contexts at once, each loading the feed and running bareJS until
// it has items distinct items. Browser start included.
func runBare(b *testing.B, base string, k, items int) (int, time.Duration) {
	b.Helper()
	return runBareWith(b, base, k, items)
}

// runBareWith is runBare with more browser flags (the process model
// benchmark's).
func runBareWith(b *testing.B, base string, k, items int, extra ...chromedp.ExecAllocatorOption) (int, time.Duration) {
	b.Helper()
	exe, err := probe.FindChrome()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,SpareRendererForSitePerProcess,NetworkTimeServiceQuerying,MediaRouter,OptimizationHints"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1280, 900), // the personas' default viewport
		chromedp.UserDataDir(b.TempDir()))
	opts = append(opts, extra...)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range k {
		wg.Go(func() {
			tctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.Navigate(base+"/")); err != nil {
				b.Error(err)
				return
			}
			got := 0
			for got < items {
				batch, err := chromedp.Run(tctx, chromedp.Evaluate[[]bareItem](bareJS, chromedp.EvalAwaitPromise))
				if err != nil {
					b.Error(err)
					return
				}
				got += len(batch)
			}
			mu.Lock()
			total += min(got, items)
			mu.Unlock()
		})
	}
	wg.Wait()
	return total, time.Since(start)
}

// BenchmarkScaleCapture compares items per second of feedprobe's capture
// (daemon.Run: storage, identity, settings) with the bare chromedp loop,
// on the same simfeed, for 1 and 8 personas, alternating the two. The
// personas' scroll_pause is 0 (no pause at all) or 20ms (about one frame).
func BenchmarkScaleCapture(b *testing.B) {
	needHeavyBench(b)
	base := benchSimfeed(b)
	const items = 600
	for _, pause := range []string{"0s", "20ms"} {
		for _, k := range []int{1, 8} {
			b.Run(fmt.Sprintf("scroll_pause=%s/personas=%d", pause, k), func(b *testing.B) {
				benchCapture(b, base, pause, k, items)
			})
		}
	}
}

// benchCapture measures one setting: feedprobe and the bare loop take
// turns, benchRounds() rounds per iteration, each round's ratio logged with
// the load average.
func benchCapture(b *testing.B, base, pause string, k, items int) {
	var fpItems, bareItems int
	var fpTime, bareTime time.Duration
	var r rounds
	for i := range b.N {
		for round := range benchRounds() {
			load := loadAvg()
			c := scrollerCampaign(b, fmt.Sprintf("capture-%s-%d-%d-%d", pause, k, i, round), base, k, items, pause)
			fn, fd := runFeedprobe(b, c, probe.BrowserOptions{ClosedNetwork: true})
			bn, bd := runBare(b, base, k, items)
			fpItems, fpTime = fpItems+fn, fpTime+fd
			bareItems, bareTime = bareItems+bn, bareTime+bd
			fr, br := float64(fn)/fd.Seconds(), float64(bn)/bd.Seconds()
			r.add(fr/br, load)
			b.Logf("round %d, load %.1f: feedprobe %.0f items/s, bare %.0f items/s, ratio %.3f", round+1, load, fr, br, fr/br)
		}
	}
	b.ReportMetric(float64(fpItems)/fpTime.Seconds(), "feedprobe_items/s")
	b.ReportMetric(float64(bareItems)/bareTime.Seconds(), "bare_items/s")
	r.report(b, "ratio")
}

// synthTopics is the taxonomy of the synthetic data set.
var synthTopics = []string{"news", "sports", "cooking", "gaming", "music", "travel", "finance", "fashion", "science", "pets", "film", "health"}

// writeSynthetic fills path with a finished campaign of personas x
// sessions x items impressions through the storage layer (one
// SaveImpressions per session, as a session stores its batches), and
// returns the ingest rate in impressions per second of SaveImpressions.
// Half the personas are trained on one topic each, whose share grows
// session over session; the other half are their blank twin controls (the
// design `twins: 1` makes; the audit pairs each test persona with its twins
// only). About 3 % of
// the titles carry a harm-lexicon term.
func writeSynthetic(tb testing.TB, path string, nPersonas, sessions, items int) float64 {
	tb.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var specs []personas.Spec
	for i := range nPersonas {
		s := personas.Spec{Name: fmt.Sprintf("p%04d", i), Role: personas.RoleControl, Interests: map[string]float64{}, Keywords: map[string][]string{},
			Traits: personas.Traits{AgeGroup: personas.AgeAdult, Locale: "en-US", Device: personas.DeviceDesktop}}
		if i%2 == 0 {
			s.Role = personas.RoleTest
			s.Interests[synthTopics[(i/2)%len(synthTopics)]] = 1
		} else {
			s.TwinOf = specs[i-1].Name // a twin control per test persona, as twins: 1 makes
		}
		specs = append(specs, s)
	}
	c := personas.Campaign{Name: "synthetic", Platform: "simfeed", BaseURL: "http://127.0.0.1:8080", Personas: specs,
		Sessions: sessions, ItemsPerSession: items, Concurrency: 8}
	spec, _ := json.Marshal(c)
	camp, _, err := db.EnsureCampaign(ctx, storage.Campaign{Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL, Spec: spec, SpecHash: c.Hash()})
	if err != nil {
		tb.Fatal(err)
	}
	var harmTerms []string
	for _, terms := range analysis.DefaultLexicon() {
		harmTerms = append(harmTerms, terms[0])
	}
	const catalogue = 2400
	type item struct{ id, title, topic string }
	cat := make([]item, catalogue)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range cat {
		t := synthTopics[i%len(synthTopics)]
		title := fmt.Sprintf("Item %d: a story about %s for everyone", i, t)
		if r.Float64() < 0.03 {
			title = fmt.Sprintf("Item %d: %s %s", i, harmTerms[r.IntN(len(harmTerms))], t)
		}
		cat[i] = item{fmt.Sprintf("item-%04d", i), title, t}
	}
	byTopic := map[string][]int{}
	for i, it := range cat {
		byTopic[it.topic] = append(byTopic[it.topic], i)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]feed.Impression, items)
	var ingest time.Duration
	total := 0
	for _, s := range specs {
		p, err := db.EnsurePersona(ctx, storage.Persona{CampaignID: camp.ID, Name: s.Name, Role: s.Role, Spec: mustJSON(s)})
		if err != nil {
			tb.Fatal(err)
		}
		if err := db.PlanSessions(ctx, p.ID, sessions); err != nil {
			tb.Fatal(err)
		}
	}
	all, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		tb.Fatal(err)
	}
	roles := map[int64]personas.Spec{}
	ps, _ := db.Personas(ctx, camp.ID)
	for i, p := range ps {
		roles[p.ID] = specs[i]
	}
	// StartSession and FinishSession seal the campaign, which hashes the
	// campaign's sessions each time: 20,000 sessions would take an hour or
	// more (scripts/bench/README.md). The data set starts and finishes its
	// sessions with one statement each instead; the impressions go through
	// SaveImpressions, whose rate this reports, and analyze reads no seal.
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, "UPDATE sessions SET status = 'running', started_at = ? + id * 60000 WHERE campaign_id = ?",
		t0.UnixMilli(), camp.ID); err != nil {
		tb.Fatal(err)
	}
	for _, sess := range all {
		spec := roles[sess.PersonaID]
		at := t0.Add(time.Duration(sess.ID) * time.Minute)
		bias := 0.0
		var fav string
		for t := range spec.Interests {
			fav = t
			bias = 0.1 + 0.6*float64(sess.Seq-1)/float64(max(1, sessions-1))
		}
		for j := range batch {
			var it item
			if fav != "" && r.Float64() < bias {
				it = cat[byTopic[fav][r.IntN(len(byTopic[fav]))]]
			} else {
				it = cat[r.IntN(catalogue)]
			}
			batch[j] = feed.Impression{Item: feed.Item{ID: it.id, Title: it.title, Topic: it.topic},
				Rank: j + 1, SeenAt: at.Add(time.Duration(j) * 10 * time.Millisecond), Surface: "feed"}
		}
		st := time.Now()
		if err := db.SaveImpressions(ctx, sess.ID, batch); err != nil {
			tb.Fatal(err)
		}
		ingest += time.Since(st)
		total += len(batch)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE sessions SET status = 'done', finished_at = started_at + 60000,
		items = (SELECT count(*) FROM impressions WHERE session_id = sessions.id) WHERE campaign_id = ?`, camp.ID); err != nil {
		tb.Fatal(err)
	}
	return float64(total) / ingest.Seconds()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// timed runs a command and returns its wall time, peak RSS (MiB) and CPU
// time (user and system, seconds; on a loaded machine the steadier of the
// two times).
func timed(b *testing.B, stdout string, name string, args ...string) (time.Duration, float64, float64) {
	b.Helper()
	cmd := exec.Command(name, args...)
	out, err := os.Create(stdout)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout = out
	var errb strings.Builder
	cmd.Stderr = &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	d := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return d, float64(ru.Maxrss) / 1024, cpu.Seconds()
}

// BenchmarkScaleAnalyze10M writes 10M synthetic impressions through the
// storage layer (reporting the ingest rate), exports them to Parquet with
// `feedprobe export`, then times `feedprobe analyze --json` (summary and
// audit) against the summary alone computed by DuckDB and polars (from the
// Parquet files, scripts/bench/analyze_node.mjs) and by pandas + scipy
// (from the SQLite file, scripts/bench/analyze_pandas.py), in
// benchRounds() rounds that run each once in turn, and checks that all
// agree on the per-session metrics to 1e-9.
//
// FEEDPROBE_BENCH_DIR keeps the data set and its export between runs;
// FEEDPROBE_BIN names the feedprobe binary (built here otherwise);
// FEEDPROBE_PYTHON the Python with pandas and scipy (default
// /usr/bin/python3); FEEDPROBE_NODE the node that runs the DuckDB and
// polars baselines (default: node on PATH); FEEDPROBE_BENCH_BASELINES the
// baselines to run (default duckdb,polars,pandas).
func BenchmarkScaleAnalyze10M(b *testing.B) {
	needHeavyBench(b)
	dir := os.Getenv("FEEDPROBE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	nPersonas, sessions, items := 1000, 20, 500
	if s := os.Getenv("FEEDPROBE_BENCH_IMPRESSIONS"); s != "" { // smaller runs while editing
		n, _ := strconv.Atoi(s)
		nPersonas = max(2, n/(sessions*items))
	}
	total := nPersonas * sessions * items
	db := filepath.Join(dir, fmt.Sprintf("synthetic-%d.db", total))
	if _, err := os.Stat(db); err != nil {
		start := time.Now()
		load := loadAvg()
		rate := writeSynthetic(b, db+".tmp", nPersonas, sessions, items)
		for _, suf := range []string{"", "-wal", "-shm"} {
			_ = os.Rename(db+".tmp"+suf, db+suf)
		}
		b.ReportMetric(rate, "ingest_impressions/s")
		b.Logf("wrote %d impressions in %s; SaveImpressions at %.0f impressions/s (load %.1f at the start, %.1f at the end)",
			total, time.Since(start).Round(time.Second), rate, load, loadAvg())
	}
	// A data set kept from an older feedprobe is brought to this schema
	// (analyze opens it read-only and would refuse it), outside the timing.
	start := time.Now()
	if up, err := storage.Open(context.Background(), db); err != nil {
		b.Fatalf("upgrade %s: %v", db, err)
	} else if err := up.Close(); err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("opened the data set read-write (schema upgrade) in %s", d.Round(time.Second))
	}
	bin := os.Getenv("FEEDPROBE_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "feedprobe")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	lex := filepath.Join(dir, "lexicon.json")
	if err := os.WriteFile(lex, mustJSON(analysis.DefaultLexicon()), 0o644); err != nil {
		b.Fatal(err)
	}
	baselines := strings.Split(cmp.Or(os.Getenv("FEEDPROBE_BENCH_BASELINES"), "duckdb,polars,pandas"), ",")
	pq := db + ".parquet"
	if slices.ContainsFunc(baselines, func(s string) bool { return s == "duckdb" || s == "polars" }) {
		if _, err := os.Stat(filepath.Join(pq, "manifest.json")); err != nil {
			start := time.Now()
			if out, err := exec.Command(bin, "export", "--db", db, "--format", "parquet", "--out", pq).CombinedOutput(); err != nil {
				b.Fatalf("feedprobe export: %v\n%s", err, out)
			}
			b.Logf("exported to Parquet in %s", time.Since(start).Round(time.Second))
		}
	}
	node := cmp.Or(os.Getenv("FEEDPROBE_NODE"), "node")
	py := cmp.Or(os.Getenv("FEEDPROBE_PYTHON"), "/usr/bin/python3")
	nodeScript, _ := filepath.Abs("../../scripts/bench/analyze_node.mjs")
	pyScript, _ := filepath.Abs("../../scripts/bench/analyze_pandas.py")
	out := func(name string) string { return filepath.Join(dir, name+".json") }
	type result struct {
		secs, mib, cpu  []float64
		ratio, cpuRatio rounds // baseline time / feedprobe time, the same for CPU time
	}
	res := map[string]*result{"feedprobe": {}}
	for _, bl := range baselines {
		res[bl] = &result{}
	}
	for range b.N {
		for round := range benchRounds() {
			load := loadAvg()
			fpTime, fpRSS, fpCPU := timed(b, out("feedprobe"), bin, "analyze", "--db", db, "--json")
			fp := res["feedprobe"]
			fp.secs, fp.mib, fp.cpu = append(fp.secs, fpTime.Seconds()), append(fp.mib, fpRSS), append(fp.cpu, fpCPU)
			line := fmt.Sprintf("round %d, load %.1f: feedprobe analyze %.1fs (CPU %.1fs) %.0f MiB", round+1, load, fpTime.Seconds(), fpCPU, fpRSS)
			for _, bl := range baselines {
				var d time.Duration
				var rss, cpu float64
				switch bl {
				case "duckdb", "polars":
					d, rss, cpu = timed(b, filepath.Join(dir, bl+".stdout"), node, nodeScript, bl, pq, lex, out(bl))
				case "pandas":
					d, rss, cpu = timed(b, filepath.Join(dir, "pandas.stdout"), py, pyScript, db, lex, out(bl))
				default:
					b.Fatalf("FEEDPROBE_BENCH_BASELINES: %q: want duckdb, polars or pandas", bl)
				}
				r := res[bl]
				r.secs, r.mib, r.cpu = append(r.secs, d.Seconds()), append(r.mib, rss), append(r.cpu, cpu)
				r.ratio.add(d.Seconds()/fpTime.Seconds(), load)
				r.cpuRatio.add(cpu/fpCPU, load)
				line += fmt.Sprintf("; %s %.1fs (CPU %.1fs) %.0f MiB", bl, d.Seconds(), cpu, rss)
			}
			b.Log(line)
		}
	}
	b.ReportMetric(median(res["feedprobe"].secs), "feedprobe_s")
	b.ReportMetric(median(res["feedprobe"].cpu), "feedprobe_cpu_s")
	b.ReportMetric(slices.Max(res["feedprobe"].mib), "feedprobe_peak_MiB")
	for _, bl := range baselines {
		r := res[bl]
		b.ReportMetric(median(r.secs), bl+"_s")
		b.ReportMetric(median(r.cpu), bl+"_cpu_s")
		b.ReportMetric(slices.Max(r.mib), bl+"_peak_MiB")
		r.ratio.report(b, bl+"_over_feedprobe")
		r.cpuRatio.report(b, bl+"_cpu_over_feedprobe")
		compareAnalyses(b, bl, out("feedprobe"), out(bl))
	}
}

// compareAnalyses checks that feedprobe and a baseline computed the same
// per-session metrics.
func compareAnalyses(b *testing.B, baseline, fpPath, pyPath string) {
	type sess struct {
		Session          int     `json:"session"`
		N                int     `json:"n"`
		Entropy          float64 `json:"entropy"`
		Evenness         float64 `json:"evenness"`
		InterestShare    float64 `json:"interest_share"`
		TopInterestShare float64 `json:"top_interest_share"`
		HarmfulShare     float64 `json:"harmful_share"`
	}
	type doc struct {
		Summary struct {
			Impressions int `json:"impressions"`
			Personas    []struct {
				Name     string    `json:"name"`
				DriftJSD []float64 `json:"drift_jsd"`
				Sessions []sess    `json:"sessions"`
			} `json:"personas"`
		} `json:"summary"`
	}
	read := func(p string) doc {
		var d doc
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(data, &d); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		return d
	}
	fp, py := read(fpPath), read(pyPath)
	if fp.Summary.Impressions != py.Summary.Impressions {
		b.Errorf("impressions: feedprobe %d, %s %d", fp.Summary.Impressions, baseline, py.Summary.Impressions)
	}
	want := map[string]sess{}
	drift := map[string]float64{}
	for _, p := range py.Summary.Personas {
		for i, s := range p.Sessions {
			want[fmt.Sprintf("%s/%d", p.Name, s.Session)] = s
			if i < len(p.DriftJSD) {
				drift[fmt.Sprintf("%s/%d", p.Name, s.Session)] = p.DriftJSD[i]
			}
		}
	}
	bad, seen := 0, 0
	near := func(a, c float64) bool { return math.Abs(a-c) <= 1e-9 }
	for _, p := range fp.Summary.Personas {
		for i, s := range p.Sessions {
			k := fmt.Sprintf("%s/%d", p.Name, s.Session)
			seen++
			w, ok := want[k]
			ok = ok && w.N == s.N && near(w.Entropy, s.Entropy) && near(w.Evenness, s.Evenness) && near(w.InterestShare, s.InterestShare) &&
				near(w.TopInterestShare, s.TopInterestShare) && near(w.HarmfulShare, s.HarmfulShare)
			if ok && i < len(p.DriftJSD) {
				ok = near(drift[k], p.DriftJSD[i])
			}
			if !ok {
				if bad++; bad <= 3 {
					b.Errorf("%s: feedprobe %+v, %s %+v", k, s, baseline, w)
				}
			}
		}
	}
	if seen != len(want) {
		b.Errorf("persona sessions: feedprobe %d, %s %d", seen, baseline, len(want))
	}
	if bad == 0 && seen == len(want) {
		b.Logf("feedprobe and %s agree on all %d persona sessions (n, entropy, evenness, interest, reference and harmful shares, drift) to 1e-9", baseline, len(want))
	}
}
