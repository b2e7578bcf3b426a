/*
 * fuzz_httpc.c: libFuzzer harness for lastroom-load's HTTP response parser
 * (httpc_reset_response / httpc_feed over libhttp-parser), which reads whatever the
 * server under test sends back.
 *
 * The first bytes set the caps (small, so that they are hit), whether the request was
 * HEAD, and how the rest is cut into reads; the rest is the response stream, fed read
 * by read and then ended (len 0) as a closing peer would. Properties: the stored body
 * never passes body_keep, and truncated says exactly whether bytes were left out;
 * DONE means a complete answer with a final status 200..999 whose body is exactly the
 * body of the final message (a reference parse of the same stream, with libhttp-parser
 * in one go, gives its length: bytes of interim 1xx answers never count; a gzip or
 * deflate body is decoded in place, so its stored length is the decoded one, still
 * within body_keep; a redirect keeps its Location there instead of its body); a status
 * below 100 is malformed and never DONE; the headers kept (headers_keep) precede the
 * body, end in whole NUL-ended pairs and, with the body, stay within body_keep; once the parser has said BAD or DONE it never
 * says MORE again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
    fprintf(stderr, "property broken: %s\n", what);
    abort();
}

/* The reference: the body length of the first message with a status >= 200. */
struct ref {
    http_parser p;
    int head, done, below_100;
    uint64_t body;
};

static int ref_begin(http_parser *p)
{
    ((struct ref *)p->data)->body = 0;
    return 0;
}

static int ref_headers(http_parser *p)
{
    struct ref *r = p->data;
    if (p->status_code < 100)
        r->below_100 = 1;
    return r->head && p->status_code >= 200 ? 1 : 0;
}

static int ref_body(http_parser *p, const char *at, size_t len)
{
    (void)at;
    ((struct ref *)p->data)->body += len;
    return 0;
}

static int ref_complete(http_parser *p)
{
    struct ref *r = p->data;
    if (p->status_code >= 200) {
        r->done = 1;
        http_parser_pause(p, 1);
    }
    return 0;
}

static void ref_parse(struct ref *r, const char *data, size_t len, int head)
{
    static const http_parser_settings set = {
        .on_message_begin = ref_begin,
        .on_headers_complete = ref_headers,
        .on_body = ref_body,
        .on_message_complete = ref_complete,
    };
    memset(r, 0, sizeof *r);
    r->head = head;
    http_parser_init(&r->p, HTTP_RESPONSE);
    r->p.data = r;
    size_t n = http_parser_execute(&r->p, &set, data, len);
    if (!r->done && n == len && HTTP_PARSER_ERRNO(&r->p) == HPE_OK)
        http_parser_execute(&r->p, &set, data, 0);
}

/* The headers kept walk to their end in whole pairs, each within the buffer. */
static void headers_walk(const struct httpc_conn *c)
{
    const char *name, *value;
    size_t pos = 0;
    if (c->hdrs_len > 0 && c->buf[c->hdrs_len - 1] != '\0')
        broken("the headers kept do not end with a NUL");
    while (httpc_header_next(c->buf, c->hdrs_len, &pos, &name, &value))
        if (pos > c->hdrs_len)
            broken("a header pair runs past the headers kept");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    struct httpc_limits lim = {
        .header_max = 64 + (size_t)data[0] * 16,
        .body_keep = data[1] % 64,
        .body_max = 128 + (size_t)data[2] * 8,
        .headers_keep = data[2] & 1 ? data[0] % 48 : 0,
    };
    struct httpc_conn *c = calloc(1, sizeof *c);
    char *body = malloc(lim.body_keep ? lim.body_keep : 1);
    if (c == NULL || body == NULL)
        abort();
    httpc_init(c, NULL, NULL, &lim, NULL, 0, body, NULL);
    c->head = data[3] & 1;
    size_t chunk = 1 + (data[3] >> 1); /* 1..128 bytes per read */
    const char *p = (const char *)data + 4;
    size_t left = size - 4;
    httpc_reset_response(c);
    enum httpc_parse rc = HTTPC_MORE;
    while (rc == HTTPC_MORE) {
        size_t n = left < chunk ? left : chunk;
        char *piece = malloc(n ? n : 1); /* exact size: each read is its own buffer */
        if (piece == NULL)
            abort();
        memcpy(piece, p, n);
        rc = httpc_feed(c, piece, n);
        free(piece);
        bool decoded =
            rc == HTTPC_DONE && (c->encoding == HTTPC_ENC_GZIP || c->encoding == HTTPC_ENC_DEFLATE);
        if (c->body_len > lim.body_keep || (!decoded && c->body_len > c->body_total))
            abort();
        if (rc != HTTPC_BAD && !decoded && c->truncated != (c->body_total > c->body_len))
            abort();
        if (c->location_len > lim.body_keep || c->hdrs_len + c->body_len > lim.body_keep)
            abort();
        if (rc == HTTPC_DONE && c->body != c->buf + c->hdrs_len)
            broken("the body does not follow the headers kept");
        if (rc == HTTPC_DONE)
            headers_walk(c);
        if (n == 0)
            break;
        p += n;
        left -= n;
    }
    if (rc == HTTPC_DONE && (!c->complete || c->status < 200 || c->status > 999))
        abort();
    struct ref ref;
    ref_parse(&ref, (const char *)data + 4, size - 4, c->head);
    if (rc == HTTPC_DONE && ref.below_100)
        broken("a status below 100 was taken for an interim answer");
    if (rc == HTTPC_DONE && ref.done && c->body_total != ref.body)
        broken("the body holds bytes that are not the final message's");
    if (rc == HTTPC_MORE)
        abort(); /* the stream ended: MORE is no longer a possible answer */
    if (rc != HTTPC_MORE && httpc_feed(c, "", 0) == HTTPC_MORE)
        abort();
    if (cookie_jar_count(c->jar) > COOKIE_JAR_MAX)
        broken("the cookie jar grew past its cap");
    httpc_cookies_clear(c);
    free(body);
    free(c);
    httpc_thread_end();
    return 0;
}
