// Package storage owns the feedprobe data set: one SQLite file holding
// campaigns, personas, the sessions planned and run for them, the item
// catalogue as observed, every impression and action, and each persona's
// browser identity. It is the only package that imports database/sql and the
// SQLite driver (github.com/mattn/go-sqlite3, which needs cgo).
//
// Open opens a file read-write and migrates its schema; OpenReadOnly opens
// one for analysis only. A *DB satisfies probe.Sink, probe.IdentityStore and
// probe.SessionTracker without importing probe: it takes the plain values of
// probe/feed, so storage never depends on chromedp or goquery (make vet
// checks it). A *DB is safe for concurrent use: every write goes
// through one connection (in WAL mode, synchronous=NORMAL, each write
// transaction BEGIN IMMEDIATE), every read through a separate pool of
// read-only connections, so analysis never blocks the probe.
//
// Re-extractions (extractions.go, migration 0011) keep the impressions a
// new adapter version read from a campaign's stored evidence beside the
// original ones; ReadingExtraction gives a read-only view whose impression
// reads, and so Analyze, use one of them.
//
// Analyze and Findings read a campaign into the input of package analysis
// (labels resolved, sessions in compact form) and return what `feedprobe
// analyze` and `feedprobe findings` print (Analysis.WriteTables,
// Findings.WriteTable); DesignWarnings says which checks a campaign's
// design is too small for.
//
// Besides the data it owns the engines of the data commands: QueryTo
// writes a query's rows as a table, CSV or JSON; ExportWith writes the
// research tables; ParseImportCSV and ZeeschuimerImport turn another
// tool's data into an Import; ImportLabels, SaveTruthLabels and
// ApplyLexicon label items; Merge (with HoldMerge's leases) joins shards;
// WriteDictionaryText and WriteDictionaryMarkdown print the data
// dictionary; CheckOutput and WriteOutput keep a document from
// overwriting a database or its evidence; FindCampaign, FindInspection and
// LookupPersona resolve the references commands take; StatsCollector
// exports the connection pools to Prometheus. The package imports
// analysis, personas and probe/feed (plain types only) and never imports
// probe, chromedp or cmd.
//
// # Schema
//
// The schema is kept in numbered migrations embedded from migrations/
// (0001_init.sql, ...), each applied in its own transaction; the version is
// PRAGMA user_version. A database whose version is newer than this binary's
// is refused with ErrSchemaTooNew.
//
// # Foreign and damaged files
//
// A feedprobe database carries PRAGMA application_id ApplicationID
// (0x66647072, "fdpr"). Before Open changes anything in an existing,
// non-empty file (its journal mode included), it reads the application id,
// the schema version and the table names through a read-only connection,
// and runs PRAGMA quick_check: another application's database is refused
// with ErrForeignDatabase, a damaged one with ErrCorrupt, naming the file
// and what was found, and the file is left byte for byte as it was. A
// database from before the application id (feedprobe's tables and a known
// user_version) opens and is marked. quick_check reads the whole file, so
// Open of a large database takes a moment longer.
//
// # Seals
//
// The evidence table is a hash chain per campaign (see EvidenceStore).
// Besides evidence files and session digests it holds seal rows (kind
// "seal"): every storage method that changes a campaign's rows
// (EnsureCampaign when it creates one, EnsurePersona, PlanSessions,
// StartSession, FinishSession, RecoverInterrupted, ReplanFailed,
// RetrySession, SaveLabels, Import, Merge; Seal by hand) appends one in the
// same transaction. StartSession and FinishSession seal only what they
// wrote, so their cost does not grow with the campaign: the session's row
// at the start; at the finish that row, the session's digest (a hash of
// every impression and action) and the items its impressions upserted. The
// other methods, which are rare, seal the whole campaign: a session digest
// for each finished session of the campaign that has none (done, failed,
// blocked or interrupted), then, per table, the hash of every row changed
// since the campaign's previous seal and "" for every row deleted since:
// campaigns (the campaign's row), personas and sessions (the campaign's,
// status and times included), items and labels (the campaign's platform's,
// compared with what all the platform's seals record). Each row hash covers
// every stored column, typed. Verify replays the seals in chain order and
// compares the result with the rows stored now, naming each row changed,
// deleted or inserted by table and key; items and labels are shared by a
// platform's campaigns, and a session's seal in its own campaign's chain
// records the items it wrote, so they are checked against the seals of all
// the platform's campaigns replayed in the order they were appended. A
// campaign without any seal (the evidence table emptied) and a finished
// session without a digest are problems; a running session is a warning.
// A row changed by hand after its seal stays a problem through later
// sessions' seals, which take in only their own rows (a whole-campaign seal
// takes in whatever differs, as it always did).
//
// What seals cannot cover: rows written after the last seal (a running
// session's impressions and the items it upserts, until it finishes); a
// chain rebuilt from scratch by someone who recomputes every hash, which
// only a head hash written down elsewhere exposes; inspections,
// rectification orders, schedules and persona_state, which are not sealed.
// Upgrading a database to schema version 6 seals what is in it then.
// SaveImpressions and SaveActions never seal, so ingest is not slowed.
// BenchmarkSessionSealGrowth compares a session's start and finish after
// 200 and 2000 sessions, sealing whole campaigns and only the rows written.
//
// # One writer per campaign
//
// The leases table holds one lease per campaign name: its holder (host, pid
// and command), a random token, its last heartbeat and its expiry.
// HoldCampaign acquires it and keeps it with a heartbeat (every TTL/3,
// default TTL 30 s) until Release; AcquireLease fails with a
// *LeaseHeldError naming the holder and its last heartbeat (or waits), and
// takes over a lease whose holder stopped renewing it past its expiry.
//
// # Query limits
//
// Query runs a researcher's read-only SQL with an optional timeout (the
// context deadline interrupts SQLite; ErrQueryTimeout) and memory cap
// (SQLite's hard heap limit, process-wide while the query runs;
// ErrQueryMemory).
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
// session at a time in columnar form, several sessions per query on every
// core, each on a read-only connection of its own, in the same order:
// several times faster, which is what analyze uses. It reads a done
// session's stored records (impression_records, migration 0014): its
// impressions on each surface as one value of length-prefixed records, so
// no text can collide with a separator, built by a trigger when the
// session becomes done and dropped by triggers when its impressions
// change, so they are never stale. A done session without them (no
// impressions, or records dropped by a hand edit) and a re-extraction are
// read from their rows, which a loop in C renders the same way. The
// records cost about 85 bytes an impression on disk and save the analysis
// most of its reading time (scripts/bench/README.md).
//
// # Text
//
// Every string from a platform is untrusted and stored byte for byte as
// given, including invalid UTF-8; it is only ever bound as a parameter. The
// campaign and persona specs are stored as TEXT (JSON). The identity in
// persona_state holds cookies: it is a secret and must never be exported.
package storage
