package probe

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteAdapterList(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAdapterList(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, n := range append(BuiltinAdapters(), Templates()...) {
		if !strings.Contains(out, "\n"+n+" ") {
			t.Errorf("adapter list does not name %s:\n%s", n, out)
		}
	}
	if !strings.Contains(out, "template, experimental") || !strings.Contains(out, "built-in (simfeed)") {
		t.Errorf("adapter list without both kinds:\n%s", out)
	}
}

func TestCheckReportSave(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "check")
	saved, err := CheckReport{HTML: []byte("<html></html>")}.Save(dir)
	if err != nil || len(saved) != 1 || filepath.Base(saved[0]) != "page.html" {
		t.Fatalf("Save = %v, %v, want page.html only (no screenshot taken)", saved, err)
	}
	if data, err := os.ReadFile(saved[0]); err != nil || string(data) != "<html></html>" {
		t.Errorf("page.html = %q, %v", data, err)
	}
}

func TestWaitEnter(t *testing.T) {
	if err := WaitEnter(t.Context(), strings.NewReader("\n"), time.Second); err != nil {
		t.Errorf("WaitEnter(Enter) = %v", err)
	}
	r, w := io.Pipe()
	defer w.Close()
	if err := WaitEnter(t.Context(), r, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "no Enter within") {
		t.Errorf("WaitEnter(nothing) = %v, want a timeout", err)
	}
}
