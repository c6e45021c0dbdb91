package analysis

import (
	"reflect"
	"testing"
)

func TestResolveLabels(t *testing.T) {
	tests := []struct {
		name  string
		votes []LabelVote
		want  map[string]map[string]float64
	}{
		{"empty", nil, map[string]map[string]float64{}},
		{"manual beats lexicon", []LabelVote{
			{"a", "gambling", "lexicon", 1}, {"a", "gambling", "manual", 0},
		}, map[string]map[string]float64{"a": {"gambling": 0}}},
		{"lexicon beats adapter whatever the order", []LabelVote{
			{"a", "gambling", "adapter", -1}, {"a", "gambling", "lexicon", 1}, {"a", "gambling", "adapter", 0},
		}, map[string]map[string]float64{"a": {"gambling": 1}}},
		{"annotators of one source averaged", []LabelVote{
			{"a", "self_harm", "manual", 1}, {"a", "self_harm", "manual", 0}, {"a", "self_harm", "lexicon", 1},
		}, map[string]map[string]float64{"a": {"self_harm": 0.5}}},
		{"unknown sources rank last, by name", []LabelVote{
			{"a", "x", "zeta", 1}, {"a", "x", "alpha", -1}, {"b", "x", "adapter", 1}, {"b", "x", "alpha", 0},
		}, map[string]map[string]float64{"a": {"x": -1}, "b": {"x": 1}}},
		{"imported between manual and truth, ties by name", []LabelVote{
			{"a", "x", "truth", 1}, {"a", "x", "import:zeta", -1}, {"a", "x", "import:alpha", 0},
			{"b", "x", "import:alpha", 1}, {"b", "x", "manual", -1},
			{"c", "x", "lexicon", 1}, {"c", "x", "truth", 0},
		}, map[string]map[string]float64{"a": {"x": 0}, "b": {"x": -1}, "c": {"x": 0}}},
		{"categories independent", []LabelVote{
			{"a", "x", "manual", 1}, {"a", "y", "lexicon", 1},
		}, map[string]map[string]float64{"a": {"x": 1, "y": 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResolveLabels(tc.votes); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ResolveLabels(%v) = %v, want %v", tc.votes, got, tc.want)
			}
		})
	}
}
