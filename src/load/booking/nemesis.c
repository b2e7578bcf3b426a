/*
 * nemesis.c: the fault schedule of a run, executed by a thread of its own.
 *
 * The thread sleeps until each event's start (on a condition variable, so that
 * nemesis_stop wakes it at once), injects the fault through nemchild or nemcluster,
 * which hold it for its duration with nemesis_hold and heal it, then probes GET /health
 * until lastroomd answers 200 (at most NEMESIS_RECOVERY_MAX_S). Times are
 * CLOCK_MONOTONIC seconds since nemesis_start. Unknown outcomes are counted by
 * nemunknown, the report is nemreport's.
 */
#include "load/booking/nemesis.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "load/booking/nemchild.h"
#include "load/booking/nemcluster.h"
#include "load/booking/nemspec.h"
#include "load/booking/nemunknown.h"
#include "load/booking/setup.h"

#define PROBE_GAP_S      0.05
#define PROBE_TIMEOUT_MS 500

struct nemesis {
    struct nemesis_config cfg;
    struct nemesis_fault f[NEMESIS_MAX_EVENTS];
    int n;
    struct nemunknown unknown;
    pthread_t th;
    bool started;
    atomic_bool done; /* the thread ran its last event */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* under mu */
};

static int cmp_event(const void *a, const void *b)
{
    const struct nemesis_fault *x = a, *y = b;
    return (x->ev.start_s > y->ev.start_s) - (x->ev.start_s < y->ev.start_s);
}

struct nemesis *nemesis_new(const struct nemesis_config *cfg, const struct nemesis_event *ev, int n,
                            double run_hint_s, char *err, size_t errlen)
{
    if (n < 0 || n > NEMESIS_MAX_EVENTS)
        return snprintf(err, errlen, "at most %d nemesis events", NEMESIS_MAX_EVENTS), NULL;
    for (int i = 0; i < n; i++) {
        const char *need = nemspec_missing(cfg, ev[i].kind);
        if (need)
            return snprintf(err, errlen, "nemesis %s needs %s", nemspec_kind_name(ev[i].kind),
                            need),
                   NULL;
    }
    struct nemesis *x = calloc(1, sizeof *x);
    double span = run_hint_s > 0 ? run_hint_s + NEMESIS_RECOVERY_MAX_S * 2 : 3600;
    if (!x || nemunknown_init(&x->unknown, span) != 0) {
        free(x);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    x->cfg = *cfg;
    if (!x->cfg.appname)
        x->cfg.appname = "lastroomd";
    x->n = n;
    for (int i = 0; i < n; i++)
        x->f[i] =
            (struct nemesis_fault){ .ev = ev[i], .start_s = -1, .end_s = -1, .recovered_s = -1 };
    qsort(x->f, (size_t)n, sizeof *x->f, cmp_event);
    pthread_mutex_init(&x->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->cv, &ca);
    pthread_condattr_destroy(&ca);
    return x;
}

void nemesis_free(struct nemesis *x)
{
    if (!x)
        return;
    nemesis_stop(x);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    nemunknown_free(&x->unknown);
    free(x);
}

const struct nemesis_config *nemesis_config(const struct nemesis *x)
{
    return &x->cfg;
}

const struct nemesis_fault *nemesis_faults(const struct nemesis *x, int *count)
{
    *count = x->n;
    return x->f;
}

const struct nemunknown *nemesis_unknowns(const struct nemesis *x)
{
    return &x->unknown;
}

static double now_s(const struct nemesis *x)
{
    return (double)(clock_mono_ns() - x->unknown.t0_ns) / 1e9;
}

void nemesis_mark_unknown(void *arg, uint64_t ns)
{
    if (arg)
        nemunknown_mark(&((struct nemesis *)arg)->unknown, ns);
}

/* Wait until t_s (seconds since start) or a stop. Returns true when stopped. */
static bool wait_until(struct nemesis *x, double t_s)
{
    uint64_t at = x->unknown.t0_ns + (uint64_t)(t_s > 0 ? t_s * 1e9 : 0);
    struct timespec ts = { (time_t)(at / 1000000000u), (long)(at % 1000000000u) };
    pthread_mutex_lock(&x->mu);
    while (!x->stop && clock_mono_ns() < at)
        if (pthread_cond_timedwait(&x->cv, &x->mu, &ts) == ETIMEDOUT)
            break;
    bool stop = x->stop;
    pthread_mutex_unlock(&x->mu);
    return stop;
}

void nemesis_hold(struct nemesis *x, struct nemesis_fault *f)
{
    f->injected = true;
    wait_until(x, now_s(x) + f->ev.duration_s);
}

/* Probe GET /health until 200; the time it answered, or -1. */
static double probe_recovery(struct nemesis *x)
{
    struct setup_http h;
    char err[256];
    if (setup_http_init(&h, x->cfg.base_url, PROBE_TIMEOUT_MS, err, sizeof err) != 0)
        return -1;
    double limit = now_s(x) + NEMESIS_RECOVERY_MAX_S;
    while (now_s(x) < limit) {
        int status = 0;
        json_t *resp = NULL;
        int rc = setup_call(&h, "GET", "/health", NULL, NULL, &status, &resp, err, sizeof err);
        json_decref(resp);
        if (rc == 0 && status == 200)
            return now_s(x);
        if (wait_until(x, now_s(x) + PROBE_GAP_S))
            return -1;
    }
    return -1;
}

static void *nemesis_main(void *arg)
{
    struct nemesis *x = arg;
    for (int i = 0; i < x->n; i++) {
        struct nemesis_fault *f = &x->f[i];
        if (wait_until(x, f->ev.start_s))
            break;
        f->start_s = now_s(x);
        int rc = f->ev.kind >= NEMESIS_NODE_KILL ? nemcluster_inject(x, f) : nemchild_inject(x, f);
        f->end_s = now_s(x);
        f->injected |= rc == 0;
        if (f->injected && x->cfg.base_url)
            f->recovered_s = probe_recovery(x);
        if (rc != 0 && !f->note[0])
            snprintf(f->note, sizeof f->note, "the script failed (%d)", rc);
    }
    atomic_store(&x->done, true);
    return NULL;
}

bool nemesis_done(const struct nemesis *x)
{
    return atomic_load(&((struct nemesis *)x)->done);
}

int nemesis_start(struct nemesis *x, char *err, size_t errlen)
{
    x->unknown.t0_ns = clock_mono_ns();
    if (pthread_create(&x->th, NULL, nemesis_main, x) != 0)
        return snprintf(err, errlen, "cannot start the nemesis thread"), -1;
    x->started = true;
    return 0;
}

void nemesis_stop(struct nemesis *x)
{
    if (!x || !x->started)
        return;
    pthread_mutex_lock(&x->mu);
    x->stop = true;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    pthread_join(x->th, NULL);
    x->started = false;
}
