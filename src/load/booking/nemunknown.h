/*
 * nemunknown.h: requests with an unknown outcome (sent, never answered), counted by
 * the time they were sent into 50 ms buckets, and summed over the windows of faults.
 */
#ifndef LASTROOM_LOAD_BOOKING_NEMUNKNOWN_H
#define LASTROOM_LOAD_BOOKING_NEMUNKNOWN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "load/booking/nemesis.h"

struct nemunknown {
    _Atomic(uint32_t) *buckets;
    size_t nbuckets;
    uint64_t t0_ns; /* CLOCK_MONOTONIC at the start; 0: not yet */
};

/* nemunknown_init: buckets for span_s seconds (at most 4 hours; later marks land in
 * the last bucket). Returns 0, or -1 on no memory. Free with nemunknown_free. */
int nemunknown_init(struct nemunknown *u, double span_s);
void nemunknown_free(struct nemunknown *u);

/* nemunknown_mark: a request sent at mono_ns ended unknown. Ignored before t0_ns is
 * set. Relaxed atomics: any thread, never locks or allocates. */
void nemunknown_mark(struct nemunknown *u, uint64_t mono_ns);

/* nemunknown_between: the marks sent from from_s to to_s (seconds since t0_ns). */
uint64_t nemunknown_between(const struct nemunknown *u, double from_s, double to_s);

/* nemunknown_of: the marks in f's window, from a quarter second before it began until
 * half a second after lastroomd served again (or it ended); 0 when it never ran. */
uint64_t nemunknown_of(const struct nemunknown *u, const struct nemesis_fault *f);

/* nemunknown_around: the marks inside any of the n faults' windows, each counted once
 * (windows of faults close together overlap, so the sum of nemunknown_of can count a
 * request twice). */
uint64_t nemunknown_around(const struct nemunknown *u, const struct nemesis_fault *f, int n);

#endif
