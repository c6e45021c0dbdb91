package daemon

import "testing"

func TestTopAffinity(t *testing.T) {
	for _, tc := range []struct {
		aff  map[string]float64
		want string
	}{
		{nil, "none (popularity only)"},
		{map[string]float64{"sports": 0.5, "cooking": 0.9, "gaming": 0.5, "news": 0.1}, "cooking 0.90, gaming 0.50, sports 0.50"},
	} {
		if got := topAffinity(tc.aff, 3); got != tc.want {
			t.Errorf("topAffinity(%v) = %q, want %q", tc.aff, got, tc.want)
		}
	}
}
