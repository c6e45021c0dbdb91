package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/storage"
)

// TestDocumentOutputSafety runs report and order notice (and the old name
// finding notice) with -o at the database they read, at another database
// and at an existing file: the databases survive byte for byte, the file
// only falls with --force.
func TestDocumentOutputSafety(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "a.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateInspection(ctx, storage.Inspection{Case: "C-1", Platform: "p", Body: "b", Kind: storage.KindOnSite}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	other := filepath.Join(dir, "b.db")
	if db2, err := storage.Open(ctx, other); err != nil {
		t.Fatal(err)
	} else {
		db2.Close()
	}
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "notice.html")
	for _, cmd := range [][]string{{"order", "notice", "--inspection", "C-1"}, {"finding", "notice", "--inspection", "C-1"}, {"report"}} {
		name := strings.Join(cmd[:len(cmd)-min(len(cmd)-1, 2)], " ")
		t.Run(name, func(t *testing.T) {
			for _, target := range []string{dbPath, other} {
				_, _, err := runCLI(t, append(cmd, "--db", dbPath, "-o", target, "--force")...)
				if err == nil || !strings.Contains(err.Error(), "refused even with --force") {
					t.Errorf("%s -o %s --force = %v, want refused", name, filepath.Base(target), err)
				}
			}
			after, err := os.ReadFile(dbPath)
			if err != nil || string(after) != string(before) {
				t.Fatalf("%s changed the database it reads", name)
			}
			if err := os.WriteFile(existing, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := runCLI(t, append(cmd, "--db", dbPath, "-o", existing)...); !errors.Is(err, storage.ErrOverwrite) {
				t.Errorf("%s -o existing = %v, want storage.ErrOverwrite", name, err)
			}
			if b, _ := os.ReadFile(existing); string(b) != "keep" {
				t.Errorf("%s overwrote an existing file without --force", name)
			}
		})
	}
	// The notice overwrites an existing file with --force.
	if _, _, err := runCLI(t, "order", "notice", "--inspection", "C-1", "--db", dbPath, "-o", existing, "--force"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(existing); !strings.Contains(string(b), "Rectification notice") {
		t.Errorf("order notice --force wrote %.80q, want the notice", b)
	}
}

func TestToolInfo(t *testing.T) {
	oldV, oldR, oldM := version, revision, modified
	t.Cleanup(func() { version, revision, modified = oldV, oldR, oldM })
	version, revision, modified = "v9.9.9", "0123abcd", "true"
	got := toolInfo()
	vcs := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			vcs = vcs || s.Key == "vcs.revision"
		}
	}
	if got.Version != "v9.9.9" || !vcs && (got.Revision != "0123abcd" || !got.Modified) {
		t.Errorf("toolInfo() = %+v, want version v9.9.9 and the stamped revision 0123abcd, modified", got)
	}
}
