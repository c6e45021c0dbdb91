package daemon

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the demo scaled down (one session of eight items per
// persona) in headless Chromium and checks what it writes as it goes: where
// simfeed serves, the run, the truth labels of the items seen, the
// analysis tables and simfeed's truth for every persona.
func TestDemo(t *testing.T) {
	needBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db := filepath.Join(t.TempDir(), "demo.db")
	var out strings.Builder
	err := Demo(ctx, &out, DemoOptions{DBPath: db, Sessions: 1, Items: 8, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"simfeed is serving http://127.0.0.1:", "running campaign \"demo-", "x 1 sessions x 8 items",
		"items seen with simfeed's ground truth", "simfeed's ground truth\n  persona"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "(no identity recorded)") {
		t.Errorf("a persona's simfeed user was not found:\n%s", text)
	}
	m := regexp.MustCompile(`labelled the (\d+) items seen`).FindStringSubmatch(text)
	if m == nil || m[1] == "0" {
		t.Errorf("the demo labelled no item with the truth:\n%s", text)
	}
}
