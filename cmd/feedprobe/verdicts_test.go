package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanUnknownTopics: plan names the topics simfeed does not have,
// refuses a campaign whose test personas have none it has, and prints the
// smallest attainable p of the design's persona units.
func TestPlanUnknownTopics(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	write := func(interests string) string {
		path := filepath.Join(dir, "c.yaml")
		data := "campaign: px\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 10\npersonas:\n" +
			"  - name: a\n    interests: {knitting: 1}\n  - name: b\n    interests: " + interests + "\n  - name: c\n    role: control\n"
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_, _, err := runCLI(t, "plan", write("{chess: 1}"), "--campaigns", "1")
	if err == nil || !strings.Contains(err.Error(), `no topic "chess" (b), "knitting" (a)`) || !strings.Contains(err.Error(), "sports") {
		t.Errorf("plan with no known topic = %v, want an error naming chess and knitting and listing simfeed's topics", err)
	}
	out, logs, err := runCLI(t, "plan", write("{sports: 1}"), "--campaigns", "1")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, logs)
	}
	// two strata of 2 (each test persona with the one free control): 1/4
	if !strings.Contains(out, `warning: simfeed has no topic "knitting" (a)`) || !strings.Contains(out, "smallest attainable p 0.25: not below alpha") {
		t.Errorf("plan output:\n%s\nwant the unknown topic named and the smallest p 0.25 flagged", out)
	}
}
