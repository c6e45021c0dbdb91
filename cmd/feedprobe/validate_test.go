package main

import (
	"fmt"
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

// TestValidateReportsEverything checks that a bad schedule does not hide a
// file's other problems, and that a template placeholder left unedited is
// one.
func TestValidateReportsEverything(t *testing.T) {
	dir := t.TempDir()
	both := filepath.Join(dir, "both.yaml")
	if err := os.WriteFile(both, []byte("campaign: s\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 5\nschedule:\n  every: 6h\n  time_zone: Mars/Olympus\npersonas:\n  - name: a\n    interests: {sports: -1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, err := runCLI(t, "validate", both)
	if err == nil {
		t.Fatal("validate accepted a bad file")
	}
	for _, want := range []string{"both.yaml:8: schedule.time_zone", "both.yaml:11: personas[0].interests.sports"} {
		if !strings.Contains(errs, want) {
			t.Errorf("validate errors lack %q:\n%s", want, errs)
		}
	}
	tmpl := filepath.Join(dir, "art17.yaml")
	if _, _, err := runCLI(t, "init", "--template", "art17-off", "-o", tmpl); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	line := 0 // the line of the placeholder, wherever the template puts it
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "period: edit me") {
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("the art17-off template has no period placeholder:\n%s", data)
	}
	_, errs, err = runCLI(t, "validate", tmpl)
	if want := fmt.Sprintf("art17.yaml:%d: design.period: template placeholder", line); err == nil || !strings.Contains(errs, want) {
		t.Errorf("validate of an unedited template = %v, want %q:\n%s", err, want, errs)
	}
	edited := strings.Replace(string(data), "period: edit me (e.g. 2025-03-01 to 2025-03-03, sessions every 2 hours)", "period: 2026-03-01 to 2026-03-03", 1)
	if err := os.WriteFile(tmpl, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, err := runCLI(t, "validate", tmpl); err != nil || !strings.Contains(out, "ok (campaign)") {
		t.Errorf("validate of the edited template = %v\n%s%s", err, out, errs)
	}
}
