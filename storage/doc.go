// Package storage owns the feedprobe data set: one SQLite file holding
// campaigns, personas, the sessions planned and run for them, the item
// catalogue as observed, every impression and action, and each persona's
// browser identity. It is the only package that imports database/sql and the
// SQLite driver (github.com/mattn/go-sqlite3, which needs cgo).
//
// Open opens a file read-write and migrates its schema; OpenReadOnly opens
// one for analysis only. A *DB satisfies probe.Sink, probe.IdentityStore and
// probe.SessionTracker and is safe for concurrent use: every write goes
// through one connection (in WAL mode, synchronous=NORMAL, each write
// transaction BEGIN IMMEDIATE), every read through a separate pool of
// read-only connections, so analysis never blocks the probe.
//
// PlanCampaign records a campaign and its personas and returns the sessions
// still to run (probe.PersonaPlan). Analyze and Findings read a campaign into the input of package analysis
// (labels resolved, sessions in compact form) and return what `feedprobe
// analyze` and `feedprobe findings` print. The package imports analysis,
// personas and probe (for their plain types) and never imports chromedp,
// goquery or net/http. ParseImportCSV and ParseLabelCSV read other tools'
// and annotators' CSV files into its rows, reporting each bad row as a
// RowError (file, line, column).
//
// # Schema
//
// The schema is kept in numbered migrations embedded from migrations/
// (0001_init.sql, ...), each applied in its own transaction; the version is
// PRAGMA user_version. A database whose version is newer than this binary's
// is refused with ErrSchemaTooNew.
//
// # Times
//
// Every time is stored as INTEGER milliseconds since the Unix epoch, UTC
// (sortable, and 8 bytes at most per impression); NULL stands for the zero
// time.Time. Precision below a millisecond is dropped, and times read back are
// in UTC. In the sqlite3 shell, datetime(seen_at / 1000, 'unixepoch') shows
// one.
//
// # Reading impressions
//
// EachImpression streams a campaign's impressions a row at a time from one
// snapshot, with every column. EachSessionImpressions reads them a done
// session at a time in columnar form, several sessions per query
// (group_concat of length-prefixed records, so no text can collide with a
// separator) on every core, in the same order: about 4x faster (10 million
// impressions in about 3 s on 2 cores), which is what analyze uses.
//
// # Text
//
// Every string from a platform is untrusted and stored byte for byte as
// given, including invalid UTF-8; it is only ever bound as a parameter. The
// campaign and persona specs are stored as TEXT (JSON). The identity in
// persona_state holds cookies: it is a secret and must never be exported.
package storage
