-- mutant stay-off-by-one: the stay is stored one night later than asked, consistently
-- replaces: create_booking_hold
-- scenario: smoke
-- server: --hold-batch 0
-- caught-by: stay_mismatch
--
-- An off-by-one in the date arithmetic of the hold: every night of the stay is moved
-- one day on, in the counters, in the hold and so in the booking and its details. The
-- answer to the client still echoes the dates it asked for. Every invariant inside the
-- database holds (counters, holds and details agree with one another); only comparing
-- each booking with what its client asked for shows the shifted stay.
CREATE OR REPLACE FUNCTION create_booking_hold(p_user_id bigint, p_room_type_id bigint,
                                    p_check_in date, p_check_out date, p_quantity int,
                                    p_ttl interval DEFAULT '15 minutes')
RETURNS TABLE(status text, hold_id bigint, hold_expiry timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_nights int;
    v_free int;
    v_in date := p_check_in + 1;    -- BUG: one night on
    v_out date := p_check_out + 1;
BEGIN
    IF NOT booking_hold_valid(p_user_id, p_check_in, p_check_out, p_quantity, p_ttl) THEN
        status := 'invalid'; RETURN NEXT; RETURN;
    END IF;
    SELECT l.nights, l.min_free INTO v_nights, v_free
      FROM booking_lock_nights(p_room_type_id, v_in, v_out) l;
    IF v_nights < v_out - v_in THEN
        status := 'no_inventory'; RETURN NEXT; RETURN;
    END IF;
    IF v_free < p_quantity THEN
        status := 'sold_out'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_shift_nights(p_room_type_id, v_in, v_out, 0, p_quantity);
    SELECT n.hold_id, n.hold_expiry INTO hold_id, hold_expiry
      FROM booking_insert_hold(p_user_id, p_room_type_id, v_in, v_out, p_quantity, p_ttl) n;
    status := 'held'; RETURN NEXT;
END
$$;
