-- 0011_extractions: items extracted again, offline, from the raw bodies and
-- HTML a campaign kept as evidence, with a new adapter version
-- (`feedprobe reextract`), beside what the sessions extracted live.
--
-- The impressions table stays what the sessions recorded (extraction 0, the
-- original): analysis reads it unless told to read extraction N. An
-- extraction's rows have the same columns, keyed by the extraction too.
--
-- raw: the item's JSON object as the platform sent it (the element of the
--   response's item list, re-encoded with sorted keys; the verbatim body is
--   the `response` evidence file), or the item a Zeeschuimer export holds;
--   NULL for an item read from the page. Left out of exports unless asked
--   (export --raw).
ALTER TABLE impressions ADD COLUMN raw TEXT; -- the item's JSON as the platform sent it; NULL when read from the page

-- One offline re-extraction of a campaign with an adapter version (feedprobe reextract).
CREATE TABLE extractions (
	id           INTEGER PRIMARY KEY, -- the N of analyze --extraction N
	campaign_id  INTEGER NOT NULL REFERENCES campaigns(id), -- the campaign re-extracted
	adapter      TEXT    NOT NULL, -- the adapter's name
	adapter_hash TEXT    NOT NULL, -- SHA-256 (hex) of the adapter file as read
	adapter_spec TEXT    NOT NULL, -- the adapter file, so the extraction can be repeated
	created_at   INTEGER NOT NULL, -- ms since the Unix epoch, UTC
	finished_at  INTEGER, -- NULL while running or when interrupted: not read by analysis
	sessions     INTEGER NOT NULL DEFAULT 0, -- sessions read
	bodies       INTEGER NOT NULL DEFAULT 0, -- response bodies and HTML pages read
	items        INTEGER NOT NULL DEFAULT 0  -- impressions written
);
CREATE INDEX extractions_campaign ON extractions (campaign_id, id);

-- The impressions of each re-extraction, beside the original in impressions.
CREATE TABLE extraction_impressions (
	extraction_id  INTEGER NOT NULL REFERENCES extractions(id), -- the extraction (extractions.id)
	session_id     INTEGER NOT NULL REFERENCES sessions(id), -- the session whose evidence was read
	rank           INTEGER NOT NULL CHECK (rank >= 1), -- served order, then items only in the page in page order
	platform       TEXT    NOT NULL, -- the platform
	item_id        TEXT    NOT NULL, -- the item, as this adapter version reads its id
	seen_at        INTEGER, -- when first seen: the original impression's time, else when the body was stored
	surface        TEXT    NOT NULL, -- where: feed, hot, search... (the original impression's, else the session's first)
	title          TEXT    NOT NULL, -- title as extracted
	author         TEXT    NOT NULL DEFAULT '', -- author as extracted
	url            TEXT    NOT NULL DEFAULT '', -- item URL as extracted
	topic          TEXT    NOT NULL, -- topic hint as extracted
	sponsored      INTEGER NOT NULL CHECK (sponsored IN (0, 1)), -- 1 when labelled as an advertisement
	synthetic      INTEGER NOT NULL CHECK (synthetic IN (0, 1)), -- 1 when labelled as AI-generated
	price          REAL, -- price_text parsed as a number
	price_text     TEXT, -- price as shown
	source         TEXT    NOT NULL DEFAULT '' CHECK (source IN ('', 'network', 'dom', 'both')), -- network (stored bodies only), dom (page snapshots only), both; empty without a capture block
	displayed_at   INTEGER, -- when first in the viewport, from the original impression; NULL if never or unknown
	served_rank    INTEGER CHECK (served_rank IS NULL OR served_rank >= 1), -- position in the stored traffic, 1..; NULL if only in the page
	displayed_rank INTEGER CHECK (displayed_rank IS NULL OR displayed_rank >= 1), -- on-screen order, from the original impression; NULL if never or unknown
	raw            TEXT, -- the item's JSON as the platform sent it; NULL when read from the page
	PRIMARY KEY (extraction_id, session_id, surface, rank)
) WITHOUT ROWID;
