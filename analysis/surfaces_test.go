package analysis

import (
	"math"
	"testing"
)

func TestSurfaceSplit(t *testing.T) {
	s := NewSurfaceSplit()
	s.Add("p1", "test", map[string]float64{"news": 1}, 1, "feed", "news", 6, 1)
	s.Add("p1", "test", map[string]float64{"news": 1}, 1, "feed", "pets", 4, 3)
	s.Add("p1", "test", map[string]float64{"news": 1}, 2, "feed", "news", 10, 0)
	s.Add("c1", "control", nil, 1, "feed", "pets", 5, 0)
	s.Add("p1", "test", map[string]float64{"news": 1}, 1, "search", "pets", 2, 2)
	got := s.Figures()
	if len(got) != 3 {
		t.Fatalf("Figures() = %d cells, want 3 (feed/control, feed/test, search/test)", len(got))
	}
	ctl, feedT, search := got[0], got[1], got[2]
	if ctl.Role != "control" || ctl.Impressions != 5 || !math.IsNaN(float64(ctl.InterestShare)) {
		t.Errorf("control feed = %+v, want 5 impressions and no interest share", ctl)
	}
	if feedT.Impressions != 20 || feedT.Sessions != 2 || feedT.Personas != 1 || feedT.HarmfulShare != 0.2 || feedT.InterestShare != 0.8 || feedT.TopicShares["pets"] != 0.2 {
		t.Errorf("test feed = %+v, want 20 impressions in 2 sessions, harmful 0.2, interest 0.8", feedT)
	}
	if !(feedT.HarmfulLo < 0.2 && feedT.HarmfulHi > 0.2) {
		t.Errorf("harmful interval [%v, %v] does not hold 0.2", feedT.HarmfulLo, feedT.HarmfulHi)
	}
	if search.Surface != "search" || search.HarmfulShare != 1 || search.InterestShare != 0 {
		t.Errorf("search = %+v, want all harmful, none of interest", search)
	}
}
