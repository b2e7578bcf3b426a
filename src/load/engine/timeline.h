/*
 * timeline.h: a run's figures per interval of time (one second for runs up to an
 * hour): requests, failed requests, active VUs and the latency percentiles p50, p95
 * and p99 of http_req_duration in that interval, for the report's charts and for the
 * noise estimate of `lastroom-load compare`.
 *
 * Each worker thread records into a timeline of its own (no lock, no allocation: a
 * point is a few counters and a coarse latency histogram, all allocated for the whole
 * planned run at creation); the monitor thread sets the VUs of its points in another;
 * after the run they are merged into one. The per-interval percentiles are coarse (16
 * buckets per power of two: within 3.2% of the value of their rank) and, once
 * exported, cannot be merged across runs: the exact whole-run percentiles come from
 * the metrics' histograms.
 */
#ifndef LASTROOM_LOAD_ENGINE_TIMELINE_H
#define LASTROOM_LOAD_ENGINE_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#define TIMELINE_MAX_POINTS 3600 /* a run planned longer than this gets wider points */

struct timeline;

/* One point, as read back. */
struct timeline_point {
    double start_s;                /* the interval [start_s, start_s + step) of the run */
    uint64_t requests, errors;     /* responses and transport failures; failed ones */
    int vus;                       /* the most VUs active during the interval */
    double p50_ms, p95_ms, p99_ms; /* of the requests that got a response; 0 when none */
};

/* timeline_new: an empty timeline for a run planned to last planned_s seconds (its
 * points are one second wide, or wider so that there are at most TIMELINE_MAX_POINTS).
 * Samples past the planned end count in the last point. Returns NULL on no memory. */
struct timeline *timeline_new(double planned_s);
/* timeline_new_like: an empty timeline with t's layout, for another thread. */
struct timeline *timeline_new_like(const struct timeline *t);
void timeline_free(struct timeline *t);

/* timeline_request: count a request that ended at_s seconds into the run; latency_ms
 * < 0 when it got no response (it then counts in requests and errors, not in the
 * percentiles). failed: it counts in errors. No allocation, no lock. */
void timeline_request(struct timeline *t, double at_s, double latency_ms, bool failed);
/* timeline_vus: vus VUs were active at_s seconds into the run (a point keeps its max). */
void timeline_vus(struct timeline *t, double at_s, int vus);

/* timeline_merge: add src's points into dst (VUs: the larger). Returns 0, or -1 (dst
 * unchanged) when the two have different layouts. */
int timeline_merge(struct timeline *dst, const struct timeline *src);

double timeline_step(const struct timeline *t); /* seconds per point */
/* timeline_count: the points that cover a run of elapsed_s seconds (at least 1). */
int timeline_count(const struct timeline *t, double elapsed_s);
/* timeline_get: point i (0 <= i < timeline_count), read into *out. */
void timeline_get(const struct timeline *t, int i, struct timeline_point *out);

#endif
