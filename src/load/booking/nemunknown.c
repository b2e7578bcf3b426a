/*
 * nemunknown.c: counting unknown outcomes around faults. The engine's worker threads
 * mark into 50 ms buckets with relaxed atomics while the run goes on; the sums are read
 * after the run, when no one marks any more.
 */
#include "load/booking/nemunknown.h"

#include <stdlib.h>

#define BUCKET_S        0.05
#define BUCKETS_MAX     288000 /* 4 hours of 50 ms buckets */
#define WINDOW_BEFORE_S 0.25
#define WINDOW_AFTER_S  0.5

int nemunknown_init(struct nemunknown *u, double span_s)
{
    size_t nb = (size_t)(span_s / BUCKET_S) + 1;
    u->nbuckets = nb < BUCKETS_MAX ? nb : BUCKETS_MAX;
    u->buckets = calloc(u->nbuckets, sizeof *u->buckets);
    u->t0_ns = 0;
    return u->buckets ? 0 : -1;
}

void nemunknown_free(struct nemunknown *u)
{
    free(u->buckets);
    u->buckets = NULL;
}

void nemunknown_mark(struct nemunknown *u, uint64_t ns)
{
    if (!u->t0_ns)
        return;
    double t = ns > u->t0_ns ? (double)(ns - u->t0_ns) / 1e9 : 0;
    size_t b = (size_t)(t / BUCKET_S);
    if (b >= u->nbuckets)
        b = u->nbuckets - 1;
    atomic_fetch_add_explicit(&u->buckets[b], 1, memory_order_relaxed);
}

uint64_t nemunknown_between(const struct nemunknown *u, double from, double to)
{
    uint64_t n = 0;
    size_t a = from > 0 ? (size_t)(from / BUCKET_S) : 0, b = (size_t)(to / BUCKET_S);
    for (size_t i = a; i <= b && i < u->nbuckets; i++)
        n += atomic_load_explicit(&u->buckets[i], memory_order_relaxed);
    return n;
}

static double window_end(const struct nemesis_fault *f)
{
    return (f->recovered_s >= 0 ? f->recovered_s : f->end_s) + WINDOW_AFTER_S;
}

uint64_t nemunknown_of(const struct nemunknown *u, const struct nemesis_fault *f)
{
    return f->start_s < 0 ? 0 : nemunknown_between(u, f->start_s - WINDOW_BEFORE_S, window_end(f));
}

uint64_t nemunknown_around(const struct nemunknown *u, const struct nemesis_fault *f, int n)
{
    uint64_t sum = 0;
    for (size_t b = 0; b < u->nbuckets; b++) {
        double t = (double)b * BUCKET_S;
        for (int i = 0; i < n; i++)
            if (f[i].start_s >= 0 && t + BUCKET_S > f[i].start_s - WINDOW_BEFORE_S
                && t <= window_end(&f[i])) {
                sum += atomic_load_explicit(&u->buckets[b], memory_order_relaxed);
                break;
            }
    }
    return sum;
}
