package help

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"analyze", "serve", "query", "inspection", "metrics"}
	for _, tc := range []struct{ word, want string }{
		{"analyse", "analyze"}, {"sever", "serve"}, {"qurey", "query"}, {"inspect", "inspection"},
		{"METRICS", "metrics"}, {"xyzzy", ""}, {"q", ""},
	} {
		if got := Nearest(tc.word, names); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
