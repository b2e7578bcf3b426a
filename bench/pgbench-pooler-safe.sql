-- pgbench-pooler-safe.sql: the same availability call as lastroomd --pooler-safe sends
-- it (run with -M extended): the settings for this transaction only, then the
-- statement, pipelined behind one Sync. Variables as in pgbench-availability.sql.
\startpipeline
SELECT set_config('statement_timeout', '10000', true), set_config('TimeZone', 'UTC', true);
SELECT result, body::text FROM api_availability(:rt::bigint, NULL::bigint, to_date(:ci::text, 'YYYYMMDD'), to_date(:co::text, 'YYYYMMDD'));
\endpipeline
