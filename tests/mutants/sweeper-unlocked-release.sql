-- mutant sweeper-unlocked-release: the sweeper gives back counters from an unlocked snapshot
-- replaces: release_expired_holds_batch
-- scenario: smoke
-- profile: mixed
-- server: --hold-ttl 1s --sweep-interval 200ms
-- caught-by: tentative_mismatch
-- reliable: yes
--
-- The sweeper reads its batch of expired holds and their nights' tentative_count in
-- plain SELECTs, without any lock, then deletes those holds and writes
-- <that value - released rooms> back. A hold, confirm or release committed on one of
-- those nights in between is overwritten: the counter drifts from the live holds.
-- Caught by tentative_mismatch.
--
-- The window is forced, not left to luck: after the stale read the sweeper waits (at
-- most 2 s, well inside the sweeper's statement_timeout) until another transaction has
-- changed the tentative_count of one of its nights, then deletes and writes. It holds
-- no lock at all while it waits, so the workload's holds and confirms go on freely.
-- (Two earlier shapes lost their window. A pause between each night's read and write
-- left the nights already written locked, so the writers that would have raced it
-- waited behind it. Deleting the holds before the wait held their row locks through
-- it: a late confirm of one of them waited for the sweeper, and with confirms batched
-- (--confirm-batch) so did every confirm of its batch, so on a quiet night nothing
-- changed within the 2 s: one seeded run in six was missed.)
CREATE OR REPLACE FUNCTION release_expired_holds_batch(p_batch int)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
    v_released int;
    v_rts bigint[];
    v_dates date[];
    v_stale int[];
    v_qs int[];
BEGIN
    SELECT array_agg(bh.hold_id) INTO v_ids
      FROM (SELECT hold_id FROM booking_holds
             WHERE hold_expiry <= now() AND NOT quarantined
             ORDER BY hold_expiry LIMIT p_batch) bh;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    -- BUG: the nights' counters from a plain read (the snapshot of the statement)
    SELECT array_agg(n.rt ORDER BY n.rt, n.night), array_agg(n.night ORDER BY n.rt, n.night),
           array_agg(ri.tentative_count ORDER BY n.rt, n.night)
      INTO v_rts, v_dates, v_stale
      FROM (SELECT DISTINCT bh.room_type_id AS rt, bh.check_in + k AS night
              FROM booking_holds bh
             CROSS JOIN LATERAL generate_series(0, bh.check_out - bh.check_in - 1) AS k
             WHERE bh.hold_id = ANY (v_ids)) n
      JOIN room_inventory ri ON ri.room_type_id = n.rt AND ri.date = n.night;
    IF v_rts IS NULL THEN
        RETURN 0;
    END IF;
    -- the window, forced: until one of the nights has changed under us (at most 2 s)
    FOR t IN 1 .. 200 LOOP
        EXIT WHEN EXISTS (
            SELECT 1 FROM generate_subscripts(v_rts, 1) AS k(i)
              JOIN room_inventory ri ON ri.room_type_id = v_rts[k.i] AND ri.date = v_dates[k.i]
             WHERE ri.tentative_count <> v_stale[k.i]);
        PERFORM pg_sleep(0.01);
    END LOOP;
    WITH picked AS (
        SELECT bh.hold_id FROM booking_holds bh
         WHERE bh.hold_id = ANY (v_ids) AND bh.hold_expiry <= now() AND NOT bh.quarantined
           FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM booking_holds bh USING picked p WHERE bh.hold_id = p.hold_id
        RETURNING bh.room_type_id, bh.check_in, bh.check_out, bh.quantity
    )
    SELECT (SELECT count(*) FROM gone),
           array_agg((SELECT coalesce(sum(g.quantity), 0)::int FROM gone g
                       WHERE g.room_type_id = v_rts[k.i]
                         AND v_dates[k.i] >= g.check_in AND v_dates[k.i] < g.check_out)
                     ORDER BY k.i)
      INTO v_released, v_qs
      FROM generate_subscripts(v_rts, 1) AS k(i);
    FOR i IN 1 .. array_length(v_rts, 1) LOOP
        UPDATE room_inventory ri SET tentative_count = v_stale[i] - v_qs[i]
         WHERE ri.room_type_id = v_rts[i] AND ri.date = v_dates[i];
    END LOOP;
    RETURN v_released;
END
$$;
