-- 0009_hold_batch_stays: api_hold_batch takes a stay per request (room types, check-ins,
-- check-outs as arrays) instead of one stay for the whole batch, so that lastroomd can
-- gather the holds of several stays into one transaction (db/functions/ creates the new
-- signature).

DROP FUNCTION IF EXISTS api_hold_batch(bigint[], bigint, date, date, int[], interval, text[], text[], int[]);
