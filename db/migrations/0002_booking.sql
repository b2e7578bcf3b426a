-- 0002_booking: the booking engine, as PL/pgSQL functions over the tables of 0001.
--
-- Each function is one call = one transaction (the caller's statement). The rules that
-- keep a room from being sold twice live here and nowhere else:
--
--   * Inventory rows are locked in ascending (room_type_id, date) order, always, by every
--     function that changes them (booking_lock_nights). Two calls that want overlapping
--     nights therefore queue on the first night they share and can never wait on each
--     other in a cycle: no deadlock, whatever order the callers' stays overlap in.
--   * A function that needs a hold or a booking row locks that row first, and only then
--     inventory rows; release_expired_holds takes its holds with SKIP LOCKED, so it never
--     waits on a hold while holding inventory.
--   * Availability is re-checked on the locked rows, and all nights change or none.
--   * Ordinary outcomes (sold out, expired, not found) are returned as a status.
--
-- Verification queries that operators run verbatim (both must return no rows):
--
--   SELECT room_type_id, date, allotment, booked_count, tentative_count,
--          (booked_count + tentative_count) AS total
--   FROM room_inventory WHERE (booked_count + tentative_count) > allotment;
--
--   SELECT b.booking_id, b.status, COUNT(bd.booking_detail_id) AS details_count
--   FROM bookings b LEFT JOIN booking_details bd ON b.booking_id = bd.booking_id
--   WHERE b.status = 'Confirmed' GROUP BY b.booking_id
--   HAVING COUNT(bd.booking_detail_id) = 0;
--
-- integrity_report() runs the full set of invariant checks (docs/booking-engine.md).

-- True when a stay [p_in, p_out) of p_q rooms is within the documented limits:
-- 1..30 nights, quantity 1..10, dates within 2000-01-01..2100-12-31.
CREATE FUNCTION booking_stay_valid(p_in date, p_out date, p_q int)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT p_in IS NOT NULL AND p_out IS NOT NULL AND p_q IS NOT NULL
       AND p_q BETWEEN 1 AND 10
       AND p_out - p_in BETWEEN 1 AND 30
       AND p_in >= date '2000-01-01' AND p_out <= date '2100-12-31'
$$;

-- True when a hold request is acceptable: the stay is valid, the ttl is given and the
-- user exists.
CREATE FUNCTION booking_hold_valid(p_user_id bigint, p_in date, p_out date, p_q int,
                                   p_ttl interval)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT booking_stay_valid(p_in, p_out, p_q) AND p_ttl IS NOT NULL
       AND EXISTS (SELECT 1 FROM users u WHERE u.user_id = p_user_id)
$$;

-- Inserts a live hold expiring at now() + p_ttl and returns its id and expiry. The
-- caller has already taken the rooms on the nights' counters.
CREATE FUNCTION booking_insert_hold(p_user_id bigint, p_rt bigint, p_in date, p_out date,
                                    p_q int, p_ttl interval,
                                    OUT hold_id bigint, OUT hold_expiry timestamptz)
LANGUAGE sql AS $$
    INSERT INTO booking_holds (user_id, room_type_id, check_in, check_out, quantity, hold_expiry)
    VALUES (p_user_id, p_rt, p_in, p_out, p_q, now() + p_ttl)
    RETURNING booking_holds.hold_id, booking_holds.hold_expiry
$$;

-- Locks the inventory rows of room type p_rt for the nights [p_in, p_out), one by one in
-- ascending date order (LockRows sits above the sort), and returns how many rows exist
-- and the fewest free rooms among them (NULL when none exist). The counters read are
-- the latest committed ones, as the lock waits for any writer before reading.
CREATE FUNCTION booking_lock_nights(p_rt bigint, p_in date, p_out date,
                                    OUT nights int, OUT min_free int)
LANGUAGE sql AS $$
    SELECT count(*)::int, min(l.allotment - l.booked_count - l.tentative_count)::int
    FROM (SELECT ri.allotment, ri.booked_count, ri.tentative_count
          FROM room_inventory ri
          WHERE ri.room_type_id = p_rt AND ri.date >= p_in AND ri.date < p_out
          ORDER BY ri.date
          FOR UPDATE) AS l
$$;

-- Locks the nights [p_in, p_out) of p_rt in date order, then adds p_booked to
-- booked_count and p_tentative to tentative_count on every one of them. The caller has
-- checked that the result stays within the allotment (the CHECK constraint backs it).
CREATE FUNCTION booking_shift_nights(p_rt bigint, p_in date, p_out date,
                                     p_booked int, p_tentative int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM booking_lock_nights(p_rt, p_in, p_out);
    UPDATE room_inventory ri
       SET booked_count = ri.booked_count + p_booked,
           tentative_count = ri.tentative_count + p_tentative
     WHERE ri.room_type_id = p_rt AND ri.date >= p_in AND ri.date < p_out;
END
$$;

-- Holds p_quantity rooms of p_room_type_id for every night of [p_check_in, p_check_out),
-- all nights or none, until now() + p_ttl. Statuses: held (with hold_id, hold_expiry),
-- sold_out, no_inventory (a night has no row, or the room type is unknown), invalid.
CREATE FUNCTION create_booking_hold(p_user_id bigint, p_room_type_id bigint,
                                    p_check_in date, p_check_out date, p_quantity int,
                                    p_ttl interval DEFAULT '15 minutes')
RETURNS TABLE(status text, hold_id bigint, hold_expiry timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_nights int;
    v_free int;
BEGIN
    IF NOT booking_hold_valid(p_user_id, p_check_in, p_check_out, p_quantity, p_ttl) THEN
        status := 'invalid'; RETURN NEXT; RETURN;
    END IF;
    SELECT l.nights, l.min_free INTO v_nights, v_free
      FROM booking_lock_nights(p_room_type_id, p_check_in, p_check_out) l;
    IF v_nights < p_check_out - p_check_in THEN
        status := 'no_inventory'; RETURN NEXT; RETURN;
    END IF;
    IF v_free < p_quantity THEN
        status := 'sold_out'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_shift_nights(p_room_type_id, p_check_in, p_check_out, 0, p_quantity);
    SELECT n.hold_id, n.hold_expiry INTO hold_id, hold_expiry
      FROM booking_insert_hold(p_user_id, p_room_type_id, p_check_in, p_check_out,
                               p_quantity, p_ttl) n;
    status := 'held'; RETURN NEXT;
END
$$;

-- !!! UNSAFE — DO NOT USE FOR REAL BOOKINGS !!!
-- The deliberately broken twin of create_booking_hold, kept only so that the load
-- tester and the tests can prove that they catch overbooking. It reads the counters
-- WITHOUT any lock, checks availability on that read, sleeps 40 ms to widen the window,
-- then writes tentative_count = <stale value + quantity>. Concurrent callers that read
-- the same value all pass the check and all write the same counter: a lost update.
-- Every row still satisfies the CHECK constraint, yet more holds exist than rooms.
-- Same arguments, result and statuses as create_booking_hold.
CREATE FUNCTION create_booking_hold_unsafe(p_user_id bigint, p_room_type_id bigint,
                                           p_check_in date, p_check_out date, p_quantity int,
                                           p_ttl interval DEFAULT '15 minutes')
RETURNS TABLE(status text, hold_id bigint, hold_expiry timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_dates date[];
    v_stale int[];
    v_free int;
BEGIN
    IF NOT booking_hold_valid(p_user_id, p_check_in, p_check_out, p_quantity, p_ttl) THEN
        status := 'invalid'; RETURN NEXT; RETURN;
    END IF;
    -- UNSAFE: a plain read, no FOR UPDATE; the values go stale at once.
    SELECT array_agg(ri.date ORDER BY ri.date), array_agg(ri.tentative_count ORDER BY ri.date),
           min(ri.allotment - ri.booked_count - ri.tentative_count)
      INTO v_dates, v_stale, v_free
      FROM room_inventory ri
     WHERE ri.room_type_id = p_room_type_id AND ri.date >= p_check_in AND ri.date < p_check_out;
    IF coalesce(array_length(v_dates, 1), 0) < p_check_out - p_check_in THEN
        status := 'no_inventory'; RETURN NEXT; RETURN;
    END IF;
    IF v_free < p_quantity THEN
        status := 'sold_out'; RETURN NEXT; RETURN;
    END IF;
    PERFORM pg_sleep(0.04);   -- UNSAFE: widen the window between the read and the write
    FOR i IN 1 .. array_length(v_dates, 1) LOOP
        -- UNSAFE: the counter computed from the stale read overwrites whatever is there.
        UPDATE room_inventory ri SET tentative_count = v_stale[i] + p_quantity
         WHERE ri.room_type_id = p_room_type_id AND ri.date = v_dates[i];
    END LOOP;
    SELECT n.hold_id, n.hold_expiry INTO hold_id, hold_expiry
      FROM booking_insert_hold(p_user_id, p_room_type_id, p_check_in, p_check_out,
                               p_quantity, p_ttl) n;
    status := 'held'; RETURN NEXT;
END
$$;

-- Turns hold p_hold_id into a Confirmed booking with one booking_details row per night,
-- moving its rooms from tentative_count to booked_count, and deletes the hold.
-- p_user_id NULL means any user. Statuses: confirmed, already_confirmed (the booking
-- made from this hold the first time), expired (hold_expiry <= now(), nothing changed),
-- not_found (unknown, or another user's). Two concurrent calls for one hold: the second
-- waits on the hold's row lock, finds the hold gone, and answers already_confirmed.
CREATE FUNCTION confirm_booking(p_user_id bigint, p_hold_id bigint)
RETURNS TABLE(status text, booking_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    h booking_holds%ROWTYPE;
BEGIN
    SELECT * INTO h FROM booking_holds bh WHERE bh.hold_id = p_hold_id FOR UPDATE;
    IF NOT FOUND THEN
        -- A fresh snapshot: sees the booking of a concurrent confirm we just waited for.
        SELECT b.booking_id INTO booking_id FROM bookings b
         WHERE b.hold_id = p_hold_id AND (p_user_id IS NULL OR b.user_id = p_user_id);
        status := CASE WHEN FOUND THEN 'already_confirmed' ELSE 'not_found' END;
        RETURN NEXT; RETURN;
    END IF;
    IF p_user_id IS NOT NULL AND h.user_id <> p_user_id THEN
        status := 'not_found'; RETURN NEXT; RETURN;
    END IF;
    IF h.hold_expiry <= now() THEN
        status := 'expired'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_shift_nights(h.room_type_id, h.check_in, h.check_out, h.quantity, -h.quantity);
    INSERT INTO bookings AS b (user_id, hold_id, room_type_id, check_in, check_out, quantity, status)
    VALUES (h.user_id, h.hold_id, h.room_type_id, h.check_in, h.check_out, h.quantity, 'Confirmed')
    RETURNING b.booking_id INTO booking_id;
    INSERT INTO booking_details (booking_id, room_type_id, date, quantity)
    SELECT confirm_booking.booking_id, h.room_type_id, h.check_in + g, h.quantity
      FROM generate_series(0, h.check_out - h.check_in - 1) AS g;
    DELETE FROM booking_holds bh WHERE bh.hold_id = p_hold_id;
    status := 'confirmed'; RETURN NEXT;
END
$$;

-- Cancels booking p_booking_id and gives its rooms back (booked_count -= quantity per
-- night). Its booking_details rows stay; only Confirmed bookings' details count.
-- p_user_id NULL means any user. Statuses: cancelled, already_cancelled, not_found.
CREATE FUNCTION cancel_booking(p_user_id bigint, p_booking_id bigint)
RETURNS TABLE(status text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    b bookings%ROWTYPE;
BEGIN
    SELECT * INTO b FROM bookings bk
     WHERE bk.booking_id = p_booking_id AND (p_user_id IS NULL OR bk.user_id = p_user_id)
       FOR UPDATE;
    IF NOT FOUND THEN
        status := 'not_found'; RETURN NEXT; RETURN;
    END IF;
    IF b.status = 'Cancelled' THEN
        status := 'already_cancelled'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_shift_nights(b.room_type_id, b.check_in, b.check_out, -b.quantity, 0);
    UPDATE bookings bk SET status = 'Cancelled', cancelled_at = now()
     WHERE bk.booking_id = p_booking_id;
    status := 'cancelled'; RETURN NEXT;
END
$$;

-- Releases live hold p_hold_id (expired or not): tentative_count -= quantity per night,
-- and the hold is deleted. p_user_id NULL means any user. Statuses: released, not_found.
CREATE FUNCTION release_hold(p_user_id bigint, p_hold_id bigint)
RETURNS TABLE(status text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    h booking_holds%ROWTYPE;
BEGIN
    SELECT * INTO h FROM booking_holds bh
     WHERE bh.hold_id = p_hold_id AND (p_user_id IS NULL OR bh.user_id = p_user_id)
       FOR UPDATE;
    IF NOT FOUND THEN
        status := 'not_found'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_shift_nights(h.room_type_id, h.check_in, h.check_out, 0, -h.quantity);
    DELETE FROM booking_holds bh WHERE bh.hold_id = p_hold_id;
    status := 'released'; RETURN NEXT;
END
$$;

-- The sweeper: deletes up to p_batch holds whose hold_expiry <= now(), skipping holds
-- that another transaction has locked (a confirm in progress), and gives their rooms
-- back, night by night in ascending (room_type_id, date) order. Returns how many holds
-- it released (0 when p_batch < 1). Call it again while it returns p_batch.
CREATE FUNCTION release_expired_holds(p_batch int DEFAULT 1000)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_released int;
    v_rts bigint[];
    v_dates date[];
    v_qs int[];
BEGIN
    IF p_batch IS NULL OR p_batch < 1 THEN
        RETURN 0;
    END IF;
    WITH picked AS (
        SELECT bh.hold_id FROM booking_holds bh
         WHERE bh.hold_expiry <= now()
         ORDER BY bh.hold_expiry LIMIT p_batch
           FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM booking_holds bh USING picked p WHERE bh.hold_id = p.hold_id
        RETURNING bh.room_type_id, bh.check_in, bh.check_out, bh.quantity
    ), per_night AS (
        SELECT g.room_type_id AS rt, g.check_in + n AS night, sum(g.quantity)::int AS q
          FROM gone g CROSS JOIN LATERAL generate_series(0, g.check_out - g.check_in - 1) AS n
         GROUP BY 1, 2
    )
    SELECT (SELECT count(*) FROM gone),
           array_agg(rt ORDER BY rt, night), array_agg(night ORDER BY rt, night),
           array_agg(q ORDER BY rt, night)
      INTO v_released, v_rts, v_dates, v_qs
      FROM per_night;
    FOR i IN 1 .. coalesce(array_length(v_rts, 1), 0) LOOP
        UPDATE room_inventory ri SET tentative_count = ri.tentative_count - v_qs[i]
         WHERE ri.room_type_id = v_rts[i] AND ri.date = v_dates[i];
    END LOOP;
    RETURN v_released;
END
$$;

-- Sets the allotment of room type p_room_type_id to p_allotment on every night of
-- [p_from, p_to), creating missing nights. Refuses, changing nothing, when a night has
-- booked + tentative > p_allotment. Calls for one room type run one at a time (its
-- room_types row is locked FOR NO KEY UPDATE, which does not block foreign-key checks);
-- nights are locked in date order. Statuses: ok (nights = p_to - p_from),
-- below_committed (bad_date = the first such night), not_found (unknown room type),
-- invalid (NULLs, p_to <= p_from, more than 3660 nights, allotment < 0, dates outside
-- 2000-01-01..2100-12-31).
CREATE FUNCTION set_allotment(p_room_type_id bigint, p_from date, p_to date, p_allotment int)
RETURNS TABLE(status text, nights int, bad_date date)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_allotment IS NULL OR p_allotment < 0
       OR p_to <= p_from OR p_to - p_from > 3660
       OR p_from < date '2000-01-01' OR p_to > date '2101-01-01' THEN
        status := 'invalid'; RETURN NEXT; RETURN;
    END IF;
    PERFORM 1 FROM room_types rt WHERE rt.room_type_id = p_room_type_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        status := 'not_found'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_lock_nights(p_room_type_id, p_from, p_to);
    SELECT min(ri.date) INTO bad_date FROM room_inventory ri
     WHERE ri.room_type_id = p_room_type_id AND ri.date >= p_from AND ri.date < p_to
       AND ri.booked_count + ri.tentative_count > p_allotment;
    IF bad_date IS NOT NULL THEN
        status := 'below_committed'; nights := 0; RETURN NEXT; RETURN;
    END IF;
    UPDATE room_inventory ri SET allotment = p_allotment
     WHERE ri.room_type_id = p_room_type_id AND ri.date >= p_from AND ri.date < p_to;
    INSERT INTO room_inventory AS ri (room_type_id, date, allotment)
    SELECT p_room_type_id, p_from + g, p_allotment
      FROM generate_series(0, p_to - p_from - 1) AS g
    ON CONFLICT (room_type_id, date) DO UPDATE SET allotment = EXCLUDED.allotment;
    status := 'ok'; nights := p_to - p_from; RETURN NEXT;
END
$$;

-- The invariant checks of DESIGN.md section 4 for one room type (p_room_type_id NULL:
-- all of them), counted in one snapshot. One row per check, in this order:
-- oversold_counters, oversold_from_tables, booked_mismatch, tentative_mismatch,
-- confirmed_without_details, expired_holds_lingering. All zero means healthy.
CREATE FUNCTION integrity_report(p_room_type_id bigint)
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
CREATE FUNCTION integrity_report()
RETURNS TABLE(check_name text, violations bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.check_name, r.violations FROM integrity_report(NULL::bigint) r
$$;
