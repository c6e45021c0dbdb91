package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ApplicationID is the PRAGMA application_id that marks a feedprobe
// database: the ASCII bytes "fdpr" (0x66647072) in the SQLite header at
// offset 68, so `file` and other tools can tell a feedprobe database apart.
const ApplicationID = 0x66647072

// Sentinel errors of opening a file that is not fit to write.
var (
	// ErrForeignDatabase means the file is a non-empty SQLite database that
	// feedprobe did not create (another application id, or tables but no
	// feedprobe schema). Nothing in it was changed.
	ErrForeignDatabase = errors.New("not a feedprobe database")
	// ErrCorrupt means SQLite's quick_check failed on the file. Nothing in
	// it was changed.
	ErrCorrupt = errors.New("database fails its integrity check")
)

// fileFacts is what checkFile read from an existing file.
type fileFacts struct {
	appID   int64
	version int
	tables  []string
}

// checkFile looks at an existing, non-empty file before Open changes
// anything in it (journal mode included): through one read-only connection
// that sets nothing, it reads the application id, the schema version and the
// table names, and runs PRAGMA quick_check. It refuses a foreign database
// (ErrForeignDatabase) and a damaged one (ErrCorrupt). A missing or empty
// file passes: Open creates it.
func checkFile(ctx context.Context, path, uri string, known int) error {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := sql.Open("sqlite3", uri+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	var f fileFacts
	if err := c.QueryRowContext(ctx, "PRAGMA application_id").Scan(&f.appID); err != nil {
		return fmt.Errorf("%w: %s is not an SQLite database (%v)", ErrForeignDatabase, path, err)
	}
	if err := c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&f.version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	err = eachRawRow(ctx, c, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", nil,
		func(vals []any) error {
			f.tables = append(f.tables, keyPart(vals[0]))
			return nil
		})
	if err != nil {
		return fmt.Errorf("read tables: %w", err)
	}
	if err := f.feedprobe(known); err != nil {
		return fmt.Errorf("%s: %w; feedprobe changed nothing in it", path, err)
	}
	var problems []string
	err = eachRawRow(ctx, c, "PRAGMA quick_check(5)", nil, func(vals []any) error {
		problems = append(problems, keyPart(vals[0]))
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: quick_check: %v: %w; feedprobe changed nothing in it", path, err, ErrCorrupt)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return fmt.Errorf("%s: quick_check found %s: %w; feedprobe changed nothing in it (restore a backup, or try the sqlite3 shell's .recover)",
			path, strings.Join(problems, "; "), ErrCorrupt)
	}
	return nil
}

// feedprobe says why the file is not a feedprobe database, or nil when it
// is one (or an SQLite file with no tables yet). A database written before
// feedprobe set its application id is recognised by its schema version and
// its tables.
func (f fileFacts) feedprobe(known int) error {
	switch {
	case f.appID == ApplicationID:
		return nil
	case f.appID != 0:
		return fmt.Errorf("application_id is 0x%08x, feedprobe's is 0x%08x: %w", f.appID, ApplicationID, ErrForeignDatabase)
	case len(f.tables) == 0 && f.version == 0:
		return nil
	}
	have := map[string]bool{}
	for _, t := range f.tables {
		have[t] = true
	}
	var missing []string
	for _, t := range []string{"campaigns", "personas", "sessions", "items", "impressions", "actions"} {
		if !have[t] {
			missing = append(missing, t)
		}
	}
	if f.version >= 1 && f.version <= known && len(missing) == 0 {
		return nil
	}
	if f.version > known && len(missing) == 0 {
		return nil // migrate reports ErrSchemaTooNew
	}
	shown := f.tables
	if len(shown) > 8 {
		shown = append(shown[:8:8], fmt.Sprintf("and %d more", len(f.tables)-8))
	}
	return fmt.Errorf("found user_version %d and tables %s, not feedprobe's schema (no %s): %w",
		f.version, strings.Join(shown, ", "), strings.Join(missing, ", "), ErrForeignDatabase)
}

// markApplication sets PRAGMA application_id to ApplicationID unless it is
// set already (databases written before feedprobe set it).
func markApplication(ctx context.Context, w *sql.DB) error {
	var id int64
	if err := w.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return fmt.Errorf("read application id: %w", err)
	}
	if id == ApplicationID {
		return nil
	}
	if _, err := w.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return fmt.Errorf("set application id: %w", err)
	}
	return nil
}
