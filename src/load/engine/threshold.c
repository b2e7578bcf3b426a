/*
 * threshold.c: parsing and judging k6 thresholds (see threshold.h).
 *
 * The parser walks the expression once: aggregation, operator, number, each after
 * optional blanks, and reports the first part that is wrong, quoting it.
 */
#include "load/engine/threshold.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct thr_set {
    int n;
    struct thr_threshold t[THR_MAX];
};

static const struct agg_name {
    const char *name;
    enum thr_agg agg;
} agg_names[] = {
    { "avg", THR_AVG },     { "min", THR_MIN },   { "max", THR_MAX_AGG }, { "med", THR_MED },
    { "count", THR_COUNT }, { "rate", THR_RATE }, { "value", THR_VALUE },
};

static const struct op_name {
    const char *text;
    enum thr_op op;
} op_names[] = {
    /* longest first */
    { "===", THR_EQ }, { "<=", THR_LE }, { ">=", THR_GE }, { "==", THR_EQ },
    { "!=", THR_NE },  { "<", THR_LT },  { ">", THR_GT },
};

static const char *type_name(enum metric_type type)
{
    static const char *const names[] = { "counter", "gauge", "rate", "trend" };
    return names[type];
}

static const char *allowed_aggs(enum metric_type type)
{
    static const char *const allowed[] = { "count or rate", "value", "rate",
                                           "avg, min, max, med or p(N)" };
    return allowed[type];
}

static bool agg_fits(enum thr_agg agg, enum metric_type type)
{
    switch (type) {
    case METRIC_COUNTER: return agg == THR_COUNT || agg == THR_RATE;
    case METRIC_GAUGE: return agg == THR_VALUE;
    case METRIC_RATE: return agg == THR_RATE;
    default: return agg <= THR_PCT;
    }
}

static const char *skip_blanks(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Parse "p(N)" at p (p points after "p"); sets out->pct and out->stat. */
static const char *parse_pct(const char *p, struct thr_threshold *out, char *err, size_t errlen)
{
    char *end;
    const char *open = skip_blanks(p);
    if (*open != '('
        || !(isdigit((unsigned char)*skip_blanks(open + 1)) || *skip_blanks(open + 1) == '.'))
        return snprintf(err, errlen,
                        "malformed percentile, expected p(N) such as p(95) or p(99.9)"),
               NULL;
    double n = strtod(skip_blanks(open + 1), &end);
    const char *close = skip_blanks(end);
    if (*close != ')')
        return snprintf(err, errlen,
                        "malformed percentile, expected p(N) such as p(95) or p(99.9)"),
               NULL;
    if (!(n > 0 && n <= 100))
        return snprintf(err, errlen, "percentile p(%g) is out of range, N must be in (0, 100]", n),
               NULL;
    out->agg = THR_PCT;
    out->pct = n;
    snprintf(out->stat, sizeof out->stat, "p(%g)", n);
    return close + 1;
}

/* Parse the aggregation word at p; returns the position after it or NULL. */
static const char *parse_agg(const char *p, enum metric_type type, struct thr_threshold *out,
                             char *err, size_t errlen)
{
    size_t len = 0;
    while (isalpha((unsigned char)p[len]))
        len++;
    if (len == 1 && p[0] == 'p')
        return parse_pct(p + 1, out, err, errlen);
    for (size_t i = 0; i < sizeof agg_names / sizeof agg_names[0]; i++) {
        if (strlen(agg_names[i].name) == len && strncmp(p, agg_names[i].name, len) == 0) {
            out->agg = agg_names[i].agg;
            snprintf(out->stat, sizeof out->stat, "%s", agg_names[i].name);
            return p + len;
        }
    }
    if (len == 0)
        snprintf(err, errlen, "expected an aggregation (for a %s: %s)", type_name(type),
                 allowed_aggs(type));
    else
        snprintf(err, errlen, "unknown aggregation '%.*s' (for a %s: %s)", (int)len, p,
                 type_name(type), allowed_aggs(type));
    return NULL;
}

static const char *parse_op(const char *p, struct thr_threshold *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++) {
        size_t n = strlen(op_names[i].text);
        if (strncmp(p, op_names[i].text, n) == 0) {
            out->op = op_names[i].op;
            return p + n;
        }
    }
    if (*p == '=')
        snprintf(err, errlen, "'=' is not an operator, use '=='");
    else
        snprintf(err, errlen, "expected an operator (<, <=, >, >=, ==, !=) after '%s'", out->stat);
    return NULL;
}

static const char *parse_number(const char *p, double *v, char *err, size_t errlen)
{
    const char *digits = *p == '-' ? p + 1 : p;
    char *end;
    if (!isdigit((unsigned char)*digits) && !(*digits == '.' && isdigit((unsigned char)digits[1])))
        return snprintf(err, errlen, "expected a number after the operator"), NULL;
    *v = strtod(p, &end);
    if (!isfinite(*v))
        return snprintf(err, errlen, "the number is out of range"), NULL;
    return end;
}

/* Parse expr into *out; on error write why (without the expression) and return -1. */
static int parse_expr(const char *expr, enum metric_type type, struct thr_threshold *out, char *why,
                      size_t whylen)
{
    struct thr_threshold t = { .series = -1 };
    const char *p = skip_blanks(expr);
    size_t len = strlen(p);
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    if (len == 0)
        return snprintf(why, whylen, "the expression is empty"), -1;
    if (len >= sizeof t.expr)
        return snprintf(why, whylen, "the expression is too long"), -1;
    memcpy(t.expr, p, len);
    if (!(p = parse_agg(p, type, &t, why, whylen)))
        return -1;
    if (!agg_fits(t.agg, type))
        return snprintf(why, whylen, "'%s' does not apply to a %s metric (use %s)", t.stat,
                        type_name(type), allowed_aggs(type)),
               -1;
    if (!(p = parse_op(skip_blanks(p), &t, why, whylen))
        || !(p = parse_number(skip_blanks(p), &t.target, why, whylen)))
        return -1;
    if (*(p = skip_blanks(p)))
        return snprintf(why, whylen, "unexpected '%s' after the number", p), -1;
    *out = t;
    return 0;
}

int thr_parse(const char *expr, enum metric_type type, struct thr_threshold *out, char *err,
              size_t errlen)
{
    char why[200];
    if (parse_expr(expr, type, out, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "threshold '%s': %s", expr, why);
    return -1;
}

struct thr_set *thr_new(void)
{
    return calloc(1, sizeof(struct thr_set));
}

void thr_free(struct thr_set *t)
{
    free(t);
}

/* Find series in m, creating a missing tagged series of a known metric; an unknown
 * metric or tag key is an error naming it. */
static int resolve_series(struct metrics *m, const char *series, char *err, size_t errlen)
{
    int id = metrics_find(m, series);
    if (id >= 0)
        return id;
    char name[METRICS_NAME_MAX], filter[METRICS_FILTER_MAX * 2 * METRICS_TAG_MAX], why[512];
    const char *open = strchr(series, '{'), *close = open ? strrchr(open, '}') : NULL;
    size_t n = open ? (size_t)(open - series) : strlen(series);
    while (n > 0 && isspace((unsigned char)series[n - 1]))
        n--;
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), series);
    int base = metrics_find(m, name);
    if (base < 0)
        return snprintf(err, errlen, "threshold on unknown metric '%s'", name), -1;
    if (!open || !close || close[1 + strspn(close + 1, " \t")] != '\0'
        || (size_t)(close - open - 1) >= sizeof filter)
        return snprintf(err, errlen, "malformed series '%s', expected name{tag:value}", series), -1;
    snprintf(filter, sizeof filter, "%.*s", (int)(close - open - 1), open + 1);
    if ((id = metrics_subseries(m, base, filter, why, sizeof why)) < 0)
        return snprintf(err, errlen, "threshold on '%s': %s", series, why), -1;
    return id;
}

int thr_add(struct thr_set *t, struct metrics *m, const char *series, const char *expr,
            bool abort_on_fail, double delay_abort_eval_s, char *err, size_t errlen)
{
    struct thr_threshold th;
    char why[200];
    if (t->n >= THR_MAX)
        return snprintf(err, errlen, "too many thresholds (at most %d)", THR_MAX), -1;
    int id = resolve_series(m, series, err, errlen);
    if (id < 0)
        return -1;
    if (parse_expr(expr, metrics_type(m, id), &th, why, sizeof why) < 0)
        return snprintf(err, errlen, "threshold '%s' on %s: %s", expr, series, why), -1;
    th.series = id;
    th.abort_on_fail = abort_on_fail;
    th.delay_abort_eval_s = delay_abort_eval_s;
    t->t[t->n++] = th;
    return 0;
}

int thr_add_specs(struct thr_set *t, struct metrics *m, const struct lr_threshold_spec *specs,
                  char *err, size_t errlen)
{
    for (; specs && specs->series; specs++)
        if (thr_add(t, m, specs->series, specs->expr, specs->abort_on_fail, 0, err, errlen) < 0)
            return -1;
    return 0;
}

int thr_add_cli(struct thr_set *t, struct metrics *m, const char *spec, char *err, size_t errlen)
{
    char series[THR_EXPR_MAX * 4], expr[THR_EXPR_MAX * 2];
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof series)
        return snprintf(err, errlen, "threshold '%s': expected SERIES=EXPR", spec), -1;
    snprintf(series, sizeof series, "%.*s", (int)(eq - spec), spec);
    const char *opt = strchr(eq + 1, ':');
    size_t elen = opt ? (size_t)(opt - eq - 1) : strlen(eq + 1);
    if (elen >= sizeof expr)
        return snprintf(err, errlen, "threshold '%s': the expression is too long", spec), -1;
    snprintf(expr, sizeof expr, "%.*s", (int)elen, eq + 1);
    bool abort_on_fail = false;
    double delay = 0;
    if (opt) {
        char *end;
        if (strncmp(opt, ":abort", 6) != 0 || (opt[6] != '\0' && opt[6] != ':'))
            return snprintf(err, errlen,
                            "threshold '%s': after the expression expected "
                            ":abort or :abort:DELAY (seconds)",
                            spec),
                   -1;
        abort_on_fail = true;
        if (opt[6] == ':') {
            delay = strtod(opt + 7, &end);
            if (end == opt + 7 || (*end && strcmp(end, "s") != 0) || !(delay >= 0)
                || !isfinite(delay))
                return snprintf(err, errlen,
                                "threshold '%s': the delay after :abort: must "
                                "be seconds, e.g. :abort:10s",
                                spec),
                       -1;
        }
    }
    return thr_add(t, m, series, expr, abort_on_fail, delay, err, errlen);
}

int thr_add_profile(struct thr_set *t, struct metrics *m, const struct lr_profile *p, char *err,
                    size_t errlen)
{
    const struct lr_threshold_spec *s = p->thresholds;
    for (int i = 0; s && s[i].series; i++)
        if (thr_add(t, m, s[i].series, s[i].expr, s[i].abort_on_fail,
                    p->threshold_delays ? p->threshold_delays[i] : 0, err, errlen)
            < 0)
            return -1;
    return 0;
}

int thr_count(const struct thr_set *t)
{
    return t->n;
}

const struct thr_threshold *thr_get(const struct thr_set *t, int i)
{
    return i >= 0 && i < t->n ? &t->t[i] : NULL;
}

static double observe(const struct thr_threshold *th, const struct metrics *m, double elapsed_s)
{
    double v = 0;
    switch (th->agg) {
    case THR_COUNT: return metrics_counter(m, th->series);
    case THR_VALUE: return metrics_gauge(m, th->series);
    case THR_RATE:
        return metrics_type(m, th->series) == METRIC_RATE
                   ? metrics_rate(m, th->series)
                   : metrics_counter_rate(m, th->series, elapsed_s);
    default: metrics_trend(m, th->series, th->stat, &v); return v;
    }
}

bool thr_op_holds(double a, enum thr_op op, double b)
{
    switch (op) {
    case THR_LT: return a < b;
    case THR_LE: return a <= b;
    case THR_GT: return a > b;
    case THR_GE: return a >= b;
    case THR_EQ: return a == b;
    default: return a != b;
    }
}

/* A series without samples fails ("no data"), except a metric's own counter: a count
 * of nothing is a measured 0 (the verdict counters must pass on a clean run). */
static bool has_data(const struct thr_threshold *th, const struct metrics *m)
{
    return metrics_has_data(m, th->series)
           || (metrics_type(m, th->series) == METRIC_COUNTER
               && metrics_parent(m, th->series) == th->series);
}

static bool judge(struct thr_threshold *th, const struct metrics *m, double elapsed_s)
{
    th->observed = observe(th, m, elapsed_s);
    th->no_data = !has_data(th, m);
    th->ok = !th->no_data && thr_op_holds(th->observed, th->op, th->target);
    th->evaluated = true;
    return th->ok;
}

int thr_evaluate(struct thr_set *t, const struct metrics *m, double elapsed_s)
{
    int failed = 0;
    for (int i = 0; i < t->n; i++)
        failed += !judge(&t->t[i], m, elapsed_s);
    return failed;
}

bool thr_should_abort(struct thr_set *t, const struct metrics *m, double elapsed_s)
{
    bool abort = false;
    for (int i = 0; i < t->n; i++) {
        struct thr_threshold *th = &t->t[i];
        if (th->abort_on_fail && elapsed_s >= th->delay_abort_eval_s && !judge(th, m, elapsed_s))
            abort = true;
    }
    return abort;
}
