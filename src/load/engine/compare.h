/*
 * compare.h: regression detection between two runs' summaries (result.h).
 *
 * Compared, series by series, where both runs have the series: every trend's p50, p95
 * and p99 (from the histograms, exact to the histogram's 0.8%; higher is worse; the
 * parts of http_req_duration, waiting, sending, receiving, connecting, are left out), the
 * request and iteration rates per second (lower is worse), and the rates
 * http_req_failed (higher is worse) and checks (lower is worse).
 *
 * A change is a regression when all of these hold:
 *   1. it goes the worse way by more than the tolerance (relative to the base);
 *   2. it is larger than the run-to-run noise: twice the standard error of the
 *      difference, sqrt(sd_base^2 / n_base + sd_new^2 / n_new), where sd is the
 *      standard deviation of the figure's per-second values in the run's timeline and
 *      n the seconds that had requests. Seconds, not requests, are taken as the
 *      independent samples, because requests of one second share its conditions (a
 *      checkpoint, a busy neighbour on the machine); a whole-run figure is about as
 *      uncertain as the spread of its seconds over the square root of their number.
 *      Series the timeline does not cover (tagged series, other trends) take the
 *      relative noise of http_req_duration at the same percentile, the iteration rate
 *      that of the request rate;
 *   3. it is at least the minimum effect: 1 ms for a time, 0.01 for a rate of
 *      failures or checks, 1 per second for a throughput, so that a change too small
 *      to matter is not reported however steady the runs were.
 */
#ifndef LASTROOM_LOAD_ENGINE_COMPARE_H
#define LASTROOM_LOAD_ENGINE_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "load/engine/result.h"

#define COMPARE_DEFAULT_TOLERANCE 0.10

/* compare_tolerance: parse "10%" or "0.1" into a fraction in (0, 10]. Returns 0, or
 * -1 when malformed. */
int compare_tolerance(const char *text, double *out);

/* compare_runs: print the comparison table of base and cur to out. Returns how many
 * figures regressed, or -1 with a message in err when the two cannot be compared
 * (different scenarios). */
int compare_runs(FILE *out, const struct result *base, const struct result *cur, double tolerance,
                 char *err, size_t errlen);

#endif
