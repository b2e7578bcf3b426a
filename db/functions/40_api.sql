-- api: what lastroomd needs beside the booking functions of 10_booking.sql.
--
-- Every HTTP route that touches the database makes exactly one call of one api_*
-- function here (one round trip, one transaction). Each returns (result text, body
-- jsonb): result is the outcome named in docs/contract.md terms ('held', 'sold_out',
-- 'hotel_not_found', ...); body is the response document for a success, and may carry
-- {"message": ...} for a refusal. lastroomd maps result to an HTTP status; it never
-- re-implements a booking rule.
--
-- Idempotency keys (table idempotency_keys, db/migrations/0003_api.sql): POST /api/holds
-- and POST /api/bookings may carry a key. The key's row is inserted in the same
-- transaction as the booking operation and records its outcome, so either both commit
-- or neither does. A concurrent second request with the same key waits on the first
-- one's row (unique index) and then replays its outcome.
--
-- Functions on the request path are PL/pgSQL, so that each statement is prepared once
-- per connection and its plan reused; a LANGUAGE sql function that the planner cannot
-- inline is parsed and planned again on every call (docs/profiling.md measured that at
-- 37% of PostgreSQL CPU in the race scenario). Functions the planner inlines into
-- their caller (booking_stay_valid, api_hold_json, api_booking_json,
-- api_room_type_json) stay in SQL, and so do those off the request path.

-- Claims key p_key for p_user_id, or finds the outcome recorded under it. replay is
-- false when the caller now owns the key (and must call api_idem_finish); otherwise
-- result/body are the recorded outcome, or result 'key_reused' when the key was first
-- used with another request (another fingerprint).
CREATE OR REPLACE FUNCTION api_idem_begin(p_user_id bigint, p_key text, p_fingerprint text,
                               OUT replay boolean, OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_keys%ROWTYPE;
BEGIN
    -- The sweeper may forget a day-old key between the INSERT that finds it and the
    -- SELECT that reads it (each statement sees the rows committed when it starts): the
    -- key is then free, so claim it again. The second INSERT cannot meet a day-old row.
    FOR attempt IN 1 .. 2 LOOP
        INSERT INTO idempotency_keys (user_id, idem_key, fingerprint)
        VALUES (p_user_id, p_key, p_fingerprint) ON CONFLICT DO NOTHING;
        IF FOUND THEN
            replay := false; RETURN;
        END IF;
        SELECT * INTO k FROM idempotency_keys ik WHERE ik.user_id = p_user_id AND ik.idem_key = p_key;
        EXIT WHEN FOUND;
    END LOOP;
    IF k.user_id IS NULL THEN
        RAISE EXCEPTION 'idempotency key row vanished twice' USING ERRCODE = '40001';
    END IF;
    replay := true;
    IF k.fingerprint <> p_fingerprint THEN
        result := 'key_reused';
    ELSE
        result := k.resp_result; body := k.resp_body;
    END IF;
END
$$;

-- Records the outcome of the operation done under a key claimed by api_idem_begin.
CREATE OR REPLACE FUNCTION api_idem_finish(p_user_id bigint, p_key text, p_result text,
                                           p_body jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idempotency_keys ik SET resp_result = p_result, resp_body = p_body
     WHERE ik.user_id = p_user_id AND ik.idem_key = p_key;
END
$$;


-- api_ts was declared IMMUTABLE, but to_char is only STABLE, and PostgreSQL does not
-- inline a function whose body is less immutable than its declaration: every call went
-- through the SQL function executor, parsed and planned (about 15 us per call). As
-- STABLE, which it is, it is inlined into its callers.
CREATE OR REPLACE FUNCTION api_ts(p_t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(p_t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE OR REPLACE FUNCTION api_hold_json(h booking_holds) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('hold_id', h.hold_id, 'room_type_id', h.room_type_id,
        'check_in', h.check_in, 'check_out', h.check_out, 'quantity', h.quantity,
        'expires_at', api_ts(h.hold_expiry))
$$;

CREATE OR REPLACE FUNCTION api_booking_json(b bookings) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('booking_id', b.booking_id, 'hold_id', b.hold_id,
        'room_type_id', b.room_type_id, 'check_in', b.check_in, 'check_out', b.check_out,
        'quantity', b.quantity, 'status', b.status, 'created_at', api_ts(b.created_at))
$$;

-- One hold attempt, without a key. 'no_inventory' becomes 'room_type_not_found' when
-- the room type itself is unknown. The room-type check is nested under the no_inventory
-- branch: as one condition ("r.status = 'no_inventory' AND NOT EXISTS (...)") it was
-- planned again on every hold.
CREATE OR REPLACE FUNCTION api_hold_once(p_user_id bigint, p_room_type_id bigint,
                                         p_check_in date, p_check_out date, p_quantity int,
                                         p_ttl interval,
                                         OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM create_booking_hold(p_user_id, p_room_type_id, p_check_in,
                                             p_check_out, p_quantity, p_ttl);
    result := r.status;
    IF r.status = 'held' THEN
        body := jsonb_build_object('hold_id', r.hold_id, 'room_type_id', p_room_type_id,
            'check_in', p_check_in, 'check_out', p_check_out, 'quantity', p_quantity,
            'expires_at', api_ts(r.hold_expiry));
    ELSIF r.status = 'no_inventory' THEN
        IF NOT EXISTS (SELECT 1 FROM room_types rt WHERE rt.room_type_id = p_room_type_id) THEN
            result := 'room_type_not_found';
        END IF;
    END IF;
END
$$;

-- POST /api/bookings: confirm hold p_hold_id of p_user_id. Results: confirmed,
-- already_confirmed (body: that booking), expired, not_found, key_reused.
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
            result := k.result; body := k.body; RETURN;
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

-- POST /api/bookings/{id}/cancel. Results: cancelled (body: the booking, now
-- Cancelled), already_cancelled, not_found.
CREATE OR REPLACE FUNCTION api_cancel(p_user_id bigint, p_booking_id bigint, OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.status INTO result FROM cancel_booking(p_user_id, p_booking_id) c;
    IF result = 'cancelled' THEN
        SELECT api_booking_json(b) INTO body FROM bookings b WHERE b.booking_id = p_booking_id;
    END IF;
END
$$;

-- DELETE /api/holds/{id}. Results: released, not_found.
CREATE OR REPLACE FUNCTION api_release(p_user_id bigint, p_hold_id bigint, OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.status INTO result FROM release_hold(p_user_id, p_hold_id) r;
    IF result = 'released' THEN
        body := jsonb_build_object('hold_id', p_hold_id, 'status', 'released');
    END IF;
END
$$;

-- GET /api/holds/{id}: the caller's live hold. Results: ok, not_found.
CREATE OR REPLACE FUNCTION api_hold_get(p_user_id bigint, p_hold_id bigint,
                                        OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT api_hold_json(h) INTO body FROM booking_holds h
     WHERE h.hold_id = p_hold_id AND h.user_id = p_user_id;
    result := CASE WHEN body IS NULL THEN 'not_found' ELSE 'ok' END;
END
$$;

-- GET /api/bookings/{id}: the caller's booking. Results: ok, not_found.
CREATE OR REPLACE FUNCTION api_booking_get(p_user_id bigint, p_booking_id bigint,
                                           OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT api_booking_json(b) INTO body FROM bookings b
     WHERE b.booking_id = p_booking_id AND b.user_id = p_user_id;
    result := CASE WHEN body IS NULL THEN 'not_found' ELSE 'ok' END;
END
$$;

-- GET /api/bookings: the caller's latest 1000 bookings, newest first.
CREATE OR REPLACE FUNCTION api_bookings_list(p_user_id bigint, OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    result := 'ok';
    SELECT jsonb_build_object('bookings', coalesce(jsonb_agg(api_booking_json(b)
                                                             ORDER BY b.booking_id DESC), '[]'))
      INTO body
      FROM (SELECT * FROM bookings bk WHERE bk.user_id = p_user_id
             ORDER BY bk.booking_id DESC LIMIT 1000) b;
END
$$;

-- GET /api/holds: the caller's live holds (at most 1000, newest first), so that a client
-- whose answer to POST /api/holds was lost can find the hold it may have made.
CREATE OR REPLACE FUNCTION api_holds_list(p_user_id bigint, OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    result := 'ok';
    SELECT jsonb_build_object('holds', coalesce(jsonb_agg(api_hold_json(h) ORDER BY h.hold_id DESC), '[]'))
      INTO body
      FROM (SELECT * FROM booking_holds bh WHERE bh.user_id = p_user_id AND NOT bh.quarantined
             ORDER BY bh.hold_id DESC LIMIT 1000) h;
END
$$;

-- POST /api/auth/register. Emails are unique (compared as given; the server lowercases).
CREATE OR REPLACE FUNCTION api_register(p_email text, p_hash text, p_full_name text,
                             OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO users (email, password_hash, full_name) VALUES (p_email, p_hash, p_full_name)
    ON CONFLICT (email) DO NOTHING RETURNING user_id INTO v_id;
    IF v_id IS NULL THEN
        result := 'email_taken';
    ELSE
        result := 'created'; body := jsonb_build_object('user_id', v_id);
    END IF;
END
$$;

-- Creates the admin or makes an existing user with that email the admin with this hash.
CREATE OR REPLACE FUNCTION api_ensure_admin(p_email text, p_hash text) RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO users (email, password_hash, full_name, role) VALUES (p_email, p_hash, 'Administrator', 'admin')
    ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin'
    RETURNING user_id
$$;

CREATE OR REPLACE FUNCTION api_hotels(OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    result := 'ok';
    SELECT jsonb_build_object('hotels', coalesce(jsonb_agg(jsonb_build_object(
               'hotel_id', h.hotel_id, 'name', h.name, 'city', h.city, 'address', h.address)
               ORDER BY h.hotel_id), '[]'))
      INTO body FROM hotels h;
END
$$;

CREATE OR REPLACE FUNCTION api_room_type_json(rt room_types) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('room_type_id', rt.room_type_id, 'hotel_id', rt.hotel_id,
        'name', rt.name, 'capacity', rt.capacity, 'base_price_cents', rt.base_price_cents)
$$;

-- GET /api/hotels/{id}/room-types. Results: ok, hotel_not_found.
CREATE OR REPLACE FUNCTION api_room_types(p_hotel_id bigint, OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    result := CASE WHEN EXISTS (SELECT 1 FROM hotels h WHERE h.hotel_id = p_hotel_id) THEN 'ok'
                   ELSE 'hotel_not_found' END;
    SELECT jsonb_build_object('room_types', coalesce(jsonb_agg(api_room_type_json(rt)
                                                               ORDER BY rt.room_type_id), '[]'))
      INTO body FROM room_types rt WHERE rt.hotel_id = p_hotel_id;
END
$$;

-- GET /api/availability for one room type (p_room_type_id) or all of a hotel's
-- (p_hotel_id), nights [p_from, p_to). A night without an inventory row shows 0 rooms.
-- Results: ok, room_type_not_found, hotel_not_found.

-- GET /api/availability. An earlier version picked its room types with
-- "(p_room_type_id IS NOT NULL AND rt.room_type_id = p_room_type_id) OR
-- (p_room_type_id IS NULL AND rt.hotel_id = p_hotel_id)": only a plan made for the
-- actual values can fold that into an index lookup, so PostgreSQL planned the whole
-- statement again on every call (about 240 us of planning per call in the race
-- scenario, per pg_stat_statements). The room types are now chosen in PL/pgSQL
-- first, so that the one statement that remains has a plan that serves every call,
-- and the function asks for that generic plan: left to itself, PostgreSQL still
-- re-planned every call, as a plan for known values is estimated cheaper (it knows
-- the number of room types and nights), though it costs far more to make.
CREATE OR REPLACE FUNCTION api_availability(p_room_type_id bigint, p_hotel_id bigint,
                                            p_from date, p_to date,
                                            OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_rts bigint[];
BEGIN
    IF p_room_type_id IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM room_types rt WHERE rt.room_type_id = p_room_type_id) THEN
            result := 'room_type_not_found'; RETURN;
        END IF;
        v_rts := ARRAY[p_room_type_id];
    ELSE
        IF NOT EXISTS (SELECT 1 FROM hotels h WHERE h.hotel_id = p_hotel_id) THEN
            result := 'hotel_not_found'; RETURN;
        END IF;
        v_rts := ARRAY(SELECT rt.room_type_id FROM room_types rt WHERE rt.hotel_id = p_hotel_id);
    END IF;
    result := 'ok';
    WITH n AS (
        SELECT r.room_type_id, d::date AS date, coalesce(i.allotment, 0) AS a,
               coalesce(i.booked_count, 0) AS b, coalesce(i.tentative_count, 0) AS t
          FROM unnest(v_rts) AS r(room_type_id)
         CROSS JOIN generate_series(p_from, p_to - 1, interval '1 day') d
          LEFT JOIN room_inventory i ON i.room_type_id = r.room_type_id AND i.date = d::date
    ), per_rt AS (
        SELECT n.room_type_id, min(n.a - n.b - n.t) AS min_available,
               jsonb_agg(jsonb_build_object('date', n.date, 'allotment', n.a, 'booked', n.b,
                         'tentative', n.t, 'available', n.a - n.b - n.t) ORDER BY n.date) AS nights
          FROM n GROUP BY n.room_type_id
    )
    SELECT jsonb_build_object('room_types', coalesce(jsonb_agg(jsonb_build_object(
               'room_type_id', p.room_type_id, 'min_available', p.min_available, 'nights', p.nights)
               ORDER BY p.room_type_id), '[]'))
      INTO body FROM per_rt p;
END
$$;

CREATE OR REPLACE FUNCTION api_hotel_create(p_name text, p_city text, p_address text,
                                 OUT result text, OUT body jsonb)
LANGUAGE sql AS $$
    INSERT INTO hotels (name, city, address) VALUES (p_name, p_city, p_address)
    RETURNING 'created', jsonb_build_object('hotel_id', hotel_id, 'name', name, 'city', city,
                                            'address', address)
$$;

-- POST /api/admin/room-types. Results: created, hotel_not_found.
CREATE OR REPLACE FUNCTION api_room_type_create(p_hotel_id bigint, p_name text, p_capacity int, p_price bigint,
                                     OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    rt room_types%ROWTYPE;
BEGIN
    PERFORM 1 FROM hotels h WHERE h.hotel_id = p_hotel_id FOR KEY SHARE;
    IF NOT FOUND THEN
        result := 'hotel_not_found'; RETURN;
    END IF;
    INSERT INTO room_types (hotel_id, name, capacity, base_price_cents)
    VALUES (p_hotel_id, p_name, p_capacity, p_price) RETURNING * INTO rt;
    result := 'created'; body := api_room_type_json(rt);
END
$$;

-- PUT /api/admin/inventory. Results: ok, below_committed (message names the night),
-- room_type_not_found, invalid.
CREATE OR REPLACE FUNCTION api_inventory_set(p_room_type_id bigint, p_from date, p_to date, p_allotment int,
                                  OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    SELECT * INTO s FROM set_allotment(p_room_type_id, p_from, p_to, p_allotment);
    result := CASE s.status WHEN 'not_found' THEN 'room_type_not_found' ELSE s.status END;
    IF s.status = 'ok' THEN
        body := jsonb_build_object('room_type_id', p_room_type_id, 'from', p_from, 'to', p_to,
                                   'allotment', p_allotment, 'nights', s.nights);
    ELSIF s.status = 'below_committed' THEN
        body := jsonb_build_object('message', format(
            'allotment %s is below the rooms already booked or held on %s', p_allotment, s.bad_date),
            'date', s.bad_date);
    END IF;
END
$$;

-- GET /api/admin/inventory. Results: ok, room_type_not_found.
CREATE OR REPLACE FUNCTION api_inventory_get(p_room_type_id bigint, p_from date, p_to date,
                                  OUT result text, OUT body jsonb)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM room_types WHERE room_type_id = p_room_type_id) THEN 'ok'
                ELSE 'room_type_not_found' END,
           jsonb_build_object('inventory', coalesce((SELECT jsonb_agg(jsonb_build_object(
               'date', i.date, 'allotment', i.allotment, 'booked_count', i.booked_count,
               'tentative_count', i.tentative_count) ORDER BY i.date)
               FROM room_inventory i
              WHERE i.room_type_id = p_room_type_id AND i.date >= p_from AND i.date < p_to), '[]'))
$$;

-- GET /api/admin/integrity (p_room_type_id NULL: the whole database).
CREATE OR REPLACE FUNCTION api_integrity(p_room_type_id bigint, OUT result text, OUT body jsonb)
LANGUAGE sql STABLE AS $$
    SELECT 'ok', jsonb_build_object('ok', sum(r.violations) = 0, 'violations', sum(r.violations),
                                    'checks', jsonb_object_agg(r.check_name, r.violations))
      FROM integrity_report(p_room_type_id) r
$$;

-- The sweeper's call: expired holds back to the inventory (one batch), and idempotency
-- keys older than a day forgotten. Returns the holds released.
CREATE OR REPLACE FUNCTION api_sweep(p_batch int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    n := release_expired_holds(p_batch);
    DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day';
    RETURN n;
END
$$;
