-- 0008_no_unsafe_path: the production build has no deliberately broken path any more.
-- The racy hold function lives on only as the test mutant `unsafe` (tests/mutants/,
-- applied to scratch databases by scripts/mutant.sh); api_hold_once and api_hold_capped
-- lose their p_unsafe parameter (db/functions/ creates the new signatures).

DROP FUNCTION IF EXISTS api_hold_capped(bigint, bigint, date, date, int, interval, boolean, text, text, int);
DROP FUNCTION IF EXISTS api_hold_once(bigint, bigint, date, date, int, interval, boolean);
DROP FUNCTION IF EXISTS create_booking_hold_unsafe(bigint, bigint, date, date, int, interval);
