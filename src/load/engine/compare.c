/*
 * compare.c: the comparison of compare.h.
 *
 * Each compared figure is one row: its base and new values, the change, the noise
 * bound and the verdict. The noise of the timeline's figures (request rate, error
 * rate, http_req_duration's p50/p95/p99 per second) is computed from the two runs'
 * per-second columns; other rows borrow it as described in compare.h.
 */
#include "load/engine/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum worse { HIGHER_WORSE, LOWER_WORSE };

struct row {
    const char *series, *stat;
    double base, cur, noise, min_effect;
    enum worse worse;
    bool time;
};

int compare_tolerance(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v))
        return -1;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end != '\0' || !(v > 0 && v <= 10))
        return -1;
    *out = v;
    return 0;
}

/* Standard deviation and count of the per-second values col[i] over seconds with
 * requests. */
static void spread(const struct result_timeline *t, const double *col, double *sd, int *n)
{
    double sum = 0, sq = 0;
    *n = 0;
    for (int i = 0; i < t->n; i++)
        if (t->requests[i] > 0) {
            sum += col[i];
            sq += col[i] * col[i];
            (*n)++;
        }
    double mean = *n ? sum / *n : 0;
    *sd = *n > 1 ? sqrt(fmax(0, (sq - *n * mean * mean) / (*n - 1))) : 0;
}

/* Twice the standard error of the difference of a per-second figure. */
static double noise_of(const struct result *b, const double *bcol, const struct result *c,
                       const double *ccol)
{
    double sb, sc;
    int nb, nc;
    if (!bcol || !ccol)
        return 0;
    spread(&b->tl, bcol, &sb, &nb);
    spread(&c->tl, ccol, &sc, &nc);
    return 2 * sqrt((nb ? sb * sb / nb : 0) + (nc ? sc * sc / nc : 0));
}

/* A per-second column derived from the timeline (requests/s or failed ratio). */
static double *derived(const struct result_timeline *t, bool ratio)
{
    double *v = calloc((size_t)t->n + 1, sizeof *v);
    for (int i = 0; v && i < t->n; i++)
        v[i] = ratio ? (t->requests[i] > 0 ? t->errors[i] / t->requests[i] : 0)
                     : t->requests[i] / t->step_s;
    return v;
}

/* The row's verdict: REGRESSED only when it moved the worse way past all three bars;
 * otherwise which bar it stayed under (or "better"). */
static const char *verdict_of(const struct row *r, double tolerance)
{
    double diff = r->worse == HIGHER_WORSE ? r->cur - r->base : r->base - r->cur;
    double mag = fabs(diff), rel = r->base != 0 ? mag / fabs(r->base) : (mag > 0 ? INFINITY : 0);
    if (mag == 0)
        return "ok (same)";
    if (rel <= tolerance)
        return "ok (within tolerance)";
    if (mag <= r->noise)
        return "ok (within noise)";
    if (mag < r->min_effect)
        return "ok (below the minimum effect)";
    return diff > 0 ? "REGRESSED" : "better";
}

static bool regressed(const struct row *r, double tolerance)
{
    return strcmp(verdict_of(r, tolerance), "REGRESSED") == 0;
}

static void print_row(FILE *out, const struct row *r, double tolerance)
{
    double change = r->base != 0 ? 100 * (r->cur - r->base) / fabs(r->base) : 0;
    const char *unit = r->time ? " ms" : "";
    char base[32], cur[32];
    snprintf(base, sizeof base, "%.4g%s", r->base, unit);
    snprintf(cur, sizeof cur, "%.4g%s", r->cur, unit);
    fprintf(out, "%-40.40s %-6s %15s %15s %+9.1f%% %10.3g  %s\n", r->series, r->stat, base, cur,
            change, r->noise, verdict_of(r, tolerance));
}

/* The rows of trend series s (present in both runs). */
static int trend_rows(FILE *out, const struct result *b, const struct result *c,
                      const struct result_series *sb, const struct result_series *sc,
                      const double rel_noise[3], double tolerance)
{
    static const char *const stats[] = { "p50", "p95", "p99" };
    static const double qs[] = { 0.50, 0.95, 0.99 };
    const double *bcols[] = { b->tl.p50_ms, b->tl.p95_ms, b->tl.p99_ms };
    const double *ccols[] = { c->tl.p50_ms, c->tl.p95_ms, c->tl.p99_ms };
    bool own = strcmp(sb->name, "http_req_duration") == 0;
    int bad = 0;
    for (int k = 0; k < 3; k++) {
        struct row r = { sb->name,
                         stats[k],
                         result_quantile(sb, qs[k]),
                         result_quantile(sc, qs[k]),
                         0,
                         sb->is_time ? 1 : 0,
                         HIGHER_WORSE,
                         sb->is_time };
        r.noise = own ? noise_of(b, bcols[k], c, ccols[k]) : rel_noise[k] * fabs(r.base);
        print_row(out, &r, tolerance);
        bad += regressed(&r, tolerance);
    }
    return bad;
}

/* The relative noise of http_req_duration's p50, p95, p99, for series without a
 * timeline of their own. */
static void duration_noise(const struct result *b, const struct result *c, double rel[3])
{
    const struct result_series *s = result_find(b, "http_req_duration");
    const double *bcols[] = { b->tl.p50_ms, b->tl.p95_ms, b->tl.p99_ms };
    const double *ccols[] = { c->tl.p50_ms, c->tl.p95_ms, c->tl.p99_ms };
    static const double qs[] = { 0.50, 0.95, 0.99 };
    for (int k = 0; k < 3; k++) {
        double base = s ? result_quantile(s, qs[k]) : 0;
        rel[k] = base > 0 ? noise_of(b, bcols[k], c, ccols[k]) / base : 0;
    }
}

/* The rows of rates and throughputs; returns regressions. */
static int rate_rows(FILE *out, const struct result *b, const struct result *c, double tolerance)
{
    static const struct {
        const char *series;
        enum worse worse;
        double min_effect;
        int col;
    } rates[] = {
        { "http_reqs", LOWER_WORSE, 1, 0 },
        { "iterations", LOWER_WORSE, 1, -1 },
        { "http_req_failed", HIGHER_WORSE, 0.01, 1 },
        { "checks", LOWER_WORSE, 0.01, -1 },
    };
    double *col[2][2] = { { derived(&b->tl, false), derived(&b->tl, true) },
                          { derived(&c->tl, false), derived(&c->tl, true) } };
    int bad = 0;
    double rate_noise_rel = 0;
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        const struct result_series *sb = result_find(b, rates[k].series);
        const struct result_series *sc = result_find(c, rates[k].series);
        if (!sb || !sc)
            continue;
        int ci = rates[k].col;
        struct row r = { rates[k].series,    "rate", result_rate(b, sb),
                         result_rate(c, sc), 0,      rates[k].min_effect,
                         rates[k].worse,     false };
        if (ci >= 0)
            r.noise = noise_of(b, col[0][ci], c, col[1][ci]);
        else if (strcmp(rates[k].series, "iterations") == 0)
            r.noise = rate_noise_rel * r.base; /* as requests */
        if (k == 0)
            rate_noise_rel = r.base > 0 ? r.noise / r.base : 0;
        print_row(out, &r, tolerance);
        bad += regressed(&r, tolerance);
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            free(col[i][j]);
    return bad;
}

/* The parts of http_req_duration (waiting, sending ...): compared through it. */
static bool is_part(const char *series)
{
    static const char *const parts[] = { "http_req_waiting", "http_req_connecting",
                                         "http_req_sending", "http_req_receiving", NULL };
    for (int i = 0; parts[i]; i++)
        if (strncmp(series, parts[i], strlen(parts[i])) == 0)
            return true;
    return false;
}

int compare_runs(FILE *out, const struct result *base, const struct result *cur, double tolerance,
                 char *err, size_t errlen)
{
    if (strcmp(base->scenario, cur->scenario) != 0)
        return snprintf(err, errlen,
                        "the two runs are of different scenarios (%s and %s): "
                        "nothing to compare",
                        base->scenario[0] ? base->scenario : "?",
                        cur->scenario[0] ? cur->scenario : "?"),
               -1;
    fprintf(out, "compare: %s (%s, %.1f s) -> %s (%s, %.1f s), tolerance %.3g%%\n", base->scenario,
            base->profile, base->duration_s, cur->scenario, cur->profile, cur->duration_s,
            100 * tolerance);
    fprintf(out, "%-40s %-6s %15s %15s %10s %10s  %s\n", "series", "stat", "base", "new", "change",
            "noise", "verdict (REGRESSED: worse past tolerance, noise and minimum)");
    double rel[3];
    duration_noise(base, cur, rel);
    int bad = rate_rows(out, base, cur, tolerance);
    for (int i = 0; i < base->n; i++) {
        const struct result_series *sb = &base->s[i], *sc = result_find(cur, sb->name);
        if (sb->type == METRIC_TREND && sc && sc->type == METRIC_TREND && !is_part(sb->name)
            && hist_count(sb->hist) > 0 && hist_count(sc->hist) > 0)
            bad += trend_rows(out, base, cur, sb, sc, rel, tolerance);
    }
    fprintf(out, "%d regression%s beyond the tolerance and the noise\n", bad, bad == 1 ? "" : "s");
    return bad;
}
