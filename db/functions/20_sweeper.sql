-- sweeper: expired holds given back, batch by batch, with one corrupted night unable to stop it.
--
-- release_expired_holds_batch gives back a whole batch of expired holds in one
-- statement. If any night's counters no longer match its holds (which only a bug can
-- cause, such as the lost updates of the test mutant `unsafe`, tests/mutants/), subtracting a hold
-- would take tentative_count below zero, the CHECK constraint refuses it, and the whole
-- batch fails: every second, for ever, and for every hold in the database, not only the
-- damaged ones. Holds would then never expire (docs/invariants.md, I5) anywhere.
--
-- Now the batch runs in a subtransaction. When the CHECK refuses it, the holds are
-- released one by one instead; a hold that cannot be given back is marked quarantined,
-- left in place and reported with a WARNING. It still counts as a live hold past its
-- expiry, so integrity_report's expired_holds_lingering and tentative_mismatch keep
-- showing the damage to operators, while all healthy holds expire as before.
--
-- A night locked by another session (an idle-in-transaction psql holding a
-- room_inventory row) would block the batch for as long as that session lives, and with
-- it the expiry of every hold in the database. The sweeper's connection sets lock_timeout
-- (src/server/sweeper.c), so the batch fails with lock_not_available instead and the
-- holds go one by one, where a hold whose nights cannot be locked at once (NOWAIT) is
-- left for a later sweep while all others are released.
--
-- Lock order in the one-by-one path: each hold's nights are locked in ascending date
-- order with NOWAIT, so this path never waits for a lock and cannot be part of a
-- deadlock; the per-hold updates then only touch rows already locked.

CREATE OR REPLACE FUNCTION release_expired_holds_batch(p_batch int)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_released int;
    v_rts bigint[];
    v_dates date[];
    v_qs int[];
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
        UPDATE room_inventory ri SET tentative_count = ri.tentative_count - v_qs[i]
         WHERE ri.room_type_id = v_rts[i] AND ri.date = v_dates[i];
    END LOOP;
    RETURN v_released;
END
$$;

-- The fallback: the holds of one batch, one at a time, quarantining those whose
-- nights cannot take them back and skipping those whose nights are locked elsewhere.
CREATE OR REPLACE FUNCTION release_expired_holds_one_by_one(p_batch int)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
    v_hold booking_holds%ROWTYPE;
    v_released int := 0;
BEGIN
    SELECT array_agg(hold_id ORDER BY hold_expiry) INTO v_ids FROM (
        SELECT bh.hold_id, bh.hold_expiry FROM booking_holds bh
         WHERE bh.hold_expiry <= now() AND NOT bh.quarantined
         ORDER BY bh.hold_expiry LIMIT p_batch
           FOR UPDATE SKIP LOCKED) AS c;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    FOR i IN 1 .. array_length(v_ids, 1) LOOP
        SELECT * INTO v_hold FROM booking_holds WHERE hold_id = v_ids[i];
        BEGIN
            PERFORM 1 FROM room_inventory ri
              WHERE ri.room_type_id = v_hold.room_type_id
                AND ri.date >= v_hold.check_in AND ri.date < v_hold.check_out
              ORDER BY ri.date FOR UPDATE NOWAIT;
            DELETE FROM booking_holds WHERE hold_id = v_hold.hold_id;
            UPDATE room_inventory ri SET tentative_count = ri.tentative_count - v_hold.quantity
             WHERE ri.room_type_id = v_hold.room_type_id
               AND ri.date >= v_hold.check_in AND ri.date < v_hold.check_out;
            v_released := v_released + 1;
        EXCEPTION WHEN check_violation THEN
            UPDATE booking_holds SET quarantined = true WHERE hold_id = v_hold.hold_id;
            RAISE WARNING 'hold % quarantined: room type % nights [%, %) hold fewer tentative rooms than its quantity %; the counters no longer match the holds (see integrity_report)',
                v_hold.hold_id, v_hold.room_type_id, v_hold.check_in, v_hold.check_out, v_hold.quantity;
        WHEN lock_not_available THEN
            NULL;  -- a night locked elsewhere: this hold waits for a later sweep
        END;
    END LOOP;
    RETURN v_released;
END
$$;

-- The sweeper: deletes up to p_batch holds whose hold_expiry <= now(), skipping holds
-- that another transaction has locked (a confirm in progress), and gives their rooms
-- back, night by night in ascending (room_type_id, date) order. Returns how many holds
-- it released (0 when p_batch < 1). Call it again while it returns p_batch. Under a
-- lock_timeout, a night locked elsewhere costs one timeout and then only its own holds.
CREATE OR REPLACE FUNCTION release_expired_holds(p_batch int DEFAULT 1000)
RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
    IF p_batch IS NULL OR p_batch < 1 THEN
        RETURN 0;
    END IF;
    BEGIN
        RETURN release_expired_holds_batch(p_batch);
    EXCEPTION WHEN check_violation THEN
        NULL;  -- a damaged night in this batch: fall through to one hold at a time
    WHEN lock_not_available THEN
        NULL;  -- a night locked past lock_timeout: the same, skipping that hold
    END;
    RETURN release_expired_holds_one_by_one(p_batch);
END
$$;
