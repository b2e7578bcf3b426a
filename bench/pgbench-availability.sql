-- pgbench-availability.sql: one availability call per transaction, as lastroomd sends
-- it in its default mode (run with -M prepared) or unnamed (-M extended).
-- Variables (pgbench -D): rt (a room type), ci and co (check-in and check-out, YYYYMMDD).
SELECT result, body::text FROM api_availability(:rt::bigint, NULL::bigint, to_date(:ci::text, 'YYYYMMDD'), to_date(:co::text, 'YYYYMMDD'));
