/*
 * result.h: a run's summary export read back (export.h's format), for `lastroom-load
 * report` and `lastroom-load compare`, and the merge of two runs' results.
 *
 * result_load checks the document before anything uses it: the format name and a
 * version this program knows (EXPORT_VERSION; any other is refused), every series'
 * type and values, every histogram against its layout and its own count, the timeline's
 * columns of one length. The document stays available (result_doc) for the report.
 */
#ifndef LASTROOM_LOAD_ENGINE_RESULT_H
#define LASTROOM_LOAD_ENGINE_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/hist.h"
#include "load/engine/metrics.h"

#define RESULT_FILE_MAX     (64u << 20) /* a summary larger than this is refused */
#define RESULT_SERIES_MAX   1024
#define RESULT_TIMELINE_MAX 100000  /* points */
#define RESULT_STEP_MAX     86400.0 /* seconds per point */

struct result_series {
    char name[192]; /* "http_req_duration{name:hold}" */
    enum metric_type type;
    bool is_time;
    double count;           /* counter: the total */
    uint64_t passes, fails; /* rate */
    double value, min, max; /* gauge */
    struct hist *hist;      /* trend: thousandths of the unit */
};

struct result_timeline {
    int n; /* points; 0: the summary has no timeline */
    double step_s;
    double *requests, *errors, *vus, *p50_ms, *p95_ms, *p99_ms; /* n each */
};

struct result {
    json_t *doc; /* the whole document (owned) */
    char scenario[64], profile[32];
    double duration_s;
    int n;
    struct result_series *s;
    struct result_timeline tl;
};

/* result_load: read and check the summary at path. Returns a result (free it with
 * result_free), or NULL with a message in err naming the file and what is wrong (no
 * such file, not JSON, truncated, another format or version, a bad series). */
struct result *result_load(const char *path, char *err, size_t errlen);
/* result_from_doc: the same check for a document in memory; takes a reference of doc. */
struct result *result_from_doc(json_t *doc, char *err, size_t errlen);
void result_free(struct result *r);

/* result_find: the series of that name, or NULL. */
const struct result_series *result_find(const struct result *r, const char *name);
/* result_quantile: quantile q (0..1) of a trend series in its unit (ms for time). */
double result_quantile(const struct result_series *s, double q);
/* result_rate: a counter's total per second of the run; a rate series' pass ratio. */
double result_rate(const struct result *r, const struct result_series *s);

/* A threshold as judged in the run, and a verification figure with its verdict. */
struct result_threshold {
    const char *series, *expr; /* pointing into the document */
    bool ok, has_observed;
    double observed;
};
struct result_check {
    const char *name; /* "overbookings" */
    double value;
    bool is_check; /* must be 0 (else: information) */
};
#define RESULT_ITEMS_MAX 256

/* result_thresholds: up to max thresholds of the run, series by series, into out.
 * Returns how many. */
int result_thresholds(const struct result *r, struct result_threshold *out, int max);
/* result_checks: up to max numeric figures of the run's verification ("lastroom" ->
 * "verify"), into out; the ones that must be 0 have is_check. Returns how many. */
int result_checks(const struct result *r, struct result_check *out, int max);
/* result_passed: every threshold ok and every check 0. */
bool result_passed(const struct result *r);

/* result_merge: add src into dst, as two parts of one run that ran side by side:
 * counters, rate passes and fails and trend histograms add up (so every percentile of
 * the merge is that of all samples together); gauges keep the larger max and smaller
 * min; the duration is the longer. Series only in src are added. The timeline, which
 * cannot be merged, is dropped from dst. Returns 0, or -1 with err (dst unchanged
 * only when the scenarios differ; otherwise on no memory it may be partly merged). */
int result_merge(struct result *dst, const struct result *src, char *err, size_t errlen);

#endif
