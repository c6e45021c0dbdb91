package main

import (
	"strings"
	"testing"
)

// TestFindingAlias checks that "finding", the old name of "order", still
// runs its subcommands, says it is deprecated, and is not listed.
func TestFindingAlias(t *testing.T) {
	stdout, stderr, err := runCLI(t, "finding", "--help")
	if err != nil {
		t.Fatalf("finding --help: %v\n%s", err, stderr)
	}
	lines := strings.Split(stderr, "\n")
	if !strings.Contains(lines[0], `"feedprobe finding" is deprecated`) || !strings.Contains(lines[0], `use "feedprobe order"`) {
		t.Errorf("finding: first line of stderr = %q, want the deprecation note", lines[0])
	}
	if !strings.Contains(stdout, "Usage: feedprobe order <subcommand>") {
		t.Errorf("finding --help = %q, want the usage of order on stdout", stdout)
	}
	if _, _, err := runCLI(t, "finding", "issue", "--db", "x.db"); err == nil || !strings.Contains(err.Error(), "order issue needs --inspection") {
		t.Errorf("finding issue without flags = %v, want order issue's error", err)
	}
	_, stderr, err = runCLI(t, "order", "--help")
	if err != nil || strings.Contains(stderr, "deprecated") {
		t.Errorf("order --help = %v, %q; want usage without a deprecation note", err, stderr)
	}
	out, _, err := runCLI(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\n  order ") || strings.Contains(out, "\n  finding ") {
		t.Errorf("usage lists:\n%s\nwant order and not finding", out)
	}
}
