/*
 * hist.c: the log-linear histogram of hist.h.
 *
 * Layout. Bucket i < 128 holds the value i. Above, a value v with top bit e (e >= 7)
 * goes to bucket 128 + (e - 7) * 64 + ((v >> (e - 6)) - 64): the top bit picks the
 * power of two, the next six bits the sub-bucket. The bucket array is sized once for
 * the largest value to track (about 3,800 buckets, 30 KB, for the whole uint64 range;
 * about 1,800 buckets for an hour in microseconds). Shaped for latency recording in a
 * load tester: one histogram per thread and series, a few array increments per sample,
 * merged once at the end.
 */
#include "load/engine/hist.h"

#include <stdlib.h>
#include <string.h>

#define HIST_LINEAR   128u /* values with a bucket each */
#define HIST_SUB_BITS 6u   /* 64 buckets per power of two */
#define HIST_SUB      (1u << HIST_SUB_BITS)

struct hist {
    uint64_t max_value;
    uint64_t count, sum, min, max;
    size_t nbuckets;
    uint64_t buckets[];
};

static size_t bucket_of(uint64_t v)
{
    if (v < HIST_LINEAR)
        return (size_t)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    uint64_t sub = (v >> (e - HIST_SUB_BITS)) - HIST_SUB;
    return HIST_LINEAR + (size_t)(e - 7u) * HIST_SUB + (size_t)sub;
}

/* The lowest value of bucket i and its width. */
static uint64_t bucket_low(size_t i, uint64_t *width)
{
    if (i < HIST_LINEAR) {
        *width = 1;
        return i;
    }
    size_t k = i - HIST_LINEAR;
    unsigned shift = (unsigned)(k / HIST_SUB) + 1u; /* e - 6 */
    *width = (uint64_t)1 << shift;
    return (uint64_t)(HIST_SUB + k % HIST_SUB) << shift;
}

struct hist *hist_new(uint64_t max_value)
{
    if (max_value == 0)
        return NULL;
    size_t n = bucket_of(max_value) + 1;
    struct hist *h = calloc(1, sizeof *h + n * sizeof h->buckets[0]);
    if (!h)
        return NULL;
    h->max_value = max_value;
    h->nbuckets = n;
    h->min = UINT64_MAX;
    return h;
}

void hist_free(struct hist *h)
{
    free(h);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

void hist_record_n(struct hist *h, uint64_t value, uint64_t n)
{
    if (n == 0)
        return;
    if (value > h->max_value)
        value = h->max_value;
    uint64_t total;
    if (__builtin_mul_overflow(value, n, &total))
        total = UINT64_MAX;
    h->buckets[bucket_of(value)] += n;
    h->count += n;
    h->sum = add_sat(h->sum, total);
    if (value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
}

void hist_record(struct hist *h, uint64_t value)
{
    hist_record_n(h, value, 1);
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst->max_value != src->max_value)
        return -1;
    for (size_t i = 0; i < src->nbuckets; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->sum = add_sat(dst->sum, src->sum);
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    return 0;
}

void hist_reset(struct hist *h)
{
    memset(h->buckets, 0, h->nbuckets * sizeof h->buckets[0]);
    h->count = h->sum = h->max = 0;
    h->min = UINT64_MAX;
}

uint64_t hist_count(const struct hist *h)
{
    return h->count;
}
uint64_t hist_min(const struct hist *h)
{
    return h->count ? h->min : 0;
}
uint64_t hist_max(const struct hist *h)
{
    return h->max;
}
uint64_t hist_sum(const struct hist *h)
{
    return h->sum;
}
uint64_t hist_max_trackable(const struct hist *h)
{
    return h->max_value;
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

size_t hist_bytes(const struct hist *h)
{
    return sizeof *h + h->nbuckets * sizeof h->buckets[0];
}

/* The 1-based nearest rank of quantile q, guarded against q * count landing a hair
 * above an integer through rounding. */
static uint64_t rank_of(const struct hist *h, double q)
{
    double r = q * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if (r - (double)rank > 1e-9 * r)
        rank++;
    if (rank < 1)
        rank = 1;
    return rank > h->count ? h->count : rank;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    if (q >= 1)
        return h->max;
    uint64_t rank = rank_of(h, q), seen = 0;
    size_t i = 0;
    for (; i < h->nbuckets; i++) {
        seen += h->buckets[i];
        if (seen >= rank)
            break;
    }
    uint64_t width, v = bucket_low(i, &width);
    v += width / 2;
    if (v < h->min)
        v = h->min;
    return v > h->max ? h->max : v;
}

size_t hist_nbuckets(const struct hist *h)
{
    return h->nbuckets;
}

uint64_t hist_bucket(const struct hist *h, size_t i)
{
    return i < h->nbuckets ? h->buckets[i] : 0;
}

int hist_bucket_add(struct hist *h, size_t i, uint64_t n)
{
    if (i >= h->nbuckets)
        return -1;
    uint64_t width, low = bucket_low(i, &width);
    hist_record_n(h, low, n);
    return 0;
}

int hist_set_exact(struct hist *h, uint64_t min, uint64_t max, uint64_t sum)
{
    if (h->count == 0 || min > max || max > h->max_value)
        return -1;
    if (bucket_of(min) != bucket_of(h->min) || bucket_of(max) != bucket_of(h->max))
        return -1;
    h->min = min;
    h->max = max;
    h->sum = sum;
    return 0;
}
