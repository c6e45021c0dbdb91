-- One writer per campaign: a lease a process holds while it writes the
-- campaign's sessions (run, serve, merge, re-inspection). A holder renews
-- heartbeat_at and expires_at while it lives; a lease past expires_at is
-- free to take over. Upgrading to this version also seals every campaign
-- into its evidence chain (done in Go after this file runs).
CREATE TABLE leases (
	campaign     TEXT    PRIMARY KEY, -- the campaign's name
	holder       TEXT    NOT NULL, -- who holds it: host, pid and command
	token        TEXT    NOT NULL, -- random, so that only the holder renews or releases it
	acquired_at  INTEGER NOT NULL, -- ms since the Unix epoch, UTC
	heartbeat_at INTEGER NOT NULL, -- the holder's last renewal
	expires_at   INTEGER NOT NULL  -- free to take over after this
);
