/*
 * api_db.c: statements, the generic statement job, and result -> HTTP mapping tables.
 */
#include "server/api_db.h"

#include <stdlib.h>
#include <string.h>

#include "server/jsonx.h"
#include "server/log.h"
#include "server/metrics.h"

#define SEL "SELECT result, body::text FROM "

const struct pool_stmt api_db_statements[STMT_COUNT] = {
    [STMT_HEALTH] = { "health", "SELECT 'ok'::text, '{\"status\":\"ok\",\"db\":\"ok\"}'::text" },
    [STMT_HOTELS] = { "hotels", SEL "api_hotels()" },
    [STMT_ROOM_TYPES] = { "room_types", SEL "api_room_types($1::bigint)" },
    [STMT_AVAILABILITY] = { "availability",
                            SEL "api_availability($1::bigint, $2::bigint, $3::date, $4::date)" },
    [STMT_HOLD] = { "hold",
                    SEL "api_hold_capped($1::bigint, $2::bigint, $3::date, $4::date, $5::int, "
                        "$6::interval, $7::text, $8::text, $9::int)" },
    [STMT_HOLD_GET] = { "hold_get", SEL "api_hold_get($1::bigint, $2::bigint)" },
    [STMT_RELEASE] = { "release", SEL "api_release($1::bigint, $2::bigint)" },
    [STMT_CONFIRM] = { "confirm", SEL "api_confirm($1::bigint, $2::bigint, $3::text, $4::text)" },
    [STMT_BOOKINGS] = { "bookings", SEL "api_bookings_list($1::bigint)" },
    [STMT_BOOKING_GET] = { "booking_get", SEL "api_booking_get($1::bigint, $2::bigint)" },
    [STMT_CANCEL] = { "cancel", SEL "api_cancel($1::bigint, $2::bigint)" },
    [STMT_REGISTER] = { "register", SEL "api_register($1::text, $2::text, $3::text)" },
    [STMT_LOGIN] = { "login",
                     "SELECT user_id, password_hash, role FROM users WHERE email = $1::text" },
    [STMT_HOTEL_CREATE] = { "hotel_create", SEL "api_hotel_create($1::text, $2::text, $3::text)" },
    [STMT_ROOM_TYPE_CREATE] = { "room_type_create", SEL
                                "api_room_type_create($1::bigint, $2::text, $3::int, $4::bigint)" },
    [STMT_INVENTORY_SET] = { "inventory_set",
                             SEL "api_inventory_set($1::bigint, $2::date, $3::date, $4::int)" },
    [STMT_INVENTORY_GET] = { "inventory_get",
                             SEL "api_inventory_get($1::bigint, $2::date, $3::date)" },
    [STMT_INTEGRITY] = { "integrity", SEL "api_integrity($1::bigint)" },
    [STMT_HOLDS] = { "holds", SEL "api_holds_list($1::bigint)" },
    /* many STMT_HOLD requests of one lane (coalesce.h): one row (idx, result, body) each */
    [STMT_HOLD_BATCH] = { "hold_batch", "SELECT idx, result, body::text FROM api_hold_batch("
                                        "$1::bigint[], $2::bigint[], $3::date[], $4::date[], "
                                        "$5::int[], $6::interval, $7::text[], $8::text[], "
                                        "$9::int[])" },
    /* many STMT_CONFIRM requests (coalesce.h): one row (idx, result, body) each */
    [STMT_CONFIRM_BATCH] = { "confirm_batch",
                             "SELECT idx, result, body::text FROM api_confirm_batch("
                             "$1::bigint[], $2::bigint[], $3::text[], $4::text[])" },
};

struct outcome {
    enum api_stmt stmt;
    const char *result;
    int status;
    const char *code; /* NULL: success, the body is the answer */
    const char *message;
    enum metrics_event ev;
};

static const struct outcome outcomes[] = {
    { STMT_HEALTH, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_HOTELS, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_ROOM_TYPES, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_ROOM_TYPES, "hotel_not_found", 404, "hotel_not_found", "no such hotel", EV_NONE },
    { STMT_AVAILABILITY, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_AVAILABILITY, "room_type_not_found", 404, "room_type_not_found", "no such room type",
      EV_NONE },
    { STMT_AVAILABILITY, "hotel_not_found", 404, "hotel_not_found", "no such hotel", EV_NONE },
    { STMT_HOLD, "held", 201, NULL, NULL, EV_HOLD_CREATED },
    { STMT_HOLD, "sold_out", 409, "sold_out", "not enough rooms left on one of the nights",
      EV_SOLD_OUT },
    { STMT_HOLD, "no_inventory", 404, "no_inventory", "a night of this stay has no inventory",
      EV_NONE },
    { STMT_HOLD, "room_type_not_found", 404, "room_type_not_found", "no such room type", EV_NONE },
    { STMT_HOLD, "invalid", 400, "invalid_request", "the stay is outside the limits", EV_NONE },
    { STMT_HOLD, "too_many_holds", 409, "too_many_holds",
      "too many live holds for this user: confirm or release one first", EV_NONE },
    { STMT_HOLD, "key_reused", 422, "idempotency_key_reused",
      "this Idempotency-Key was used with another request", EV_NONE },
    { STMT_HOLD_GET, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_HOLD_GET, "not_found", 404, "hold_not_found", "no such hold", EV_NONE },
    { STMT_RELEASE, "released", 200, NULL, NULL, EV_HOLD_RELEASED },
    { STMT_RELEASE, "not_found", 404, "hold_not_found", "no such hold", EV_NONE },
    { STMT_CONFIRM, "confirmed", 201, NULL, NULL, EV_BOOKING_CONFIRMED },
    { STMT_CONFIRM, "already_confirmed", 200, NULL, NULL, EV_NONE },
    { STMT_CONFIRM, "expired", 410, "hold_expired", "the hold has expired", EV_NONE },
    { STMT_CONFIRM, "not_found", 404, "hold_not_found", "no such hold", EV_NONE },
    { STMT_CONFIRM, "key_reused", 422, "idempotency_key_reused",
      "this Idempotency-Key was used with another request", EV_NONE },
    { STMT_BOOKINGS, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_BOOKING_GET, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_BOOKING_GET, "not_found", 404, "booking_not_found", "no such booking", EV_NONE },
    { STMT_CANCEL, "cancelled", 200, NULL, NULL, EV_BOOKING_CANCELLED },
    { STMT_CANCEL, "already_cancelled", 409, "already_cancelled",
      "the booking is already cancelled", EV_NONE },
    { STMT_CANCEL, "not_found", 404, "booking_not_found", "no such booking", EV_NONE },
    { STMT_REGISTER, "created", 201, NULL, NULL, EV_NONE },
    { STMT_REGISTER, "email_taken", 409, "email_taken", "this email is already registered",
      EV_NONE },
    { STMT_HOTEL_CREATE, "created", 201, NULL, NULL, EV_NONE },
    { STMT_ROOM_TYPE_CREATE, "created", 201, NULL, NULL, EV_NONE },
    { STMT_ROOM_TYPE_CREATE, "hotel_not_found", 404, "hotel_not_found", "no such hotel", EV_NONE },
    { STMT_INVENTORY_SET, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_INVENTORY_SET, "below_committed", 409, "below_committed",
      "the allotment is below the rooms already booked or held", EV_NONE },
    { STMT_INVENTORY_SET, "room_type_not_found", 404, "room_type_not_found", "no such room type",
      EV_NONE },
    { STMT_INVENTORY_SET, "invalid", 400, "invalid_range",
      "the range or allotment is outside the limits", EV_NONE },
    { STMT_INVENTORY_GET, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_INVENTORY_GET, "room_type_not_found", 404, "room_type_not_found", "no such room type",
      EV_NONE },
    { STMT_INTEGRITY, "ok", 200, NULL, NULL, EV_NONE },
    { STMT_HOLDS, "ok", 200, NULL, NULL, EV_NONE },
};

/* writes: a call that may have changed something, whose lost answer is an unknown */
static int is_write(enum api_stmt stmt)
{
    switch (stmt) {
    case STMT_HOLD:
    case STMT_RELEASE:
    case STMT_CONFIRM:
    case STMT_CANCEL:
    case STMT_REGISTER:
    case STMT_HOTEL_CREATE:
    case STMT_ROOM_TYPE_CREATE:
    case STMT_INVENTORY_SET: return 1;
    default: return 0;
    }
}

/* retried_result: a release or cancel run again after a lost connection that finds its
 * work done (the hold gone, the booking cancelled) was, as far as the client can tell,
 * done by the first attempt, whose answer was lost: answer the success. */
static const char *retried_result(const struct api_req *r, const char *result, const char **body)
{
    if (r->job.attempt == 0)
        return result;
    if (r->stmt == STMT_RELEASE && strcmp(result, "not_found") == 0) {
        *body = NULL;
        return "released";
    }
    if (r->stmt == STMT_CANCEL && strcmp(result, "already_cancelled") == 0) {
        *body = NULL;
        return "cancelled";
    }
    return result;
}

void api_db_prepare(struct api_req *r, enum api_stmt stmt)
{
    r->stmt = (int)stmt;
    r->job.run = api_db_run;
    r->job.done = api_db_done;
    r->job.retry_safe = stmt != STMT_REGISTER && stmt != STMT_HOTEL_CREATE
                        && stmt != STMT_ROOM_TYPE_CREATE
                        && !(stmt == STMT_HOLD && r->params[HOLD_KEY] == NULL);
}

void api_db_call(struct api_ctx *api, struct api_req *r, enum api_stmt stmt)
{
    api_db_prepare(r, stmt);
    api_defer(r, stmt == STMT_AVAILABILITY && api->read != NULL ? api->read : api->db);
}

PGresult *api_db_exec(struct api_req *r, PGconn *conn)
{
    return pool_exec(&r->job, conn, r->stmt, r->nparams, r->params);
}

void api_db_sql_error(struct api_req *r, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL)
        state = "";
    if (strcmp(state, "57014") == 0) {
        r->http->retry_after = 1;
        http_reply_error(r->http, 503, "db_timeout", "the database took too long");
    } else if (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0) {
        r->http->retry_after = 1;
        http_reply_error(r->http, 503, "db_conflict", "a conflicting transaction won; try again");
    } else if (strcmp(state, "23514") == 0 && r->stmt == STMT_HOLD) {
        metrics_event(EV_SOLD_OUT, 1);
        http_reply_error(r->http, 409, "sold_out", "not enough rooms left on one of the nights");
    } else if (strcmp(state, "23514") == 0) {
        /* The CHECK on room_inventory refused the change and rolled it back: a definite
         * "nothing was done", not an unknown outcome. Only counters that no longer
         * match the holds and bookings can get here (integrity_report shows them). */
        log_error("%s: inventory CHECK refused the change: %s", api_db_statements[r->stmt].name,
                  PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
        http_reply_error(r->http, 409, "inventory_conflict",
                         "the inventory counters refused this change; nothing was changed");
    } else {
        log_error("%s: SQL error %s: %s", api_db_statements[r->stmt].name, state,
                  PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        http_reply_error(r->http, 500, "internal_error", "the database refused the request");
    }
}

/* refusal_message: the {"message"} of a refusal's body, or the table's message. */
static void reply_refusal(struct api_req *r, const struct outcome *o, const char *body)
{
    json_t *j = body != NULL ? json_loads(body, 0, NULL) : NULL;
    const char *m = j != NULL ? json_string_value(json_object_get(j, "message")) : NULL;
    http_reply_error(r->http, o->status, o->code, m != NULL ? m : o->message);
    json_decref(j);
}

/* success_body: the body of a success whose function gave none (a retried release or
 * cancel): the object and its new status. */
static char *success_body(const struct api_req *r)
{
    json_t *j =
        r->stmt == STMT_RELEASE
            ? json_pack("{s:I,s:s}", "hold_id", (json_int_t)r->http->match.id, "status", "released")
            : json_pack("{s:I,s:s}", "booking_id", (json_int_t)r->http->match.id, "status",
                        "Cancelled");
    char *s = j != NULL ? jsonx_dump(j) : NULL;
    json_decref(j);
    return s;
}

void api_db_answer(struct api_req *r, const char *result, const char *body)
{
    result = retried_result(r, result, &body);
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        const struct outcome *o = &outcomes[i];
        if (o->stmt != (enum api_stmt)r->stmt || strcmp(o->result, result) != 0)
            continue;
        metrics_event(o->ev, 1);
        if (o->code != NULL)
            reply_refusal(r, o, body);
        else
            http_reply(r->http, o->status,
                       body != NULL                       ? strdup(body)
                       : is_write((enum api_stmt)r->stmt) ? success_body(r)
                                                          : strdup("{}"));
        return;
    }
    log_error("%s: unexpected result '%s'", api_db_statements[r->stmt].name, result);
    http_reply_error(r->http, 500, "internal_error", "unexpected result from the database");
}

enum pool_run_rc api_db_run(struct pool_job *job, PGconn *conn)
{
    struct api_req *r = api_req_of_job(job);
    PGresult *res = api_db_exec(r, conn);
    if (pool_conn_lost(conn, res)) {
        PQclear(res);
        return POOL_RUN_CONN_LOST;
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        api_db_sql_error(r, res);
    else if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
        http_reply_error(r->http, 500, "internal_error", "unexpected result from the database");
    else
        api_db_answer(r, PQgetvalue(res, 0, 0),
                      PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1));
    PQclear(res);
    return POOL_RUN_OK;
}

void api_db_done(struct pool_job *job, enum pool_outcome outcome)
{
    struct api_req *r = api_req_of_job(job);
    if (outcome != POOL_DONE || !r->http->answered) {
        r->http->retry_after = 1;
        if (outcome == POOL_DRAINING)
            http_reply_error(r->http, 503, "shutting_down",
                             "the server is shutting down; try again");
        else if (outcome == POOL_LOST && is_write((enum api_stmt)r->stmt)) {
            r->http->retry_after = 0; /* resending could do it twice: look first */
            http_reply_error(r->http, 503, "outcome_unknown",
                             "the database connection was lost after the request was sent; "
                             "it may or may not have been done");
        } else if (outcome == POOL_FULL)
            http_reply_error(r->http, 503, "busy",
                             "too many requests are waiting for this work; try again");
        else if (r->http->match.route == ROUTE_HEALTH)
            http_reply(r->http, 503, strdup("{\"status\":\"degraded\",\"db\":\"down\"}"));
        else if (outcome == POOL_TIMEOUT)
            http_reply_error(r->http, 503, "db_pool_timeout",
                             "no database connection became free in time");
        else
            http_reply_error(r->http, 503, "db_unavailable", "the database cannot be reached");
    }
    http_resume(r->http);
}
