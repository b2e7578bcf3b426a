/*
 * fuzz_api.c: libFuzzer harness for lastroomd's request handling above the HTTP
 * library: routing, the bearer token check, body parsing and every handler's
 * validation of bodies, query arguments and headers (api.c, api_auth.c,
 * api_booking.c, api_catalog.c) and the answer and deferral helpers of http.c,
 * in-process, with libmicrohttpd's connection calls and the pool stubbed out.
 *
 * Input: one byte for the credentials (0: only what the headers carry, 1: a valid
 * guest token, 2: a valid admin token, 3: an expired admin token), then
 *   METHOD PATH[?QUERY]\n  (Name: value\n)*  \n  BODY
 * Properties checked for every input:
 *   - the request is either answered or deferred to the database, never both or neither;
 *   - an answer's status and error code are among those docs/contract.md gives for a
 *     handler (400 invalid_* / missing_*, 401 unauthorized / invalid_credentials,
 *     403 forbidden, 429 rate_limited), its body one JSON error object;
 *   - nothing reaches the database without the token its route needs, and what does
 *     carries only dates within 2000-01-01..2100-12-31, stays of 1..30 nights,
 *     quantities of 1..10, inventory ranges of 1..3660 nights, allotments of 0..100000;
 *   - a deferred request whose pool gives up is answered 503 and resumed exactly once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/date.h"
#include "server/jsonx.h"
#include "server/log.h"
#include "server/api.h"
#include "server/api_db.h"
#include "server/validate.h"
#include "stub_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define BODY_MAX (64 * 1024)

static struct api_ctx api;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (auth_init() != 0)
        abort();
    log_set_level(LOG_OFF);
    auth_key_from_secret("fuzzing secret, not a real one", api.key);
    if ((api.logins = ratelimit_new(5, 60 * 1000000LL)) == NULL)
        abort();
    api.hold_ttl_ms = 15 * 60 * 1000;
    api.token_ttl_s = 3600;
    return 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* the error code of an answer body, or abort when it is not {"error":{"code","message"}} */
static void check_error_body(const char *body, int status)
{
    json_t *j = json_loads(body, 0, NULL);
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    if (code == NULL || !json_is_string(json_object_get(e, "message")))
        abort();
    int ok;
    switch (status) {
    case 400: ok = starts_with(code, "invalid_") || starts_with(code, "missing_"); break;
    case 401:
        ok = strcmp(code, "unauthorized") == 0 || strcmp(code, "invalid_credentials") == 0;
        break;
    case 429: ok = strcmp(code, "rate_limited") == 0; break;
    case 403: ok = strcmp(code, "forbidden") == 0; break;
    case 503: ok = strcmp(code, "db_pool_timeout") == 0; break;
    default: ok = 0; break;
    }
    if (!ok)
        abort();
    json_decref(j);
}

/* the date parameter i, which must lie within the API's date range */
static int param_day(const struct api_req *r, int i, int32_t *day)
{
    const char *s = r->params[i];
    if (s == NULL || date_parse(s, strlen(s), day) != 0)
        return -1;
    return *day >= date_from_ymd(2000, 1, 1) && *day <= date_from_ymd(2100, 12, 31) ? 0 : -1;
}

static long long param_int(const struct api_req *r, int i)
{
    if (r->params[i] == NULL)
        abort();
    return strtoll(r->params[i], NULL, 10);
}

/* what may reach the database */
static void check_deferred(const struct api_req *r)
{
    int32_t a, b;
    if (r->stmt < 0 || r->stmt >= STMT_COUNT || r->nparams > API_MAX_PARAMS)
        abort();
    if (r->http->match.auth != AUTH_NONE && r->user.user_id <= 0)
        abort();
    if (r->http->match.auth == AUTH_ADMIN && !r->user.is_admin)
        abort();
    switch (r->stmt) {
    case STMT_HOLD:
        if (param_day(r, HOLD_CHECK_IN, &a) || param_day(r, HOLD_CHECK_OUT, &b) || b - a < 1
            || b - a > VALIDATE_MAX_NIGHTS)
            abort();
        if (param_int(r, HOLD_QUANTITY) < 1 || param_int(r, HOLD_QUANTITY) > VALIDATE_MAX_QUANTITY
            || param_int(r, HOLD_ROOM_TYPE) < 1)
            abort();
        break;
    case STMT_AVAILABILITY:
        if (param_day(r, AVAIL_CHECK_IN, &a) || param_day(r, AVAIL_CHECK_OUT, &b) || b - a < 1
            || b - a > VALIDATE_MAX_NIGHTS)
            abort();
        break;
    case STMT_INVENTORY_SET:
        if (param_int(r, INVENTORY_ALLOTMENT) < 0 || param_int(r, INVENTORY_ALLOTMENT) > 100000)
            abort();
        /* fall through */
    case STMT_INVENTORY_GET:
        if (param_day(r, INVENTORY_FROM, &a) || param_day(r, INVENTORY_TO, &b) || b - a < 1
            || b - a > VALIDATE_MAX_INVENTORY_NIGHTS)
            abort();
        break;
    case STMT_REGISTER:
        if (r->params[REGISTER_EMAIL] == NULL
            || strlen(r->params[REGISTER_EMAIL]) > VALIDATE_EMAIL_MAX)
            abort();
        break;
    default: break;
    }
}

static void add_token(struct stub_req *s, int mode, char *line, size_t cap)
{
    struct auth_user u = { 42, mode != 1 };
    int64_t exp = (int64_t)time(NULL) + (mode == 3 ? -10 : 3600);
    int n = snprintf(line, cap, "Authorization: Bearer ");
    if (auth_token_sign(api.key, &u, exp, line + n, cap - (size_t)n) < 0)
        abort();
    stub_add_header(s, line);
}

/* mimic http.c's route(): 404 and 405 are answered before the handlers */
static void drive(struct stub_req *s)
{
    struct http_req *r = &s->r;
    enum router_rc rc = router_match(r->method, r->url, &r->match);
    if (rc != ROUTER_OK)
        return;
    api_handle(s->a);
    if (r->answered == (s->deferred == 1) || s->deferred > 1 || s->suspended != s->deferred)
        abort(); /* exactly one of answered and deferred; deferred means suspended */
    if (r->answered) {
        if (r->status == 200) {
            if (r->match.route != ROUTE_HEALTH_LIVE && r->match.route != ROUTE_METRICS)
                abort();
        } else {
            check_error_body(r->resp, r->status);
        }
        return;
    }
    check_deferred(s->a);
    s->a->job.done(&s->a->job, POOL_TIMEOUT);
    if (!r->answered || s->resumed != 1 || r->status != 503)
        abort();
    if (r->match.route == ROUTE_HEALTH) {
        if (strcmp(r->resp, "{\"status\":\"degraded\",\"db\":\"down\"}") != 0)
            abort();
    } else {
        check_error_body(r->resp, r->status);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > BODY_MAX)
        return 0;
    int mode = data[0] % 4;
    char *text = malloc(size); /* NUL-terminated copy of the head; the body is bytes */
    struct stub_req *s = malloc(sizeof *s);
    char tokline[256];
    if (text == NULL || s == NULL)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *end = text + strnlen(text, size - 1), *body = NULL; /* end of the head */
    char *sep = strstr(text, "\n\n");
    if (sep != NULL) {
        *sep = '\0';
        body = sep + 2;
        end = sep;
    }
    char *nl = strchr(text, '\n');
    if (nl != NULL)
        *nl = '\0';
    char *sp = strchr(text, ' ');
    if (sp != NULL)
        *sp = '\0';
    const char *method = sp != NULL ? text : "GET", *url = sp != NULL ? sp + 1 : text;
    if (stub_req_init(s, &api, method, url, BODY_MAX) != 0)
        abort();
    char *q = strchr(s->r.url, '?');
    if (q != NULL) {
        *q = '\0';
        stub_parse_query(s, q + 1);
    }
    if (mode != 0)
        add_token(s, mode, tokline, sizeof tokline);
    for (char *line = nl ? nl + 1 : NULL; line != NULL && line < end && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next = '\0';
        stub_add_header(s, line);
        line = next ? next + 1 : NULL;
    }
    if (body != NULL) {
        /* the body is the raw bytes after the blank line, NULs included */
        size_t off = (size_t)(body - text) + 1;
        if (buf_append(&s->r.body, data + off, size - off) != 0)
            abort();
    }
    drive(s);
    buf_free(&s->r.body);
    api_req_close(s->a);
    free(s->r.resp);
    free(s);
    free(text);
    return 0;
}
