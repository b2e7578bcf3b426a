/*
 * duration.h: durations and stages as k6 writes them, parsed and printed.
 *
 * The grammar of a duration, and its parser, are common/duration.h's; this module adds
 * k6's stages and the summary's way of printing a duration.
 */
#ifndef LASTROOM_LOAD_ENGINE_DURATION_H
#define LASTROOM_LOAD_ENGINE_DURATION_H

#include <stddef.h>

#include "load/engine/scenario.h"

/* dur_parse: parse text into *seconds. Returns 0, or -1 with a message naming the
 * problem in err (*seconds unchanged). */
int dur_parse(const char *text, double *seconds, char *err, size_t errlen);

/* dur_parse_stage: parse "DURATION:TARGET" ("30s:50"; TARGET a number >= 0) into *out.
 * Returns 0, or -1 with a message in err (*out unchanged). */
int dur_parse_stage(const char *text, struct lr_stage *out, char *err, size_t errlen);

/* dur_parse_stages: parse a comma-separated list of stages ("10s:20,30s:50") into
 * out[0..max) and set *n. Returns 0, or -1 with a message in err (out and *n may hold
 * the stages before the bad one). */
int dur_parse_stages(const char *text, struct lr_stage *out, int max, int *n, char *err,
                     size_t errlen);

/* dur_format_ms: write a duration given in milliseconds the way k6's summary does
 * ("0s", "850ns", "340µs", "1.23ms", "2.5s", "1m2s", "1h0m5s"): two decimals at most,
 * truncated, without trailing zeros. Returns buf (always NUL-terminated when len > 0). */
char *dur_format_ms(double ms, char *buf, size_t len);

#endif
