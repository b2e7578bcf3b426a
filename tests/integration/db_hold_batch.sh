#!/usr/bin/env bash
# db_hold_batch.sh: api_hold_batch (db/functions/60_hold_batch.sql) gives every request
# of a batch the outcome api_hold_capped gives it when the same requests are made one
# after the other in arrival order: grants in arrival order until the allotment runs
# out, the per-user cap, idempotency replays and reuse (across batches and within one),
# and the stay's own refusals; the counters match the holds. A batch of several stays
# serves them stay by stay: overlapping stays of one room type see each other's grants.
source "$(dirname "$0")/../lib.sh"

tag="hbatch-$$-$RANDOM"
ids=$(psql_q "
  WITH u AS (INSERT INTO users(email, password_hash)
             SELECT '$tag-' || g || '@test', 'x' FROM generate_series(1, 4) g RETURNING user_id),
       h AS (INSERT INTO hotels(name) VALUES ('$tag') RETURNING hotel_id),
       r AS (INSERT INTO room_types(hotel_id, name)
             SELECT hotel_id, 'rt' || g FROM h, generate_series(1, 6) g RETURNING room_type_id)
  SELECT (SELECT string_agg(user_id::text, ' ' ORDER BY user_id) FROM u) || ' '
      || (SELECT string_agg(room_type_id::text, ' ' ORDER BY room_type_id) FROM r)")
read -r u1 u2 u3 u4 rt_batch rt_single rt_cap rt_keys rt_mix rt_other <<<"$ids"
for rt in $rt_batch $rt_single; do
  psql_q "SELECT status FROM set_allotment($rt, '2031-06-01', '2031-06-03', 3)" >/dev/null
done
psql_q "SELECT status FROM set_allotment($rt_cap, '2031-06-01', '2031-06-03', 50)" >/dev/null
psql_q "SELECT status FROM set_allotment($rt_keys, '2031-06-01', '2031-06-03', 50)" >/dev/null

# each N VALUE: VALUE N times, comma-separated (one stay for every request of a batch).
each() { local out=$2 i; for ((i = 1; i < $1; i++)); do out+=",$2"; done; echo "$out"; }
# batch RT USERS QUANTITIES KEYS FINGERPRINTS CAPS [IN OUT]: "result,result,..." of one
# call whose requests are all for room type RT, IN to OUT.
batch() {
  local n
  n=$(tr -cd , <<<"$2" | wc -c); n=$((n + 1))
  psql_q "SELECT string_agg(result, ',' ORDER BY idx) FROM api_hold_batch(
            '{$2}'::bigint[], '{$(each $n "$1")}'::bigint[], '{$(each $n "${7:-2031-06-01}")}'::date[],
            '{$(each $n "${8:-2031-06-03}")}'::date[], '{$3}'::int[],
            '10 minutes', '{$4}'::text[], '{$5}'::text[], '{$6}'::int[])"
}
tentative() { psql_q "SELECT string_agg(tentative_count::text, ',' ORDER BY date) FROM room_inventory WHERE room_type_id = $1"; }
holds() { psql_q "SELECT coalesce(string_agg(user_id::text || 'x' || quantity, ',' ORDER BY hold_id), '') FROM booking_holds WHERE room_type_id = $1"; }

# A batch that crosses the allotment of 3: 2 held, 2 refused, 1 held (the one that
# still fits), 1 refused; grants in arrival order, not by size.
expect_eq "a batch crossing the allotment: exact per-request outcomes" \
  "held,sold_out,held,sold_out" \
  "$(batch "$rt_batch" "$u1,$u2,$u3,$u4" "2,2,1,1" "NULL,NULL,NULL,NULL" "NULL,NULL,NULL,NULL" "0,0,0,0")"
expect_eq "every night took exactly the rooms granted" "3,3" "$(tentative "$rt_batch")"
expect_eq "the holds are those granted, in arrival order" "${u1}x2,${u3}x1" "$(holds "$rt_batch")"

# The same requests one after the other through the single function, on a twin room type.
single=""
for pair in "$u1 2" "$u2 2" "$u3 1" "$u4 1"; do
  read -r u q <<<"$pair"
  single+=$(psql_q "SELECT result FROM api_hold_capped($u, $rt_single, '2031-06-01', '2031-06-03', $q,
                    '10 minutes', NULL, NULL, 0)"),
done
expect_eq "the single function gives the same outcomes in the same order" "held,sold_out,held,sold_out," "$single"
expect_eq "and the same counters" "$(tentative "$rt_single")" "$(tentative "$rt_batch")"

# A sold-out stay: every request refused, nothing changed.
expect_eq "a batch on a sold-out stay is refused whole" "sold_out,sold_out" \
  "$(batch "$rt_batch" "$u1,$u2" "1,1" "NULL,NULL" "NULL,NULL" "0,0")"
expect_eq "a refused batch changes no counter" "3,3" "$(tentative "$rt_batch")"

# The per-user cap: a user at the cap is refused, within the batch too; others go on
# (u4 and u2 hold nothing yet: their holds above were refused).
expect_eq "the cap of 2 live holds counts the holds granted earlier in the batch" \
  "held,held,too_many_holds,held" \
  "$(batch "$rt_cap" "$u4,$u4,$u4,$u2" "1,1,1,1" "NULL,NULL,NULL,NULL" "NULL,NULL,NULL,NULL" "2,2,2,2")"
expect_eq "a second batch: the capped user is still refused" "too_many_holds,held" \
  "$(batch "$rt_cap" "$u4,$u2" "1,1" "NULL,NULL" "NULL,NULL" "2,2")"
expect_eq "the capped room type's counters match its 4 holds" "4,4" "$(tentative "$rt_cap")"

# Idempotency keys: a repeated key within the batch replays the first one's outcome
# (key_reused when its fingerprint differs); a later batch replays the recorded outcome.
expect_eq "keys within one batch" "held,held,held,key_reused" \
  "$(batch "$rt_keys" "$u3,$u4,$u3,$u3" "1,1,1,1" "ka,ka,ka,ka" "f1,f1,f1,f2" "0,0,0,0")"
expect_eq "the repeated key made one hold, u4's own key another" "${u3}x1,${u4}x1" "$(holds "$rt_keys")"
expect_eq "its counters: 2 rooms" "2,2" "$(tentative "$rt_keys")"
first=$(psql_q "SELECT string_agg(coalesce(body->>'hold_id', ''), ',' ORDER BY idx) FROM api_hold_batch(
          '{$u3,$u3}'::bigint[], '{$rt_keys,$rt_keys}'::bigint[], '{2031-06-01,2031-06-01}'::date[],
          '{2031-06-03,2031-06-03}'::date[], '{1,1}'::int[],
          '10 minutes', '{ka,ka}'::text[], '{f1,f2}'::text[], '{0,0}'::int[])")
recorded=$(psql_q "SELECT resp_body->>'hold_id' FROM idempotency_keys WHERE user_id = $u3 AND idem_key = 'ka'")
expect_eq "a later batch replays the recorded hold, and refuses the other fingerprint" "$recorded," "$first"
expect_eq "the replays changed nothing" "2,2" "$(tentative "$rt_keys")"
expect_eq "a replay's result is the recorded one" "held,key_reused" \
  "$(batch "$rt_keys" "$u3,$u3" "1,1" "ka,ka" "f1,f2" "0,0")"

# The stay's refusals reach every request; a bad quantity only its own.
expect_eq "a quantity out of range is invalid, the rest held" "invalid,held" \
  "$(batch "$rt_keys" "$u1,$u2" "11,1" "NULL,NULL" "NULL,NULL" "0,0")"
expect_eq "a night without inventory" "no_inventory,no_inventory" \
  "$(batch "$rt_keys" "$u1,$u2" "1,1" "NULL,NULL" "NULL,NULL" "0,0" 2031-06-02 2031-06-05)"
expect_eq "an unknown room type" "room_type_not_found" \
  "$(batch 999999999 "$u1" "1" "NULL" "NULL" "0")"
expect_eq "an invalid stay" "invalid,invalid" \
  "$(batch "$rt_keys" "$u1,$u2" "1,1" "NULL,NULL" "NULL,NULL" "0,0" 2031-06-03 2031-06-01)"
err=$(psql_q "SELECT * FROM api_hold_batch('{$u1,$u2}'::bigint[], '{$rt_keys,$rt_keys}'::bigint[],
             '{2031-06-01,2031-06-01}'::date[], '{2031-06-03,2031-06-03}'::date[],
             '{1}'::int[], '10 minutes', '{NULL,NULL}'::text[], '{NULL,NULL}'::text[], '{0,0}'::int[])" 2>&1)
check "arrays of different lengths are refused (got: $err)" grep -q 'every array of the same length' <<<"$err"
err=$(psql_q "SELECT * FROM api_hold_batch('{$u1,$u2}'::bigint[], '{$rt_keys}'::bigint[],
             '{2031-06-01,2031-06-01}'::date[], '{2031-06-03,2031-06-03}'::date[],
             '{1,1}'::int[], '10 minutes', '{NULL,NULL}'::text[], '{NULL,NULL}'::text[], '{0,0}'::int[])" 2>&1)
check "a room type array of another length is refused (got: $err)" grep -q 'every array of the same length' <<<"$err"

# Several stays in one batch. rt_mix has 2 rooms on 06-01, 06-02 and 06-03; rt_other 1.
# In arrival order: 1. u1 06-02..06-04 x2, 2. u2 06-01..06-03 x1, 3. u3 06-01..06-02 x2,
# 4. u4 on rt_other x1. Served stay by stay in (room type, check-in, check-out) order:
# 3 takes 06-01's two rooms, so 2 (06-01 and 06-02) finds 06-01 full and is refused,
# although 06-02 alone still had both rooms; 1 takes 06-02 and 06-03; 4 its own room.
# Had the stays been checked against the counters read before any grant, 2 would have
# been held too, one room over the allotment on 06-01.
psql_q "SELECT status FROM set_allotment($rt_mix, '2031-06-01', '2031-06-04', 2)" >/dev/null
psql_q "SELECT status FROM set_allotment($rt_other, '2031-06-01', '2031-06-02', 1)" >/dev/null
mixed=$(psql_q "SELECT string_agg(result, ',' ORDER BY idx) FROM api_hold_batch(
          '{$u1,$u2,$u3,$u4}'::bigint[], '{$rt_mix,$rt_mix,$rt_mix,$rt_other}'::bigint[],
          '{2031-06-02,2031-06-01,2031-06-01,2031-06-01}'::date[],
          '{2031-06-04,2031-06-03,2031-06-02,2031-06-02}'::date[], '{2,1,2,1}'::int[],
          '10 minutes', '{NULL,NULL,NULL,NULL}'::text[], '{NULL,NULL,NULL,NULL}'::text[],
          '{0,0,0,0}'::int[])")
expect_eq "several stays: exact per-request outcomes" "held,sold_out,held,held" "$mixed"
expect_eq "several stays: every night of rt_mix full, none over" "2,2,2" "$(tentative "$rt_mix")"
expect_eq "several stays: the holds granted, stay by stay (u3's earlier stay first)" "${u3}x2,${u1}x2" "$(holds "$rt_mix")"
expect_eq "several stays: the other room type's one room" "1" "$(tentative "$rt_other")"

for rt in $rt_batch $rt_cap $rt_keys $rt_mix $rt_other; do
  expect_eq "no invariant broken on room type $rt" "0" \
    "$(psql_q "SELECT coalesce(sum(violations), 0) FROM integrity_report($rt)")"
done
all="$rt_batch, $rt_single, $rt_cap, $rt_keys, $rt_mix, $rt_other"
psql_q "DELETE FROM booking_holds WHERE room_type_id IN ($all);
        UPDATE room_inventory SET tentative_count = 0 WHERE room_type_id IN ($all)" >/dev/null
finish
