#!/usr/bin/env bash
# server_db_urls.sh: lastroomd's three database URLs and --pooler-safe, each shown by
# pointing one URL at a port where nothing listens: --read-db carries availability and
# only availability, --migrate-db carries the migrations and the admin (so lastroomd
# starts with --db unreachable), and a --pooler-safe server books end to end.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

dead="postgresql://postgres@127.0.0.1:$(free_port)/lastroom?connect_timeout=2"
avail() { api GET "/api/availability?room_type_id=$RT&check_in=2031-03-02&check_out=2031-03-04" "" "$USER_TOKEN"; }

# --pooler-safe with a working --read-db: the whole booking path.
check "lastroomd --pooler-safe --read-db starts" srv_start --pooler-safe --read-db "$SRV_DB" --log-level warn
admin_token; new_user; new_room 2
avail
expect_eq "availability through --read-db" "200 2" "$HTTP_STATUS $(jf '.room_types[0].min_available')"
api POST /api/holds "{\"room_type_id\":$RT,\"check_in\":\"2031-03-02\",\"check_out\":\"2031-03-04\",\"quantity\":1}" "$USER_TOKEN"
hold=$(jf .hold_id)
expect_eq "a hold in pooler-safe mode" 201 "$HTTP_STATUS"
api POST /api/bookings "{\"hold_id\":$hold}" "$USER_TOKEN"
expect_eq "confirmed in pooler-safe mode" "201 Confirmed" "$HTTP_STATUS $(jf .status)"
avail
expect_eq "availability sees it" "200 1" "$HTTP_STATUS $(jf '.room_types[0].min_available')"
srv_stop

# --read-db unreachable: availability alone is refused.
check "lastroomd with --read-db unreachable starts" srv_start --read-db "$dead" --log-level error
avail
expect_eq "availability is 503 db_unavailable" "503 db_unavailable" "$HTTP_STATUS $(jf .error.code)"
api GET /api/hotels "" "$USER_TOKEN"
expect_eq "everything else still answers (hotels)" 200 "$HTTP_STATUS"
api GET /api/bookings "" "$USER_TOKEN"
expect_eq "everything else still answers (bookings)" 200 "$HTTP_STATUS"
srv_stop

# --db unreachable, --migrate-db working: migrations and the admin need only the latter.
SRV_DB=$dead
check "lastroomd with --db unreachable and --migrate-db starts" srv_start --migrate-db "$LASTROOM_TEST_DB" --log-level error
api GET /health
expect_eq "and says its database is down" "503 down" "$HTTP_STATUS $(jf .db)"
srv_stop
finish
