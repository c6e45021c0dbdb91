package probe

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg, "v1.2.3")
	at := time.Unix(1_780_000_000, 500_000_000)
	m.now = func() time.Time { return at }
	m.Init("simfeed")

	obs := m.Observer("simfeed")
	obs.ObservePhase(PhaseScroll, 300*time.Millisecond)
	obs.ObservePhase("bogus", time.Second) // dropped: closed label set
	obs.ObserveScroll(5)
	obs.ObserveScroll(0)
	obs.ObserveScroll(0)
	m.ObserveSession("simfeed", SessionReport{Outcome: OutcomeDone, Result: SessionResult{Items: 12}, Duration: 3 * time.Second})
	m.ObserveSession("simfeed", SessionReport{Outcome: OutcomeBlocked, Result: SessionResult{Items: 1}, Err: ErrBlocked})
	m.ObserveSession("other", SessionReport{Outcome: OutcomeFailed, Err: errors.New("boom")})
	m.BrowserRestarted()
	m.StorageError()
	m.StorageError()
	m.MissedSlots(3)
	m.ObserveScheduleLag(2 * time.Second)

	tests := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"success", m.sessions.WithLabelValues("simfeed", "success"), 1},
		{"blocked", m.sessions.WithLabelValues("simfeed", "blocked"), 1},
		{"error simfeed", m.sessions.WithLabelValues("simfeed", "error"), 0},
		{"error other", m.sessions.WithLabelValues("other", "error"), 1},
		{"items", m.items.WithLabelValues("simfeed"), 13},
		{"scrolls", m.scrolls.WithLabelValues("simfeed"), 3},
		{"empty", m.emptyExtractions.WithLabelValues("simfeed"), 2},
		{"last success after blocked", m.lastSuccess.WithLabelValues("simfeed"), 0},
		{"last success time", m.lastSuccessTime.WithLabelValues("simfeed"), 1_780_000_000.5},
		{"restarts", m.browserRestarts, 1},
		{"storage errors", m.storageErrors, 2},
		{"missed", m.missedSlots, 3},
	}
	for _, tc := range tests {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.phaseDuration); n != 1 {
		t.Errorf("phase series = %d, want 1 (unknown phase dropped)", n)
	}
	want := `
# HELP feedprobe_build_info Always 1; the labels name the feedprobe version and the Go version it was built with.
# TYPE feedprobe_build_info gauge
`
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "feedprobe_build_info" {
			found = len(mf.Metric) == 1 && mf.Metric[0].GetGauge().GetValue() == 1 &&
				strings.Contains(mf.Metric[0].String(), "v1.2.3")
		}
	}
	if !found {
		t.Errorf("feedprobe_build_info{version=\"v1.2.3\"} 1 not gathered%s", want)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
}

// TestHealthMetrics checks the gauges restored at start, the orders and
// re-inspections by state and the campaign file reloads.
func TestHealthMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg, "v1")
	at := time.Unix(1_780_000_000, 0)
	m.now = func() time.Time { return at }

	m.RestoreLastSession("simfeed", false, at.Add(-time.Hour))
	m.RestoreLastSession("other", true, time.Time{})
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("simfeed")); got != 0 {
		t.Errorf("last_session_success{simfeed} = %v, want 0", got)
	}
	if got := testutil.ToFloat64(m.lastSuccessTime.WithLabelValues("simfeed")); got != float64(at.Add(-time.Hour).Unix()) {
		t.Errorf("last_success_timestamp_seconds{simfeed} = %v, want an hour before", got)
	}
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("other")); got != 1 {
		t.Errorf("last_session_success{other} = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.lastSuccessTime); n != 1 {
		t.Errorf("%d last-success series, want 1 (none for a platform that never succeeded)", n)
	}

	m.InitReinspections()
	m.SetOrders(map[string]int{"open": 2, "not rectified": 1})
	want := `
# HELP feedprobe_rectification_orders Rectification orders in the database by state (open, reinspecting, rectified, not_rectified, inconclusive).
# TYPE feedprobe_rectification_orders gauge
feedprobe_rectification_orders{state="inconclusive"} 0
feedprobe_rectification_orders{state="not_rectified"} 1
feedprobe_rectification_orders{state="open"} 2
feedprobe_rectification_orders{state="rectified"} 0
feedprobe_rectification_orders{state="reinspecting"} 0
`
	if err := testutil.CollectAndCompare(m.orders, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	m.ReinspectionFinished("cut short")
	m.ReinspectionFinished("failed")
	m.ReinspectionFinished("failed")
	if got := testutil.ToFloat64(m.reinspections.WithLabelValues("failed")); got != 2 {
		t.Errorf("reinspections_total{failed} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.reinspections.WithLabelValues("cut_short")); got != 1 {
		t.Errorf("reinspections_total{cut_short} = %v, want 1", got)
	}
	m.SetReinspectionsRunning(3)
	if got := testutil.ToFloat64(m.reinspecting); got != 3 {
		t.Errorf("reinspections_running = %v, want 3", got)
	}

	m.ConfigReloaded(true)
	at = at.Add(time.Minute)
	m.ConfigReloaded(false)
	if ok, ts := testutil.ToFloat64(m.reloadOK), testutil.ToFloat64(m.reloadTime); ok != 0 || ts != 1_780_000_000 {
		t.Errorf("after a good then a bad reload: successful %v at %v, want 0 and the good one's time", ok, ts)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
