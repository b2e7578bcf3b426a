/* fault.c: the fault modes of lastroom-faultproxy and the parser of its control lines.
 *
 * The control channel speaks one command per line; this file turns a line into a
 * struct fault_cmd and knows nothing of sockets. Numbers are capped (FAULT_MAX_DELAY_MS)
 * and a line with extra or missing words is refused, so a typo never becomes a fault.
 */
#include "proxy/fault.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_MAX_WORDS 6
#define FAULT_WORD_CAP  32

struct words {
    int n;
    char w[FAULT_MAX_WORDS][FAULT_WORD_CAP];
};

/* refuse: write the reason into err and return -1. */
__attribute__((format(printf, 3, 4))) static int refuse(char *err, size_t errlen, const char *fmt,
                                                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Split line into at most FAULT_MAX_WORDS words of under FAULT_WORD_CAP bytes each. */
static int split(const char *line, struct words *ws, char *err, size_t errlen)
{
    ws->n = 0;
    const char *p = line;
    for (;;) {
        p += strspn(p, " \t\r");
        if (*p == '\0')
            return 0;
        size_t len = strcspn(p, " \t\r");
        if (ws->n == FAULT_MAX_WORDS)
            return refuse(err, errlen, "too many words");
        if (len >= FAULT_WORD_CAP)
            return refuse(err, errlen, "word too long");
        memcpy(ws->w[ws->n], p, len);
        ws->w[ws->n][len] = '\0';
        ws->n++;
        p += len;
    }
}

/* Parse a whole decimal number in [0, FAULT_MAX_DELAY_MS]. */
static int parse_ms(const char *s, unsigned *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > FAULT_MAX_DELAY_MS)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_latency(const struct words *ws, struct fault_mode *m, char *err, size_t errlen)
{
    m->jitter_ms = 0;
    if (ws->n < 3 || ws->n > 4)
        return refuse(err, errlen, "usage: mode latency DELAY_MS [JITTER_MS]");
    if (parse_ms(ws->w[2], &m->delay_ms) != 0
        || (ws->n == 4 && parse_ms(ws->w[3], &m->jitter_ms) != 0))
        return refuse(err, errlen, "delay and jitter are whole milliseconds from 0 to %u",
                      FAULT_MAX_DELAY_MS);
    return 0;
}

static int parse_mode(const struct words *ws, struct fault_mode *m, char *err, size_t errlen)
{
    static const enum fault_kind plain[] = { FAULT_PASS, FAULT_RESET, FAULT_BLACKHOLE, FAULT_DOWN };
    memset(m, 0, sizeof *m);
    if (ws->n < 2)
        return refuse(err, errlen, "usage: mode pass|latency D [J]|reset|blackhole|down");
    if (strcmp(ws->w[1], "latency") == 0) {
        m->kind = FAULT_LATENCY;
        return parse_latency(ws, m, err, errlen);
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (strcmp(ws->w[1], fault_name(plain[i])) != 0)
            continue;
        if (ws->n != 2)
            return refuse(err, errlen, "mode %s takes no arguments", ws->w[1]);
        m->kind = plain[i];
        return 0;
    }
    return refuse(err, errlen, "unknown mode '%s'", ws->w[1]);
}

int fault_parse(const char *line, struct fault_cmd *out, char *err, size_t errlen)
{
    static const struct {
        const char *word;
        enum fault_verb verb;
    } bare[] = {
        { "status", FAULT_CMD_STATUS },
        { "quit", FAULT_CMD_QUIT },
        { "help", FAULT_CMD_HELP },
    };
    struct words ws;
    if (split(line, &ws, err, errlen) != 0)
        return -1;
    if (ws.n == 0)
        return refuse(err, errlen, "empty command");
    if (strcmp(ws.w[0], "mode") == 0) {
        out->verb = FAULT_CMD_MODE;
        return parse_mode(&ws, &out->mode, err, errlen);
    }
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        if (strcmp(ws.w[0], bare[i].word) != 0)
            continue;
        if (ws.n != 1)
            return refuse(err, errlen, "%s takes no arguments", ws.w[0]);
        out->verb = bare[i].verb;
        return 0;
    }
    return refuse(err, errlen, "unknown command '%s' (try help)", ws.w[0]);
}

const char *fault_name(enum fault_kind kind)
{
    switch (kind) {
    case FAULT_PASS: return "pass";
    case FAULT_LATENCY: return "latency";
    case FAULT_RESET: return "reset";
    case FAULT_BLACKHOLE: return "blackhole";
    case FAULT_DOWN: return "down";
    }
    return "unknown";
}

int fault_describe(const struct fault_mode *m, char *buf, size_t n)
{
    if (m->kind == FAULT_LATENCY)
        return snprintf(buf, n, "mode=latency delay_ms=%u jitter_ms=%u", m->delay_ms, m->jitter_ms);
    return snprintf(buf, n, "mode=%s", fault_name(m->kind));
}

int64_t fault_delay_us(const struct fault_mode *m, uint64_t *rng)
{
    if (m->kind != FAULT_LATENCY)
        return 0;
    int64_t us = (int64_t)m->delay_ms * 1000;
    if (m->jitter_ms == 0)
        return us;
    uint64_t x = *rng; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *rng = x;
    return us + (int64_t)(x % ((uint64_t)m->jitter_ms * 1000 + 1));
}
