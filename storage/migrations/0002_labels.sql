-- Labels: what an item is, according to a source. Analysis picks, per item
-- and category, manual over lexicon over adapter over any other source
-- (analysis.ResolveLabels documents the rule).
CREATE TABLE labels (
    id             INTEGER PRIMARY KEY,
    platform       TEXT    NOT NULL,
    item_id        TEXT    NOT NULL,
    category       TEXT    NOT NULL,   -- e.g. gambling, self_harm, misinformation, synthetic
    value          REAL    NOT NULL,   -- +1 harmful/promoting, 0 neutral, -1 debunking; or a score
    source         TEXT    NOT NULL,   -- manual | lexicon | adapter | truth | import:<name> ...
    source_version TEXT    NOT NULL DEFAULT '',  -- lexicon hash, annotation round, tool version
    annotator      TEXT    NOT NULL DEFAULT '',  -- who labelled (manual labels)
    created_at     INTEGER NOT NULL,
    UNIQUE (platform, item_id, category, source, source_version, annotator)
);
CREATE INDEX labels_item ON labels (platform, item_id);
