/*
 * setup.h: a small blocking HTTP/1.1 client for a scenario's setup and verification.
 *
 * Runs on the main thread before any VU exists (or after they are gone), so it may
 * block and allocate. One request per connection (Connection: close), JSON bodies in
 * and out (jansson), a timeout on every socket operation, a cap on the response size.
 * Only loopback targets are accepted unless --allow-remote (setup_allow_remote).
 * Every function returns 0 or -1 and, on -1, a one-line reason in err.
 */
#ifndef LASTROOM_LOAD_BOOKING_SETUP_H
#define LASTROOM_LOAD_BOOKING_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "load/engine/tls.h"
#include "load/engine/url.h"

#define SETUP_RESP_MAX (8u << 20) /* response bytes kept, headers and body */

struct setup_http {
    char host[URL_HOST_MAX];
    char port[8];
    int timeout_ms;
    struct url url; /* the base URL; every path goes after url.prefix */
};

/* setup_allow_remote: let setup_http_init accept a host that is not a loopback
 * address (--allow-remote); off by default. Call before any setup_http_init. */
void setup_allow_remote(bool allow);

/* setup_tls_options: the TLS options (tls.h: --tls-ca, --insecure-skip-tls-verify,
 * client certificate) of https:// targets; defaults (the system's CAs) until called.
 * The context is made on the first https target; setup_tls_end frees it. */
void setup_tls_options(const struct tls_config *cfg);
void setup_tls_end(void);

/* setup_http_init: parse base_url ("http://127.0.0.1:8080", "http://h:8080/v1") with
 * url_parse into h (http:// or https://). Fails on a bad URL, TLS options that do not
 * load (https), a host that does not resolve, or a host that is not a loopback
 * address unless setup_allow_remote(true). */
int setup_http_init(struct setup_http *h, const char *base_url, int timeout_ms, char *err,
                    size_t errlen);

/* setup_call: one request. body (may be NULL) is sent as JSON; token (may be NULL) as
 * a bearer token. On 0, *status is the HTTP status and *resp the parsed JSON answer
 * (NULL when the body is empty or not JSON; the caller json_decref's it). -1: no
 * complete response (connect, send, timeout, size cap, bad HTTP). */
int setup_call(const struct setup_http *h, const char *method, const char *path, const char *token,
               const json_t *body, int *status, json_t **resp, char *err, size_t errlen);

/* setup_login: log in; token (cap bytes) and *user_id (may be NULL) are filled.
 * Waits and retries a few times on 429 rate_limited. */
int setup_login(const struct setup_http *h, const char *email, const char *password, char *token,
                size_t cap, int64_t *user_id, char *err, size_t errlen);

/* setup_register_all: register n users emails[i] with one password, using up to
 * `threads` connections at once (password hashing is the server's slow part).
 * Any answer other than 201 fails the whole call. */
int setup_register_all(const struct setup_http *h, char *const *emails, int n, const char *password,
                       int threads, char *err, size_t errlen);

/* setup_login_all: log in the n users emails[i] (one password), up to `threads` at
 * once, writing each token into tokens[i] (cap bytes each). Fails the whole call on
 * the first login that fails (setup_login's retries included). */
int setup_login_all(const struct setup_http *h, char *const *emails, char *const *tokens,
                    size_t cap, int n, const char *password, int threads, char *err, size_t errlen);

/* Admin calls (token: an admin's). Each returns the new id through *id. */
int setup_create_hotel(const struct setup_http *h, const char *token, const char *name, int64_t *id,
                       char *err, size_t errlen);
int setup_create_room_type(const struct setup_http *h, const char *token, int64_t hotel_id,
                           const char *name, int64_t *id, char *err, size_t errlen);
/* setup_set_inventory: allotment for the nights [from, to) ("YYYY-MM-DD"). */
int setup_set_inventory(const struct setup_http *h, const char *token, int64_t room_type_id,
                        const char *from, const char *to, int allotment, char *err, size_t errlen);

/* setup_get: GET path with token; 0 only for a 200 answer with a JSON body (*resp,
 * json_decref it). */
int setup_get(const struct setup_http *h, const char *path, const char *token, json_t **resp,
              char *err, size_t errlen);

#endif
