package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The scale benchmarks share a machine with other work, so one figure
// proves little. Each compares feedprobe with a baseline in rounds that
// alternate the two (at least three, FEEDPROBE_BENCH_ROUNDS for more), logs
// every figure with the load average it was measured under, and reports
// the median ratio of the rounds with their range.

// benchRounds is how many alternating rounds a comparison runs: 3, or
// FEEDPROBE_BENCH_ROUNDS when that is larger.
func benchRounds() int {
	n, _ := strconv.Atoi(os.Getenv("FEEDPROBE_BENCH_ROUNDS"))
	return max(3, n)
}

// loadAvg is the machine's 1-minute load average (/proc/loadavg), or -1
// where there is none.
func loadAvg() float64 {
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

// rounds collects the ratios of a comparison's rounds and the load
// average at each.
type rounds struct {
	ratios, loads []float64
}

// add records one round: its ratio and the load average at its start.
func (r *rounds) add(ratio, load float64) {
	r.ratios = append(r.ratios, ratio)
	r.loads = append(r.loads, load)
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report reports the median ratio, its range and the range of the load
// average under unit names prefixed by name (e.g. "ratio" gives
// ratio_median, ratio_min, ratio_max), and logs them in one line.
func (r *rounds) report(b *testing.B, name string) {
	b.Helper()
	if len(r.ratios) == 0 {
		return
	}
	b.ReportMetric(median(r.ratios), name+"_median")
	b.ReportMetric(slices.Min(r.ratios), name+"_min")
	b.ReportMetric(slices.Max(r.ratios), name+"_max")
	b.ReportMetric(slices.Min(r.loads), "load1_min")
	b.ReportMetric(slices.Max(r.loads), "load1_max")
	b.Logf("%s: median %.3f, range %.3f–%.3f over %d alternating rounds, load average %s",
		name, median(r.ratios), slices.Min(r.ratios), slices.Max(r.ratios), len(r.ratios), loadRange(r.loads))
}

// loadRange formats the range of load averages ("3.1–7.9").
func loadRange(loads []float64) string {
	if len(loads) == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f–%.1f", slices.Min(loads), slices.Max(loads))
}
