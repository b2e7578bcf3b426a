-- mutant batch-confirm-moves-first: a confirm batch moves the rooms of its first confirm only
-- replaces: api_confirm_batch
-- scenario: race
-- caught-by: booked_mismatch
--
-- A batch "optimised" to move rooms from tentative_count to booked_count once: its first
-- confirm goes through confirm_booking, the later ones insert their booking, its details
-- and delete their hold but leave the counters alone. Every answer is right and the
-- CHECK constraint never fires; but booked_count then counts fewer rooms than the
-- Confirmed details (and tentative_count more than the live holds), and the nights can
-- be sold again. lastroomd sends a batch only when several confirms of one lane wait
-- together (coalesce.h): the race's fifty VUs make such batches within its few seconds.
CREATE OR REPLACE FUNCTION api_confirm_batch(p_user_ids bigint[], p_hold_ids bigint[],
                                             p_keys text[], p_fingerprints text[])
RETURNS TABLE(idx int, result text, body jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n int := coalesce(array_length(p_user_ids, 1), 0);
    v_result text[];
    v_body jsonb[];
    v_replay boolean[];
    v_dup int[];            -- i -> the earlier request of this batch with i's user and key
    v_holds bigint[];       -- the holds of the requests that will run
    v_one jsonb;
    v_moved boolean := false;  -- whether this batch moved rooms yet
    v_status text;
    v_booking bigint;
    h booking_holds%ROWTYPE;
    c record;
    i int;
BEGIN
    IF n = 0 OR n > 1000 OR array_length(p_hold_ids, 1) IS DISTINCT FROM n
       OR array_length(p_keys, 1) IS DISTINCT FROM n
       OR array_length(p_fingerprints, 1) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'api_confirm_batch: 1..1000 requests, every array of the same length'
            USING ERRCODE = '22023';
    END IF;
    -- 1. keys, in (user, key) order; the first of a repeated key owns it
    SELECT b.replay, b.result, b.body, b.dup INTO v_replay, v_result, v_body, v_dup
      FROM api_batch_keys(p_user_ids, p_keys, p_fingerprints) b;
    SELECT array_agg(p_hold_ids[s]) INTO v_holds FROM generate_subscripts(p_user_ids, 1) s
     WHERE NOT v_replay[s] AND v_dup[s] IS NULL;
    -- 2. the holds, in hold_id order
    PERFORM 1 FROM booking_holds bh WHERE bh.hold_id = ANY (v_holds)
     ORDER BY bh.hold_id FOR UPDATE;
    -- 3. their nights, in (room type, date) order; LockRows sits above the sort
    PERFORM 1 FROM (SELECT ri.room_type_id FROM room_inventory ri
                     WHERE EXISTS (SELECT 1 FROM booking_holds bh
                                    WHERE bh.hold_id = ANY (v_holds)
                                      AND ri.room_type_id = bh.room_type_id
                                      AND ri.date >= bh.check_in AND ri.date < bh.check_out)
                     ORDER BY ri.room_type_id, ri.date FOR UPDATE) l;
    -- 4. the requests in arrival order, each the single confirm
    FOR i IN 1 .. n LOOP
        CONTINUE WHEN v_replay[i] OR v_dup[i] IS NOT NULL;
        SELECT * INTO h FROM booking_holds bh WHERE bh.hold_id = p_hold_ids[i];
        IF FOUND AND v_moved AND h.user_id = p_user_ids[i] AND h.hold_expiry > now() THEN
            -- the bug: this batch moved rooms once already, so not again
            INSERT INTO bookings AS b (user_id, hold_id, room_type_id, check_in, check_out, quantity, status)
            VALUES (h.user_id, h.hold_id, h.room_type_id, h.check_in, h.check_out, h.quantity, 'Confirmed')
            RETURNING b.booking_id INTO v_booking;
            INSERT INTO booking_details (booking_id, room_type_id, date, quantity)
            SELECT v_booking, h.room_type_id, h.check_in + g, h.quantity
              FROM generate_series(0, h.check_out - h.check_in - 1) AS g;
            DELETE FROM booking_holds bh WHERE bh.hold_id = h.hold_id;
            v_status := 'confirmed';
        ELSE
            SELECT * INTO c FROM confirm_booking(p_user_ids[i], p_hold_ids[i]);
            v_status := c.status; v_booking := c.booking_id;
            IF v_status = 'confirmed' THEN
                v_moved := true;
            END IF;
        END IF;
        v_result[i] := v_status;
        IF v_booking IS NOT NULL THEN
            SELECT api_booking_json(b) INTO v_one FROM bookings b WHERE b.booking_id = v_booking;
            v_body[i] := v_one;
        END IF;
        IF p_keys[i] IS NOT NULL THEN
            PERFORM api_idem_finish(p_user_ids[i], p_keys[i], v_result[i], v_body[i]);
        END IF;
    END LOOP;
    -- 5. the repeated keys replay their owner's outcome
    SELECT r.result, r.body INTO v_result, v_body
      FROM api_batch_replays(p_user_ids, p_keys, p_fingerprints, v_dup, v_result, v_body) r;
    RETURN QUERY SELECT s, v_result[s], v_body[s] FROM generate_subscripts(p_user_ids, 1) s ORDER BY s;
END
$$;
