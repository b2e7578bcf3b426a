/*
 * duration.h: k6-style duration strings ("500ms", "15s", "1m30s", "2h") as milliseconds.
 *
 * A duration is one or more <number><unit> parts; units h, m, s, ms, us (rounded down
 * to ms). "0" alone is accepted. Decimal parts are allowed ("1.5s"). Parsing is shared
 * by the server's --hold-ttl and the load tester's options.
 */
#ifndef LASTROOM_DURATION_H
#define LASTROOM_DURATION_H

#include <stdint.h>

/* duration_parse_ms: s as a duration. Returns 0 and sets *ms, or -1 (*ms unchanged)
 * on anything else, including an empty string, a missing unit and overflow past
 * 100 days. */
int duration_parse_ms(const char *s, int64_t *ms);

#endif
