/*
 * fuzz_threshold.c: libFuzzer harness for k6 threshold expressions (thr_parse) and
 * the series names they are attached to (thr_add), as given in scenario profiles and
 * on lastroom-load's command line.
 *
 * Input: one byte for the metric type, then "SERIES\nEXPRESSION". Properties: a parsed
 * threshold has a NUL-terminated expression and aggregation name, an aggregation that
 * fits the metric type, a percentile in (0, 100] and a finite target; every refusal
 * writes a NUL-terminated message; a threshold added on any series of a fresh registry
 * can be judged on no data at all without fault.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/metrics.h"
#include "load/engine/threshold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fits(enum thr_agg agg, enum metric_type type)
{
    switch (type) {
    case METRIC_COUNTER: return agg == THR_COUNT || agg == THR_RATE;
    case METRIC_GAUGE: return agg == THR_VALUE;
    case METRIC_RATE: return agg == THR_RATE;
    default: return agg <= THR_PCT;
    }
}

static void check_parsed(const struct thr_threshold *t, enum metric_type type)
{
    if (memchr(t->expr, '\0', sizeof t->expr) == NULL
        || memchr(t->stat, '\0', sizeof t->stat) == NULL)
        abort();
    if (t->stat[0] == '\0' || t->expr[0] == '\0' || !fits(t->agg, type) || !isfinite(t->target))
        abort();
    if (t->agg == THR_PCT && !(t->pct > 0 && t->pct <= 100))
        abort();
    if (t->op > THR_NE)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum metric_type type = (enum metric_type)(data[0] % 4);
    char *in = malloc(size);
    if (in == NULL)
        abort();
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    char *nl = strchr(in, '\n');
    const char *series = "http_req_duration", *expr = in;
    if (nl != NULL) {
        *nl = '\0';
        series = in;
        expr = nl + 1;
    }

    struct thr_threshold t;
    char err[256];
    memset(err, 'x', sizeof err);
    if (thr_parse(expr, type, &t, err, sizeof err) == 0)
        check_parsed(&t, type);
    else if (memchr(err, '\0', sizeof err) == NULL)
        abort();

    struct metrics *m = metrics_new();
    struct thr_set *set = thr_new();
    if (m == NULL || set == NULL)
        abort();
    memset(err, 'x', sizeof err);
    if (thr_add(set, m, series, expr, data[0] & 4, 0, err, sizeof err) == 0) {
        const struct thr_threshold *a = thr_get(set, 0);
        if (a == NULL || thr_count(set) != 1 || a->series < 0)
            abort();
        check_parsed(a, metrics_type(m, a->series));
        int failed = thr_evaluate(set, m, 1.0);
        if (failed < 0 || failed > 1)
            abort();
        thr_should_abort(set, m, 100.0);
    } else if (memchr(err, '\0', sizeof err) == NULL || thr_count(set) != 0) {
        abort();
    }
    thr_free(set);
    metrics_free(m);
    free(in);
    return 0;
}
