#!/usr/bin/env bash
# db_sweeper_quarantine.sh: a night whose counters were corrupted (as the unsafe hold
# path's lost updates do) must not stop the sweeper. The healthy holds of the same batch
# expire; holds that cannot be given back are quarantined, reported, and left visible
# to integrity_report.
source "$(dirname "$0")/../lib.sh"

tag="sweepq-$$-$RANDOM"
ids=$(psql_q "
  WITH u AS (INSERT INTO users(email, password_hash) VALUES ('$tag@test', 'x') RETURNING user_id),
       h AS (INSERT INTO hotels(name) VALUES ('$tag') RETURNING hotel_id),
       bad AS (INSERT INTO room_types(hotel_id, name) SELECT hotel_id, 'bad' FROM h RETURNING room_type_id),
       good AS (INSERT INTO room_types(hotel_id, name) SELECT hotel_id, 'good' FROM h RETURNING room_type_id)
  SELECT (SELECT user_id FROM u) || ' ' || (SELECT room_type_id FROM bad) || ' ' || (SELECT room_type_id FROM good)")
read -r user bad good <<<"$ids"
for rt in $bad $good; do
  expect_eq "inventory for room type $rt" ok "$(psql_q "SELECT status FROM set_allotment($rt, '2031-05-01', '2031-05-04', 5)")"
done
for _ in 1 2 3; do
  psql_q "SELECT status FROM create_booking_hold($user, $bad, '2031-05-01', '2031-05-03', 1)" >/dev/null
done
expect_eq "a hold on the healthy room type" held \
  "$(psql_q "SELECT status FROM create_booking_hold($user, $good, '2031-05-02', '2031-05-04', 2)")"
# Corrupt the bad room type the way a lost update does: 3 live holds, counter says 1.
psql_q "UPDATE room_inventory SET tentative_count = 1 WHERE room_type_id = $bad" >/dev/null
psql_q "UPDATE booking_holds SET hold_expiry = now() - interval '1 minute' WHERE room_type_id IN ($bad, $good)" >/dev/null

released=$(psql_q "SELECT release_expired_holds(1000)" 2>"$(mktemp)")
check "the sweeper released the healthy hold and the one the bad nights could take back (got $released)" \
  test "$released" -ge 2
expect_eq "the healthy room type is back to 0 tentative" "0" \
  "$(psql_q "SELECT sum(tentative_count) FROM room_inventory WHERE room_type_id = $good")"
expect_eq "no hold left on the healthy room type" "0" \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE room_type_id = $good")"
expect_eq "two holds quarantined on the damaged room type" "2" \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE room_type_id = $bad AND quarantined")"
expect_eq "no counter went negative" "0" \
  "$(psql_q "SELECT count(*) FROM room_inventory WHERE room_type_id = $bad AND tentative_count < 0")"
expect_eq "the next sweep does not fail and skips the quarantined holds" "ok" \
  "$(psql_q "SELECT CASE WHEN release_expired_holds(1000) >= 0 THEN 'ok' END")"
check "integrity_report still shows the damage (lingering expired holds)" \
  test "$(psql_q "SELECT violations FROM integrity_report($bad) WHERE check_name = 'expired_holds_lingering'")" -ge 2

# Leave the shared test database healthy for whatever runs next.
psql_q "DELETE FROM booking_holds WHERE room_type_id = $bad;
        UPDATE room_inventory SET tentative_count = 0 WHERE room_type_id = $bad" >/dev/null
finish
