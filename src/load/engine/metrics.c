/*
 * metrics.c: the metric registry of metrics.h, with per-thread shards.
 *
 * Every series owns one slot of values in the registry (the merged view) and in each
 * shard. A shard is one allocation plus one histogram per trend series, all made in
 * metrics_shard_new, so metrics_add only does arithmetic on its own thread's memory.
 *
 * Trends record into hist.h in thousandths of their unit: microseconds for time
 * trends (values are milliseconds). Negative trend values are recorded as 0; NaN is
 * ignored everywhere. Trends track up to METRICS_TREND_MAX thousandths (38 hours of
 * microseconds); larger values are clamped there and still counted.
 *
 * Gauges: a gauge keeps its last value, its min and its max. Each set takes a number
 * from one process-wide atomic sequence, so merging shards keeps the value set last
 * in the whole process; min and max are taken across all shards. (vus and vus_max are
 * set by one thread, so for them this is simply that thread's last value.)
 *
 * metrics_merge must not run while another thread records into the same shard.
 */
#include "load/engine/metrics.h"

#include <ctype.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/hist.h"

#define SERIES_NAME_MAX (METRICS_NAME_MAX + 2 * METRICS_TAG_MAX + 3)

struct series {
    char name[SERIES_NAME_MAX];      /* "name" or "name{k:v}" */
    char metric[METRICS_NAME_MAX];
    char key[METRICS_TAG_MAX], value[METRICS_TAG_MAX];
    enum metric_type type;
    bool is_time, is_data;
    int parent;
};

struct values {
    double sum;                      /* counter total */
    uint64_t samples;                /* counter and gauge: how many adds */
    double gauge, gmin, gmax;
    uint64_t gseq;                   /* the sequence number of the last set, 0: never */
    uint64_t trues, total;           /* rate */
    struct hist *hist;               /* trend */
};

struct metrics {
    int n;
    struct series s[METRICS_MAX_SERIES];
    struct values merged[METRICS_MAX_SERIES];
};

struct metrics_shard {
    const struct metrics *m;
    int n;
    struct values v[];
};

static atomic_uint_fast64_t gauge_seq;

static const struct builtin {
    const char *name;
    enum metric_type type;
    bool is_time;
} builtins[M_BUILTIN_COUNT] = {
    [M_HTTP_REQS] = { "http_reqs", METRIC_COUNTER, false },
    [M_HTTP_REQ_DURATION] = { "http_req_duration", METRIC_TREND, true },
    [M_HTTP_REQ_FAILED] = { "http_req_failed", METRIC_RATE, false },
    [M_HTTP_REQ_WAITING] = { "http_req_waiting", METRIC_TREND, true },
    [M_HTTP_REQ_CONNECTING] = { "http_req_connecting", METRIC_TREND, true },
    [M_HTTP_REQ_SENDING] = { "http_req_sending", METRIC_TREND, true },
    [M_HTTP_REQ_RECEIVING] = { "http_req_receiving", METRIC_TREND, true },
    [M_ITERATIONS] = { "iterations", METRIC_COUNTER, false },
    [M_ITERATION_DURATION] = { "iteration_duration", METRIC_TREND, true },
    [M_VUS] = { "vus", METRIC_GAUGE, false },
    [M_VUS_MAX] = { "vus_max", METRIC_GAUGE, false },
    [M_DATA_SENT] = { "data_sent", METRIC_COUNTER, false },
    [M_DATA_RECEIVED] = { "data_received", METRIC_COUNTER, false },
    [M_CHECKS] = { "checks", METRIC_RATE, false },
    [M_DROPPED_ITERATIONS] = { "dropped_iterations", METRIC_COUNTER, false },
    [M_SUCCESSFUL_BOOKINGS] = { "successful_bookings", METRIC_COUNTER, false },
    [M_FAILED_BOOKINGS] = { "failed_bookings", METRIC_COUNTER, false },
    [M_OVERBOOKINGS] = { "overbookings", METRIC_COUNTER, false },
    [M_INVENTORY_VIOLATIONS] = { "inventory_violations", METRIC_COUNTER, false },
    [M_DB_CONNECTION_ERRORS] = { "db_connection_errors", METRIC_COUNTER, false },
    [M_TIMEOUT_ERRORS] = { "timeout_errors", METRIC_COUNTER, false },
    [M_BOOKING_DURATION] = { "booking_duration", METRIC_TREND, true },
};

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= METRICS_NAME_MAX || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
            return false;
    return true;
}

static bool valid_tag_part(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= METRICS_TAG_MAX)
        return false;
    for (const char *c = t; *c; c++)
        if ((unsigned char)*c < 0x20)
            return false;
    return strpbrk(t, "{}:,\"\\") == NULL;   /* safe to write into JSON unescaped */
}

static bool id_ok(const struct metrics *m, int id)
{
    return id >= 0 && id < m->n;
}

/* Initialise a slot's values (a histogram for trends). Returns -1 on no memory. */
static int values_init(struct values *v, enum metric_type type)
{
    memset(v, 0, sizeof *v);
    if (type != METRIC_TREND)
        return 0;
    v->hist = hist_new(METRICS_TREND_MAX);
    return v->hist ? 0 : -1;
}

/* Append a series; returns its id or -1 when full or out of memory. */
static int add_series(struct metrics *m, const struct series *tmpl)
{
    if (m->n >= METRICS_MAX_SERIES || values_init(&m->merged[m->n], tmpl->type) < 0)
        return -1;
    m->s[m->n] = *tmpl;
    if (m->s[m->n].parent < 0)
        m->s[m->n].parent = m->n;
    return m->n++;
}

struct metrics *metrics_new(void)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    for (int i = 0; i < M_BUILTIN_COUNT; i++) {
        if (metrics_define(m, builtins[i].name, builtins[i].type, builtins[i].is_time) != i) {
            metrics_free(m);
            return NULL;
        }
    }
    m->s[M_DATA_SENT].is_data = m->s[M_DATA_RECEIVED].is_data = true;
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++)
        hist_free(m->merged[i].hist);
    free(m);
}

int metrics_define(struct metrics *m, const char *name, enum metric_type type, bool is_time)
{
    if (!valid_name(name))
        return -1;
    for (int i = 0; i < m->n; i++)
        if (m->s[i].parent == i && strcmp(m->s[i].metric, name) == 0)
            return m->s[i].type == type ? i : -1;
    struct series t = { .type = type, .is_time = is_time, .parent = -1 };
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.metric, sizeof t.metric, "%s", name);
    return add_series(m, &t);
}

int metrics_series(struct metrics *m, int metric_id, const char *key, const char *value)
{
    if (!id_ok(m, metric_id) || !valid_tag_part(key) || !valid_tag_part(value))
        return -1;
    const struct series *p = &m->s[m->s[metric_id].parent];
    struct series t = *p;
    t.parent = m->s[metric_id].parent;
    snprintf(t.key, sizeof t.key, "%s", key);
    snprintf(t.value, sizeof t.value, "%s", value);
    snprintf(t.name, sizeof t.name, "%s{%s:%s}", p->metric, key, value);
    int id = metrics_find(m, t.name);
    return id >= 0 ? id : add_series(m, &t);
}

/* Copy s[0..n) without surrounding blanks into out (size cap); false when too long. */
static bool copy_trimmed(char *out, size_t cap, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= cap)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* Write series text "name { k : v }" in canonical form "name{k:v}"; false if malformed. */
static bool canonical_series(const char *text, char *out, size_t cap)
{
    const char *open = strchr(text, '{');
    char name[METRICS_NAME_MAX], key[METRICS_TAG_MAX], value[METRICS_TAG_MAX];
    if (!open)
        return copy_trimmed(name, sizeof name, text, strlen(text))
               && snprintf(out, cap, "%s", name) < (int)cap;
    const char *colon = strchr(open, ':'), *close = strchr(open, '}');
    if (!colon || !close || colon > close || close[1 + strspn(close + 1, " \t")] != '\0')
        return false;
    if (!copy_trimmed(name, sizeof name, text, (size_t)(open - text))
        || !copy_trimmed(key, sizeof key, open + 1, (size_t)(colon - open - 1))
        || !copy_trimmed(value, sizeof value, colon + 1, (size_t)(close - colon - 1)))
        return false;
    return snprintf(out, cap, "%s{%s:%s}", name, key, value) < (int)cap;
}

int metrics_find(const struct metrics *m, const char *series)
{
    char want[SERIES_NAME_MAX];
    if (!canonical_series(series, want, sizeof want))
        return -1;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->s[i].name, want) == 0)
            return i;
    return -1;
}

struct metrics_shard *metrics_shard_new(const struct metrics *m)
{
    struct metrics_shard *s = calloc(1, sizeof *s + (size_t)m->n * sizeof s->v[0]);
    if (!s)
        return NULL;
    s->m = m;
    for (; s->n < m->n; s->n++) {
        if (values_init(&s->v[s->n], m->s[s->n].type) < 0) {
            metrics_shard_free(s);
            return NULL;
        }
    }
    return s;
}

void metrics_shard_free(struct metrics_shard *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        hist_free(s->v[i].hist);
    free(s);
}

static void record(struct values *v, enum metric_type type, double value)
{
    switch (type) {
    case METRIC_COUNTER:
        v->sum += value;
        v->samples++;
        break;
    case METRIC_GAUGE:
        v->gmin = v->gseq == 0 || value < v->gmin ? value : v->gmin;
        v->gmax = v->gseq == 0 || value > v->gmax ? value : v->gmax;
        v->gauge = value;
        v->gseq = atomic_fetch_add_explicit(&gauge_seq, 1, memory_order_relaxed) + 1;
        v->samples++;
        break;
    case METRIC_RATE:
        v->trues += value != 0;
        v->total++;
        break;
    case METRIC_TREND: {
        double scaled = value * METRICS_TREND_SCALE + 0.5;
        hist_record(v->hist, scaled <= 0 ? 0
                             : scaled >= 1.8e19 ? UINT64_MAX : (uint64_t)scaled);
        break;
    }
    }
}

void metrics_add(struct metrics_shard *s, int id, double value)
{
    if (id < 0 || id >= s->n || isnan(value))
        return;
    const struct series *se = &s->m->s[id];
    record(&s->v[id], se->type, value);
    if (se->parent != id)
        record(&s->v[se->parent], se->type, value);
}

static void merge_values(struct values *d, const struct values *v, enum metric_type type)
{
    d->sum += v->sum;
    d->samples += v->samples;
    d->trues += v->trues;
    d->total += v->total;
    if (type == METRIC_TREND)
        hist_merge(d->hist, v->hist);   /* one layout for every trend: cannot fail */
    if (type != METRIC_GAUGE || v->gseq == 0)
        return;
    d->gmin = d->gseq == 0 || v->gmin < d->gmin ? v->gmin : d->gmin;
    d->gmax = d->gseq == 0 || v->gmax > d->gmax ? v->gmax : d->gmax;
    if (v->gseq > d->gseq) {
        d->gauge = v->gauge;
        d->gseq = v->gseq;
    }
}

void metrics_merge(struct metrics *m, const struct metrics_shard *s)
{
    int n = s->n < m->n ? s->n : m->n;
    for (int i = 0; i < n; i++)
        merge_values(&m->merged[i], &s->v[i], m->s[i].type);
}

void metrics_reset_merged(struct metrics *m)
{
    for (int i = 0; i < m->n; i++) {
        struct hist *h = m->merged[i].hist;
        memset(&m->merged[i], 0, sizeof m->merged[i]);
        if (h)
            hist_reset(h);
        m->merged[i].hist = h;
    }
}

int metrics_count_series(const struct metrics *m) { return m->n; }

const char *metrics_series_name(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->s[id].name : NULL;
}

enum metric_type metrics_type(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->s[id].type : METRIC_COUNTER;
}

bool metrics_is_time(const struct metrics *m, int id)
{
    return id_ok(m, id) && m->s[id].is_time;
}

bool metrics_is_data(const struct metrics *m, int id)
{
    return id_ok(m, id) && m->s[m->s[id].parent].is_data;
}

int metrics_parent(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->s[id].parent : -1;
}

const char *metrics_metric_name(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->s[id].metric : NULL;
}

bool metrics_tag(const struct metrics *m, int id, const char **key, const char **value)
{
    bool tagged = id_ok(m, id) && m->s[id].parent != id;
    *key = tagged ? m->s[id].key : NULL;
    *value = tagged ? m->s[id].value : NULL;
    return tagged;
}

bool metrics_has_data(const struct metrics *m, int id)
{
    if (!id_ok(m, id))
        return false;
    const struct values *v = &m->merged[id];
    return v->samples > 0 || v->total > 0 || (v->hist && hist_count(v->hist) > 0);
}

double metrics_counter(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->merged[id].sum : 0;
}

double metrics_counter_rate(const struct metrics *m, int id, double seconds)
{
    return seconds > 0 ? metrics_counter(m, id) / seconds : 0;
}

double metrics_gauge(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->merged[id].gauge : 0;
}

double metrics_gauge_min(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->merged[id].gmin : 0;
}

double metrics_gauge_max(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->merged[id].gmax : 0;
}

uint64_t metrics_rate_trues(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->merged[id].trues : 0;
}

uint64_t metrics_rate_total(const struct metrics *m, int id)
{
    return id_ok(m, id) ? m->merged[id].total : 0;
}

double metrics_rate(const struct metrics *m, int id)
{
    uint64_t total = metrics_rate_total(m, id);
    return total ? (double)metrics_rate_trues(m, id) / (double)total : 0;
}

/* Parse "p(N)" with N in (0, 100] into a fraction q in (0, 1]. */
static bool parse_percentile(const char *stat, double *q)
{
    char *end;
    if (strncmp(stat, "p(", 2) != 0 || !isdigit((unsigned char)stat[2]))
        return false;
    double n = strtod(stat + 2, &end);
    if (strcmp(end, ")") != 0 || !(n > 0 && n <= 100))
        return false;
    *q = n / 100.0;
    return true;
}

int metrics_trend(const struct metrics *m, int id, const char *stat, double *out)
{
    if (!id_ok(m, id) || m->s[id].type != METRIC_TREND)
        return -1;
    const struct hist *h = m->merged[id].hist;
    double q;
    if (strcmp(stat, "avg") == 0)
        *out = hist_mean(h) / METRICS_TREND_SCALE;
    else if (strcmp(stat, "min") == 0)
        *out = (double)hist_min(h) / METRICS_TREND_SCALE;
    else if (strcmp(stat, "max") == 0)
        *out = (double)hist_max(h) / METRICS_TREND_SCALE;
    else if (strcmp(stat, "med") == 0)
        *out = (double)hist_quantile(h, 0.5) / METRICS_TREND_SCALE;
    else if (strcmp(stat, "count") == 0)
        *out = (double)hist_count(h);
    else if (parse_percentile(stat, &q))
        *out = (double)hist_quantile(h, q) / METRICS_TREND_SCALE;
    else
        return -1;
    return 0;
}

const struct hist *metrics_hist(const struct metrics *m, int id)
{
    return id_ok(m, id) && m->s[id].type == METRIC_TREND ? m->merged[id].hist : NULL;
}
