/* fault.h: the fault modes of lastroom-faultproxy and the control commands that set them. */
#ifndef LASTROOM_PROXY_FAULT_H
#define LASTROOM_PROXY_FAULT_H

#include <stddef.h>
#include <stdint.h>

#define FAULT_MAX_DELAY_MS 60000u /* cap on delay and on jitter */

enum fault_kind { FAULT_PASS, FAULT_LATENCY, FAULT_RESET, FAULT_BLACKHOLE, FAULT_DOWN };

struct fault_mode {
    enum fault_kind kind;
    unsigned delay_ms;  /* FAULT_LATENCY only */
    unsigned jitter_ms; /* FAULT_LATENCY only */
};

enum fault_verb { FAULT_CMD_MODE, FAULT_CMD_STATUS, FAULT_CMD_QUIT, FAULT_CMD_HELP };

struct fault_cmd {
    enum fault_verb verb;
    struct fault_mode mode; /* FAULT_CMD_MODE only */
};

/* fault_parse: parse one control line (no newline) such as "mode latency 50 20",
 * "mode pass", "status", "quit" or "help". Words are separated by spaces or tabs.
 * Returns 0 and fills *out, or -1 with a one-line reason in err (out is then undefined). */
int fault_parse(const char *line, struct fault_cmd *out, char *err, size_t errlen);

/* fault_name: the word for a mode kind ("pass", "latency", ...); never NULL. */
const char *fault_name(enum fault_kind kind);

/* fault_describe: write the mode as key=value words, e.g. "mode=latency delay_ms=50
 * jitter_ms=20", into buf (always terminated when n > 0). Returns what snprintf returns. */
int fault_describe(const struct fault_mode *m, char *buf, size_t n);

/* fault_delay_us: the delay to add to one forwarded chunk under mode m: delay plus a
 * uniform jitter in [0, jitter], in microseconds; 0 unless m is FAULT_LATENCY.
 * *rng is a non-zero xorshift state, advanced on each call. */
int64_t fault_delay_us(const struct fault_mode *m, uint64_t *rng);

#endif
