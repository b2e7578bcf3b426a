-- booking: the booking engine, as PL/pgSQL functions over the tables of db/migrations.
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
-- integrity_report() runs the full set of invariant checks (docs/invariants.md).

-- True when a stay [p_in, p_out) of p_q rooms is within the documented limits:
-- 1..30 nights, quantity 1..10, dates within 2000-01-01..2100-12-31.
CREATE OR REPLACE FUNCTION booking_stay_valid(p_in date, p_out date, p_q int)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT p_in IS NOT NULL AND p_out IS NOT NULL AND p_q IS NOT NULL
       AND p_q BETWEEN 1 AND 10
       AND p_out - p_in BETWEEN 1 AND 30
       AND p_in >= date '2000-01-01' AND p_out <= date '2100-12-31'
$$;

-- True when a hold request is acceptable: the stay is valid, the ttl is given and the
-- user exists.
CREATE OR REPLACE FUNCTION booking_hold_valid(p_user_id bigint, p_in date, p_out date, p_q int,
                                              p_ttl interval)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN booking_stay_valid(p_in, p_out, p_q) AND p_ttl IS NOT NULL
       AND EXISTS (SELECT 1 FROM users u WHERE u.user_id = p_user_id);
END
$$;

-- Inserts a live hold expiring at now() + p_ttl and returns its id and expiry. The
-- caller has already taken the rooms on the nights' counters.
CREATE OR REPLACE FUNCTION booking_insert_hold(p_user_id bigint, p_rt bigint, p_in date,
                                               p_out date, p_q int, p_ttl interval,
                                               OUT hold_id bigint, OUT hold_expiry timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO booking_holds AS bh (user_id, room_type_id, check_in, check_out, quantity,
                                     hold_expiry)
    VALUES (p_user_id, p_rt, p_in, p_out, p_q, now() + p_ttl)
    RETURNING bh.hold_id, bh.hold_expiry INTO hold_id, hold_expiry;
END
$$;

-- Locks the inventory rows of room type p_rt for the nights [p_in, p_out), one by one in
-- ascending date order (LockRows sits above the sort), and returns how many rows exist
-- and the fewest free rooms among them (NULL when none exist). The counters read are
-- the latest committed ones, as the lock waits for any writer before reading.
CREATE OR REPLACE FUNCTION booking_lock_nights(p_rt bigint, p_in date, p_out date,
                                               OUT nights int, OUT min_free int)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT count(*)::int, min(l.allotment - l.booked_count - l.tentative_count)::int
      INTO nights, min_free
      FROM (SELECT ri.allotment, ri.booked_count, ri.tentative_count
              FROM room_inventory ri
             WHERE ri.room_type_id = p_rt AND ri.date >= p_in AND ri.date < p_out
             ORDER BY ri.date
               FOR UPDATE) AS l;
END
$$;

-- Locks the nights [p_in, p_out) of p_rt in date order, then adds p_booked to
-- booked_count and p_tentative to tentative_count on every one of them. The caller has
-- checked that the result stays within the allotment (the CHECK constraint backs it).
CREATE OR REPLACE FUNCTION booking_shift_nights(p_rt bigint, p_in date, p_out date,
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
CREATE OR REPLACE FUNCTION create_booking_hold(p_user_id bigint, p_room_type_id bigint,
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

-- Turns hold p_hold_id into a Confirmed booking with one booking_details row per night,
-- moving its rooms from tentative_count to booked_count, and deletes the hold.
-- p_user_id NULL means any user. Statuses: confirmed, already_confirmed (the booking
-- made from this hold the first time), expired (hold_expiry <= now(), nothing changed),
-- not_found (unknown, or another user's). Two concurrent calls for one hold: the second
-- waits on the hold's row lock, finds the hold gone, and answers already_confirmed.
CREATE OR REPLACE FUNCTION confirm_booking(p_user_id bigint, p_hold_id bigint)
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
CREATE OR REPLACE FUNCTION cancel_booking(p_user_id bigint, p_booking_id bigint)
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
CREATE OR REPLACE FUNCTION release_hold(p_user_id bigint, p_hold_id bigint)
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

-- Sets the allotment of room type p_room_type_id to p_allotment on every night of
-- [p_from, p_to), creating missing nights. Refuses, changing nothing, when a night has
-- booked + tentative > p_allotment. Calls for one room type run one at a time (its
-- room_types row is locked FOR NO KEY UPDATE, which does not block foreign-key checks);
-- nights are locked in date order. Statuses: ok (nights = p_to - p_from),
-- below_committed (bad_date = the first such night), not_found (unknown room type),
-- invalid (NULLs, p_to <= p_from, more than 3660 nights, allotment < 0, dates outside
-- 2000-01-01..2100-12-31).
CREATE OR REPLACE FUNCTION set_allotment(p_room_type_id bigint, p_from date, p_to date, p_allotment int)
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
