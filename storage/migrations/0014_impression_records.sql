-- 0014_impression_records: a done session's impressions kept a second
-- time, one row per (session, surface), so that the analysis reads one
-- value per surface instead of one row per impression (over 10M
-- impressions the scan took 2.5 s of wall time on 2 cores, the records
-- 1.0 s; they cost about 85 bytes an impression on disk). They are derived
-- data: built by the triggers below when a session becomes done (and by
-- import and merge, which write done sessions), dropped by any change to
-- the session's impressions, never exported or merged; the analysis reads
-- the impressions rows of a done session that has none.

-- A done session's impressions on one surface, as the analysis reads them: derived from impressions, stored when the session becomes done, dropped when its impressions change; never exported.
CREATE TABLE impression_records (
	session_id INTEGER NOT NULL, -- sessions.id
	surface    TEXT    NOT NULL, -- the impressions' surface
	n          INTEGER NOT NULL, -- impressions in rec
	rec        TEXT    NOT NULL, -- per impression by rank: "rank,seen_at,bytes(item_id),bytes(topic),bytes(title):" then item_id, topic and title; seen_at empty when NULL
	UNIQUE (session_id, surface)
);

CREATE TRIGGER impression_records_done AFTER UPDATE OF status ON sessions
WHEN NEW.status = 'done'
BEGIN
	DELETE FROM impression_records WHERE session_id = NEW.id;
	INSERT INTO impression_records (session_id, surface, n, rec)
	SELECT session_id, surface, count(*),
		group_concat(rank || ',' || coalesce(seen_at, '') || ',' || octet_length(item_id) || ',' ||
			octet_length(topic) || ',' || octet_length(title) || ':' || item_id || topic || title, '' ORDER BY rank)
	FROM impressions WHERE session_id = NEW.id GROUP BY session_id, surface;
END;

CREATE TRIGGER impression_records_stale_insert AFTER INSERT ON impressions
BEGIN
	DELETE FROM impression_records WHERE session_id = NEW.session_id;
END;

CREATE TRIGGER impression_records_stale_update AFTER UPDATE ON impressions
BEGIN
	DELETE FROM impression_records WHERE session_id IN (OLD.session_id, NEW.session_id);
END;

CREATE TRIGGER impression_records_stale_delete AFTER DELETE ON impressions
BEGIN
	DELETE FROM impression_records WHERE session_id = OLD.session_id;
END;

CREATE TRIGGER impression_records_session_gone BEFORE DELETE ON sessions
BEGIN
	DELETE FROM impression_records WHERE session_id = OLD.id;
END;

INSERT INTO impression_records (session_id, surface, n, rec)
SELECT session_id, surface, count(*),
	group_concat(rank || ',' || coalesce(seen_at, '') || ',' || octet_length(item_id) || ',' ||
		octet_length(topic) || ',' || octet_length(title) || ':' || item_id || topic || title, '' ORDER BY rank)
FROM impressions WHERE session_id IN (SELECT id FROM sessions WHERE status = 'done')
GROUP BY session_id, surface;
