-- 0013_inspection_zone: the time zone and language of a case. The report
-- and the rectification notice print times (generated, deadlines) in the
-- case's time zone and default to its language. Empty means UTC and
-- English, which is what cases recorded before this migration get.
ALTER TABLE inspections ADD COLUMN time_zone TEXT NOT NULL DEFAULT ''; -- IANA time zone of the case (Asia/Shanghai); '' means UTC
ALTER TABLE inspections ADD COLUMN locale TEXT NOT NULL DEFAULT ''; -- language of the case's documents: zh-CN or en; '' means en
