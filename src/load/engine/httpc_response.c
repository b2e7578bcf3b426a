/*
 * httpc_response.c: the response half of the HTTP client (httpc.h): http_parser's
 * callbacks, the headers kept ahead of the body, the cookies an answer sets, and the
 * gzip/deflate decoding. It reads and writes only the struct httpc_conn it is given;
 * httpc.c owns the socket and feeds it the bytes read.
 */
#include "load/engine/httpc.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

enum { HDR_NONE, HDR_LOCATION, HDR_ENCODING, HDR_SET_COOKIE };

/* Decode the stored gzip or deflate body in place (zlib; one inflate stream and one
 * output buffer per thread, made on the thread's first compressed answer and reused).
 * The decoded body is kept up to body_keep bytes (truncated beyond). Returns 0, or -1
 * when the stored body is not complete or not valid. */
static _Thread_local z_stream zs;
static _Thread_local bool zs_ready;
static _Thread_local char *zs_out; /* HTTPC_DECODED_MAX bytes, made when first needed
                                            (a static array would be zeroed, so resident,
                                            in every thread) */

void httpc_thread_end(void)
{
    if (zs_ready)
        inflateEnd(&zs);
    zs_ready = false;
    free(zs_out);
    zs_out = NULL;
}

static int decode_body(struct httpc_conn *c)
{
    if (!zs_out && !(zs_out = malloc(HTTPC_DECODED_MAX)))
        return -1;
    char *out = zs_out;
    const size_t outcap = HTTPC_DECODED_MAX;
    if (c->truncated || c->body_len == 0)
        return c->truncated ? -1 : 0;
    int wbits = c->encoding == HTTPC_ENC_GZIP ? 16 + MAX_WBITS : MAX_WBITS;
    for (int attempt = 0; attempt < 2; attempt++) { /* deflate: zlib-wrapped, else raw */
        if (!zs_ready && inflateInit2(&zs, wbits) != Z_OK)
            return -1;
        zs_ready = true;
        if (inflateReset2(&zs, wbits) != Z_OK)
            return -1;
        zs.next_in = (Bytef *)c->body;
        zs.avail_in = (uInt)c->body_len;
        zs.next_out = (Bytef *)out;
        zs.avail_out = outcap;
        int rc = inflate(&zs, Z_FINISH);
        size_t got = outcap - zs.avail_out;
        if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && zs.avail_out == 0)) {
            size_t cap = c->lim.body_keep - c->hdrs_len;
            size_t keep = got < cap ? got : cap;
            memcpy(c->body, out, keep);
            c->body_len = keep;
            c->truncated = rc != Z_STREAM_END || got > keep;
            return 0;
        }
        if (c->encoding != HTTPC_ENC_DEFLATE)
            return -1;
        wbits = -MAX_WBITS;
    }
    return -1;
}

/* Each message starts afresh: only the final (non-1xx) answer's headers and body are
 * kept. */
static void reset_headers(struct httpc_conn *c)
{
    c->header_bytes = 0;
    c->body = c->buf;
    c->body_len = 0;
    c->body_total = 0;
    c->truncated = false;
    c->hdrs_len = c->pair_start = 0;
    c->pair_keep = c->in_trailer = false;
    c->location_off = c->location_len = 0;
    c->hname_len = 0;
    c->in_value = false;
    c->hwant = HDR_NONE;
    c->encoding = HTTPC_ENC_NONE;
    c->cenc_len = 0;
}

static int on_message_begin(http_parser *p)
{
    reset_headers(container_of(p, struct httpc_conn, parser));
    return 0;
}

static int on_status(http_parser *p, const char *at, size_t len)
{
    struct httpc_conn *c = container_of(p, struct httpc_conn, parser);
    (void)at;
    c->header_bytes += len;
    return c->header_bytes > c->lim.header_max;
}

/* Headers are kept as "name\0value\0" pairs at the start of the buffer, up to
 * headers_keep bytes (with headers_keep 0, Location and Set-Cookie alone, up to
 * body_keep): a pair that does not fit whole, or holds a NUL byte, is dropped. */
static size_t hdrs_cap(const struct httpc_conn *c)
{
    size_t k = c->lim.headers_keep;
    return k && k < c->lim.body_keep ? k : c->lim.body_keep;
}

static void pair_put(struct httpc_conn *c, const char *at, size_t len)
{
    if (!c->pair_keep)
        return;
    if (len + 1 > hdrs_cap(c) - c->hdrs_len /* room for it and its NUL */
        || memchr(at, '\0', len)) {         /* a NUL in it: not kept */
        c->pair_keep = false;
        c->hdrs_len = c->pair_start;
        return;
    }
    memcpy(c->buf + c->hdrs_len, at, len);
    c->hdrs_len += (uint32_t)len;
}

/* End the name or the value being read with its NUL. */
static void pair_end_part(struct httpc_conn *c)
{
    pair_put(c, "", 0);
    if (c->pair_keep)
        c->buf[c->hdrs_len++] = '\0';
}

/* The value of a header ended: the pair is complete. */
static void pair_done(struct httpc_conn *c)
{
    pair_end_part(c);
    if (c->hwant == HDR_LOCATION)
        c->location_len = c->pair_keep ? c->hdrs_len - 1 - c->location_off : 0;
}

/* A header name, perhaps in pieces: its first bytes are kept to recognise the few
 * headers the client reads (Location, Content-Encoding). */
static int on_header_field(http_parser *p, const char *at, size_t len)
{
    struct httpc_conn *c = container_of(p, struct httpc_conn, parser);
    if (c->in_value || c->hname_len == 0) { /* a new header */
        if (c->in_value)
            pair_done(c);
        c->hname_len = 0;
        c->pair_start = c->hdrs_len;
        c->pair_keep = !c->in_trailer;
    }
    c->in_value = false;
    size_t take = len < sizeof c->hname - c->hname_len ? len : sizeof c->hname - c->hname_len;
    memcpy(c->hname + c->hname_len, at, take);
    c->hname_len += take;
    pair_put(c, at, len);
    return on_status(p, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    struct httpc_conn *c = container_of(p, struct httpc_conn, parser);
    if (!c->in_value) {
        c->in_value = true;
        c->hwant = c->hname_len == 8 && strncasecmp(c->hname, "Location", 8) == 0 ? HDR_LOCATION
                   : c->hname_len == 16 && strncasecmp(c->hname, "Content-Encoding", 16) == 0
                       ? HDR_ENCODING
                   : c->hname_len == 10 && strncasecmp(c->hname, "Set-Cookie", 10) == 0
                       ? HDR_SET_COOKIE
                       : HDR_NONE;
        if (c->lim.headers_keep == 0 && c->hwant != HDR_LOCATION && c->hwant != HDR_SET_COOKIE
            && c->pair_keep) {
            c->pair_keep = false; /* not kept: Location and Set-Cookie only */
            c->hdrs_len = c->pair_start;
        }
        if (c->in_trailer)
            c->hwant = HDR_NONE; /* trailers change nothing */
        pair_end_part(c);
        c->location_off = c->hwant == HDR_LOCATION ? c->hdrs_len : c->location_off;
    }
    pair_put(c, at, len);
    if (c->hwant == HDR_ENCODING) {
        size_t take = len < sizeof c->cenc - c->cenc_len ? len : sizeof c->cenc - c->cenc_len;
        memcpy(c->cenc + c->cenc_len, at, take);
        c->cenc_len += take;
    }
    return on_status(p, at, len);
}

bool httpc_header_next(const char *hdrs, size_t len, size_t *pos, const char **name,
                       const char **value)
{
    if (*pos >= len)
        return false;
    *name = hdrs + *pos;
    *value = *name + strlen(*name) + 1;
    *pos = (size_t)(*value - hdrs) + strlen(*value) + 1;
    return true;
}

/* The Content-Encoding named: gzip, deflate, identity/none, or one the client cannot
 * decode (kept as received). */
static enum httpc_encoding encoding_of(const char *v, size_t n)
{
    if (n == 4 && strncasecmp(v, "gzip", 4) == 0)
        return HTTPC_ENC_GZIP;
    if (n == 7 && strncasecmp(v, "deflate", 7) == 0)
        return HTTPC_ENC_DEFLATE;
    return n == 0 || (n == 8 && strncasecmp(v, "identity", 8) == 0) ? HTTPC_ENC_NONE
                                                                    : HTTPC_ENC_OTHER;
}

static int on_headers_complete(http_parser *p)
{
    struct httpc_conn *c = container_of(p, struct httpc_conn, parser);
    if (p->status_code < 100)
        return -1; /* not an HTTP status */
    if (c->in_value)
        pair_done(c);
    c->in_value = false;
    c->hname_len = 0;
    c->body = c->buf + c->hdrs_len; /* the body follows the headers kept */
    c->in_trailer = true;
    if (p->status_code < 200)
        return 0; /* 1xx: the real answer follows */
    c->status = p->status_code;
    c->encoding = encoding_of(c->cenc, c->cenc_len);
    if (!httpc_is_redirect(c->status))
        c->location_len = 0;
    if (p->content_length != ULLONG_MAX && p->content_length > c->lim.body_max)
        return -1;
    return c->head ? 1 : 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    struct httpc_conn *c = container_of(p, struct httpc_conn, parser);
    c->body_total += len;
    if (c->body_total > c->lim.body_max)
        return -1;
    if (c->location_len > 0) { /* a redirect's body: counted, not kept */
        c->truncated |= len > 0;
        return 0;
    }
    size_t room = c->lim.body_keep - c->hdrs_len - c->body_len;
    size_t take = len < room ? len : room;
    memcpy(c->body + c->body_len, at, take);
    c->body_len += take;
    c->truncated |= take < len;
    return 0;
}

/* Store the cookies the final answer sets, for the path of the request it answers
 * (in the request buffer, when there is one). */
static void take_cookies(struct httpc_conn *c)
{
    const char *name, *value, *line = c->wlen > 0 ? c->wbuf : "GET / ";
    char path[LR_PATH_MAX + HTTPC_PREFIX_MAX];
    size_t pos = 0;
    bool any = false;
    while (httpc_header_next(c->buf, c->hdrs_len, &pos, &name, &value)) {
        if (strcasecmp(name, "Set-Cookie") != 0)
            continue;
        if (!any) {
            const char *p = memchr(line, ' ', c->wlen > 0 ? c->wlen : 6);
            size_t n = p ? strcspn(p + 1, " \r\n") : 0;
            snprintf(path, sizeof path, "%.*s", (int)n, p ? p + 1 : "");
            any = true;
        }
        const struct url *u = c->target ? &c->target->url : NULL;
        cookie_jar_set(&c->jar, value, strlen(value), u ? u->host : "", u && url_host_is_ip(u),
                       path, (int64_t)time(NULL));
    }
}

static int on_message_complete(http_parser *p)
{
    struct httpc_conn *c = container_of(p, struct httpc_conn, parser);
    if (p->status_code < 200) { /* an interim 1xx: wait for the final one */
        c->status = 0;
        return 0;
    }
    c->complete = true;
    c->keep_alive = http_should_keep_alive(p) && !c->close_after;
    take_cookies(c);
    if ((c->encoding == HTTPC_ENC_GZIP || c->encoding == HTTPC_ENC_DEFLATE) && decode_body(c) != 0)
        c->decode_failed = true;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings httpc_settings = {
    .on_message_begin = on_message_begin,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void httpc_reset_response(struct httpc_conn *c)
{
    http_parser_init(&c->parser, HTTP_RESPONSE);
    reset_headers(c);
    c->complete = c->keep_alive = c->decode_failed = false;
    c->status = 0;
}

enum httpc_parse httpc_feed(struct httpc_conn *c, const char *data, size_t len)
{
    if (c->complete)
        return len == 0 ? HTTPC_DONE : HTTPC_BAD; /* bytes after the answer */
    size_t n = http_parser_execute(&c->parser, &httpc_settings, data, len);
    if (c->complete)
        return n == len && !c->decode_failed ? HTTPC_DONE : HTTPC_BAD;
    if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK || n != len)
        return HTTPC_BAD;
    if (len == 0)
        return HTTPC_BAD; /* end of stream mid-answer */
    return HTTPC_MORE;
}
