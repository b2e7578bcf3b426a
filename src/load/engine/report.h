/*
 * report.h: a run's HTML report, from its summary (result.h).
 *
 * One self-contained file: inline CSS, charts as inline SVG (chart.h), no script and
 * nothing fetched when it is viewed. In order: the run's verdict (passed or failed)
 * and figures; four charts over the run's time (requests per second, VUs, latency
 * p50/p95/p99, error rate), each with the injected faults shaded; the thresholds with
 * their observed values; the verification figures and the verdict block; the fault
 * timeline; every series' values. Every string taken from the summary is escaped.
 */
#ifndef LASTROOM_LOAD_ENGINE_REPORT_H
#define LASTROOM_LOAD_ENGINE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "load/engine/result.h"

/* The plot frame colours of the four charts, in order: a screenshot test finds the
 * charts by them (chart.h). */
/* clang-format off */
#define REPORT_FRAME_COLORS { "#606265", "#606267", "#606269", "#60626b" }
/* clang-format on */

/* report_write: the report of r to out. Returns 0, or -1 when writing failed. */
int report_write(FILE *out, const struct result *r);

/* report_write_file: report_write into path (through a temporary file renamed into
 * place). Returns 0, or -1 with a message naming path in err. */
int report_write_file(const char *path, const struct result *r, char *err, size_t errlen);

#endif
