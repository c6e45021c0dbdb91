package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "a.db")
	db, err := Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	other := filepath.Join(dir, "other.db")
	if err := os.WriteFile(other, append([]byte("SQLite format 3\x00"), make([]byte, 100)...), 0o644); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "old.html")
	if err := os.WriteFile(existing, []byte("<p>old</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.html")
	if err := os.Symlink(dbPath, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		name, path string
		force      bool
		want       string // "" for allowed
	}{
		{"new file", filepath.Join(dir, "new.html"), false, ""},
		{"existing file", existing, false, "--force overwrites it"},
		{"existing file, forced", existing, true, ""},
		{"the input database", dbPath, true, "database the document is read from"},
		{"the input database, relative", "a.db", true, "database the document is read from"},
		{"its WAL", dbPath + "-wal", true, "database the document is read from"},
		{"a symlink to it", link, true, "database the document is read from"},
		{"inside its evidence folder", filepath.Join(dbPath+"-evidence", "x.html"), true, "evidence folder"},
		{"another SQLite file", other, true, "is an SQLite database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckOutput(tc.path, dbPath, tc.force)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("CheckOutput(%s, force %v) = %v, want %q", tc.path, tc.force, err, tc.want)
			}
		})
	}
	if err := CheckOutput(existing, dbPath, false); !errors.Is(err, ErrOverwrite) {
		t.Errorf("CheckOutput(existing) = %v, want ErrOverwrite", err)
	}
}
