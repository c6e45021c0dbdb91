package simfeed

import (
	"context"
	"testing"

	"github.com/feedprobe/feedprobe/analysis"
)

func TestDesign(t *testing.T) {
	c := Design(2, 1, 1, 3, 20)
	var names []string
	roles := map[string]int{}
	for _, p := range c.Personas {
		names = append(names, p.Name)
		roles[p.Role]++
	}
	if len(c.Personas) != 5 || roles["test"] != 2 || roles["control"] != 3 {
		t.Fatalf("Design(2 tests, 1 control, 1 twin) personas %v roles %v, want 2 test and 3 controls", names, roles)
	}
	if c.Sessions != 3 || c.ItemsPerSession != 20 || c.Twins != 1 {
		t.Errorf("Design sessions %d items %d twins %d, want 3, 20, 1", c.Sessions, c.ItemsPerSession, c.Twins)
	}
	if c.Personas[1].TwinOf != c.Personas[0].Name {
		t.Errorf("persona %s twin of %q, want %q", c.Personas[1].Name, c.Personas[1].TwinOf, c.Personas[0].Name)
	}
}

func TestEstimatePower(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Personalization = 1
	c := Design(2, 2, 0, 2, 20)
	res, err := EstimatePower(context.Background(), cfg, c, 2, 1, analysis.AuditOptions{Alpha: 0.05, Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs != 2 || res.Significant < 0 || res.Significant > 2 {
		t.Errorf("EstimatePower = %+v, want 2 runs", res)
	}
	if !(res.MeanEffect > 0) {
		t.Errorf("mean effect at full personalization %v, want above 0", res.MeanEffect)
	}
}
