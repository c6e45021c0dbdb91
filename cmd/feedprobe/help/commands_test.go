package help

import (
	"slices"
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	for _, name := range []string{"run", "inspection new", "version"} {
		doc := Command(name)
		if doc == "" || strings.HasPrefix(doc, "\n") || strings.HasSuffix(doc, "\n") {
			t.Errorf("Command(%q) = %.40q, want the text without surrounding blank lines", name, doc)
		}
	}
	for _, name := range []string{"", "no-such", "../help", "inspection-new", "commands/run", "run.md"} {
		if doc := Command(name); doc != "" {
			t.Errorf("Command(%q) = %.40q, want \"\"", name, doc)
		}
	}
	names := CommandNames()
	if !slices.Contains(names, "run") || !slices.Contains(names, "inspection new") || !slices.IsSorted(names) {
		t.Errorf("CommandNames() = %q, want sorted, with run and inspection new", names)
	}
	for _, n := range names {
		if Command(n) == "" {
			t.Errorf("Command(%q) of CommandNames() is empty", n)
		}
	}
}
