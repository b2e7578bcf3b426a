/*
 * executor.h: k6's executors as pure schedule logic, with k6's option names.
 *
 * Nothing here touches the network or the clock: the runner asks, at time t seconds
 * after the start, how many VUs should be active (VU-based executors) or when the
 * n-th iteration is due (arrival-rate executors), and claims iterations and VUs
 * through the small pools below. That is what the unit tests check.
 *
 *   shared-iterations      vus VUs share `iterations` in total (claimed atomically)
 *   per-vu-iterations      each of vus VUs runs `iterations`
 *   constant-vus           vus VUs loop for duration
 *   ramping-vus            the active count follows stages from startVUs; a count
 *                          changes by one at evenly spaced instants (k6's steps);
 *                          VUs leaving get gracefulRampDown to finish their iteration
 *   constant-arrival-rate  rate iterations per timeUnit, evenly spaced, for duration
 *   ramping-arrival-rate   the rate follows stages from startRate linearly; iteration
 *                          n starts where the integral of the rate reaches n
 * Arrival-rate executors draw VUs from a pool of preAllocatedVUs that may grow to
 * maxVUs; an iteration due when no VU is free is dropped (dropped_iterations).
 */
#ifndef LASTROOM_LOAD_ENGINE_EXECUTOR_H
#define LASTROOM_LOAD_ENGINE_EXECUTOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/scenario.h"
#include "load/engine/segment.h"

/* exec_defaults: k6's defaults for type (vus 1, iterations 1, maxDuration 10m,
 * gracefulStop 30s, gracefulRampDown 30s, timeUnit 1s); other fields zero. */
void exec_defaults(struct lr_exec_config *c, enum lr_executor type);

/* exec_name / exec_from_name: k6's executor names ("ramping-vus"). from_name returns
 * -1 for an unknown name. */
const char *exec_name(enum lr_executor type);
int exec_from_name(const char *name);

/* exec_check: whether c is runnable (positive counts and durations, stages within
 * bounds, maxVUs >= preAllocatedVUs). Returns 0, or -1 with a message in err. */
int exec_check(const struct lr_exec_config *c, char *err, size_t errlen);

/* exec_vus_max: VUs the run needs at most (k6's vus_max). */
int exec_vus_max(const struct lr_exec_config *c);
/* exec_duration: seconds during which iterations may start (maxDuration for the
 * iteration executors, the sum of stages for ramping ones); gracefulStop comes after. */
double exec_duration(const struct lr_exec_config *c);

/* The scenarios of one run (struct lr_part, each with its startTime), taken together. */
/* exec_parts_vus_max: the VUs of all of them (each part has VUs of its own). */
int exec_parts_vus_max(const struct lr_part *p, int n);
/* exec_parts_end: seconds after the start at which the last part stops starting
 * iterations (its startTime plus its exec_duration). */
double exec_parts_end(const struct lr_part *p, int n);
/* exec_parts_span: the run's longest possible length, gracefulStop included (k6's
 * "max duration"), and with ramp_down every part's gracefulRampDown too. */
double exec_parts_span(const struct lr_part *p, int n, bool ramp_down);
/* exec_parts_iterations: the iterations all parts run in total when every one is an
 * iteration executor, else -1 (a duration decides). */
int64_t exec_parts_iterations(const struct lr_part *p, int n);

/* exec_describe: one line on what c does, in k6's words ("5 looping VUs for 30s
 * (gracefulStop: 30s)", "10 iterations shared among 2 VUs (maxDuration: 10m0s,
 * startTime: 2s, gracefulStop: 30s)"), start_s its startTime (0: not said). Returns buf
 * (always NUL-terminated when len > 0). */
char *exec_describe(const struct lr_exec_config *c, double start_s, char *buf, size_t len);

/* exec_parts_describe: k6's lines on the run's scenarios ("  scenarios: 2 scenarios,
 * 7 max VUs, 1m2s max duration (incl. graceful stop):" then "           * NAME: " and
 * exec_describe's line for each). Returns buf (NUL-terminated when len > 0). */
char *exec_parts_describe(const struct lr_part *p, int n, char *buf, size_t len);

/* exec_vus_at: VUs that should be active t seconds after the start (VU-based
 * executors; ramping-vus per k6's steps, the last target after the stages). */
int exec_vus_at(const struct lr_exec_config *c, double t);

/* exec_rate_at: iterations per second at t (arrival-rate executors, else 0). */
double exec_rate_at(const struct lr_exec_config *c, double t);

/* exec_arrival_at: the start time in seconds of iteration n (0-based) of an
 * arrival-rate executor, or -1 when iteration n is not in the schedule. */
double exec_arrival_at(const struct lr_exec_config *c, uint64_t n);

/* exec_arrivals_total: how many iterations the arrival-rate schedule holds. */
uint64_t exec_arrivals_total(const struct lr_exec_config *c);

/* exec_take: claim one of total shared iterations from *next (any thread). Returns
 * true and the claimed index in *idx, or false when all are claimed. */
bool exec_take(_Atomic int64_t *next, int64_t total, int64_t *idx);

/* A VU pool for arrival-rate executors: indices 0..max-1; pre of them exist at the
 * start, more are initialised on demand up to max. The caller supplies stack[max]. */
struct exec_pool {
    uint32_t *stack; /* free VU indices */
    uint32_t nfree;
    uint32_t inited; /* VUs initialised so far (k6's vus_max) */
    uint32_t max;
};

/* exec_pool_init: a pool with pre VUs free (pre <= max). */
void exec_pool_init(struct exec_pool *p, uint32_t *stack, uint32_t pre, uint32_t max);
/* exec_pool_get: a free VU index, initialising one more when none is free; -1 when
 * all max are busy (the caller drops the iteration). */
int64_t exec_pool_get(struct exec_pool *p);
/* exec_pool_put: give VU idx back (it must have come from exec_pool_get). */
void exec_pool_put(struct exec_pool *p, uint32_t idx);

/* A cursor over one share of the arrival schedule: iterations first, first+stride,
 * first+2*stride, ... (one share per thread), of which only those seg owns when seg
 * is set (one part of a test split in execution segments). */
struct exec_cursor {
    uint64_t next;
    uint32_t stride;
    const struct seg_plan *seg; /* NULL: the whole test */
};

/* exec_cursor_due: when the cursor's next iteration starts at or before t, advance
 * and return true with its start time in *start; else false (*start is then that
 * next start time, or -1 when the share is exhausted). */
bool exec_cursor_due(const struct lr_exec_config *c, struct exec_cursor *cur, double t,
                     double *start);

#endif
