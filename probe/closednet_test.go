package probe

import (
	"testing"

	"github.com/feedprobe/feedprobe/personas"
)

func TestClosedNetwork(t *testing.T) {
	for _, tc := range []struct {
		mode, base string
		want       bool
		wantErr    bool
	}{
		{"on", "https://example.com", true, false},
		{"off", "http://127.0.0.1:1", false, false},
		{"auto", "http://127.0.0.1:8080/feed", true, false},
		{"auto", "http://localhost:8080", true, false},
		{"auto", "http://[::1]:8080", true, false},
		{"auto", "https://www.example.com", false, false},
		{"auto", "http://10.0.0.1", false, false},
		{"auto", "http://%zz", false, true},
		{"sometimes", "", false, true},
	} {
		got, err := ClosedNetwork(tc.mode, tc.base)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ClosedNetwork(%q, %q) = %v, %v, want %v (error %v)", tc.mode, tc.base, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestClosedNetworkAll(t *testing.T) {
	local := &personas.Campaign{BaseURL: "http://127.0.0.1:8080"}
	remote := &personas.Campaign{BaseURL: "https://www.example.com"}
	for _, tc := range []struct {
		mode string
		cs   []*personas.Campaign
		want bool
	}{
		{"auto", []*personas.Campaign{local, local}, true},
		{"auto", []*personas.Campaign{local, remote}, false},
		{"auto", nil, false},
		{"on", []*personas.Campaign{remote}, true},
		{"off", []*personas.Campaign{local}, false},
	} {
		if got, err := ClosedNetworkAll(tc.mode, tc.cs); err != nil || got != tc.want {
			t.Errorf("ClosedNetworkAll(%s, %d campaigns) = %v, %v, want %v", tc.mode, len(tc.cs), got, err, tc.want)
		}
	}
	if _, err := ClosedNetworkAll("maybe", nil); err == nil {
		t.Error("ClosedNetworkAll(maybe) = nil error")
	}
}
