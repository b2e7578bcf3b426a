-- booking_unsafe: a deliberately racy hold path, for showing that the tester catches a race.

-- !!! UNSAFE — DO NOT USE FOR REAL BOOKINGS !!!
-- The deliberately broken twin of create_booking_hold, kept only so that the load
-- tester and the tests can prove that they catch overbooking. It reads the counters
-- WITHOUT any lock, checks availability on that read, sleeps 40 ms to widen the window,
-- then writes tentative_count = <stale value + quantity>. Concurrent callers that read
-- the same value all pass the check and all write the same counter: a lost update.
-- Every row still satisfies the CHECK constraint, yet more holds exist than rooms.
-- Same arguments, result and statuses as create_booking_hold.
CREATE OR REPLACE FUNCTION create_booking_hold_unsafe(p_user_id bigint, p_room_type_id bigint,
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
