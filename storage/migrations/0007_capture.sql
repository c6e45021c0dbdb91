-- 0007_capture: what the platform sent beside what the page drew (adapters
-- with a capture block).
--
-- source: where the impression was observed: 'network' (in a captured
--   response or the JSON the HTML document embeds, never found in the page),
--   'dom' (in the page only), 'both'; '' for sessions without capture.
-- displayed_at: when the item's element was first in the viewport (ms since
--   the Unix epoch, UTC); NULL when it never was, or when the session did not
--   track it. An item served but never displayed has a row with NULL here.
-- served_rank: position from 1 in the traffic (responses in the order they
--   finished loading, items in body order; the document's embedded JSON
--   first); NULL when the item never came in captured traffic.
-- displayed_rank: position from 1 in the order items first reached the
--   viewport; NULL when never displayed.
--
-- Raw response bodies are evidence of kind 'response' (evidence.kind has no
-- CHECK: no change to that table): a file in the evidence folder named by
-- its SHA-256, reason "METHOD URL", linked into the campaign's hash chain.
ALTER TABLE impressions ADD COLUMN source TEXT NOT NULL DEFAULT ''
	CHECK (source IN ('', 'network', 'dom', 'both'));
ALTER TABLE impressions ADD COLUMN displayed_at INTEGER;
ALTER TABLE impressions ADD COLUMN served_rank INTEGER CHECK (served_rank IS NULL OR served_rank >= 1);
ALTER TABLE impressions ADD COLUMN displayed_rank INTEGER CHECK (displayed_rank IS NULL OR displayed_rank >= 1);
