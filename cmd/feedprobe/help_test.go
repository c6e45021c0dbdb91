package main

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/personas"
)

func runHelp(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestHelpTopics(t *testing.T) {
	topics := help.Topics()
	for _, want := range []string{"adapters", "metrics", "schema", "exit-codes", "campaigns", "labels", "operations"} {
		if _, err := help.Text(want); err != nil {
			t.Errorf("help.Text(%q): %v", want, err)
		}
	}
	list, _, err := runHelp(t, "help")
	if err != nil {
		t.Fatalf("feedprobe help: %v", err)
	}
	for _, c := range commands() {
		if !strings.Contains(list, "  "+c.name+" ") {
			t.Errorf("feedprobe help does not list command %q", c.name)
		}
	}
	for _, tp := range topics {
		t.Run(tp.Name, func(t *testing.T) {
			if !strings.Contains(list, "  "+tp.Name+" ") || tp.Summary == "" {
				t.Errorf("feedprobe help lists topic %q with summary %q, want it listed with one", tp.Name, tp.Summary)
			}
			out, _, err := runHelp(t, "help", tp.Name)
			if err != nil {
				t.Fatalf("feedprobe help %s: %v", tp.Name, err)
			}
			if !strings.HasPrefix(out, "# "+tp.Name+": ") || len(out) < 500 {
				t.Errorf("feedprobe help %s printed %d bytes starting %.40q, want the topic", tp.Name, len(out), out)
			}
		})
	}
}

func TestHelpTopicContents(t *testing.T) {
	for _, tc := range []struct{ topic, want string }{
		{"schema", "### `impressions`"}, // the dictionary, generated from the migrations
		{"schema", "feedprobe schema --help"},
		{"metrics", "JSD(P‖Q) = ½ KL(P‖M) + ½ KL(Q‖M)"},
		{"metrics", "p = 0.9"},
		{"metrics", "Holm"},
		{"personas", "# campaigns: "}, // an alias
		{"exit-codes", "| 1 |"},
	} {
		out, _, err := runHelp(t, "help", tc.topic)
		if err != nil {
			t.Fatalf("feedprobe help %s: %v", tc.topic, err)
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("feedprobe help %s does not contain %q", tc.topic, tc.want)
		}
	}
}

func TestHelpUnknownTopic(t *testing.T) {
	_, _, err := runHelp(t, "help", "no-such-topic")
	if err == nil {
		t.Fatal("feedprobe help no-such-topic: no error")
	}
	for _, tp := range help.Topics() {
		if !strings.Contains(err.Error(), tp.Name) {
			t.Errorf("error %q does not list topic %q", err, tp.Name)
		}
	}
	if _, _, err := runHelp(t, "help", "../README"); err == nil {
		t.Error("feedprobe help ../README: no error")
	}
}

// TestHelpCommand checks that a command's usage, asked for with --help, -h
// or feedprobe help CMD, is printed on stdout with exit status 0 (so
// `feedprobe run --help | less` shows it), for every command.
func TestHelpCommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {"help", c.name}, {c.name, "-h"}} {
			stdout, stderr, err := runHelp(t, args...)
			if err != nil || exitStatus(err) != 0 && err != nil {
				t.Errorf("feedprobe %s: %v, want no error", strings.Join(args, " "), err)
			}
			if !strings.Contains(stdout, "Usage: feedprobe "+c.name) && !strings.Contains(stdout, "feedprobe "+c.name) {
				t.Errorf("feedprobe %s printed %.200q on stdout, want the command's usage", strings.Join(args, " "), stdout)
			}
			if c.name != "finding" && stderr != "" {
				t.Errorf("feedprobe %s printed %.200q on stderr, want nothing", strings.Join(args, " "), stderr)
			}
		}
	}
}

// TestClosedNetworkHelp checks that every --closed-network flag says what
// closed mode blocks: DNS, and WebRTC's UDP (STUN, mDNS).
func TestClosedNetworkHelp(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"serve", "--help"}, {"adapter", "check", "--help"}, {"persona", "login", "--help"}} {
		out, _, err := runHelp(t, args...)
		if err != nil {
			t.Fatalf("feedprobe %s: %v", strings.Join(args, " "), err)
		}
		i := strings.Index(out, "--closed-network")
		if i < 0 {
			t.Fatalf("feedprobe %s has no --closed-network", strings.Join(args, " "))
		}
		line := out[i:]
		line = line[:strings.IndexByte(line, '\n')]
		for _, want := range []string{"DNS", "WebRTC", "STUN", "mDNS"} {
			if !strings.Contains(line, want) {
				t.Errorf("feedprobe %s: %q does not say %s", strings.Join(args, " "), line, want)
			}
		}
	}
}

// TestMistypedCommand checks that a mistyped command gets one line naming
// the nearest command, with the usage exit status, and no usage dump.
func TestMistypedCommand(t *testing.T) {
	for _, tc := range []struct{ typed, want string }{
		{"analyse", "did you mean analyze?"},
		{"sever", "did you mean serve?"},
		{"qurey", "did you mean query?"},
		{"inspect", "did you mean inspection?"},
		{"xyzzy", "feedprobe help lists the commands"},
	} {
		stdout, stderr, err := runHelp(t, tc.typed)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("feedprobe %s = %v, want one line with %q", tc.typed, err, tc.want)
		}
		if exitStatus(err) != exitUsage {
			t.Errorf("feedprobe %s exits %d, want %d", tc.typed, exitStatus(err), exitUsage)
		}
		if stdout != "" || stderr != "" {
			t.Errorf("feedprobe %s printed %q and %q, want only the error", tc.typed, stdout, stderr)
		}
	}
	if _, _, err := runHelp(t, "xyzzy"); err != nil && strings.Contains(err.Error(), "did you mean") {
		t.Errorf("feedprobe xyzzy = %v, want no suggestion", err)
	}
	if _, _, err := runHelp(t, "help", "metrcs"); err == nil || !strings.Contains(err.Error(), "did you mean metrics?") {
		t.Errorf("feedprobe help metrcs = %v, want a suggestion of metrics", err)
	}
}

// TestUsageExitStatus checks that bad flags, flag values and arguments
// exit 2 (the exit-codes topic), whether pflag or the command finds them,
// and before anything is written; other errors exit 1.
func TestUsageExitStatus(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "usage.db")
	camp := filepath.Join("..", "..", filepath.FromSlash(personas.DemoCampaignFile))
	for _, args := range [][]string{
		{"run"}, {"run", "--no-such-flag", "x.yaml"}, {"query", "--db", "x.db"}, {"validate"},
		{"run", "--retries", "abc", camp},
		{"run", "--db", db, "--progress", "sideways", camp},
		{"run", "--db", db, "--log-level", "loud", camp},
		{"run", "--db", db, "--closed-network", "bogus", camp},
		{"run", "--db", db, "--shard", "3/2", camp},
		{"analyze", "--db", db, "--rbo-p", "2"},
		{"findings", "--db", db, "--check", "art99"},
		{"query", "--db", db, "--timeout", "-1s", "SELECT 1"},
		{"query", "--db", db, "--format", "xml", "SELECT 1"},
		{"export", "--db", db, "--format", "xml", "--out", dir},
		{"import", "--db", db, "--format", "foo", "x.csv"},
		{"init", "--template", "nope", "-o", filepath.Join(dir, "x.yaml")},
		{"plan", "--strength", "2"},
		{"serve", "--config", dir, "--db", db, "--max-sessions", "0"},
		{"simfeed", "--listen", "192.0.2.1:0"},
		{"report", "--db", db, "--format", "docx"},
		{"order", "notice", "--db", db, "--inspection", "1", "--json", "--format", "pdf"},
		{"label", "bogus"}, {"inspection", "bogus"}, {"adapter", "bogus"}, {"persona", "bogus"},
		{"help", "run", "query"},
		{"analyze", "--db", db, "stray"}, {"version", "stray"}, {"schema", "stray"}, {"report", "--db", db, "stray"},
	} {
		_, _, err := runHelp(t, args...)
		if exitStatus(err) != exitUsage {
			t.Errorf("feedprobe %s = %v (exit %d), want exit %d", strings.Join(args, " "), err, exitStatus(err), exitUsage)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("usage errors left %s behind (%v): they must fail before opening the database", db, err)
	}
	for _, args := range [][]string{
		{"validate", filepath.Join(dir, "missing.yaml")},
		{"analyze", "--db", filepath.Join(dir, "missing.db")},
		{"import", "--db", db, "--platform", "x", filepath.Join(dir, "missing.csv")},
	} {
		_, _, err := runHelp(t, args...)
		if exitStatus(err) != exitFailure {
			t.Errorf("feedprobe %s = %v (exit %d), want exit 1", strings.Join(args, " "), err, exitStatus(err))
		}
	}
}

// commandNames are every command and every subcommand of a group, as
// help.Command names them ("inspection new"); hidden commands excluded.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
		for _, s := range slices.Sorted(maps.Keys(groups()[c.name])) {
			names = append(names, c.name+" "+s)
		}
	}
	return names
}

// TestCommandDocs checks that every command and subcommand has its
// description in help/commands/ and that its --help prints it: a missing
// file is caught here, not when a user asks. A command that prints no
// flags is a group, so it must be in groups() (or its subcommands would go
// unchecked).
func TestCommandDocs(t *testing.T) {
	for _, name := range commandNames() {
		t.Run(name, func(t *testing.T) {
			doc := help.Command(name)
			if strings.TrimSpace(doc) == "" {
				t.Fatalf("help.Command(%q) is empty: write cmd/feedprobe/help/commands/%s.md", name, strings.ReplaceAll(name, " ", "-"))
			}
			stdout, _, err := runHelp(t, append(strings.Fields(name), "--help")...)
			if err != nil {
				t.Fatalf("feedprobe %s --help: %v", name, err)
			}
			if !strings.Contains(stdout, doc) {
				t.Errorf("feedprobe %s --help does not print its description %.80q", name, doc)
			}
			_, group := groups()[name]
			if hasFlags := strings.Contains(stdout, "\n\nFlags:\n"); hasFlags == group {
				t.Errorf("feedprobe %s --help: flags printed %v, a group %v; want one or the other (a group belongs in groups())", name, hasFlags, group)
			}
		})
	}
}

// TestCommandDocsUsed checks that every file in help/commands/ describes a
// command or subcommand that exists.
func TestCommandDocsUsed(t *testing.T) {
	names := commandNames()
	docs := help.CommandNames()
	if len(docs) < len(commands()) {
		t.Fatalf("help.CommandNames() = %d names, fewer than the %d commands", len(docs), len(commands()))
	}
	for _, d := range docs {
		if !slices.Contains(names, d) {
			t.Errorf("help/commands/%s.md describes no command or subcommand", strings.ReplaceAll(d, " ", "-"))
		}
	}
}

// TestHelpCommandDescription checks that `feedprobe help COMMAND [SUB]`
// prints the description and points at --help for the flags, without
// printing the flags, and suggests the nearest subcommand.
func TestHelpCommandDescription(t *testing.T) {
	for _, tc := range []struct{ args, pointer []string }{
		{[]string{"run"}, []string{"feedprobe run: ", "The command's flags: feedprobe run --help\n"}},
		{[]string{"inspection", "new"}, []string{"feedprobe inspection new\n", "The command's flags: feedprobe inspection new --help\n"}},
		{[]string{"inspection"}, []string{"feedprobe help inspection SUBCOMMAND", "feedprobe inspection SUBCOMMAND --help"}},
	} {
		name := strings.Join(tc.args, " ")
		stdout, stderr, err := runHelp(t, append([]string{"help"}, tc.args...)...)
		if err != nil || stderr != "" {
			t.Fatalf("feedprobe help %s: %v, stderr %q", name, err, stderr)
		}
		for _, want := range append(tc.pointer, help.Command(name)) {
			if !strings.Contains(stdout, want) {
				t.Errorf("feedprobe help %s does not print %.80q", name, want)
			}
		}
		if strings.Contains(stdout, "Flags:") || strings.Contains(stdout, "Usage:") {
			t.Errorf("feedprobe help %s prints the usage, want only the description:\n%s", name, stdout)
		}
	}
	for _, tc := range []struct {
		args   []string
		want   string
		status int
	}{
		{[]string{"inspection", "nwe"}, "did you mean inspection new?", exitFailure},
		{[]string{"order", "xyzzy"}, "its subcommands: issue, list, notice", exitFailure},
		{[]string{"run", "now"}, "help takes a command, a command and its subcommand, or a topic", exitUsage},
		{[]string{"inspection", "new", "x"}, "help takes a command", exitUsage},
		{[]string{"metrcs"}, "did you mean metrics?", exitFailure},
	} {
		_, _, err := runHelp(t, append([]string{"help"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || exitStatus(err) != tc.status {
			t.Errorf("feedprobe help %s = %v (exit %d), want %q, exit %d", strings.Join(tc.args, " "), err, exitStatus(err), tc.want, tc.status)
		}
	}
}
