package daemon

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe"
)

func TestProgress(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	p.Plan(4)
	now = now.Add(10 * time.Second)
	p.Session(probe.SessionReport{Outcome: probe.OutcomeDone, Result: probe.SessionResult{Items: 30}})
	if got, want := p.line(), "[######..................] 1/4 sessions · 30 items · 0 errors · ETA 30s"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	p.Session(probe.SessionReport{Outcome: probe.OutcomeFailed, Err: errors.New("x"), Result: probe.SessionResult{Items: 3}})
	if got := p.line(); !strings.Contains(got, "2/4 sessions · 33 items · 1 error · ETA 10s") {
		t.Errorf("line = %q, want 2/4, 33 items, 1 error, ETA 10s", got)
	}
	out.Reset()
	p.Write([]byte("level=INFO msg=\"session finished\"\n"))
	s := out.String()
	// The bar is cleared, the log line printed, and the bar drawn again.
	if !strings.HasPrefix(s, "\r\033[K") || !strings.Contains(s, "finished\"\n[") || !strings.HasSuffix(s, "ETA 10s") {
		t.Errorf("log write = %q, want clear, line, redraw", s)
	}
	p.Session(probe.SessionReport{Outcome: probe.OutcomeDone})
	p.Session(probe.SessionReport{Outcome: probe.OutcomeBlocked})
	if got := p.line(); !strings.Contains(got, "[########################] 4/4") || !strings.HasSuffix(got, "done") {
		t.Errorf("line = %q, want a full bar and done", got)
	}
	out.Reset()
	p.Finish()
	if out.String() != "\r\033[K" {
		t.Errorf("Finish wrote %q, want the bar cleared", out.String())
	}
}

func TestUseProgress(t *testing.T) {
	var buf bytes.Buffer
	for _, tc := range []struct {
		mode string
		want bool
	}{{"on", true}, {"off", false}, {"auto", false}} {
		got, err := UseProgress(tc.mode, &buf)
		if err != nil || got != tc.want {
			t.Errorf("UseProgress(%q, buffer) = %v, %v, want %v", tc.mode, got, err, tc.want)
		}
	}
	if _, err := UseProgress("sometimes", &buf); err == nil {
		t.Error("UseProgress(sometimes) = nil error")
	}
}
