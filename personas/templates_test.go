package personas

import (
	"strings"
	"testing"
)

// TestTemplates checks that every template reads, takes a base URL, and
// that a template's adapter and the demo campaign are there.
func TestTemplates(t *testing.T) {
	names := TemplateNames()
	if len(names) < 8 {
		t.Fatalf("TemplateNames() = %q, want the eight templates", names)
	}
	for _, n := range names {
		data, err := Template(n, "http://127.0.0.1:9999")
		if err != nil {
			t.Fatalf("Template(%q): %v", n, err)
		}
		if !strings.Contains(string(data), "base_url: http://127.0.0.1:9999") {
			t.Errorf("Template(%q, base) kept the default base_url", n)
		}
	}
	if _, err := Template("demo", ""); err == nil || !strings.Contains(err.Error(), "one of: art11-key-positions") {
		t.Errorf("Template(demo) = %v, want no such template with the list", err)
	}
	file, data, ok := TemplateAdapter("art21-prices")
	if !ok || file != "simfeed-shop.yaml" || !strings.Contains(string(data), "platform") {
		t.Errorf("TemplateAdapter(art21-prices) = %q, %d bytes, %v", file, len(data), ok)
	}
	if _, _, ok := TemplateAdapter("dsa38"); ok {
		t.Error("TemplateAdapter(dsa38) = ok, want none")
	}
	c, err := DemoCampaign()
	if err != nil || c.Name != "demo" || len(c.Personas) == 0 {
		t.Fatalf("DemoCampaign() = %+v, %v", c, err)
	}
}

// TestCountRole counts the demo's three test personas and two controls,
// and a generated twin as a control.
func TestCountRole(t *testing.T) {
	c, err := DemoCampaign()
	if err != nil {
		t.Fatal(err)
	}
	if tests, controls := c.CountRole(RoleTest), c.CountRole(RoleControl); tests != 3 || controls != 2 {
		t.Errorf("demo: %d test, %d control personas, want 3 and 2", tests, controls)
	}
	c, err = ParseCampaign("c.yaml", []byte(minimalCampaign+"twins: 1\npersonas:\n  - {name: fan, interests: {sports: 1}}\n  - {name: blank, role: control, arm: fan}\n"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if tests, controls := c.CountRole(RoleTest), c.CountRole(RoleControl); tests != 1 || controls != 2 {
		t.Errorf("with a twin: %d test, %d control personas, want 1 and 2", tests, controls)
	}
}
