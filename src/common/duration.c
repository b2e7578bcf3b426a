/*
 * duration.c: parser of k6-style durations. Works in microseconds internally so that
 * "1.5ms" and "250us" are exact, and caps the total at 100 days against overflow.
 */
#include "common/duration.h"

#include <string.h>

#define MAX_US (100LL * 86400 * 1000000)

static int unit_us(const char **p, int64_t *mul)
{
    static const struct { const char *name; int64_t us; } units[] = {
        { "ms", 1000 }, { "us", 1 }, { "h", 3600000000LL }, { "m", 60000000LL }, { "s", 1000000 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if (strncmp(*p, units[i].name, n) == 0) {
            *p += n;
            *mul = units[i].us;
            return 0;
        }
    }
    return -1;
}

/* one part: digits [. digits] unit; adds its value to *total. */
static int parse_part(const char **p, int64_t *total)
{
    int64_t whole = 0, frac = 0, scale = 1, mul;
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++)
        if ((whole = whole * 10 + (*s - '0')) > MAX_US)
            return -1;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++)
            if (scale < 1000000000LL) {
                frac = frac * 10 + (*s - '0');
                scale *= 10;
            }
    }
    if (unit_us(&s, &mul) != 0)
        return -1;
    if (whole > MAX_US / mul)
        return -1;
    *total += whole * mul + frac * mul / scale;
    *p = s;
    return *total > MAX_US ? -1 : 0;
}

int duration_parse_ms(const char *s, int64_t *ms)
{
    int64_t total = 0;
    if (s == NULL || *s == '\0')
        return -1;
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return 0;
    }
    while (*s != '\0')
        if (parse_part(&s, &total) != 0)
            return -1;
    *ms = total / 1000;
    return 0;
}
