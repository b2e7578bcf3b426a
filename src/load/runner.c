/*
 * runner.c: threads, virtual users and the start barrier of lastroom-load.
 *
 * A VU is a small state machine driven by its worker's event loop:
 *
 *   IDLE --begin--> RUNNING --step: REQUEST--> WAIT_HTTP --response--> RUNNING ...
 *                        \--step: SLEEP--> SLEEPING --timer--> RUNNING
 *                        \--step: BARRIER--> PARKED --release--> RUNNING (or WAIT_HTTP)
 *                        \--step: DONE / ABORT--> IDLE --executor: next iteration?
 *
 * Every VU lives on one worker thread, so its state needs no lock. What workers share
 * is small and atomic: the shared-iterations counter, the barrier's counts, the stop
 * flag and the progress counters. The barrier takes a mutex, but only when a VU parks
 * or an iteration ends while VUs are parked: never on the ordinary measuring path.
 *
 * Time: iteration_duration runs from the iteration's intended start, which in the
 * arrival-rate executors is its slot in the schedule (so a late start, because every
 * VU was busy or the loop was behind, shows in iteration_duration: no coordinated
 * omission); http_req_duration runs from the first byte written.
 */
#include "load/runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load/executor.h"
#include "load/loop.h"

#define RUNNER_BODY_KEEP 16384
#define RUNNER_HEADER_MAX 16384
#define RUNNER_BODY_MAX (64u << 20)
#define RUNNER_TICK_NS 10000000ull      /* ramping-vus re-reads its target every 10 ms */
#define RUNNER_MAX_DEPTH 32             /* nested step calls before deferring to the loop */

enum vu_state { VU_IDLE, VU_RUNNING, VU_WAIT_HTTP, VU_SLEEPING, VU_PARKED };
enum vu_timer { VT_SLEEP, VT_DEFER };

struct worker;

struct slot {
    struct lr_vu vu;                    /* first: step's vu pointer leads back here */
    struct worker *w;
    struct httpc_conn conn;
    struct loop_timer timer;            /* sleep, or a deferred step */
    struct loop_timer deadline;         /* gracefulRampDown */
    enum vu_state st;
    enum vu_timer timer_kind;
    bool active;                        /* ramping-vus: wanted now */
    bool prepared;                      /* a request waits for the barrier's release */
    bool deferred_resp;
    int local;                          /* index in the worker */
    int req_name;
    int expect[4];
    int64_t iters_left;                 /* per-vu-iterations */
    uint64_t intended_ns, park_gen;
    struct lr_response pending;         /* a deferred step's response */
};

struct run;

struct worker {
    int idx;
    pthread_t th;
    struct run *run;
    struct loop *loop;
    struct metrics_shard *shard;
    struct export_ndjson_writer *nd;
    struct slot *slots;
    int n;
    char *arena;
    struct lr_request req;              /* the scratch request step writes into */
    int running, depth;
    bool ending, done;
    struct exec_pool pool;
    uint32_t *pool_stack;
    struct exec_cursor cursor;
    struct loop_timer arrival, tick, end, hard;
    struct slot **parked;
    int nparked;
    uint64_t gen_seen;
    bool snap_req, finished;            /* under run->snap_mu */
    _Atomic uint64_t iters, interrupted, dropped, reqs;
    _Atomic int active;
};

struct name_series { int reqs, dur, failed, waiting; };

struct run {
    const struct runner_config *cfg;
    struct metrics *m;
    struct worker *w;
    int nw;
    uint64_t t0;                        /* loop clock at the start */
    int64_t real_minus_mono;            /* for NDJSON timestamps */
    double end_s, hard_s;
    _Atomic int64_t shared_next;
    _Atomic int starting;               /* workers still starting their first VUs */
    _Atomic int inflight;               /* VUs inside an iteration, all threads */
    _Atomic int bar_parked;             /* changed under bar_mu */
    _Atomic uint64_t bar_gen;
    pthread_mutex_t bar_mu;
    pthread_mutex_t snap_mu;
    pthread_cond_t snap_cv;
    int snap_pending;
    struct name_series *names;
    int nnames;
    int transport_err;                  /* http_req_errors{status:0} */
    pthread_barrier_t gate;
};

static _Atomic bool runner_stop_flag;
static struct run *_Atomic runner_current;

/* ---- helpers ------------------------------------------------------------------- */

uint64_t lr_rand(struct lr_vu *vu, uint64_t n)
{
    uint64_t x = vu->rng ? vu->rng : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    vu->rng = x;
    return n ? (x * 2685821657736338717ull) % n : 0;
}

static double ns_ms(uint64_t a, uint64_t b)
{
    return b > a ? (double)(b - a) / 1e6 : 0;
}

static double run_elapsed(const struct run *r, uint64_t now)
{
    return now > r->t0 ? (double)(now - r->t0) / 1e9 : 0;
}

static void w_add(struct worker *w, int id, double v)
{
    metrics_add(w->shard, id, v);
    if (w->nd)
        export_ndjson_point(w->nd, id, v,
                            (int64_t)loop_now_ns() + w->run->real_minus_mono);
}

static bool status_expected(const struct slot *s, int status)
{
    if (status >= 200 && status < 400)
        return true;
    for (int i = 0; i < 4 && s->expect[i]; i++)
        if (s->expect[i] == status)
            return true;
    return false;
}

static void reset_req(struct lr_request *q)
{
    q->method = NULL;
    q->path[0] = '\0';
    q->body_len = 0;
    q->token = NULL;
    q->idempotency_key[0] = '\0';
    q->name = -1;
    q->timeout_ms = 0;
    q->sleep_ms = 0;
    memset(q->expect_status, 0, sizeof q->expect_status);
    q->headers = NULL;
}

static void all_wake(struct run *r)
{
    for (int i = 0; i < r->nw; i++)
        loop_wake(r->w[i].loop);
}

/* ---- the barrier ---------------------------------------------------------------- */

/* Release when every VU inside an iteration is parked and every worker has started
 * its first VUs. Called with bar_mu held. */
static void barrier_check_locked(struct run *r)
{
    int parked = atomic_load(&r->bar_parked);
    if (parked > 0 && atomic_load(&r->starting) == 0 && parked >= atomic_load(&r->inflight)) {
        atomic_store(&r->bar_parked, 0);
        atomic_fetch_add(&r->bar_gen, 1);
        all_wake(r);
    }
}

static void barrier_recheck(struct run *r)
{
    if (atomic_load(&r->bar_parked) == 0)
        return;
    pthread_mutex_lock(&r->bar_mu);
    barrier_check_locked(r);
    pthread_mutex_unlock(&r->bar_mu);
}

static void barrier_park(struct slot *s)
{
    struct run *r = s->w->run;
    s->st = VU_PARKED;
    s->w->parked[s->w->nparked++] = s;
    pthread_mutex_lock(&r->bar_mu);
    s->park_gen = atomic_load(&r->bar_gen);
    atomic_fetch_add(&r->bar_parked, 1);
    barrier_check_locked(r);
    pthread_mutex_unlock(&r->bar_mu);
}

static void barrier_unpark(struct slot *s)
{
    struct worker *w = s->w;
    pthread_mutex_lock(&w->run->bar_mu);
    if (s->park_gen == atomic_load(&w->run->bar_gen))
        atomic_fetch_sub(&w->run->bar_parked, 1);
    pthread_mutex_unlock(&w->run->bar_mu);
    for (int i = 0; i < w->nparked; i++)
        if (w->parked[i] == s) {
            w->parked[i] = w->parked[--w->nparked];
            break;
        }
}

/* ---- one VU's iteration -------------------------------------------------------------- */

static void vu_act(struct slot *s, enum lr_step what);
static void vu_next(struct slot *s);

static void vu_step(struct slot *s, const struct lr_response *resp)
{
    struct worker *w = s->w;
    if (w->depth >= RUNNER_MAX_DEPTH) {         /* unwind: continue from the loop */
        s->deferred_resp = resp != NULL;
        if (resp)
            s->pending = *resp;
        s->timer_kind = VT_DEFER;
        loop_timer_arm(w->loop, &s->timer, 0);
        return;
    }
    w->depth++;
    reset_req(&w->req);
    vu_act(s, w->run->cfg->scenario->step(&s->vu, resp, &w->req));
    w->depth--;
}

static void vu_begin(struct slot *s, uint64_t intended)
{
    struct worker *w = s->w;
    s->st = VU_RUNNING;
    s->intended_ns = intended ? intended : loop_now_ns();
    s->vu.iteration++;
    w->running++;
    atomic_fetch_add(&w->run->inflight, 1);
    vu_step(s, NULL);
}

/* The iteration is over: counted (complete or aborted) or interrupted. */
static void vu_end(struct slot *s, bool counted)
{
    struct worker *w = s->w;
    if (counted) {
        w_add(w, M_ITERATIONS, 1);
        w_add(w, M_ITERATION_DURATION, ns_ms(s->intended_ns, loop_now_ns()));
        atomic_fetch_add_explicit(&w->iters, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&w->interrupted, 1, memory_order_relaxed);
    }
    s->st = VU_IDLE;
    loop_timer_disarm(w->loop, &s->deadline);
    w->running--;
    atomic_fetch_sub(&w->run->inflight, 1);
    barrier_recheck(w->run);
}

static void vu_interrupt(struct slot *s)
{
    if (s->st == VU_IDLE)
        return;
    httpc_close(&s->conn);
    loop_timer_disarm(s->w->loop, &s->timer);
    if (s->st == VU_PARKED)
        barrier_unpark(s);
    s->prepared = false;
    vu_end(s, false);
}

static void vu_send(struct slot *s)
{
    const struct runner_config *cfg = s->w->run->cfg;
    double ms = s->w->req.timeout_ms > 0 ? s->w->req.timeout_ms : cfg->timeout_s * 1e3;
    s->st = VU_WAIT_HTTP;
    httpc_send(&s->conn, loop_now_ns() + (uint64_t)(ms * 1e6));
}

static void vu_take_request(struct slot *s)
{
    const struct lr_request *q = &s->w->req;
    s->req_name = q->name >= 0 && q->name < s->w->run->nnames ? q->name : -1;
    memcpy(s->expect, q->expect_status, sizeof s->expect);
}

static void vu_act(struct slot *s, enum lr_step what)
{
    struct worker *w = s->w;
    switch (what) {
    case LR_STEP_REQUEST:
        if (httpc_prepare(&s->conn, &w->req) != 0)
            break;                               /* cannot be written: an abort */
        vu_take_request(s);
        vu_send(s);
        return;
    case LR_STEP_SLEEP:
        s->st = VU_SLEEPING;
        s->timer_kind = VT_SLEEP;
        loop_timer_arm(w->loop, &s->timer,
                       loop_now_ns() + (uint64_t)(w->req.sleep_ms > 0 ? w->req.sleep_ms * 1e6 : 0));
        return;
    case LR_STEP_BARRIER:
        s->prepared = w->req.method != NULL && httpc_prepare(&s->conn, &w->req) == 0;
        if (s->prepared) {
            vu_take_request(s);
            httpc_connect(&s->conn);
        }
        barrier_park(s);
        return;
    default:
        break;
    }
    vu_end(s, true);
    vu_next(s);
}

static void vu_timer_fired(struct loop_timer *t)
{
    struct slot *s = container_of(t, struct slot, timer);
    if (s->timer_kind == VT_DEFER) {
        if (s->st == VU_IDLE)
            vu_begin(s, s->intended_ns);
        else
            vu_step(s, s->deferred_resp ? &s->pending : NULL);
        return;
    }
    struct lr_response r = { .outcome = LR_RESP_SLEPT };
    s->st = VU_RUNNING;
    vu_step(s, &r);
}

static void vu_deadline_fired(struct loop_timer *t)
{
    struct slot *s = container_of(t, struct slot, deadline);
    vu_interrupt(s);
}

/* ---- recording a response ------------------------------------------------------------- */

static void record_ok(struct slot *s, const struct httpc_conn *c, bool failed)
{
    struct worker *w = s->w;
    const struct name_series *ns = s->req_name >= 0 ? &w->run->names[s->req_name] : NULL;
    double dur = ns_ms(c->t_write, c->t_done);
    w_add(w, ns ? ns->dur : M_HTTP_REQ_DURATION, dur);
    w_add(w, ns ? ns->waiting : M_HTTP_REQ_WAITING, ns_ms(c->t_sent, c->t_first));
    w_add(w, M_HTTP_REQ_SENDING, ns_ms(c->t_write, c->t_sent));
    w_add(w, M_HTTP_REQ_RECEIVING, ns_ms(c->t_first, c->t_done));
    w_add(w, M_HTTP_REQ_CONNECTING, c->reused ? 0 : ns_ms(c->t_start, c->t_connected));
    w_add(w, ns ? ns->failed : M_HTTP_REQ_FAILED, failed);
}

static void record_response(struct slot *s, const struct httpc_conn *c, enum httpc_result r)
{
    struct worker *w = s->w;
    const struct name_series *ns = s->req_name >= 0 ? &w->run->names[s->req_name] : NULL;
    w_add(w, ns ? ns->reqs : M_HTTP_REQS, 1);
    atomic_fetch_add_explicit(&w->reqs, 1, memory_order_relaxed);
    w_add(w, M_DATA_SENT, (double)c->bytes_sent);
    w_add(w, M_DATA_RECEIVED, (double)c->bytes_recv);
    if (r == HTTPC_OK) {
        record_ok(s, c, !status_expected(s, c->status));
        return;
    }
    w_add(w, ns ? ns->failed : M_HTTP_REQ_FAILED, 1);
    w_add(w, w->run->transport_err, 1);
    if (r == HTTPC_TIMEOUT)
        w_add(w, M_TIMEOUT_ERRORS, 1);
}

static void vu_http_done(struct httpc_conn *c, enum httpc_result r)
{
    struct slot *s = container_of(c, struct slot, conn);
    if (s->st != VU_WAIT_HTTP)
        return;
    record_response(s, c, r);
    struct lr_response resp = {
        .outcome = r == HTTPC_OK ? LR_RESP_OK
                   : r == HTTPC_TIMEOUT ? LR_RESP_TIMEOUT : LR_RESP_CONN_ERROR,
        .status = r == HTTPC_OK ? c->status : 0,
        .body = c->body,
        .body_len = r == HTTPC_OK ? c->body_len : 0,
        .duration_ms = ns_ms(c->t_write, c->t_done ? c->t_done : loop_now_ns()),
        .sent = c->wlen > 0 && c->woff == c->wlen,
    };
    s->st = VU_RUNNING;
    vu_step(s, &resp);
}

/* ---- executors: when does a VU start an iteration ---------------------------------- */

static void worker_maybe_done(struct worker *w)
{
    if (w->done || w->running > 0)
        return;
    const struct lr_exec_config *c = &w->run->cfg->exec;
    bool more = !w->ending && !atomic_load(&runner_stop_flag);
    if (more && c->type == LR_EXEC_SHARED_ITERATIONS)
        more = atomic_load(&w->run->shared_next) < c->iterations;
    if (more && c->type == LR_EXEC_PER_VU_ITERATIONS) {
        more = false;
        for (int i = 0; i < w->n && !more; i++)
            more = w->slots[i].iters_left > 0;
    }
    if (more)
        return;
    w->done = true;
    loop_stop(w->loop);
}

static void vu_set_active(struct slot *s, bool on)
{
    if (s->active == on)
        return;
    s->active = on;
    atomic_fetch_add_explicit(&s->w->active, on ? 1 : -1, memory_order_relaxed);
}

static void vu_next(struct slot *s)
{
    struct worker *w = s->w;
    const struct lr_exec_config *c = &w->run->cfg->exec;
    int64_t idx;
    bool again = false;
    if (!w->ending && !atomic_load(&runner_stop_flag)) {
        switch (c->type) {
        case LR_EXEC_SHARED_ITERATIONS:
            again = exec_take(&w->run->shared_next, c->iterations, &idx);
            break;
        case LR_EXEC_PER_VU_ITERATIONS:
            again = s->iters_left > 0 && s->iters_left-- > 0;
            break;
        case LR_EXEC_CONSTANT_VUS:
        case LR_EXEC_RAMPING_VUS:
            again = s->active;
            break;
        default:
            exec_pool_put(&w->pool, (uint32_t)s->local);
            vu_set_active(s, false);
            break;
        }
    }
    if (again) {
        vu_begin(s, 0);
        return;
    }
    if (c->type != LR_EXEC_CONSTANT_ARRIVAL_RATE && c->type != LR_EXEC_RAMPING_ARRIVAL_RATE)
        vu_set_active(s, false);
    worker_maybe_done(w);
}

/* ramping-vus: follow the target count; VU g is wanted while g < target. */
static void worker_ramp(struct loop_timer *t)
{
    struct worker *w = container_of(t, struct worker, tick);
    const struct run *r = w->run;
    uint64_t now = loop_now_ns();
    int target = exec_vus_at(&r->cfg->exec, run_elapsed(r, now));
    for (int i = 0; i < w->n && !w->ending; i++) {
        struct slot *s = &w->slots[i];
        bool want = s->vu.id < target;
        if (want && !s->active) {
            vu_set_active(s, true);
            loop_timer_disarm(w->loop, &s->deadline);
            if (s->st == VU_IDLE)
                vu_begin(s, 0);
        } else if (!want && s->active) {
            vu_set_active(s, false);
            if (s->st != VU_IDLE)
                loop_timer_arm(w->loop, &s->deadline,
                               now + (uint64_t)(r->cfg->exec.graceful_ramp_down_s * 1e9));
        }
    }
    if (!w->ending)
        loop_timer_arm(w->loop, &w->tick, now + RUNNER_TICK_NS);
}

/* arrival-rate: start every iteration of this worker's share that is due. */
static void worker_arrivals(struct loop_timer *t)
{
    struct worker *w = container_of(t, struct worker, arrival);
    const struct run *r = w->run;
    double at;
    if (w->ending)
        return;
    while (exec_cursor_due(&r->cfg->exec, &w->cursor, run_elapsed(r, loop_now_ns()), &at)) {
        int64_t v = exec_pool_get(&w->pool);
        if (v < 0) {
            w_add(w, M_DROPPED_ITERATIONS, 1);
            atomic_fetch_add_explicit(&w->dropped, 1, memory_order_relaxed);
            continue;
        }
        vu_set_active(&w->slots[v], true);
        vu_begin(&w->slots[v], r->t0 + (uint64_t)(at * 1e9));
    }
    if (at >= 0)
        loop_timer_arm(w->loop, &w->arrival, r->t0 + (uint64_t)(at * 1e9));
}

/* The scheduled time is over: no new iterations; running ones have gracefulStop. */
static void worker_end(struct loop_timer *t)
{
    struct worker *w = container_of(t, struct worker, end);
    w->ending = true;
    loop_timer_disarm(w->loop, &w->tick);
    loop_timer_disarm(w->loop, &w->arrival);
    worker_maybe_done(w);
}

static void worker_stop_all(struct worker *w)
{
    w->ending = true;
    for (int i = 0; i < w->n; i++) {
        vu_interrupt(&w->slots[i]);
        vu_set_active(&w->slots[i], false);
    }
    worker_maybe_done(w);
}

static void worker_hard(struct loop_timer *t)
{
    worker_stop_all(container_of(t, struct worker, hard));
}

static void worker_start_vus(struct worker *w)
{
    const struct lr_exec_config *c = &w->run->cfg->exec;
    int64_t idx;
    for (int i = 0; i < w->n; i++) {
        struct slot *s = &w->slots[i];
        if (c->type == LR_EXEC_SHARED_ITERATIONS && !exec_take(&w->run->shared_next,
                                                                c->iterations, &idx))
            break;
        if (c->type == LR_EXEC_PER_VU_ITERATIONS)
            s->iters_left = c->iterations - 1;
        vu_set_active(s, true);
        vu_begin(s, 0);
    }
}

static void worker_start(struct worker *w)
{
    struct run *r = w->run;
    const struct lr_exec_config *c = &r->cfg->exec;
    loop_timer_arm(w->loop, &w->end, r->t0 + (uint64_t)(r->end_s * 1e9));
    loop_timer_arm(w->loop, &w->hard, r->t0 + (uint64_t)(r->hard_s * 1e9));
    w->depth = RUNNER_MAX_DEPTH;        /* first steps run from the loop, all alike */
    if (c->type == LR_EXEC_RAMPING_VUS)
        worker_ramp(&w->tick);
    else if (c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE || c->type == LR_EXEC_RAMPING_ARRIVAL_RATE)
        loop_timer_arm(w->loop, &w->arrival, r->t0);
    else
        worker_start_vus(w);
    w->depth = 0;
    atomic_fetch_sub(&r->starting, 1);
    barrier_recheck(r);
    worker_maybe_done(w);
}

/* ---- cross-thread: release, stop, snapshot ------------------------------------------------ */

/* Send every prepared request of the released VUs first, then let the rest step. */
static void worker_release(struct worker *w, uint64_t gen)
{
    struct slot *now[w->nparked > 0 ? w->nparked : 1];
    int n = 0;
    for (int i = 0; i < w->nparked;) {
        struct slot *s = w->parked[i];
        if (s->park_gen < gen) {
            now[n++] = s;
            w->parked[i] = w->parked[--w->nparked];
        } else {
            i++;
        }
    }
    for (int i = 0; i < n; i++)
        if (now[i]->prepared) {
            now[i]->prepared = false;
            now[i]->st = VU_WAIT_HTTP;
            httpc_send(&now[i]->conn, loop_now_ns() + (uint64_t)(w->run->cfg->timeout_s * 1e9));
        }
    struct lr_response rel = { .outcome = LR_RESP_RELEASED };
    for (int i = 0; i < n; i++)
        if (now[i]->st == VU_PARKED) {
            now[i]->st = VU_RUNNING;
            vu_step(now[i], &rel);
        }
}

static void worker_snapshot(struct worker *w)
{
    struct run *r = w->run;
    pthread_mutex_lock(&r->snap_mu);
    if (w->snap_req) {
        w->snap_req = false;
        if (w->nd)
            export_ndjson_flush(w->nd);
        metrics_merge(r->m, w->shard);
        if (--r->snap_pending == 0)
            pthread_cond_signal(&r->snap_cv);
    }
    pthread_mutex_unlock(&r->snap_mu);
}

static void worker_wake(void *arg)
{
    struct worker *w = arg;
    uint64_t gen = atomic_load(&w->run->bar_gen);
    if (atomic_load(&runner_stop_flag))
        worker_stop_all(w);
    if (gen != w->gen_seen) {
        w->gen_seen = gen;
        worker_release(w, gen);
    }
    worker_snapshot(w);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->run;
    pthread_barrier_wait(&r->gate);     /* the main thread has set t0 */
    worker_start(w);
    if (!w->done)
        loop_run(w->loop);
    pthread_mutex_lock(&r->snap_mu);
    w->finished = true;
    if (w->snap_req) {
        w->snap_req = false;
        metrics_merge(r->m, w->shard);
        if (--r->snap_pending == 0)
            pthread_cond_signal(&r->snap_cv);
    }
    pthread_mutex_unlock(&r->snap_mu);
    return NULL;
}

/* Merge every worker's shard into r->m, each on its own thread (or here once it is
 * finished), waiting at most a second for busy workers. */
static void run_snapshot(struct run *r)
{
    pthread_mutex_lock(&r->snap_mu);
    metrics_reset_merged(r->m);
    r->snap_pending = 0;
    for (int i = 0; i < r->nw; i++) {
        if (r->w[i].finished) {
            metrics_merge(r->m, r->w[i].shard);
        } else {
            r->w[i].snap_req = true;
            r->snap_pending++;
            loop_wake(r->w[i].loop);
        }
    }
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 1;
    while (r->snap_pending > 0)
        if (pthread_cond_timedwait(&r->snap_cv, &r->snap_mu, &dl) == ETIMEDOUT)
            break;
    for (int i = 0; i < r->nw; i++)
        r->w[i].snap_req = false;
    pthread_mutex_unlock(&r->snap_mu);
}

/* ---- building and tearing down ---------------------------------------------------------- */

static int run_series(struct run *r, char *err, size_t errlen)
{
    const char *const *names = r->cfg->scenario->names;
    r->nnames = 0;
    while (names && names[r->nnames])
        r->nnames++;
    r->names = calloc((size_t)r->nnames + 1, sizeof *r->names);
    int e = metrics_define(r->m, "http_req_errors", METRIC_COUNTER, false);
    r->transport_err = e >= 0 ? metrics_series(r->m, e, "status", "0") : -1;
    if (!r->names || r->transport_err < 0)
        goto full;
    for (int i = 0; i < r->nnames; i++) {
        struct name_series *ns = &r->names[i];
        ns->reqs = metrics_series(r->m, M_HTTP_REQS, "name", names[i]);
        ns->dur = metrics_series(r->m, M_HTTP_REQ_DURATION, "name", names[i]);
        ns->failed = metrics_series(r->m, M_HTTP_REQ_FAILED, "name", names[i]);
        ns->waiting = metrics_series(r->m, M_HTTP_REQ_WAITING, "name", names[i]);
        if (ns->reqs < 0 || ns->dur < 0 || ns->failed < 0 || ns->waiting < 0)
            goto full;
    }
    return 0;
full:
    snprintf(err, errlen, "too many metric series for the request names");
    return -1;
}

static int worker_init(struct run *r, struct worker *w, int idx, int vus_total, char *err,
                       size_t errlen)
{
    const struct runner_config *cfg = r->cfg;
    size_t wcap = httpc_wbuf_size(cfg->target), keep = cfg->limits.body_keep;
    w->idx = idx;
    w->run = r;
    w->n = vus_total / r->nw + (idx < vus_total % r->nw);
    w->loop = loop_new(2 * (size_t)w->n + 8);
    w->shard = metrics_shard_new(r->m);
    w->slots = calloc((size_t)w->n + 1, sizeof *w->slots);
    w->parked = calloc((size_t)w->n + 1, sizeof *w->parked);
    w->pool_stack = calloc((size_t)w->n + 1, sizeof *w->pool_stack);
    w->arena = calloc((size_t)w->n + 1, wcap + keep);
    w->nd = cfg->ndjson ? export_ndjson_writer_new(cfg->ndjson) : NULL;
    if (!w->loop || !w->shard || !w->slots || !w->parked || !w->pool_stack || !w->arena
        || (cfg->ndjson && !w->nd)) {
        snprintf(err, errlen, "out of memory for %d VUs", w->n);
        return -1;
    }
    loop_on_wake(w->loop, worker_wake, w);
    w->arrival.fn = worker_arrivals;
    w->tick.fn = worker_ramp;
    w->end.fn = worker_end;
    w->hard.fn = worker_hard;
    for (int i = 0; i < w->n; i++) {
        struct slot *s = &w->slots[i];
        char *mem = w->arena + (size_t)i * (wcap + keep);
        s->w = w;
        s->local = i;
        s->timer.fn = vu_timer_fired;
        s->deadline.fn = vu_deadline_fired;
        httpc_init(&s->conn, w->loop, cfg->target, &cfg->limits, mem, wcap, mem + wcap,
                   vu_http_done);
        s->vu = (struct lr_vu){ .id = idx + i * r->nw, .thread = idx, .shard = w->shard,
                                .env = cfg->env };
    }
    return 0;
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static int run_vu_init(struct run *r, char *err, size_t errlen)
{
    const struct lr_scenario *scn = r->cfg->scenario;
    for (int i = 0; i < r->nw; i++)
        for (int j = 0; j < r->w[i].n; j++) {
            struct lr_vu *vu = &r->w[i].slots[j].vu;
            vu->rng = splitmix(r->cfg->env->seed ^ splitmix((uint64_t)vu->id + 1));
            if (scn->vu_init && scn->vu_init(r->cfg->env, vu) != 0) {
                snprintf(err, errlen, "%s: initialising VU %d failed", scn->name, vu->id);
                return -1;
            }
        }
    return 0;
}

static void arrival_pools(struct run *r)
{
    const struct lr_exec_config *c = &r->cfg->exec;
    for (int i = 0; i < r->nw; i++) {
        struct worker *w = &r->w[i];
        int pre = c->pre_allocated_vus / r->nw + (i < c->pre_allocated_vus % r->nw);
        exec_pool_init(&w->pool, w->pool_stack, (uint32_t)(pre > 0 ? pre : 1), (uint32_t)w->n);
        w->cursor = (struct exec_cursor){ (uint64_t)i, (uint32_t)r->nw };
    }
}

static void run_free(struct run *r)
{
    for (int i = 0; r->w && i < r->nw; i++) {
        struct worker *w = &r->w[i];
        for (int j = 0; w->slots && j < w->n; j++)
            httpc_close(&w->slots[j].conn);
        if (w->nd)
            export_ndjson_writer_free(w->nd);
        metrics_shard_free(w->shard);
        loop_free(w->loop);
        free(w->slots);
        free(w->parked);
        free(w->pool_stack);
        free(w->arena);
    }
    free(r->w);
    free(r->names);
    pthread_mutex_destroy(&r->bar_mu);
    pthread_mutex_destroy(&r->snap_mu);
    pthread_cond_destroy(&r->snap_cv);
}

/* ---- the run -------------------------------------------------------------------------- */

/* A blocking connect with a 3 s limit, so an unreachable target fails the start. */
static int run_probe(const struct httpc_target *t, char *err, size_t errlen)
{
    int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = { 3, 0 };
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&t->addr, t->addrlen) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", t->host, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static void run_progress(struct run *r, struct runner_progress *p, bool final)
{
    memset(p, 0, sizeof *p);
    p->elapsed_s = run_elapsed(r, loop_now_ns());
    p->duration_s = r->end_s;
    p->final = final;
    bool arrival = r->cfg->exec.type == LR_EXEC_CONSTANT_ARRIVAL_RATE
                   || r->cfg->exec.type == LR_EXEC_RAMPING_ARRIVAL_RATE;
    for (int i = 0; i < r->nw; i++) {
        struct worker *w = &r->w[i];
        p->vus += atomic_load_explicit(&w->active, memory_order_relaxed);
        p->vus_max += arrival ? (int)w->pool.inited : w->n;
        p->iterations += atomic_load_explicit(&w->iters, memory_order_relaxed);
        p->interrupted += atomic_load_explicit(&w->interrupted, memory_order_relaxed);
        p->requests += atomic_load_explicit(&w->reqs, memory_order_relaxed);
    }
}

static bool run_all_finished(struct run *r)
{
    bool all = true;
    pthread_mutex_lock(&r->snap_mu);
    for (int i = 0; i < r->nw && all; i++)
        all = r->w[i].finished;
    pthread_mutex_unlock(&r->snap_mu);
    return all;
}

/* The calling thread during the run: a snapshot and a tick about once a second. */
static bool run_monitor(struct run *r, struct metrics_shard *ctl)
{
    bool stopped = false;
    uint64_t next = r->t0 + 1000000000ull;
    while (!run_all_finished(r)) {
        struct timespec ts = { 0, 50000000 };
        nanosleep(&ts, NULL);
        if (loop_now_ns() < next)
            continue;
        next += 1000000000ull;
        struct runner_progress p;
        run_snapshot(r);
        run_progress(r, &p, false);
        metrics_add(ctl, M_VUS, p.vus);
        metrics_add(ctl, M_VUS_MAX, p.vus_max);
        metrics_merge(r->m, ctl);
        if (!stopped && r->cfg->tick && r->cfg->tick(r->cfg->tick_arg, &p, r->m)) {
            stopped = true;
            runner_interrupt();
        }
    }
    return stopped || atomic_load(&runner_stop_flag);
}

static int run_start(struct run *r, char *err, size_t errlen)
{
    int vus = exec_vus_max(&r->cfg->exec);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    r->nw = r->cfg->threads > 0 ? r->cfg->threads : (int)(cpus > 0 ? cpus : 1);
    if (r->nw > vus)
        r->nw = vus > 0 ? vus : 1;
    r->w = calloc((size_t)r->nw, sizeof *r->w);
    if (!r->w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < r->nw; i++)
        if (worker_init(r, &r->w[i], i, vus, err, errlen) != 0)
            return -1;
    arrival_pools(r);
    return run_vu_init(r, err, errlen);
}

static int run_threads(struct run *r, char *err, size_t errlen)
{
    struct timespec rt;
    pthread_barrier_init(&r->gate, NULL, (unsigned)r->nw + 1);
    for (int i = 0; i < r->nw; i++)
        if (pthread_create(&r->w[i].th, NULL, worker_main, &r->w[i]) != 0) {
            snprintf(err, errlen, "cannot start thread %d", i);
            runner_interrupt();
            for (int j = i; j < r->nw; j++)
                r->w[j].finished = true;       /* never started */
            r->nw = i;
            pthread_barrier_wait(&r->gate);    /* never returns for a short count: */
            return -1;                         /* (unreachable in practice) */
        }
    atomic_store(&r->starting, r->nw);
    clock_gettime(CLOCK_REALTIME, &rt);
    r->t0 = loop_now_ns();
    r->real_minus_mono = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - (int64_t)r->t0;
    atomic_store(&runner_current, r);
    pthread_barrier_wait(&r->gate);
    return 0;
}

static void limits_default(struct runner_config *c)
{
    if (!c->limits.header_max)
        c->limits.header_max = RUNNER_HEADER_MAX;
    if (!c->limits.body_keep)
        c->limits.body_keep = RUNNER_BODY_KEEP;
    if (!c->limits.body_max)
        c->limits.body_max = RUNNER_BODY_MAX;
    if (!(c->timeout_s > 0))
        c->timeout_s = 60;
}

int runner_run(const struct runner_config *cfg_in, struct runner_result *res, char *err,
               size_t errlen)
{
    struct runner_config cfg = *cfg_in;
    struct run r = { .cfg = &cfg, .m = cfg.env->metrics };
    struct runner_progress p;
    limits_default(&cfg);
    memset(res, 0, sizeof *res);
    atomic_store(&runner_stop_flag, false);
    pthread_mutex_init(&r.bar_mu, NULL);
    pthread_mutex_init(&r.snap_mu, NULL);
    pthread_cond_init(&r.snap_cv, NULL);
    r.end_s = exec_duration(&cfg.exec);
    r.hard_s = r.end_s + cfg.exec.graceful_stop_s;
    if (run_probe(cfg.target, err, errlen) != 0 || run_series(&r, err, errlen) != 0
        || run_start(&r, err, errlen) != 0 || run_threads(&r, err, errlen) != 0) {
        run_free(&r);
        return -1;
    }
    struct metrics_shard *ctl = metrics_shard_new(r.m);
    res->stopped = run_monitor(&r, ctl);
    for (int i = 0; i < r.nw; i++)
        pthread_join(r.w[i].th, NULL);
    atomic_store(&runner_current, NULL);
    pthread_barrier_destroy(&r.gate);
    metrics_reset_merged(r.m);
    for (int i = 0; i < r.nw; i++) {
        if (r.w[i].nd)
            export_ndjson_flush(r.w[i].nd);
        metrics_merge(r.m, r.w[i].shard);
    }
    run_progress(&r, &p, true);
    metrics_add(ctl, M_VUS, p.vus);
    metrics_add(ctl, M_VUS_MAX, p.vus_max);
    metrics_merge(r.m, ctl);
    metrics_shard_free(ctl);
    for (int i = 0; i < r.nw; i++)
        res->dropped += atomic_load(&r.w[i].dropped);
    res->elapsed_s = p.elapsed_s;
    res->iterations = p.iterations;
    res->interrupted = p.interrupted;
    res->vus_max = p.vus_max;
    if (cfg.tick)
        cfg.tick(cfg.tick_arg, &p, r.m);
    run_free(&r);
    return 0;
}

void runner_interrupt(void)
{
    atomic_store(&runner_stop_flag, true);
    struct run *r = atomic_load(&runner_current);
    if (r)
        all_wake(r);
}
