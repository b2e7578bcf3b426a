/*
 * clock.h: the one monotonic clock of every program (CLOCK_MONOTONIC), for deadlines,
 * timeouts and latencies; never for dates. Header only: two inline calls.
 */
#ifndef LASTROOM_COMMON_CLOCK_H
#define LASTROOM_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* clock_mono_ns: CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* clock_mono_us: the same clock in microseconds. */
static inline int64_t clock_mono_us(void)
{
    return (int64_t)(clock_mono_ns() / 1000u);
}

#endif
