#!/usr/bin/env bash
# server_idem_race.sh: the idempotency key's row vanishing between api_idem_begin's
# INSERT ... ON CONFLICT (which found it) and its SELECT (which reads it), as when the
# sweeper deletes a day-old key at that moment. The window is forced, not waited for:
# on a scratch database, a statement trigger after every INSERT into idempotency_keys
# deletes the finished row of one key, so the SELECT that follows the conflicting
# INSERT finds nothing. The key is then free and claimed again: the request is a new
# one, answered 201 with a new hold, and the key records it. The same request against
# api_idem_begin without the second claim (as it was before) is shown to be a 500.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

SRV_DB=${LASTROOM_TEST_DB%/*}/lastroom_idem_race
PGOPTIONS=--client-min-messages=warning psql_q "DROP DATABASE IF EXISTS lastroom_idem_race WITH (FORCE)" \
  && psql_q "CREATE DATABASE lastroom_idem_race" || { nok "scratch database"; finish; exit 1; }
srv_start --log-level warn || { nok "lastroomd starts"; finish; exit 1; }
sq() { psql -X -qAt -v ON_ERROR_STOP=1 "$SRV_DB" -c "$1"; }
admin_token
new_user
new_room 10
KEY=race-$$
hold() { api POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-03","quantity":1}' \
  "$USER_TOKEN" -H "Idempotency-Key: $KEY"; }
key_row() { sq "SELECT resp_result || ' ' || (resp_body->>'hold_id') FROM idempotency_keys WHERE idem_key = '$KEY'"; }

hold
FIRST=$(jf .hold_id)
expect_eq "the first hold with the key is 201" "201" "$HTTP_STATUS"
hold
expect_eq "its replay answers the same hold" "201 $FIRST" "$HTTP_STATUS $(jf .hold_id)"

# the sweeper's delete, at the worst moment: right after each INSERT statement
sq "CREATE TABLE race_hits (n int);
    CREATE FUNCTION race_forget() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN
        DELETE FROM idempotency_keys WHERE idem_key = '$KEY' AND resp_result IS NOT NULL;
        IF FOUND THEN INSERT INTO race_hits VALUES (1); END IF;
        RETURN NULL;
    END \$\$;
    CREATE TRIGGER race_forget AFTER INSERT ON idempotency_keys
        FOR EACH STATEMENT EXECUTE FUNCTION race_forget();"
hold
SECOND=$(jf .hold_id)
check "the row vanished in the window: the key is claimed again, 201 with a new hold ($FIRST, then $SECOND)" \
  test "$HTTP_STATUS" = 201 -a -n "$SECOND" -a "$SECOND" != "$FIRST"
expect_eq "the window was hit exactly once" "1" "$(sq "SELECT count(*) FROM race_hits")"
expect_eq "the key now records the new hold" "held $SECOND" "$(key_row)"
expect_eq "both holds exist, no more" "2" "$(sq "SELECT count(*) FROM booking_holds WHERE room_type_id = $RT")"
sq "DROP TRIGGER race_forget ON idempotency_keys"
hold
expect_eq "without the delete, a replay answers the new hold" "201 $SECOND" "$HTTP_STATUS $(jf .hold_id)"

# api_idem_begin with one claim only: the same window gives a 500
sq "CREATE TRIGGER race_forget AFTER INSERT ON idempotency_keys
        FOR EACH STATEMENT EXECUTE FUNCTION race_forget();
    CREATE OR REPLACE FUNCTION api_idem_begin(p_user_id bigint, p_key text, p_fingerprint text,
                                   OUT replay boolean, OUT result text, OUT body jsonb)
    LANGUAGE plpgsql AS \$\$
    DECLARE k idempotency_keys%ROWTYPE;
    BEGIN
        INSERT INTO idempotency_keys (user_id, idem_key, fingerprint)
        VALUES (p_user_id, p_key, p_fingerprint) ON CONFLICT DO NOTHING;
        IF FOUND THEN replay := false; RETURN; END IF;
        SELECT * INTO k FROM idempotency_keys ik WHERE ik.user_id = p_user_id AND ik.idem_key = p_key;
        replay := true;
        IF k.fingerprint <> p_fingerprint THEN result := 'key_reused';
        ELSE result := k.resp_result; body := k.resp_body; END IF;
    END \$\$;"
hold
expect_eq "with one claim only, the same window is a 500" "500 internal_error" "$HTTP_STATUS $(jf .error.code)"
srv_stop
expect_eq "lastroomd stops cleanly" "0" "$SRV_RC"
PGOPTIONS=--client-min-messages=warning psql_q "DROP DATABASE IF EXISTS lastroom_idem_race WITH (FORCE)"
finish
