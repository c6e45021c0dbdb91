-- What the platform saw of a session: the address its requests came from
-- and the text of the adapter's echo page (headers, time zone, locale,
-- position as the platform's page saw them). One row per session at most.
CREATE TABLE session_egress (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    ip         TEXT NOT NULL,
    echo       TEXT NOT NULL,
    at         INTEGER NOT NULL
);
