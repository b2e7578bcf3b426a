/*
 * timeline.c: per-interval counts of a run (see timeline.h).
 *
 * A point is 2 counters, a VU count and a latency histogram of TL_BUCKETS uint32
 * counters over microseconds: values below 16 us have a bucket each; above, every
 * power of two is cut into 16 buckets (4 bits), up to 2^37 us (38 hours). That is
 * 2.2 KB a point: an hour of one-second points is 7.8 MB per thread, allocated once
 * with calloc, so that only the pages of seconds that were reached become resident.
 * Counts are 32-bit: four billion requests in one point of one thread is out of reach.
 */
#include "load/engine/timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TL_SUB_BITS 4u
#define TL_SUB      (1u << TL_SUB_BITS)
#define TL_TOP_BIT  37u
#define TL_BUCKETS  (TL_SUB + (TL_TOP_BIT - TL_SUB_BITS) * TL_SUB)

struct tl_point {
    uint32_t requests, errors;
    int32_t vus;
    uint32_t lat[TL_BUCKETS];
};

struct timeline {
    double step_s;
    int n;
    struct tl_point p[];
};

static size_t tl_bucket(uint64_t us)
{
    if (us < TL_SUB)
        return (size_t)us;
    unsigned e = 63u - (unsigned)__builtin_clzll(us);
    if (e >= TL_TOP_BIT)
        return TL_BUCKETS - 1;
    uint64_t sub = (us >> (e - TL_SUB_BITS)) - TL_SUB;
    return TL_SUB + (size_t)(e - TL_SUB_BITS) * TL_SUB + (size_t)sub;
}

/* The middle of bucket i, in microseconds. */
static double tl_bucket_mid(size_t i)
{
    if (i < TL_SUB)
        return (double)i;
    size_t k = i - TL_SUB;
    unsigned shift = (unsigned)(k / TL_SUB);
    double low = (double)((uint64_t)(TL_SUB + k % TL_SUB) << shift);
    return low + (double)((uint64_t)1 << shift) / 2.0;
}

static struct timeline *tl_alloc(double step_s, int n)
{
    struct timeline *t = calloc(1, sizeof *t + (size_t)n * sizeof t->p[0]);
    if (t) {
        t->step_s = step_s;
        t->n = n;
    }
    return t;
}

struct timeline *timeline_new(double planned_s)
{
    if (!(planned_s > 0))
        planned_s = 1;
    if (planned_s > 1e7)
        planned_s = 1e7;
    double step = ceil(planned_s / TIMELINE_MAX_POINTS);
    if (step < 1)
        step = 1;
    return tl_alloc(step, (int)ceil(planned_s / step) + 1);
}

struct timeline *timeline_new_like(const struct timeline *t)
{
    return tl_alloc(t->step_s, t->n);
}

void timeline_free(struct timeline *t)
{
    free(t);
}

static struct tl_point *tl_at(struct timeline *t, double at_s)
{
    double i = at_s > 0 ? floor(at_s / t->step_s) : 0;
    return &t->p[i < t->n - 1 ? (int)i : t->n - 1];
}

void timeline_request(struct timeline *t, double at_s, double latency_ms, bool failed)
{
    struct tl_point *p = tl_at(t, at_s);
    p->requests++;
    p->errors += failed || latency_ms < 0;
    if (latency_ms >= 0)
        p->lat[tl_bucket(latency_ms * 1e3 >= 1.8e19 ? UINT64_MAX : (uint64_t)(latency_ms * 1e3))]++;
}

void timeline_vus(struct timeline *t, double at_s, int vus)
{
    struct tl_point *p = tl_at(t, at_s);
    if (vus > p->vus)
        p->vus = vus;
}

int timeline_merge(struct timeline *dst, const struct timeline *src)
{
    if (dst->n != src->n || dst->step_s != src->step_s)
        return -1;
    for (int i = 0; i < dst->n; i++) {
        struct tl_point *d = &dst->p[i];
        const struct tl_point *s = &src->p[i];
        d->requests += s->requests;
        d->errors += s->errors;
        if (s->vus > d->vus)
            d->vus = s->vus;
        for (size_t b = 0; b < TL_BUCKETS; b++)
            d->lat[b] += s->lat[b];
    }
    return 0;
}

double timeline_step(const struct timeline *t)
{
    return t->step_s;
}

int timeline_count(const struct timeline *t, double elapsed_s)
{
    double n = elapsed_s > 0 ? ceil(elapsed_s / t->step_s) : 1;
    return n < 1 ? 1 : n > t->n ? t->n : (int)n;
}

/* The nearest-rank quantile q of a point's latencies, in milliseconds. */
static double tl_quantile(const struct tl_point *p, uint64_t total, double q)
{
    uint64_t rank = (uint64_t)ceil(q * (double)total), seen = 0;
    if (rank < 1)
        rank = 1;
    for (size_t b = 0; b < TL_BUCKETS; b++) {
        seen += p->lat[b];
        if (seen >= rank)
            return tl_bucket_mid(b) / 1e3;
    }
    return 0;
}

void timeline_get(const struct timeline *t, int i, struct timeline_point *out)
{
    const struct tl_point *p = &t->p[i < 0 ? 0 : i < t->n ? i : t->n - 1];
    uint64_t total = 0;
    for (size_t b = 0; b < TL_BUCKETS; b++)
        total += p->lat[b];
    memset(out, 0, sizeof *out);
    out->start_s = i * t->step_s;
    out->requests = p->requests;
    out->errors = p->errors;
    out->vus = p->vus;
    if (total == 0)
        return;
    out->p50_ms = tl_quantile(p, total, 0.50);
    out->p95_ms = tl_quantile(p, total, 0.95);
    out->p99_ms = tl_quantile(p, total, 0.99);
}
