/*
 * chart.h: line charts over a run's time axis as inline SVG, for the HTML report.
 *
 * A chart is drawn from columns of numbers, one value per interval of step_s seconds
 * (the timeline's points), each series a polyline in its colour, with shaded bands
 * (the faults the nemesis injected) behind them, axes with ticks and a legend. The SVG
 * is complete in itself: no script, no external style, no font download. The plot
 * area's frame is drawn in the chart's own colour (frame), crisp-edged, so that a
 * program looking at a screenshot can find each chart.
 */
#ifndef LASTROOM_LOAD_ENGINE_CHART_H
#define LASTROOM_LOAD_ENGINE_CHART_H

#include <stdio.h>

#define CHART_WIDTH  880
#define CHART_HEIGHT 220

struct chart_series {
    const char *label; /* legend text (escaped when written) */
    const char *color; /* "#1f77b4" */
    const double *y;   /* n values */
};

struct chart_band {
    double from_s, to_s; /* seconds of the run */
    const char *label;   /* e.g. the fault's kind (escaped when written) */
};

struct chart {
    const char *id;    /* the svg element's id: letters, digits and '-' only */
    const char *title; /* e.g. "Requests per second" */
    const char *frame; /* the plot frame's colour, "#rrggbb" */
    double step_s;     /* seconds per point */
    int n;             /* points */
    const struct chart_series *series;
    int nseries;
    const struct chart_band *bands;
    int nbands;
};

/* chart_svg: write c as one <svg> element. Values that are not finite or negative are
 * drawn as 0. Returns 0, or -1 when writing failed. */
int chart_svg(FILE *out, const struct chart *c);

/* chart_text: write s with &, <, >, " and ' escaped for HTML, SVG and XML text, and
 * control characters other than newline and tab left out. */
void chart_text(FILE *out, const char *s);

#endif
