/*
 * test_load_segment.c: execution segments. For several sequences (even thirds, uneven
 * decimals, percentages, one with a large common denominator) the parts' shares of
 * every count add up to exactly the count and grow with it, every index belongs to
 * exactly one part, the VU numbers of all parts are exactly 0..N-1 with no repeat, the
 * executors scale to shares that add up, and bad segments are refused with the reason.
 */
#include "unit.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/executor.h"
#include "load/engine/segment.h"

#define MAXP 16

struct parts {
    struct seg_plan *p[MAXP];
    int n;
};

/* Every step of the sequence text as a plan. */
static void parts_new(struct parts *ps, const char *seq)
{
    struct seg_frac pts[SEG_SEQ_MAX];
    char err[256];
    int n = 0;
    ck_assert_msg(seg_parse_sequence(seq, pts, SEG_SEQ_MAX, &n, err, sizeof err) == 0, "%s", err);
    ck_assert_int_le(n - 1, MAXP);
    ps->n = n - 1;
    for (int i = 0; i + 1 < n; i++) {
        struct segment s = { pts[i], pts[i + 1] };
        ps->p[i] = seg_plan_new(&s, pts, n, err, sizeof err);
        ck_assert_msg(ps->p[i] != NULL, "%s", err);
    }
}

static void parts_free(struct parts *ps)
{
    for (int i = 0; i < ps->n; i++)
        seg_plan_free(ps->p[i]);
}

static const char *const sequences[] = {
    "0,1/3,2/3,1", "0,0.1,0.35,0.36,1", "0,25%,50%,75%,1", "0,1/7,1/2,999/1000,1", "0,1", "0,1/2,1",
};

START_TEST(test_shares_add_up)
{
    struct parts ps;
    parts_new(&ps, sequences[_i]);
    int64_t prev[MAXP] = { 0 };
    for (int64_t n = 0; n <= 3000; n++) {
        int64_t sum = 0;
        for (int j = 0; j < ps.n; j++) {
            int64_t s = seg_share(ps.p[j], n);
            ck_assert_int_ge(s, prev[j]); /* grows with n */
            ck_assert_int_le(s - prev[j], 1);
            prev[j] = s;
            sum += s;
        }
        ck_assert_int_eq(sum, n);
    }
    const int64_t big[] = { 1000000007LL, 4611686018427387903LL, 999999999999LL };
    for (size_t b = 0; b < sizeof big / sizeof *big; b++) {
        int64_t sum = 0;
        for (int j = 0; j < ps.n; j++)
            sum += seg_share(ps.p[j], big[b]);
        ck_assert_int_eq(sum, big[b]);
    }
    for (uint64_t i = 0; i < 5000; i++) {
        int owners = 0;
        for (int j = 0; j < ps.n; j++)
            owners += seg_owns(ps.p[j], i);
        ck_assert_int_eq(owners, 1);
    }
    parts_free(&ps);
}
END_TEST

START_TEST(test_vu_numbers_cover_the_test)
{
    struct parts ps;
    parts_new(&ps, sequences[_i]);
    for (int n = 1; n <= 400; n += 13) {
        char *seen = calloc((size_t)n, 1);
        for (int j = 0; j < ps.n; j++)
            for (int64_t k = 0; k < seg_share(ps.p[j], n); k++) {
                int64_t id = seg_index(ps.p[j], k);
                ck_assert_int_ge(id, 0);
                ck_assert_int_lt(id, n);
                ck_assert_int_eq(seen[id], 0);
                ck_assert(seg_owns(ps.p[j], (uint64_t)id));
                seen[id] = 1;
            }
        for (int i = 0; i < n; i++)
            ck_assert_int_eq(seen[i], 1);
        free(seen);
    }
    parts_free(&ps);
}
END_TEST

START_TEST(test_thirds_are_even)
{
    struct parts ps;
    parts_new(&ps, "0,1/3,2/3,1");
    for (int j = 0; j < 3; j++) {
        ck_assert_int_eq(seg_share(ps.p[j], 3), 1);
        ck_assert_int_eq(seg_share(ps.p[j], 30), 10);
        ck_assert_int_ge(seg_share(ps.p[j], 31), 10);
    }
    ck_assert_int_eq(seg_index(ps.p[1], 0), 1);
    ck_assert_int_eq(seg_index(ps.p[1], 1), 4);
    parts_free(&ps);
}
END_TEST

START_TEST(test_default_sequence)
{
    struct segment s;
    char err[256];
    ck_assert_int_eq(seg_parse("1/4:3/4", &s, err, sizeof err), 0);
    struct seg_plan *p = seg_plan_new(&s, NULL, 0, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(seg_share(p, 100), 50);
    ck_assert_int_eq(seg_share(p, 4), 2);
    char text[64];
    seg_format(&s, text, sizeof text);
    ck_assert_str_eq(text, "1/4:3/4");
    seg_plan_free(p);
    ck_assert_int_eq(seg_parse("50%", &s, err, sizeof err), 0); /* 0:50% */
    seg_format(&s, text, sizeof text);
    ck_assert_str_eq(text, "0:1/2");
}
END_TEST

/* One executor split over the thirds: the parts' counts add up to the whole. */
START_TEST(test_executors_split)
{
    struct parts ps;
    parts_new(&ps, "0,1/3,2/3,1");
    struct lr_exec_config whole, c;
    char err[256];
    exec_defaults(&whole, LR_EXEC_SHARED_ITERATIONS);
    whole.vus = 31;
    whole.iterations = 1000;
    int vus = 0;
    int64_t iters = 0;
    for (int j = 0; j < 3; j++) {
        c = whole;
        ck_assert_int_eq(seg_apply(ps.p[j], &c, err, sizeof err), 0);
        ck_assert_int_eq(exec_check(&c, err, sizeof err), 0);
        vus += c.vus;
        iters += c.iterations;
    }
    ck_assert_int_eq(vus, 31);
    ck_assert_int_eq(iters, 1000);

    exec_defaults(&whole, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    whole.rate = 100;
    whole.duration_s = 3;
    whole.pre_allocated_vus = 10;
    whole.max_vus = 20;
    uint64_t started = 0;
    vus = 0;
    for (int j = 0; j < 3; j++) {
        c = whole;
        ck_assert_int_eq(seg_apply(ps.p[j], &c, err, sizeof err), 0);
        ck_assert_int_eq(exec_check(&c, err, sizeof err), 0);
        vus += c.max_vus;
        struct exec_cursor cur = { 0, 1, ps.p[j] };
        double at;
        uint64_t mine = 0;
        while (exec_cursor_due(&c, &cur, 1e9, &at))
            mine++;
        ck_assert_int_eq(mine, 100);
        started += mine;
    }
    ck_assert_int_eq(vus, 20);
    ck_assert_int_eq(started, exec_arrivals_total(&whole));

    exec_defaults(&whole, LR_EXEC_RAMPING_VUS);
    whole.start_vus = 2;
    whole.stages[0] = (struct lr_stage){ 10, 17 };
    whole.nstages = 1;
    int start = 0, target = 0;
    for (int j = 0; j < 3; j++) {
        c = whole;
        ck_assert_int_eq(seg_apply(ps.p[j], &c, err, sizeof err), 0);
        start += c.start_vus;
        target += (int)c.stages[0].target;
    }
    ck_assert_int_eq(start, 2);
    ck_assert_int_eq(target, 17);

    exec_defaults(&whole, LR_EXEC_CONSTANT_VUS);
    whole.vus = 2;
    whole.duration_s = 1;
    c = whole;
    ck_assert_int_eq(seg_apply(ps.p[2], &c, err, sizeof err), -1);
    ck_assert_str_eq(err, "execution segment 2/3:1 holds no VU of this test");
    parts_free(&ps);
}
END_TEST

START_TEST(test_bad_segments)
{
    struct segment s;
    struct seg_frac pts[SEG_SEQ_MAX];
    char err[256];
    int n;
    ck_assert_int_eq(seg_parse("2/3:1/3", &s, err, sizeof err), -1);
    ck_assert_str_eq(err, "execution segment 2/3:1/3: its start must be below its end");
    ck_assert_int_eq(seg_parse("0:1.5", &s, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse("0:1/0", &s, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse("0:x", &s, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse("0:-1", &s, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse("0:1/3000000000", &s, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse("1/3:1/3", &s, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse_sequence("1/3,1", pts, SEG_SEQ_MAX, &n, err, sizeof err), -1);
    ck_assert_str_eq(err, "execution segment sequence must run from 0 to 1");
    ck_assert_int_eq(seg_parse_sequence("0,2/3,1/3,1", pts, SEG_SEQ_MAX, &n, err, sizeof err), -1);
    ck_assert_int_eq(seg_parse_sequence("0,1/3,2/3,1", pts, SEG_SEQ_MAX, &n, err, sizeof err), 0);
    ck_assert_int_eq(seg_parse("0:2/3", &s, err, sizeof err), 0);
    ck_assert_ptr_null(seg_plan_new(&s, pts, n, err, sizeof err));
    ck_assert_str_eq(err, "the execution segment is not a step of the sequence");
    ck_assert_int_eq(
        seg_parse_sequence("0,1/999983,1/999979,1", pts, SEG_SEQ_MAX, &n, err, sizeof err), 0);
    s = (struct segment){ pts[1], pts[2] };
    ck_assert_ptr_null(seg_plan_new(&s, pts, n, err, sizeof err));
    ck_assert_str_eq(err, "the segments' common denominator is above 1000000");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("segment");
    int nseq = (int)(sizeof sequences / sizeof *sequences);
    tcase_add_loop_test(tc, test_shares_add_up, 0, nseq);
    tcase_add_loop_test(tc, test_vu_numbers_cover_the_test, 0, nseq);
    tcase_add_test(tc, test_thirds_are_even);
    tcase_add_test(tc, test_default_sequence);
    tcase_add_test(tc, test_executors_split);
    tcase_add_test(tc, test_bad_segments);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
