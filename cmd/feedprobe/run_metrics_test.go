package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// TestRunMetrics runs a small campaign with `run --metrics-listen`'s
// metrics, scrapes the endpoint and checks the counters against what the
// database holds.
func TestRunMetrics(t *testing.T) {
	needBrowser(t)
	_, base := startSimfeed(t, simfeed.DefaultConfig())
	c, err := personas.LoadCampaign(writeCampaign(t, base, 2, 20))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "metrics.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	addr, stop, m, err := serveRunMetrics("127.0.0.1:0", false, db, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	sum, err := daemon.Run(ctx, db, c, daemon.RunOptions{Browser: probe.BrowserOptions{ClosedNetwork: true}, Logger: testLogger(t), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := db.CampaignByName(ctx, c.Name)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	items := 0
	for _, s := range ss {
		items += s.Items
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// total sums a counter's samples over its labels in the text format.
	total := func(name string) float64 {
		v := 0.0
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
				f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
				if err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				v += f
			}
		}
		return v
	}
	if got := total("feedprobe_sessions_total"); int(got) != len(ss) || sum.Done != len(ss) {
		t.Errorf("feedprobe_sessions_total = %v; the database has %d sessions (%d done)", got, len(ss), sum.Done)
	}
	if got := total("feedprobe_items_extracted_total"); int(got) != items || items == 0 {
		t.Errorf("feedprobe_items_extracted_total = %v; the database holds %d impressions", got, items)
	}
	if total("feedprobe_scrolls_total") == 0 || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics lacks scrolls or the Go collector:\n%.2000s", body)
	}
}

// TestRunMetricsLoopback checks that --metrics-listen refuses an address
// beyond loopback unless --allow-non-loopback.
func TestRunMetricsLoopback(t *testing.T) {
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "loopback.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, _, err = serveRunMetrics("10.1.2.3:9464", false, db, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "--metrics-listen") || !strings.Contains(err.Error(), "not a loopback") {
		t.Errorf("serveRunMetrics(10.1.2.3:9464) = %v, want a --metrics-listen loopback error", err)
	}
}

// TestRunRetriesWithMetrics checks that --metrics-listen does not change
// what a run does: against a feed that redirects in a loop, --retries 2
// makes three attempts of each session with and without metrics.
func TestRunRetriesWithMetrics(t *testing.T) {
	needBrowser(t)
	for _, withMetrics := range []bool{false, true} {
		t.Run(fmt.Sprintf("metrics=%v", withMetrics), func(t *testing.T) {
			cfg := simfeed.DefaultConfig()
			cfg.Faults.RedirectLoop = true
			_, base := startSimfeed(t, cfg)
			c, err := personas.LoadCampaign(writeCampaign(t, base, 1, 5))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "retries.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			o := daemon.RunOptions{Browser: probe.BrowserOptions{ClosedNetwork: true}, Logger: testLogger(t), Retries: 2}
			if withMetrics {
				_, stop, m, err := serveRunMetrics("127.0.0.1:0", false, db, testLogger(t))
				if err != nil {
					t.Fatal(err)
				}
				defer stop()
				o.Metrics = m
			}
			sum, err := daemon.Run(ctx, db, c, o)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := db.Sessions(ctx, sum.Campaign.ID)
			if err != nil {
				t.Fatal(err)
			}
			attempts := map[int64]int{}
			for _, s := range ss {
				if s.Status != storage.StatusFailed {
					t.Errorf("session %d is %s, want failed (the feed redirects in a loop)", s.ID, s.Status)
				}
				attempts[s.PersonaID]++
			}
			if len(attempts) != 2 {
				t.Fatalf("sessions of %d personas, want 2: %+v", len(attempts), ss)
			}
			for p, n := range attempts {
				if n != 3 {
					t.Errorf("persona %d: %d attempts, want 3 (--retries 2)", p, n)
				}
			}
			if sum.Failed != 6 {
				t.Errorf("run counted %d failed attempts, want 6", sum.Failed)
			}
		})
	}
}
