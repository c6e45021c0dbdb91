-- item_labels: the resolved label of every item and category of the
-- labels table, with the source it came from, by the one precedence
-- analysis.SourcePrecedence documents and analyze, findings and report use:
-- manual > imported (every import:NAME source) > truth > lexicon > adapter
-- > any other source; ties between sources of one rank go to the
-- lexically first name, and several votes of the chosen source (several
-- annotators or rounds) are averaged. analyze adds the built-in lexicon on
-- the titles as seen, at the lexicon's rank; this view covers the table.
CREATE VIEW item_labels AS
WITH per_source AS (
    SELECT platform, item_id, category, source,
           CASE
               WHEN source = 'manual' THEN 0
               WHEN source LIKE 'import:%' OR source = 'imported' THEN 1
               WHEN source = 'truth' THEN 2
               WHEN source = 'lexicon' THEN 3
               WHEN source = 'adapter' THEN 4
               ELSE 5
           END AS precedence,
           avg(value) AS value,
           count(*) AS votes
    FROM labels
    GROUP BY platform, item_id, category, source
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY platform, item_id, category ORDER BY precedence, source) AS pick,
           count(*) OVER (PARTITION BY platform, item_id, category) AS sources
    FROM per_source
)
SELECT platform, item_id, category, value, source, precedence, votes, sources
FROM ranked WHERE pick = 1;
