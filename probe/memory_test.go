package probe

import (
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestProcessTreePSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skipf("no smaps_rollup: %v", err)
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	tree, err := descendants(os.Getpid())
	if err != nil || !slices.Contains(tree, child.Process.Pid) || tree[0] != os.Getpid() {
		t.Errorf("descendants(self) = %v, %v; want self and the child %d", tree, err, child.Process.Pid)
	}
	own, err := pssOf(os.Getpid())
	if err != nil || own <= 0 {
		t.Fatalf("pssOf(self) = %d, %v", own, err)
	}
	all, err := ProcessTreePSS(os.Getpid())
	if err != nil || all < own {
		t.Errorf("ProcessTreePSS(self) = %d, %v; want at least the process's own %d", all, err, own)
	}
	if _, err := ProcessTreePSS(0); err == nil {
		t.Error("ProcessTreePSS(0): no error")
	}
}

// TestBrowserMemoryMetric reads the shared test browser's memory through
// feedprobe_browser_memory_bytes.
func TestBrowserMemoryMetric(t *testing.T) {
	b := needBrowser(t)
	if b.PID() <= 0 {
		t.Fatalf("Browser.PID() = %d for a launched browser", b.PID())
	}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, "test")
	if n, err := testutil.GatherAndCount(reg, "feedprobe_browser_memory_bytes"); err != nil || n != 0 {
		t.Errorf("feedprobe_browser_memory_bytes without a browser: %d series, %v; want none", n, err)
	}
	m.WatchBrowser(b.PID)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for _, mf := range mfs {
		if mf.GetName() == "feedprobe_browser_memory_bytes" {
			got = mf.Metric[0].GetGauge().GetValue()
		}
	}
	// Chromium's browser process alone takes tens of MiB.
	if got < 20<<20 {
		t.Errorf("feedprobe_browser_memory_bytes = %v, want the browser tree's PSS (tens of MiB at least)", got)
	}
	t.Logf("browser tree PSS: %.0f MiB", got/(1<<20))
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
