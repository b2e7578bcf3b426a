/*
 * duration.c: the one parser of k6-style durations ("500ms", "1m30s", "1.5h"), used by
 * lastroomd's options and lastroom-load's command line, profiles and fault schedules.
 * Grammar and limits in duration.h.
 */
#include "common/duration.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define DUR_MAX_SECONDS 1e9 /* about 31 years: anything longer is a typo */

static const struct unit {
    const char *text;
    double seconds;
} units[] = {
    /* longest spelling first where one is a prefix of another */
    { "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "\xce\xbcs", 1e-6 },
    { "ms", 1e-3 }, { "s", 1 },     { "m", 60 },           { "h", 3600 },
};

/* Read digits[.digits] at *p into *v; false when there is no digit. */
static int read_number(const char **p, double *v)
{
    const char *s = *p;
    double x = 0, scale = 1;
    int digits = 0;
    for (; isdigit((unsigned char)*s); s++, digits++)
        x = x * 10 + (*s - '0');
    if (*s == '.')
        for (s++; isdigit((unsigned char)*s); s++, digits++)
            x += (*s - '0') * (scale /= 10);
    *p = s;
    *v = x;
    return digits > 0;
}

/* Match a unit at *p; returns its length in seconds, or 0 when none matches. */
static double read_unit(const char **p)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].text);
        if (strncmp(*p, units[i].text, n) == 0) {
            *p += n;
            return units[i].seconds;
        }
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *text)
{
    snprintf(err, errlen, fmt, text);
    return -1;
}

int duration_parse(const char *text, double *seconds, char *err, size_t errlen)
{
    if (!text || !*text)
        return fail(err, errlen, "empty duration%s, expected e.g. 30s, 1m30s or 500ms", "");
    if (strcmp(text, "0") == 0)
        return *seconds = 0, 0;
    if (text[0] == '-')
        return fail(err, errlen, "duration \"%s\" is negative", text);
    if (strspn(text, "0123456789.") == strlen(text)) {
        snprintf(err, errlen, "duration \"%s\" has no unit: write e.g. %ss or %sms", text, text,
                 text);
        return -1;
    }
    double total = 0, v, unit;
    for (const char *p = text; *p;) {
        if (!read_number(&p, &v))
            return fail(err, errlen,
                        "duration \"%s\": expected a number before each unit "
                        "(e.g. 1m30s)",
                        text);
        if ((unit = read_unit(&p)) == 0)
            return fail(err, errlen,
                        "duration \"%s\": unknown or missing unit, use ns, us, "
                        "ms, s, m or h",
                        text);
        total += v * unit;
    }
    if (total > DUR_MAX_SECONDS)
        return fail(err, errlen, "duration \"%s\" is too long", text);
    *seconds = total;
    return 0;
}

int duration_parse_ms(const char *s, int64_t *ms)
{
    char err[128];
    double seconds;
    if (duration_parse(s, &seconds, err, sizeof err) != 0 || seconds > DURATION_MS_MAX_SECONDS)
        return -1;
    /* through whole microseconds, so that 0.3s is 300 ms and not 299.999... */
    *ms = (int64_t)llround(seconds * 1e6) / 1000;
    return 0;
}
