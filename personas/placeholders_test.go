package personas

import (
	"strings"
	"testing"
)

func TestPlaceholders(t *testing.T) {
	data := []byte("campaign: x\n# period: edit me (a comment)\ndesign:\n  rationale: why\n  period: Edit me   # the dates\npersonas:\n  - name: edit me\n")
	errs := Placeholders("c.yaml", data)
	want := []string{"c.yaml:5: design.period: template placeholder", "c.yaml:7: personas.name: template placeholder"}
	if len(errs) != len(want) {
		t.Fatalf("Placeholders = %v, want %d errors", errs, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("Placeholders[%d] = %q, want it to start with %q", i, errs[i], w)
		}
	}
	if errs := Placeholders("c.yaml", []byte("campaign: x\nsessions: 4\n")); len(errs) != 0 {
		t.Errorf("Placeholders of a file without any = %v", errs)
	}
	if !HasTopKey(data, "design") || HasTopKey(data, "period") || HasTopKey(data, "name") {
		t.Error("HasTopKey: want design at the top level, period and name not")
	}
}
