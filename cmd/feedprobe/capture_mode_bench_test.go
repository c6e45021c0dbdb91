package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/storage"
)

// BenchmarkScaleCaptureMode compares items per second of a session that
// reads simfeed's own responses (the simfeed-capture adapter: the embedded
// JSON and every /api/feed body read through the DevTools protocol, stored
// as evidence, items joined with what reached the screen) with one that
// reads the page only (the simfeed adapter), on the same simfeed, for 1 and
// 4 personas that only scroll, the two modes taking turns. Both keep
// evidence as `feedprobe run --evidence-every 0` does. It reports the
// 1-minute load average before and after: the machine is shared.
func BenchmarkScaleCaptureMode(b *testing.B) {
	needHeavyBench(b)
	base := benchSimfeed(b)
	const items = 300
	for _, k := range []int{1, 4} {
		b.Run(fmt.Sprintf("personas=%d", k), func(b *testing.B) {
			load0 := loadAverage()
			var dom, capt struct {
				items int
				d     time.Duration
			}
			for i := range b.N {
				for round := range 2 {
					name := fmt.Sprintf("mode-%d-%d-%d", k, i, round)
					n, d := runMode(b, modeCampaign(b, name+"-dom", "simfeed", base, k, items))
					dom.items, dom.d = dom.items+n, dom.d+d
					n, d = runMode(b, modeCampaign(b, name+"-capture", "simfeed-capture", base, k, items))
					capt.items, capt.d = capt.items+n, capt.d+d
				}
			}
			d := float64(dom.items) / dom.d.Seconds()
			c := float64(capt.items) / capt.d.Seconds()
			b.ReportMetric(d, "dom_items/s")
			b.ReportMetric(c, "capture_items/s")
			b.ReportMetric(c/d, "ratio")
			b.ReportMetric(load0, "load1_before")
			b.ReportMetric(loadAverage(), "load1_after")
		})
	}
}

// modeCampaign is k personas that only scroll, on the given adapter.
func modeCampaign(b *testing.B, name, platform, base string, k, items int) *personas.Campaign {
	b.Helper()
	var y strings.Builder
	fmt.Fprintf(&y, "campaign: %s\nplatform: %s\nbase_url: %s\nsessions: 1\nitems_per_session: %d\nsession_timeout: 5m\nconcurrency: %d\npersonas:\n", name, platform, base, items, k)
	for i := range k {
		fmt.Fprintf(&y, "  - name: p%02d\n    seed: %d\n    behaviour: {open: {base: 0, match: 0}, scroll_pause: 0s, max_opens: 0}\n", i, i+1)
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

// runMode runs the campaign as `feedprobe run --evidence-every 0` does and
// returns items and elapsed time, browser start included.
func runMode(b *testing.B, c *personas.Campaign) (int, time.Duration) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	sum, err := daemon.Run(ctx, db, c, daemon.RunOptions{Browser: probe.BrowserOptions{ClosedNetwork: true}, Logger: slog.New(slog.DiscardHandler)}.WithEvidence(db, path, 0))
	if err != nil {
		b.Fatal(err)
	}
	if sum.Done != len(c.Personas) {
		b.Fatalf("%s: %d of %d sessions done", c.Platform, sum.Done, len(c.Personas))
	}
	return sum.Items, time.Since(start)
}

// loadAverage returns the 1-minute load average, -1 when unknown.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
