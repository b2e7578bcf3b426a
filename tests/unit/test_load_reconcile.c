/*
 * test_load_reconcile.c: the reconciliation of what clients were told with what a
 * system stores: each rule of reconcile.h fires on the case it names and only there
 * (lost, phantom, oversold by count and at one moment, ids, missing keys), unknown
 * outcomes widen the bounds, and a multi-key attempt is one booking per key; each
 * key's figures (bounds, peak, excess, drift) exactly, in the caller's order; what is
 * held counts against the capacity only; the slack widens the phantom bound only;
 * unknowns resolved afterwards narrow the bounds but not what was acknowledged; a
 * ledger's counters and peak; attempts without times count as the end state.
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
    return (struct rec_attempt){ .key = key,
                                 .id = id,
                                 .qty = 1,
                                 .op = REC_BOOK,
                                 .outcome = o,
                                 .t_send = sent * MS,
                                 .t_answer = answered * MS,
                                 .vu = 1 };
}

static struct rec_attempt cancel(const char *key, enum rec_outcome o, const char *id, uint64_t sent)
{
    return (struct rec_attempt){ .key = key,
                                 .id = id,
                                 .qty = 1,
                                 .op = REC_CANCEL,
                                 .outcome = o,
                                 .t_send = sent * MS,
                                 .t_answer = (sent + 1) * MS,
                                 .vu = 1 };
}

static struct rec_key key(const char *name, int64_t capacity, int64_t stored,
                          const struct rec_id *ids, size_t nids)
{
    return (struct rec_key){
        .key = name, .capacity = capacity, .stored = stored, .ids = ids, .nids = nids
    };
}

static struct rec_result judge(struct rec_attempt *a, size_t na, struct rec_key *k, size_t nk)
{
    struct rec_result r;
    ck_assert_int_eq(rec_reconcile(a, na, k, nk, NULL, &r), 0);
    return r;
}

START_TEST(test_clean_run)
{
    struct rec_attempt a[] = { book("R1", REC_OK, "b1", 1, 2), book("R1", REC_FAIL, NULL, 1, 3),
                               book("R1", REC_FAIL, NULL, 1, 3) };
    struct rec_id ids[] = { { "b1", 1 } };
    struct rec_key k[] = { key("R1", 1, 1, ids, 1) };
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
    struct rec_key k[] = { key("A", 5, 1, NULL, 0), key("B", 5, 1, NULL, 0) };
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
            struct rec_key k[] = { key("A", 5, sa, NULL, 0), key("B", 5, sb, NULL, 0) };
            struct rec_result r = judge(c, 4, k, 2);
            int want = (sa < 1 || sa > 2) + (sb > 1);
            ck_assert_int_eq(r.violations, want);
        }
}
END_TEST

START_TEST(test_oversold_by_count)
{
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 1, 2), book("A", REC_OK, NULL, 1, 2) };
    struct rec_key k[] = { key("A", 1, 2, NULL, 0) };
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
    struct rec_key k[] = { key("A", 1, 1, ids, 1) };
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
    struct rec_key k[] = { key("A", 5, 3, ids, 2) };
    struct rec_result r = judge(a, 3, k, 1);
    ck_assert_int_eq(r.by_kind[REC_ID_MISSING], 1);
    ck_assert_int_eq(r.by_kind[REC_ID_FAILED_STORED], 1);
    ck_assert_int_eq(r.by_kind[REC_ID_QTY], 1);
    ck_assert_int_eq(r.overbookings, 0);
    struct rec_key_result out[1]; /* the key's figures name them too */
    ck_assert_int_eq(rec_reconcile(a, 3, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, (1u << REC_ID_MISSING) | (1u << REC_ID_FAILED_STORED)
                                        | (1u << REC_ID_QTY) | (1u << REC_PHANTOM));
}
END_TEST

START_TEST(test_missing_key_and_multi_key)
{
    /* one stay of two nights (one id under two keys) is one booking per key */
    struct rec_attempt a[] = { book("N1", REC_OK, "s1", 1, 2), book("N2", REC_OK, "s1", 1, 2),
                               book("N3", REC_OK, "s2", 1, 2) };
    struct rec_id ids[] = { { "s1", 1 } };
    struct rec_key k[] = { key("N2", 1, 1, ids, 1), key("N1", 1, 1, ids, 1) };
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
    struct rec_key k[] = { key("A", 1, 2, NULL, 0) };
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

/* Each key's figures, exactly, in the order the keys were given. */
START_TEST(test_key_results)
{
    struct rec_attempt a[] = { book("B", REC_OK, NULL, 1, 2), book("B", REC_OK, NULL, 1, 4),
                               book("B", REC_UNKNOWN, NULL, 1, 0), cancel("B", REC_OK, NULL, 3),
                               book("A", REC_OK, NULL, 1, 2) };
    struct rec_key k[] = { key("B", 1, 3, NULL, 0), key("A", 2, 0, NULL, 0) };
    struct rec_key_result out[2];
    struct rec_result r;
    ck_assert_int_eq(rec_reconcile(a, 5, k, 2, out, &r), 0);
    ck_assert_str_eq(out[0].key, "B"); /* B: told 2 ok, 1 cancelled, 1 unknown */
    ck_assert_int_eq(out[0].capacity, 1);
    ck_assert_int_eq(out[0].stored, 3);
    ck_assert_int_eq(out[0].acked, 1);
    ck_assert_int_eq(out[0].low, 1);
    ck_assert_int_eq(out[0].high, 2);
    ck_assert_int_eq(out[0].peak, 1); /* the cancel at 3 ms came before the answer at 4 */
    ck_assert_int_eq(out[0].drift, 1);
    ck_assert_int_eq(out[0].excess, 2);
    ck_assert_uint_eq(out[0].fired, (1u << REC_PHANTOM) | (1u << REC_OVERSOLD));
    ck_assert_str_eq(out[1].key, "A"); /* A: one told, none stored */
    ck_assert_int_eq(out[1].low, 1);
    ck_assert_int_eq(out[1].high, 1);
    ck_assert_int_eq(out[1].drift, -1);
    ck_assert_int_eq(out[1].excess, 0);
    ck_assert_uint_eq(out[1].fired, 1u << REC_LOST);
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.violations, 2);
}
END_TEST

/* What is held counts against the capacity, never as booked. */
START_TEST(test_held_counts_against_capacity_only)
{
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 1, 2) };
    struct rec_key k[] = { key("A", 2, 1, NULL, 0) };
    struct rec_key_result out[1];
    struct rec_result r;
    k[0].held = 1; /* 1 + 1 of 2: fits */
    ck_assert_int_eq(rec_reconcile(a, 1, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, 0);
    ck_assert_int_eq(out[0].held, 1);
    k[0].held = 3; /* 1 + 3 of 2 */
    ck_assert_int_eq(rec_reconcile(a, 1, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, 1u << REC_OVERSOLD);
    ck_assert_int_eq(out[0].excess, 2);
    ck_assert_int_eq(r.findings[0].got, 4);
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.violations, 0); /* not a phantom: held is not stored */
}
END_TEST

/* The slack lets unrecorded attempts account for more stored, never for less. */
START_TEST(test_slack_widens_phantom_bound)
{
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 1, 2) };
    struct rec_key k[] = { key("A", 9, 4, NULL, 0) };
    struct rec_key_result out[1];
    struct rec_result r;
    k[0].slack = 3; /* 1 told + 3 */
    ck_assert_int_eq(rec_reconcile(a, 1, k, 1, out, &r), 0);
    ck_assert_int_eq(out[0].high, 4);
    ck_assert_uint_eq(out[0].fired, 0);
    k[0].stored = 5;
    ck_assert_int_eq(rec_reconcile(a, 1, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, 1u << REC_PHANTOM);
    ck_assert_int_eq(out[0].drift, 1);
    ck_assert_int_eq(r.findings[0].expected, 4);
    k[0].stored = 0; /* lost: the slack does not lower the floor */
    ck_assert_int_eq(rec_reconcile(a, 1, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, 1u << REC_LOST);
    ck_assert_int_eq(out[0].low, 1);
}
END_TEST

/* An unknown resolved afterwards counts as what it was in the bounds; what the clients
 * were told (acked, peak) stays as told. */
START_TEST(test_resolved_unknowns)
{
    struct rec_attempt a[] = { book("A", REC_UNKNOWN, NULL, 1, 0), book("A", REC_OK, NULL, 1, 2),
                               cancel("A", REC_UNKNOWN, NULL, 5) };
    struct rec_key k[] = { key("A", 5, 1, NULL, 0) };
    struct rec_key_result out[1];
    struct rec_result r;
    ck_assert_int_eq(rec_reconcile(a, 3, k, 1, out, &r), 0);
    ck_assert_int_eq(out[0].low, 0); /* unresolved: 0 .. 2 */
    ck_assert_int_eq(out[0].high, 2);
    ck_assert_uint_eq(out[0].fired, 0);
    for (int i = 0; i < 3; i++) /* the book happened, the cancel did not */
        a[i].resolved = a[i].op == REC_BOOK ? REC_HAPPENED : REC_NOT_HAPPENED;
    ck_assert_int_eq(rec_reconcile(a, 3, k, 1, out, &r), 0);
    ck_assert_int_eq(out[0].low, 2);
    ck_assert_int_eq(out[0].high, 2);
    ck_assert_int_eq(out[0].acked, 0);
    ck_assert_uint_eq(out[0].fired, 1u << REC_LOST);
    for (int i = 0; i < 3; i++) /* neither happened */
        a[i].resolved = REC_NOT_HAPPENED;
    k[0].stored = 1;
    ck_assert_int_eq(rec_reconcile(a, 3, k, 1, out, &r), 0);
    ck_assert_int_eq(out[0].low, 1);
    ck_assert_int_eq(out[0].high, 1);
    ck_assert_uint_eq(out[0].fired, 0);
}
END_TEST

/* A ledger's counters must equal what is stored and held; they, and its peak, count
 * against the capacity; the key is one overbooking whatever the measures. */
START_TEST(test_ledger)
{
    struct rec_ledger l = { 2, 1, 2 };
    struct rec_key k[] = { key("A", 3, 2, NULL, 0) };
    struct rec_key_result out[1];
    struct rec_result r;
    k[0].held = 1;
    k[0].ledger = &l;
    ck_assert_int_eq(rec_reconcile(NULL, 0, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, 1u << REC_PHANTOM); /* 2 stored, none told */
    k[0].slack = 2;
    l = (struct rec_ledger){ 1, 3, 5 };
    ck_assert_int_eq(rec_reconcile(NULL, 0, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, (1u << REC_OVERSOLD_LEDGER) | (1u << REC_OVERSOLD_LEDGER_PEAK)
                                        | (1u << REC_LEDGER_STORED) | (1u << REC_LEDGER_HELD));
    ck_assert_int_eq(out[0].excess, 2); /* the peak, 5 of 3 */
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.violations, 2);
    ck_assert_int_eq(r.findings[2].kind, REC_LEDGER_STORED);
    ck_assert_int_eq(r.findings[2].expected, 2);
    ck_assert_int_eq(r.findings[2].got, 1);
    l = (struct rec_ledger){ 2, 1, -1 }; /* the peak not kept: not judged */
    ck_assert_int_eq(rec_reconcile(NULL, 0, k, 1, out, &r), 0);
    ck_assert_uint_eq(out[0].fired, 0);
}
END_TEST

/* Attempts without times count at one instant, cancels first: the peak is what the
 * clients hold at the end. */
START_TEST(test_untimed_peak_is_end_state)
{
    struct rec_attempt a[] = { book("A", REC_OK, NULL, 0, 0), book("A", REC_OK, NULL, 0, 0),
                               book("A", REC_OK, NULL, 0, 0), cancel("A", REC_OK, NULL, 0) };
    a[3].t_answer = 0;
    struct rec_key k[] = { key("A", 2, 2, NULL, 0) };
    struct rec_key_result out[1];
    struct rec_result r;
    ck_assert_int_eq(rec_reconcile(a, 4, k, 1, out, &r), 0);
    ck_assert_int_eq(out[0].peak, 2);
    ck_assert_uint_eq(out[0].fired, 0);
    a[3].outcome = REC_FAIL;
    k[0].stored = 3;
    ck_assert_int_eq(rec_reconcile(a, 4, k, 1, out, &r), 0);
    ck_assert_int_eq(out[0].peak, 3);
    ck_assert_uint_eq(out[0].fired, (1u << REC_OVERSOLD) | (1u << REC_OVERSOLD_IN_TIME));
    ck_assert_int_eq(out[0].excess, 1);
}
END_TEST

UNIT_MAIN("reconcile", test_clean_run, test_lost_and_phantom, test_unknown_widens_bounds,
          test_oversold_by_count, test_oversold_at_one_moment, test_ids,
          test_missing_key_and_multi_key, test_evidence_names_key_and_attempts, test_key_results,
          test_held_counts_against_capacity_only, test_slack_widens_phantom_bound,
          test_resolved_unknowns, test_ledger, test_untimed_peak_is_end_state)
