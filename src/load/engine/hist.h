/*
 * hist.h: a histogram of non-negative integer values with bounded memory (HDR-style).
 *
 * Values below 128 have a bucket each (exact). Above, every power of two [2^e, 2^(e+1))
 * is cut into 64 buckets of equal width 2^(e-6), so a bucket is at most 1/64 of its
 * lower bound wide and a quantile, reported as the middle of its bucket, is within
 * 1/128 (0.79%) of the true value of that rank. Memory is fixed at creation by the
 * largest value to track; recording is O(1) and never allocates. count, min, max and
 * the sum (hence the mean) are exact. Values above the largest trackable value are
 * recorded as that value (clamped) and still counted.
 *
 * A histogram is not thread-safe: give each thread its own and merge them.
 */
#ifndef LASTROOM_LOAD_ENGINE_HIST_H
#define LASTROOM_LOAD_ENGINE_HIST_H

#include <stddef.h>
#include <stdint.h>

struct hist;

/* hist_new: a histogram tracking values 0..max_value (max_value >= 1; larger values
 * are clamped to it). Returns NULL on no memory or when max_value is 0. */
struct hist *hist_new(uint64_t max_value);
void hist_free(struct hist *h);

/* hist_record: count one value (clamped to the largest trackable). O(1), no allocation. */
void hist_record(struct hist *h, uint64_t value);
/* hist_record_n: count value n times. */
void hist_record_n(struct hist *h, uint64_t value, uint64_t n);

/* hist_merge: add src's counts into dst. Returns 0, or -1 (dst unchanged) when the two
 * were created with different max_value (a different layout). */
int hist_merge(struct hist *dst, const struct hist *src);
/* hist_reset: back to empty, keeping the layout. */
void hist_reset(struct hist *h);

uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h); /* 0 when empty */
uint64_t hist_max(const struct hist *h); /* 0 when empty */
uint64_t hist_sum(const struct hist *h); /* exact while below 2^64 (saturates) */
double hist_mean(const struct hist *h);  /* 0 when empty */

/* hist_quantile: the value of rank ceil(q * count) (nearest rank; q <= 0 gives min,
 * q >= 1 gives max), as the middle of its bucket clamped to [min, max]; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

uint64_t hist_max_trackable(const struct hist *h);

/* Bucket by bucket, for encoding a histogram and reading it back (export.c). Bucket i
 * of every histogram with the same max_value holds the same values, so two encoded
 * histograms merge by adding their buckets. */
size_t hist_nbuckets(const struct hist *h);
uint64_t hist_bucket(const struct hist *h, size_t i); /* 0 past the last bucket */
/* hist_bucket_add: count n values of bucket i, as if each were the bucket's lowest
 * value (count and sum grow; min and max widen). Returns 0, or -1 (h unchanged) when
 * i is past the last bucket. */
int hist_bucket_add(struct hist *h, size_t i, uint64_t n);
/* hist_set_exact: replace min, max and sum by their exactly known values (read back
 * with the buckets they belong to). Returns 0, or -1 (h unchanged) when the histogram
 * is empty, min > max, or min or max lies outside the buckets that hold values. */
int hist_set_exact(struct hist *h, uint64_t min, uint64_t max, uint64_t sum);
/* hist_bytes: the memory the histogram holds, for sizing. */
size_t hist_bytes(const struct hist *h);

#endif
