/*
 * template.c: compiling and expanding the http scenario's request templates.
 *
 * Compiling (setup, main thread) splits the text into literal parts and placeholders
 * and adds up the longest each can expand to, so that expanding (each request, on the
 * VU's thread) is a copy of the parts with a few integers written in decimal: no
 * allocation, no lock, no snprintf, and no output that could be cut short.
 */
#include "load/engine/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS_U64 20 /* the longest uint64_t in decimal */
#define DIGITS_INT 11 /* the longest int, sign included */

static int tpl_fail(char *err, size_t errlen, const char *what, const char *src, size_t len)
{
    snprintf(err, errlen, "template: %s in '%.*s'", what, (int)(len > 200 ? 200 : len), src);
    return -1;
}

/* Decimal digits of v with its sign. */
static size_t digits(int64_t v)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = v < 0 ? 2 : 1;
    while (u >= 10) {
        u /= 10;
        n++;
    }
    return n;
}

static int add_part(struct tpl *t, struct tpl_part p, size_t longest)
{
    if (t->nparts >= TPL_PARTS_MAX)
        return -1;
    t->parts[t->nparts++] = p;
    t->max_len += longest;
    return 0;
}

/* "rand A B" (spaces trimmed already): the range into p. */
static int parse_rand(const char *s, const char *end, struct tpl_part *p)
{
    char buf[64], *e1, *e2;
    size_t n = (size_t)(end - s);
    if (n >= sizeof buf || n < 5 || memcmp(s, "rand", 4) != 0 || (s[4] != ' ' && s[4] != '\t'))
        return -1;
    memcpy(buf, s + 4, n - 4);
    buf[n - 4] = '\0';
    long long lo = strtoll(buf, &e1, 10);
    if (e1 == buf || (*e1 != ' ' && *e1 != '\t'))
        return -1;
    long long hi = strtoll(e1, &e2, 10);
    if (e2 == e1 || *e2 != '\0' || lo > hi || lo < -TPL_RAND_LIMIT || hi > TPL_RAND_LIMIT)
        return -1;
    p->kind = TPL_RAND;
    p->lo = lo;
    p->hi = hi;
    return 0;
}

/* "vu + N" (spaces trimmed already, "vu" checked): the offset N into p. */
static int parse_vu_offset(const char *s, const char *end, struct tpl_part *p)
{
    char buf[32], *e;
    s += 2;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s == end || *s != '+')
        return -1;
    s++;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof buf || *s < '0' || *s > '9')
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    long long v = strtoll(buf, &e, 10);
    if (*e != '\0' || v > TPL_RAND_LIMIT)
        return -1;
    p->kind = TPL_VU;
    p->lo = v;
    return 0;
}

/* The placeholder between s and end (inside the braces). Returns 0, or -1. */
static int add_placeholder(struct tpl *t, const char *s, const char *end)
{
    struct tpl_part p = { .kind = TPL_TEXT };
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t n = (size_t)(end - s);
    if (n == 2 && !memcmp(s, "vu", 2)) {
        p.kind = TPL_VU;
        return add_part(t, p, DIGITS_INT);
    }
    if (n > 2 && !memcmp(s, "vu", 2) && (s[2] == ' ' || s[2] == '\t' || s[2] == '+'))
        return parse_vu_offset(s, end, &p) != 0 ? -1 : add_part(t, p, DIGITS_U64);
    if (n == 4 && !memcmp(s, "iter", 4)) {
        p.kind = TPL_ITER;
        return add_part(t, p, DIGITS_U64);
    }
    if (parse_rand(s, end, &p) != 0)
        return -1;
    size_t a = digits(p.lo), b = digits(p.hi);
    return add_part(t, p, a > b ? a : b);
}

static int add_text(struct tpl *t, size_t off, size_t len, const char *forbid)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; forbid && i < len; i++)
        if (t->src[off + i] == '\0' || strchr(forbid, t->src[off + i]))
            return -2;
    struct tpl_part p = { .kind = TPL_TEXT, .off = off, .len = len };
    return add_part(t, p, len);
}

int tpl_compile(struct tpl *t, const char *src, size_t len, size_t cap, const char *forbid,
                char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->src = src;
    size_t at = 0;
    while (at < len) {
        const char *open = memmem(src + at, len - at, "{{", 2);
        size_t text_end = open ? (size_t)(open - src) : len;
        int rc = add_text(t, at, text_end - at, forbid);
        if (rc == -2)
            return tpl_fail(err, errlen,
                            "a forbidden character (space, CR or LF) outside "
                            "{{...}}",
                            src, len);
        if (rc < 0)
            return tpl_fail(err, errlen, "more than 32 parts", src, len);
        if (!open)
            break;
        const char *close = memmem(open + 2, len - (text_end + 2), "}}", 2);
        if (!close)
            return tpl_fail(err, errlen, "{{ without }}", src, len);
        if (add_placeholder(t, open + 2, close) != 0)
            return tpl_fail(err, errlen,
                            t->nparts >= TPL_PARTS_MAX
                                ? "more than 32 parts"
                                : "unknown placeholder (want {{vu}}, {{vu + N}}, {{iter}} or "
                                  "{{rand A B}} with A <= B, within +-10^15)",
                            src, len);
        at = (size_t)(close - src) + 2;
    }
    if (t->max_len >= cap) {
        snprintf(err, errlen,
                 "template: may expand to %zu bytes, over the %zu-byte cap: "
                 "'%.*s'",
                 t->max_len, cap - 1, (int)(len > 200 ? 200 : len), src);
        return -1;
    }
    return 0;
}

/* The magnitude u in decimal at out, after a '-' when neg (room for DIGITS_U64 + 1
 * bytes); returns the length. */
static size_t put_num(char *out, uint64_t u, bool neg)
{
    char tmp[DIGITS_U64];
    size_t n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

/* A placeholder's value for vu, written at out; returns its length. */
static size_t put_part(char *out, const struct tpl_part *p, struct lr_vu *vu)
{
    switch (p->kind) {
    case TPL_VU: return put_num(out, (vu->id < 0 ? 0 : (uint64_t)vu->id) + (uint64_t)p->lo, false);
    case TPL_ITER: return put_num(out, vu->iteration ? vu->iteration - 1 : 0, false);
    default: {
        int64_t v = p->lo + (int64_t)lr_rand(vu, (uint64_t)(p->hi - p->lo) + 1);
        return put_num(out, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
    }
    }
}

int tpl_expand(const struct tpl *t, struct lr_vu *vu, char *out, size_t cap)
{
    size_t len = 0;
    char num[DIGITS_U64 + 2];
    for (int i = 0; i < t->nparts; i++) {
        const struct tpl_part *p = &t->parts[i];
        const char *from = t->src + p->off;
        size_t n = p->len;
        if (p->kind != TPL_TEXT) {
            n = put_part(num, p, vu);
            from = num;
        }
        if (len + n >= cap) {
            if (cap)
                out[0] = '\0';
            return -1;
        }
        memcpy(out + len, from, n);
        len += n;
    }
    if (cap == 0)
        return -1;
    out[len] = '\0';
    return (int)len;
}
