/*
 * stub_server.h: stand-ins for the parts of libmicrohttpd and of the database pool
 * (pool.c) that lastroomd's request code calls, so that the real http.c helpers and
 * API handlers can be driven in-process by a fuzzer: the MHD connection handle is the
 * stub request itself, query arguments and headers are looked up in bytes split the
 * way libmicrohttpd would, and a job given to the pool is recorded, never run.
 */
#ifndef LASTROOM_FUZZ_STUB_SERVER_H
#define LASTROOM_FUZZ_STUB_SERVER_H

#include <stddef.h>

#include "server/api.h"
#include "server/http.h"

#define STUB_MAX_ARGS 32

struct stub_kv {
    const char *key;
    const char *value; /* NULL: the argument had no '=' */
};

/* The request as the stubs see it; r->conn points back to it, a->http to r. */
struct stub_req {
    struct http_req r;
    struct api_req *a; /* the handlers' state, from api_req_open */
    struct stub_kv args[STUB_MAX_ARGS];
    int nargs;
    struct stub_kv headers[STUB_MAX_ARGS];
    int nheaders;
    int suspended;     /* MHD_suspend_connection calls */
    int deferred;      /* pool_submit calls */
    int resumed;       /* MHD_resume_connection calls */
    long long srv[64]; /* room for http.c's struct http_server (zeroed) */
};

/* stub_req_init: an empty request for method and url, wired to the stubs, with its
 * handler state opened for api (0; -1 when out of memory). */
int stub_req_init(struct stub_req *s, struct api_ctx *api, const char *method, const char *url,
                  size_t body_max);

/* stub_parse_query: split q (modified in place) at '&' and '=' and unescape %XX and
 * '+' like libmicrohttpd does for GET arguments. */
void stub_parse_query(struct stub_req *s, char *q);

/* stub_add_header: add one "Name: value" line (modified in place); lines without ':'
 * are ignored. */
void stub_add_header(struct stub_req *s, char *line);

#endif
