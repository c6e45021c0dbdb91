package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "campaign: c\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 5\npersonas:\n  - name: a\n")
	sched := write("sched.yaml", "campaign: s\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 5\nschedule:\n  every: 6h\npersonas:\n  - name: a\n")
	bad := write("bad.yaml", "campaign: b\nplatform: simfeed\nbase_url: ftp://x\nsessions: 1\nitems_per_session: 5\npersonas:\n  - name: a\n    interests: {sports: -1}\n")
	badSched := write("badsched.yaml", "campaign: s\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 5\nschedule:\n  every: 6h\n  time_zone: Mars/Olympus\npersonas:\n  - name: a\n")
	out, errs, err := runCLI(t, "validate", good, sched)
	if err != nil || !strings.Contains(out, "good.yaml: ok (campaign)") || !strings.Contains(out, "sched.yaml: ok (scheduled campaign)") {
		t.Errorf("validate good files: %v\n%s%s", err, out, errs)
	}
	_, errs, err = runCLI(t, "validate", bad, badSched)
	if err == nil {
		t.Fatal("validate accepted bad files")
	}
	for _, want := range []string{"bad.yaml:3: base_url", "bad.yaml:8: personas[0].interests.sports", "badsched.yaml:8: schedule.time_zone"} {
		if !strings.Contains(errs, want) {
			t.Errorf("validate errors lack %q:\n%s", want, errs)
		}
	}
}
