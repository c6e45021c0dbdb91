package personas

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	s := Spec{
		Interests: map[string]float64{"sports": 1, "fitness": 0.3, "food": 0.6},
		Keywords: map[string][]string{
			"sports":  {"football", "足球"},
			"fitness": {"gym"},
			"food":    {"Hotpot", "火锅"},
		},
	}
	tests := []struct {
		name, topic, title string
		want               float64
	}{
		{"topic hint", "sports", "", 1},
		{"topic hint case-insensitive", "Fitness", "", 0.3},
		{"keywords count whatever the topic", "fitness", "football night", 1},
		{"topic outweighs a weaker keyword", "sports", "gym and hotpot", 1},
		{"unknown topic falls back to keywords", "news", "Football results", 1},
		{"keyword case-insensitive", "", "best HOTPOT in town", 0.6},
		{"chinese keyword without word breaks", "", "今晚足球比赛直播", 1},
		{"max over matching topics", "", "gym and hotpot", 0.6},
		{"no match", "", "weather report", 0},
		{"no topic no title", "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Match(tc.topic, tc.title); got != tc.want {
				t.Fatalf("Match(%q, %q) = %v, want %v", tc.topic, tc.title, got, tc.want)
			}
		})
	}
	if got := (Spec{}).Match("sports", "football"); got != 0 {
		t.Errorf("blank Spec.Match = %v, want 0", got)
	}
}

func TestProbP(t *testing.T) {
	tests := []struct {
		p     Prob
		match float64
		want  float64
	}{
		{Prob{Base: 0.02, Match: 0.6}, 0, 0.02},
		{Prob{Base: 0.02, Match: 0.6}, 1, 0.62},
		{Prob{Base: 0.5, Match: 0.8}, 1, 1},
		{Prob{Base: 0, Match: 0.5}, 0.5, 0.25},
		{Prob{Base: 0.1, Match: 1}, -1, 0},
		{Prob{Base: 0.1, Match: 1}, math.NaN(), 0},
	}
	for _, tc := range tests {
		if got := tc.p.P(tc.match); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%+v.P(%v) = %v, want %v", tc.p, tc.match, got, tc.want)
		}
	}
}

func TestDwellSample(t *testing.T) {
	tests := []struct {
		name string
		d    Dwell
	}{
		{"default", defaultDwell},
		{"narrow", Dwell{Median: time.Second, Sigma: 0.1, Min: 0, Max: time.Minute}},
		{"tight clamp", Dwell{Median: 2 * time.Second, Sigma: 2, Min: time.Second, Max: 3 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			const n = 4001
			samples := make([]time.Duration, n)
			for i := range samples {
				v := tc.d.Sample(r)
				if v < tc.d.Min || v > tc.d.Max {
					t.Fatalf("Sample() = %v, want within [%v, %v]", v, tc.d.Min, tc.d.Max)
				}
				samples[i] = v
			}
			slices.Sort(samples)
			// Clamping keeps the median, so the sample median estimates it;
			// allow four standard errors of a normal median in log space.
			tol := 4 * 1.2533 * tc.d.Sigma / math.Sqrt(n)
			if got, want := samples[n/2], tc.d.Median; math.Abs(math.Log(float64(got)/float64(want))) > tol {
				t.Errorf("sample median = %v, want about %v", got, want)
			}
			if samples[0] == samples[n-1] {
				t.Errorf("all %d samples = %v, want spread", n, samples[0])
			}
		})
	}
	// The same seed gives the same draws.
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for range 10 {
		if x, y := defaultDwell.Sample(a), defaultDwell.Sample(b); x != y {
			t.Fatalf("Sample with equal seeds = %v and %v, want equal", x, y)
		}
	}
	// Sigma 0 is a fixed dwell.
	fixed := Dwell{Median: 3 * time.Second, Min: time.Second, Max: 5 * time.Second}
	if got := fixed.Sample(rand.New(rand.NewPCG(1, 1))); got != 3*time.Second {
		t.Errorf("Sample with sigma 0 = %v, want 3s", got)
	}
	// Max 0 means no upper bound, and huge draws do not overflow.
	huge := Dwell{Median: time.Hour, Sigma: 5}
	r := rand.New(rand.NewPCG(3, 3))
	for range 1000 {
		if got := huge.Sample(r); got < 0 {
			t.Fatalf("Sample of %+v = %v, want non-negative", huge, got)
		}
	}
}

func TestTopInterest(t *testing.T) {
	tests := []struct {
		name      string
		interests map[string]float64
		want      string
	}{
		{"none", nil, ""},
		{"only zero weights", map[string]float64{"a": 0}, ""},
		{"highest", map[string]float64{"food": 0.4, "sports": 0.9, "news": 0.1}, "sports"},
		{"tie by name", map[string]float64{"zoo": 0.5, "art": 0.5, "mid": 0.2}, "art"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Spec{Interests: tc.interests}).TopInterest(); got != tc.want {
				t.Fatalf("TopInterest(%v) = %q, want %q", tc.interests, got, tc.want)
			}
		})
	}
}
