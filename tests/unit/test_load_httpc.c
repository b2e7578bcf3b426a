/*
 * test_load_httpc.c: the HTTP client without a network: request serialisation
 * byte for byte, and the response parser fed by hand: split reads, chunked bodies,
 * bodies ended by close, interim 1xx answers, HEAD, and every cap (header block,
 * body kept, body accepted).
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "load/engine/httpc.h"

static char body_buf[64];

static void no_done(struct httpc_conn *c, enum httpc_result r)
{
    (void)c;
    (void)r;
}

static void conn_init(struct httpc_conn *c, size_t header_max, size_t body_max)
{
    static struct httpc_target t;
    struct httpc_limits lim = { header_max, sizeof body_buf, body_max, 0 };
    httpc_init(c, NULL, &t, &lim, NULL, 0, body_buf, no_done);
    httpc_reset_response(c);
}

static enum httpc_parse feed(struct httpc_conn *c, const char *s)
{
    return httpc_feed(c, s, strlen(s));
}

START_TEST(test_format_get_and_post)
{
    struct httpc_target t;
    char err[128], buf[4096];
    ck_assert_int_eq(httpc_target_parse(&t, "http://127.0.0.1:8080/base/", err, sizeof err), 0);
    ck_assert_str_eq(t.host, "127.0.0.1:8080");
    ck_assert_str_eq(t.prefix, "/base");
    struct lr_request r = { .method = "GET", .name = -1 };
    strcpy(r.path, "/health/live");
    size_t n = httpc_format(buf, sizeof buf, &t, &r);
    ck_assert_uint_eq(n, strlen("GET /base/health/live HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"));
    ck_assert(memcmp(buf, "GET /base/health/live HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", n)
              == 0);
    r.method = "POST";
    strcpy(r.path, "/api/holds");
    strcpy(r.body, "{\"a\":1}");
    r.body_len = 7;
    r.token = "tok";
    strcpy(r.idempotency_key, "k1");
    n = httpc_format(buf, sizeof buf, &t, &r);
    const char *want = "POST /base/api/holds HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                       "Authorization: Bearer tok\r\nIdempotency-Key: k1\r\n"
                       "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
    ck_assert_uint_eq(n, strlen(want));
    ck_assert(memcmp(buf, want, n) == 0);
    ck_assert_uint_eq(httpc_format(buf, 20, &t, &r), 0); /* does not fit: 0 */
    ck_assert_uint_ge(httpc_wbuf_max(&t), 512 + LR_BODY_MAX + LR_PATH_MAX + LR_TOKEN_MAX);
    ck_assert_uint_lt(httpc_wbuf_size(&t), 8192); /* a VU's own buffer stays small */
}
END_TEST

START_TEST(test_target_errors)
{
    struct httpc_target t;
    char err[128];
    ck_assert_int_eq(httpc_target_parse(&t, "https://127.0.0.1/", err, sizeof err), 0);
    ck_assert_ptr_nonnull(t.tls); /* https: a TLS context */
    ck_assert_str_eq(t.host, "127.0.0.1");
    httpc_target_free(&t);
    ck_assert_ptr_null(t.tls);
    ck_assert_int_eq(httpc_target_parse(&t, "ftp://x/", err, sizeof err), -1);
    ck_assert(strstr(err, "scheme") != NULL);
    ck_assert_int_eq(httpc_target_parse(&t, "http://:80/", err, sizeof err), -1);
    ck_assert_int_eq(httpc_target_parse(&t, "http://127.0.0.1", err, sizeof err), 0);
    ck_assert_str_eq(t.host, "127.0.0.1");
    ck_assert_str_eq(t.prefix, "");
}
END_TEST

START_TEST(test_content_length_split)
{
    struct httpc_conn c;
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 201 Created\r\nContent-Le"), HTTPC_MORE);
    ck_assert_int_eq(feed(&c, "ngth: 11\r\n\r\nhello"), HTTPC_MORE);
    ck_assert_int_eq(feed(&c, " world"), HTTPC_DONE);
    ck_assert_int_eq(c.status, 201);
    ck_assert(c.keep_alive);
    ck_assert_uint_eq(c.body_len, 11);
    ck_assert(memcmp(c.body, "hello world", 11) == 0);
    ck_assert_int_eq(feed(&c, "X"), HTTPC_BAD); /* nobody asked for more */
}
END_TEST

START_TEST(test_chunked)
{
    struct httpc_conn c;
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n1;ext=1\r\n \r\n"),
                     HTTPC_MORE);
    size_t kept = c.hdrs_len;
    ck_assert_int_eq(feed(&c, "5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n"), HTTPC_DONE);
    ck_assert_uint_eq(c.hdrs_len, kept); /* trailers are not kept */
    ck_assert_int_eq(c.status, 200);
    ck_assert_uint_eq(c.body_len, 11);
    ck_assert(memcmp(c.body, "hello world", 11) == 0);
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                     HTTPC_BAD); /* not a chunk size */
}
END_TEST

START_TEST(test_close_delimited_and_connection_close)
{
    struct httpc_conn c;
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.0 200 OK\r\n\r\nabc"), HTTPC_MORE);
    ck_assert_int_eq(httpc_feed(&c, NULL, 0), HTTPC_DONE); /* end of stream ends it */
    ck_assert_uint_eq(c.body_len, 3);
    ck_assert(!c.keep_alive);
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
                     HTTPC_DONE);
    ck_assert(!c.keep_alive);
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"), HTTPC_MORE);
    ck_assert_int_eq(httpc_feed(&c, NULL, 0), HTTPC_BAD); /* closed mid-body */
}
END_TEST

START_TEST(test_interim_and_head)
{
    struct httpc_conn c;
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
                     HTTPC_DONE);
    ck_assert_int_eq(c.status, 204);
    conn_init(&c, 1024, 1 << 20); /* an interim answer's body is not kept */
    ck_assert_int_eq(feed(&c, "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nhello"
                              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                     HTTPC_DONE);
    ck_assert_int_eq(c.status, 200);
    ck_assert_uint_eq(c.body_total, 2);
    ck_assert(memcmp(c.body, "ok", 2) == 0);
    conn_init(&c, 1024, 1 << 20); /* a status below 100 is malformed */
    ck_assert_int_eq(feed(&c, "HTTP/1.1 4 X\r\nContent-Length: 0\r\n\r\n"), HTTPC_BAD);
    conn_init(&c, 1024, 1 << 20);
    c.head = true;
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"), HTTPC_DONE);
    ck_assert_uint_eq(c.body_total, 0);
}
END_TEST

START_TEST(test_header_cap)
{
    struct httpc_conn c;
    conn_init(&c, 64, 1 << 20);
    ck_assert_int_eq(
        feed(
            &c,
            "HTTP/1.1 200 OK\r\nX-A: 0123456789012345678901234567890123456789012345678901234567890123456789"
            "0123456789\r\n\r\n"),
        HTTPC_BAD);
    conn_init(&c, 64, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n"),
                     HTTPC_DONE);
    /* the cap holds across many small reads too */
    conn_init(&c, 64, 1 << 20);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\n"), HTTPC_MORE);
    enum httpc_parse r = HTTPC_MORE;
    for (int i = 0; i < 100 && r == HTTPC_MORE; i++)
        r = feed(&c, "X-B: 12\r\n");
    ck_assert_int_eq(r, HTTPC_BAD);
}
END_TEST

START_TEST(test_body_caps)
{
    struct httpc_conn c;
    conn_init(&c, 1024, 100);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"), HTTPC_BAD);
    conn_init(&c, 1024, 100); /* chunked past body_max */
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "50\r\n"),
                     HTTPC_MORE);
    char chunk[0x50 + 1];
    memset(chunk, 'a', 0x50);
    chunk[0x50] = '\0';
    ck_assert_int_eq(feed(&c, chunk), HTTPC_MORE);
    ck_assert_int_eq(feed(&c, "\r\n50\r\n"), HTTPC_MORE);
    ck_assert_int_eq(feed(&c, chunk), HTTPC_BAD);
    conn_init(&c, 1024, 1000); /* kept: a prefix, all counted */
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nContent-Length: 80\r\n\r\n"), HTTPC_MORE);
    ck_assert_int_eq(feed(&c, chunk), HTTPC_DONE);
    ck_assert_uint_eq(c.body_len, sizeof body_buf);
    ck_assert_uint_eq(c.body_total, 80);
    ck_assert(c.truncated);
}
END_TEST

START_TEST(test_garbage)
{
    struct httpc_conn c;
    conn_init(&c, 1024, 1000);
    ck_assert_int_eq(feed(&c, "SSH-2.0-OpenSSH\r\n"), HTTPC_BAD);
    conn_init(&c, 1024, 1000);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"), HTTPC_BAD);
}
END_TEST

/* Feed a 200 answer with Content-Encoding enc and the body bytes. */
static enum httpc_parse feed_encoded(struct httpc_conn *c, const char *enc, const void *body,
                                     size_t len)
{
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n"
             "Content-Length: %zu\r\n\r\n",
             enc, len);
    enum httpc_parse r = feed(c, head);
    return r == HTTPC_MORE ? httpc_feed(c, body, len) : r;
}

/* Compress text with zlib: windowBits 15 (zlib), 31 (gzip) or -15 (raw deflate). */
static size_t squeeze(const char *text, int wbits, unsigned char *out, size_t cap)
{
    z_stream z = { 0 };
    ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

START_TEST(test_gzip_and_deflate)
{
    static const char text[] = "a body compressed, a body compressed, a body compressed, "
                               "and again: a body compressed, a body compressed!";
    unsigned char z[128];
    int wbits[] = { 31, 15, -15 };
    const char *enc[] = { "gzip", "deflate", "deflate" };
    for (int i = 0; i < 3; i++) {
        struct httpc_conn c;
        conn_init(&c, 1024, 1 << 20);
        size_t n = squeeze(text, wbits[i], z, sizeof z);
        ck_assert_int_eq(feed_encoded(&c, enc[i], z, n), HTTPC_DONE);
        ck_assert_int_eq(c.encoding, i == 0 ? HTTPC_ENC_GZIP : HTTPC_ENC_DEFLATE);
        ck_assert_uint_eq(c.body_len, sizeof body_buf); /* decoded, kept to the cap */
        ck_assert(c.truncated);
        ck_assert(memcmp(c.body, text, sizeof body_buf) == 0);
    }
    struct httpc_conn c;
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed_encoded(&c, "gzip", "not gzip at all", 15), HTTPC_BAD);
    conn_init(&c, 1024, 1 << 20);
    ck_assert_int_eq(feed_encoded(&c, "br", "kept as is", 10), HTTPC_DONE);
    ck_assert_int_eq(c.encoding, HTTPC_ENC_OTHER);
    ck_assert(memcmp(c.body, "kept as is", 10) == 0);
    httpc_thread_end();
}
END_TEST

START_TEST(test_location)
{
    struct httpc_conn c;
    char err[128], path[64];
    static struct httpc_target t;
    ck_assert_int_eq(httpc_target_parse(&t, "http://127.0.0.1:8080/v1", err, sizeof err), 0);
    struct httpc_limits lim = { 1024, sizeof body_buf, 1 << 20, 0 };
    httpc_init(&c, NULL, &t, &lim, NULL, 0, body_buf, no_done);
    const char *cases[][3] = {
        /* Location, origin, path (NULL: not followed) */
        { "/next?a=1", "", "/next?a=1" },
        { "http://127.0.0.1:8080/v1/x", "", "/v1/x" },
        { "HTTP://127.0.0.1:8080?q", "", "/?q" },
        { "http://127.0.0.1:8080", "", "/" },
        { "http://other:8080/x", "http://other:8080", "/x" },
        { "https://127.0.0.1:8080/x", "https://127.0.0.1:8080", "/x" },
        { "//other/x", NULL, NULL },
        { "relative", NULL, NULL },
        { "http:///x", NULL, NULL },
    };
    char origin[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        httpc_reset_response(&c);
        char head[256];
        snprintf(head, sizeof head,
                 "HTTP/1.1 302 Found\r\nlocation: %s\r\nContent-Length: 5"
                 "\r\n\r\nmoved",
                 cases[i][0]);
        ck_assert_int_eq(feed(&c, head), HTTPC_DONE);
        ck_assert_uint_eq(c.location_len, strlen(cases[i][0]));
        ck_assert_uint_eq(c.body_total, 5); /* counted, not kept */
        int rc = httpc_location(&c, origin, sizeof origin, path, sizeof path);
        ck_assert_int_eq(rc, cases[i][2] ? 0 : -1);
        if (cases[i][2]) {
            ck_assert_str_eq(origin, cases[i][1]);
            ck_assert_str_eq(path, cases[i][2]);
        }
    }
    httpc_reset_response(&c);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nLocation: /x\r\nContent-Length: 2\r\n\r\nok"),
                     HTTPC_DONE);
    ck_assert_uint_eq(c.location_len, 0); /* not a redirect */
    ck_assert(memcmp(c.body, "ok", 2) == 0);
    httpc_target_free(&t);
}
END_TEST

/* The headers kept, as "name=value;" for each pair. */
static void headers_text(const struct httpc_conn *c, char *out, size_t cap)
{
    const char *name, *value;
    size_t pos = 0, off = 0;
    out[0] = '\0';
    while (httpc_header_next(c->buf, c->hdrs_len, &pos, &name, &value))
        off += (size_t)snprintf(out + off, cap - off, "%s=%s;", name, value);
}

START_TEST(test_headers_kept)
{
    static char big[256];
    static struct httpc_target t;
    struct httpc_limits lim = { 1024, sizeof big, 1 << 20, 64 };
    struct httpc_conn c;
    char text[256];
    httpc_init(&c, NULL, &t, &lim, NULL, 0, big, no_done);
    httpc_reset_response(&c);
    ck_assert_int_eq(feed(&c, "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
                              "HTTP/1.1 429 Too Many\r\nRetry-"),
                     HTTPC_MORE);
    ck_assert_int_eq(feed(&c, "After: 7\r\nx-empty:\r\nset-cookie: a=1\r\nSet-Cookie: b=2"
                              "\r\nContent-Length: 4\r\n\r\nbody"),
                     HTTPC_DONE);
    headers_text(&c, text, sizeof text); /* the interim answer's are gone */
    ck_assert_str_eq(text, "Retry-After=7;x-empty=;set-cookie=a=1;Set-Cookie=b=2;");
    ck_assert_uint_eq(c.body_len, 4);
    ck_assert(memcmp(c.body, "body", 4) == 0);
    ck_assert_ptr_eq(c.body, c.buf + c.hdrs_len); /* the body follows them */
    httpc_reset_response(&c);                     /* past headers_keep: dropped whole */
    ck_assert_int_eq(feed(&c, "HTTP/1.1 200 OK\r\nA: 1\r\nLong: 0123456789012345678901234567"
                              "890123456789012345678901234567890\r\nB: 2\r\nContent-Length: 2"
                              "\r\n\r\nok"),
                     HTTPC_DONE);
    headers_text(&c, text, sizeof text);
    ck_assert_str_eq(text, "A=1;B=2;Content-Length=2;");
    ck_assert(memcmp(c.body, "ok", 2) == 0);
    httpc_cookies_clear(&c);
}
END_TEST

START_TEST(test_strip_credentials)
{
    char out[128];
    httpc_strip_credentials("X-A: 1\r\nauthorization: Bearer t\r\nCOOKIE: s=1\r\nX-B: 2\r\n", out,
                            sizeof out);
    ck_assert_str_eq(out, "X-A: 1\r\nX-B: 2\r\n");
    httpc_strip_credentials("", out, sizeof out);
    ck_assert_str_eq(out, "");
}
END_TEST

UNIT_MAIN("httpc", test_headers_kept, test_strip_credentials, test_format_get_and_post,
          test_target_errors, test_content_length_split, test_chunked,
          test_close_delimited_and_connection_close, test_interim_and_head, test_header_cap,
          test_body_caps, test_garbage, test_gzip_and_deflate, test_location)
