/*
 * threshold.h: k6 thresholds: pass/fail criteria on a metric series.
 *
 * A threshold is a series ("http_req_duration", "http_req_duration{name:hold}") and an
 * expression "AGGREGATION OPERATOR NUMBER", blanks allowed between the parts:
 *   aggregation  trend: avg, min, max, med, p(N) with N in (0, 100] (p(99.9) allowed)
 *                counter: count, rate (per second of the run); rate: rate; gauge: value
 *   operator     <  <=  >  >=  ==  !=   (=== is read as ==; a single = is an error)
 *   number       -?digits[.digits]
 * A threshold on a tagged series ("http_reqs{status:201,method:POST}") creates that
 * series (k6 sub-metrics); a metric or a tag key the registry does not know is an
 * error before the run. A threshold whose series received no sample fails and says
 * "no data" (no_data), so that a misspelt tag value cannot pass; a metric's own counter
 * is the exception, its count of nothing being a measured 0. abortOnFail stops the run
 * as soon as the threshold fails, but not before delayAbortEval seconds of the run.
 */
#ifndef LASTROOM_LOAD_ENGINE_THRESHOLD_H
#define LASTROOM_LOAD_ENGINE_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "load/engine/metrics.h"
#include "load/engine/scenario.h"

#define THR_MAX      64
#define THR_EXPR_MAX 64

enum thr_agg { THR_AVG, THR_MIN, THR_MAX_AGG, THR_MED, THR_PCT, THR_COUNT, THR_RATE, THR_VALUE };
enum thr_op { THR_LT, THR_LE, THR_GT, THR_GE, THR_EQ, THR_NE };

/* thr_op_holds: whether "a OP b" is true (the comparison every threshold judges by). */
bool thr_op_holds(double a, enum thr_op op, double b);

struct thr_threshold {
    int series;              /* series id in the registry */
    char expr[THR_EXPR_MAX]; /* the expression as given, blanks around it trimmed */
    char stat[16];           /* the aggregation as k6 prints it: "p(95)", "rate" */
    enum thr_agg agg;
    double pct; /* THR_PCT: N of p(N) */
    enum thr_op op;
    double target;
    bool abort_on_fail;
    double delay_abort_eval_s;
    bool evaluated, ok; /* after thr_evaluate */
    bool no_data;       /* judged on a series without samples: failed */
    double observed;    /* the aggregation's value at the last evaluation */
};

struct thr_set;

/* thr_new: an empty set. Returns NULL on no memory. */
struct thr_set *thr_new(void);
void thr_free(struct thr_set *t);

/* thr_parse: parse expr for a metric of the given type into *out (series left -1).
 * Returns 0, or -1 with a message naming what is wrong in err. */
int thr_parse(const char *expr, enum metric_type type, struct thr_threshold *out, char *err,
              size_t errlen);

/* thr_add: parse and add a threshold on series (created in m when it is a missing
 * tagged series of a known metric). Returns 0, or -1 with a message in err (the set
 * unchanged) for an unknown metric, a malformed series or expression, an aggregation
 * that does not fit the metric type, or a full set. */
int thr_add(struct thr_set *t, struct metrics *m, const char *series, const char *expr,
            bool abort_on_fail, double delay_abort_eval_s, char *err, size_t errlen);

/* thr_add_specs: thr_add for each spec up to the one with series == NULL.
 * Returns 0, or -1 at the first bad spec (those before it stay added). */
int thr_add_specs(struct thr_set *t, struct metrics *m, const struct lr_threshold_spec *specs,
                  char *err, size_t errlen);

/* thr_add_cli: a threshold as written on the command line, "SERIES=EXPR" with an
 * optional ":abort" (abortOnFail) or ":abort:DELAY" (and delayAbortEval, seconds with
 * an optional "s"), e.g. "http_req_failed=rate<0.01:abort:10s". Returns 0, or -1 with
 * a message in err (the set unchanged), as thr_add. */
int thr_add_cli(struct thr_set *t, struct metrics *m, const char *spec, char *err, size_t errlen);

/* thr_add_profile: the profile's thresholds, each with its delayAbortEval. Returns 0,
 * or -1 at the first bad one (those before it stay added). */
int thr_add_profile(struct thr_set *t, struct metrics *m, const struct lr_profile *p, char *err,
                    size_t errlen);

int thr_count(const struct thr_set *t);
/* thr_get: the i-th threshold in the order added, or NULL when out of range. */
const struct thr_threshold *thr_get(const struct thr_set *t, int i);

/* thr_evaluate: judge every threshold against m's merged values, elapsed_s seconds
 * into the run (for counter rates). Returns how many failed. */
int thr_evaluate(struct thr_set *t, const struct metrics *m, double elapsed_s);

/* thr_should_abort: judge the abortOnFail thresholds whose delayAbortEval has passed
 * at elapsed_s; true when one of them fails (the engine calls this periodically after
 * merging). Updates those thresholds' evaluated, ok and observed. */
bool thr_should_abort(struct thr_set *t, const struct metrics *m, double elapsed_s);

#endif
