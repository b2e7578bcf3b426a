/*
 * mergecmd.c: `lastroom-load merge` (see mergecmd.h): parts checked against each
 * other, their summaries added up (result_merge), thresholds judged again on the sum,
 * and one verification of all parts' booking histories (verify.c) against the
 * database, as if the parts had been one run.
 */
#include "load/mergecmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/booking/history.h"
#include "load/booking/verify.h"
#include "load/engine/hist.h"
#include "load/engine/metrics.h"
#include "load/engine/result.h"
#include "load/engine/segment.h"
#include "load/engine/threshold.h"
#include "load/resultcmd.h"

#define MERGE_PARTS_MAX      256
#define MERGE_ROOM_TYPES_MAX 64

struct merge {
    const char *db;
    const char *histories[MERGE_PARTS_MAX];
    int nhist;
    const char *files[MERGE_PARTS_MAX];
    int nparts;
    struct result *parts[MERGE_PARTS_MAX];
    struct segment seg[MERGE_PARTS_MAX];
};

static int fail(const char *what, const char *arg, int status)
{
    fprintf(stderr, "lastroom-load: merge: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    return status;
}

static int parse(struct merge *m, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            m->db = argv[++i];
        else if (!strcmp(argv[i], "--history") && i + 1 < argc && m->nhist < MERGE_PARTS_MAX)
            m->histories[m->nhist++] = argv[++i];
        else if (argv[i][0] != '-' && m->nparts < MERGE_PARTS_MAX)
            m->files[m->nparts++] = argv[i];
        else
            return fail("bad argument (usage: merge [--db URL] [--history FILE]... "
                        "PART.json...)",
                        argv[i], RESULTCMD_USAGE);
    }
    if (m->nparts == 0)
        return fail("no part given (usage: merge [--db URL] [--history FILE]... "
                    "PART.json...)",
                    NULL, RESULTCMD_USAGE);
    if (m->nhist > 0 && !m->db)
        return fail("verifying the histories needs --db URL", NULL, RESULTCMD_USAGE);
    return 0;
}

static const char *lr_str(const struct result *r, const char *key)
{
    return json_string_value(json_object_get(json_object_get(r->doc, "lastroom"), key));
}

static int cmp_from(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    __extension__ unsigned __int128 l = (unsigned __int128)x->from.num * y->from.den,
                                    r = (unsigned __int128)y->from.num * x->from.den;
    return l < r ? -1 : l > r;
}

static bool frac_eq(struct seg_frac a, struct seg_frac b)
{
    return a.num == b.num && a.den == b.den;
}

/* Every part a segment of the same test, and together all of [0, 1]. Returns 0, or the
 * exit status after saying what is wrong. */
static int check_parts(struct merge *m)
{
    char err[512], what[160];
    const char *scn = lr_str(m->parts[0], "scenario"), *seed = lr_str(m->parts[0], "seed"),
               *seq = lr_str(m->parts[0], "sequence");
    for (int i = 0; i < m->nparts; i++) {
        const struct result *r = m->parts[i];
        const char *s = lr_str(r, "segment"), *q = lr_str(r, "sequence");
        if (!s || seg_parse(s, &m->seg[i], err, sizeof err) != 0)
            return fail("not the summary of a part (run with --execution-segment)", m->files[i],
                        RESULTCMD_USAGE);
        if (!scn || !lr_str(r, "scenario") || strcmp(scn, lr_str(r, "scenario")))
            return fail("the parts ran different scenarios", m->files[i], RESULTCMD_USAGE);
        if (!seed || !lr_str(r, "seed") || strcmp(seed, lr_str(r, "seed")))
            return fail("the parts ran with different seeds", m->files[i], RESULTCMD_USAGE);
        if ((seq != NULL) != (q != NULL) || (seq && strcmp(seq, q)))
            return fail("the parts ran with different segment sequences", m->files[i],
                        RESULTCMD_USAGE);
    }
    struct segment sorted[MERGE_PARTS_MAX];
    memcpy(sorted, m->seg, (size_t)m->nparts * sizeof *sorted);
    qsort(sorted, (size_t)m->nparts, sizeof *sorted, cmp_from);
    struct seg_frac at = { 0, 1 };
    for (int i = 0; i <= m->nparts; i++) {
        struct seg_frac next = i < m->nparts ? sorted[i].from : (struct seg_frac){ 1, 1 };
        if (!frac_eq(at, next)
            && cmp_from(&(struct segment){ at, at }, &(struct segment){ next, next }) < 0) {
            struct segment gap = { at, next };
            seg_format(&gap, what, sizeof what);
            snprintf(err, sizeof err, "the part for segment %s is missing: no verdict", what);
            return fail(err, NULL, RESULTCMD_CANNOT);
        }
        if (!frac_eq(at, next)) {
            seg_format(&sorted[i], what, sizeof what);
            return fail("parts overlap at segment", what, RESULTCMD_USAGE);
        }
        if (i < m->nparts)
            at = sorted[i].to;
    }
    return 0;
}

/* A threshold's aggregation on a merged series. */
static double observe(const struct result *r, const struct result_series *s,
                      const struct thr_threshold *t)
{
    switch (t->agg) {
    case THR_AVG: return s->hist ? hist_mean(s->hist) / METRICS_TREND_SCALE : 0;
    case THR_MIN: return s->hist ? (double)hist_min(s->hist) / METRICS_TREND_SCALE : 0;
    case THR_MAX_AGG: return s->hist ? (double)hist_max(s->hist) / METRICS_TREND_SCALE : 0;
    case THR_MED: return result_quantile(s, 0.5);
    case THR_PCT: return result_quantile(s, t->pct / 100);
    case THR_COUNT: return s->count;
    case THR_RATE: return result_rate(r, s);
    default: return s->value;
    }
}

/* Print the merged series and judge their thresholds. Returns the failed count. */
static int judge(const struct result *r)
{
    static struct result_threshold th[RESULT_ITEMS_MAX];
    int n = result_thresholds(r, th, RESULT_ITEMS_MAX), failed = 0;
    for (int i = 0; i < r->n; i++) {
        const struct result_series *s = &r->s[i];
        if (s->type == METRIC_TREND)
            printf("  %-40s avg=%.2f p(50)=%.2f p(95)=%.2f p(99)=%.2f max=%.2f (%llu)\n", s->name,
                   s->hist ? hist_mean(s->hist) / METRICS_TREND_SCALE : 0, result_quantile(s, 0.5),
                   result_quantile(s, 0.95), result_quantile(s, 0.99),
                   s->hist ? (double)hist_max(s->hist) / METRICS_TREND_SCALE : 0,
                   (unsigned long long)(s->hist ? hist_count(s->hist) : 0));
        else if (s->type == METRIC_RATE)
            printf("  %-40s %.2f%% %llu of %llu\n", s->name, 100 * result_rate(r, s),
                   (unsigned long long)s->passes, (unsigned long long)(s->passes + s->fails));
        else if (s->type == METRIC_COUNTER)
            printf("  %-40s %.0f %.2f/s\n", s->name, s->count, result_rate(r, s));
    }
    printf("\nthresholds judged on the merge:\n");
    for (int i = 0; i < n; i++) {
        const struct result_series *s = result_find(r, th[i].series);
        struct thr_threshold t;
        char err[256];
        bool ok = s && thr_parse(th[i].expr, s->type, &t, err, sizeof err) == 0;
        double v = ok ? observe(r, s, &t) : 0;
        ok = ok && thr_op_holds(v, t.op, t.target);
        failed += !ok;
        printf("  %s %s: %s='%s' (observed %g)\n", ok ? "✓" : "✗", th[i].series,
               ok ? "passed" : "FAILED", th[i].expr, v);
    }
    return failed;
}

/* The distinct room types of the records, at most max. */
static int room_types(const struct history *h, int64_t *out, int max)
{
    int n = 0;
    for (uint32_t i = 0; i < h->vus[0].len; i++) {
        int64_t rt = h->vus[0].recs[i].room_type_id;
        int j = 0;
        while (j < n && out[j] != rt)
            j++;
        if (j == n && n < max)
            out[n++] = rt;
    }
    return n;
}

/* One verification over every history. Returns the failed check count, or -1 when it
 * could not be made (said). */
static int verify(const struct merge *m)
{
    struct history *h = NULL;
    char err[512];
    int64_t rts[MERGE_ROOM_TYPES_MAX];
    for (int i = 0; i < m->nhist; i++)
        if (history_read(m->histories[i], &h, err, sizeof err) != 0) {
            history_free(h);
            return fail(err, "no verdict", -1);
        }
    int nrt = room_types(h, rts, MERGE_ROOM_TYPES_MAX);
    struct verify_result *r = calloc(1, sizeof *r);
    if (!r || nrt == 0 || verify_database(m->db, rts, nrt, h, r, err, sizeof err) != 0) {
        fail("the verification could not be made",
             !r         ? "out of memory"
             : nrt == 0 ? "the histories hold no attempt"
                        : err,
             0);
        free(r);
        history_free(h);
        return -1;
    }
    int fired = 0;
    printf("\n=== MERGED SUMMARY (%d parts, %d histories) ===\n", m->nparts, m->nhist);
    printf("Successful Bookings: %zu\nFailed Bookings: %zu\n", history_count(h, HISTORY_OK),
           history_count(h, HISTORY_REFUSED));
    printf("Overbookings Detected: %lld\nTotal Booking Attempts: %llu\n",
           (long long)r->overbookings, (unsigned long long)(history_total(h) + history_dropped(h)));
    printf("  checks fired:");
    for (const struct verify_check *c = verify_checks; c->name; c++)
        if (verify_check_count(r, c) > 0)
            printf("%s %s=%lld", fired++ ? "," : "", c->name, (long long)verify_check_count(r, c));
    printf("%s\n", fired ? "" : " none");
    for (int i = 0; i < r->nevidence && i < 10; i++)
        printf("  [%s] %s\n", r->evidence[i].check, r->evidence[i].text);
    printf(r->overbookings == 0 ? "✅ NO OVERBOOKING DETECTED - the merged run passed!\n"
                                : "❌ OVERBOOKING DETECTED - the merged run failed!\n");
    free(r);
    history_free(h);
    return fired;
}

static void merge_free(struct merge *m)
{
    for (int i = 0; i < m->nparts; i++)
        result_free(m->parts[i]);
}

int mergecmd_run(int argc, char **argv)
{
    static struct merge m;
    char err[512];
    memset(&m, 0, sizeof m);
    int status = parse(&m, argc, argv);
    for (int i = 0; status == 0 && i < m.nparts; i++)
        if (!(m.parts[i] = result_load(m.files[i], err, sizeof err)))
            status = fail(err, "this part is missing or unreadable: no verdict", RESULTCMD_CANNOT);
    if (status == 0)
        status = check_parts(&m);
    for (int i = 1; status == 0 && i < m.nparts; i++)
        if (result_merge(m.parts[0], m.parts[i], err, sizeof err) != 0)
            status = fail(err, m.files[i], RESULTCMD_CANNOT);
    if (status != 0) {
        merge_free(&m);
        return status;
    }
    printf("merged %d parts of %s (seed %s), %.1fs:\n", m.nparts, m.parts[0]->scenario,
           lr_str(m.parts[0], "seed"), m.parts[0]->duration_s);
    int failed = judge(m.parts[0]);
    int checks = m.nhist > 0 ? verify(&m) : 0;
    merge_free(&m);
    if (checks < 0)
        return RESULTCMD_CANNOT;
    bool pass = failed == 0 && checks == 0;
    printf("\nmerged verdict: %s (%d threshold%s failed, %d check%s fired)\n",
           pass ? "PASS" : "FAIL", failed, failed == 1 ? "" : "s", checks, checks == 1 ? "" : "s");
    return pass ? 0 : RESULTCMD_REGRESSED;
}
