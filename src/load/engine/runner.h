/*
 * runner.h: the run itself: threads, virtual users, the start barrier, live
 * snapshots for the progress line and abortOnFail, and the final merge of shards.
 *
 * runner_run blocks the calling thread for the whole run. It makes one worker thread
 * per --threads, each with its own event loop, metrics shard and a fixed slice of the
 * VUs of every scenario of the run (a part: k6's options.scenarios entry, with its
 * own executor and startTime; every thread serves VUs of every part); everything a VU needs (its connection,
 * request buffer, body buffer, timers) is allocated before the start and never after.
 * About once a second the calling thread gathers a snapshot (each worker merges its
 * own shard on its own thread) and hands it to cfg->tick, which may print progress
 * and judge thresholds; a true answer stops the run.
 */
#ifndef LASTROOM_LOAD_ENGINE_RUNNER_H
#define LASTROOM_LOAD_ENGINE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/export.h"
#include "load/engine/httpc.h"
#include "load/engine/metrics.h"
#include "load/engine/scenario.h"
#include "load/engine/segment.h"
#include "load/engine/timeline.h"

/* What a tick sees, besides the merged metrics. */
struct runner_progress {
    double elapsed_s;     /* since the start */
    double duration_s;    /* scheduled (without gracefulStop) */
    int vus, vus_max;     /* VUs active now, VUs initialised */
    uint64_t iterations;  /* complete */
    uint64_t interrupted; /* cut short by the end, an abort or a ramp-down */
    uint64_t requests;
    bool final; /* the last call, after the run */
};

struct runner_config {
    const struct lr_scenario *scenario;
    struct lr_scenario_env *env; /* env->metrics holds the series (before shards) */
    const struct lr_part *parts; /* the scenarios run at once (at least one), each with
                                    its own executor (scaled to the segment, if any),
                                    VUs, startTime and barrier */
    int nparts;
    int64_t start_at_ns;            /* --start-at: the first barrier releases when
                                           complete and not before this instant
                                           (CLOCK_REALTIME ns); 0: when complete */
    const struct seg_plan *segment; /* this part's execution segment: VU ids in
                                           the whole test, its arrivals; NULL: whole */
    const struct httpc_target *target;
    int threads;                  /* 0: one per online CPU */
    double timeout_s;             /* request timeout when the request gives none */
    struct httpc_limits limits;   /* 0 fields: defaults */
    int max_redirects;            /* same-origin redirects followed per request:
                                           0: k6's default of 10; < 0: none */
    struct export_ndjson *ndjson; /* --out json, or NULL */
    struct timeline *timeline;    /* per-second figures (timeline.h), filled at
                                           the end of the run; NULL: none */
    /* called on the calling thread about once a second with the metrics merged so
     * far, and once more at the end (final); returns true to stop the run early */
    bool (*tick)(void *arg, const struct runner_progress *p, const struct metrics *m);
    void *tick_arg;
    /* called on a worker thread, without lock, for every request that was sent in
     * full and got no answer (its outcome is unknown), with the time its first byte
     * was written (CLOCK_MONOTONIC ns); NULL: none. It must not block or allocate. */
    void (*unknown)(void *arg, uint64_t mono_ns);
    void *unknown_arg;
};

struct runner_result {
    double elapsed_s;
    uint64_t iterations, interrupted, dropped;
    int vus_max;
    bool stopped; /* tick (or runner_interrupt) ended it early */
};

/* runner_run: run scenario under its parts against target. VUs are initialised with the
 * scenario's vu_init first. On return env->metrics holds the merged values of every
 * worker (merged values reset first), env->shard untouched. Returns 0, or -1 with a
 * message in err when the run could not start (no memory, threads, vu_init failed,
 * the target refuses connections). */
int runner_run(const struct runner_config *cfg, struct runner_result *res, char *err,
               size_t errlen);

/* runner_interrupt: ask the run under way to stop (async-signal-safe; e.g. SIGINT). */
void runner_interrupt(void);

#endif
