package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
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

func TestHelpCommand(t *testing.T) {
	_, stderr, err := runHelp(t, "help", "run")
	if !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("feedprobe help run: error %v, want pflag.ErrHelp", err)
	}
	if !strings.Contains(stderr, "Usage: feedprobe run") {
		t.Errorf("feedprobe help run printed %q, want the command's usage", stderr)
	}
}
