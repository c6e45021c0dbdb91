-- 0010_reserved: placeholder for the q-verdicts migration (removed at merge).
SELECT 1;
