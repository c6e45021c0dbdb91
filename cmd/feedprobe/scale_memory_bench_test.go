package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe"
)

// chromiumPSS sums the proportional set size (kB) of every process that
// descends from this one (the browsers it started and their helpers).
func chromiumPSS() (int64, int) {
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
	var total int64
	n := 0
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
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				total += kb
				n++
				break
			}
		}
		f.Close()
	}
	return total, n
}

// peakPSS samples chromiumPSS every 250 ms while run runs and returns the
// peak (MiB) and the process count then.
func peakPSS(run func()) (float64, int) {
	done := make(chan struct{})
	var peak int64
	var procs int
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if kb, n := chromiumPSS(); kb > peak {
					peak, procs = kb, n
				}
			}
		}
	})
	run()
	close(done)
	wg.Wait()
	return float64(peak) / 1024, procs
}

// BenchmarkScaleMemory16 compares the peak PSS of the Chromium tree while 16
// personas browse at once: feedprobe's browser contexts in one Chromium
// against one Chromium per persona (16 feedprobe runs of one persona each,
// at once).
func BenchmarkScaleMemory16(b *testing.B) {
	needHeavyBench(b)
	base := benchSimfeed(b)
	const k, items = 16, 240
	for i := range b.N {
		c := scrollerCampaign(b, fmt.Sprintf("mem-contexts-%d", i), base, k, items, "150ms")
		ctxMiB, ctxProcs := peakPSS(func() { runFeedprobe(b, c, probe.BrowserOptions{ClosedNetwork: true}) })
		procMiB, procProcs := peakPSS(func() {
			var wg sync.WaitGroup
			for j := range k {
				one := scrollerCampaign(b, fmt.Sprintf("mem-process-%d-%d", i, j), base, 1, items, "150ms")
				one.Personas[0].Name = fmt.Sprintf("solo%02d", j)
				wg.Go(func() { runFeedprobe(b, one, probe.BrowserOptions{ClosedNetwork: true}) })
			}
			wg.Wait()
		})
		b.ReportMetric(ctxMiB, "contexts_MiB")
		b.ReportMetric(procMiB, "per_process_MiB")
		b.ReportMetric(ctxMiB/procMiB, "ratio")
		b.Logf("16 personas: browser contexts %.0f MiB in %d processes; one Chromium each %.0f MiB in %d processes", ctxMiB, ctxProcs, procMiB, procProcs)
	}
}
