-- pgbench-api-hold.sql: the statement lastroomd sends for POST /api/holds (api_hold_capped,
-- with no Idempotency-Key and no per-user cap, as in section a), called by pgbench with
-- no HTTP in the way. bench/cpu-per-hold.sh runs it beside pgbench-hold.sql to part what
-- the API's SQL wrapper costs PostgreSQL from what the HTTP path costs. Same variables
-- and random rows as pgbench-hold.sql.
\set rt :rt0 + random(0, :nrt - 1)
\set d random(0, :ndays - 1)
SELECT result, body::text FROM api_hold_capped(:uid, :rt, date '2031-01-01' + :d::int,
                                               date '2031-01-01' + :d::int + 1, 1,
                                               :ttl_s::int * interval '1 second', NULL, NULL, 0);
