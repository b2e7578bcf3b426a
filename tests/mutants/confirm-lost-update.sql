-- mutant confirm-lost-update: confirm writes booked_count from an unlocked read
-- replaces: confirm_booking
-- scenario: smoke
-- caught-by: booked_mismatch
-- server: --confirm-batch 0
--
-- The hold row is locked as it should be, but the nights' counters are read with a
-- plain SELECT and, after a 200 ms pause that widens the window, overwritten with
-- <stale booked_count + quantity> and <stale tentative_count - quantity>. Two confirms
-- of different holds on one night both write the same values: one booking's rooms are
-- lost from booked_count, which then counts fewer rooms than the Confirmed details, and
-- the freed rooms are sold again. With the `unsafe` mutant beside it (several holds
-- granted for one room), every confirm passes the CHECK and several clients are told
-- "confirmed" for the last room: `make demo`'s control experiment.
CREATE OR REPLACE FUNCTION confirm_booking(p_user_id bigint, p_hold_id bigint)
RETURNS TABLE(status text, booking_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    h booking_holds%ROWTYPE;
    v_dates date[];
    v_booked int[];
    v_tentative int[];
BEGIN
    SELECT * INTO h FROM booking_holds bh WHERE bh.hold_id = p_hold_id FOR UPDATE;
    IF NOT FOUND THEN
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
    -- BUG: the counters read without a lock ...
    SELECT array_agg(ri.date ORDER BY ri.date), array_agg(ri.booked_count ORDER BY ri.date),
           array_agg(ri.tentative_count ORDER BY ri.date)
      INTO v_dates, v_booked, v_tentative
      FROM room_inventory ri
     WHERE ri.room_type_id = h.room_type_id AND ri.date >= h.check_in AND ri.date < h.check_out;
    PERFORM pg_sleep(0.2);   -- the window between the read and the write, widened
    -- ... and written back from that stale read.
    FOR i IN 1 .. array_length(v_dates, 1) LOOP
        UPDATE room_inventory ri
           SET booked_count = v_booked[i] + h.quantity, tentative_count = v_tentative[i] - h.quantity
         WHERE ri.room_type_id = h.room_type_id AND ri.date = v_dates[i];
    END LOOP;
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
