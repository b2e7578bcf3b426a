/*
 * nemreport.c: the nemesis report, read from its faults and unknown-outcome counts
 * once the thread has stopped. Per-kind sums can count a request twice when windows
 * of faults close together overlap; the total printed beside them counts each once.
 */
#include "load/booking/nemreport.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/booking/nemspec.h"
#include "load/booking/nemunknown.h"

static uint64_t unknown_all(const struct nemesis *x)
{
    return nemunknown_between(nemesis_unknowns(x), 0, 1e9);
}

static uint64_t unknown_around(const struct nemesis *x)
{
    int n;
    const struct nemesis_fault *f = nemesis_faults(x, &n);
    return nemunknown_around(nemesis_unknowns(x), f, n);
}

struct kind_stats {
    int scheduled, injected, failed, recovered;
    uint64_t unknown;
    double rec_ms[NEMESIS_MAX_EVENTS];
    double p50_ms, max_ms;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The figures of kind k into *s; false when no fault of that kind was scheduled. */
static bool kind_stats(const struct nemesis *x, int k, struct kind_stats *s)
{
    int n;
    const struct nemesis_fault *all = nemesis_faults(x, &n);
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n; i++) {
        const struct nemesis_fault *f = &all[i];
        if ((int)f->ev.kind != k)
            continue;
        s->scheduled++;
        s->injected += f->injected;
        s->failed += f->start_s >= 0 && !f->injected;
        s->unknown += nemunknown_of(nemesis_unknowns(x), f);
        if (f->injected && f->recovered_s >= 0)
            s->rec_ms[s->recovered++] = (f->recovered_s - f->end_s) * 1000;
    }
    qsort(s->rec_ms, (size_t)s->recovered, sizeof *s->rec_ms, cmp_double);
    s->p50_ms = s->recovered ? s->rec_ms[(s->recovered - 1) / 2] : -1;
    s->max_ms = s->recovered ? s->rec_ms[s->recovered - 1] : -1;
    return s->scheduled > 0;
}

int nemreport_injected(const struct nemesis *x, enum nemesis_kind k)
{
    struct kind_stats s;
    return kind_stats(x, k, &s) ? s.injected : 0;
}

struct out {
    char *p;
    size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

static void put_timeline(const struct nemesis *x, struct out *o)
{
    int n;
    const struct nemesis_fault *all = nemesis_faults(x, &n);
    put(o, "\nNemesis timeline (seconds from the start of the run):\n");
    for (int i = 0; i < n; i++) {
        const struct nemesis_fault *f = &all[i];
        if (f->start_s < 0) {
            put(o, "  %7.2fs  %-21s not run (the run ended first)\n", f->ev.start_s,
                nemspec_kind_name(f->ev.kind));
            continue;
        }
        put(o, "  %7.2fs  %-21s %s, ended %.2fs", f->start_s, nemspec_kind_name(f->ev.kind),
            f->injected ? "injected" : "FAILED", f->end_s);
        if (f->recovered_s >= 0)
            put(o, ", served again %.2fs (+%.0f ms)", f->recovered_s,
                (f->recovered_s - f->end_s) * 1000);
        else if (f->injected)
            put(o, ", not serving again within %.0f s", NEMESIS_RECOVERY_MAX_S);
        put(o, ", %llu unknown%s%s\n", (unsigned long long)nemunknown_of(nemesis_unknowns(x), f),
            f->note[0] ? ": " : "", f->note);
    }
}

size_t nemreport_text(const struct nemesis *x, char *buf, size_t cap)
{
    struct out o = { buf, 0, cap };
    if (cap)
        buf[0] = '\0';
    put_timeline(x, &o);
    put(&o, "\nFaults by kind: injected/scheduled, requests with an unknown outcome around "
            "them, time to serve again after the fault ended (p50, max)\n");
    for (int k = 0; k < NEMESIS_KINDS; k++) {
        struct kind_stats s;
        if (!kind_stats(x, k, &s))
            continue;
        put(&o, "  %-21s %d/%d injected, %llu unknown", nemspec_kind_name((enum nemesis_kind)k),
            s.injected, s.scheduled, (unsigned long long)s.unknown);
        if (s.recovered)
            put(&o, ", recovery p50 %.0f ms, max %.0f ms\n", s.p50_ms, s.max_ms);
        else
            put(&o, ", recovery not measured\n");
    }
    put(&o, "  requests with an unknown outcome: %llu in all, %llu around faults\n",
        (unsigned long long)unknown_all(x), (unsigned long long)unknown_around(x));
    return o.len;
}

static json_t *fault_json(const struct nemesis *x, const struct nemesis_fault *f)
{
    return json_pack("{s:s, s:f, s:f, s:f, s:f, s:b, s:I, s:s}", "kind",
                     nemspec_kind_name(f->ev.kind), "planned_s", f->ev.start_s, "start_s",
                     f->start_s, "end_s", f->end_s, "recovered_s", f->recovered_s, "injected",
                     f->injected, "unknown", (json_int_t)nemunknown_of(nemesis_unknowns(x), f),
                     "note", f->note);
}

json_t *nemreport_json(const struct nemesis *x)
{
    json_t *kinds = json_object(), *tl = json_array();
    for (int k = 0; k < NEMESIS_KINDS; k++) {
        struct kind_stats s;
        if (!kind_stats(x, k, &s))
            continue;
        json_object_set_new(kinds, nemspec_kind_name((enum nemesis_kind)k),
                            json_pack("{s:i, s:i, s:i, s:I, s:{s:f, s:f}}", "scheduled",
                                      s.scheduled, "injected", s.injected, "failed", s.failed,
                                      "unknown", (json_int_t)s.unknown, "recovery_ms", "p50",
                                      s.p50_ms, "max", s.max_ms));
    }
    int n;
    const struct nemesis_fault *all = nemesis_faults(x, &n);
    for (int i = 0; i < n; i++)
        json_array_append_new(tl, fault_json(x, &all[i]));
    return json_pack("{s:o, s:o, s:I, s:I}", "faults", kinds, "timeline", tl, "unknown_requests",
                     (json_int_t)unknown_all(x), "unknown_around_faults",
                     (json_int_t)unknown_around(x));
}
