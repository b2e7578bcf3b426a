-- mutant sweeper-unlocked-release: the sweeper gives back counters from an unlocked snapshot
-- replaces: release_expired_holds_batch
-- scenario: smoke
-- profile: mixed
-- server: --hold-ttl 1s --sweep-interval 200ms
-- caught-by: tentative_mismatch
-- reliable: no
--   (caught in 1 or 2 of 3 seeded runs once the sweeper had lock_timeout and its
--   one-at-a-time fallback: left out of the default run until its window is forced)
--
-- The sweeper deletes its batch of expired holds as before, but computes each night's
-- new tentative_count from a plain read, without the row lock, then pauses 50 ms (the
-- window, widened) and writes <stale value - released rooms>. Holds, confirms and
-- releases on those nights in between are overwritten: the counter drifts from the
-- live holds. Only runs where holds expire meet it: the mixed profile confirms a fifth
-- of its holds late, under a 1 s TTL and a sweeper every 200 ms. Caught by
-- tentative_mismatch.
CREATE OR REPLACE FUNCTION release_expired_holds_batch(p_batch int)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_released int;
    v_rts bigint[];
    v_dates date[];
    v_qs int[];
    v_stale int;
BEGIN
    WITH picked AS (
        SELECT bh.hold_id FROM booking_holds bh
         WHERE bh.hold_expiry <= now() AND NOT bh.quarantined
         ORDER BY bh.hold_expiry LIMIT p_batch
           FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM booking_holds bh USING picked p WHERE bh.hold_id = p.hold_id
        RETURNING bh.room_type_id, bh.check_in, bh.check_out, bh.quantity
    ), per_night AS (
        SELECT g.room_type_id AS rt, g.check_in + n AS night, sum(g.quantity)::int AS q
          FROM gone g CROSS JOIN LATERAL generate_series(0, g.check_out - g.check_in - 1) AS n
         GROUP BY 1, 2
    )
    SELECT (SELECT count(*) FROM gone),
           array_agg(rt ORDER BY rt, night), array_agg(night ORDER BY rt, night),
           array_agg(q ORDER BY rt, night)
      INTO v_released, v_rts, v_dates, v_qs
      FROM per_night;
    FOR i IN 1 .. coalesce(array_length(v_rts, 1), 0) LOOP
        -- BUG: a plain read (the snapshot of the statement), not the locked row
        SELECT ri.tentative_count INTO v_stale FROM room_inventory ri
         WHERE ri.room_type_id = v_rts[i] AND ri.date = v_dates[i];
        PERFORM pg_sleep(0.05);   -- the window between the read and the write, widened
        UPDATE room_inventory ri SET tentative_count = v_stale - v_qs[i]
         WHERE ri.room_type_id = v_rts[i] AND ri.date = v_dates[i];
    END LOOP;
    RETURN v_released;
END
$$;
