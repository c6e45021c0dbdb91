package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	// The SQLite driver, registered as "sqlite3".
	"github.com/mattn/go-sqlite3"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrNotFound means the campaign, persona or session asked for does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrSpecChanged means a campaign of that name exists with a different
	// spec hash.
	ErrSpecChanged = errors.New("campaign exists with a different spec")
	// ErrSessionState means a session is not in a state that allows the
	// operation: starting a session that is not planned, finishing one that
	// is not running, or saving observations into a finished session.
	ErrSessionState = errors.New("session in wrong state")
	// ErrSchemaTooNew means the database was written by a newer feedprobe
	// whose schema this binary does not know.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary knows")
	// ErrReadOnly means a write was attempted on a DB opened with
	// OpenReadOnly.
	ErrReadOnly = errors.New("database opened read-only")
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is a feedprobe SQLite data set. All writes go through one connection;
// reads use a separate pool of read-only connections, so a long analysis does
// not block writers (the database is in WAL mode). A DB is safe for
// concurrent use by many goroutines.
type DB struct {
	w        *sql.DB // the one writer connection; equals r when readOnly
	r        *sql.DB // read-only pool
	uri      string  // the file's URI (fileURI), which the session scan opens its connections on
	readOnly bool
	now      func() time.Time
	seals    sealCache
	// sealWhole makes a session's start and finish seal the whole campaign
	// as before sealing only their rows: for the benchmark that compares.
	sealWhole bool
	// extraction is the extraction impression reads use; 0: the
	// impressions table (see ReadingExtraction).
	extraction int64
}

// Open opens the data set at path, creating the file if needed, and brings
// its schema up to date. It returns an error wrapping ErrSchemaTooNew when
// the file was written by a newer feedprobe. Before it changes anything
// (journal mode included) it checks an existing file: another application's
// non-empty database is refused with ErrForeignDatabase, one that fails
// PRAGMA quick_check with ErrCorrupt, and the file is left byte for byte as
// it was. A feedprobe database is marked with ApplicationID. Cancelling ctx aborts the
// migrations (each runs in its own transaction).
func Open(ctx context.Context, path string) (*DB, error) {
	uri, err := fileURI(path)
	if err != nil {
		return nil, err
	}
	migs, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	if err := checkFile(ctx, path, uri, len(migs)); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w, err := sql.Open("sqlite3", uri+"?"+writerParams())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrateRetrying(ctx, w, migs); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := markApplication(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r, err := openReaders(ctx, uri)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return &DB{w: w, r: r, uri: uri, now: time.Now}, nil
}

// OpenReadOnly opens an existing data set for reading only: every write
// method returns an error wrapping ErrReadOnly, and the connections are
// opened with SQLite's mode=ro, so SQLite itself refuses writes too. It runs
// no migrations; a database whose schema version differs from this binary's
// is refused (ErrSchemaTooNew when it is newer).
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open database %s read-only: %w", path, err)
	}
	uri, err := fileURI(path)
	if err != nil {
		return nil, err
	}
	migs, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	r, err := openReaders(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("open database %s read-only: %w", path, err)
	}
	v, err := schemaVersion(ctx, r)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("open database %s read-only: %w", path, err)
	}
	switch {
	case v > len(migs):
		r.Close()
		return nil, fmt.Errorf("open database %s read-only: schema version %d, this binary knows up to %d: %w", path, v, len(migs), ErrSchemaTooNew)
	case v == 0:
		r.Close()
		return nil, fmt.Errorf("open database %s read-only: not a feedprobe database (schema version 0)", path)
	case v < len(migs):
		r.Close()
		return nil, fmt.Errorf("open database %s read-only: schema version %d is older than this binary's %d; open it read-write once to upgrade it", path, v, len(migs))
	}
	return &DB{w: r, r: r, uri: uri, readOnly: true, now: time.Now}, nil
}

// Close closes every connection. Rows being streamed by EachImpression are
// cut off.
func (db *DB) Close() error {
	if db.readOnly {
		return db.r.Close()
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// Stats returns the statistics of the writer connection, where contention
// shows (WaitCount, WaitDuration). With it a DB satisfies
// prometheus/collectors' StatsGetter, for NewDBStatsCollector.
func (db *DB) Stats() sql.DBStats { return db.w.Stats() }

// ReaderStats returns the statistics of the read-only connection pool.
func (db *DB) ReaderStats() sql.DBStats { return db.r.Stats() }

// writerParams are go-sqlite3's DSN parameters for the writer. WAL with
// synchronous=NORMAL is durable against application crashes and loses at
// most the last transactions on power loss, never integrity. _txlock makes
// every transaction BEGIN IMMEDIATE, so a transaction that reads before it
// writes cannot fail to upgrade its lock.
func writerParams() string {
	return "_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate" +
		"&_synchronous=NORMAL&_cache_size=-32768&_stmt_cache_size=32"
}

// openReaders opens the pool of read-only connections.
func openReaders(ctx context.Context, uri string) (*sql.DB, error) {
	r, err := sql.Open("sqlite3", uri+"?mode=ro&_busy_timeout=5000&_query_only=1&_cache_size=-16384&_stmt_cache_size=16")
	if err != nil {
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// fileURI turns a file path into an SQLite URI filename ("file:/abs/path"),
// escaping the characters a URI gives meaning to.
func fileURI(path string) (string, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return "", fmt.Errorf("database path %q: want a file path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("database path %q: %w", path, err)
	}
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath(), nil
}

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations and checks they are numbered
// 1, 2, ... without gaps.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		migs = append(migs, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return migs, nil
}

// migrateRetrying runs migrate, trying again for up to ten seconds while
// another process holds the database: two processes opening a new file at
// once race to switch it to WAL, which takes an exclusive lock that SQLite's
// busy timeout does not wait for.
func migrateRetrying(ctx context.Context, w *sql.DB, migs []migration) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := migrate(ctx, w, migs)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(50*time.Millisecond + time.Duration(rand.IntN(100))*time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked" or "busy".
func isBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}

// schemaVersion reads PRAGMA user_version, where the schema version is kept.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate applies the migrations the database lacks, each in its own
// immediate transaction that rereads the version, so two processes opening a
// new file at once do not apply a migration twice.
func migrate(ctx context.Context, w *sql.DB, migs []migration) error {
	v, err := schemaVersion(ctx, w)
	if err != nil {
		return err
	}
	if v > len(migs) {
		return fmt.Errorf("schema version %d, this binary knows up to %d: %w", v, len(migs), ErrSchemaTooNew)
	}
	for _, m := range migs[v:] {
		if err := applyMigration(ctx, w, m, len(migs)); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, w *sql.DB, m migration, known int) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	switch {
	case v > known:
		return fmt.Errorf("schema version %d, this binary knows up to %d: %w", v, known, ErrSchemaTooNew)
	case v >= m.version:
		return nil // another process applied it
	case v != m.version-1:
		return fmt.Errorf("migration %s: schema version is %d, want %d", m.name, v, m.version-1)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if step := migrationSteps[m.version]; step != nil {
		if err := step(ctx, tx); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return fmt.Errorf("migration %s: set version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// migrationSteps are Go steps run in a migration's transaction after its
// SQL, by version.
var migrationSteps = map[int]func(context.Context, *sql.Tx) error{
	// Version 6 seals: seal what an older feedprobe wrote, once.
	6: func(ctx context.Context, tx *sql.Tx) error {
		return (&DB{now: time.Now}).sealAllTx(ctx, tx, "first seal: database upgraded to schema 6")
	},
}

// writable returns ErrReadOnly, wrapped with what, for a read-only DB.
func (db *DB) writable(what string) error {
	if db.readOnly {
		return fmt.Errorf("%s: %w", what, ErrReadOnly)
	}
	return nil
}

// millis converts t to the stored form: UTC milliseconds since the Unix
// epoch, or NULL for the zero time.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMillis converts a stored time back; NULL gives the zero time.
func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
