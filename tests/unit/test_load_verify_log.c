/*
 * test_load_verify_log.c: sold_out_while_free judged from an inventory change log: a
 * refusal while the night had too few rooms free at some moment of the request's
 * window is right; one while every night had the rooms free throughout is caught, with
 * its evidence; a refusal whose window opens before the log knows the night's state is
 * not judged; the margin widens the window on both sides.
 */
#include "unit.h"
#include <string.h>

#include "load/booking/verify_log.h"

#define RT  5
#define DAY 20500

/* One night: 4 free from t=1000, 1 from t=2000, 3 from t=3000; the next night 0 free
 * from t=1000. */
static const struct vlog_entry log_[] = {
    { RT, DAY, 4, 1000 },
    { RT, DAY, 1, 2000 },
    { RT, DAY, 3, 3000 },
    { RT, DAY + 1, 0, 1000 },
};

static struct history_rec refused(int64_t at, int64_t answered, int nights, int qty)
{
    return (struct history_rec){ .room_type_id = RT,
                                 .check_in = DAY,
                                 .nights = (int16_t)nights,
                                 .quantity = (int16_t)qty,
                                 .outcome = HISTORY_REFUSED,
                                 .hold_at_ms = at,
                                 .settled_ms = answered };
}

static struct verify_result judge(const struct history_rec *recs, size_t n)
{
    struct verify_result r;
    memset(&r, 0, sizeof r);
    vlog_judge(recs, n, log_, sizeof log_ / sizeof log_[0], &r);
    return r;
}

START_TEST(test_refusals_judged)
{
    struct history_rec recs[] = {
        refused(2500, 2600, 1, 2), /* 1 free: right */
        refused(1500, 2100, 1, 2), /* 4, then 1 inside the window: right */
        refused(500, 600, 1, 1),   /* before the log knew the night: not judged */
        refused(3500, 3600, 2, 1), /* the second night has none: right */
    };
    struct verify_result r = judge(recs, 4);
    ck_assert_int_eq(r.sold_out_while_free, 0);
    ck_assert_int_eq(r.refusals_checked, 3);
    ck_assert_int_eq(r.nevidence, 0);
}
END_TEST

START_TEST(test_false_sold_out_caught)
{
    struct history_rec recs[] = { refused(3500, 3600, 1, 3) }; /* 3 free, 3 asked */
    struct verify_result r = judge(recs, 1);
    ck_assert_int_eq(r.sold_out_while_free, 1);
    ck_assert_int_eq(r.violations, 1);
    ck_assert_int_eq(r.refusals_checked, 1);
    ck_assert_int_eq(r.nevidence, 1);
    ck_assert_str_eq(r.evidence[0].check, "sold_out_while_free");
    ck_assert_ptr_nonnull(strstr(r.evidence[0].text, "a hold of 3 answered sold_out, yet the "
                                                     "log shows at least 3 free"));
    recs[0].outcome = HISTORY_OK; /* only refusals */
    ck_assert_int_eq(judge(recs, 1).refusals_checked, 0);
}
END_TEST

START_TEST(test_margin)
{
    /* the answer came 10 ms before the night went down to 1: within the margin */
    struct history_rec recs[] = { refused(1900, 1990, 1, 2) };
    ck_assert_int_eq(judge(recs, 1).sold_out_while_free, 0);
    recs[0] = refused(1900, 1970, 1, 2); /* 30 ms before: caught */
    ck_assert_int_eq(judge(recs, 1).sold_out_while_free, 1);
}
END_TEST

UNIT_MAIN("verify_log", test_refusals_judged, test_false_sold_out_caught, test_margin)
