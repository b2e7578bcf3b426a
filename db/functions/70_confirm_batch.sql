-- confirm_batch: many confirm requests in one transaction.
--
-- In a flash sale the confirms that follow the holds all move rooms on the same few
-- inventory rows. One confirm per transaction serialises them on the rows' locks, each
-- keeping the lock through its own commit's WAL flush. lastroomd gathers the confirm
-- requests that wait together (coalesce.h) and sends them as one call of
-- api_confirm_batch: every lock is taken once, in the order below, then each request is
-- confirmed by confirm_booking itself, in arrival order, and one commit answers them all.
--
-- The outcome of every request is the one api_confirm (40_api.sql) would give it if the
-- requests were made one after the other in arrival order, because each one IS a call
-- of confirm_booking, in that order, in one transaction: confirmed, already_confirmed
-- (also the second of two requests of one batch for the same hold), expired, not_found
-- (also a hold of another user), a replay of an Idempotency-Key's recorded outcome, or
-- key_reused. Two requests of one batch with the same user and key behave as the second
-- waiting for the first: it replays the first one's outcome (or key_reused when the
-- fingerprints differ).
--
-- Locks, in the order of the single function, so that a batch and single calls (of this
-- lastroomd or another) can never wait on each other in a cycle:
--   1. the idempotency keys, inserted in (user, key) order;
--   2. the holds' rows, FOR UPDATE, in hold_id order (api_confirm: its one hold);
--   3. the nights of all those holds, FOR UPDATE, in (room_type_id, date) order
--      (api_confirm: its hold's nights, in date order);
--   then confirm_booking runs for each request; the locks it asks for are already held.
-- Hold rows are always taken before any inventory row (release, cancel and the sweeper,
-- which skips locked holds, do the same), and inventory rows always in one global order,
-- so no cycle. Nothing here grants rooms: a confirm moves a hold's rooms from
-- tentative_count to booked_count, and a hold is deleted by the confirm that consumes it,
-- so a second request for it (in this batch or later) finds it gone and cannot confirm
-- it again. The CHECK constraint on room_inventory stays the last line of defence (a
-- violation rolls back the whole batch, and lastroomd answers each request as the
-- single call would).

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
        SELECT * INTO c FROM confirm_booking(p_user_ids[i], p_hold_ids[i]);
        v_result[i] := c.status;
        IF c.booking_id IS NOT NULL THEN
            SELECT api_booking_json(b) INTO v_one FROM bookings b WHERE b.booking_id = c.booking_id;
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
