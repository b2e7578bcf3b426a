/*
 * nemreport.h: what a nemesis saw, after the run: the timeline of its faults, and per
 * fault kind how many were injected, how many requests ended unknown around them and
 * how long lastroomd took to serve again (p50 and max), as text and as JSON.
 */
#ifndef LASTROOM_LOAD_BOOKING_NEMREPORT_H
#define LASTROOM_LOAD_BOOKING_NEMREPORT_H

#include <jansson.h>
#include <stddef.h>

#include "load/booking/nemesis.h"

/* nemreport_text: the timeline and the table per kind, as text (after nemesis_stop).
 * Returns the length written (truncated to outlen - 1). */
size_t nemreport_text(const struct nemesis *n, char *out, size_t outlen);

/* nemreport_json: the same figures as a new JSON object: {"faults": {KIND: {"scheduled",
 * "injected", "failed", "unknown", "recovery_ms": {"p50", "max"}}}, "timeline": [...],
 * "unknown_requests", "unknown_around_faults"}. NULL on no memory. */
json_t *nemreport_json(const struct nemesis *n);

/* nemreport_injected: how many faults of kind k were injected (after nemesis_stop). */
int nemreport_injected(const struct nemesis *n, enum nemesis_kind k);

#endif
