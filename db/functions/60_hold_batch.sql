-- hold_batch: many hold requests for one room type and one stay in one transaction.
--
-- A flash sale puts thousands of holds on the same few inventory rows. One hold per
-- transaction serialises them on the rows' locks, each keeping the lock through its own
-- commit's WAL flush. lastroomd gathers the hold requests that wait for the same
-- (room type, check-in, check-out) and sends them as one call of api_hold_batch: the
-- rows are locked once, the requests are granted in arrival order until the rooms run
-- out, and one commit answers them all.
--
-- The outcome of every request is the one that api_hold_capped (50_api_hold_cap.sql)
-- would give it if the requests were made one after the other in arrival order:
-- held, sold_out, no_inventory, room_type_not_found, invalid, too_many_holds, a replay
-- of an Idempotency-Key's recorded outcome, or key_reused. Two requests of one batch
-- with the same user and key behave as the second waiting for the first: it replays
-- the first one's outcome (or key_reused when the fingerprints differ).
--
-- Locks, in the order of the single function, so that a batch and single holds (of
-- this lastroomd or another) can never wait on each other in a cycle:
--   1. the idempotency keys, inserted in (user, key) order;
--   2. the users' rows of the capped requests, FOR NO KEY UPDATE, in user_id order;
--   3. the nights of the stay, once, in date order (booking_lock_nights);
--   then the holds are inserted and every night's tentative_count is raised once by
--   the rooms granted. Grants are checked against the free rooms read under the locks
--   and decremented as they go, so the sum never exceeds what was free; the CHECK
--   constraint on room_inventory stays the last line of defence (a violation rolls back
--   the whole batch, and lastroomd answers each request as the single call would).

CREATE OR REPLACE FUNCTION api_hold_batch(p_user_ids bigint[], p_room_type_id bigint,
                                          p_check_in date, p_check_out date,
                                          p_quantities int[], p_ttl interval,
                                          p_keys text[], p_fingerprints text[],
                                          p_max_holds int[])
RETURNS TABLE(idx int, result text, body jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n int := coalesce(array_length(p_user_ids, 1), 0);
    v_result text[];
    v_body jsonb[];
    v_replay boolean[];
    v_dup int[];            -- i -> the earlier request of this batch with i's user and key
    v_stay text;            -- every pending request's outcome when the stay cannot be held
    v_nights int;
    v_free int;
    v_taken int := 0;
    h record;
    i int;
BEGIN
    IF n = 0 OR n > 1000 OR array_length(p_quantities, 1) IS DISTINCT FROM n
       OR array_length(p_keys, 1) IS DISTINCT FROM n
       OR array_length(p_fingerprints, 1) IS DISTINCT FROM n
       OR array_length(p_max_holds, 1) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'api_hold_batch: 1..1000 requests, every array of the same length'
            USING ERRCODE = '22023';
    END IF;
    -- 1. keys, in (user, key) order; the first of a repeated key owns it
    SELECT b.replay, b.result, b.body, b.dup INTO v_replay, v_result, v_body, v_dup
      FROM api_batch_keys(p_user_ids, p_keys, p_fingerprints) b;
    -- 2. the users whose live holds are capped, before any inventory row
    PERFORM 1 FROM users u
     WHERE u.user_id IN (SELECT p_user_ids[s] FROM generate_subscripts(p_user_ids, 1) s
                          WHERE NOT v_replay[s] AND v_dup[s] IS NULL
                            AND coalesce(p_max_holds[s], 0) > 0)
     ORDER BY u.user_id FOR NO KEY UPDATE;
    -- 3. the stay, once: its nights locked in date order
    IF NOT booking_stay_valid(p_check_in, p_check_out, 1) OR p_ttl IS NULL THEN
        v_stay := 'invalid';
    ELSIF EXISTS (SELECT 1 FROM generate_subscripts(p_user_ids, 1) s
                   WHERE NOT v_replay[s] AND v_dup[s] IS NULL) THEN
        SELECT l.nights, l.min_free INTO v_nights, v_free
          FROM booking_lock_nights(p_room_type_id, p_check_in, p_check_out) l;
        IF v_nights < p_check_out - p_check_in THEN
            v_stay := 'no_inventory';
            IF NOT EXISTS (SELECT 1 FROM room_types rt WHERE rt.room_type_id = p_room_type_id) THEN
                v_stay := 'room_type_not_found';
            END IF;
        END IF;
    END IF;
    -- 4. the requests in arrival order, as api_hold_capped would take them
    FOR i IN 1 .. n LOOP
        CONTINUE WHEN v_replay[i] OR v_dup[i] IS NOT NULL;
        IF coalesce(p_max_holds[i], 0) > 0 AND api_live_holds(p_user_ids[i]) >= p_max_holds[i] THEN
            v_result[i] := 'too_many_holds';
            v_body[i] := jsonb_build_object('message', format(
                'at most %s live holds per user: confirm or release one first', p_max_holds[i]),
                'max_holds', p_max_holds[i]);
        ELSIF NOT booking_hold_valid(p_user_ids[i], p_check_in, p_check_out, p_quantities[i], p_ttl) THEN
            v_result[i] := 'invalid';
        ELSIF v_stay IS NOT NULL THEN
            v_result[i] := v_stay;
        ELSIF v_free < p_quantities[i] THEN
            v_result[i] := 'sold_out';
        ELSE
            SELECT * INTO h FROM booking_insert_hold(p_user_ids[i], p_room_type_id, p_check_in,
                                                     p_check_out, p_quantities[i], p_ttl);
            v_free := v_free - p_quantities[i];
            v_taken := v_taken + p_quantities[i];
            v_result[i] := 'held';
            v_body[i] := jsonb_build_object('hold_id', h.hold_id, 'room_type_id', p_room_type_id,
                'check_in', p_check_in, 'check_out', p_check_out, 'quantity', p_quantities[i],
                'expires_at', api_ts(h.hold_expiry));
        END IF;
    END LOOP;
    -- 5. the counters, once: every night of the stay (locked in step 3) takes the rooms held
    IF v_taken > 0 THEN
        UPDATE room_inventory ri SET tentative_count = ri.tentative_count + v_taken
         WHERE ri.room_type_id = p_room_type_id AND ri.date >= p_check_in AND ri.date < p_check_out;
    END IF;
    -- 6. the keys record their outcomes; then the repeated keys replay them
    FOR i IN 1 .. n LOOP
        IF p_keys[i] IS NOT NULL AND NOT v_replay[i] AND v_dup[i] IS NULL THEN
            PERFORM api_idem_finish(p_user_ids[i], p_keys[i], v_result[i], v_body[i]);
        END IF;
    END LOOP;
    SELECT r.result, r.body INTO v_result, v_body
      FROM api_batch_replays(p_user_ids, p_keys, p_fingerprints, v_dup, v_result, v_body) r;
    RETURN QUERY SELECT s, v_result[s], v_body[s] FROM generate_subscripts(p_user_ids, 1) s ORDER BY s;
END
$$;
