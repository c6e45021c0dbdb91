-- 0004_evidence: tamper-evident evidence. Every row is one link of a hash
-- chain per campaign: a screenshot or the HTML of a feed page (the file is
-- kept beside the database, named by its SHA-256), or the digest of a
-- finished session's impressions and actions. Each row's hash covers its own
-- fields, the content hash and the previous row's hash, so `feedprobe verify`
-- finds any file or row changed after the fact.
CREATE TABLE evidence (
	id           INTEGER PRIMARY KEY,
	campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
	session_id   INTEGER REFERENCES sessions(id), -- the session it belongs to
	seq          INTEGER NOT NULL CHECK (seq >= 1), -- position in the campaign's chain, 1..
	kind         TEXT    NOT NULL, -- screenshot | html | session_digest
	reason       TEXT    NOT NULL DEFAULT '', -- why it was taken: "scroll 5", "error: ...", "end", "session done"
	at           INTEGER NOT NULL, -- when it was taken (ms since the Unix epoch, UTC)
	file         TEXT, -- path of the file in the evidence folder (sha256 name); NULL for a digest
	size         INTEGER NOT NULL DEFAULT 0, -- bytes of the file or of detail
	detail       TEXT, -- session_digest: JSON of per-row hashes of the session's impressions and actions
	content_hash TEXT    NOT NULL, -- SHA-256 (hex) of the file, or of detail for a digest
	prev_hash    TEXT    NOT NULL, -- hash of the previous row of the chain ('' for the first)
	hash         TEXT    NOT NULL, -- SHA-256 over this row's fields, content_hash and prev_hash
	UNIQUE (campaign_id, seq)
);
CREATE INDEX evidence_session ON evidence (session_id);
