/*
 * api_auth.c: registration and login as two-step jobs: a database step and a hashing
 * step, each on its own pool, the connection staying suspended in between.
 *
 * Registrations may be limited per client address (every attempt counts, checked on
 * arrival). Failed logins are limited twice (ratelimit.h): per email, which a correct password
 * clears, and per client address, which only the window clears. Either limit answers
 * 429 rate_limited, with Retry-After the seconds left: checked on arrival (before any
 * database call or hash) and again on the hashing worker just before the password is
 * verified, so that attempts sent together cannot all slip under a limit that the
 * first of them reach: past a limit, at most one attempt per hashing worker still runs.
 */
#include "server/api_auth.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "server/jsonx.h"
#include "server/api_db.h"
#include "server/validate.h"

_Static_assert(API_PASSWORD_MAX >= VALIDATE_PASSWORD_MAX, "r->password holds any valid password");

/* copy_password: keep the password in r->password (the body is freed before the job
 * runs) and wipe it from the body. */
static void copy_password(struct api_req *r, const char *pw, size_t n)
{
    memcpy(r->password, pw, n);
    r->password[n] = '\0';
    r->password_len = n;
    sodium_memzero((void *)(uintptr_t)pw, n);
}

static void wipe_password(struct api_req *r)
{
    sodium_memzero(r->password, sizeof r->password);
}

/* step 1 of register, on the hashing pool */
static enum pool_run_rc register_hash(struct pool_job *job, PGconn *conn)
{
    struct api_req *r = api_req_of_job(job);
    (void)conn;
    if (auth_password_hash(r->password, r->password_len, r->hash) != 0)
        http_reply_error(r->http, 500, "internal_error", "cannot hash the password");
    wipe_password(r);
    return POOL_RUN_OK;
}

/* between the steps: hand the job to the database pool */
static void register_hashed(struct pool_job *job, enum pool_outcome outcome)
{
    struct api_req *r = api_req_of_job(job);
    if (outcome != POOL_DONE || r->http->answered) {
        api_db_done(job, outcome);
        return;
    }
    api_param_str(r, REGISTER_HASH, r->hash);
    job->run = api_db_run;
    job->done = api_db_done;
    job->retry_safe = 0;
    pool_submit(r->api->db, job);
}

/* register_throttled: 429 when the client's address used up its registrations of the
 * window (--registrations-per-address); otherwise count this one. */
static int register_throttled(struct api_ctx *api, struct api_req *r)
{
    const char *peer = http_peer(r->http);
    int64_t now = clock_mono_us();
    int wait = ratelimit_blocked(api->register_addrs, peer, strlen(peer), now);
    if (wait == 0) {
        ratelimit_failed(api->register_addrs, peer, strlen(peer), now);
        return 0;
    }
    r->http->retry_after = wait;
    http_reply_error(r->http, 429, "rate_limited",
                     "too many registrations from this address; try again later");
    return 1;
}

void api_auth_register(struct api_ctx *api, struct api_req *r)
{
    const char *email, *pw, *name, *why;
    size_t elen, plen;
    if ((api->register_addrs != NULL && register_throttled(api, r)) || api_body(r) != 0
        || api_field_str(r, "email", 0, 1024, 1, NULL, &email, &elen) != 0
        || api_field_str(r, "password", 0, 1024, 1, NULL, &pw, &plen) != 0
        || api_field_str(r, "full_name", 0, VALIDATE_NAME_MAX, 0, "", &name, NULL) != 0)
        return;
    if (validate_email(email, elen, r->email, sizeof r->email, &why) != 0) {
        http_reply_error(r->http, 400, "invalid_email", why);
        return;
    }
    if (validate_password(plen, &why) != 0) {
        http_reply_error(r->http, 400, "invalid_password", why);
        return;
    }
    copy_password(r, pw, plen);
    api_param_str(r, REGISTER_EMAIL, r->email);
    api_param_str(r, REGISTER_FULL_NAME, name);
    r->stmt = STMT_REGISTER;
    r->job.run = register_hash;
    r->job.done = register_hashed;
    api_defer(r, api->cpu);
}

/* step 1 of login, on the database pool: read the stored hash and role */
static enum pool_run_rc login_fetch(struct pool_job *job, PGconn *conn)
{
    struct api_req *r = api_req_of_job(job);
    PGresult *res = api_db_exec(r, conn);
    if (pool_conn_lost(conn, res)) {
        PQclear(res);
        return POOL_RUN_CONN_LOST;
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        api_db_sql_error(r, res);
    } else if (PQntuples(res) == 1) {
        sscanf(PQgetvalue(res, 0, 0), "%" SCNd64, &r->found_user_id);
        snprintf(r->hash, sizeof r->hash, "%s", PQgetvalue(res, 0, 1));
        r->found_admin = strcmp(PQgetvalue(res, 0, 2), "admin") == 0;
    }
    PQclear(res);
    return POOL_RUN_OK;
}

static void reply_token(struct api_req *r)
{
    char tok[AUTH_TOKEN_MAX + 1];
    struct auth_user u = { r->found_user_id, r->found_admin };
    int64_t ttl = r->api->token_ttl_s;
    if (auth_token_sign(r->api->key, &u, (int64_t)time(NULL) + ttl, tok, sizeof tok) < 0) {
        http_reply_error(r->http, 500, "internal_error", "cannot sign a token");
        return;
    }
    json_t *j =
        json_pack("{s:s,s:I,s:{s:I,s:s}}", "token", tok, "expires_in", (json_int_t)ttl, "user",
                  "user_id", (json_int_t)u.user_id, "role", u.is_admin ? "admin" : "guest");
    http_reply(r->http, 200, j != NULL ? jsonx_dump(j) : NULL);
    json_decref(j);
    sodium_memzero(tok, sizeof tok);
}

/* login_failed: count a failure against the email and the client address. */
static void login_failed(struct api_req *r)
{
    int64_t now = clock_mono_us();
    ratelimit_failed(r->api->logins, r->email, strlen(r->email), now);
    if (r->api->login_addrs != NULL)
        ratelimit_failed(r->api->login_addrs, r->http->peer, strlen(r->http->peer), now);
}

/* login_throttled: answer 429 when the email or the address is over its limit. The
 * first call, on the event thread, records the client's address in r->http->peer. */
static int login_throttled(struct api_ctx *api, struct api_req *r)
{
    int64_t now = clock_mono_us();
    int by_email = ratelimit_blocked(api->logins, r->email, strlen(r->email), now);
    int by_addr = 0;
    if (api->login_addrs != NULL) {
        const char *peer = http_peer(r->http);
        by_addr = ratelimit_blocked(api->login_addrs, peer, strlen(peer), now);
    }
    if (by_email == 0 && by_addr == 0)
        return 0;
    r->http->retry_after = by_email > by_addr ? by_email : by_addr;
    http_reply_error(r->http, 429, "rate_limited",
                     by_addr != 0 ? "too many failed logins from this address; try again later"
                                  : "too many failed logins for this email; try again later");
    return 1;
}

/* step 2 of login, on the hashing pool */
static enum pool_run_rc login_verify(struct pool_job *job, PGconn *conn)
{
    struct api_req *r = api_req_of_job(job);
    (void)conn;
    if (login_throttled(r->api, r)) {
        wipe_password(r);
        return POOL_RUN_OK;
    }
    int ok = auth_password_verify(r->found_user_id ? r->hash : r->api->dummy_hash, r->password,
                                  r->password_len);
    wipe_password(r);
    if (ok && r->found_user_id != 0) {
        ratelimit_succeeded(r->api->logins, r->email, strlen(r->email));
        reply_token(r);
    } else {
        login_failed(r);
        http_reply_error(r->http, 401, "invalid_credentials", "wrong email or password");
    }
    return POOL_RUN_OK;
}

static void login_fetched(struct pool_job *job, enum pool_outcome outcome)
{
    struct api_req *r = api_req_of_job(job);
    if (outcome != POOL_DONE || r->http->answered) {
        api_db_done(job, outcome);
        return;
    }
    job->run = login_verify;
    job->done = api_db_done;
    pool_submit(r->api->cpu, job);
}

void api_auth_login(struct api_ctx *api, struct api_req *r)
{
    const char *email, *pw, *why;
    size_t elen, plen;
    if (api_body(r) != 0 || api_field_str(r, "email", 0, 1024, 1, NULL, &email, &elen) != 0
        || api_field_str(r, "password", 0, 1024, 1, NULL, &pw, &plen) != 0)
        return;
    if (validate_email(email, elen, r->email, sizeof r->email, &why) != 0
        || validate_password(plen, &why) != 0) {
        http_reply_error(r->http, 401, "invalid_credentials", "wrong email or password");
        return;
    }
    if (login_throttled(api, r))
        return;
    copy_password(r, pw, plen);
    api_param_str(r, 0, r->email);
    r->stmt = STMT_LOGIN;
    r->job.run = login_fetch;
    r->job.done = login_fetched;
    r->job.retry_safe = 1;
    api_defer(r, api->db);
}
