package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
)

// sqliteHeader opens every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// errOverwrite means an output file exists and --force was not given.
var errOverwrite = errors.New("exists (--force overwrites it)")

// checkOutput says whether a document may be written to path: never over
// the database it was read from (dbPath, nor its -wal, -shm or -journal
// file, nor its evidence folder), never over any SQLite database, and over
// another existing file only with force.
func checkOutput(path, dbPath string, force bool) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	target := abs(path)
	if dbPath != "" {
		db := abs(dbPath)
		for _, p := range []string{db, db + "-wal", db + "-shm", db + "-journal"} {
			if target == p {
				return fmt.Errorf("-o %s is the database the document is read from (or its journal): refused even with --force", path)
			}
		}
		if ev := abs(dbPath + "-evidence"); target == ev || strings.HasPrefix(target, ev+string(filepath.Separator)) {
			return fmt.Errorf("-o %s is inside the evidence folder of %s: refused even with --force", path, dbPath)
		}
	}
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("-o %s is not a regular file", path)
	}
	if dbPath != "" {
		if dfi, err := os.Stat(dbPath); err == nil && os.SameFile(fi, dfi) {
			return fmt.Errorf("-o %s is the database the document is read from: refused even with --force", path)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	head := make([]byte, len(sqliteHeader))
	n, _ := io.ReadFull(f, head)
	f.Close()
	if n == len(head) && bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("-o %s is an SQLite database: refused even with --force", path)
	}
	if !force {
		return fmt.Errorf("-o %s %w", path, errOverwrite)
	}
	return nil
}

// writeOutput writes data to path after checkOutput allows it, atomically
// (a temporary file beside it, renamed over it).
func writeOutput(path, dbPath string, force bool, data []byte) error {
	if err := checkOutput(path, dbPath, force); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// revision and modified are the source revision and whether the working
// tree had changes, set at build time by make build with -ldflags "-X
// main.revision=... -X main.modified=true"; Go's build info wins when it
// has them.
var revision, modified string

// toolInfo is this binary's version and the source revision it was built
// from (Go's build info: vcs.revision and vcs.modified; else what make
// build stamped).
func toolInfo() auditreport.Tool {
	t := auditreport.Tool{Version: version, Revision: revision, Modified: modified == "true"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return t
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			t.Revision = s.Value
		case "vcs.modified":
			t.Modified = s.Value == "true"
		}
	}
	if t.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		t.Version = bi.Main.Version
	}
	return t
}
