/*
 * api_booking.c: validation and database calls for holds and bookings.
 */
#include "server/api_booking.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/date.h"
#include "server/api_db.h"
#include "server/coalesce.h"
#include "server/validate.h"

/* fingerprint: hex SHA-256 of text into out (65 bytes). */
static void fingerprint(const char *text, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* idempotency: set parameters key_at (the key) and fingerprint_at from the
 * Idempotency-Key header (NULL, NULL without one). The fingerprint text is what makes
 * two requests "the same". */
static int idempotency(struct api_req *r, int key_at, int fingerprint_at, const char *canonical)
{
    const char *key = http_header(r->http, "Idempotency-Key"), *why;
    if (key == NULL) {
        api_param_null(r, key_at);
        api_param_null(r, fingerprint_at);
        return 0;
    }
    if (validate_idem_key(key, &why) != 0) {
        http_reply_error(r->http, 400, "invalid_idempotency_key", why);
        return -1;
    }
    fingerprint(canonical, r->fingerprint);
    api_param_str(r, key_at, key);
    api_param_str(r, fingerprint_at, r->fingerprint);
    return 0;
}

void api_booking_hold(struct api_ctx *api, struct api_req *r)
{
    int64_t rt, q;
    int32_t in, out;
    const char *why;
    char canonical[160];
    if (api_body(r) != 0 || api_field_id(r, "room_type_id", &rt) != 0
        || api_field_date(r, "check_in", &in) != 0 || api_field_date(r, "check_out", &out) != 0
        || api_field_int(r, "quantity", 1, VALIDATE_MAX_QUANTITY, 1, 0, &q) != 0)
        return;
    if (validate_stay_dates(in, out, &why) != 0) {
        http_reply_error(r->http, 400, "invalid_check_out", why);
        return;
    }
    if (in < date_today_utc()) {
        http_reply_error(r->http, 400, "invalid_check_in",
                         "check_in is before today (UTC): past nights cannot be held");
        return;
    }
    snprintf(canonical, sizeof canonical, "hold|%" PRId64 "|%d|%d|%" PRId64, rt, in, out, q);
    if (idempotency(r, HOLD_KEY, HOLD_FINGERPRINT, canonical) != 0)
        return;
    api_param_i64(r, HOLD_USER, r->user.user_id);
    api_param_i64(r, HOLD_ROOM_TYPE, rt);
    api_param_date(r, HOLD_CHECK_IN, in);
    api_param_date(r, HOLD_CHECK_OUT, out);
    api_param_i64(r, HOLD_QUANTITY, q);
    snprintf(r->pbuf[HOLD_TTL], API_PARAM_BYTES, "%" PRId64 " milliseconds", api->hold_ttl_ms);
    api_param_str(r, HOLD_TTL, r->pbuf[HOLD_TTL]);
    api_param_i64(r, HOLD_MAX_HOLDS, api->max_holds);
    if (api->holds == NULL) {
        api_db_call(api, r, STMT_HOLD);
        return;
    }
    api_db_prepare(r, STMT_HOLD);
    coalesce_hold(api->holds, r, rt);
}

void api_booking_confirm(struct api_ctx *api, struct api_req *r)
{
    int64_t hold;
    char canonical[64];
    if (api_body(r) != 0 || api_field_id(r, "hold_id", &hold) != 0)
        return;
    snprintf(canonical, sizeof canonical, "booking|%" PRId64, hold);
    if (idempotency(r, CONFIRM_KEY, CONFIRM_FINGERPRINT, canonical) != 0)
        return;
    api_param_i64(r, CONFIRM_USER, r->user.user_id);
    api_param_i64(r, CONFIRM_HOLD, hold);
    if (api->confirms == NULL) {
        api_db_call(api, r, STMT_CONFIRM);
        return;
    }
    api_db_prepare(r, STMT_CONFIRM);
    coalesce_confirm(api->confirms, r, hold);
}

void api_booking_by_id(struct api_ctx *api, struct api_req *r)
{
    enum api_stmt stmt;
    switch (r->http->match.route) {
    case ROUTE_HOLD_GET: stmt = STMT_HOLD_GET; break;
    case ROUTE_HOLD_DELETE: stmt = STMT_RELEASE; break;
    case ROUTE_BOOKING_GET: stmt = STMT_BOOKING_GET; break;
    case ROUTE_BOOKING_CANCEL: stmt = STMT_CANCEL; break;
    case ROUTE_HOLD_LIST: stmt = STMT_HOLDS; break;
    default: stmt = STMT_BOOKINGS; break;
    }
    api_param_i64(r, 0, r->user.user_id);
    if (stmt != STMT_BOOKINGS && stmt != STMT_HOLDS)
        api_param_i64(r, 1, r->http->match.id);
    api_db_call(api, r, stmt);
}
