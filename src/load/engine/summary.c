/*
 * summary.c: the end-of-test summary (see summary.h).
 *
 * The report is built in two passes: first every line's name and cells are formatted
 * into a table, then column widths are taken over the table, so that the dotted
 * leaders and the figures line up the way k6 lines them up. Widths count UTF-8 code
 * points, not bytes ("µs").
 */
#include "load/engine/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/duration.h"

#define CELLS          7
#define CELL_MAX       48
#define NAME_MIN_WIDTH 31

enum row_kind { ROW_BLANK, ROW_HEADER, ROW_TREND, ROW_OTHER };

struct row {
    enum row_kind kind;
    char name[160];
    char cell[CELLS][CELL_MAX];
    int ncells;
};

struct table {
    int n;
    struct row rows[METRICS_MAX_SERIES + 16];
};

enum group { G_CHECKS, G_HTTP, G_EXECUTION, G_NETWORK, G_CUSTOM, G_COUNT };

static const char *const group_titles[G_COUNT] = { NULL, "HTTP", "EXECUTION", "NETWORK", "CUSTOM" };

static enum group group_of(const char *metric)
{
    static const char *const execution[] = { "dropped_iterations", "iteration_duration",
                                             "iterations", "vus", "vus_max" };
    if (strcmp(metric, "checks") == 0)
        return G_CHECKS;
    if (strncmp(metric, "http_req", 8) == 0)
        return G_HTTP;
    if (strcmp(metric, "data_received") == 0 || strcmp(metric, "data_sent") == 0)
        return G_NETWORK;
    for (size_t i = 0; i < sizeof execution / sizeof execution[0]; i++)
        if (strcmp(metric, execution[i]) == 0)
            return G_EXECUTION;
    return G_CUSTOM;
}

static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A number with at most 6 decimals and no trailing zeros. */
static char *format_number(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.6f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf);
        while (e > dot && (e[-1] == '0' || e[-1] == '.'))
            *--e = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, len, "0");
    return buf;
}

static char *format_bytes(double b, char *buf, size_t len)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
    int e = 0;
    while (b >= 999.5 && e < 5)
        b /= 1000, e++;
    if (e == 0)
        snprintf(buf, len, "%.0f B", b);
    else
        snprintf(buf, len, b < 10 ? "%.1f %s" : "%.0f %s", b, units[e]);
    return buf;
}

char *summary_format_value(const struct metrics *m, int id, double v, char *buf, size_t len)
{
    if (metrics_is_time(m, id))
        return dur_format_ms(v, buf, len);
    if (metrics_is_data(m, id))
        return format_bytes(v, buf, len);
    return format_number(v, buf, len);
}

static struct row *add_row(struct table *t, enum row_kind kind, const char *name)
{
    struct row *r = &t->rows[t->n++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "");
    return r;
}

/* The trend statistics printed (--summary-trend-stats), k6's by default. */
static char trend_stat_text[CELLS][16] = { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" };
static int trend_stat_n = CELLS;

int summary_set_trend_stats(const char *list, char *err, size_t errlen)
{
    char stats[CELLS][16];
    int n = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        double x;
        if (n == CELLS || len == 0 || len >= sizeof stats[0])
            return snprintf(err, errlen,
                            "--summary-trend-stats: want at most %d of avg, min, "
                            "med, max, count, p(N), comma-separated: '%s'",
                            CELLS, list),
                   -1;
        snprintf(stats[n], sizeof stats[n], "%.*s", (int)len, p);
        struct metrics *probe = metrics_new();
        int ok = probe ? metrics_trend(probe, M_HTTP_REQ_DURATION, stats[n], &x) : -1;
        metrics_free(probe);
        if (ok != 0)
            return snprintf(err, errlen, "--summary-trend-stats: unknown statistic '%s'", stats[n]),
                   -1;
        n++;
        p += len + (p[len] == ',');
    }
    if (n == 0)
        return snprintf(err, errlen, "--summary-trend-stats: no statistic given"), -1;
    memcpy(trend_stat_text, stats, sizeof stats);
    trend_stat_n = n;
    return 0;
}

static void trend_cells(struct row *r, const struct metrics *m, int id)
{
    char v[CELL_MAX - sizeof trend_stat_text[0] - 1];
    for (int i = 0; i < trend_stat_n; i++) {
        double x = 0;
        const char *stat = trend_stat_text[i];
        metrics_trend(m, id, stat, &x);
        if (!strcmp(stat, "count"))
            snprintf(r->cell[i], CELL_MAX, "count=%.0f", x);
        else {
            summary_format_value(m, id, x, v, sizeof v);
            snprintf(r->cell[i], CELL_MAX, "%.15s=%s", stat, v);
        }
    }
    r->ncells = trend_stat_n;
}

static void other_cells(struct row *r, const struct metrics *m, int id, double duration_s)
{
    char a[CELL_MAX - 8], b[CELL_MAX - 8];
    switch (metrics_type(m, id)) {
    case METRIC_COUNTER:
        summary_format_value(m, id, metrics_counter(m, id), r->cell[0], CELL_MAX);
        snprintf(r->cell[1], CELL_MAX, "%s/s",
                 summary_format_value(m, id, metrics_counter_rate(m, id, duration_s), a, sizeof a));
        r->ncells = 2;
        break;
    case METRIC_RATE:
        snprintf(r->cell[0], CELL_MAX, "%.2f%%", metrics_rate(m, id) * 100);
        snprintf(r->cell[1], CELL_MAX, "%llu out of %llu",
                 (unsigned long long)metrics_rate_trues(m, id),
                 (unsigned long long)metrics_rate_total(m, id));
        r->ncells = 2;
        break;
    default: /* gauge */
        summary_format_value(m, id, metrics_gauge(m, id), r->cell[0], CELL_MAX);
        snprintf(r->cell[1], CELL_MAX, "min=%s",
                 summary_format_value(m, id, metrics_gauge_min(m, id), a, sizeof a));
        snprintf(r->cell[2], CELL_MAX, "max=%s",
                 summary_format_value(m, id, metrics_gauge_max(m, id), b, sizeof b));
        r->ncells = 3;
    }
}

/* One line for series id (a metric or, indented, one of its tagged series). */
static void add_series_row(struct table *t, const struct metrics *m, int id, double duration_s)
{
    const char *key, *value;
    char name[160];
    if (metrics_tag(m, id, &key, &value))
        snprintf(name, sizeof name, "  { %s:%s }", key, value);
    else
        snprintf(name, sizeof name, "%s", metrics_series_name(m, id));
    bool trend = metrics_type(m, id) == METRIC_TREND;
    struct row *r = add_row(t, trend ? ROW_TREND : ROW_OTHER, name);
    if (trend)
        trend_cells(r, m, id);
    else
        other_cells(r, m, id, duration_s);
}

static int cmp_names(const void *a, const void *b, void *arg)
{
    const struct metrics *m = arg;
    return strcmp(metrics_series_name(m, *(const int *)a), metrics_series_name(m, *(const int *)b));
}

/* The untagged series of group g, by name. Returns how many. */
static int group_members(const struct metrics *m, enum group g, int *ids)
{
    int n = 0;
    for (int i = 0; i < metrics_count_series(m); i++)
        if (metrics_parent(m, i) == i && group_of(metrics_series_name(m, i)) == g)
            ids[n++] = i;
    qsort_r(ids, (size_t)n, sizeof ids[0], cmp_names, (void *)m);
    return n;
}

static void add_group(struct table *t, const struct metrics *m, enum group g, double duration_s)
{
    int ids[METRICS_MAX_SERIES], n = group_members(m, g, ids);
    bool any = false;
    for (int k = 0; k < n; k++) {
        if (!metrics_has_data(m, ids[k]))
            continue;
        if (!any && group_titles[g])
            add_row(t, ROW_HEADER, group_titles[g]);
        any = true;
        add_series_row(t, m, ids[k], duration_s);
        for (int i = 0; i < metrics_count_series(m); i++)
            if (i != ids[k] && metrics_parent(m, i) == ids[k] && metrics_has_data(m, i))
                add_series_row(t, m, i, duration_s);
    }
    if (any)
        add_row(t, ROW_BLANK, NULL);
}

static void pad(FILE *out, const char *s, size_t width, char fill)
{
    fputs(s, out);
    for (size_t w = text_width(s); w < width; w++)
        fputc(fill, out);
}

static void print_table(FILE *out, const struct table *t)
{
    size_t name_w = NAME_MIN_WIDTH, cell_w[2][CELLS] = { { 0 } };
    for (int i = 0; i < t->n; i++) {
        const struct row *r = &t->rows[i];
        if (r->kind < ROW_TREND)
            continue;
        if (text_width(r->name) + 3 > name_w)
            name_w = text_width(r->name) + 3;
        for (int c = 0; c < r->ncells; c++)
            if (text_width(r->cell[c]) > cell_w[r->kind == ROW_TREND][c])
                cell_w[r->kind == ROW_TREND][c] = text_width(r->cell[c]);
    }
    for (int i = 0; i < t->n; i++) {
        const struct row *r = &t->rows[i];
        if (r->kind == ROW_BLANK || r->kind == ROW_HEADER) {
            fprintf(out, r->kind == ROW_HEADER ? "    %s\n" : "\n", r->name);
            continue;
        }
        fputs("    ", out);
        pad(out, r->name, name_w, '.');
        fputs(":", out);
        for (int c = 0; c < r->ncells; c++) {
            fputc(' ', out);
            pad(out, r->cell[c], c + 1 < r->ncells ? cell_w[r->kind == ROW_TREND][c] : 0, ' ');
        }
        fputc('\n', out);
    }
}

/* The observed value of a threshold, as "p(95)=148.21ms" or "rate=5.00%". */
static void format_observed(const struct metrics *m, const struct thr_threshold *th, char *buf,
                            size_t len)
{
    char v[64], n[48];
    if (th->agg == THR_RATE && metrics_type(m, th->series) == METRIC_RATE)
        snprintf(v, sizeof v, "%.2f%%", th->observed * 100);
    else if (th->agg == THR_RATE)
        snprintf(v, sizeof v, "%s/s", format_number(th->observed, n, sizeof n));
    else if (th->agg == THR_COUNT)
        format_number(th->observed, v, sizeof v);
    else
        summary_format_value(m, th->series, th->observed, v, sizeof v);
    snprintf(buf, len, "%s=%s", th->stat, v);
}

static void print_thresholds(FILE *out, const struct metrics *m, const struct thr_set *thr)
{
    bool done[METRICS_MAX_SERIES] = { false };
    char obs[96];
    fputs("\n  \xe2\x96\x88 THRESHOLDS\n", out);
    for (int i = 0; i < thr_count(thr); i++) {
        int sid = thr_get(thr, i)->series;
        if (sid < 0 || sid >= METRICS_MAX_SERIES || done[sid])
            continue;
        done[sid] = true;
        fprintf(out, "\n    %s\n", metrics_series_name(m, sid));
        for (int j = i; j < thr_count(thr); j++) {
            const struct thr_threshold *th = thr_get(thr, j);
            if (th->series != sid)
                continue;
            if (th->no_data)
                snprintf(obs, sizeof obs, "no data");
            else
                format_observed(m, th, obs, sizeof obs);
            fprintf(out, "    %s '%s' %s\n", th->ok ? "\xe2\x9c\x93" : "\xe2\x9c\x97", th->expr,
                    obs);
        }
    }
    fputs("\n", out);
}

int summary_write(FILE *out, const struct metrics *m, const struct thr_set *thr, double duration_s)
{
    struct table *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    if (thr && thr_count(thr) > 0)
        print_thresholds(out, m, thr);
    fputs("\n  \xe2\x96\x88 TOTAL RESULTS\n\n", out);
    for (enum group g = 0; g < G_COUNT; g++)
        add_group(t, m, g, duration_s);
    print_table(out, t);
    free(t);
    return ferror(out) ? -1 : 0;
}
