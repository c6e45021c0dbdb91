-- 0005_inspections: the inspection lifecycle. An inspection is a case that
-- groups campaigns: a platform inspected by a body, as a self-inspection,
-- an on-site inspection or a re-inspection of rectification orders. Times
-- are UTC milliseconds, as in 0001.

-- One row per inspection (a case).
CREATE TABLE inspections (
	id         INTEGER PRIMARY KEY,
	case_name  TEXT    NOT NULL UNIQUE, -- the case's name or number, as the inspecting body files it
	platform   TEXT    NOT NULL, -- the platform inspected, as the body names it
	body       TEXT    NOT NULL, -- the inspecting body (regulator, or the platform itself for a self-inspection)
	kind       TEXT    NOT NULL, -- self-inspection, on-site or re-inspection
	parent_id  INTEGER REFERENCES inspections(id), -- a re-inspection's original inspection; NULL otherwise
	start_at   INTEGER, -- first day of the inspection
	end_at     INTEGER, -- last day of the inspection, if set
	note       TEXT    NOT NULL DEFAULT '', -- free text
	created_at INTEGER NOT NULL, -- when the inspection was recorded
	CHECK (kind IN ('self-inspection', 'on-site', 're-inspection'))
);

-- Per inspection and surface (feed, hot list, search...): the platform's
-- algorithm filing number and its public algorithm disclosure, so a report
-- can set what the platform says beside what the probe saw.
CREATE TABLE inspection_surfaces (
	inspection_id   INTEGER NOT NULL REFERENCES inspections(id), -- the inspection
	surface         TEXT    NOT NULL, -- the surface: feed, hot, search...
	filing_number   TEXT    NOT NULL DEFAULT '', -- the algorithm filing number the platform shows for it
	disclosure      TEXT    NOT NULL DEFAULT '', -- the public algorithm disclosure text, as retrieved
	disclosure_hash TEXT    NOT NULL DEFAULT '', -- SHA-256 (hex) of disclosure's UTF-8 bytes
	source          TEXT    NOT NULL DEFAULT '', -- where the disclosure came from: a URL or a file name
	retrieved_at    INTEGER, -- when the disclosure was retrieved
	PRIMARY KEY (inspection_id, surface)
);

-- The campaigns run under an inspection.
CREATE TABLE inspection_campaigns (
	inspection_id INTEGER NOT NULL REFERENCES inspections(id), -- the inspection
	campaign_id   INTEGER NOT NULL REFERENCES campaigns(id), -- a campaign run under it
	added_at      INTEGER NOT NULL, -- when the campaign was attached
	PRIMARY KEY (inspection_id, campaign_id)
);

-- Rectification orders: a finding of an inspection's campaign that the
-- platform must fix by a deadline, and what the re-inspection at the
-- deadline found.
CREATE TABLE rectification_orders (
	id                INTEGER PRIMARY KEY,
	inspection_id     INTEGER NOT NULL REFERENCES inspections(id), -- the inspection that issued the order
	campaign_id       INTEGER NOT NULL REFERENCES campaigns(id), -- the campaign whose finding it is
	finding           TEXT    NOT NULL, -- the finding's id (the check's name, such as art17-off)
	article           TEXT    NOT NULL DEFAULT '', -- the article the finding is about
	question          TEXT    NOT NULL DEFAULT '', -- the finding's question
	verdict           TEXT    NOT NULL DEFAULT '', -- the finding's verdict when the order was issued
	evidence          TEXT    NOT NULL, -- JSON of the finding as issued: effect, n, example impressions
	deadline_at       INTEGER NOT NULL, -- the rectification deadline; the re-inspection runs then
	issued_at         INTEGER NOT NULL, -- when the order was issued
	status            TEXT    NOT NULL, -- open, reinspecting, rectified, not rectified or inconclusive
	reinspection_id   INTEGER REFERENCES inspections(id), -- the re-inspection that checks the order
	recheck_campaign_id INTEGER REFERENCES campaigns(id), -- the campaign the re-inspection ran
	started_at        INTEGER, -- when the re-inspection started
	comparison        TEXT    NOT NULL DEFAULT '', -- the re-inspection comparison: fixed, not fixed, worse or not comparable
	recheck           TEXT, -- JSON of the finding at the re-inspection
	closed_at         INTEGER, -- when the order was closed with its verdict
	note              TEXT    NOT NULL DEFAULT '', -- why the order closed as it did
	CHECK (status IN ('open', 'reinspecting', 'rectified', 'not rectified', 'inconclusive')),
	UNIQUE (inspection_id, campaign_id, finding)
);
CREATE INDEX rectification_orders_due ON rectification_orders (status, deadline_at);
