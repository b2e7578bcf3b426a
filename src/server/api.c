/*
 * api.c: route dispatch, the token check, and the input helpers shared by the
 * handlers (api_auth.c, api_booking.c, api_catalog.c).
 */
#include "server/api.h"

#include <inttypes.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/date.h"
#include "server/jsonx.h"
#include "server/api_auth.h"
#include "server/api_booking.h"
#include "server/api_catalog.h"
#include "server/api_db.h"
#include "server/openapi.h"
#include "server/validate.h"

#define JSON_MAX_DEPTH 16

static int authenticate(struct api_ctx *api, struct api_req *r)
{
    const char *h = http_header(r->http, "Authorization");
    if (r->http->match.auth == AUTH_NONE)
        return 0;
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0
        || auth_token_verify(api->key, h + 7, strlen(h + 7), (int64_t)time(NULL), &r->user) != 0) {
        http_reply_error(r->http, 401, "unauthorized", "a valid bearer token is required");
        return -1;
    }
    if (r->http->match.auth == AUTH_ADMIN && !r->user.is_admin) {
        http_reply_error(r->http, 403, "forbidden", "this route is for administrators");
        return -1;
    }
    return 0;
}

void *api_req_open(void *cls, struct http_req *http)
{
    struct api_req *r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->api = cls;
        r->http = http;
    }
    return r;
}

void api_req_close(void *state)
{
    struct api_req *r = state;
    json_decref(r->json);
    sodium_memzero(r->password, sizeof r->password);
    free(r);
}

struct api_req *api_req_of_job(struct pool_job *job)
{
    return (struct api_req *)(void *)((char *)job - offsetof(struct api_req, job));
}

void api_suspend(struct api_req *r)
{
    json_decref(r->json);
    r->json = NULL;
    http_suspend(r->http);
}

void api_defer(struct api_req *r, struct pool *pool)
{
    api_suspend(r);
    pool_submit(pool, &r->job);
}

void api_handle(void *state)
{
    struct api_req *r = state;
    struct api_ctx *api = r->api;
    if (authenticate(api, r) != 0)
        return;
    switch (r->http->match.route) {
    case ROUTE_HEALTH_LIVE: http_reply(r->http, 200, strdup("{\"status\":\"ok\"}")); break;
    case ROUTE_HEALTH: api_db_call(api, r, STMT_HEALTH); break;
    case ROUTE_METRICS: api_catalog_metrics(api, r); break;
    case ROUTE_OPENAPI: http_reply(r->http, 200, strdup(openapi_json)); break;
    case ROUTE_REGISTER: api_auth_register(api, r); break;
    case ROUTE_LOGIN: api_auth_login(api, r); break;
    case ROUTE_HOTELS: api_db_call(api, r, STMT_HOTELS); break;
    case ROUTE_HOTEL_ROOM_TYPES:
        api_param_i64(r, 0, r->http->match.id);
        api_db_call(api, r, STMT_ROOM_TYPES);
        break;
    case ROUTE_AVAILABILITY: api_catalog_availability(api, r); break;
    case ROUTE_HOLD_CREATE: api_booking_hold(api, r); break;
    case ROUTE_BOOKING_CREATE: api_booking_confirm(api, r); break;
    case ROUTE_HOLD_GET:
    case ROUTE_HOLD_DELETE:
    case ROUTE_BOOKING_GET:
    case ROUTE_BOOKING_CANCEL:
    case ROUTE_BOOKING_LIST:
    case ROUTE_HOLD_LIST: api_booking_by_id(api, r); break;
    case ROUTE_ADMIN_HOTEL_CREATE: api_catalog_hotel_create(api, r); break;
    case ROUTE_ADMIN_ROOM_TYPE_CREATE: api_catalog_room_type_create(api, r); break;
    case ROUTE_ADMIN_INVENTORY_PUT: api_catalog_inventory_put(api, r); break;
    case ROUTE_ADMIN_INVENTORY_GET: api_catalog_inventory_get(api, r); break;
    case ROUTE_ADMIN_INTEGRITY: api_catalog_integrity(api, r); break;
    default: http_reply_error(r->http, 404, "not_found", "no such route"); break;
    }
}

int api_body(struct api_req *r)
{
    if (r->json != NULL)
        return 0;
    r->json = jsonx_parse_object(r->http->body.data, r->http->body.len, JSON_MAX_DEPTH);
    if (r->json == NULL) {
        http_reply_error(r->http, 400, "invalid_json",
                         "the body must be one JSON object (at most 16 levels deep)");
        return -1;
    }
    return 0;
}

/* field_error: 400 missing_<key> or invalid_<key>. */
static int field_error(struct api_req *r, enum jsonx_rc rc, const char *key, const char *why)
{
    char code[80], msg[200];
    snprintf(code, sizeof code, "%s_%s", rc == JSONX_MISSING ? "missing" : "invalid", key);
    if (rc == JSONX_MISSING)
        snprintf(msg, sizeof msg, "%s is required", key);
    else
        snprintf(msg, sizeof msg, "%s: %s", key, why);
    http_reply_error(r->http, 400, code, msg);
    return -1;
}

int api_field_id(struct api_req *r, const char *key, int64_t *out)
{
    enum jsonx_rc rc = jsonx_get_int(r->json, key, 1, INT64_MAX, out);
    return rc == JSONX_OK ? 0 : field_error(r, rc, key, "a positive integer is expected");
}

int api_field_int(struct api_req *r, const char *key, int64_t min, int64_t max, int required,
                  int64_t def, int64_t *out)
{
    char why[96];
    enum jsonx_rc rc = jsonx_get_int(r->json, key, min, max, out);
    if (rc == JSONX_MISSING && !required) {
        *out = def;
        return 0;
    }
    snprintf(why, sizeof why, "an integer from %" PRId64 " to %" PRId64 " is expected", min, max);
    return rc == JSONX_OK ? 0 : field_error(r, rc, key, why);
}

int api_field_str(struct api_req *r, const char *key, size_t min, size_t max, int required,
                  const char *def, const char **out, size_t *len)
{
    char why[96];
    enum jsonx_rc rc = jsonx_get_str(r->json, key, min, max, out, len);
    if (rc == JSONX_MISSING && !required) {
        *out = def;
        if (len != NULL)
            *len = strlen(def);
        return 0;
    }
    snprintf(why, sizeof why, "a string of %zu to %zu bytes is expected", min, max);
    return rc == JSONX_OK ? 0 : field_error(r, rc, key, why);
}

int api_field_date(struct api_req *r, const char *key, int32_t *day)
{
    const char *s, *why = "a date YYYY-MM-DD is expected";
    size_t n;
    enum jsonx_rc rc = jsonx_get_str(r->json, key, 0, 64, &s, &n);
    if (rc == JSONX_OK && validate_date(s, n, day, &why) == 0)
        return 0;
    return field_error(r, rc == JSONX_MISSING ? rc : JSONX_INVALID, key, why);
}

int api_query_id(struct api_req *r, const char *key, int required, int64_t *out)
{
    const char *s = http_query(r->http, key), *why;
    *out = 0;
    if (s == NULL || *s == '\0')
        return required ? field_error(r, JSONX_MISSING, key, "") : 0;
    if (validate_id(s, strlen(s), out, &why) != 0)
        return field_error(r, JSONX_INVALID, key, why);
    return 0;
}

int api_query_date(struct api_req *r, const char *key, int32_t *day)
{
    const char *s = http_query(r->http, key), *why;
    if (s == NULL || *s == '\0')
        return field_error(r, JSONX_MISSING, key, "");
    if (validate_date(s, strlen(s), day, &why) != 0)
        return field_error(r, JSONX_INVALID, key, why);
    return 0;
}

static void param_set(struct api_req *r, int i, const char *v)
{
    r->params[i] = v;
    if (i + 1 > r->nparams)
        r->nparams = i + 1;
}

void api_param_i64(struct api_req *r, int i, int64_t v)
{
    snprintf(r->pbuf[i], API_PARAM_BYTES, "%" PRId64, v);
    param_set(r, i, r->pbuf[i]);
}

void api_param_date(struct api_req *r, int i, int32_t day)
{
    date_format(day, r->pbuf[i]);
    param_set(r, i, r->pbuf[i]);
}

void api_param_str(struct api_req *r, int i, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > sizeof r->text - r->text_used) { /* the handlers' field caps keep below */
        param_set(r, i, "");
        return;
    }
    char *copy = r->text + r->text_used;
    memcpy(copy, s, n);
    r->text_used += n;
    param_set(r, i, copy);
}

size_t api_body_max(enum route route)
{
    switch (route) {
    case ROUTE_REGISTER:
    case ROUTE_LOGIN:
    case ROUTE_HOLD_CREATE:
    case ROUTE_BOOKING_CREATE: return API_BODY_MAX_USER;
    case ROUTE_ADMIN_HOTEL_CREATE:
    case ROUTE_ADMIN_ROOM_TYPE_CREATE:
    case ROUTE_ADMIN_INVENTORY_PUT: return API_BODY_MAX_ADMIN;
    default: return API_BODY_MAX_NONE;
    }
}

void api_param_null(struct api_req *r, int i)
{
    param_set(r, i, NULL);
}
