-- 0012_egress: what the platform saw of a session, read from the adapter's
-- echo page once the persona's network identity (proxy, time zone, locale,
-- position, device) was applied: the address its requests came from and
-- the page's text. The analysis lists each persona's addresses and flags
-- personas sharing one. Times are UTC milliseconds, as in 0001.
CREATE TABLE session_egress (
	session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE, -- the session (one row at most)
	ip         TEXT    NOT NULL, -- the client address the echo page named; '' when it named none
	echo       TEXT    NOT NULL, -- the echo page's text (at most 8 KiB): headers, time zone, locale, position as the platform's page saw them
	at         INTEGER NOT NULL -- when the echo was read
);

-- An impression shown beside an item (the item page's up-next or related
-- list, surface up_next): the item whose page showed it.
ALTER TABLE impressions ADD COLUMN beside_item_id TEXT; -- the item whose page showed this one (surface up_next); NULL for feeds, lists and searches
