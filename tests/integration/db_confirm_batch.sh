#!/usr/bin/env bash
# db_confirm_batch.sh: api_confirm_batch (db/functions/70_confirm_batch.sql) gives every
# request of a batch the outcome api_confirm gives it when the same requests are made
# one after the other in arrival order: confirmed, not_found (another user's hold, an
# unknown hold), already_confirmed (the same hold again, within the batch), expired;
# holds of several stays and room types in one batch; idempotency replays and reuse
# (within a batch and across batches); the counters and the bookings match.
source "$(dirname "$0")/../lib.sh"

tag="cbatch-$$-$RANDOM"
ids=$(psql_q "
  WITH u AS (INSERT INTO users(email, password_hash)
             SELECT '$tag-' || g || '@test', 'x' FROM generate_series(1, 3) g RETURNING user_id),
       h AS (INSERT INTO hotels(name) VALUES ('$tag') RETURNING hotel_id),
       r AS (INSERT INTO room_types(hotel_id, name)
             SELECT hotel_id, 'rt' || g FROM h, generate_series(1, 3) g RETURNING room_type_id)
  SELECT (SELECT string_agg(user_id::text, ' ' ORDER BY user_id) FROM u) || ' '
      || (SELECT string_agg(room_type_id::text, ' ' ORDER BY room_type_id) FROM r)")
read -r u1 u2 u3 rt_batch rt_single rt_other <<<"$ids"
for rt in $rt_batch $rt_single $rt_other; do
  psql_q "SELECT status FROM set_allotment($rt, '2031-06-01', '2031-06-04', 5)" >/dev/null
done

# hold USER RT [IN OUT]: a live hold's id (10 minutes).
hold() {
  psql_q "SELECT hold_id FROM create_booking_hold($1, $2, '${3:-2031-06-01}', '${4:-2031-06-03}', 1,
          '10 minutes')"
}
# expire HOLD: the hold's expiry is in the past (the sweeper has not run yet).
expire() { psql_q "UPDATE booking_holds SET hold_expiry = now() - interval '1 minute' WHERE hold_id = $1" >/dev/null; }
# batch USERS HOLDS KEYS FINGERPRINTS: "result,result,..." of one call.
batch() {
  psql_q "SELECT string_agg(result, ',' ORDER BY idx) FROM api_confirm_batch(
            '{$1}'::bigint[], '{$2}'::bigint[], '{$3}'::text[], '{$4}'::text[])"
}
counters() {
  psql_q "SELECT string_agg(booked_count || '/' || tentative_count, ',' ORDER BY date)
            FROM room_inventory WHERE room_type_id = $1"
}
bookings() { psql_q "SELECT count(*) FROM bookings WHERE room_type_id = $1 AND status = 'Confirmed'"; }

# Six requests: u2 on u1's hold, u1's confirm, the same again, u2's own, an expired
# hold, an unknown hold.
b1=$(hold "$u1" "$rt_batch"); b2=$(hold "$u2" "$rt_batch"); b3=$(hold "$u3" "$rt_batch"); expire "$b3"
s1=$(hold "$u1" "$rt_single"); s2=$(hold "$u2" "$rt_single"); s3=$(hold "$u3" "$rt_single"); expire "$s3"
WANT="not_found,confirmed,already_confirmed,confirmed,expired,not_found"
expect_eq "a batch: exact per-request outcomes in arrival order" "$WANT" \
  "$(batch "$u2,$u1,$u1,$u2,$u3,$u1" "$b1,$b1,$b1,$b2,$b3,999999999" \
           "NULL,NULL,NULL,NULL,NULL,NULL" "NULL,NULL,NULL,NULL,NULL,NULL")"
single=""
for pair in "$u2 $s1" "$u1 $s1" "$u1 $s1" "$u2 $s2" "$u3 $s3" "$u1 999999999"; do
  read -r u h <<<"$pair"
  single+=$(psql_q "SELECT result FROM api_confirm($u, $h, NULL, NULL)"),
done
expect_eq "the single function gives the same outcomes in the same order" "$WANT," "$single"
expect_eq "two rooms moved to booked, the expired hold's still tentative" "2/1,2/1,0/0" \
  "$(counters "$rt_batch")"
expect_eq "and the same counters as the single calls" "$(counters "$rt_single")" "$(counters "$rt_batch")"
expect_eq "two bookings" 2 "$(bookings "$rt_batch")"
expect_eq "the confirmed holds are gone, the expired one stays" "$b3" \
  "$(psql_q "SELECT string_agg(hold_id::text, ',') FROM booking_holds WHERE room_type_id = $rt_batch")"
expect_eq "a booking's body is the booking" "$(psql_q "SELECT booking_id FROM bookings WHERE hold_id = $b2")" \
  "$(psql_q "SELECT body->>'booking_id' FROM api_confirm_batch('{$u2}'::bigint[], '{$b2}'::bigint[],
             '{NULL}'::text[], '{NULL}'::text[])")"

# Holds of several stays and room types in one batch, given in descending id order: each
# confirmed, each stay's nights moved.
o1=$(hold "$u1" "$rt_other" 2031-06-02 2031-06-04); o2=$(hold "$u2" "$rt_batch" 2031-06-02 2031-06-04)
o3=$(hold "$u3" "$rt_other")
expect_eq "mixed stays and room types" "confirmed,confirmed,confirmed" \
  "$(batch "$u3,$u2,$u1" "$o3,$o2,$o1" "NULL,NULL,NULL" "NULL,NULL,NULL")"
expect_eq "the other room type: both stays booked, night by night" "1/0,2/0,1/0" "$(counters "$rt_other")"
expect_eq "the first room type: the new stay's nights too" "2/1,3/1,1/0" "$(counters "$rt_batch")"

# Idempotency keys: a repeated key within the batch replays the first one's outcome
# (key_reused when its fingerprint differs); a later batch replays the recorded outcome.
k1=$(hold "$u1" "$rt_other" 2031-06-03 2031-06-04)
expect_eq "keys within one batch" "confirmed,confirmed,key_reused" \
  "$(batch "$u1,$u1,$u1" "$k1,$k1,$k1" "ka,ka,ka" "f1,f1,f2")"
expect_eq "the repeated key made one booking" 1 \
  "$(psql_q "SELECT count(*) FROM bookings WHERE hold_id = $k1")"
recorded=$(psql_q "SELECT resp_body->>'booking_id' FROM idempotency_keys WHERE user_id = $u1 AND idem_key = 'ka'")
expect_eq "a later batch replays the recorded booking, and refuses the other fingerprint" "$recorded," \
  "$(psql_q "SELECT string_agg(coalesce(body->>'booking_id', ''), ',' ORDER BY idx) FROM api_confirm_batch(
             '{$u1,$u1}'::bigint[], '{$k1,$k1}'::bigint[], '{ka,ka}'::text[], '{f1,f2}'::text[])")"
expect_eq "the replays changed nothing" "1/0,2/0,2/0" "$(counters "$rt_other")"
err=$(psql_q "SELECT * FROM api_confirm_batch('{$u1,$u2}'::bigint[], '{1}'::bigint[],
             '{NULL,NULL}'::text[], '{NULL,NULL}'::text[])" 2>&1)
check "arrays of different lengths are refused (got: $err)" grep -q 'every array of the same length' <<<"$err"

psql_q "SELECT status FROM release_hold(NULL, $b3); SELECT status FROM release_hold(NULL, $s3)" >/dev/null
for rt in $rt_batch $rt_single $rt_other; do
  expect_eq "no invariant broken on room type $rt" "0" \
    "$(psql_q "SELECT coalesce(sum(violations), 0) FROM integrity_report($rt)")"
done
finish
