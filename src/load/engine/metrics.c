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

#define SERIES_NAME_MAX (METRICS_NAME_MAX + METRICS_FILTER_MAX * (2 * METRICS_TAG_MAX + 1) + 3)

/* One condition of a tagged series: the sample's tag key must have this value. */
struct cond {
    int key;
    char value[METRICS_TAG_MAX];
};

struct series {
    char name[SERIES_NAME_MAX]; /* "name" or "name{k:v,k2:v2}" */
    char metric[METRICS_NAME_MAX];
    char key[METRICS_TAG_MAX], value[METRICS_TAG_MAX]; /* the first condition */
    struct cond cond[METRICS_FILTER_MAX];
    int ncond;
    enum metric_type type;
    bool is_time, is_data;
    int parent;
    int next_child;  /* the next tagged series of the same metric, -1 */
    int first_child; /* untagged: its first tagged series, -1 */
};

struct values {
    double sum;       /* counter total */
    uint64_t samples; /* counter and gauge: how many adds */
    double gauge, gmin, gmax;
    uint64_t gseq;         /* the sequence number of the last set, 0: never */
    uint64_t trues, total; /* rate */
    struct hist *hist;     /* trend */
};

struct metrics {
    int n;
    struct series s[METRICS_MAX_SERIES];
    struct values merged[METRICS_MAX_SERIES];
    int nkeys;
    char keys[METRICS_TAG_KEYS_MAX][METRICS_TAG_MAX];
    struct metrics_tags run_tags; /* the values of --tag, NULL elsewhere */
    char run_values[METRICS_TAG_KEYS_MAX][METRICS_TAG_MAX];
};

static const char *const builtin_keys[MT_BUILTIN_KEYS] = {
    [MT_METHOD] = "method", [MT_STATUS] = "status",
    [MT_NAME] = "name",     [MT_SCENARIO] = "scenario",
    [MT_GROUP] = "group",   [MT_EXPECTED_RESPONSE] = "expected_response",
    [MT_ERROR] = "error",   [MT_CHECK] = "check",
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
    [M_HTTP_REQ_TLS_HANDSHAKING] = { "http_req_tls_handshaking", METRIC_TREND, true },
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
    return strpbrk(t, "{}:,\"\\") == NULL; /* safe to write into JSON unescaped */
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

/* Append a series (linked to its metric when tagged); returns its id or -1 when full
 * or out of memory. */
static int add_series(struct metrics *m, const struct series *tmpl)
{
    if (m->n >= METRICS_MAX_SERIES || values_init(&m->merged[m->n], tmpl->type) < 0)
        return -1;
    struct series *se = &m->s[m->n];
    *se = *tmpl;
    se->first_child = se->next_child = -1;
    if (se->parent < 0) {
        se->parent = m->n;
    } else {
        int *link = &m->s[se->parent].first_child;
        while (*link >= 0)
            link = &m->s[*link].next_child;
        *link = m->n;
    }
    return m->n++;
}

struct metrics *metrics_new(void)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    for (int i = 0; i < MT_BUILTIN_KEYS; i++)
        snprintf(m->keys[m->nkeys++], METRICS_TAG_MAX, "%s", builtin_keys[i]);
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

int metrics_tag_key(struct metrics *m, const char *key)
{
    int id = metrics_tag_key_find(m, key);
    if (id >= 0)
        return id;
    if (!valid_tag_part(key) || m->nkeys >= METRICS_TAG_KEYS_MAX)
        return -1;
    snprintf(m->keys[m->nkeys], METRICS_TAG_MAX, "%s", key);
    return m->nkeys++;
}

int metrics_tag_key_find(const struct metrics *m, const char *key)
{
    for (int i = 0; i < m->nkeys; i++)
        if (strcmp(m->keys[i], key) == 0)
            return i;
    return -1;
}

int metrics_tag_key_count(const struct metrics *m)
{
    return m->nkeys;
}

const char *metrics_tag_key_name(const struct metrics *m, int key)
{
    return key >= 0 && key < m->nkeys ? m->keys[key] : NULL;
}

int metrics_run_tag(struct metrics *m, const char *key, const char *value)
{
    int k = metrics_tag_key(m, key);
    if (k < 0 || k < MT_BUILTIN_KEYS || !valid_tag_part(value))
        return -1;
    snprintf(m->run_values[k], METRICS_TAG_MAX, "%s", value);
    m->run_tags.v[k] = m->run_values[k];
    return 0;
}

void metrics_tags_init(const struct metrics *m, struct metrics_tags *t)
{
    *t = m->run_tags;
}

const char *metrics_status_text(int status)
{
    static char text[1000][4];
    static atomic_int ready;
    if (status < 0 || status > 999)
        status = 0;
    if (!atomic_load_explicit(&ready, memory_order_acquire)) {
        for (int i = 0; i < 1000; i++)
            snprintf(text[i], sizeof text[i], "%d", i);
        atomic_store_explicit(&ready, 1, memory_order_release);
    }
    return text[status];
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

static int cmp_cond(const void *a, const void *b, void *arg)
{
    const struct metrics *m = arg;
    return strcmp(m->keys[((const struct cond *)a)->key], m->keys[((const struct cond *)b)->key]);
}

/* Parse "k:v, k2:v2" (n bytes) into conds sorted by key name. Returns how many, or -1
 * (malformed, a key twice, too many) or -2 (a key m does not know; *unknown names it,
 * or, when define is set, the key is defined). */
static int parse_filter(struct metrics *m, const char *text, size_t n, struct cond *conds,
                        bool define, char *unknown, size_t ulen)
{
    int nc = 0;
    while (n > 0) {
        size_t part = 0;
        while (part < n && text[part] != ',')
            part++;
        const char *colon = memchr(text, ':', part);
        char key[METRICS_TAG_MAX];
        if (!colon || nc >= METRICS_FILTER_MAX
            || !copy_trimmed(key, sizeof key, text, (size_t)(colon - text))
            || !copy_trimmed(conds[nc].value, METRICS_TAG_MAX, colon + 1,
                             part - (size_t)(colon - text) - 1)
            || !valid_tag_part(key) || !valid_tag_part(conds[nc].value))
            return -1;
        conds[nc].key = define ? metrics_tag_key(m, key) : metrics_tag_key_find(m, key);
        if (conds[nc].key < 0 && !define)
            return snprintf(unknown, ulen, "%s", key), -2;
        if (conds[nc].key < 0)
            return -1;
        for (int i = 0; i < nc; i++)
            if (conds[i].key == conds[nc].key)
                return -1;
        nc++;
        bool comma = part < n;
        text += part + comma;
        n -= part + comma;
        if (comma && n == 0)
            return -1; /* a trailing comma */
    }
    if (nc == 0)
        return -1;
    qsort_r(conds, (size_t)nc, sizeof *conds, cmp_cond, m);
    return nc;
}

/* The series name "metric{k:v,k2:v2}" of conds. */
static void write_name(const struct metrics *m, char *out, size_t cap, const char *metric,
                       const struct cond *conds, int nc)
{
    size_t len = (size_t)snprintf(out, cap, "%s{", metric);
    for (int i = 0; i < nc && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s:%s", i ? "," : "",
                                m->keys[conds[i].key], conds[i].value);
    if (len < cap)
        snprintf(out + len, cap - len, "}");
}

/* The series of metric_id with conditions conds, created when missing. */
static int series_for(struct metrics *m, int metric_id, const struct cond *conds, int nc)
{
    const struct series *p = &m->s[m->s[metric_id].parent];
    struct series t = *p;
    t.parent = m->s[metric_id].parent;
    memcpy(t.cond, conds, (size_t)nc * sizeof *conds);
    t.ncond = nc;
    snprintf(t.key, sizeof t.key, "%s", m->keys[conds[0].key]);
    snprintf(t.value, sizeof t.value, "%s", conds[0].value);
    write_name(m, t.name, sizeof t.name, p->metric, conds, nc);
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->s[i].name, t.name) == 0)
            return i;
    return add_series(m, &t);
}

int metrics_series(struct metrics *m, int metric_id, const char *key, const char *value)
{
    struct cond c;
    if (!id_ok(m, metric_id) || !valid_tag_part(key) || !valid_tag_part(value))
        return -1;
    c.key = metrics_tag_key(m, key);
    if (c.key < 0)
        return -1;
    snprintf(c.value, sizeof c.value, "%s", value);
    return series_for(m, metric_id, &c, 1);
}

int metrics_subseries(struct metrics *m, int metric_id, const char *filter, char *err,
                      size_t errlen)
{
    struct cond conds[METRICS_FILTER_MAX];
    char unknown[METRICS_TAG_MAX] = "";
    if (!id_ok(m, metric_id))
        return snprintf(err, errlen, "no such metric"), -1;
    int nc = parse_filter(m, filter, strlen(filter), conds, false, unknown, sizeof unknown);
    if (nc == -2) {
        size_t len = (size_t)snprintf(err, errlen, "unknown tag key '%s' (known:", unknown);
        for (int i = 0; i < m->nkeys && len < errlen; i++)
            len += (size_t)snprintf(err + len, errlen - len, " %s", m->keys[i]);
        if (len < errlen)
            snprintf(err + len, errlen - len, ")");
        return -1;
    }
    if (nc < 0)
        return snprintf(err, errlen,
                        "malformed tags '%s', expected key:value[,key:value] "
                        "(at most %d)",
                        filter, METRICS_FILTER_MAX),
               -1;
    int id = series_for(m, metric_id, conds, nc);
    if (id < 0)
        snprintf(err, errlen, "too many series (at most %d)", METRICS_MAX_SERIES);
    return id;
}

int metrics_find(const struct metrics *m, const char *series)
{
    char name[METRICS_NAME_MAX], want[SERIES_NAME_MAX];
    struct cond conds[METRICS_FILTER_MAX];
    char unknown[METRICS_TAG_MAX];
    const char *open = strchr(series, '{');
    size_t n = open ? (size_t)(open - series) : strlen(series);
    if (!copy_trimmed(name, sizeof name, series, n))
        return -1;
    if (!open) {
        snprintf(want, sizeof want, "%s", name);
    } else {
        const char *close = strchr(open, '}');
        if (!close || close[1 + strspn(close + 1, " \t")] != '\0')
            return -1;
        int nc = parse_filter((struct metrics *)m, open + 1, (size_t)(close - open - 1), conds,
                              false, unknown, sizeof unknown);
        if (nc < 0)
            return -1;
        write_name(m, want, sizeof want, name, conds, nc);
    }
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
        hist_record(v->hist, scaled <= 0 ? 0 : scaled >= 1.8e19 ? UINT64_MAX : (uint64_t)scaled);
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

static bool matches(const struct series *se, const struct metrics_tags *t)
{
    for (int i = 0; i < se->ncond; i++) {
        const char *v = t->v[se->cond[i].key];
        if (!v || (v != se->cond[i].value && strcmp(v, se->cond[i].value) != 0))
            return false;
    }
    return true;
}

void metrics_add_tagged(struct metrics_shard *s, int metric_id, const struct metrics_tags *t,
                        double value)
{
    if (metric_id < 0 || metric_id >= s->n || isnan(value))
        return;
    const struct series *all = s->m->s;
    int p = all[metric_id].parent;
    record(&s->v[p], all[p].type, value);
    for (int c = all[p].first_child; c >= 0 && c < s->n; c = all[c].next_child)
        if (matches(&all[c], t))
            record(&s->v[c], all[c].type, value);
}

static void merge_values(struct values *d, const struct values *v, enum metric_type type)
{
    d->sum += v->sum;
    d->samples += v->samples;
    d->trues += v->trues;
    d->total += v->total;
    if (type == METRIC_TREND)
        hist_merge(d->hist, v->hist); /* one layout for every trend: cannot fail */
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

int metrics_count_series(const struct metrics *m)
{
    return m->n;
}

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
