/*
 * chart.c: SVG line charts of chart.h.
 *
 * Geometry: the plot area is CHART_WIDTH x CHART_HEIGHT less fixed margins for the
 * axis labels and the legend. The y axis runs from 0 to the data's maximum rounded up
 * to 1, 2 or 5 times a power of ten (1 when every value is 0), with four gridlines;
 * the x axis from 0 to n * step seconds, with about eight ticks at round seconds.
 * A point is drawn at the middle of its interval.
 */
#include "load/engine/chart.h"

#include <math.h>
#include <string.h>

#define M_LEFT   64.0
#define M_RIGHT  16.0
#define M_TOP    28.0
#define M_BOTTOM 34.0
#define PLOT_W   (CHART_WIDTH - M_LEFT - M_RIGHT)
#define PLOT_H   (CHART_HEIGHT - M_TOP - M_BOTTOM)
#define PAD      5.0

void chart_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\n':
        case '\t': fputc(*s, out); break;
        default:
            if ((unsigned char)*s >= 0x20 && *s != 0x7f)
                fputc(*s, out); /* other control characters are not text */
        }
    }
}

static double clean(double v)
{
    return isfinite(v) && v > 0 ? v : 0;
}

/* The data's maximum rounded up to 1, 2 or 5 x 10^k. */
static double nice_max(const struct chart *c)
{
    double m = 0;
    for (int s = 0; s < c->nseries; s++)
        for (int i = 0; i < c->n; i++)
            m = fmax(m, clean(c->series[s].y[i]));
    if (m <= 0)
        return 1;
    double p = pow(10, floor(log10(m)));
    return m <= p ? p : m <= 2 * p ? 2 * p : m <= 5 * p ? 5 * p : 10 * p;
}

static double x_of(const struct chart *c, double t_s)
{
    double span = c->n * c->step_s;
    return M_LEFT + (span > 0 ? t_s / span : 0) * PLOT_W;
}

/* Values run from PAD above the bottom of the plot to PAD below its top, so that a
 * line at 0 shows above the frame instead of under it. */
static double y_of(double v, double ymax)
{
    return M_TOP + PAD + (PLOT_H - 2 * PAD) * (1 - clean(v) / ymax);
}

static void draw_axes(FILE *out, const struct chart *c, double ymax)
{
    for (int k = 0; k <= 4; k++) {
        double v = ymax * k / 4, y = y_of(v, ymax);
        fprintf(out,
                "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#e3e5e8'/>"
                "<text x='%.1f' y='%.1f' text-anchor='end' class='tick'>%g</text>\n",
                M_LEFT, y, M_LEFT + PLOT_W, y, M_LEFT - 6, y + 4, v);
    }
    static const double ticks[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600 };
    double span = c->n * c->step_s, tick = 1;
    for (size_t k = 0; k < sizeof ticks / sizeof ticks[0] && span / ticks[k] > 8; k++)
        tick = k + 1 < sizeof ticks / sizeof ticks[0] ? ticks[k + 1] : ticks[k];
    while (isfinite(span) && span / tick > 8)
        tick *= 2;
    for (double t = 0; isfinite(span) && t <= span + 1e-9; t += tick)
        fprintf(out, "<text x='%.1f' y='%.1f' text-anchor='middle' class='tick'>%gs</text>\n",
                x_of(c, t), M_TOP + PLOT_H + 16, t);
}

static void draw_bands(FILE *out, const struct chart *c)
{
    double span = c->n * c->step_s;
    for (int b = 0; b < c->nbands; b++) {
        double from = fmax(0, c->bands[b].from_s), to = fmin(span, c->bands[b].to_s);
        if (!(to > from))
            to = fmin(span, from + c->step_s / 4); /* an instant fault: a thin band */
        fprintf(out,
                "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' class='fault'>"
                "<title>",
                x_of(c, from), M_TOP, fmax(1.5, x_of(c, to) - x_of(c, from)), PLOT_H);
        chart_text(out, c->bands[b].label);
        fprintf(out, "</title></rect><text x='%.1f' y='%.1f' class='faultlabel'>",
                x_of(c, from) + 2, M_TOP + 10);
        chart_text(out, c->bands[b].label);
        fputs("</text>\n", out);
    }
}

static void draw_series(FILE *out, const struct chart *c, double ymax)
{
    for (int s = 0; s < c->nseries; s++) {
        const struct chart_series *se = &c->series[s];
        fprintf(out, "<polyline fill='none' stroke='%s' stroke-width='2' points='", se->color);
        for (int i = 0; i < c->n; i++)
            fprintf(out, "%s%.1f,%.1f", i ? " " : "", x_of(c, (i + 0.5) * c->step_s),
                    y_of(se->y[i], ymax));
        fputs("'/>\n", out);
        if (c->n == 1)
            fprintf(out, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n",
                    x_of(c, 0.5 * c->step_s), y_of(se->y[0], ymax), se->color);
        double lx = M_LEFT + 8 + s * 120.0;
        fprintf(out,
                "<rect x='%.1f' y='8' width='14' height='4' fill='%s'/>"
                "<text x='%.1f' y='14' class='legend'>",
                lx, se->color, lx + 18);
        chart_text(out, se->label);
        fputs("</text>\n", out);
    }
}

int chart_svg(FILE *out, const struct chart *c)
{
    double ymax = nice_max(c);
    fprintf(out,
            "<svg id='%s' xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "viewBox='0 0 %d %d' role='img' aria-label='",
            c->id, CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH, CHART_HEIGHT);
    chart_text(out, c->title);
    fputs("'>\n", out);
    draw_bands(out, c);
    draw_axes(out, c, ymax);
    draw_series(out, c, ymax);
    fprintf(out,
            "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='none' "
            "stroke='%s' stroke-width='2' shape-rendering='crispEdges'/>\n</svg>\n",
            M_LEFT, M_TOP, PLOT_W, PLOT_H, c->frame);
    return ferror(out) ? -1 : 0;
}
