-- 0006_plan_cache: the functions on the request path, in PL/pgSQL so that their plans
-- are cached.
--
-- In PostgreSQL 15 a LANGUAGE sql function that the planner cannot inline (one with a
-- FROM clause, a sub-select, an INSERT or UPDATE, or OUT parameters called in FROM) is
-- parsed, analysed and planned again on every call. A PL/pgSQL function prepares each
-- of its statements once per connection and reuses the plan. Profiled with perf during
-- the race scenario (docs/profiling.md), the parsing and planning of these SQL
-- functions (fmgr_sql) took 37% of all PostgreSQL CPU time, and PostgreSQL as a whole
-- about 85% of the machine's CPU per request.
--
-- Each function below keeps its name, arguments, results, volatility and meaning; only
-- the language changes, with the statement as it was. Functions the planner inlines
-- into their caller (booking_stay_valid, api_hold_json, api_booking_json,
-- api_room_type_json) stay in SQL, and so do those off the request path. Three
-- statements were planned again on every call for other reasons, each explained where
-- it is fixed below: api_availability, api_ts and api_hold_once.

CREATE OR REPLACE FUNCTION booking_hold_valid(p_user_id bigint, p_in date, p_out date, p_q int,
                                              p_ttl interval)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN booking_stay_valid(p_in, p_out, p_q) AND p_ttl IS NOT NULL
       AND EXISTS (SELECT 1 FROM users u WHERE u.user_id = p_user_id);
END
$$;

CREATE OR REPLACE FUNCTION booking_insert_hold(p_user_id bigint, p_rt bigint, p_in date,
                                               p_out date, p_q int, p_ttl interval,
                                               OUT hold_id bigint, OUT hold_expiry timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO booking_holds AS bh (user_id, room_type_id, check_in, check_out, quantity,
                                     hold_expiry)
    VALUES (p_user_id, p_rt, p_in, p_out, p_q, now() + p_ttl)
    RETURNING bh.hold_id, bh.hold_expiry INTO hold_id, hold_expiry;
END
$$;

-- Locks the nights in ascending date order: the LockRows node sits above the sort in
-- this plan as in the SQL version (see 0002).
CREATE OR REPLACE FUNCTION booking_lock_nights(p_rt bigint, p_in date, p_out date,
                                               OUT nights int, OUT min_free int)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT count(*)::int, min(l.allotment - l.booked_count - l.tentative_count)::int
      INTO nights, min_free
      FROM (SELECT ri.allotment, ri.booked_count, ri.tentative_count
              FROM room_inventory ri
             WHERE ri.room_type_id = p_rt AND ri.date >= p_in AND ri.date < p_out
             ORDER BY ri.date
               FOR UPDATE) AS l;
END
$$;

CREATE OR REPLACE FUNCTION api_idem_finish(p_user_id bigint, p_key text, p_result text,
                                           p_body jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idempotency_keys ik SET resp_result = p_result, resp_body = p_body
     WHERE ik.user_id = p_user_id AND ik.idem_key = p_key;
END
$$;

CREATE OR REPLACE FUNCTION api_live_holds(p_user_id bigint) RETURNS int
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*)::int FROM booking_holds h
             WHERE h.user_id = p_user_id AND h.hold_expiry > now());
END
$$;

CREATE OR REPLACE FUNCTION api_hold_get(p_user_id bigint, p_hold_id bigint,
                                        OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT api_hold_json(h) INTO body FROM booking_holds h
     WHERE h.hold_id = p_hold_id AND h.user_id = p_user_id;
    result := CASE WHEN body IS NULL THEN 'not_found' ELSE 'ok' END;
END
$$;

CREATE OR REPLACE FUNCTION api_booking_get(p_user_id bigint, p_booking_id bigint,
                                           OUT result text, OUT body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT api_booking_json(b) INTO body FROM bookings b
     WHERE b.booking_id = p_booking_id AND b.user_id = p_user_id;
    result := CASE WHEN body IS NULL THEN 'not_found' ELSE 'ok' END;
END
$$;

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

-- GET /api/availability. The 0003 version picked its room types with
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

-- api_ts was declared IMMUTABLE, but to_char is only STABLE, and PostgreSQL does not
-- inline a function whose body is less immutable than its declaration: every call went
-- through the SQL function executor, parsed and planned (about 15 us per call). As
-- STABLE, which it is, it is inlined into its callers.
CREATE OR REPLACE FUNCTION api_ts(p_t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(p_t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- api_hold_once of 0003 with the room-type check nested under the no_inventory
-- branch: as one condition ("r.status = 'no_inventory' AND NOT EXISTS (...)") it was
-- planned again on every hold.
CREATE OR REPLACE FUNCTION api_hold_once(p_user_id bigint, p_room_type_id bigint,
                                         p_check_in date, p_check_out date, p_quantity int,
                                         p_ttl interval, p_unsafe boolean,
                                         OUT result text, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF p_unsafe THEN
        SELECT * INTO r FROM create_booking_hold_unsafe(p_user_id, p_room_type_id, p_check_in,
                                                        p_check_out, p_quantity, p_ttl);
    ELSE
        SELECT * INTO r FROM create_booking_hold(p_user_id, p_room_type_id, p_check_in,
                                                 p_check_out, p_quantity, p_ttl);
    END IF;
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
