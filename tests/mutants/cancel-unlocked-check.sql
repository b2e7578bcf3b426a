-- mutant cancel-unlocked-check: cancel checks the booking's status without locking it
-- replaces: cancel_booking
-- scenario: smoke
-- profile: mixed
-- caught-by: double_cancel
--
-- A check-then-act race: the cancel reads the booking with a plain SELECT (no FOR
-- UPDATE), and when it is Confirmed gives its rooms back and marks it Cancelled. Two
-- cancels of one booking at the same moment both see it Confirmed, both subtract its
-- rooms from booked_count and both answer "cancelled". A repeated cancel sent after the
-- first one's answer sees Cancelled and is refused as it should be, so only concurrent
-- cancels meet the bug: the mixed profile's pairs of VUs that cancel one booking at the
-- same instant. The window between the check and the act is widened to 100 ms, far
-- wider than the few milliseconds between the pair's two requests. Caught by
-- double_cancel (two clients told "cancelled" for one booking); booked_mismatch fires
-- beside it when the rooms were given back twice.
CREATE OR REPLACE FUNCTION cancel_booking(p_user_id bigint, p_booking_id bigint)
RETURNS TABLE(status text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    b bookings%ROWTYPE;
BEGIN
    -- BUG: no FOR UPDATE; the status tested below may be stale when acted upon
    SELECT * INTO b FROM bookings bk
     WHERE bk.booking_id = p_booking_id AND (p_user_id IS NULL OR bk.user_id = p_user_id);
    IF NOT FOUND THEN
        status := 'not_found'; RETURN NEXT; RETURN;
    END IF;
    IF b.status = 'Cancelled' THEN
        status := 'already_cancelled'; RETURN NEXT; RETURN;
    END IF;
    PERFORM pg_sleep(0.1);   -- the window between the check and the act, widened
    PERFORM booking_shift_nights(b.room_type_id, b.check_in, b.check_out, -b.quantity, 0);
    UPDATE bookings bk SET status = 'Cancelled', cancelled_at = now()
     WHERE bk.booking_id = p_booking_id;
    status := 'cancelled'; RETURN NEXT;
END
$$;
