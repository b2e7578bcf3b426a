/*
 * runner.c: threads, virtual users and the start barrier of lastroom-load.
 *
 * Every VU lives on one worker thread (its state machine is in vu.c), so its state
 * needs no lock. What workers share is small and atomic: the shared-iterations
 * counter, the barrier's counts, the stop flag and the progress counters. The barrier
 * takes a mutex, but only when a VU parks or an iteration ends while VUs are parked:
 * never on the ordinary measuring path.
 *
 * Each part (scenario) of the run has a barrier of its own: it releases when every VU
 * of the part inside an iteration (all threads) is parked and every worker has started
 * the part's first VUs: the releasing thread gives the part a new generation (unique
 * in the run) and writes every loop's eventfd; each loop then sends the part's VUs'
 * pre-written requests back to back before anything else.
 *
 * Snapshots: once a second the calling thread asks each worker, through its eventfd,
 * to merge its own shard into the registry (under snap_mu), waits at most a second,
 * then hands the merged metrics to the tick callback (progress, abortOnFail).
 */
#include "load/engine/runner.h"
#include "load/engine/runner_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "load/engine/executor.h"
#include "load/engine/loop.h"

static _Atomic bool runner_stop_flag;
static struct run *_Atomic runner_current;

bool runner_stopping(void)
{
    return atomic_load(&runner_stop_flag);
}

void runner_wake_all(struct run *r)
{
    for (int i = 0; i < r->nw; i++)
        loop_wake(r->w[i].loop);
}

/* ---- the barrier ---------------------------------------------------------------- */

/* Release pr's barrier when every VU of it inside an iteration is parked and every
 * worker has started its first VUs. Called with bar_mu held. */
static void barrier_check_locked(struct run *r, struct part_run *pr)
{
    int parked = atomic_load(&pr->bar_parked);
    if (parked > 0 && atomic_load(&pr->starting) == 0 && parked >= atomic_load(&pr->inflight)) {
        if (r->bar_gated) { /* the monitor releases it at start_at */
            atomic_store(&r->bar_ready, true);
            return;
        }
        atomic_store(&pr->bar_parked, 0);
        pr->bar_open_ns = clock_mono_ns();
        atomic_store(&pr->bar_gen, ++r->gen_last);
        runner_wake_all(r);
    }
}

void runner_barrier_recheck(struct part_run *pr)
{
    if (atomic_load(&pr->bar_parked) == 0)
        return;
    struct run *r = pr->run;
    pthread_mutex_lock(&r->bar_mu);
    barrier_check_locked(r, pr);
    pthread_mutex_unlock(&r->bar_mu);
}

void runner_barrier_park(struct slot *s)
{
    struct run *r = s->w->run;
    struct part_run *pr = s->wp->pr;
    s->st = VU_PARKED;
    s->w->parked[s->w->nparked++] = s;
    pthread_mutex_lock(&r->bar_mu);
    s->park_gen = atomic_load(&pr->bar_gen);
    atomic_fetch_add(&pr->bar_parked, 1);
    barrier_check_locked(r, pr);
    pthread_mutex_unlock(&r->bar_mu);
}

void runner_barrier_unpark(struct slot *s)
{
    struct worker *w = s->w;
    struct part_run *pr = s->wp->pr;
    pthread_mutex_lock(&w->run->bar_mu);
    if (s->park_gen == atomic_load(&pr->bar_gen))
        atomic_fetch_sub(&pr->bar_parked, 1);
    pthread_mutex_unlock(&w->run->bar_mu);
    for (int i = 0; i < w->nparked; i++)
        if (w->parked[i] == s) {
            w->parked[i] = w->parked[--w->nparked];
            break;
        }
}

/* A parked VU's barrier_timeout_ms passed: release whoever of its part is parked in
 * its generation (none when that generation was released meanwhile). */
void runner_barrier_timeout(struct slot *s)
{
    struct run *r = s->w->run;
    struct part_run *pr = s->wp->pr;
    pthread_mutex_lock(&r->bar_mu);
    if (s->park_gen == atomic_load(&pr->bar_gen) && atomic_load(&pr->bar_parked) > 0) {
        uint64_t gen = ++r->gen_last;
        atomic_store(&pr->bar_parked, 0);
        atomic_store(&pr->bar_timed_gen, gen);
        pr->bar_open_ns = clock_mono_ns();
        atomic_store(&pr->bar_gen, gen);
        runner_wake_all(r);
    }
    pthread_mutex_unlock(&r->bar_mu);
}

uint64_t runner_barrier_opened(struct part_run *pr, uint64_t gen)
{
    pthread_mutex_lock(&pr->run->bar_mu);
    uint64_t t = atomic_load(&pr->bar_gen) == gen ? pr->bar_open_ns : clock_mono_ns();
    pthread_mutex_unlock(&pr->run->bar_mu);
    return t;
}

/* ---- cross-thread: release, stop, snapshot ------------------------------------------------ */

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
    if (runner_stopping())
        vu_worker_stop_all(w);
    for (int i = 0; i < w->run->nparts; i++) {
        struct wpart *wp = &w->parts[i];
        uint64_t gen = atomic_load(&wp->pr->bar_gen);
        if (gen != wp->gen_seen) {
            wp->gen_seen = gen;
            vu_worker_release(wp, gen);
        }
    }
    worker_snapshot(w);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->run;
    pthread_barrier_wait(&r->gate); /* the main thread has set t0 */
    vu_worker_start(w);
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
    httpc_thread_end();
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

/* The run's parts, copied from the config's. */
static int run_parts(struct run *r, char *err, size_t errlen)
{
    const struct runner_config *cfg = r->cfg;
    const struct lr_part *src = cfg->parts;
    int base = 0;
    r->nparts = cfg->nparts;
    r->parts = calloc((size_t)r->nparts, sizeof *r->parts);
    if (!r->parts) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < r->nparts; i++) {
        struct part_run *pr = &r->parts[i];
        pr->p = src[i];
        pr->p.index = i;
        pr->run = r;
        pr->base = base;
        pr->vus = exec_vus_max(&pr->p.exec);
        base += pr->vus;
        pr->end_s = exec_duration(&pr->p.exec);
        pr->hard_s = pr->end_s + pr->p.exec.graceful_stop_s;
    }
    r->end_s = exec_parts_end(src, r->nparts);
    return 0;
}

/* Each part's tags (scenario:<name> and its own), and with several parts a series
 * iterations{scenario:<name>} for each, so that the summary shows every part's count. */
static int run_part_tags(struct run *r)
{
    for (int i = 0; i < r->nparts; i++) {
        struct part_run *pr = &r->parts[i];
        metrics_tags_init(r->m, &pr->tags);
        pr->tags.v[MT_SCENARIO] = pr->p.name;
        for (const char *const *u = pr->p.tags; u && u[0] && u[1]; u += 2) {
            int k = metrics_tag_key_find(r->m, u[0]);
            if (k >= MT_BUILTIN_KEYS)
                pr->tags.v[k] = u[1];
        }
        if (r->nparts > 1 && metrics_series(r->m, M_ITERATIONS, "scenario", pr->p.name) < 0)
            return -1;
    }
    return 0;
}

static int run_series(struct run *r, char *err, size_t errlen)
{
    const char *const *names = r->cfg->scenario->names;
    r->nnames = 0;
    while (names && names[r->nnames])
        r->nnames++;
    r->names = calloc((size_t)r->nnames + 1, sizeof *r->names);
    int e = metrics_define(r->m, "http_req_errors", METRIC_COUNTER, false);
    r->transport_err = e >= 0 ? metrics_series(r->m, e, "status", "0") : -1;
    r->unknown = metrics_define(r->m, "http_req_unknown", METRIC_COUNTER, false);
    if (!r->names || r->transport_err < 0 || r->unknown < 0 || run_part_tags(r) != 0)
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

/* Size each part's share of worker w (part VU j lives on worker (base + j) % nw). */
static int worker_shares(struct run *r, struct worker *w)
{
    w->parts = calloc((size_t)r->nparts, sizeof *w->parts);
    if (!w->parts)
        return -1;
    for (int i = 0; i < r->nparts; i++) {
        struct wpart *wp = &w->parts[i];
        int j0 = runner_part_first(r, &r->parts[i], w->idx);
        wp->w = w;
        wp->pr = &r->parts[i];
        wp->first = w->n;
        wp->n = j0 < wp->pr->vus ? (wp->pr->vus - 1 - j0) / r->nw + 1 : 0;
        w->n += wp->n;
    }
    return 0;
}

static int worker_init(struct run *r, struct worker *w, int idx, char *err, size_t errlen)
{
    const struct runner_config *cfg = r->cfg;
    size_t wcap = httpc_wbuf_size(cfg->target), keep = cfg->limits.body_keep;
    w->idx = idx;
    w->run = r;
    if (worker_shares(r, w) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->loop = loop_new(2 * (size_t)w->n + 8 + 5 * (size_t)r->nparts);
    w->shard = metrics_shard_new(r->m);
    w->slots = calloc((size_t)w->n + 1, sizeof *w->slots);
    w->parked = calloc((size_t)w->n + 1, sizeof *w->parked);
    w->pool_stack = calloc((size_t)w->n + 1, sizeof *w->pool_stack);
    w->release = calloc((size_t)w->n + 1, sizeof *w->release);
    w->arena = calloc((size_t)w->n + 1, wcap + keep);
    w->nd = cfg->ndjson ? export_ndjson_writer_new(cfg->ndjson) : NULL;
    w->tl = cfg->timeline ? timeline_new_like(cfg->timeline) : NULL;
    if (!w->loop || !w->shard || !w->slots || !w->parked || !w->pool_stack || !w->release
        || !w->arena || (cfg->ndjson && !w->nd) || (cfg->timeline && !w->tl)
        || httpc_pool_init(&w->bigbufs, cfg->target, w->n) != 0) {
        snprintf(err, errlen, "out of memory for %d VUs", w->n);
        return -1;
    }
    loop_on_wake(w->loop, worker_wake, w);
    vu_worker_timers(w);
    for (int i = 0; i < r->nparts; i++) {
        struct wpart *wp = &w->parts[i];
        wp->slots = w->slots + wp->first;
        for (int k = 0; k < wp->n; k++)
            vu_slot_init(wp, &wp->slots[k], k, w->arena + (size_t)(wp->first + k) * (wcap + keep));
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

static bool is_arrival(const struct lr_exec_config *c)
{
    return c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE || c->type == LR_EXEC_RAMPING_ARRIVAL_RATE;
}

/* Arrival-rate parts: each worker holding VUs of the part takes every stride-th
 * arrival (stride: the workers holding its VUs) and starts with its share of
 * preAllocatedVUs. */
static void arrival_pools(struct run *r)
{
    for (int i = 0; i < r->nw; i++)
        for (int p = 0; p < r->nparts; p++) {
            struct wpart *wp = &r->w[i].parts[p];
            const struct lr_exec_config *c = &wp->pr->p.exec;
            int j0 = runner_part_first(r, wp->pr, i), pre = c->pre_allocated_vus;
            int mine = j0 < pre ? (pre - 1 - j0) / r->nw + 1 : 0;
            int stride = wp->pr->vus < r->nw ? wp->pr->vus : r->nw;
            exec_pool_init(&wp->pool, r->w[i].pool_stack + wp->first,
                           (uint32_t)(mine > 0 ? mine : 1), (uint32_t)wp->n);
            wp->cursor = (struct exec_cursor){ (uint64_t)j0, (uint32_t)(stride > 0 ? stride : 1),
                                               r->cfg->segment };
        }
}

static void run_free(struct run *r)
{
    for (int i = 0; r->w && i < r->nw; i++) {
        struct worker *w = &r->w[i];
        for (int j = 0; w->slots && j < w->n; j++)
            httpc_dispose(&w->slots[j].conn);
        if (w->nd)
            export_ndjson_writer_free(w->nd);
        metrics_shard_free(w->shard);
        timeline_free(w->tl);
        loop_free(w->loop);
        free(w->slots);
        free(w->parked);
        free(w->pool_stack);
        free(w->release);
        free(w->arena);
        free(w->parts);
        httpc_pool_free(&w->bigbufs);
    }
    free(r->w);
    free(r->parts);
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
    p->elapsed_s = runner_elapsed(r, clock_mono_ns());
    p->duration_s = r->end_s;
    p->final = final;
    for (int i = 0; i < r->nw; i++) {
        struct worker *w = &r->w[i];
        p->vus += atomic_load_explicit(&w->active, memory_order_relaxed);
        for (int j = 0; j < r->nparts; j++)
            p->vus_max +=
                is_arrival(&r->parts[j].p.exec) ? (int)w->parts[j].pool.inited : w->parts[j].n;
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

/* start_at: once the first barrier is complete and the instant is under 100 ms away,
 * sleep until it and release the barrier. Returns at once otherwise, so that the
 * monitor keeps ticking, and the run can still end or be interrupted, while it waits. */
static void run_start_at(struct run *r)
{
    struct timespec now;
    if (!r->bar_gated || !atomic_load(&r->bar_ready) || runner_stopping())
        return;
    int64_t at = r->cfg->start_at_ns;
    clock_gettime(CLOCK_REALTIME, &now);
    if (at - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec) > 100000000)
        return;
    struct timespec ts = { (time_t)(at / 1000000000), (long)(at % 1000000000) };
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    pthread_mutex_lock(&r->bar_mu);
    r->bar_gated = false;
    for (int i = 0; i < r->nparts; i++)
        barrier_check_locked(r, &r->parts[i]);
    pthread_mutex_unlock(&r->bar_mu);
}

/* The calling thread during the run: a snapshot and a tick about once a second. */
static bool run_monitor(struct run *r, struct metrics_shard *ctl)
{
    bool stopped = false;
    uint64_t next = r->t0 + 1000000000ull;
    while (!run_all_finished(r)) {
        struct timespec ts = { 0, 50000000 };
        nanosleep(&ts, NULL);
        run_start_at(r);
        if (clock_mono_ns() < next)
            continue;
        next += 1000000000ull;
        struct runner_progress p;
        run_snapshot(r);
        run_progress(r, &p, false);
        metrics_add(ctl, M_VUS, p.vus);
        metrics_add(ctl, M_VUS_MAX, p.vus_max);
        metrics_merge(r->m, ctl);
        if (r->cfg->timeline)
            timeline_vus(r->cfg->timeline, p.elapsed_s - 0.5, p.vus);
        if (!stopped && r->cfg->tick && r->cfg->tick(r->cfg->tick_arg, &p, r->m)) {
            stopped = true;
            runner_interrupt();
        }
    }
    return stopped || runner_stopping();
}

static int run_start(struct run *r, char *err, size_t errlen)
{
    int vus = 0;
    for (int i = 0; i < r->nparts; i++)
        vus += r->parts[i].vus;
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
        if (worker_init(r, &r->w[i], i, err, errlen) != 0)
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
                r->w[j].finished = true; /* never started */
            r->nw = i;
            pthread_barrier_wait(&r->gate); /* never returns for a short count: */
            return -1;                      /* (unreachable in practice) */
        }
    clock_gettime(CLOCK_REALTIME, &rt);
    r->t0 = clock_mono_ns();
    for (int i = 0; i < r->nparts; i++) {
        atomic_store(&r->parts[i].starting, r->nw);
        r->parts[i].t0 = r->t0 + (uint64_t)(r->parts[i].p.start_s * 1e9);
    }
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
    if (!c->limits.headers_keep && c->scenario && c->scenario->keep_headers)
        c->limits.headers_keep = c->limits.body_keep / 2;
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
    r.bar_gated = cfg.start_at_ns > 0;
    if (run_probe(cfg.target, err, errlen) != 0 || run_parts(&r, err, errlen) != 0
        || run_series(&r, err, errlen) != 0 || run_start(&r, err, errlen) != 0
        || run_threads(&r, err, errlen) != 0) {
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
        if (cfg.timeline)
            timeline_merge(cfg.timeline, r.w[i].tl); /* one layout: cannot fail */
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
        runner_wake_all(r);
}
