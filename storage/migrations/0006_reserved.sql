-- 0006_reserved: a placeholder that keeps the migrations numbered without a
-- gap on the branch that added 0007_capture. Migration 0006 belongs to
-- another change; when both are merged, this file is deleted.
SELECT 1;
