-- mutant sold-out-off-by-one: a hold is refused as sold out when exactly the rooms asked for are free
-- replaces: create_booking_hold
-- scenario: smoke
-- profile: mixed
-- log: inventory
-- caught-by: sold_out_while_free
--
-- The availability test compares with <= instead of <: when a night has exactly the
-- quantity asked free, the hold is answered sold_out. The last rooms are never sold.
-- Nothing in the database is wrong and every counter agrees with the tables; only the
-- clients were told a lie. Caught by sold_out_while_free: with the inventory change
-- log installed (tests/inventory-log.sql), every night of the refused stay had the
-- rooms free for the whole time between the request and its answer.
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
    IF v_free <= p_quantity THEN   -- BUG: <= for <
        status := 'sold_out'; RETURN NEXT; RETURN;
    END IF;
    PERFORM booking_shift_nights(p_room_type_id, p_check_in, p_check_out, 0, p_quantity);
    SELECT n.hold_id, n.hold_expiry INTO hold_id, hold_expiry
      FROM booking_insert_hold(p_user_id, p_room_type_id, p_check_in, p_check_out,
                               p_quantity, p_ttl) n;
    status := 'held'; RETURN NEXT;
END
$$;
