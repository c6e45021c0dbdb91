-- 0003_schedule: the schedule state of `feedprobe serve`. Every slot of a
-- scheduled campaign that came due is recorded once: run (running, then
-- done) or missed. A restart reads it back, so a slot is never run twice
-- nor skipped without a trace. Times are UTC milliseconds, as in 0001.

CREATE TABLE schedules (
	campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id),
	origin_at   INTEGER NOT NULL, -- when serve first saw the schedule; interval slots count from it
	spec        TEXT    NOT NULL, -- JSON of the schedule as last loaded
	updated_at  INTEGER NOT NULL
);

CREATE TABLE schedule_slots (
	id           INTEGER PRIMARY KEY,
	campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
	slot_at      INTEGER NOT NULL, -- nominal time of the slot (the first of a run of missed slots)
	last_slot_at INTEGER NOT NULL, -- slot_at, or the last slot of a run of missed slots
	slots        INTEGER NOT NULL DEFAULT 1 CHECK (slots >= 1), -- slots this row stands for
	status       TEXT    NOT NULL CHECK (status IN ('running', 'done', 'missed')),
	round        INTEGER CHECK (round >= 1), -- the session seq the slot runs; NULL when missed
	catch_up     INTEGER NOT NULL DEFAULT 0 CHECK (catch_up IN (0, 1)), -- a late slot run once
	started_at   INTEGER,
	finished_at  INTEGER,
	note         TEXT    NOT NULL DEFAULT '',
	CHECK (last_slot_at >= slot_at),
	UNIQUE (campaign_id, slot_at),
	UNIQUE (campaign_id, round)
);
CREATE INDEX schedule_slots_last ON schedule_slots (campaign_id, last_slot_at);
