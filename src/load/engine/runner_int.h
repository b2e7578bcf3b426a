/*
 * runner_int.h: what runner.c (threads, barrier, snapshots, the run) and vu.c (the
 * VU state machine and the executors' per-thread scheduling) share. Not for other
 * modules: they use runner.h.
 */
#ifndef LASTROOM_LOAD_ENGINE_RUNNER_INT_H
#define LASTROOM_LOAD_ENGINE_RUNNER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "load/engine/executor.h"
#include "load/engine/httpc.h"
#include "load/engine/loop.h"
#include "load/engine/runner.h"

#define RUNNER_BODY_KEEP  16384
#define RUNNER_HEADER_MAX 16384
#define RUNNER_BODY_MAX   (64u << 20)
#define RUNNER_TICK_NS    10000000ull /* ramping-vus re-reads its target every 10 ms */
#define RUNNER_MAX_DEPTH  32          /* nested step calls before deferring to the loop */

enum vu_state { VU_IDLE, VU_RUNNING, VU_WAIT_HTTP, VU_SLEEPING, VU_PARKED };
enum vu_timer { VT_SLEEP, VT_DEFER, VT_BARRIER };

struct worker;

struct slot {
    struct lr_vu vu; /* first: step's vu pointer leads back here */
    struct worker *w;
    struct httpc_conn conn;
    struct loop_timer timer;    /* sleep, or a deferred step */
    struct loop_timer deadline; /* gracefulRampDown */
    enum vu_state st;
    enum vu_timer timer_kind;
    bool active;   /* ramping-vus: wanted now */
    bool prepared; /* a request waits for the barrier's release */
    bool deferred_resp;
    int local; /* index in the worker */
    int req_name;
    const char *name_tag, *method, *group; /* the request's tags (vu_take_request) */
    const char *const *utags;
    const char *token, *headers; /* for the requests of its redirects */
    int redirects_left;
    int expect[4];
    int64_t iters_left; /* per-vu-iterations */
    uint64_t intended_ns, park_gen;
    uint64_t rel_gen, rel_ns; /* the barrier release it is in (response fields) */
    bool rel_timed;
    struct lr_response pending; /* a deferred step's response */
};

struct run;

struct worker {
    int idx;
    pthread_t th;
    struct run *run;
    struct loop *loop;
    struct metrics_shard *shard;
    struct export_ndjson_writer *nd;
    struct timeline *tl; /* this thread's, when cfg->timeline */
    struct slot *slots;
    int n;
    char *arena;
    struct httpc_pool bigbufs; /* large requests, borrowed while they are sent */
    struct lr_request req;     /* the scratch request step writes into */
    int running, depth;
    bool ending, done;
    struct exec_pool pool;
    uint32_t *pool_stack;
    struct exec_cursor cursor;
    struct loop_timer arrival, tick, end, hard;
    struct slot **parked;
    int nparked;
    struct slot **release; /* scratch for vu_worker_release */
    uint64_t gen_seen;
    bool snap_req, finished; /* under run->snap_mu */
    _Atomic uint64_t iters, interrupted, dropped, reqs;
    _Atomic int active;
};

struct name_series {
    int reqs, dur, failed, waiting;
};

struct run {
    const struct runner_config *cfg;
    struct metrics *m;
    struct worker *w;
    int nw;
    uint64_t t0;             /* loop clock at the start */
    int64_t real_minus_mono; /* for NDJSON timestamps */
    double end_s, hard_s;
    _Atomic int64_t shared_next;
    _Atomic int starting;   /* workers still starting their first VUs */
    _Atomic int inflight;   /* VUs inside an iteration, all threads */
    _Atomic int bar_parked; /* changed under bar_mu */
    _Atomic uint64_t bar_gen;
    _Atomic bool bar_ready;         /* start_at: the first barrier is complete */
    _Atomic uint64_t bar_timed_gen; /* the last generation a timeout released */
    bool bar_gated;                 /* start_at: the first release is still to come
                                           (under bar_mu) */
    pthread_mutex_t bar_mu;
    pthread_mutex_t snap_mu;
    pthread_cond_t snap_cv;
    int snap_pending;
    struct name_series *names;
    int nnames;
    int transport_err; /* http_req_errors{status:0} */
    int unknown;       /* http_req_unknown: sent, no answer */
    pthread_barrier_t gate;
};

static inline double runner_elapsed(const struct run *r, uint64_t now)
{
    return now > r->t0 ? (double)(now - r->t0) / 1e9 : 0;
}

/* runner.c: the stop flag, the barrier and waking every loop. */
bool runner_stopping(void);
void runner_wake_all(struct run *r);
void runner_barrier_park(struct slot *s);
void runner_barrier_unpark(struct slot *s);
void runner_barrier_recheck(struct run *r);
void runner_barrier_timeout(struct slot *s);

/* vu.c: a slot's callbacks and a worker's schedule, on the worker's thread. */
void vu_slot_init(struct worker *w, struct slot *s, int local, char *mem);
void vu_worker_timers(struct worker *w);
void vu_worker_start(struct worker *w);
void vu_worker_stop_all(struct worker *w);
void vu_worker_release(struct worker *w, uint64_t gen);

#endif
