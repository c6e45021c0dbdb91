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
