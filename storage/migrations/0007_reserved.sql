-- 0007_reserved: a placeholder that keeps the migrations numbered without a
-- gap on the branch that added 0008_reinspection_attempts. Migration 0007
-- belongs to another change; when both are merged, this file is deleted.
SELECT 1;
