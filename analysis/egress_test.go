package analysis

import (
	"reflect"
	"testing"
)

func TestCheckEgress(t *testing.T) {
	tests := []struct {
		name       string
		names      []string
		obs        []EgressObservation
		wantShared []SharedEgress
		wantIPs    map[string][]string
		checked    bool
	}{
		{name: "no echo", names: []string{"a", "b"}, wantShared: []SharedEgress{}, wantIPs: map[string][]string{"a": {}, "b": {}}},
		{name: "distinct", names: []string{"a", "b"},
			obs:        []EgressObservation{{"a", 1, "10.0.0.1"}, {"b", 1, "10.0.0.2"}, {"a", 2, "10.0.0.1"}},
			wantShared: []SharedEgress{}, wantIPs: map[string][]string{"a": {"10.0.0.1"}, "b": {"10.0.0.2"}}, checked: true},
		{name: "shared in a later session", names: []string{"a", "b", "c"},
			obs:        []EgressObservation{{"a", 1, "10.0.0.1"}, {"b", 1, "10.0.0.2"}, {"b", 2, "10.0.0.1"}, {"c", 1, ""}},
			wantShared: []SharedEgress{{IP: "10.0.0.1", Personas: []string{"a", "b"}}},
			wantIPs:    map[string][]string{"a": {"10.0.0.1"}, "b": {"10.0.0.1", "10.0.0.2"}, "c": {}}, checked: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := CheckEgress(tc.names, tc.obs)
			if !reflect.DeepEqual(rep.Shared, tc.wantShared) {
				t.Errorf("Shared = %+v, want %+v", rep.Shared, tc.wantShared)
			}
			if rep.Checked != tc.checked {
				t.Errorf("Checked = %v, want %v", rep.Checked, tc.checked)
			}
			got := map[string][]string{}
			for _, p := range rep.Personas {
				got[p.Persona] = p.IPs
			}
			if !reflect.DeepEqual(got, tc.wantIPs) {
				t.Errorf("IPs = %v, want %v", got, tc.wantIPs)
			}
		})
	}
}
