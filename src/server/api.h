/*
 * api.h: the HTTP API's handlers: dispatch by route, authentication, and the input
 * helpers every handler uses.
 *
 * A handler runs on an HTTP event thread and must not block: it validates the input
 * (answering 400/401/403/404 itself) and then either answers at once or fills the
 * request's database call (statement and parameters, see api_db.h) and defers it.
 * What a handler keeps for a request is its struct api_req, which http.c holds as the
 * request's opaque state (api_req_open, api_req_close).
 * The input helpers answer the error themselves and return -1, so that a handler reads
 * as a list of "if (helper(...) != 0) return;".
 */
#ifndef LASTROOM_SERVER_API_H
#define LASTROOM_SERVER_API_H

#include <jansson.h>
#include <stdint.h>

#include "server/auth.h"
#include "server/http.h"
#include "server/pool.h"
#include "server/ratelimit.h"

struct coalesce;

struct api_ctx {
    struct pool *db;             /* one connection per worker */
    struct coalesce *holds;      /* holds batched by lane (coalesce.h); NULL: one by one */
    struct coalesce *confirms;   /* confirms batched (coalesce.h); NULL: one by one */
    struct pool *cpu;            /* password hashing */
    struct pool *read;           /* availability reads (--read-db); NULL: db */
    uint8_t key[AUTH_KEY_BYTES]; /* token key */
    int64_t hold_ttl_ms;
    int64_t token_ttl_s;
    char dummy_hash[AUTH_HASH_MAX];   /* verified against for unknown emails */
    struct ratelimit *logins;         /* failed logins per email */
    struct ratelimit *login_addrs;    /* failed logins per client address; NULL: no cap */
    struct ratelimit *register_addrs; /* registrations per client address; NULL: no cap */
    int max_holds;                    /* live holds per user; 0: no cap */
};

#define API_MAX_PARAMS   10
#define API_PARAM_BYTES  48
#define API_TEXT_BYTES   1536 /* copies of the text parameters of one call */
#define API_PASSWORD_MAX 128

/* A request as the handlers see it: allocated by api_req_open, freed by api_req_close
 * (the password wiped); http is the HTTP request it belongs to. */
struct api_req {
    struct api_ctx *api;
    struct http_req *http;
    struct auth_user user; /* set when the route needs a token */
    json_t *json;          /* the parsed body, once a handler asked for it; freed
                                     once deferred, so a handler copies what its job needs */
    /* the database call a handler prepared (see api_db.h) */
    int stmt;
    int nparams;
    const char *params[API_MAX_PARAMS];
    char pbuf[API_MAX_PARAMS][API_PARAM_BYTES];
    char text[API_TEXT_BYTES]; /* the text parameters, copied out of the body */
    size_t text_used;
    char password[API_PASSWORD_MAX + 1]; /* register, login; wiped once used */
    size_t password_len;
    char fingerprint[65];     /* idempotency: hex SHA-256 of the normalised request */
    char email[256];          /* register, login: the address, lowercased */
    char hash[AUTH_HASH_MAX]; /* register: the password hash; login: the stored hash */
    int64_t found_user_id;    /* login: the user found, 0 when none */
    int found_admin;
    struct pool_job job;
};

/* Body caps by route: a body only carries a few short fields, and the JSON value cap
 * (jsonx.h) bounds its parsed tree. Routes that read no body still accept a small one. */
#define API_BODY_MAX_USER  (4 * 1024)  /* register, login, holds, bookings */
#define API_BODY_MAX_ADMIN (16 * 1024) /* admin creates: 200 + 200 + 400 characters, escaped */
#define API_BODY_MAX_NONE  1024        /* every other route */

/* api_body_max: the body cap of route (413 past it). */
size_t api_body_max(enum route route);

/* api_req_open: the state of a routed request for http.c (cls: the api_ctx); NULL when
 * out of memory. api_req_close frees it. */
void *api_req_open(void *cls, struct http_req *http);
void api_req_close(void *state);

/* api_handle: answer or defer a routed request (state: its api_req). */
void api_handle(void *state);

/* api_suspend: free r's body and parsed tree and suspend its connection until the job
 * that the caller queues itself answers it (api_defer is api_suspend then pool_submit). */
void api_suspend(struct api_req *r);

/* api_defer: free r's body and parsed tree, suspend its connection and queue r->job
 * (run and done already set) to pool. The job's done must answer and http_resume. */
void api_defer(struct api_req *r, struct pool *pool);

/* api_req_of_job: the request a job is embedded in. */
struct api_req *api_req_of_job(struct pool_job *job);

/* api_body: parse the body as a JSON object into r->json (400 invalid_json otherwise). */
int api_body(struct api_req *r);

/* api_field_id: a required positive integer id field. 400 missing_/invalid_<key>. */
int api_field_id(struct api_req *r, const char *key, int64_t *out);

/* api_field_int: an integer field in [min, max]; when absent, def (required: -1 = must
 * be present). */
int api_field_int(struct api_req *r, const char *key, int64_t min, int64_t max, int required,
                  int64_t def, int64_t *out);

/* api_field_str: a string field of min..max bytes; absent gives def when not required. */
int api_field_str(struct api_req *r, const char *key, size_t min, size_t max, int required,
                  const char *def, const char **out, size_t *len);

/* api_field_date: a required YYYY-MM-DD field within the API's date range. */
int api_field_date(struct api_req *r, const char *key, int32_t *day);

/* api_query_id / api_query_date: the same for query arguments; a missing id gives
 * *out = 0 when !required. */
int api_query_id(struct api_req *r, const char *key, int required, int64_t *out);
int api_query_date(struct api_req *r, const char *key, int32_t *day);

/* Parameters of the request's database call, by position (1-based in SQL, 0-based here). */
void api_param_i64(struct api_req *r, int i, int64_t v);
void api_param_date(struct api_req *r, int i, int32_t day);
void api_param_str(struct api_req *r, int i, const char *s); /* copied into r->text */
void api_param_null(struct api_req *r, int i);

#endif
