-- batch_keys: the Idempotency-Keys of a batch function (api_hold_batch,
-- api_confirm_batch), claimed and replayed as if the batch's requests were made one
-- after the other in arrival order.

-- Claims the keys of a batch, in (user, key) order (the order every batch function locks
-- them in, before anything else). Per request i: replay[i] with the recorded result[i]
-- and body[i] when its key was already used (key_reused for another fingerprint); dup[i]
-- the earlier request of this batch with i's user and key (its owner: i then replays the
-- owner's outcome, api_batch_replays); otherwise all NULL or false: i runs.
CREATE OR REPLACE FUNCTION api_batch_keys(p_user_ids bigint[], p_keys text[], p_fingerprints text[],
                                          OUT replay boolean[], OUT result text[],
                                          OUT body jsonb[], OUT dup int[])
LANGUAGE plpgsql AS $$
DECLARE
    n int := coalesce(array_length(p_user_ids, 1), 0);
    v_owner int;
    v_prev_user bigint;
    v_prev_key text;
    k record;
    i int;
BEGIN
    result := array_fill(NULL::text, ARRAY[n]);
    body := array_fill(NULL::jsonb, ARRAY[n]);
    replay := array_fill(false, ARRAY[n]);
    dup := array_fill(NULL::int, ARRAY[n]);
    FOR i IN SELECT s FROM generate_subscripts(p_user_ids, 1) s WHERE p_keys[s] IS NOT NULL
              ORDER BY p_user_ids[s], p_keys[s], s LOOP
        IF p_user_ids[i] = v_prev_user AND p_keys[i] = v_prev_key THEN
            dup[i] := v_owner;
            CONTINUE;
        END IF;
        v_prev_user := p_user_ids[i]; v_prev_key := p_keys[i]; v_owner := i;
        SELECT * INTO k FROM api_idem_begin(p_user_ids[i], p_keys[i], p_fingerprints[i]);
        IF k.replay THEN
            replay[i] := true; result[i] := k.result; body[i] := k.body;
        END IF;
    END LOOP;
END
$$;

-- After the batch has run its requests (and api_idem_finish recorded each owner's
-- outcome): result and body with every repeated key's request (p_dup, api_batch_keys)
-- answered by its key's recorded outcome, or key_reused for another fingerprint.
CREATE OR REPLACE FUNCTION api_batch_replays(p_user_ids bigint[], p_keys text[],
                                             p_fingerprints text[], p_dup int[],
                                             INOUT result text[], INOUT body jsonb[])
LANGUAGE plpgsql AS $$
DECLARE
    k record;
    i int;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_user_ids, 1), 0) LOOP
        CONTINUE WHEN p_dup[i] IS NULL;
        SELECT * INTO k FROM api_idem_begin(p_user_ids[i], p_keys[i], p_fingerprints[i]);
        result[i] := k.result; body[i] := k.body;
    END LOOP;
END
$$;
