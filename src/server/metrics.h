/*
 * metrics.h: lastroomd's counters and the Prometheus text rendering of /metrics.
 *
 * Recording is a few relaxed atomic additions (no lock, no allocation), so any thread
 * may record. Requests are counted by route and status; latency goes into one
 * fixed-bucket histogram per route; booking events have their own counters.
 */
#ifndef LASTROOM_SERVER_METRICS_H
#define LASTROOM_SERVER_METRICS_H

#include <stdint.h>

#include "server/pool.h"
#include "server/router.h"

enum metrics_event {
    EV_NONE,
    EV_HOLD_CREATED,
    EV_SOLD_OUT,
    EV_BOOKING_CONFIRMED,
    EV_BOOKING_CANCELLED,
    EV_HOLD_RELEASED,
    EV_HOLD_EXPIRED,
    EV_COUNT
};

/* metrics_request: count one answered request and its latency in microseconds. */
void metrics_request(enum route route, int status, int64_t latency_us);

/* metrics_event: add n to an event counter. */
void metrics_event(enum metrics_event ev, uint64_t n);

/* metrics_render: the whole exposition text (malloc'd; caller frees), including the
 * database pool's and the hashing pool's gauges, and how many holds and confirms wait
 * in the coalescers' lanes; NULL on no memory. */
char *metrics_render(const struct pool_stats *db, const struct pool_stats *cpu, int holds_waiting,
                     int confirms_waiting);

#endif
