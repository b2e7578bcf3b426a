/*
 * test_load_reconcile.c: the reconciliation of what clients were told with what a
 * system stores: each rule of reconcile.h fires on the case it names and only there
 * (lost, phantom, oversold by count and at one moment, ids, missing keys), unknown
 * outcomes widen the bounds, and a multi-key attempt is one booking per key.
 */
#include "unit.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/reconcile.h"

#define MS 1000000ull

static struct rec_attempt book(const char *key, enum rec_outcome o, const char *id, uint64_t sent,
                               uint64_t answered)
{
    return (struct rec_attempt){ key, id, 1, REC_BOOK, o, sent * MS, answered * MS, 1 };
}

static struct rec_attempt cancel(const char *key, enum rec_outcome o, const char *id, uint64_t sent)
{
    return (struct rec_attempt){ key, id, 1, REC_CANCEL, o, sent * MS, (sent + 1) * MS, 1 };
}

static struct rec_result judge(struct rec_attempt *a, size_t na, struct rec_key *k, size_t nk)
{
    struct rec_result r;
    ck_assert_int_eq(rec_reconcile(a, na, k, nk, &r), 0);
    return r;
}

START_TEST(test_clean_run)
{
    struct rec_attempt a[] = { book("R1", REC_OK, "b1", 1, 2), book("R1", REC_FAIL, NULL, 1, 3),
                               book("R1", REC_FAIL, NULL, 1, 3) };
    struct rec_id ids[] = { { "b1", 1 } };
    struct rec_key k[] = { { "R1", 1, 1, ids, 1 } };
    struct rec_result r = judge(a, 3, k, 1);
    ck_assert_int_eq(r.overbookings, 0);
    ck_assert_int_eq(r.violations, 0);
    ck_assert_uint_eq(r.nfindings, 0);
}
END_TEST

START_TEST(test_lost_and_phantom)
{
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 1, 2), book("A", REC_OK, NULL, 1, 2),
                               book("B", REC_FAIL, NULL, 1, 2) };
    struct rec_key k[] = { { "A", 5, 1, NULL, 0 }, { "B", 5, 1, NULL, 0 } };
    struct rec_result r = judge(a, 3, k, 2);
    ck_assert_int_eq(r.by_kind[REC_LOST], 1);
    ck_assert_int_eq(r.by_kind[REC_PHANTOM], 1);
    ck_assert_int_eq(r.violations, 2);
    ck_assert_int_eq(r.overbookings, 0);
    ck_assert_str_eq(r.findings[0].key, "A");
    ck_assert_int_eq(r.findings[0].kind, REC_LOST);
    ck_assert_int_eq(r.findings[0].expected, 2);
    ck_assert_int_eq(r.findings[0].got, 1);
}
END_TEST

START_TEST(test_unknown_widens_bounds)
{
    /* one unknown book: stored may be 1 or 2; one unknown cancel: may be 0 or 1 */
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 1, 2), book("A", REC_UNKNOWN, NULL, 1, 0),
                               book("B", REC_OK, "x", 1, 2), cancel("B", REC_UNKNOWN, "x", 5) };
    for (int sa = 0; sa <= 3; sa++)
        for (int sb = 0; sb <= 2; sb++) {
            struct rec_attempt c[4];
            memcpy(c, a, sizeof a);
            struct rec_key k[] = { { "A", 5, sa, NULL, 0 }, { "B", 5, sb, NULL, 0 } };
            struct rec_result r = judge(c, 4, k, 2);
            int want = (sa < 1 || sa > 2) + (sb > 1);
            ck_assert_int_eq(r.violations, want);
        }
}
END_TEST

START_TEST(test_oversold_by_count)
{
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 1, 2), book("A", REC_OK, NULL, 1, 2) };
    struct rec_key k[] = { { "A", 1, 2, NULL, 0 } };
    struct rec_result r = judge(a, 2, k, 1);
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.by_kind[REC_OVERSOLD], 1);
    ck_assert_int_eq(r.by_kind[REC_OVERSOLD_IN_TIME], 1);
    ck_assert_int_eq(r.violations, 0);
}
END_TEST

START_TEST(test_oversold_at_one_moment)
{
    /* two bookings held together at 3 ms, one cancelled afterwards: stored 1 <= 1, but
     * for a moment two guests held the one room */
    struct rec_attempt a[] = { book("A", REC_OK, "b1", 1, 2), book("A", REC_OK, "b2", 1, 3),
                               cancel("A", REC_OK, "b1", 10) };
    struct rec_id ids[] = { { "b2", 1 } };
    struct rec_key k[] = { { "A", 1, 1, ids, 1 } };
    struct rec_result r = judge(a, 3, k, 1);
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.by_kind[REC_OVERSOLD], 0);
    ck_assert_int_eq(r.by_kind[REC_OVERSOLD_IN_TIME], 1);
    ck_assert_int_eq(r.findings[0].got, 2);
    ck_assert_uint_eq(r.findings[0].at, 3 * MS);
    ck_assert_int_eq(r.violations, 0);
    /* the same with the cancel sent before the second answer: never two at once */
    struct rec_attempt b[] = { book("A", REC_OK, "b1", 1, 2), cancel("A", REC_OK, "b1", 2),
                               book("A", REC_OK, "b2", 1, 3) };
    r = judge(b, 3, k, 1);
    ck_assert_int_eq(r.overbookings, 0);
}
END_TEST

START_TEST(test_ids)
{
    struct rec_attempt a[] = { book("A", REC_OK, "b1", 1, 2), book("A", REC_FAIL, "b2", 1, 2),
                               book("A", REC_OK, "b3", 1, 2) };
    struct rec_id ids[] = { { "b2", 1 }, { "b3", 2 } };
    struct rec_key k[] = { { "A", 5, 3, ids, 2 } };
    struct rec_result r = judge(a, 3, k, 1);
    ck_assert_int_eq(r.by_kind[REC_ID_MISSING], 1);
    ck_assert_int_eq(r.by_kind[REC_ID_FAILED_STORED], 1);
    ck_assert_int_eq(r.by_kind[REC_ID_QTY], 1);
    ck_assert_int_eq(r.overbookings, 0);
}
END_TEST

START_TEST(test_missing_key_and_multi_key)
{
    /* one stay of two nights (one id under two keys) is one booking per key */
    struct rec_attempt a[] = { book("N1", REC_OK, "s1", 1, 2), book("N2", REC_OK, "s1", 1, 2),
                               book("N3", REC_OK, "s2", 1, 2) };
    struct rec_id ids[] = { { "s1", 1 } };
    struct rec_key k[] = { { "N2", 1, 1, ids, 1 }, { "N1", 1, 1, ids, 1 } };
    struct rec_result r = judge(a, 3, k, 2);
    ck_assert_int_eq(r.violations, 1);
    ck_assert_int_eq(r.by_kind[REC_KEY_MISSING], 1);
    ck_assert_str_eq(r.findings[0].key, "N3");
    ck_assert_int_eq(r.overbookings, 0);
}
END_TEST

START_TEST(test_evidence_names_key_and_attempts)
{
    struct rec_attempt a[] = { book("A", REC_OK, "b1", 1, 2), book("A", REC_OK, "b2", 1, 2) };
    struct rec_key k[] = { { "A", 1, 2, NULL, 0 } };
    struct rec_result r = judge(a, 2, k, 1);
    char buf[2048];
    rec_evidence(&r, a, 2, 0, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "overbooking: stored more than the capacity: key A"));
    ck_assert_ptr_nonnull(strstr(buf, "VU 1 book ok qty 1 id b1 sent 1.000 ms answered 2.000 ms"));
    char small[40];
    rec_evidence(&r, a, 2, 0, small, sizeof small);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

UNIT_MAIN("reconcile", test_clean_run, test_lost_and_phantom, test_unknown_widens_bounds,
          test_oversold_by_count, test_oversold_at_one_moment, test_ids,
          test_missing_key_and_multi_key, test_evidence_names_key_and_attempts)
