/*
 * duration.h: durations as k6 writes them, parsed once for both programs.
 *
 * Accepted durations follow Go's time.ParseDuration, which k6 uses: one or more
 * <number><unit> parts, units ns, us (or µs), ms, s, m, h, numbers with decimals
 * ("1h2m3.5s", "500ms", "1.5m"); "0" alone is zero. A bare number other than "0" is
 * refused: k6 reads a bare number as milliseconds in some places and as seconds in
 * none, and "30" on a command line is more likely meant as seconds, so we ask for the
 * unit instead of guessing. Negative durations and durations over about 31 years are
 * refused.
 */
#ifndef LASTROOM_COMMON_DURATION_H
#define LASTROOM_COMMON_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* duration_parse: parse text into *seconds. Returns 0, or -1 with a message naming
 * the problem in err (*seconds unchanged). */
int duration_parse(const char *text, double *seconds, char *err, size_t errlen);

#define DURATION_MS_MAX_SECONDS (100.0 * 86400) /* the server's options: 100 days */

/* duration_parse_ms: s as whole milliseconds (rounded down, to the microsecond first).
 * Returns 0 and sets *ms, or -1 (*ms unchanged) on anything duration_parse refuses and
 * on more than 100 days. */
int duration_parse_ms(const char *s, int64_t *ms);

#endif
