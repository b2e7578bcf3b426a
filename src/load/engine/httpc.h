/*
 * httpc.h: an asynchronous HTTP/1.1 client connection for lastroom-load.
 *
 * One connection per virtual user, kept alive between requests and reopened when the
 * server closes it. The request is serialised once into the connection's own buffer
 * (httpc_format), so that sending is a single write; the response is parsed with
 * libhttp-parser as the bytes arrive. Every size the server controls is capped: the
 * header block (header_max), the body kept for the scenario (body_keep; the rest is
 * counted, not stored) and the body accepted at all (body_max). Buffers are supplied
 * by the caller and never grow, so a request allocates nothing. A connection's own
 * request buffer is small (httpc_wbuf_size); a request that does not fit borrows one
 * of its thread's large buffers (httpc_pool) until it is written, so that memory per
 * VU stays small while one request may carry 8 KiB of path, 8 KiB of headers and a
 * 1 MiB body. The user's headers are sent as given: Content-Type: application/json
 * is added to a body only when they name no Content-Type.
 *
 * Cookies: each final answer's Set-Cookie headers (among those kept) go into the
 * connection's jar (cookie.h, made on the first one), and a request carries the
 * jar's matching cookies in a Cookie header unless its own headers name a Cookie.
 *
 * Over https the socket carries TLS (tls.h): the handshake follows the TCP connect
 * (t_tls - t_connected, k6's http_req_tls_handshaking) and resumes the connection's
 * last session when it can.
 *
 * Times are taken on the monotonic clock (clock_mono_ns): connecting is t_connected -
 * t_start (0 on a kept-alive connection), sending t_sent - t_write, waiting t_first -
 * t_sent, receiving t_done - t_first, and duration (k6's http_req_duration, without
 * connecting) t_done - t_write.
 */
#ifndef LASTROOM_LOAD_ENGINE_HTTPC_H
#define LASTROOM_LOAD_ENGINE_HTTPC_H

#include <http_parser.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "load/engine/cookie.h"
#include "load/engine/loop.h"
#include "load/engine/scenario.h"
#include "load/engine/tls.h"
#include "load/engine/url.h"

#define HTTPC_HOST_MAX   (URL_HOST_MAX + 10)
#define HTTPC_PREFIX_MAX URL_PREFIX_MAX
#define HTTPC_EXTRA_MAX  8192 /* the request's own header lines */
/* A VU's own request buffer fits a request of these sizes; a larger one is written
 * into a buffer borrowed from its thread's pool (httpc_pool) until it is sent. */
#define HTTPC_SMALL_PATH  512
#define HTTPC_SMALL_EXTRA 2048
#define HTTPC_SMALL_BODY  2048

/* Where requests go: parsed once from the base URL. */
struct httpc_target {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[HTTPC_HOST_MAX];     /* Host header value, "127.0.0.1:8080" */
    char prefix[HTTPC_PREFIX_MAX]; /* path prefix of the base URL without trailing '/' */
    struct url url;                /* the parsed base URL (url.h) */
    struct tls_client *tls;        /* https: the TLS context; NULL: plain http */
};

struct httpc_limits {
    size_t header_max;   /* bytes of status line + headers (default 16 KiB) */
    size_t body_keep;    /* bytes of the buffer kept for the scenario: the headers kept,
                            then the body */
    size_t body_max;     /* body bytes accepted (default 64 MiB) */
    size_t headers_keep; /* at most this many bytes of that buffer hold the answer's
                            headers (httpc_header_next); 0: only Location and
                            Set-Cookie are kept (up to body_keep) */
};

enum httpc_result {
    HTTPC_OK,          /* a complete response; status set */
    HTTPC_TIMEOUT,     /* no complete response before the deadline */
    HTTPC_CONN_ERROR,  /* connect failed, reset, closed early */
    HTTPC_PROTO_ERROR, /* malformed response or a cap exceeded */
    HTTPC_TLS_ERROR    /* the TLS handshake failed (tls_error names why) */
};

/* httpc_result_name: the error tag of a result ("timeout", ...), NULL for HTTPC_OK. */
const char *httpc_result_name(enum httpc_result r);

/* A response's Content-Encoding. */
enum httpc_encoding { HTTPC_ENC_NONE, HTTPC_ENC_GZIP, HTTPC_ENC_DEFLATE, HTTPC_ENC_OTHER };

/* The decoded body of a gzip or deflate answer is read into a per-thread buffer of this
 * size, then kept up to body_keep bytes. */
#define HTTPC_DECODED_MAX (1u << 20)

/* httpc_thread_end: free the calling thread's decoding state (call before a thread
 * that ran connections exits). */
void httpc_thread_end(void);

/* httpc_is_redirect: 301, 302, 303, 307 or 308. */
bool httpc_is_redirect(int status);

/* httpc_feed's answer. */
enum httpc_parse { HTTPC_MORE, HTTPC_DONE, HTTPC_BAD };

/* A thread's large request buffers: n buffers of size bytes in one mapping reserved
 * up front (MAP_NORESERVE), whose pages become resident only when a request uses
 * them; handed out lowest-first, so resident memory follows the number of large
 * requests under way at once, not the number of VUs. One thread only. */
struct httpc_pool {
    char *base;
    size_t size, map_len;
    int n, nfree;
    int *free; /* indices of free buffers, a stack */
};

struct httpc_away;

struct httpc_conn {
    struct loop_io io;
    struct loop_timer timer;
    struct loop *loop;
    const struct httpc_target *target; /* where requests go now: the run's target, or
                                           away's */
    struct httpc_away *away;           /* another origin a redirect led to (made then, freed
                                  when the next request goes home) */
    struct httpc_limits lim;
    int fd;
    int state;        /* internal: idle, connecting, writing, reading */
    bool want_send;   /* connecting in order to send wbuf */
    bool head;        /* the request was HEAD: no body in the answer */
    bool reused;      /* the request went out on a kept-alive connection */
    bool close_after; /* the request asked for Connection: close */
    http_parser parser;
    char *wbuf; /* the request being written: own_wbuf or a pool buffer */
    size_t wcap, wlen, woff;
    char *own_wbuf;
    size_t own_wcap;
    struct httpc_pool *pool;      /* NULL: requests must fit own_wbuf */
    int pool_idx;                 /* the pool buffer held, -1: none */
    char *buf;                    /* body_keep bytes: the headers kept, then the body */
    char *body;                   /* the body kept: buf + hdrs_len */
    uint32_t hdrs_len;            /* headers kept at buf, "name\0value\0" pairs */
    uint32_t pair_start;          /* the pair being read starts at buf + pair_start */
    uint32_t location_off;        /* a redirect's Location: buf + location_off, */
    bool pair_keep;               /* it is being kept (it fits, and is wanted) */
    bool in_trailer;              /* the header block is over: trailers are not kept */
    bool tls_req;                 /* the last request went over TLS */
    size_t location_len;          /* location_len bytes (0: none) */
    enum httpc_encoding encoding; /* of the answer; gzip and deflate bodies are decoded */
    bool decode_failed;
    char hname[16]; /* header parsing: the start of the current name */
    size_t hname_len;
    bool in_value;
    int hwant;     /* which header's value is being read */
    char cenc[16]; /* Content-Encoding's value (its start) */
    size_t cenc_len;
    size_t body_len;     /* stored */
    uint64_t body_total; /* received */
    size_t header_bytes;
    bool complete, keep_alive, truncated;
    int status;
    uint64_t bytes_sent, bytes_recv;
    uint64_t t_send;         /* httpc_send was called */
    uint64_t t_start;        /* connect began (or t_send when reused) */
    uint64_t t_connected;    /* TCP connect ended (t_start when reused) */
    uint64_t t_tls;          /* TLS handshake ended (t_connected without TLS) */
    SSL *ssl;                /* https: the TLS connection, NULL when closed */
    struct tls_session sess; /* the session the next handshake resumes */
    struct cookie_jar *jar;  /* the VU's cookies: NULL until one is set */
    const char *tls_error;   /* why the last handshake failed (tls_error_name) */
    uint64_t t_write;        /* first byte of the request written */
    uint64_t t_sent;         /* last byte written */
    uint64_t t_first;        /* first response byte read */
    uint64_t t_done;         /* response complete */
    void (*done)(struct httpc_conn *c, enum httpc_result r);
};

/* httpc_target_parse: fill t from "http[s]://host[:port][/prefix]" (url_parse; the
 * host resolved once, blocking); an https target gets a TLS context with the default
 * configuration (verification against the system's CAs). Returns 0, or -1 with a
 * message in err. Free with httpc_target_free. */
int httpc_target_parse(struct httpc_target *t, const char *url, char *err, size_t errlen);

/* httpc_target_tls: replace t's TLS context by one made from cfg (https targets).
 * Returns 0, or -1 with a message in err (t unchanged). */
int httpc_target_tls(struct httpc_target *t, const struct tls_config *cfg, char *err,
                     size_t errlen);
/* httpc_target_free: free what httpc_target_parse made (the TLS context). */
void httpc_target_free(struct httpc_target *t);

/* httpc_wbuf_size: bytes of a connection's own request buffer: enough for a request
 * within the HTTPC_SMALL_* sizes to target t. */
size_t httpc_wbuf_size(const struct httpc_target *t);
/* httpc_wbuf_max: bytes a request buffer needs for any lr_request to target t. */
size_t httpc_wbuf_max(const struct httpc_target *t);

/* httpc_pool_init: n buffers of httpc_wbuf_max(t) bytes (fewer, halving, where the
 * system refuses the reservation: a request that finds none free cannot be written
 * and its iteration aborts). Returns 0, or -1 when not even one buffer can be mapped
 * (p is then empty). httpc_pool_free releases it. */
int httpc_pool_init(struct httpc_pool *p, const struct httpc_target *t, int n);
void httpc_pool_free(struct httpc_pool *p);
/* httpc_set_pool: let c borrow from p (its thread's) for requests beyond its own
 * buffer. p must outlive c; at most one buffer per connection is held at a time. */
void httpc_set_pool(struct httpc_conn *c, struct httpc_pool *p);

/* httpc_format: write req as an HTTP/1.1 request into buf. Returns its length, or 0
 * when it does not fit in cap (buf is then unspecified). */
size_t httpc_format(char *buf, size_t cap, const struct httpc_target *t,
                    const struct lr_request *req);

/* httpc_init: a closed connection using the caller's buffers (wbuf of wcap bytes,
 * body of lim->body_keep bytes), which must outlive it. done is called on the loop's
 * thread when a request ends, with the response fields of c set. */
void httpc_init(struct httpc_conn *c, struct loop *l, const struct httpc_target *t,
                const struct httpc_limits *lim, char *wbuf, size_t wcap, char *body,
                void (*done)(struct httpc_conn *c, enum httpc_result r));

/* httpc_prepare: serialise req into c's buffer, or into a buffer borrowed from c's
 * pool when it does not fit (given back when the request ends or c is closed).
 * Returns 0, or -1 when it fits in neither. */
int httpc_prepare(struct httpc_conn *c, const struct lr_request *req);

/* httpc_prepare_from_root: httpc_prepare with req->path taken from the server's root,
 * not after the target's prefix (a path the server gave, e.g. a redirect's). */
int httpc_prepare_from_root(struct httpc_conn *c, const struct lr_request *req);

/* httpc_location: split the Location of the redirect c just received into its origin
 * ("http[s]://authority" into origin, ocap bytes; "" when it is c's current origin:
 * "/x" or "http[s]://same-authority/x") and its path from the server's root ("/" when
 * none) into path (cap bytes). Returns 0, or -1 for no Location, a relative,
 * scheme-relative or malformed one. */
int httpc_location(const struct httpc_conn *c, char *origin, size_t ocap, char *path, size_t cap);

/* httpc_set_origin: send c's next requests to origin ("" or the run's own: home;
 * another: resolved now, blocking, and reached with the run's TLS context), closing
 * the connection when the origin changes. Returns 0, or -1 (c unchanged) when origin
 * is malformed, does not resolve, is https while the run has no TLS context, or
 * memory is short. httpc_prepare always goes home. */
int httpc_set_origin(struct httpc_conn *c, const char *origin);

/* httpc_away: c's requests go to another origin than the run's target. */
bool httpc_away(const struct httpc_conn *c);

/* httpc_strip_credentials: hdrs without its Authorization and Cookie lines, into out
 * (cap bytes, NUL-terminated; cap > strlen(hdrs) always fits). */
void httpc_strip_credentials(const char *hdrs, char *out, size_t cap);

/* httpc_send: send the prepared request, connecting first when needed, and call
 * done when the response is complete or deadline_ns (loop clock) passes. */
void httpc_send(struct httpc_conn *c, uint64_t deadline_ns);

/* httpc_connect: open the connection ahead of a request (for the start barrier).
 * Returns 0 when connected or connecting, -1 when the socket could not be made. */
int httpc_connect(struct httpc_conn *c);

/* httpc_close: close the connection and cancel what is under way (done not called).
 * The TLS session is kept for the next connection. */
void httpc_close(struct httpc_conn *c);
/* httpc_cookies_clear: forget c's cookies (a VU's new iteration, as k6). */
void httpc_cookies_clear(struct httpc_conn *c);

/* httpc_dispose: httpc_close, and free the TLS session and the cookies: the last call
 * on c. */
void httpc_dispose(struct httpc_conn *c);

/* httpc_header_next: walk the headers an answer left in hdrs (c->buf, c->hdrs_len
 * bytes: as sent, in order, those that fitted in lim.headers_keep): *pos starts at 0;
 * each call sets *name and *value (NUL-terminated, in hdrs, valid until the
 * connection's next request) and returns true, then false after the last. */
bool httpc_header_next(const char *hdrs, size_t len, size_t *pos, const char **name,
                       const char **value);

/* httpc_reset_response / httpc_feed: the response parser, usable without a socket.
 * reset prepares for a new response; feed parses len bytes (len 0: end of stream). */
void httpc_reset_response(struct httpc_conn *c);
enum httpc_parse httpc_feed(struct httpc_conn *c, const char *data, size_t len);

#endif
