/*
 * api_db.h: the database side of the API: the prepared statements (one api_* function
 * of db/functions/40_api.sql each), the generic job that runs one of them for a
 * request, and the table that turns each function's result into an HTTP answer.
 *
 * Every such statement returns one row (result text, body text): result names the
 * outcome, body is the JSON document to send on success or {"message": ...} with a
 * refusal. One request = one statement = one round trip.
 */
#ifndef LASTROOM_SERVER_API_DB_H
#define LASTROOM_SERVER_API_DB_H

#include "server/api.h"
#include "server/pool.h"

enum api_stmt {
    STMT_HEALTH,
    STMT_HOTELS,
    STMT_ROOM_TYPES,
    STMT_AVAILABILITY,
    STMT_HOLD,
    STMT_HOLD_GET,
    STMT_RELEASE,
    STMT_CONFIRM,
    STMT_BOOKINGS,
    STMT_BOOKING_GET,
    STMT_CANCEL,
    STMT_REGISTER,
    STMT_LOGIN,
    STMT_HOTEL_CREATE,
    STMT_ROOM_TYPE_CREATE,
    STMT_INVENTORY_SET,
    STMT_INVENTORY_GET,
    STMT_INTEGRITY,
    STMT_HOLDS,
    STMT_HOLD_BATCH,
    STMT_CONFIRM_BATCH,
    STMT_COUNT
};

/* Parameter positions (0-based: position i is $i+1 in the statement's SQL), named here
 * once for every file that sets or reads them (handlers, api_db.c, the fuzzer). */
enum hold_param {
    HOLD_USER,
    HOLD_ROOM_TYPE,
    HOLD_CHECK_IN,
    HOLD_CHECK_OUT,
    HOLD_QUANTITY,
    HOLD_TTL,
    HOLD_KEY,
    HOLD_FINGERPRINT,
    HOLD_MAX_HOLDS
};
enum confirm_param { CONFIRM_USER, CONFIRM_HOLD, CONFIRM_KEY, CONFIRM_FINGERPRINT };
enum register_param { REGISTER_EMAIL, REGISTER_HASH, REGISTER_FULL_NAME };
enum availability_param { AVAIL_ROOM_TYPE, AVAIL_HOTEL, AVAIL_CHECK_IN, AVAIL_CHECK_OUT };
enum inventory_param { INVENTORY_ROOM_TYPE, INVENTORY_FROM, INVENTORY_TO, INVENTORY_ALLOTMENT };

/* The statements to prepare on every pooled connection, indexed by enum api_stmt. */
extern const struct pool_stmt api_db_statements[STMT_COUNT];

/* api_db_call: defer r to the database pool to run statement stmt with the parameters
 * already set (api_param_*), and answer from its result. */
void api_db_call(struct api_ctx *api, struct api_req *r, enum api_stmt stmt);

/* api_db_prepare: set r's statement and its job (run api_db_run, done api_db_done,
 * retry_safe) without deferring it: api_db_call is api_db_prepare then api_defer. */
void api_db_prepare(struct api_req *r, enum api_stmt stmt);

/* api_db_answer: answer r from one (result, body) row of r->stmt's function, by the
 * outcome table (500 for a result the table does not know). body may be NULL. */
void api_db_answer(struct api_req *r, const char *result, const char *body);

/* api_db_run: a pool job's run: execute r->stmt with r's parameters and set the answer.
 * Returns POOL_RUN_CONN_LOST when the connection failed (no answer set). */
enum pool_run_rc api_db_run(struct pool_job *job, PGconn *conn);

/* api_db_exec: execute r->stmt with r's parameters (the caller PQclears). */
PGresult *api_db_exec(struct api_req *r, PGconn *conn);

/* api_db_sql_error: answer r for a statement that failed with an SQL error. */
void api_db_sql_error(struct api_req *r, const PGresult *res);

/* api_db_done: a pool job's done: answer 503 for a timeout or an unreachable database
 * unless the job answered, then resume the connection. */
void api_db_done(struct pool_job *job, enum pool_outcome outcome);

#endif
