package analysis

import (
	"math"
	"testing"
)

func TestLabelScore(t *testing.T) {
	harm := []string{"gambling", "harmful"}
	for _, tc := range []struct {
		name string
		cats map[string]float64
		want int
	}{
		{"none", nil, 0},
		{"positive", map[string]float64{"gambling": 1}, 1},
		{"negative", map[string]float64{"harmful": -1}, -1},
		{"positive beats negative", map[string]float64{"gambling": -1, "harmful": 0.5}, 1},
		{"other category", map[string]float64{"synthetic": 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LabelScore(tc.cats, harm); got != tc.want {
				t.Fatalf("LabelScore(%v) = %d, want %d", tc.cats, got, tc.want)
			}
		})
	}
}

func TestCompareWithControls(t *testing.T) {
	s := Summary{Personas: []PersonaSummary{
		{Name: "fan", Role: "test", TopInterest: "sports", Sessions: []SessionSummary{{Session: 1, TopicShares: map[string]float64{"sports": 0.6}}}},
		{Name: "c1", Role: RoleControlName, Sessions: []SessionSummary{{Session: 1, TopicShares: map[string]float64{"sports": 0.2}}}},
		{Name: "c2", Role: RoleControlName, Sessions: []SessionSummary{{Session: 1, TopicShares: map[string]float64{"sports": 0.4}}}},
	}}
	rows := CompareWithControls(s)
	if len(rows) != 1 {
		t.Fatalf("CompareWithControls = %+v, want one row", rows)
	}
	r := rows[0]
	if r.Persona != "fan" || r.Controls != 2 || math.Abs(r.ControlShare-0.3) > 1e-12 || math.Abs(r.Difference-0.3) > 1e-12 {
		t.Errorf("row = %+v, want fan vs 2 controls at 0.3, difference 0.3", r)
	}
}

func TestWilson(t *testing.T) {
	lo, hi := Wilson(0, 0)
	if !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson(0, 0) = %v, %v, want NaN, NaN", lo, hi)
	}
	// Wilson's interval for 5 of 10: [0.2366, 0.7634].
	lo, hi = Wilson(5, 10)
	if math.Abs(lo-0.2366) > 1e-4 || math.Abs(hi-0.7634) > 1e-4 {
		t.Errorf("Wilson(5, 10) = %.4f, %.4f, want 0.2366, 0.7634", lo, hi)
	}
	if lo, _ := Wilson(0, 10); lo != 0 {
		t.Errorf("Wilson(0, 10) lo = %v, want 0", lo)
	}
}
