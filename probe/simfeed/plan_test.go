package simfeed

import (
	"slices"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/personas"
)

func TestStrataSizes(t *testing.T) {
	// 3 tests and 2 free controls: each test persona with both controls.
	if got := StrataSizes(Design(3, 2, 0, 1, 10)); !slices.Equal(got, []int{3, 3, 3}) {
		t.Errorf("StrataSizes(3 tests, 2 controls) = %v, want [3 3 3]", got)
	}
	// Twins: each test persona with its own two.
	if got := StrataSizes(Design(2, 0, 2, 1, 10)); !slices.Equal(got, []int{3, 3}) {
		t.Errorf("StrataSizes(2 tests, 2 twins each) = %v, want [3 3]", got)
	}
}

func TestCheckTopics(t *testing.T) {
	c := &personas.Campaign{Personas: []personas.Spec{
		{Name: "a", Role: personas.RoleTest, Interests: map[string]float64{"sports": 1}},
		{Name: "b", Role: personas.RoleTest, Interests: map[string]float64{"knitting": 1}},
		{Name: "c", Role: personas.RoleControl, Interests: map[string]float64{"origami": 1}},
	}}
	w, err := CheckTopics(c)
	if err != nil || !strings.Contains(w, `"knitting" (b)`) || strings.Contains(w, "origami") {
		t.Errorf("CheckTopics = %q, %v, want a warning naming knitting (b) and not the control's topic", w, err)
	}
	c.Personas = c.Personas[1:]
	if _, err := CheckTopics(c); err == nil {
		t.Error("CheckTopics with no test persona on a known topic = nil error")
	}
	c.Personas = []personas.Spec{{Name: "a", Role: personas.RoleTest, Interests: map[string]float64{"sports": 1}}}
	if w, err := CheckTopics(c); w != "" || err != nil {
		t.Errorf("CheckTopics with known topics = %q, %v", w, err)
	}
}
