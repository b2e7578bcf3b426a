-- mutant batch-one-too-many: a hold batch that crosses the allotment grants one room too many
-- replaces: api_hold_batch, api_hold_batch_take
-- scenario: last-room
-- caught-by: oversold_tables
--
-- The batch's grant test reads "sold out once nothing is left" (v_free < 0) where it
-- should read "sold out when this request does not fit" (v_free < quantity): the request
-- that crosses the allotment is granted too, one room past it. The counters are then
-- raised by at most what the nights can take ("kept within the allotment", in
-- api_hold_batch_take, which only api_hold_batch calls), so every row satisfies the
-- CHECK constraint while one more live hold exists than rooms: only
-- the tables (live holds + Confirmed details) show the oversold night. lastroomd sends a
-- batch only when several holds of one lane wait together (coalesce.h): last-room's
-- fifty VUs released at once make that happen on its one room.
CREATE OR REPLACE FUNCTION api_hold_batch(p_user_ids bigint[], p_room_type_ids bigint[],
                                          p_check_ins date[], p_check_outs date[],
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
    v_rt bigint;            -- the stay being served
    v_in date;
    v_out date;
    v_stay text;            -- every request's outcome of that stay when it cannot be held
    v_nights int;
    v_free int;
    v_taken int := 0;
    h record;
    i int;
BEGIN
    IF n = 0 OR n > 1000 OR array_length(p_quantities, 1) IS DISTINCT FROM n
       OR array_length(p_room_type_ids, 1) IS DISTINCT FROM n
       OR array_length(p_check_ins, 1) IS DISTINCT FROM n
       OR array_length(p_check_outs, 1) IS DISTINCT FROM n
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
    -- 3-4. the pending requests by stay, in (room type, check-in, check-out) order, and
    -- in arrival order within a stay, as api_hold_capped would take them
    FOR i IN SELECT s FROM generate_subscripts(p_user_ids, 1) s
              WHERE NOT v_replay[s] AND v_dup[s] IS NULL
              ORDER BY p_room_type_ids[s], p_check_ins[s], p_check_outs[s], s LOOP
        IF v_rt IS NULL OR p_room_type_ids[i] IS DISTINCT FROM v_rt
           OR p_check_ins[i] IS DISTINCT FROM v_in OR p_check_outs[i] IS DISTINCT FROM v_out THEN
            -- a new stay: the last one's counters, then this one's nights, once
            PERFORM api_hold_batch_take(v_rt, v_in, v_out, v_taken);
            v_rt := p_room_type_ids[i]; v_in := p_check_ins[i]; v_out := p_check_outs[i];
            v_stay := NULL; v_taken := 0;
            IF NOT coalesce(booking_stay_valid(v_in, v_out, 1), false) OR p_ttl IS NULL
               OR v_rt IS NULL THEN
                v_stay := 'invalid';
            ELSE
                SELECT l.nights, l.min_free INTO v_nights, v_free
                  FROM booking_lock_nights(v_rt, v_in, v_out) l;
                IF v_nights < v_out - v_in THEN
                    v_stay := 'no_inventory';
                    IF NOT EXISTS (SELECT 1 FROM room_types rt WHERE rt.room_type_id = v_rt) THEN
                        v_stay := 'room_type_not_found';
                    END IF;
                END IF;
            END IF;
        END IF;
        IF coalesce(p_max_holds[i], 0) > 0 AND api_live_holds(p_user_ids[i]) >= p_max_holds[i] THEN
            v_result[i] := 'too_many_holds';
            v_body[i] := jsonb_build_object('message', format(
                'at most %s live holds per user: confirm or release one first', p_max_holds[i]),
                'max_holds', p_max_holds[i]);
        ELSIF NOT booking_hold_valid(p_user_ids[i], v_in, v_out, p_quantities[i], p_ttl) THEN
            v_result[i] := 'invalid';
        ELSIF v_stay IS NOT NULL THEN
            v_result[i] := v_stay;
        ELSIF v_free < 0 THEN
            -- BUG: tests what is left after the last grant, not whether this one fits.
            v_result[i] := 'sold_out';
        ELSE
            SELECT * INTO h FROM booking_insert_hold(p_user_ids[i], v_rt, v_in, v_out,
                                                     p_quantities[i], p_ttl);
            v_free := v_free - p_quantities[i];
            v_taken := v_taken + p_quantities[i];
            v_result[i] := 'held';
            v_body[i] := jsonb_build_object('hold_id', h.hold_id, 'room_type_id', v_rt,
                'check_in', v_in, 'check_out', v_out, 'quantity', p_quantities[i],
                'expires_at', api_ts(h.hold_expiry));
        END IF;
    END LOOP;
    PERFORM api_hold_batch_take(v_rt, v_in, v_out, v_taken);
    -- 5. the keys record their outcomes; then the repeated keys replay them
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

-- BUG: "kept within the allotment", so the CHECK never sees the extra room.
CREATE OR REPLACE FUNCTION api_hold_batch_take(p_rt bigint, p_in date, p_out date, p_taken int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_taken > 0 THEN
        UPDATE room_inventory ri
           SET tentative_count = least(ri.tentative_count + p_taken, ri.allotment - ri.booked_count)
         WHERE ri.room_type_id = p_rt AND ri.date >= p_in AND ri.date < p_out;
    END IF;
END
$$;
