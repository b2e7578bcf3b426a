-- integrity: the invariant checks of docs/invariants.md as one report, for operators and the tester.

-- The invariant checks of docs/invariants.md for one room type (p_room_type_id NULL:
-- all of them), counted in one snapshot. One row per check, in this order:
-- oversold_counters, oversold_from_tables, booked_mismatch, tentative_mismatch,
-- confirmed_without_details, expired_holds_lingering. All zero means healthy.
CREATE OR REPLACE FUNCTION integrity_report(p_room_type_id bigint)
RETURNS TABLE(check_name text, violations bigint)
LANGUAGE sql STABLE AS $$
    WITH inv AS (
        SELECT ri.room_type_id, ri.date, ri.allotment, ri.booked_count, ri.tentative_count
          FROM room_inventory ri
         WHERE p_room_type_id IS NULL OR ri.room_type_id = p_room_type_id
    ), conf AS (
        SELECT bd.room_type_id, bd.date, sum(bd.quantity) AS cq
          FROM booking_details bd JOIN bookings b ON b.booking_id = bd.booking_id
         WHERE b.status = 'Confirmed'
           AND (p_room_type_id IS NULL OR bd.room_type_id = p_room_type_id)
         GROUP BY 1, 2
    ), held AS (
        SELECT h.room_type_id, h.check_in + g AS date, sum(h.quantity) AS hq
          FROM booking_holds h CROSS JOIN LATERAL generate_series(0, h.check_out - h.check_in - 1) AS g
         WHERE p_room_type_id IS NULL OR h.room_type_id = p_room_type_id
         GROUP BY 1, 2
    ), nights AS (
        SELECT coalesce(i.allotment, 0) AS allotment, coalesce(i.booked_count, 0) AS booked,
               coalesce(i.tentative_count, 0) AS tentative,
               coalesce(c.cq, 0) AS cq, coalesce(h.hq, 0) AS hq
          FROM inv i
          FULL JOIN conf c USING (room_type_id, date)
          FULL JOIN held h USING (room_type_id, date)
    ), counts AS (
        SELECT count(*) FILTER (WHERE booked + tentative > allotment) AS oversold_counters,
               count(*) FILTER (WHERE cq + hq > allotment) AS oversold_from_tables,
               count(*) FILTER (WHERE booked <> cq) AS booked_mismatch,
               count(*) FILTER (WHERE tentative <> hq) AS tentative_mismatch
          FROM nights
    ), missing AS (
        SELECT count(*) AS n FROM bookings b
         WHERE b.status = 'Confirmed'
           AND (p_room_type_id IS NULL OR b.room_type_id = p_room_type_id)
           AND (SELECT count(*) FROM booking_details bd
                 WHERE bd.booking_id = b.booking_id
                   AND bd.date >= b.check_in AND bd.date < b.check_out) < b.check_out - b.check_in
    ), lingering AS (
        SELECT count(*) AS n FROM booking_holds h
         WHERE h.hold_expiry < now() - interval '5 seconds'
           AND (p_room_type_id IS NULL OR h.room_type_id = p_room_type_id)
    )
    SELECT v.check_name, v.violations
      FROM counts, missing, lingering,
           LATERAL (VALUES ('oversold_counters', counts.oversold_counters),
                           ('oversold_from_tables', counts.oversold_from_tables),
                           ('booked_mismatch', counts.booked_mismatch),
                           ('tentative_mismatch', counts.tentative_mismatch),
                           ('confirmed_without_details', missing.n),
                           ('expired_holds_lingering', lingering.n)) AS v(check_name, violations)
$$;

-- The invariant checks over the whole database; see integrity_report(bigint).
CREATE OR REPLACE FUNCTION integrity_report()
RETURNS TABLE(check_name text, violations bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.check_name, r.violations FROM integrity_report(NULL::bigint) r
$$;
