/*
 * duration.c: k6 durations and stages (see duration.h), and k6's way of printing
 * a duration in its summary.
 */
#include "load/engine/duration.h"

#include "common/duration.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, const char *text)
{
    snprintf(err, errlen, fmt, text);
    return -1;
}

/* dur_parse: the shared parser; kept under this module's prefix for the tester's callers. */
int dur_parse(const char *text, double *seconds, char *err, size_t errlen)
{
    return duration_parse(text, seconds, err, errlen);
}

int dur_parse_stage(const char *text, struct lr_stage *out, char *err, size_t errlen)
{
    char buf[64], *end;
    const char *colon = strrchr(text, ':');
    if (!colon)
        return fail(err, errlen, "stage \"%s\": expected DURATION:TARGET, e.g. 30s:50", text);
    size_t n = (size_t)(colon - text);
    if (n >= sizeof buf)
        return fail(err, errlen, "stage \"%s\": duration too long", text);
    memcpy(buf, text, n);
    buf[n] = '\0';
    double seconds, target = strtod(colon + 1, &end);
    if (dur_parse(buf, &seconds, err, errlen) < 0)
        return -1;
    if (end == colon + 1 || *end || !isdigit((unsigned char)colon[1]) || !isfinite(target))
        return fail(err, errlen, "stage \"%s\": the target after ':' must be a number >= 0", text);
    out->duration_s = seconds;
    out->target = target;
    return 0;
}

int dur_parse_stages(const char *text, struct lr_stage *out, int max, int *n, char *err,
                     size_t errlen)
{
    char buf[128];
    *n = 0;
    for (const char *p = text;; p++) {
        size_t len = strcspn(p, ",");
        if (*n >= max)
            return fail(err, errlen, "too many stages in \"%s\"", text);
        if (len >= sizeof buf)
            return fail(err, errlen, "stage too long in \"%s\"", text);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (dur_parse_stage(buf, &out[*n], err, errlen) < 0)
            return -1;
        ++*n;
        p += len;
        if (!*p)
            return 0;
    }
}

/* Print v truncated to at most decimals places, without trailing zeros. */
static void print_trunc(char *buf, size_t len, double v, int decimals, const char *unit)
{
    double mult = pow(10, decimals);
    char num[64];
    snprintf(num, sizeof num, "%.*f", decimals, trunc(v * mult + 1e-6) / mult);
    if (strchr(num, '.')) {
        char *e = num + strlen(num);
        while (e[-1] == '0')
            *--e = '\0';
        if (e[-1] == '.')
            e[-1] = '\0';
    }
    snprintf(buf, len, "%s%s", num, unit);
}

char *dur_format_ms(double ms, char *buf, size_t len)
{
    const char *sign = ms < 0 ? "-" : "";
    double d = fabs(ms);
    char tail[64];
    if (d == 0 || !isfinite(d))
        snprintf(tail, sizeof tail, "%s", d == 0 ? "0s" : "inf");
    else if (d < 0.001)
        snprintf(tail, sizeof tail, "%.0fns", trunc(d * 1e6 + 1e-6));
    else if (d < 1)
        print_trunc(tail, sizeof tail, d * 1000, 2, "\xc2\xb5s");
    else if (d < 1000)
        print_trunc(tail, sizeof tail, d, 2, "ms");
    else {
        char secs[32];
        double minutes = trunc(d / 60000 + 1e-9);
        print_trunc(secs, sizeof secs, fmod(d, 60000) / 1000, d > 60000 ? 0 : 2, "s");
        if (minutes < 1)
            snprintf(tail, sizeof tail, "%s", secs);
        else if (minutes < 60)
            snprintf(tail, sizeof tail, "%.0fm%s", minutes, secs);
        else
            snprintf(tail, sizeof tail, "%.0fh%.0fm%s", trunc(minutes / 60), fmod(minutes, 60),
                     secs);
    }
    snprintf(buf, len, "%s%s", sign, tail);
    return buf;
}
