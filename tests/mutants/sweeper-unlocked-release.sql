-- mutant sweeper-unlocked-release: the sweeper gives back counters from an unlocked snapshot
-- replaces: release_expired_holds_batch
-- scenario: smoke
-- profile: mixed
-- server: --hold-ttl 1s --sweep-interval 200ms
-- caught-by: tentative_mismatch
-- reliable: yes
--
-- The sweeper deletes its batch of expired holds as before, but reads the nights'
-- tentative_count in one plain SELECT, without the row locks, and later writes
-- <that value - released rooms> back. A hold, confirm or release committed on one of
-- those nights in between is overwritten: the counter drifts from the live holds.
-- Caught by tentative_mismatch.
--
-- The window is forced, not left to luck: after the stale read the sweeper waits (at
-- most 2 s, well inside the sweeper's statement_timeout) until another transaction has
-- changed the tentative_count of one of its nights, then writes. It holds no lock on
-- room_inventory while it waits, so the workload's holds and confirms go on freely.
-- (A pause between each night's read and write, as before, let the nights already
-- written stay locked, so the writers that would have raced it waited behind it, and
-- a window with no writer in it lost nothing: caught in 1 or 2 of 3 seeded runs.)
CREATE OR REPLACE FUNCTION release_expired_holds_batch(p_batch int)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_released int;
    v_rts bigint[];
    v_dates date[];
    v_qs int[];
    v_stale int[];
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
    IF v_rts IS NULL THEN
        RETURN v_released;
    END IF;
    -- BUG: a plain read (the snapshot of the statement), not the locked rows
    SELECT array_agg(ri.tentative_count ORDER BY k.i) INTO v_stale
      FROM generate_subscripts(v_rts, 1) AS k(i)
      JOIN room_inventory ri ON ri.room_type_id = v_rts[k.i] AND ri.date = v_dates[k.i];
    -- the window, forced: until one of the nights has changed under us (at most 2 s)
    FOR t IN 1 .. 200 LOOP
        EXIT WHEN EXISTS (
            SELECT 1 FROM generate_subscripts(v_rts, 1) AS k(i)
              JOIN room_inventory ri ON ri.room_type_id = v_rts[k.i] AND ri.date = v_dates[k.i]
             WHERE ri.tentative_count <> v_stale[k.i]);
        PERFORM pg_sleep(0.01);
    END LOOP;
    FOR i IN 1 .. array_length(v_rts, 1) LOOP
        UPDATE room_inventory ri SET tentative_count = v_stale[i] - v_qs[i]
         WHERE ri.room_type_id = v_rts[i] AND ri.date = v_dates[i];
    END LOOP;
    RETURN v_released;
END
$$;
