-- api_hold_cap: a cap on the live holds of one user (OWASP API6, unrestricted access
-- to a sensitive business flow): without it one account could hold a whole hotel for
-- the hold's lifetime, again and again, and nobody else could book.
--
-- api_hold_capped is one hold attempt (api_hold_once, 40_api.sql) with the cap checked
-- in the same transaction as the hold. The check is race-free: the user's row is locked
-- first (FOR NO KEY UPDATE), so two holds of one user run the count-and-hold one after
-- the other and cannot both pass. Lock order stays deadlock-free: the user row is taken before any inventory row,
-- and FOR NO KEY UPDATE does not conflict with the FOR KEY SHARE that foreign-key checks
-- take on users (a confirm or an idempotency key inserting a row that references the
-- user while it holds inventory rows never waits for this lock). FOR UPDATE would: a
-- confirm holding inventory rows would wait on the user row of a hold that waits on
-- those inventory rows.
--
-- Only live holds count: confirmed and released holds are deleted, and a hold past its
-- expiry that the sweeper has not yet removed no longer counts either.

-- The number of live holds of one user.
CREATE OR REPLACE FUNCTION api_live_holds(p_user_id bigint) RETURNS int
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*)::int FROM booking_holds h
             WHERE h.user_id = p_user_id AND h.hold_expiry > now());
END
$$;

-- POST /api/holds with a cap: p_max_holds live holds per user (0 or NULL: no cap, no
-- lock). Results: those of api_hold_once (held, sold_out, ...), plus too_many_holds (nothing changed; a replay of
-- the same Idempotency-Key answers it again, as it does sold_out).
CREATE OR REPLACE FUNCTION api_hold_capped(p_user_id bigint, p_room_type_id bigint, p_check_in date,
                                p_check_out date, p_quantity int, p_ttl interval,
                                p_key text, p_fingerprint text,
                                p_max_holds int, OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    k record;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT * INTO k FROM api_idem_begin(p_user_id, p_key, p_fingerprint);
        IF k.replay THEN
            result := k.result; body := k.body; RETURN;
        END IF;
    END IF;
    IF coalesce(p_max_holds, 0) > 0 THEN
        PERFORM 1 FROM users u WHERE u.user_id = p_user_id FOR NO KEY UPDATE;
        IF api_live_holds(p_user_id) >= p_max_holds THEN
            result := 'too_many_holds';
            body := jsonb_build_object('message', format(
                'at most %s live holds per user: confirm or release one first', p_max_holds),
                'max_holds', p_max_holds);
        END IF;
    END IF;
    IF result IS NULL THEN
        SELECT o.result, o.body INTO result, body
          FROM api_hold_once(p_user_id, p_room_type_id, p_check_in, p_check_out, p_quantity,
                             p_ttl) o;
    END IF;
    IF p_key IS NOT NULL THEN
        PERFORM api_idem_finish(p_user_id, p_key, result, body);
    END IF;
END
$$;
