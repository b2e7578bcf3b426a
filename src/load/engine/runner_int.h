/*
 * runner_int.h: what runner.c (threads, barrier, snapshots, the run) and vu.c (the
 * VU state machine and the executors' per-thread scheduling) share. Not for other
 * modules: they use runner.h.
 *
 *   run ── parts[P]  (part_run: one scenario, its executor, start, barrier, counters)
 *    └── w[N]        (worker: one thread, one loop, one shard)
 *         ├── slots[n]   every VU of the thread, of whichever part
 *         └── parts[P]   (wpart: part p's range of the slots, its pool, cursor, timers)
 * A part's VU j (0-based) lives on worker (base + j) % N, so small parts spread over
 * the threads instead of piling on the first.
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
struct wpart;

struct slot {
    struct lr_vu vu; /* first: step's vu pointer leads back here */
    struct worker *w;
    struct wpart *wp; /* its scenario's share of the worker */
    struct httpc_conn conn;
    struct loop_timer timer;    /* sleep, or a deferred step */
    struct loop_timer deadline; /* gracefulRampDown */
    enum vu_state st;
    enum vu_timer timer_kind;
    bool active;   /* ramping-vus: wanted now */
    bool prepared; /* a request waits for the barrier's release */
    bool deferred_resp;
    int local; /* index in its wpart (the arrival pool's VU index) */
    int pnum;  /* its number among its scenario's VUs (ramping-vus: wanted while
                  pnum < target) */
    int req_name;
    const char *name_tag, *method, *group; /* the request's tags (vu_take_request) */
    const char *const *utags;
    const char *token, *headers; /* for the requests of its redirects */
    int redirects_left;
    int expect[4];
    int64_t iters_left; /* per-vu-iterations */
    uint64_t intended_ns, park_gen;
    uint64_t rel_gen, rel_ns, rel_open_ns; /* the barrier release it is in (response
                                              fields) */
    bool rel_timed;
    struct lr_response pending; /* a deferred step's response */
};

struct run;

/* One scenario of the run (a part): what every worker shares of it. Its schedule runs
 * from its own start, t0 = the run's t0 + startTime; its barrier is its own. */
struct part_run {
    struct lr_part p; /* a copy; p.index is its index in run->parts */
    struct run *run;
    int base, vus;            /* its VUs are numbered base .. base + vus - 1 in the run */
    uint64_t t0;              /* loop clock at its start */
    double end_s, hard_s;     /* from t0: no new iterations; every VU stopped */
    struct metrics_tags tags; /* the run's tags, scenario:<name>, the part's own */
    _Atomic int64_t shared_next;
    _Atomic int starting;           /* workers still starting its first VUs */
    _Atomic int inflight;           /* its VUs inside an iteration, all threads */
    _Atomic int bar_parked;         /* changed under run->bar_mu */
    _Atomic uint64_t bar_gen;       /* its last release's generation (unique in the run) */
    _Atomic uint64_t bar_timed_gen; /* the last generation a timeout released */
    uint64_t bar_open_ns;           /* under run->bar_mu: when bar_gen's release opened */
};

/* One part's share of one worker: a range of the worker's slots and the executor's
 * per-thread state. */
struct wpart {
    struct worker *w;
    struct part_run *pr;
    struct slot *slots;
    int n, first; /* slots[0..n) are the worker's slots[first..first+n) */
    int running;
    bool started, ending, done;
    struct exec_pool pool;
    struct exec_cursor cursor;
    struct loop_timer start, arrival, tick, end, hard;
    uint64_t gen_seen;
};

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
    struct wpart *parts; /* one per part of the run */
    char *arena;
    struct httpc_pool bigbufs; /* large requests, borrowed while they are sent */
    struct lr_request req;     /* the scratch request step writes into */
    int depth;
    bool done;
    uint32_t *pool_stack;
    struct slot **parked;
    int nparked;
    struct slot **release;   /* scratch for vu_worker_release */
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
    struct part_run *parts;
    int nparts;
    uint64_t t0;             /* loop clock at the start */
    int64_t real_minus_mono; /* for NDJSON timestamps */
    double end_s;            /* the last part's end (progress) */
    uint64_t gen_last;       /* barrier generations handed out (under bar_mu) */
    _Atomic bool bar_ready;  /* start_at: a first barrier is complete */
    bool bar_gated;          /* start_at: the first releases are still to come
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

/* Which of a part's VUs is worker widx's first: part VU j lives on worker
 * (base + j) % nw, so those of widx are j0, j0 + nw, j0 + 2 nw, ... */
static inline int runner_part_first(const struct run *r, const struct part_run *pr, int widx)
{
    return ((widx - pr->base % r->nw) % r->nw + r->nw) % r->nw;
}

/* runner.c: the stop flag, the barrier and waking every loop. */
bool runner_stopping(void);
void runner_wake_all(struct run *r);
void runner_barrier_park(struct slot *s);
void runner_barrier_unpark(struct slot *s);
void runner_barrier_recheck(struct part_run *pr);
void runner_barrier_timeout(struct slot *s);
/* runner_barrier_opened: when pr's release gen opened (clock_mono_ns); now, when a later
 * release has already replaced it. */
uint64_t runner_barrier_opened(struct part_run *pr, uint64_t gen);

/* vu.c: a slot's callbacks and a worker's schedule, on the worker's thread. */
void vu_slot_init(struct wpart *wp, struct slot *s, int local, char *mem);
void vu_worker_timers(struct worker *w);
void vu_worker_start(struct worker *w);
void vu_worker_stop_all(struct worker *w);
void vu_worker_release(struct wpart *wp, uint64_t gen);

#endif
