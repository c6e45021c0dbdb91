package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mustForeignFile makes an SQLite file of another application (rollback
// journal, one table) and returns its path and bytes.
func mustForeignFile(t *testing.T, setup string) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "other.db")
	c, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(setup); err != nil {
		t.Fatal(err)
	}
	c.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func assertUnchanged(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed (%d bytes, was %d)", path, len(got), len(want))
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("%s%s was created", path, side)
		}
	}
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	tests := []struct {
		name, setup, want string
	}{
		{"other tables", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine')", "tables notes"},
		{"other application id", "PRAGMA application_id = 1234; CREATE TABLE t (x)", "application_id is 0x000004d2"},
		{"other user_version, no tables", "PRAGMA user_version = 3", "user_version 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, data := mustForeignFile(t, tc.setup)
			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open of a foreign database succeeded")
			}
			if !errors.Is(err, ErrForeignDatabase) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open = %v; want ErrForeignDatabase naming %s and %q", err, path, tc.want)
			}
			assertUnchanged(t, path, data)
		})
	}
}

func TestOpenRefusesNonSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	data := bytes.Repeat([]byte("not a database\n"), 100)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	if !errors.Is(err, ErrForeignDatabase) || !strings.Contains(err.Error(), path) {
		t.Errorf("Open(text file) = %v, want ErrForeignDatabase naming the file", err)
	}
	assertUnchanged(t, path, data)
}

func TestOpenRefusesCorruptDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	db := mustOpenPath(t, path)
	f := mustFixture(t, db, "c", 1)
	sid := f.sessions[0].ID
	mustStart(t, db, sid)
	if err := db.SaveImpressions(context.Background(), sid, makeImpressions("feed", 400)); err != nil {
		t.Fatal(err)
	}
	mustFinish(t, db, sid, StatusDone)
	db.Close()
	// Back to a rollback journal, so the file alone is the database.
	c, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec("PRAGMA journal_mode = DELETE"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the middle of a b-tree page past the header pages.
	page := 4096
	for i := 5 * page; i < 5*page+200 && i < len(data); i++ {
		data[i] = 0xa5
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), path)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open(corrupt) = %v, want ErrCorrupt naming the file", err)
	}
	assertUnchanged(t, path, data)
}

func TestOpenMarksApplicationID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	db := mustOpenPath(t, path)
	mustFixture(t, db, "c", 1)
	// A database from before application_id: clear the mark.
	if _, err := db.w.Exec("PRAGMA application_id = 0"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpenPath(t, path)
	var id int64
	if err := db.r.QueryRow("PRAGMA application_id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if id != ApplicationID {
		t.Errorf("application_id = %#x after reopening, want %#x", id, ApplicationID)
	}
	// An empty file is a new database.
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mustOpenPath(t, empty)
}
