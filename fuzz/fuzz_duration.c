/*
 * fuzz_duration.c: libFuzzer harness for the duration parsers: lastroom-load's k6
 * durations and stages (dur_parse, dur_parse_stage, dur_parse_stages) from profiles
 * and the command line, its summary's duration printer (dur_format_ms), and the
 * shared duration_parse_ms behind lastroomd's --hold-ttl.
 *
 * The first byte picks the function; the rest is its input (for dur_format_ms, eight
 * bytes of a double). Properties: an accepted duration is finite and within 0..the
 * cap (1e9 s, some 31 years, for the tester; 100 days for the server); accepted stages have
 * targets >= 0 and at most the asked count; messages and printed durations are
 * NUL-terminated within their buffers; a refusal leaves the output alone.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "load/engine/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STAGES 8

static void check_err(const char *err, size_t cap)
{
    if (memchr(err, '\0', cap) == NULL)
        abort();
}

static void one_duration(const char *s)
{
    char err[128];
    double secs = -42;
    memset(err, 'x', sizeof err);
    if (dur_parse(s, &secs, err, sizeof err) == 0) {
        if (!isfinite(secs) || secs < 0 || secs > 1e9)
            abort();
        char out[64];
        dur_format_ms(secs * 1000, out, sizeof out);
        if (memchr(out, '\0', sizeof out) == NULL || out[0] == '\0')
            abort();
    } else {
        check_err(err, sizeof err);
        if (secs != -42)
            abort();
    }
}

static void stages(const char *s, int one)
{
    char err[128];
    struct lr_stage st[MAX_STAGES + 1];
    int n = -1;
    memset(err, 'x', sizeof err);
    memset(st, 0, sizeof st);
    st[MAX_STAGES].target = -7; /* a guard past the end */
    int rc = one ? dur_parse_stage(s, st, err, sizeof err)
                 : dur_parse_stages(s, st, MAX_STAGES, &n, err, sizeof err);
    if (st[MAX_STAGES].target != -7)
        abort();
    if (rc != 0) {
        check_err(err, sizeof err);
        return;
    }
    int count = one ? 1 : n;
    if (count < 1 || count > MAX_STAGES)
        abort();
    for (int i = 0; i < count; i++)
        if (!(st[i].target >= 0) || !isfinite(st[i].target) || !(st[i].duration_s >= 0))
            abort();
}

static void format(const uint8_t *p, size_t n)
{
    double ms;
    char out[48];
    if (n < sizeof ms)
        return;
    memcpy(&ms, p, sizeof ms);
    size_t cap = 1 + p[sizeof ms - 1] % sizeof out; /* small buffers too */
    memset(out, 'x', sizeof out);
    if (dur_format_ms(ms, out, cap) != out || memchr(out, '\0', cap) == NULL)
        abort();
    for (size_t i = cap; i < sizeof out; i++)
        if (out[i] != 'x')
            abort();
}

static void server_ttl(const char *s)
{
    int64_t ms = -42;
    if (duration_parse_ms(s, &ms) == 0) {
        if (ms < 0 || ms > 100LL * 86400 * 1000)
            abort();
    } else if (ms != -42) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    if (s == NULL)
        abort();
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 5) {
    case 0: one_duration(s); break;
    case 1: stages(s, 1); break;
    case 2: stages(s, 0); break;
    case 3: format(data + 1, size - 1); break;
    default: server_ttl(s); break;
    }
    free(s);
    return 0;
}
