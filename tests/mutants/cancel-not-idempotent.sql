-- mutant cancel-not-idempotent: a repeated cancel gives the rooms back again
-- replaces: cancel_booking
-- scenario: smoke
-- profile: mixed
-- caught-by: booked_mismatch
--
-- The check for a booking already Cancelled is gone: a second cancel of the same
-- booking subtracts its rooms from booked_count again and answers "cancelled". The
-- night then counts fewer booked rooms than its Confirmed booking_details, and the
-- rooms it lost are sold again. Only a workload that repeats cancels can meet it (the
-- mixed profile sends a third of its cancels twice). Caught by booked_mismatch.
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
    -- BUG: no "already cancelled" branch: the rooms go back every time.
    PERFORM booking_shift_nights(b.room_type_id, b.check_in, b.check_out, -b.quantity, 0);
    UPDATE bookings bk SET status = 'Cancelled', cancelled_at = coalesce(bk.cancelled_at, now())
     WHERE bk.booking_id = p_booking_id;
    status := 'cancelled'; RETURN NEXT;
END
$$;
