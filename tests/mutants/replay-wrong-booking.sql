-- mutant replay-wrong-booking: an idempotent replay answers the user's latest booking
-- replaces: api_confirm
-- scenario: smoke
-- profile: mixed
-- server: --confirm-batch 0
-- caught-by: replay_mismatch
--
-- A confirm replayed with its Idempotency-Key should answer exactly what the key
-- recorded. This one looks up "the user's booking" instead: the latest, which is the
-- right one only when the user has made no booking since. Nothing in the database is
-- wrong; a client that retries a confirm whose answer it lost is told another
-- booking's id. The mixed profile replays the confirm of each VU's previous confirmed
-- attempt after a newer one. Caught by replay_mismatch: the replay named another
-- booking than the one told first.
CREATE OR REPLACE FUNCTION api_confirm(p_user_id bigint, p_hold_id bigint, p_key text, p_fingerprint text,
                            OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    k record;
    c record;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT * INTO k FROM api_idem_begin(p_user_id, p_key, p_fingerprint);
        IF k.replay THEN
            result := k.result; body := k.body;
            IF k.result IN ('confirmed', 'already_confirmed') THEN
                -- BUG: "the user's booking" is taken to be the latest one.
                SELECT api_booking_json(b) INTO body FROM bookings b
                 WHERE b.user_id = p_user_id ORDER BY b.booking_id DESC LIMIT 1;
            END IF;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO c FROM confirm_booking(p_user_id, p_hold_id);
    result := c.status;
    IF c.booking_id IS NOT NULL THEN
        SELECT api_booking_json(b) INTO body FROM bookings b WHERE b.booking_id = c.booking_id;
    END IF;
    IF p_key IS NOT NULL THEN
        PERFORM api_idem_finish(p_user_id, p_key, result, body);
    END IF;
END
$$;
