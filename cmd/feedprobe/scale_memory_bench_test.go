package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

// procMem is one process of the Chromium tree: its kind (browser, renderer,
// gpu, network, storage, utility, zygote) and its PSS (kB), split into
// anonymous, file-backed and shared-memory parts.
type procMem struct {
	pid                   int
	kind                  string
	pss, anon, file, shmm int64
}

// chromiumKind names a Chromium process by its command line.
func chromiumKind(cmdline string) string {
	args := strings.FieldsFunc(cmdline, func(r rune) bool { return r == 0 || r == ' ' })
	kind, sub := "browser", ""
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--type="); ok {
			kind = v
		}
		if v, ok := strings.CutPrefix(a, "--utility-sub-type="); ok {
			sub = v
		}
	}
	switch {
	case kind == "gpu-process":
		return "gpu"
	case kind == "utility" && strings.HasPrefix(sub, "network."):
		return "network"
	case kind == "utility" && strings.HasPrefix(sub, "storage."):
		return "storage"
	case kind == "utility":
		return "utility"
	}
	return kind
}

// chromiumTree reads every process that descends from this one (the
// browsers it started and their helpers).
func chromiumTree() []procMem {
	self := os.Getpid()
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	var out []procMem
	for pid := range parent {
		isDesc := false
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == self {
				isDesc = true
				break
			}
		}
		if !isDesc {
			continue
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue
		}
		pm := procMem{pid: pid}
		found := false
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			key, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			switch key {
			case "Pss":
				pm.pss, found = kb, true
			case "Pss_Anon":
				pm.anon = kb
			case "Pss_File":
				pm.file = kb
			case "Pss_Shmem":
				pm.shmm = kb
			}
		}
		f.Close()
		if !found {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		pm.kind = chromiumKind(string(cmd))
		out = append(out, pm)
	}
	return out
}

// chromiumPSS sums the proportional set size (kB) of the Chromium tree.
func chromiumPSS() (int64, int) {
	var total int64
	tree := chromiumTree()
	for _, p := range tree {
		total += p.pss
	}
	return total, len(tree)
}

// memDetail, when FEEDPROBE_MEM_DETAIL=1, logs the tree at its peak by
// process kind and the renderers' mean PSS over time.
func memDetail(b *testing.B, label string, peak []procMem, series []string) {
	if os.Getenv("FEEDPROBE_MEM_DETAIL") != "1" {
		return
	}
	type agg struct {
		n                     int
		pss, anon, file, shmm int64
	}
	by := map[string]*agg{}
	var kinds []string
	for _, p := range peak {
		a := by[p.kind]
		if a == nil {
			a = &agg{}
			by[p.kind] = a
			kinds = append(kinds, p.kind)
		}
		a.n++
		a.pss += p.pss
		a.anon += p.anon
		a.file += p.file
		a.shmm += p.shmm
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		a := by[k]
		b.Logf("%s peak: %-9s n=%3d pss=%6.0f MiB (anon %5.0f, file %5.0f, shmem %5.0f) per process %5.1f MiB",
			label, k, a.n, float64(a.pss)/1024, float64(a.anon)/1024, float64(a.file)/1024, float64(a.shmm)/1024, float64(a.pss)/1024/float64(a.n))
	}
	b.Logf("%s renderers over time (s: n x mean MiB, anon): %s", label, strings.Join(series, " "))
}

// peakPSS samples the Chromium tree every 250 ms while run runs and returns
// the peak PSS (MiB) and the process count then.
func peakPSS(b *testing.B, label string, run func()) (float64, int) {
	done := make(chan struct{})
	var peak int64
	var procs int
	var peakTree []procMem
	var series []string
	start := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-t.C:
				tree := chromiumTree()
				var kb, rn, rkb, ranon int64
				for _, p := range tree {
					kb += p.pss
					if p.kind == "renderer" {
						rn++
						rkb += p.pss
						ranon += p.anon
					}
				}
				if kb > peak {
					peak, procs, peakTree = kb, len(tree), tree
					peakRenderers = 0
					for _, pm := range tree {
						if pm.kind == "renderer" {
							peakRenderers++
						}
					}
				}
				if i%4 == 0 && rn > 0 {
					series = append(series, fmt.Sprintf("%.0f:%dx%.0f/%.0f", time.Since(start).Seconds(), rn, float64(rkb)/1024/float64(rn), float64(ranon)/1024/float64(rn)))
				}
			}
		}
	})
	run()
	close(done)
	wg.Wait()
	memDetail(b, label, peakTree, series)
	return float64(peak) / 1024, procs
}

// peakRenderers is how many renderer processes the last peakPSS saw at
// its peak.
var peakRenderers int

// BenchmarkScaleMemory16 compares the peak PSS of the Chromium tree while 16
// personas browse at once: feedprobe's browser contexts in one Chromium
// against one Chromium per persona (16 feedprobe runs of one persona each,
// at once).
func BenchmarkScaleMemory16(b *testing.B) {
	needHeavyBench(b)
	base := benchSimfeed(b)
	const k, items = 16, 240
	var r rounds
	for i := range b.N {
		for round := range benchRounds() {
			load := loadAvg()
			c := scrollerCampaign(b, fmt.Sprintf("mem-contexts-%d-%d", i, round), base, k, items, "150ms")
			ctxMiB, ctxProcs := peakPSS(b, "contexts", func() { runFeedprobe(b, c, probe.BrowserOptions{ClosedNetwork: true}) })
			procMiB, procProcs := peakPSS(b, "per-process", func() {
				var wg sync.WaitGroup
				for j := range k {
					one := scrollerCampaign(b, fmt.Sprintf("mem-process-%d-%d-%d", i, round, j), base, 1, items, "150ms")
					one.Personas[0].Name = fmt.Sprintf("solo%02d", j)
					wg.Go(func() { runFeedprobe(b, one, probe.BrowserOptions{ClosedNetwork: true}) })
				}
				wg.Wait()
			})
			r.add(ctxMiB/procMiB, load)
			b.ReportMetric(ctxMiB, "contexts_MiB")
			b.ReportMetric(procMiB, "per_process_MiB")
			b.Logf("round %d, load %.1f: 16 personas: browser contexts %.0f MiB in %d processes; one Chromium each %.0f MiB in %d processes; ratio %.3f",
				round+1, load, ctxMiB, ctxProcs, procMiB, procProcs, ctxMiB/procMiB)
		}
	}
	r.report(b, "ratio")
}

// BenchmarkScaleProcessModel measures what Chromium's process-model flags
// do to 8 personas in browser contexts of one Chromium, all on one site
// (the bare loop on simfeed, 240 items each): peak PSS of the tree, the
// renderer processes at the peak and items per second, for each flag set
// in turn, benchRounds() rounds. Browser contexts cannot share a renderer
// (a renderer process belongs to one browser context), so a flag can only
// matter within a context.
func BenchmarkScaleProcessModel(b *testing.B) {
	needHeavyBench(b)
	base := benchSimfeed(b)
	const k, items = 8, 240
	sets := []struct {
		name  string
		flags []chromedp.ExecAllocatorOption
	}{
		{"default", nil},
		{"renderer-process-limit=1", []chromedp.ExecAllocatorOption{chromedp.Flag("renderer-process-limit", "1")}},
		{"process-per-site", []chromedp.ExecAllocatorOption{chromedp.Flag("process-per-site", true)}},
		{"no-site-isolation+limit=2", []chromedp.ExecAllocatorOption{chromedp.Flag("disable-site-isolation-trials", true),
			chromedp.Flag("renderer-process-limit", "2")}},
	}
	type acc struct{ mib, renderers, rate []float64 }
	res := make([]acc, len(sets))
	for range b.N {
		for round := range benchRounds() {
			for i, set := range sets {
				load := loadAvg()
				var n int
				var d time.Duration
				mib, _ := peakPSS(b, set.name, func() { n, d = runBareWith(b, base, k, items, set.flags...) })
				r := float64(peakRenderers)
				res[i].mib, res[i].renderers = append(res[i].mib, mib), append(res[i].renderers, r)
				res[i].rate = append(res[i].rate, float64(n)/d.Seconds())
				b.Logf("round %d, load %.1f: %s: %.0f MiB, %d renderers at the peak, %.0f items/s", round+1, load, set.name, mib, peakRenderers, float64(n)/d.Seconds())
			}
		}
	}
	for i, set := range sets {
		b.Logf("%s: median %.0f MiB, %.0f renderers, %.0f items/s", set.name, median(res[i].mib), median(res[i].renderers), median(res[i].rate))
	}
}

// BenchmarkScaleDensity runs k personas at once with a researcher's
// pacing (dwell median 2 s, scroll_pause 200 ms, about a third of the
// items opened, 40 items a session, a 3-minute session deadline) in one
// Chromium, for k from FEEDPROBE_BENCH_DENSITY (default 8,16,32,64), and
// reports for each: sessions done before the deadline, the start lag (the
// latest session start after the campaign's start: all are due at once),
// the longest session, peak PSS of the Chromium tree and the load average.
// One round per k: a density curve under a load that changes while it is
// measured says where it breaks, not a ratio.
func BenchmarkScaleDensity(b *testing.B) {
	needHeavyBench(b)
	base := benchSimfeed(b)
	ks := []int{8, 16, 32, 64}
	if s := os.Getenv("FEEDPROBE_BENCH_DENSITY"); s != "" {
		ks = nil
		for _, f := range strings.Split(s, ",") {
			k, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("FEEDPROBE_BENCH_DENSITY: %q: %v", f, err)
			}
			ks = append(ks, k)
		}
	}
	for _, k := range ks {
		b.Run(fmt.Sprintf("personas=%d", k), func(b *testing.B) {
			var y strings.Builder
			fmt.Fprintf(&y, "campaign: density-%d\nplatform: simfeed\nbase_url: %s\nsessions: 1\nitems_per_session: 40\nsession_timeout: 3m\nconcurrency: %d\npersonas:\n", k, base, k)
			for i := range k {
				fmt.Fprintf(&y, "  - name: d%03d\n    seed: %d\n    interests: {%s: 1}\n    behaviour: {dwell: {median: 2s}, open: {base: 0.3, match: 0.3}, scroll_pause: 200ms}\n",
					i, i+1, synthTopics[i%len(synthTopics)])
			}
			path := filepath.Join(b.TempDir(), "campaign.yaml")
			if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			c, err := personas.LoadCampaign(path)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "density.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			load := loadAvg()
			var sum daemon.RunSummary
			start := time.Now()
			mib, _ := peakPSS(b, fmt.Sprintf("density-%d", k), func() {
				sum, err = daemon.Run(ctx, db, c, daemon.RunOptions{Browser: probe.BrowserOptions{ClosedNetwork: true}, Logger: slog.New(slog.DiscardHandler)})
			})
			if err != nil {
				b.Fatal(err)
			}
			wall := time.Since(start)
			ss, err := db.Sessions(ctx, sum.Campaign.ID)
			if err != nil {
				b.Fatal(err)
			}
			var lag, longest time.Duration
			errs := map[string]int{}
			for _, s := range ss {
				if s.Error != "" {
					// Group by what failed ("open item", "open feed"), not by item.
					e := s.Error
					if f := strings.Fields(e); len(f) >= 2 {
						e = f[0] + " " + f[1] + " …: " + f[len(f)-1]
					}
					errs[e]++
				}
				if !s.StartedAt.IsZero() {
					lag = max(lag, s.StartedAt.Sub(start))
				}
				if !s.FinishedAt.IsZero() && !s.StartedAt.IsZero() {
					longest = max(longest, s.FinishedAt.Sub(s.StartedAt))
				}
			}
			b.ReportMetric(float64(sum.Done), "done")
			b.ReportMetric(float64(sum.Failed), "failed")
			b.ReportMetric(lag.Seconds(), "start_lag_s")
			b.ReportMetric(longest.Seconds(), "longest_session_s")
			b.ReportMetric(mib, "peak_MiB")
			b.ReportMetric(load, "load1_start")
			b.ReportMetric(loadAvg(), "load1_end")
			b.Logf("%d personas, load %.1f → %.1f: %d done, %d failed, start lag %.1fs, longest session %.0fs, wall %.0fs, peak %.0f MiB, %d items",
				k, load, loadAvg(), sum.Done, sum.Failed, lag.Seconds(), longest.Seconds(), wall.Seconds(), mib, sum.Items)
			for e, n := range errs {
				b.Logf("%d sessions failed with: %s", n, e)
			}
		})
	}
}
