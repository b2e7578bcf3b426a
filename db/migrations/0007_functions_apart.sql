-- 0007_functions_apart: the functions now live in db/functions/ and are applied on every
-- start with CREATE OR REPLACE; migrations change only the schema. api_hold had no
-- caller left (api_hold_capped took its place) and is dropped.

DROP FUNCTION IF EXISTS api_hold(bigint, bigint, date, date, int, interval, boolean, text, text);
