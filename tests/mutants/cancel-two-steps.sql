-- mutant cancel-two-steps: cancel gives the rooms back in one transaction and marks the booking cancelled in a second
-- replaces: cancel_booking
-- scenario: smoke
-- caught-by: oversold_in_time
--
-- A cancel split in two commits, as an application that calls "return the rooms" and
-- "mark it cancelled" separately would do. The first step runs on a connection of its
-- own (dblink, so that it commits at once); 500 ms later the booking is marked
-- Cancelled, with cancelled_at the time of that second step. In between, the room is
-- free in the counters while its booking is still Confirmed: another client can hold
-- and confirm it, and for a moment one room is sold twice. At the end every counter and
-- table agrees again; only the history of the bookings (created_at .. cancelled_at per
-- night) shows more rooms Confirmed at one moment than the allotment.
-- dblink connects back over the cluster's Unix socket as the current user, which needs
-- a superuser or a trust/peer rule: true of the test clusters of scripts/pg.sh.
CREATE EXTENSION IF NOT EXISTS dblink;

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
    -- BUG: step one commits on its own: the rooms are back while the booking stands.
    PERFORM dblink_exec(format('host=%s port=%s dbname=%s user=%s',
                               split_part(current_setting('unix_socket_directories'), ',', 1),
                               current_setting('port'), current_database(), current_user),
                        format('DO $s$ BEGIN PERFORM booking_shift_nights(%s, %L, %L, %s, 0); END $s$',
                               b.room_type_id, b.check_in, b.check_out, -b.quantity));
    PERFORM pg_sleep(0.5);   -- the window between the two steps, widened
    -- step two, "later"
    UPDATE bookings bk SET status = 'Cancelled', cancelled_at = clock_timestamp()
     WHERE bk.booking_id = p_booking_id;
    status := 'cancelled'; RETURN NEXT;
END
$$;
