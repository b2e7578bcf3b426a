/*
 * report.c: the HTML report of report.h.
 *
 * The page is written top to bottom with fprintf; its only inputs are the checked
 * result (numbers) and strings from the summary, which go through chart_text. Charts
 * come first, right under the verdict line, at fixed sizes, so that a screenshot of
 * the top of the page shows all four.
 */
#include "load/engine/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/chart.h"
#include "load/engine/export.h"

#define MAX_BANDS 64

static const char *const style =
    "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:920px;color:#222;"
    "background:#fff}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd}figure{margin:0 0 10px;height:244px}figcaption{font-weight:"
    "600;height:20px}.tick,.legend{font-size:11px;fill:#444}.faultlabel{font-size:10px;"
    "fill:#a61e4d}.fault{fill:#f783ac;fill-opacity:.25}table{border-collapse:collapse;"
    "width:100%}td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;"
    "vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".pass{color:#2b8a3e;font-weight:700}.fail{color:#c92a2a;font-weight:700}"
    "pre{background:#f6f7f9;padding:8px;overflow-x:auto;font-size:12px}"
    ".figs{color:#555;margin:0}";

static void header(FILE *out, const struct result *r)
{
    const struct result_series *reqs = result_find(r, "http_reqs");
    const struct result_series *dur = result_find(r, "http_req_duration");
    bool passed = result_passed(r);
    fputs("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>"
          "lastroom-load report: ",
          out);
    chart_text(out, r->scenario);
    fprintf(out, "</title>\n<style>%s</style></head><body>\n<h1>", style);
    chart_text(out, r->scenario[0] ? r->scenario : "(unnamed run)");
    fputs(" <small>", out);
    chart_text(out, r->profile);
    fprintf(out,
            "</small> <span id='verdict' class='%s'>%s</span></h1>\n<p class='figs'>"
            "%.1f s",
            passed ? "pass" : "fail", passed ? "PASSED" : "FAILED", r->duration_s);
    if (reqs)
        fprintf(out, " &middot; %.0f requests (%.1f/s)", reqs->count, result_rate(r, reqs));
    if (dur)
        fprintf(out, " &middot; http_req_duration p50 %.2f ms, p95 %.2f ms, p99 %.2f ms",
                result_quantile(dur, 0.5), result_quantile(dur, 0.95), result_quantile(dur, 0.99));
    fputs("</p>\n", out);
}

/* The nemesis' faults (lastroom.nemesis.timeline) as bands; returns how many. */
static int fault_bands(const struct result *r, struct chart_band *b, int max)
{
    const json_t *tl = json_object_get(
        json_object_get(json_object_get(r->doc, "lastroom"), "nemesis"), "timeline");
    int n = 0;
    for (size_t i = 0; i < json_array_size(tl) && n < max; i++) {
        const json_t *f = json_array_get(tl, i);
        const char *kind = json_string_value(json_object_get(f, "kind"));
        double from = json_number_value(json_object_get(f, "start_s"));
        double to = json_number_value(json_object_get(f, "end_s"));
        if (!kind || !isfinite(from) || !isfinite(to))
            continue;
        b[n++] = (struct chart_band){ from, to, kind };
    }
    return n;
}

/* Per-second figures derived from the timeline's columns: requests/s and error %. */
static void derive(const struct result_timeline *t, double *rps, double *err_pct)
{
    for (int i = 0; i < t->n; i++) {
        rps[i] = t->requests[i] / t->step_s;
        err_pct[i] = t->requests[i] > 0 ? 100.0 * t->errors[i] / t->requests[i] : 0;
    }
}

static void figure(FILE *out, const struct chart *c)
{
    fputs("<figure><figcaption>", out);
    chart_text(out, c->title);
    fputs("</figcaption>\n", out);
    chart_svg(out, c);
    fputs("</figure>\n", out);
}

static int charts(FILE *out, const struct result *r)
{
    const struct result_timeline *t = &r->tl;
    static const char *const frames[] = REPORT_FRAME_COLORS;
    fputs("<h2>Over time</h2>\n", out);
    if (t->n == 0) {
        fputs("<p>This summary has no timeline.</p>\n", out);
        return 0;
    }
    struct chart_band bands[MAX_BANDS];
    int nb = fault_bands(r, bands, MAX_BANDS);
    double *rps = calloc((size_t)t->n, sizeof *rps), *errp = calloc((size_t)t->n, sizeof *errp);
    if (!rps || !errp) {
        free(rps);
        free(errp);
        return -1;
    }
    derive(t, rps, errp);
    struct chart_series s_rps[] = { { "requests/s", "#1c7ed6", rps } };
    struct chart_series s_vus[] = { { "active VUs", "#7048e8", t->vus } };
    struct chart_series s_lat[] = { { "p50", "#2b8a3e", t->p50_ms },
                                    { "p95", "#e67700", t->p95_ms },
                                    { "p99", "#c92a2a", t->p99_ms } };
    struct chart_series s_err[] = { { "failed requests %", "#c92a2a", errp } };
    struct chart c[] = {
        { "chart-rps", "Requests per second", frames[0], t->step_s, t->n, s_rps, 1, bands, nb },
        { "chart-vus", "Virtual users", frames[1], t->step_s, t->n, s_vus, 1, bands, nb },
        { "chart-latency", "Latency of http_req_duration (ms): p50, p95, p99 per interval",
          frames[2], t->step_s, t->n, s_lat, 3, bands, nb },
        { "chart-errors", "Error rate (% of requests failed)", frames[3], t->step_s, t->n, s_err, 1,
          bands, nb },
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++)
        figure(out, &c[k]);
    if (nb > 0)
        fputs("<p class='figs'>Shaded: faults injected by the nemesis.</p>\n", out);
    free(rps);
    free(errp);
    return 0;
}

static void thresholds(FILE *out, const struct result *r)
{
    struct result_threshold th[RESULT_ITEMS_MAX];
    int n = result_thresholds(r, th, RESULT_ITEMS_MAX);
    fputs("<h2>Thresholds</h2>\n", out);
    if (n == 0) {
        fputs("<p>No thresholds.</p>\n", out);
        return;
    }
    fputs("<table id='thresholds'><tr><th>series</th><th>threshold</th><th>observed</th>"
          "<th>result</th></tr>\n",
          out);
    for (int i = 0; i < n; i++) {
        fputs("<tr><td>", out);
        chart_text(out, th[i].series);
        fputs("</td><td>", out);
        chart_text(out, th[i].expr);
        if (th[i].has_observed)
            fprintf(out, "</td><td class='num'>%.6g", th[i].observed);
        else
            fputs("</td><td class='num'>", out);
        fprintf(out, "</td><td class='%s'>%s</td></tr>\n", th[i].ok ? "pass" : "fail",
                th[i].ok ? "passed" : "FAILED");
    }
    fputs("</table>\n", out);
}

static void verification(FILE *out, const struct result *r)
{
    struct result_check ch[RESULT_ITEMS_MAX];
    int n = result_checks(r, ch, RESULT_ITEMS_MAX);
    const char *verdict =
        json_string_value(json_object_get(json_object_get(r->doc, "lastroom"), "verdict"));
    fputs("<h2>Verification</h2>\n", out);
    if (n > 0) {
        fputs("<table id='verification'><tr><th>figure</th><th>value</th><th>result</th></tr>\n",
              out);
        for (int i = 0; i < n; i++) {
            bool bad = ch[i].is_check && ch[i].value != 0;
            fputs("<tr><td>", out);
            chart_text(out, ch[i].name);
            fprintf(out, "</td><td class='num'>%.0f</td><td class='%s'>%s</td></tr>\n", ch[i].value,
                    bad              ? "fail"
                    : ch[i].is_check ? "pass"
                                     : "",
                    bad              ? "FAILED"
                    : ch[i].is_check ? "passed"
                                     : "information");
        }
        fputs("</table>\n", out);
    }
    if (verdict && verdict[0]) {
        fputs("<pre id='verdict-block'>", out);
        chart_text(out, verdict);
        fputs("</pre>\n", out);
    } else if (n == 0) {
        fputs("<p>This scenario has no verification.</p>\n", out);
    }
}

static void faults(FILE *out, const struct result *r)
{
    struct chart_band b[MAX_BANDS];
    int n = fault_bands(r, b, MAX_BANDS);
    if (n == 0)
        return;
    fputs("<h2>Faults injected</h2>\n<table id='faults'><tr><th>fault</th><th>from</th>"
          "<th>to</th></tr>\n",
          out);
    for (int i = 0; i < n; i++) {
        fputs("<tr><td>", out);
        chart_text(out, b[i].label);
        fprintf(out, "</td><td class='num'>%.2f s</td><td class='num'>%.2f s</td></tr>\n",
                b[i].from_s, b[i].to_s);
    }
    fputs("</table>\n", out);
}

static void series_table(FILE *out, const struct result *r)
{
    fputs("<h2>Metrics</h2>\n<table id='metrics'><tr><th>series</th><th>type</th>"
          "<th>values</th></tr>\n",
          out);
    const char *name, *key;
    json_t *js, *v;
    json_object_foreach(json_object_get(r->doc, "metrics"), name, js)
    {
        fputs("<tr><td>", out);
        chart_text(out, name);
        fputs("</td><td>", out);
        chart_text(out, json_string_value(json_object_get(js, "type")));
        fputs("</td><td>", out);
        json_object_foreach(json_object_get(js, "values"), key, v)
        {
            chart_text(out, key);
            fprintf(out, "=%.6g ", json_number_value(v));
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

int report_write(FILE *out, const struct result *r)
{
    header(out, r);
    int rc = charts(out, r);
    thresholds(out, r);
    verification(out, r);
    faults(out, r);
    series_table(out, r);
    fprintf(out,
            "<p class='figs'>Written by lastroom-load from a version-%d summary.</p>\n"
            "</body></html>\n",
            (int)json_integer_value(json_object_get(r->doc, "version")));
    return rc != 0 || ferror(out) ? -1 : 0;
}

static int write_report(FILE *f, const void *r)
{
    return report_write(f, r);
}

int report_write_file(const char *path, const struct result *r, char *err, size_t errlen)
{
    return export_replace(path, write_report, r, err, errlen);
}
