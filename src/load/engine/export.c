/*
 * export.c: --summary-export JSON and --out json NDJSON (see export.h).
 *
 * The summary document is built with jansson once, at the end of the run. The NDJSON
 * points are formatted with snprintf into a per-thread buffer of EXPORT_WRITER_BUF
 * bytes; a line is at most a few hundred bytes (names and tags are bounded and need no
 * escaping: metrics.c refuses quotes, backslashes and control characters in them).
 */
#include "load/engine/export.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_BYTES 512

static const char *type_name(enum metric_type t)
{
    static const char *const names[] = { "counter", "gauge", "rate", "trend" };
    return names[t];
}

static const char *contains_name(const struct metrics *m, int id)
{
    return metrics_is_time(m, id) ? "time" : metrics_is_data(m, id) ? "data" : "default";
}

static json_t *trend_values(const struct metrics *m, int id)
{
    static const char *const stats[] = { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" };
    json_t *v = json_object();
    for (size_t i = 0; v && i < sizeof stats / sizeof stats[0]; i++) {
        double x = 0;
        metrics_trend(m, id, stats[i], &x);
        json_object_set_new(v, stats[i], json_real(x));
    }
    return v;
}

static json_t *series_values(const struct metrics *m, int id, double duration_s)
{
    switch (metrics_type(m, id)) {
    case METRIC_COUNTER:
        return json_pack("{s:f, s:f}", "count", metrics_counter(m, id),
                         "rate", metrics_counter_rate(m, id, duration_s));
    case METRIC_RATE:
        return json_pack("{s:f, s:I, s:I}", "rate", metrics_rate(m, id),
                         "passes", (json_int_t)metrics_rate_trues(m, id),
                         "fails", (json_int_t)(metrics_rate_total(m, id) - metrics_rate_trues(m, id)));
    case METRIC_GAUGE:
        return json_pack("{s:f, s:f, s:f}", "value", metrics_gauge(m, id),
                         "min", metrics_gauge_min(m, id), "max", metrics_gauge_max(m, id));
    default:
        return trend_values(m, id);
    }
}

/* The thresholds of series id as {"expr": {"ok": bool}}, or NULL when it has none. */
static json_t *series_thresholds(const struct thr_set *thr, int id)
{
    json_t *t = NULL;
    for (int i = 0; thr && i < thr_count(thr); i++) {
        const struct thr_threshold *th = thr_get(thr, i);
        if (th->series != id)
            continue;
        if (!t)
            t = json_object();
        json_object_set_new(t, th->expr, json_pack("{s:b}", "ok", th->ok));
    }
    return t;
}

static json_t *series_json(const struct metrics *m, const struct thr_set *thr, int id,
                           double duration_s)
{
    json_t *s = json_pack("{s:s, s:s, s:o}", "type", type_name(metrics_type(m, id)),
                          "contains", contains_name(m, id),
                          "values", series_values(m, id, duration_s));
    json_t *t = series_thresholds(thr, id);
    if (s && t)
        json_object_set_new(s, "thresholds", t);
    else
        json_decref(t);
    return s;
}

json_t *export_summary_json(const struct metrics *m, const struct thr_set *thr,
                            double duration_s, json_t *lastroom)
{
    json_t *metrics = json_object();
    for (int id = 0; metrics && id < metrics_count_series(m); id++) {
        json_t *t = series_thresholds(thr, id);
        if (metrics_has_data(m, id) || t)
            json_object_set_new(metrics, metrics_series_name(m, id),
                                series_json(m, thr, id, duration_s));
        json_decref(t);
    }
    return json_pack("{s:o, s:{s:f}, s:o}", "metrics", metrics,
                     "state", "testRunDurationMs", duration_s * 1000.0,
                     "lastroom", lastroom ? json_incref(lastroom) : json_object());
}

int export_summary_write(const char *path, const struct metrics *m, const struct thr_set *thr,
                         double duration_s, json_t *lastroom, char *err, size_t errlen)
{
    json_t *doc = export_summary_json(m, thr, duration_s, lastroom);
    if (!doc) {
        snprintf(err, errlen, "could not build the summary export: out of memory");
        return -1;
    }
    int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    json_decref(doc);
    if (rc < 0)
        snprintf(err, errlen, "could not write the summary export to %s", path);
    return rc < 0 ? -1 : 0;
}

struct export_ndjson {
    FILE *out;
    const struct metrics *m;
    pthread_mutex_t lock;
    bool failed;
};

struct export_ndjson_writer {
    struct export_ndjson *x;
    size_t len;
    char buf[EXPORT_WRITER_BUF];
};

static json_t *metric_thresholds(const struct thr_set *thr, int id)
{
    json_t *list = json_array();
    for (int i = 0; list && thr && i < thr_count(thr); i++)
        if (thr_get(thr, i)->series == id)
            json_array_append_new(list, json_string(thr_get(thr, i)->expr));
    return list;
}

static int write_metric_line(FILE *out, const struct metrics *m, const struct thr_set *thr, int id)
{
    const char *name = metrics_series_name(m, id);
    json_t *line = json_pack("{s:s, s:{s:s, s:s, s:s, s:o, s:n}, s:s}", "type", "Metric",
                             "data", "name", name, "type", type_name(metrics_type(m, id)),
                             "contains", contains_name(m, id),
                             "thresholds", metric_thresholds(thr, id), "submetrics",
                             "metric", name);
    int rc = line ? json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
    json_decref(line);
    return rc < 0 || fputc('\n', out) == EOF ? -1 : 0;
}

struct export_ndjson *export_ndjson_new(FILE *out, const struct metrics *m,
                                        const struct thr_set *thr)
{
    struct export_ndjson *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->out = out;
    x->m = m;
    pthread_mutex_init(&x->lock, NULL);
    for (int id = 0; id < metrics_count_series(m); id++) {
        if (metrics_parent(m, id) == id && write_metric_line(out, m, thr, id) < 0) {
            export_ndjson_finish(x);
            return NULL;
        }
    }
    return x;
}

int export_ndjson_finish(struct export_ndjson *x)
{
    bool failed = x->failed || fflush(x->out) == EOF || ferror(x->out);
    pthread_mutex_destroy(&x->lock);
    free(x);
    return failed ? -1 : 0;
}

struct export_ndjson_writer *export_ndjson_writer_new(struct export_ndjson *x)
{
    struct export_ndjson_writer *w = malloc(sizeof *w);
    if (w) {
        w->x = x;
        w->len = 0;
    }
    return w;
}

void export_ndjson_flush(struct export_ndjson_writer *w)
{
    if (w->len == 0)
        return;
    pthread_mutex_lock(&w->x->lock);
    if (fwrite(w->buf, 1, w->len, w->x->out) != w->len)
        w->x->failed = true;
    pthread_mutex_unlock(&w->x->lock);
    w->len = 0;
}

void export_ndjson_writer_free(struct export_ndjson_writer *w)
{
    if (!w)
        return;
    export_ndjson_flush(w);
    free(w);
}

/* "2024-01-02T03:04:05.123456789Z" into buf. */
static void format_time(int64_t time_ns, char *buf, size_t len)
{
    time_t secs = (time_t)(time_ns / 1000000000);
    long ns = (long)(time_ns % 1000000000);
    if (ns < 0)
        secs--, ns += 1000000000;
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}

void export_ndjson_point(struct export_ndjson_writer *w, int id, double value, int64_t time_ns)
{
    const struct metrics *m = w->x->m;
    const char *key, *tag;
    char when[48], tags[2 * METRICS_TAG_MAX + 8] = "";
    if (!isfinite(value) || id < 0 || id >= metrics_count_series(m))
        return;
    if (EXPORT_WRITER_BUF - w->len < LINE_MAX_BYTES)
        export_ndjson_flush(w);
    if (metrics_tag(m, id, &key, &tag))
        snprintf(tags, sizeof tags, "\"%s\":\"%s\"", key, tag);
    format_time(time_ns, when, sizeof when);
    int n = snprintf(w->buf + w->len, EXPORT_WRITER_BUF - w->len,
                     "{\"type\":\"Point\",\"data\":{\"time\":\"%s\",\"value\":%.15g,\"tags\":{%s}},"
                     "\"metric\":\"%s\"}\n", when, value, tags, metrics_metric_name(m, id));
    if (n > 0 && (size_t)n < EXPORT_WRITER_BUF - w->len)
        w->len += (size_t)n;
}

/* Append s to buf[*len..cap) as JSON string content (quotes and controls escaped), at
 * most max bytes of s. Returns false when it does not fit. */
static bool put_escaped(char *buf, size_t *len, size_t cap, const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        int n = c == '"' || c == '\\' ? snprintf(buf + *len, cap - *len, "\\%c", c)
                : c < 0x20 ? snprintf(buf + *len, cap - *len, "\\u%04x", c)
                           : snprintf(buf + *len, cap - *len, "%c", c);
        if (n < 0 || (size_t)n >= cap - *len)
            return false;
        *len += (size_t)n;
    }
    buf[*len] = '\0';
    return true;
}

/* Append the literal s to buf[*len..cap). Returns false when it does not fit. */
static bool put_raw(char *buf, size_t *len, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap - *len)
        return false;
    memcpy(buf + *len, s, n + 1);
    *len += n;
    return true;
}

void export_ndjson_point_tagged(struct export_ndjson_writer *w, int metric, double value,
                                int64_t time_ns, const struct metrics_tags *t)
{
    const struct metrics *m = w->x->m;
    char when[48], tags[LINE_MAX_BYTES * 4];
    size_t tl = 0;
    if (!isfinite(value) || metric < 0 || metric >= metrics_count_series(m))
        return;
    tags[0] = '\0';
    for (int k = 0; k < metrics_tag_key_count(m); k++) {
        if (!t->v[k])
            continue;
        size_t mark = tl;
        if (!put_raw(tags, &tl, sizeof tags, tl ? ",\"" : "\"")
            || !put_escaped(tags, &tl, sizeof tags, metrics_tag_key_name(m, k), METRICS_TAG_MAX)
            || !put_raw(tags, &tl, sizeof tags, "\":\"")
            || !put_escaped(tags, &tl, sizeof tags, t->v[k], LINE_MAX_BYTES)
            || !put_raw(tags, &tl, sizeof tags, "\"")) {
            tl = mark;                       /* leave out a tag that does not fit */
            tags[tl] = '\0';
        }
    }
    if (EXPORT_WRITER_BUF - w->len < tl + LINE_MAX_BYTES)
        export_ndjson_flush(w);
    format_time(time_ns, when, sizeof when);
    int n = snprintf(w->buf + w->len, EXPORT_WRITER_BUF - w->len,
                     "{\"type\":\"Point\",\"data\":{\"time\":\"%s\",\"value\":%.15g,\"tags\":{%s}},"
                     "\"metric\":\"%s\"}\n", when, value, tags,
                     metrics_metric_name(m, metrics_parent(m, metric)));
    if (n > 0 && (size_t)n < EXPORT_WRITER_BUF - w->len)
        w->len += (size_t)n;
}
