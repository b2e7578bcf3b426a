/*
 * summary.h: the end-of-test summary in k6's layout.
 *
 *   █ THRESHOLDS       each series with thresholds, then one ✓ / ✗ line per threshold
 *   █ TOTAL RESULTS    checks, then the groups HTTP, EXECUTION, NETWORK and CUSTOM
 *
 * Each line is a dotted leader and the series' figures: trends avg, min, med, max,
 * p(90), p(95), p(99); counters the total and the rate per second; rates a percentage
 * and "N out of M"; gauges the value, min and max. Time is printed as k6 prints it
 * ("1.23ms"), bytes in SI units ("48 kB"). Only series with data are listed; a tagged
 * series follows its metric, indented. The output depends only on the arguments.
 */
#ifndef LASTROOM_LOAD_ENGINE_SUMMARY_H
#define LASTROOM_LOAD_ENGINE_SUMMARY_H

#include <stdio.h>

#include "load/engine/metrics.h"
#include "load/engine/threshold.h"

/* summary_write: print the summary of m's merged values for a run of duration_s
 * seconds. thr may be NULL (no THRESHOLDS section); its thresholds must have been
 * judged with thr_evaluate. Returns 0, or -1 when writing to out failed. */
int summary_write(FILE *out, const struct metrics *m, const struct thr_set *thr, double duration_s);

/* summary_set_trend_stats: the statistics of trend lines, k6's --summary-trend-stats
 * ("avg,min,med,max,p(90),p(95),p(99)" by default; also count and any p(N)), at most
 * seven. Returns 0, or -1 with a message in err (the previous choice kept). Process-wide:
 * call before summary_write. */
int summary_set_trend_stats(const char *list, char *err, size_t errlen);

/* summary_format_value: a value of series id as the summary prints it: a duration for
 * time series, SI bytes for data series, otherwise a number with at most 6 decimals
 * and no trailing zeros. Returns buf. */
char *summary_format_value(const struct metrics *m, int id, double v, char *buf, size_t len);

#endif
