/*
 * segment.h: k6's execution segments: one part of a test split over processes or
 * machines (--execution-segment A:B, --execution-segment-sequence 0,A,B,...,1).
 *
 * A segment is the interval (A, B] of [0, 1], its ends exact fractions ("1/3", "0.25",
 * "25%"). The sequence (given, else 0, A, B, 1) cuts [0, 1] into segments of widths
 * w_j; with L the least common denominator, the indices 0, 1, 2, ... of anything
 * counted (VUs, iterations, arrivals) are dealt to the segments in a pattern of L:
 * index i goes to the segment furthest behind its share (w_j * (i+1) - dealt_j
 * largest, ties to the first). After L indices every segment has exactly w_j * L, and
 * at any prefix each is within one of its share. So a part runs, of a count N, the
 * indices below N that are its own: the shares of all parts add up to exactly N for
 * any sequence, grow with N, and a part computes its share from the sequence alone.
 * Its VUs are numbered in the whole test by their indices (k6's idInTest), so VU
 * numbers never collide across parts; an arrival-rate part starts exactly the
 * iterations whose index is its own.
 */
#ifndef LASTROOM_LOAD_ENGINE_SEGMENT_H
#define LASTROOM_LOAD_ENGINE_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/scenario.h"

#define SEG_DEN_MAX    1000000000ull /* the largest denominator of an end */
#define SEG_SEQ_MAX    256           /* points in a sequence */
#define SEG_PERIOD_MAX 1000000u      /* the largest common denominator */

/* An exact fraction num/den in [0, 1], reduced. */
struct seg_frac {
    uint64_t num, den;
};

struct segment {
    struct seg_frac from, to; /* from < to */
};

/* seg_parse_frac: "1/3", "0.25", "25%", "0" or "1" into *f. Returns 0, or -1 with a
 * message in err (not a number, outside [0, 1], a denominator above SEG_DEN_MAX). */
int seg_parse_frac(const char *text, struct seg_frac *f, char *err, size_t errlen);

/* seg_parse: "A:B" (or "B", meaning 0:B) into *s, with A < B. Returns 0, or -1 with a
 * message in err. */
int seg_parse(const char *text, struct segment *s, char *err, size_t errlen);

/* seg_parse_sequence: "0,1/3,2/3,1": strictly ascending points from 0 to 1 into
 * pts[max]; *n is set to their count. Returns 0, or -1 with a message in err. */
int seg_parse_sequence(const char *text, struct seg_frac *pts, int max, int *n, char *err,
                       size_t errlen);

/* The dealing pattern of one segment within its sequence. */
struct seg_plan {
    struct segment seg;
    uint32_t period;     /* L */
    uint32_t per_period; /* indices of one period that are the segment's */
    uint32_t *prefix;    /* prefix[r]: own indices among 0..r-1, r <= L */
    uint32_t *pos;       /* the own indices of one period, ascending */
};

/* seg_plan_new: the pattern of s within the sequence pts[n] (NULL: 0, A, B, 1). Returns
 * NULL with a message in err when s is not one step of the sequence, the common
 * denominator is above SEG_PERIOD_MAX or there is no memory. Free with seg_plan_free. */
struct seg_plan *seg_plan_new(const struct segment *s, const struct seg_frac *pts, int n, char *err,
                              size_t errlen);
void seg_plan_free(struct seg_plan *p);

/* seg_share: how many of the indices 0..n-1 are p's (n >= 0). */
int64_t seg_share(const struct seg_plan *p, int64_t n);

/* seg_owns: whether index i is p's. */
bool seg_owns(const struct seg_plan *p, uint64_t i);

/* seg_index: the whole test's index of p's k-th own index (k >= 0). */
int64_t seg_index(const struct seg_plan *p, int64_t k);

/* seg_apply: scale the executor c to p's share (VUs, iterations, preAllocatedVUs,
 * maxVUs, stage targets; rates stay, the arrivals are filtered by seg_owns). Returns
 * 0, or -1 with a message in err when the share holds no VU or no iteration. */
int seg_apply(const struct seg_plan *p, struct lr_exec_config *c, char *err, size_t errlen);

/* seg_format: s as "A:B" with its fractions ("1/3:2/3") into out[len]. */
void seg_format(const struct segment *s, char *out, size_t len);

#endif
