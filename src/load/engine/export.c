/*
 * export.c: --summary-export JSON and --out json NDJSON (see export.h).
 *
 * The summary document is built with jansson once, at the end of the run. A trend's
 * histogram is written sparse: only its non-empty buckets, as (gap, count) pairs of
 * integers, so a latency histogram of a few hundred used buckets takes a few KB
 * whatever the run's length. The NDJSON
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
#include <unistd.h>
#include <zlib.h>

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
        return json_pack("{s:f, s:f}", "count", metrics_counter(m, id), "rate",
                         metrics_counter_rate(m, id, duration_s));
    case METRIC_RATE:
        return json_pack("{s:f, s:I, s:I}", "rate", metrics_rate(m, id), "passes",
                         (json_int_t)metrics_rate_trues(m, id), "fails",
                         (json_int_t)(metrics_rate_total(m, id) - metrics_rate_trues(m, id)));
    case METRIC_GAUGE:
        return json_pack("{s:f, s:f, s:f}", "value", metrics_gauge(m, id), "min",
                         metrics_gauge_min(m, id), "max", metrics_gauge_max(m, id));
    default: return trend_values(m, id);
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
        json_object_set_new(t, th->expr,
                            th->evaluated
                                ? json_pack("{s:b, s:f}", "ok", th->ok, "observed", th->observed)
                                : json_pack("{s:b}", "ok", th->ok));
    }
    return t;
}

static json_t *series_json(const struct metrics *m, const struct thr_set *thr, int id,
                           double duration_s)
{
    json_t *s = json_pack("{s:s, s:s, s:o}", "type", type_name(metrics_type(m, id)), "contains",
                          contains_name(m, id), "values", series_values(m, id, duration_s));
    json_t *t = series_thresholds(thr, id);
    if (s && t)
        json_object_set_new(s, "thresholds", t);
    else
        json_decref(t);
    if (s && metrics_hist(m, id))
        json_object_set_new(s, "histogram", export_hist_json(metrics_hist(m, id)));
    return s;
}

static json_int_t to_int(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

json_t *export_hist_json(const struct hist *h)
{
    json_t *b = json_array();
    size_t next = 0;
    for (size_t i = 0; b && i < hist_nbuckets(h); i++) {
        uint64_t c = hist_bucket(h, i);
        if (c == 0)
            continue;
        json_array_append_new(b, json_integer((json_int_t)(i - next)));
        json_array_append_new(b, json_integer(to_int(c)));
        next = i + 1;
    }
    return json_pack("{s:s, s:I, s:f, s:I, s:I, s:I, s:I, s:o}", "layout", EXPORT_HIST_LAYOUT,
                     "max_trackable", to_int(hist_max_trackable(h)), "scale", METRICS_TREND_SCALE,
                     "count", to_int(hist_count(h)), "min", to_int(hist_min(h)), "max",
                     to_int(hist_max(h)), "sum", to_int(hist_sum(h)), "buckets", b);
}

/* Fill the empty h from the bucket pairs of enc; -1 with err on a bad pair. */
static int hist_fill(struct hist *h, const json_t *pairs, char *err, size_t errlen)
{
    size_t n = json_array_size(pairs), next = 0;
    if (!json_is_array(pairs) || n % 2 || n > 2 * hist_nbuckets(h))
        return snprintf(err, errlen, "histogram buckets: not pairs of a valid length"), -1;
    for (size_t k = 0; k < n; k += 2) {
        json_int_t gap = json_integer_value(json_array_get(pairs, k));
        json_int_t c = json_integer_value(json_array_get(pairs, k + 1));
        if (!json_is_integer(json_array_get(pairs, k))
            || !json_is_integer(json_array_get(pairs, k + 1)) || gap < 0 || c <= 0
            || (uint64_t)gap >= hist_nbuckets(h) - next
            || hist_bucket_add(h, next + (size_t)gap, (uint64_t)c) != 0)
            return snprintf(err, errlen, "histogram buckets: bad pair at %zu", k), -1;
        next += (size_t)gap + 1;
    }
    return 0;
}

int export_hist_add(struct hist *dst, const json_t *enc, char *err, size_t errlen)
{
    json_int_t max_t = 0, count = -1, min = -1, max = -1, sum = -1;
    const char *layout = NULL;
    json_t *pairs = NULL;
    if (json_unpack((json_t *)enc, "{s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "layout", &layout,
                    "max_trackable", &max_t, "count", &count, "min", &min, "max", &max, "sum", &sum,
                    "buckets", &pairs)
            != 0
        || count < 0 || min < 0 || max < 0 || sum < 0)
        return snprintf(err, errlen, "histogram: missing or negative fields"), -1;
    if (strcmp(layout, EXPORT_HIST_LAYOUT) != 0 || (uint64_t)max_t != hist_max_trackable(dst))
        return snprintf(err, errlen, "histogram: layout %s up to %lld is not %s up to %llu", layout,
                        (long long)max_t, EXPORT_HIST_LAYOUT,
                        (unsigned long long)hist_max_trackable(dst)),
               -1;
    struct hist *h = hist_new(hist_max_trackable(dst));
    if (!h)
        return snprintf(err, errlen, "out of memory"), -1;
    int rc = hist_fill(h, pairs, err, errlen);
    if (rc == 0 && hist_count(h) != (uint64_t)count) {
        snprintf(err, errlen, "histogram: buckets hold %llu values, count says %lld",
                 (unsigned long long)hist_count(h), (long long)count);
        rc = -1;
    }
    if (rc == 0 && count > 0
        && hist_set_exact(h, (uint64_t)min, (uint64_t)max, (uint64_t)sum) != 0) {
        snprintf(err, errlen, "histogram: min %lld or max %lld outside its buckets", (long long)min,
                 (long long)max);
        rc = -1;
    }
    if (rc == 0)
        hist_merge(dst, h);
    hist_free(h);
    return rc;
}

static json_t *timeline_json(const struct timeline *tl, double duration_s)
{
    static const char *const cols[] = { "requests", "errors", "vus", "p50_ms", "p95_ms", "p99_ms" };
    json_t *c[6], *doc = json_pack("{s:b, s:f}", "mergeable", 0, "step_s", timeline_step(tl));
    for (int k = 0; k < 6; k++) {
        c[k] = json_array();
        json_object_set_new(doc, cols[k], c[k]);
    }
    for (int i = 0; doc && i < timeline_count(tl, duration_s); i++) {
        struct timeline_point p;
        timeline_get(tl, i, &p);
        json_array_append_new(c[0], json_integer(to_int(p.requests)));
        json_array_append_new(c[1], json_integer(to_int(p.errors)));
        json_array_append_new(c[2], json_integer(p.vus));
        json_array_append_new(c[3], json_real(p.p50_ms));
        json_array_append_new(c[4], json_real(p.p95_ms));
        json_array_append_new(c[5], json_real(p.p99_ms));
    }
    return doc;
}

json_t *export_summary_json(const struct metrics *m, const struct thr_set *thr,
                            const struct timeline *tl, double duration_s, json_t *lastroom)
{
    json_t *metrics = json_object();
    for (int id = 0; metrics && id < metrics_count_series(m); id++) {
        json_t *t = series_thresholds(thr, id);
        if (metrics_has_data(m, id) || t)
            json_object_set_new(metrics, metrics_series_name(m, id),
                                series_json(m, thr, id, duration_s));
        json_decref(t);
    }
    json_t *doc = json_pack("{s:s, s:i, s:o, s:{s:f}, s:o}", "format", EXPORT_FORMAT, "version",
                            EXPORT_VERSION, "metrics", metrics, "state", "testRunDurationMs",
                            duration_s * 1000.0, "lastroom",
                            lastroom ? json_incref(lastroom) : json_object());
    if (doc && tl)
        json_object_set_new(doc, "timeline", timeline_json(tl, duration_s));
    return doc;
}

int export_replace(const char *path, int (*write)(FILE *f, const void *arg), const void *arg,
                   char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return snprintf(err, errlen, "path too long: %s", path), -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return snprintf(err, errlen, "could not write %s", path), -1;
    int rc = write(f, arg);
    if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return snprintf(err, errlen, "could not write %s", path), -1;
    }
    return 0;
}

static int dump_json(FILE *f, const void *doc)
{
    return json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
}

int export_write_json(const char *path, const json_t *doc, char *err, size_t errlen)
{
    return export_replace(path, dump_json, doc, err, errlen);
}

struct export_ndjson {
    FILE *out;
    const struct metrics *m;
    pthread_mutex_t lock;
    bool failed, csv;
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
    json_t *line =
        json_pack("{s:s, s:{s:s, s:s, s:s, s:o, s:n}, s:s}", "type", "Metric", "data", "name", name,
                  "type", type_name(metrics_type(m, id)), "contains", contains_name(m, id),
                  "thresholds", metric_thresholds(thr, id), "submetrics", "metric", name);
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

struct export_ndjson *export_csv_new(FILE *out, const struct metrics *m)
{
    struct export_ndjson *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->out = out;
    x->m = m;
    x->csv = true;
    pthread_mutex_init(&x->lock, NULL);
    if (fputs(EXPORT_CSV_HEADER "\n", out) == EOF) {
        export_ndjson_finish(x);
        return NULL;
    }
    return x;
}

static ssize_t gz_write(void *gz, const char *buf, size_t len)
{
    return len == 0 ? 0 : gzwrite(gz, buf, (unsigned)len) > 0 ? (ssize_t)len : -1;
}

static int gz_close(void *gz)
{
    return gzclose(gz) == Z_OK ? 0 : EOF;
}

FILE *export_gz_open(const char *path)
{
    gzFile gz = gzopen(path, "wb6");
    if (!gz)
        return NULL;
    cookie_io_functions_t io = { .write = gz_write, .close = gz_close };
    FILE *f = fopencookie(gz, "w", io);
    if (!f)
        gzclose(gz);
    return f;
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
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}

/* One CSV line. Names and tags need no quoting: metrics.c refuses commas and quotes. */
static void csv_point(struct export_ndjson_writer *w, int id, double value, int64_t time_ns)
{
    const struct metrics *m = w->x->m;
    const char *key, *tag;
    bool tagged = metrics_tag(m, id, &key, &tag), is_name = tagged && !strcmp(key, "name");
    int64_t secs = time_ns / 1000000000 - (time_ns % 1000000000 < 0);
    int n = snprintf(w->buf + w->len, EXPORT_WRITER_BUF - w->len,
                     "%s,%lld,%.15g,,,,,,,%s,,,,,,,,%s%s%s,\n", metrics_metric_name(m, id),
                     (long long)secs, value, is_name ? tag : "", tagged && !is_name ? key : "",
                     tagged && !is_name ? "=" : "", tagged && !is_name ? tag : "");
    if (n > 0 && (size_t)n < EXPORT_WRITER_BUF - w->len)
        w->len += (size_t)n;
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
    if (w->x->csv) {
        csv_point(w, id, value, time_ns);
        return;
    }
    if (metrics_tag(m, id, &key, &tag))
        snprintf(tags, sizeof tags, "\"%s\":\"%s\"", key, tag);
    format_time(time_ns, when, sizeof when);
    int n = snprintf(w->buf + w->len, EXPORT_WRITER_BUF - w->len,
                     "{\"type\":\"Point\",\"data\":{\"time\":\"%s\",\"value\":%.15g,\"tags\":{%s}},"
                     "\"metric\":\"%s\"}\n",
                     when, value, tags, metrics_metric_name(m, id));
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
                : c < 0x20            ? snprintf(buf + *len, cap - *len, "\\u%04x", c)
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

/* The k6 CSV columns a tag fills (EXPORT_CSV_HEADER, after metric_name, timestamp and
 * metric_value); any other tag goes to extra_tags as key=value, joined by '&'. */
static const char *const csv_tag_columns[] = {
    "check",       "error", "error_code", "expected_response", "group",  "method",
    "name",        "proto", "scenario",   "service",           "status", "subproto",
    "tls_version", "url",
};
#define CSV_TAG_COLUMNS (sizeof csv_tag_columns / sizeof csv_tag_columns[0])

/* Append one CSV field to buf[*len..cap): quoted (with '"' doubled) when it holds a
 * comma, a quote or a line break. Returns false when it does not fit. */
static bool put_csv_field(char *buf, size_t *len, size_t cap, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote && !put_raw(buf, len, cap, "\""))
        return false;
    for (size_t i = 0; s[i]; i++) {
        char c[3] = { s[i], s[i] == '"' ? '"' : '\0', '\0' };
        if (!put_raw(buf, len, cap, c))
            return false;
    }
    return !quote || put_raw(buf, len, cap, "\"");
}

/* One CSV line of a tagged sample: each tag in its k6 column or in extra_tags. */
static void csv_point_tagged(struct export_ndjson_writer *w, int metric, double value,
                             int64_t time_ns, const struct metrics_tags *t)
{
    const struct metrics *m = w->x->m;
    char line[LINE_MAX_BYTES * 4], extra[LINE_MAX_BYTES * 2] = "";
    const char *col[CSV_TAG_COLUMNS] = { 0 };
    size_t len = 0, el = 0;
    for (int k = 0; k < metrics_tag_key_count(m); k++) {
        if (!t->v[k])
            continue;
        const char *key = metrics_tag_key_name(m, k);
        size_t c = 0;
        while (c < CSV_TAG_COLUMNS && strcmp(csv_tag_columns[c], key) != 0)
            c++;
        if (c < CSV_TAG_COLUMNS)
            col[c] = t->v[k];
        else if (!(put_raw(extra, &el, sizeof extra, el ? "&" : "")
                   && put_raw(extra, &el, sizeof extra, key)
                   && put_raw(extra, &el, sizeof extra, "=")
                   && put_raw(extra, &el, sizeof extra, t->v[k])))
            return;
    }
    int64_t secs = time_ns / 1000000000 - (time_ns % 1000000000 < 0);
    int n = snprintf(line, sizeof line, "%s,%lld,%.15g",
                     metrics_metric_name(m, metrics_parent(m, metric)), (long long)secs, value);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    len = (size_t)n;
    for (size_t c = 0; c < CSV_TAG_COLUMNS; c++)
        if (!put_raw(line, &len, sizeof line, ",")
            || !put_csv_field(line, &len, sizeof line, col[c] ? col[c] : ""))
            return;
    if (!put_raw(line, &len, sizeof line, ",") || !put_csv_field(line, &len, sizeof line, extra)
        || !put_raw(line, &len, sizeof line, ",\n"))
        return;
    if (EXPORT_WRITER_BUF - w->len < len + 1)
        export_ndjson_flush(w);
    if (len < EXPORT_WRITER_BUF - w->len) {
        memcpy(w->buf + w->len, line, len);
        w->len += len;
    }
}

void export_ndjson_point_tagged(struct export_ndjson_writer *w, int metric, double value,
                                int64_t time_ns, const struct metrics_tags *t)
{
    if (w->x->csv) {
        if (isfinite(value) && metric >= 0 && metric < metrics_count_series(w->x->m))
            csv_point_tagged(w, metric, value, time_ns, t);
        return;
    }
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
            tl = mark; /* leave out a tag that does not fit */
            tags[tl] = '\0';
        }
    }
    if (EXPORT_WRITER_BUF - w->len < tl + LINE_MAX_BYTES)
        export_ndjson_flush(w);
    format_time(time_ns, when, sizeof when);
    int n = snprintf(w->buf + w->len, EXPORT_WRITER_BUF - w->len,
                     "{\"type\":\"Point\",\"data\":{\"time\":\"%s\",\"value\":%.15g,\"tags\":{%s}},"
                     "\"metric\":\"%s\"}\n",
                     when, value, tags, metrics_metric_name(m, metrics_parent(m, metric)));
    if (n > 0 && (size_t)n < EXPORT_WRITER_BUF - w->len)
        w->len += (size_t)n;
}
