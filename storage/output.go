package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// sqliteHeader opens every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// ErrOverwrite means a document's output file exists and overwriting it
// was not asked for (--force).
var ErrOverwrite = errors.New("exists (--force overwrites it)")

// CheckOutput says whether a document (a report, a notice) may be written
// to path: never over the database it was read from (dbPath, nor its
// -wal, -shm or -journal file, nor its evidence folder), never over any
// SQLite database, and over another existing file only with force (else
// an error wrapping ErrOverwrite). Errors name the path as -o PATH.
func CheckOutput(path, dbPath string, force bool) error {
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
		return fmt.Errorf("-o %s %w", path, ErrOverwrite)
	}
	return nil
}

// WriteOutput writes data to path after CheckOutput allows it, atomically
// (a temporary file beside it, renamed over it).
func WriteOutput(path, dbPath string, force bool, data []byte) error {
	if err := CheckOutput(path, dbPath, force); err != nil {
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
