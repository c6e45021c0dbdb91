package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
)

// TestReadmeReferences checks that the README, the help topics and the
// commands' descriptions point only at what exists: every `feedprobe help
// X` is a topic or a command, every relative link is a file or directory of
// the repository, and nothing refers to a path outside it.
func TestReadmeReferences(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{"README.md": string(readme)}
	for _, tp := range help.Topics() {
		text, err := help.Text(tp.Name)
		if err != nil {
			t.Fatal(err)
		}
		texts["help "+tp.Name] = text
	}
	for _, name := range help.CommandNames() {
		texts["help/commands "+name] = help.Command(name)
	}
	helpRef := regexp.MustCompile("feedprobe help ([a-z][a-z-]*)")
	refs := 0
	for name, text := range texts {
		for _, m := range helpRef.FindAllStringSubmatch(text, -1) {
			refs++
			if _, err := help.Text(m[1]); err != nil && !isCommand(m[1]) {
				t.Errorf("%s: feedprobe help %s: neither a topic nor a command", name, m[1])
			}
		}
		if strings.Contains(text, "shared/") {
			t.Errorf("%s refers to shared/, outside the repository", name)
		}
	}
	if refs < 5 {
		t.Errorf("found %d `feedprobe help` references, want the README to point at its topics", refs)
	}
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	links := 0
	for _, m := range link.FindAllStringSubmatch(string(readme), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		links++
		if filepath.IsAbs(target) || strings.HasPrefix(filepath.Clean(target), "..") {
			t.Errorf("README.md links to %s, outside the repository", target)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, target)); err != nil {
			t.Errorf("README.md links to %s: %v", target, err)
		}
	}
	if links == 0 {
		t.Error("README.md has no relative links, want links to the files it describes")
	}
}

// isCommand reports whether name is one of feedprobe's commands.
func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}
