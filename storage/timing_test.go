package storage

import (
	"testing"
	"time"
)

// TestStartGap: hand-computed gaps; matched controls are twins and arm
// controls, and a test persona with neither is matched to the free
// controls.
func TestStartGap(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	names := []string{"a", "a.twin1", "b", "blank", "c", "c-ctrl"}
	role := map[string]string{"a": "test", "a.twin1": "control", "b": "test", "blank": "control", "c": "test", "c-ctrl": "control"}
	arm := map[string]string{"a.twin1": "a", "c-ctrl": "c"}
	started := map[string]map[int]time.Time{
		"a":       {1: at(0), 2: at(100)},
		"a.twin1": {1: at(0.5), 2: at(101.5)}, // gaps 0.5, 1.5
		"b":       {1: at(0), 2: at(200)},
		"blank":   {1: at(2), 2: at(207)}, // b's only match: gaps 2, 7
		"c":       {1: at(10)},
		"c-ctrl":  {1: at(13)}, // gap 3 (blank is not c's: c has its own)
	}
	g := startGap(names, role, arm, started)
	if g == nil || g.Seconds != 7 || g.Persona != "b" || g.Other != "blank" || g.Session != 2 || g.Pairs != 5 {
		t.Errorf("startGap = %+v, want 7 s between b and blank in session 2 over 5 pairs", g)
	}
	if g := startGap([]string{"solo"}, map[string]string{"solo": "test"}, nil, started); g != nil {
		t.Errorf("startGap of a persona with no match = %+v, want nil", g)
	}
}
