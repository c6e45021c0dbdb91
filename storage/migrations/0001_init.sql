-- 0001_init: the first schema of the feedprobe data set.
-- Times are INTEGER milliseconds since the Unix epoch, UTC; NULL when unset.

CREATE TABLE campaigns (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	platform   TEXT    NOT NULL,
	base_url   TEXT    NOT NULL,
	spec       TEXT    NOT NULL, -- JSON of the campaign as loaded
	spec_hash  TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE personas (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
	name        TEXT    NOT NULL,
	role        TEXT    NOT NULL,
	spec        TEXT    NOT NULL, -- JSON
	UNIQUE (campaign_id, name)
);

CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
	persona_id  INTEGER NOT NULL REFERENCES personas(id),
	seq         INTEGER NOT NULL CHECK (seq >= 1), -- 1.. per persona
	attempt     INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
	status      TEXT    NOT NULL CHECK (status IN
	                ('planned', 'running', 'done', 'failed', 'blocked', 'interrupted')),
	planned_at  INTEGER,
	started_at  INTEGER,
	finished_at INTEGER,
	error       TEXT,
	items       INTEGER NOT NULL DEFAULT 0,
	UNIQUE (persona_id, seq, attempt)
);
-- Sessions(), RecoverInterrupted and EachImpression walk a campaign's
-- sessions in persona, seq, attempt order.
CREATE INDEX sessions_campaign ON sessions (campaign_id, persona_id, seq, attempt);

-- The catalogue as observed: one row per item a platform served.
CREATE TABLE items (
	platform      TEXT    NOT NULL,
	item_id       TEXT    NOT NULL,
	title         TEXT    NOT NULL DEFAULT '',
	author        TEXT    NOT NULL DEFAULT '',
	url           TEXT    NOT NULL DEFAULT '',
	topic         TEXT    NOT NULL DEFAULT '',
	first_seen_at INTEGER,
	last_seen_at  INTEGER,
	PRIMARY KEY (platform, item_id)
) WITHOUT ROWID;

-- What a session was served. Clustered by session so that a session's
-- impressions, and a campaign's in session order, are read sequentially.
CREATE TABLE impressions (
	session_id INTEGER NOT NULL REFERENCES sessions(id),
	rank       INTEGER NOT NULL CHECK (rank >= 1),
	platform   TEXT    NOT NULL,
	item_id    TEXT    NOT NULL,
	seen_at    INTEGER,
	surface    TEXT    NOT NULL,
	title      TEXT    NOT NULL, -- as seen in this impression
	topic      TEXT    NOT NULL,
	sponsored  INTEGER NOT NULL CHECK (sponsored IN (0, 1)),
	synthetic  INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
	price      REAL,
	price_text TEXT,
	PRIMARY KEY (session_id, surface, rank)
) WITHOUT ROWID;

CREATE TABLE actions (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id),
	item_id    TEXT,
	kind       TEXT    NOT NULL,
	at         INTEGER,
	value      REAL    NOT NULL DEFAULT 0,
	detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX actions_session ON actions (session_id, id);

-- A persona's browser identity (cookies, local storage) as opaque JSON.
-- Secret: never exported.
CREATE TABLE persona_state (
	persona_id INTEGER PRIMARY KEY REFERENCES personas(id),
	identity   BLOB    NOT NULL,
	updated_at INTEGER NOT NULL
);
