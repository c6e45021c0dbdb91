package analysis

import (
	"math"
	"testing"
)

func TestSmallestPValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"sign-flip 2 one-sided", SmallestSignFlipP(2, true), 0.25},
		{"sign-flip 5 one-sided", SmallestSignFlipP(5, true), 1.0 / 32},
		{"sign-flip 5 two-sided", SmallestSignFlipP(5, false), 2.0 / 32},
		{"sign-flip 6 two-sided", SmallestSignFlipP(6, false), 2.0 / 64},
		{"sign-flip 0", SmallestSignFlipP(0, true), 1},
		{"two-sample 3 vs 3", SmallestTwoSampleP(3, 3), 2.0 / 20}, // C(6,3) = 20, mirror as extreme
		{"two-sample 2 vs 3", SmallestTwoSampleP(2, 3), 1.0 / 10}, // C(5,2) = 10
		{"two-sample 4 vs 4", SmallestTwoSampleP(4, 4), 2.0 / 70},
		{"two-sample 1 vs 0", SmallestTwoSampleP(1, 0), 1},
		{"stratified 3,3,2", SmallestStratifiedP([]int{3, 3, 2, 1}), 1.0 / 18},
	} {
		if math.Abs(tc.got-tc.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if m := MinimumSignFlipPersonas(0.05, true); m != 5 {
		t.Errorf("one-sided minimum = %d, want 5 (1/16 >= 0.05 > 1/32)", m)
	}
	if m := MinimumSignFlipPersonas(0.05, false); m != 6 {
		t.Errorf("two-sided minimum = %d, want 6 (2/32 >= 0.05 > 2/64)", m)
	}
	if m := MinimumPersonas(CheckArt21Prices, 0.01); m != 8 {
		t.Errorf("art21 minimum at α = 0.01 = %d, want 8 (2/128 >= 0.01 > 2/256)", m)
	}
}

func TestDesignWarnings(t *testing.T) {
	ws := DesignWarnings(map[string]int{CheckArt18Minors: 2, CheckArt17Off: 5, CheckArt21Prices: 5, "art99": 3}, 0.05)
	if len(ws) != 3 {
		t.Fatalf("warnings = %+v, want art18 (2 < 5), art21 (5 < 6) and the unknown art99", ws)
	}
	if ws[0].Check != CheckArt18Minors || ws[0].Minimum != 5 || ws[0].Personas != 2 {
		t.Errorf("first warning = %+v, want art18 2 of 5", ws[0])
	}
	if ws[1].Check != CheckArt21Prices || ws[1].Minimum != 6 {
		t.Errorf("second warning = %+v, want art21 minimum 6", ws[1])
	}
	if ws[2].Check != "art99" || ws[2].Minimum != 0 {
		t.Errorf("third warning = %+v, want the unknown check", ws[2])
	}
}

// TestPlannedUnits: a plan of 2 test personas switching personalization
// off with a twin each, and a minor persona, counts 2 units for the
// interventions and lists, 1 for minors; DesignWarnings then warns for
// each (all below their minimum).
func TestPlannedUnits(t *testing.T) {
	var ps []CompliancePersona
	for _, n := range []string{"a", "b"} {
		ps = append(ps, CompliancePersona{Name: n, Role: "test", Sessions: sessions(3, func(seq int) ComplianceSession {
			return ComplianceSession{Interests: map[string]float64{"sports": 1}, PersonalizationOff: seq == 3}
		})}, CompliancePersona{Name: n + ".twin1", Role: "control", TwinOf: n, Sessions: sessions(3, func(int) ComplianceSession { return ComplianceSession{} })})
	}
	ps = append(ps, CompliancePersona{Name: "teen", Role: "control", Sessions: sessions(2, func(int) ComplianceSession { return ComplianceSession{MinorMode: true} })})
	got := PlannedUnits(ps)
	want := map[string]int{CheckArt17Off: 2, CheckArt21Prices: 2, CheckArt11Key: 2, CheckArt12Div: 2, CheckArt18Minors: 1}
	if len(got) != len(want) {
		t.Fatalf("PlannedUnits = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d units, want %d", k, got[k], v)
		}
	}
	if ws := DesignWarnings(got, 0.05); len(ws) != 5 {
		t.Errorf("warnings = %+v, want one per check", ws)
	}
}
