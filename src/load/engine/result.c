/*
 * result.c: reading a summary export back and merging two (see result.h).
 *
 * The reader trusts nothing in the file: it is capped in size (RESULT_FILE_MAX), parsed
 * by jansson with duplicate keys refused, and every field the report or compare uses is
 * checked for its type before it is copied into struct result. Histograms are decoded
 * with export_hist_add, the same function a merge uses.
 */
#include "load/engine/result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load/engine/export.h"

static const char *const type_names[] = { "counter", "gauge", "rate", "trend" };

static int type_of(const char *name)
{
    for (int t = 0; t < 4; t++)
        if (name && strcmp(name, type_names[t]) == 0)
            return t;
    return -1;
}

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* A count: a number >= 0, clamped to the uint64 range (0 when absent or not a number). */
static uint64_t count_of(const json_t *o, const char *key)
{
    double x = num(o, key);
    return !(x > 0) ? 0 : x >= 1.8e19 ? UINT64_MAX : (uint64_t)x;
}

/* One series of "metrics" into s. Returns 0, or -1 with err. */
static int series_read(struct result_series *s, const char *name, const json_t *js, char *err,
                       size_t errlen)
{
    int t = type_of(json_string_value(json_object_get(js, "type")));
    const json_t *v = json_object_get(js, "values");
    if (t < 0 || !json_is_object(v) || strlen(name) >= sizeof s->name)
        return snprintf(err, errlen, "series %.80s: no valid type or values", name), -1;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->type = (enum metric_type)t;
    const char *contains = json_string_value(json_object_get(js, "contains"));
    s->is_time = contains && strcmp(contains, "time") == 0;
    s->count = num(v, "count");
    s->passes = count_of(v, "passes");
    s->fails = count_of(v, "fails");
    s->value = num(v, "value");
    s->min = num(v, "min");
    s->max = num(v, "max");
    if (s->type != METRIC_TREND)
        return 0;
    s->hist = hist_new(METRICS_TREND_MAX);
    if (!s->hist)
        return snprintf(err, errlen, "out of memory"), -1;
    char why[256];
    if (export_hist_add(s->hist, json_object_get(js, "histogram"), why, sizeof why) != 0)
        return snprintf(err, errlen, "series %s: %s", name, why), -1;
    return 0;
}

static int series_all(struct result *r, const json_t *metrics, char *err, size_t errlen)
{
    size_t n = json_object_size(metrics);
    if (!json_is_object(metrics) || n > RESULT_SERIES_MAX)
        return snprintf(err, errlen, "no \"metrics\" object (or too many series)"), -1;
    r->s = calloc(n + 1, sizeof *r->s);
    if (!r->s)
        return snprintf(err, errlen, "out of memory"), -1;
    const char *name;
    json_t *js;
    json_object_foreach((json_t *)metrics, name, js)
    {
        if (series_read(&r->s[r->n++], name, js, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* One column of the timeline as n doubles. */
static double *column(const json_t *tl, const char *key, size_t n)
{
    const json_t *a = json_object_get(tl, key);
    if (!json_is_array(a) || json_array_size(a) != n)
        return NULL;
    double *out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++) {
        const json_t *x = json_array_get(a, i);
        out[i] = json_number_value(x);
        if (!json_is_number(x) || !isfinite(out[i]) || out[i] < 0) {
            free(out);
            return NULL;
        }
    }
    return out;
}

static int timeline_read(struct result_timeline *t, const json_t *tl, char *err, size_t errlen)
{
    if (!tl)
        return 0;
    size_t n = json_array_size(json_object_get(tl, "requests"));
    t->step_s = num(tl, "step_s");
    if (!json_is_object(tl) || n == 0 || n > RESULT_TIMELINE_MAX || !(t->step_s >= 1)
        || t->step_s > RESULT_STEP_MAX)
        return snprintf(err, errlen, "timeline: missing or bad columns"), -1;
    t->requests = column(tl, "requests", n);
    t->errors = column(tl, "errors", n);
    t->vus = column(tl, "vus", n);
    t->p50_ms = column(tl, "p50_ms", n);
    t->p95_ms = column(tl, "p95_ms", n);
    t->p99_ms = column(tl, "p99_ms", n);
    if (!t->requests || !t->errors || !t->vus || !t->p50_ms || !t->p95_ms || !t->p99_ms)
        return snprintf(err, errlen,
                        "timeline: a column is missing, of another length "
                        "or holds something other than numbers >= 0"),
               -1;
    t->n = (int)n;
    return 0;
}

static int header_read(struct result *r, char *err, size_t errlen)
{
    const char *fmt = json_string_value(json_object_get(r->doc, "format"));
    const json_t *ver = json_object_get(r->doc, "version");
    if (!fmt || strcmp(fmt, EXPORT_FORMAT) != 0)
        return snprintf(err, errlen,
                        "not a lastroom-load summary (no \"format\": \"%s\"; "
                        "write one with --summary-export)",
                        EXPORT_FORMAT),
               -1;
    if (!json_is_integer(ver) || json_integer_value(ver) != EXPORT_VERSION)
        return snprintf(err, errlen,
                        "summary version %lld is not one this program reads "
                        "(it reads version %d)",
                        (long long)json_integer_value(ver), EXPORT_VERSION),
               -1;
    const json_t *lr = json_object_get(r->doc, "lastroom");
    snprintf(r->scenario, sizeof r->scenario, "%s",
             json_string_value(json_object_get(lr, "scenario")) ?: "");
    snprintf(r->profile, sizeof r->profile, "%s",
             json_string_value(json_object_get(lr, "profile")) ?: "");
    r->duration_s = num(json_object_get(r->doc, "state"), "testRunDurationMs") / 1000.0;
    if (!(r->duration_s >= 0) || !isfinite(r->duration_s))
        return snprintf(err, errlen, "no valid state.testRunDurationMs"), -1;
    return 0;
}

struct result *result_from_doc(json_t *doc, char *err, size_t errlen)
{
    struct result *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->doc = json_incref(doc);
    if (!json_is_object(doc) || header_read(r, err, errlen) != 0
        || series_all(r, json_object_get(doc, "metrics"), err, errlen) != 0
        || timeline_read(&r->tl, json_object_get(doc, "timeline"), err, errlen) != 0) {
        result_free(r);
        return NULL;
    }
    return r;
}

struct result *result_load(const char *path, char *err, size_t errlen)
{
    struct stat st;
    char why[256];
    json_error_t je;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: no such file", path);
        return NULL;
    }
    if (st.st_size > (off_t)RESULT_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %u MB, not a summary", path, RESULT_FILE_MAX >> 20);
        return NULL;
    }
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: not valid JSON (corrupt or truncated?): %s at line %d", path,
                 je.text, je.line);
        return NULL;
    }
    struct result *r = result_from_doc(doc, why, sizeof why);
    json_decref(doc);
    if (!r)
        snprintf(err, errlen, "%s: %s", path, why);
    return r;
}

static void timeline_free_cols(struct result_timeline *t)
{
    free(t->requests);
    free(t->errors);
    free(t->vus);
    free(t->p50_ms);
    free(t->p95_ms);
    free(t->p99_ms);
    memset(t, 0, sizeof *t);
}

void result_free(struct result *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        hist_free(r->s[i].hist);
    free(r->s);
    timeline_free_cols(&r->tl);
    json_decref(r->doc);
    free(r);
}

const struct result_series *result_find(const struct result *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->s[i].name, name) == 0)
            return &r->s[i];
    return NULL;
}

double result_quantile(const struct result_series *s, double q)
{
    return s->hist ? (double)hist_quantile(s->hist, q) / METRICS_TREND_SCALE : 0;
}

double result_rate(const struct result *r, const struct result_series *s)
{
    if (s->type == METRIC_RATE)
        return s->passes + s->fails ? (double)s->passes / (double)(s->passes + s->fails) : 0;
    return r->duration_s > 0 ? s->count / r->duration_s : 0;
}

static void series_add(struct result_series *d, const struct result_series *s)
{
    d->count += s->count;
    d->passes += s->passes;
    d->fails += s->fails;
    d->min = fmin(d->min, s->min);
    d->max = fmax(d->max, s->max);
    if (d->hist && s->hist)
        hist_merge(d->hist, s->hist); /* one layout (METRICS_TREND_MAX): cannot fail */
}

int result_merge(struct result *dst, const struct result *src, char *err, size_t errlen)
{
    if (strcmp(dst->scenario, src->scenario) != 0)
        return snprintf(err, errlen, "cannot merge runs of different scenarios (%s and %s)",
                        dst->scenario, src->scenario),
               -1;
    struct result_series *grown = realloc(dst->s, (size_t)(dst->n + src->n + 1) * sizeof *grown);
    if (!grown)
        return snprintf(err, errlen, "out of memory"), -1;
    dst->s = grown;
    for (int i = 0; i < src->n; i++) {
        struct result_series *d = (struct result_series *)result_find(dst, src->s[i].name);
        if (d && d->type == src->s[i].type) {
            series_add(d, &src->s[i]);
            continue;
        }
        if (d)
            return snprintf(err, errlen, "series %s has two types", d->name), -1;
        d = &dst->s[dst->n];
        *d = src->s[i];
        d->hist = NULL;
        if (src->s[i].hist && !(d->hist = hist_new(METRICS_TREND_MAX)))
            return snprintf(err, errlen, "out of memory"), -1;
        if (d->hist)
            hist_merge(d->hist, src->s[i].hist);
        dst->n++;
    }
    dst->duration_s = fmax(dst->duration_s, src->duration_s);
    timeline_free_cols(&dst->tl);
    return 0;
}

int result_thresholds(const struct result *r, struct result_threshold *out, int max)
{
    int n = 0;
    const char *series, *expr;
    json_t *js, *t;
    json_object_foreach(json_object_get(r->doc, "metrics"), series, js)
    {
        json_object_foreach(json_object_get(js, "thresholds"), expr, t)
        {
            if (n >= max || !json_is_object(t))
                continue;
            const json_t *obs = json_object_get(t, "observed");
            out[n++] = (struct result_threshold){ .series = series,
                                                  .expr = expr,
                                                  .ok = json_is_true(json_object_get(t, "ok")),
                                                  .has_observed = json_is_number(obs),
                                                  .observed = json_number_value(obs) };
        }
    }
    return n;
}

/* The verification figures that count something wrong (verify.h): any non-zero fails. */
static const char *const must_be_zero[] = {
    "overbookings", "inventory_violations", "missing_confirmed",
    "cancel_lost",  "refused_but_booked",   "unattributed",
    NULL,
};

int result_checks(const struct result *r, struct result_check *out, int max)
{
    int n = 0;
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(json_object_get(r->doc, "lastroom"), "verify"), name, v)
    {
        if (n >= max || !json_is_number(v))
            continue;
        bool check = false;
        for (int k = 0; must_be_zero[k]; k++)
            check = check || strcmp(name, must_be_zero[k]) == 0;
        out[n++] = (struct result_check){ name, json_number_value(v), check };
    }
    return n;
}

bool result_passed(const struct result *r)
{
    struct result_threshold th[RESULT_ITEMS_MAX];
    struct result_check ch[RESULT_ITEMS_MAX];
    int nt = result_thresholds(r, th, RESULT_ITEMS_MAX),
        nc = result_checks(r, ch, RESULT_ITEMS_MAX);
    for (int i = 0; i < nt; i++)
        if (!th[i].ok)
            return false;
    for (int i = 0; i < nc; i++)
        if (ch[i].is_check && ch[i].value != 0)
            return false;
    return true;
}
