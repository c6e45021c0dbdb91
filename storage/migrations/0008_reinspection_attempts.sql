-- 0008_reinspection_attempts: every attempt of feedprobe serve to
-- re-inspect a rectification order, so that an inspection's timeline shows
-- each try, the sessions it ran and how it ended (a failed attempt is
-- retried; after five failures in a row the order closes inconclusive).
-- Times are UTC milliseconds, as in 0001.
CREATE TABLE reinspection_attempts (
	id              INTEGER PRIMARY KEY,
	order_id        INTEGER NOT NULL REFERENCES rectification_orders(id), -- the order re-inspected
	campaign_id     INTEGER REFERENCES campaigns(id), -- the re-inspection campaign the attempt ran; NULL if it failed before
	started_at      INTEGER NOT NULL, -- when the attempt started
	finished_at     INTEGER, -- when it ended; NULL while it runs (or if the daemon died)
	outcome         TEXT    NOT NULL DEFAULT 'running', -- running, done (the order closed), failed or cut short (resumed at the next start)
	error           TEXT    NOT NULL DEFAULT '', -- why it failed
	sessions_done   INTEGER NOT NULL DEFAULT 0, -- sessions of the campaign that finished done during the attempt
	sessions_failed INTEGER NOT NULL DEFAULT 0, -- sessions that ended failed, blocked or interrupted during it
	CHECK (outcome IN ('running', 'done', 'failed', 'cut short'))
);
CREATE INDEX reinspection_attempts_order ON reinspection_attempts (order_id, id);
