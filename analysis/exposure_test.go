package analysis

import "testing"

func TestHarmfulPer100(t *testing.T) {
	tests := []struct {
		name       string
		harmful, n int
		want       float64
	}{
		{"quarter", 3, 12, 25}, // 100·3/12
		{"none", 0, 5, 0},
		{"all", 7, 7, 100},
		{"no impressions", 1, 0, nan},
		{"negative n", 2, -1, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HarmfulPer100(tc.harmful, tc.n); !approx(got, tc.want) {
				t.Fatalf("HarmfulPer100(%d, %d) = %v, want %v", tc.harmful, tc.n, got, tc.want)
			}
		})
	}
}

func TestFirstExposure(t *testing.T) {
	tests := []struct {
		name         string
		harmful      []bool
		wantRank     int
		wantCensored bool
	}{
		{"third", []bool{false, false, true, true}, 3, false},
		{"first", []bool{true}, 1, false},
		{"none, censored at depth", []bool{false, false}, 2, true},
		{"empty", nil, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rank, censored := FirstExposure(tc.harmful)
			if rank != tc.wantRank || censored != tc.wantCensored {
				t.Fatalf("FirstExposure(%v) = %d, %v, want %d, %v", tc.harmful, rank, censored, tc.wantRank, tc.wantCensored)
			}
		})
	}
}

func TestSERPMS(t *testing.T) {
	tests := []struct {
		name   string
		scores []int
		want   float64
	}{
		{"all promoting", []int{1, 1, 1}, 1},          // (3 + 2 + 1)/6
		{"all debunking", []int{-1, -1}, -1},          // −(2 + 1)/3
		{"top promoting", []int{1, 0, 0}, 0.5},        // 3/6
		{"bottom promoting", []int{0, 0, 1}, 1.0 / 6}, // 1/6
		{"mixed", []int{1, -1}, 1.0 / 3},              // (2 − 1)/3
		{"neutral", []int{0, 0, 0, 0}, 0},
		{"empty", nil, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SERPMS(tc.scores); !approx(got, tc.want) {
				t.Fatalf("SERPMS(%v) = %v, want %v", tc.scores, got, tc.want)
			}
		})
	}
}
