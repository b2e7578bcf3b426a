-- mutant unsafe: holds read the counters without a lock and write back a stale tentative_count
-- replaces: create_booking_hold
-- scenario: last-room
-- server: --hold-batch 0
-- caught-by: oversold_tables
--
-- The classic lost update, on the hold path: the counters are read with a plain SELECT
-- (no FOR UPDATE), availability is checked on that read, and after a 40 ms pause that
-- widens the window, tentative_count is overwritten with <stale value + quantity>.
-- Concurrent callers that read the same value all pass the check and all write the
-- same counter. Every row still satisfies the CHECK constraint, yet more live holds
-- exist than rooms: the tables (live holds + Confirmed details) oversell the night.
-- Confirms then fail on the CHECK (booked_count is still changed under a lock), so the
-- clients are never told "confirmed" twice: only the tables show the damage.
CREATE OR REPLACE FUNCTION create_booking_hold(p_user_id bigint, p_room_type_id bigint,
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
    -- BUG: a plain read, no FOR UPDATE; the values go stale at once.
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
    PERFORM pg_sleep(0.04);   -- the window between the read and the write, widened
    FOR i IN 1 .. array_length(v_dates, 1) LOOP
        -- BUG: the counter computed from the stale read overwrites whatever is there.
        UPDATE room_inventory ri SET tentative_count = v_stale[i] + p_quantity
         WHERE ri.room_type_id = p_room_type_id AND ri.date = v_dates[i];
    END LOOP;
    SELECT n.hold_id, n.hold_expiry INTO hold_id, hold_expiry
      FROM booking_insert_hold(p_user_id, p_room_type_id, p_check_in, p_check_out,
                               p_quantity, p_ttl) n;
    status := 'held'; RETURN NEXT;
END
$$;
