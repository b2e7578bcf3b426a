-- mutant confirm-ignores-expiry: confirm accepts a hold past its expiry
-- replaces: confirm_booking
-- scenario: smoke
-- profile: mixed
-- server: --hold-ttl 1s --sweep-interval 3s
-- caught-by: confirmed_after_expiry
--
-- The expiry test is gone from the confirm: a hold past hold_expiry that the sweeper
-- has not yet released (it could have, at any moment) is confirmed as if it were live.
-- Counters and tables stay consistent, so no invariant of the database shows it. Only
-- the times do: the mixed profile confirms a fifth of its holds deliberately after the
-- expires_at they were answered with (lastroomd runs with a 1 s hold TTL and a sweeper
-- every 3 s, so most such holds are still there), and every record carries when its
-- confirm was sent. Caught by confirmed_after_expiry: a confirm answered ok although
-- it was sent after its hold's expiry.
CREATE OR REPLACE FUNCTION confirm_booking(p_user_id bigint, p_hold_id bigint)
RETURNS TABLE(status text, booking_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    h booking_holds%ROWTYPE;
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
    -- BUG: no "IF h.hold_expiry <= now() THEN expired" here.
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
